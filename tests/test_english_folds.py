"""bench/english_folds.py: English questions scored by fold group, the held-out folds kept apart."""

import json

import pytest
from conftest import ROOT, bench_module

CORPUS_FILES = ("ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md", "thong-tin-sinh-hoat-noi-bo-2020-12.txt")


@pytest.fixture(scope="module")
def english_folds():
    with bench_module("english_folds") as module:
        yield module


def test_folds_are_scored_apart_and_only_tuning_misses_are_named(english_folds, fake_kb, tmp_path):
    rows = [json.loads(line) for line in (ROOT / "eval" / "english-dev.jsonl").read_text(encoding="utf-8").splitlines()]
    about_corpus = [row for row in rows if row["relevant"][0]["doc"] in CORPUS_FILES]
    assert len(about_corpus) >= 2
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(row | {"fold": i % 2}) + "\n" for i, row in enumerate(about_corpus)))
    scored = english_folds.score(fake_kb, questions)
    assert [r["id"] for r in scored] == [row["id"] for row in about_corpus]
    assert all(r["hit@5"] in (0.0, 1.0) and 0 <= r["mrr@10"] <= 1 for r in scored)
    report = english_folds.report(scored, tune={0})
    assert report["tuning"]["n"] + report["held_out"]["n"] == report["all"]["n"] == len(about_corpus)
    assert report["tuning"]["hit@5"][0] == round(sum(r["hit@5"] for r in scored if r["fold"] == 0)
                                                 / report["tuning"]["n"], 3)
    held_out = {r["id"] for r in scored if r["fold"] == 1}
    assert not held_out & set(report["missed@5"])
    assert set(report["missed@5"]) == {r["id"] for r in scored if r["fold"] == 0 and not r["hit@5"]}


def test_english_keeps_the_questions_read_as_english_whatever_their_kind(english_folds, fake_kb, tmp_path):
    rows = [json.loads(line) for line in (ROOT / "eval" / "english-dev.jsonl").read_text(encoding="utf-8").splitlines()]
    english = next(row for row in rows if row["relevant"][0]["doc"] in CORPUS_FILES)
    vietnamese = english | {"id": "vi-1", "query": "Kế hoạch tuyên truyền đại hội do ai ký?", "kind": "english"}
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(row | {"fold": 0}) + "\n" for row in (english, vietnamese)))
    assert [r["id"] for r in english_folds.score(fake_kb, questions)] == [english["id"], "vi-1"]
    assert [r["id"] for r in english_folds.score(fake_kb, questions, english=True)] == [english["id"]]
