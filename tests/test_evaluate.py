"""kb eval: metrics on hand-made rankings, both question formats, query variants, the BM25 baseline."""

import json
import math
import unicodedata
from pathlib import Path

import pytest
from conftest import BULLETIN, CORPUS, ROOT, backend_home

from kb.errors import InvalidQueryError
from kb.evaluation import alqac
from kb.evaluation.baseline import BM25Baseline
from kb.evaluation.bootstrap import interval
from kb.evaluation.evaluate import (
    METRICS,
    evaluate_file,
    format_report,
    load_question_set,
    score_ranking,
)
from kb.evaluation.variants import (
    VARIANTS,
    half_accents,
    parse_variants,
    with_typos,
)
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase

ALQAC = ROOT.parent / "shared" / "data" / "alqac2023"


def test_score_ranking_first_hit_at_two():
    figures = score_ranking([set(), {0}, set()], relevant=1)
    assert figures["hit@1"] == 0 and figures["hit@5"] == 1 and figures["mrr@10"] == 0.5
    assert figures["ndcg@10"] == pytest.approx(1 / math.log2(3)) and figures["recall@10"] == 1


def test_score_ranking_two_gold_items_ndcg_and_recall():
    figures = score_ranking([{0}, set(), {1}], relevant=2)
    assert figures["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    assert score_ranking([{1}] + [set()] * 9, relevant=2)["recall@10"] == 0.5


def test_score_ranking_counts_a_gold_item_once_and_caps_ndcg():
    assert score_ranking([{0}, {0}], relevant=1)["ndcg@10"] == 1.0
    assert score_ranking([{0, 1}], relevant=2)["ndcg@10"] == 1.0


def test_score_ranking_only_the_first_ten_count():
    figures = score_ranking([set()] * 10 + [{0}], relevant=1)
    assert all(figures[m] == 0 for m in METRICS)


def test_load_jsonl_questions_and_judge_snippets(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "query": "Chỉ thị 05", "kind": "reference", "relevant": [
        {"doc": "x/bulletin.txt", "contains": "CHỈ THỊ   số 05"}, {"doc": "bulletin.txt", "contains": "khác"}]},
        ensure_ascii=False) + "\n\n", encoding="utf-8")
    qset, passages = load_question_set(path)
    assert passages is None and [q.kind for q in qset.questions] == ["reference"]
    result = {"document": {"source": "bulletin.txt"}, "text": "Thực hiện Chỉ thị số 05-CT/TW", "section": ""}
    assert qset.ranking([result, result], qset.questions[0], 10) == [{0}, {0}]
    wrapped = result | {"text": "Thực hiện Chỉ thị\nsố 05-CT/TW"}  # the passage wraps the line the snippet quotes
    assert qset.ranking([wrapped], qset.questions[0], 10) == [{0}]


def test_load_jsonl_refuses_a_bad_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "x"}\n', encoding="utf-8")
    with pytest.raises(InvalidQueryError, match="line 1"):
        load_question_set(path)


def _tiny_alqac(tmp_path: Path) -> Path:
    long_clause = " ".join(["Viên chức được hưởng lương."] * 60)
    laws = [{"id": "Luật A 2020", "articles": [
        {"id": "1", "text": "Phạm vi điều chỉnh\n\nLuật này quy định về viên chức."},
        {"id": "2", "text": f"Quyền của viên chức\n\n1. {long_clause}\n\n2. {long_clause}"}]},
        {"id": "Hiến pháp 2013", "articles": [{"id": "1", "text": "Nước Việt Nam là một nước độc lập."}]}]
    (tmp_path / "legal_passages.json").write_text(json.dumps(laws, ensure_ascii=False), encoding="utf-8")
    questions = [{"example_id": "e1", "statement": "Viên chức được hưởng lương",
                  "legal_passages": [{"law_id": "Luật A 2020", "article_id": "2"}]}]
    (tmp_path / "train.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    return tmp_path / "train.json"


def test_alqac_laws_become_documents_with_one_article_per_heading(tmp_path):
    passages = _tiny_alqac(tmp_path).with_name("legal_passages.json")
    law, constitution = (alqac.law_document(law, passages) for law in alqac.load_laws(passages))
    assert law.chunks[0].section == "Luật A 2020 › Điều 1. Phạm vi điều chỉnh"
    assert law.chunks[0].text == "Luật này quy định về viên chức."
    second = [c for c in law.chunks if alqac.article_of({"section": c.section}) == ("Luật A 2020", "2")]
    assert len(second) > 1 and all(len(c.text.split()) <= 1.5 * alqac.MAX_WORDS for c in second)
    assert all(law.source.text[c.char_start:c.char_end] == c.text for c in law.chunks)
    assert constitution.chunks[0].section == "Hiến pháp 2013 › Điều 1"  # a sentence is not a title


def test_alqac_questions_are_scored_by_article_each_article_once(tmp_path):
    qset, passages = load_question_set(_tiny_alqac(tmp_path))
    assert passages == tmp_path / "legal_passages.json" and qset.questions[0].gold == (("Luật A 2020", "2"),)
    hit = {"section": "Luật A 2020 › Điều 2. Quyền của viên chức"}
    miss = {"section": "Luật A 2020 › Điều 1. Phạm vi điều chỉnh"}
    assert qset.ranking([miss, miss, hit, hit], qset.questions[0], 10) == [set(), {0}]


def test_alqac_questions_need_their_passages(tmp_path):
    (tmp_path / "train.json").write_text("[]", encoding="utf-8")
    with pytest.raises(InvalidQueryError, match="legal_passages.json"):
        load_question_set(tmp_path / "train.json")


@pytest.mark.skipif(not ALQAC.exists(), reason="../shared/data/alqac2023 is not here")
def test_the_real_alqac_files_load():
    laws = alqac.load_laws(ALQAC / "legal_passages.json")
    assert len(laws) == 18 and sum(len(law["articles"]) for law in laws) == 2256
    qset, _ = load_question_set(ALQAC / "train.json")
    assert len(qset.questions) == 76


def _has_diacritics(text: str) -> bool:
    return "đ" in text.lower() or any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def test_unaccented_variant_leaves_no_diacritics_and_keeps_case():
    assert VARIANTS["unaccented"]("Chỉ thị 05 yêu cầu gì? Đảng ủy") == "Chi thi 05 yeu cau gi? Dang uy"
    assert not _has_diacritics(VARIANTS["unaccented"]("Người xem dưới 16 tuổi được xem phim"))


def test_half_accents_strips_every_other_syllable():
    text = "Người xem dưới mười sáu tuổi được xem phim thuộc phân loại"
    words, half = text.split(), half_accents(text).split()
    changed = [a != b for a, b in zip(words, half)]
    assert not any(changed[1::2]) and half[0] == "Nguoi" and 0.3 <= sum(changed) / len(words) <= 0.5
    assert half_accents(text) == half_accents(text)


def test_typos_are_seeded_and_touch_about_one_long_word_in_four():
    text = "Viên chức được hưởng lương theo quy định của pháp luật về tiền lương"
    typed = with_typos(text)
    assert typed == with_typos(text) and typed != text and with_typos(text, seed=7) != typed
    changed = sum(a != b for a, b in zip(text.split(), typed.split()))
    eligible = sum(len(w) >= 4 for w in text.split())
    assert changed == round(eligible / 4) and len(typed) >= len(text) - 1


def test_parse_variants():
    assert parse_variants("all") == list(VARIANTS)
    assert parse_variants("typos,unaccented") == ["typed", "typos", "unaccented"]
    with pytest.raises(InvalidQueryError):
        parse_variants("shouting")


def test_bootstrap_interval_holds_the_mean_and_narrows_with_more_questions():
    hits = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]  # 0.7
    low, high = interval(hits)
    assert low < 0.7 < high and 0 <= low and high <= 1
    wide, narrow = high - low, (lambda b: b[1] - b[0])(interval(hits * 10))
    assert narrow < wide / 2  # a hundred questions like these: about a third of the width (1/sqrt(10))
    assert interval(hits) == (low, high)  # a fixed seed: the same report twice
    assert interval([0.5] * 20) == (0.5, 0.5) and interval([]) == (0.0, 0.0)


def test_bm25_baseline_ranks_the_exact_match_first():
    baseline = BM25Baseline([(1, "Kế hoạch tuyên truyền đại hội"), (2, "Chỉ thị 05 về học tập và làm theo"),
                             (3, "Thông điệp 5K: khẩu trang, khử khuẩn"), (4, "đại hội đảng bộ")])
    assert baseline.search("chi thi 05", 3)[0][0] == 2
    assert baseline.search("Thông điệp 5K", 3)[0][0] == 3
    assert baseline.search("???", 3) == []


@pytest.mark.e2e
def test_evaluate_file_reports_kb_beside_bm25_for_each_variant(corpus_kb, tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "q1", "query": "Chỉ thị 05 yêu cầu gì", "kind": "reference", "relevant": [
        {"doc": BULLETIN, "contains": "Chỉ thị 05"}]}, ensure_ascii=False) + "\n" + json.dumps(
        {"id": "q2", "query": "Nghị định về thuế tiêu thụ đặc biệt", "kind": "noanswer", "relevant": []},
        ensure_ascii=False), encoding="utf-8")
    report = evaluate_file(path, corpus_kb.settings, variants=["typed", "unaccented"])
    assert set(report["variants"]) == {"typed", "unaccented"}
    assert (report["questions"], report["without_answer"]) == (1, 1)  # the unanswerable one does not count as a miss
    for systems in report["variants"].values():
        assert set(systems) == {"kb", "bm25"} and systems["kb"]["overall"]["hit@1"] == 1.0
        overall = systems["kb"]["overall"]
        assert all(low <= overall[m] <= high for m, (low, high) in overall["ci95"].items())
        refusal = systems["kb"]["refusal"]
        assert refusal["answerable"] == {"questions": 1, "refused": 0.0, "ci95": (0.0, 0.0)}
        assert refusal["without_answer"]["questions"] == 1
    text = format_report(report)
    assert "unaccented" in text and "bm25" in text and "ndcg@10" in text and "1 questions without an answer" in text
    assert "95%" in text and "questions without an answer (95%" in text


@pytest.mark.e2e
def test_alqac_index_is_built_once_then_reused_and_scored_by_article(tmp_path, model_path):
    from kb.config import load_settings

    questions = _tiny_alqac(tmp_path)
    settings = load_settings(tmp_path / "home", model=str(model_path))
    first = evaluate_file(questions, settings, variants=["typed"])
    again = evaluate_file(questions, settings, variants=["typed"])
    assert first["index"]["articles"] == 3 and not first["index"]["reused"] and again["index"]["reused"]
    for system in ("kb", "bm25"):
        assert again["variants"]["typed"][system]["overall"]["hit@1"] == 1.0
    assert "(reused)" in format_report(again)


@pytest.mark.e2e
def test_evaluate_through_the_api_gives_the_in_process_figures(corpus_kb, server):
    path = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not path.exists():
        pytest.skip("../shared/eval/dev.jsonl is not here")
    local = evaluate_file(path, corpus_kb.settings)
    remote = evaluate_file(path, corpus_kb.settings, api=server)
    assert remote["via"] == server
    assert remote["variants"]["typed"]["kb"]["overall"] == local["variants"]["typed"]["kb"]["overall"]


@pytest.mark.e2e
def test_evaluate_gives_the_sqlite_figures_on_postgres(request, corpus_kb, model_path, tmp_path):
    """dev.jsonl over the corpus indexed by the real model into each store: the same figures (halfvec ±0.01)."""
    from kb.config import load_settings

    path = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not path.exists():
        pytest.skip("../shared/eval/dev.jsonl is not here")
    settings = load_settings(backend_home(request, tmp_path / "pg-home", "postgres"), model=str(model_path))
    kb = KnowledgeBase(settings)
    index_paths(kb, [CORPUS])
    kb.close()
    variants = ["typed", "unaccented"]
    figures = [evaluate_file(path, s, variants=variants)["variants"] for s in (settings, corpus_kb.settings)]
    for variant in variants:
        on_pg, on_sqlite = (f[variant]["kb"]["overall"] for f in figures)
        for metric in METRICS:
            assert on_pg[metric] == pytest.approx(on_sqlite[metric], abs=0.01), (variant, metric)


# Four short laws of the real ALQAC that 55 train statements are about (208 articles: seconds to embed).
ALQAC_SLICE = {"Luật Viên chức 2010", "Luật Phòng, chống ma túy 2021", "Luật Thanh niên 2020", "Luật Điện ảnh 2022"}


def _alqac_slice(folder: Path) -> Path:
    """The laws of ``ALQAC_SLICE`` with the train statements answered in them."""
    laws = json.loads((ALQAC / "legal_passages.json").read_text(encoding="utf-8"))
    kept = [law for law in laws if law["id"] in ALQAC_SLICE]
    names = {law["id"] for law in kept}
    statements = [s for s in json.loads((ALQAC / "train.json").read_text(encoding="utf-8"))
                  if {g["law_id"] for g in s["legal_passages"]} <= names]
    folder.mkdir()
    (folder / "legal_passages.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    (folder / "train.json").write_text(json.dumps(statements, ensure_ascii=False), encoding="utf-8")
    return folder / "train.json"


@pytest.mark.e2e
@pytest.mark.skipif(not ALQAC.exists(), reason="../shared/data/alqac2023 is not here")
def test_alqac_on_postgres_gives_the_sqlite_figures_from_the_same_vectors(request, model_path, tmp_path):
    """``--postgres``: the cached ALQAC index copied into a database of its own answers as SQLite does."""
    from kb.config import load_settings

    questions = _alqac_slice(tmp_path / "alqac")
    settings = load_settings(tmp_path / "home", model=str(model_path))
    dsn = request.getfixturevalue("pg_server").new_database()
    on_sqlite = evaluate_file(questions, settings)
    on_pg = evaluate_file(questions, settings, postgres=dsn)
    again = evaluate_file(questions, settings, postgres=dsn)  # the copy is there: resumed, nothing embedded
    assert on_sqlite["questions"] == 55 and on_pg["index"]["store"] == "postgres" and again["index"]["reused"]
    assert "copied to PostgreSQL" in format_report(on_pg)
    for report in (on_pg, again):
        for system in ("kb", "bm25"):
            pg, lite = (r["variants"]["typed"][system]["overall"] for r in (report, on_sqlite))
            for metric in METRICS:
                assert pg[metric] == pytest.approx(lite[metric], abs=0.01), (system, metric)


def test_postgres_is_refused_for_our_own_questions(tmp_path):
    from kb.config import load_settings

    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "q1", "query": "Chỉ thị 05", "kind": "reference", "relevant": []}) + "\n")
    with pytest.raises(InvalidQueryError, match="--postgres is for ALQAC"):
        evaluate_file(path, load_settings(tmp_path / "home"), postgres="host=127.0.0.1 dbname=none")
