"""bench/tune_fusion.py scores a grid of settings from legs run once: its figures must be those of kb's own search."""

from dataclasses import asdict, replace

import pytest
from conftest import CORPUS, ROOT, bench_module, fake_kb_at

from kb.config import Refusal, Weights
from kb.evaluation.evaluate import load_question_set, score_ranking
from kb.evaluation.variants import VARIANTS
from kb.indexing import index_paths
from kb.retrieval.search import search

DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def tune_fusion():
    with bench_module("tune_fusion") as module:
        yield module


SETTINGS = [Weights(), Weights(method="rrf", lexical=1.0, phrase=1.5, dense=0.5, reference=2.0, rrf_k=10),
            Weights(phrase=0.0, candidates=2, accented_column=2.0), Weights(dense_unaccented=0.25, reference=0.6)]


@pytest.mark.skipif(not DEV.exists(), reason="../shared/eval/dev.jsonl is not here")
def test_grid_scores_are_those_of_search(tune_fusion, tmp_path):
    kb = fake_kb_at(tmp_path)
    index_paths(kb, [CORPUS])
    qset = load_question_set(DEV)[0]
    named = {str(i): weights for i, weights in enumerate(SETTINGS)}
    scored = tune_fusion.measure(qset, kb, ["typed", "unaccented"], named)
    for name, weights in named.items():
        # What search shows with these weights (refusal off: the grid scores every ranking).
        kb.settings = replace(kb.settings, weights=weights, refusal=Refusal(coverage=0.0, numbers=False))
        expected = []
        for variant in ("typed", "unaccented"):
            for question in qset.questions:
                shown = [asdict(hit) for hit in search(kb, VARIANTS[variant](question.query), qset.fetch).results]
                expected.append(score_ranking(qset.ranking(shown, question, 10), len(question.gold)))
        assert [{k: row[k] for k in expected[0]} for row in scored[name]] == expected, name


def test_the_small_grid_holds_the_shipped_settings(tune_fusion):
    assert Weights() in tune_fusion.settings("small").values()
    assert {w.method for w in tune_fusion.settings("small").values()} == {"sum", "rrf"}
