"""The learned order of the first five passages: its weights file, its score, and what it moves.

A real SQLite file and lexicon; the model's weights read the dense leg, so the search through the shipped
weights runs with the real model (end to end), the rest with weights written here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import bench_module

from kb.knowledge_base import KnowledgeBase
from kb.retrieval.order import (
    FEATURES,
    FLAGS,
    ORDERED,
    OrderModel,
    OrderModelError,
    named_documents,
    order_model,
    parse_order_model,
    passage_features,
    question_flags,
    reordered,
)
from kb.retrieval.query import understand
from kb.retrieval.search import legs, read_query, search


def weights_on(feature: str, weight: float = 1.0, **flagged: float) -> OrderModel:
    """A model of one feature: ``weight``, and a weight more for each flag named."""
    row = {name: (0.0,) * (1 + len(FLAGS)) for name in FEATURES}
    row[feature] = (weight, *(flagged.get(flag, 0.0) for flag in FLAGS))
    return OrderModel(row)


def test_the_shipped_weights_hold_every_feature_and_flag():
    model = order_model()
    assert set(model.weights) == set(FEATURES)
    assert all(len(weights) == 1 + len(FLAGS) for weights in model.weights.values())


@pytest.mark.parametrize("text, complaint", [
    ("inverse_place\t1\t0\n", "weights"),
    ("no_such_feature\t" + "\t".join(["0"] * (1 + len(FLAGS))) + "\n", "feature"),
    ("# only a comment\n", "lacks"),
])
def test_a_weights_file_that_does_not_fit_the_features_is_refused(text, complaint):
    with pytest.raises(OrderModelError, match=complaint):
        parse_order_model(text)


def test_the_score_adds_each_flag_s_weights_when_the_question_has_it():
    model = weights_on("coverage", 1.0, english=2.0)
    features = dict.fromkeys(FEATURES, 0.0) | {"coverage": 0.5}
    flags = dict.fromkeys(FLAGS, False)
    assert model.score(features, flags) == pytest.approx(0.5)
    assert model.score(features, flags | {"english": True}) == pytest.approx(1.5)


def _unordered(fake_kb: KnowledgeBase, text: str):
    typed = understand(text)
    query, _ = read_query(fake_kb, text, False, typed)
    return typed, query, legs(fake_kb, query, None), search(fake_kb, text, ORDERED).results


def test_features_describe_each_passage_by_its_place_and_its_legs(fake_kb):
    typed, query, found, hits = _unordered(fake_kb, "Chỉ thị 05 yêu cầu những gì?")
    described = passage_features(fake_kb, query, found, hits, named_documents(fake_kb, query))
    assert len(described) == len(hits) and all(set(features) == set(FEATURES) for features in described)
    assert [features["inverse_place"] for features in described] == [1 / place for place in range(1, len(hits) + 1)]
    assert described[0]["score_share"] == 1.0 and described[0]["first_document"] == 1.0
    lexical_first = found["lexical"][0][0]
    assert [features["lexical_inverse_rank"] for features, hit in zip(described, hits, strict=True)
            if hit.chunk_id == lexical_first] in ([], [1.0])
    assert question_flags(query, typed, set()) == dict.fromkeys(FLAGS, False)


def test_a_model_against_the_rules_place_reverses_the_first_five_and_numbers_them_again(fake_kb):
    typed, query, found, hits = _unordered(fake_kb, "Kế hoạch tuyên truyền đại hội gồm mấy đợt?")
    assert len(hits) == ORDERED
    ordered = reordered(fake_kb, query, typed, found, hits, weights_on("inverse_place", -10.0))
    assert [hit.chunk_id for hit in ordered] == [hit.chunk_id for hit in reversed(hits)]
    assert [hit.rank for hit in ordered] == list(range(1, ORDERED + 1))
    assert [hit.score for hit in ordered] == [hit.score for hit in reversed(hits)]  # each keeps its fused score


def test_passages_past_the_first_five_keep_their_places(fake_kb):
    typed, query, found, _ = _unordered(fake_kb, "Kế hoạch tuyên truyền đại hội gồm mấy đợt?")
    hits = search(fake_kb, "Kế hoạch tuyên truyền đại hội gồm mấy đợt?", 10).results
    ordered = reordered(fake_kb, query, typed, found, hits, weights_on("inverse_place", -10.0))
    assert [hit.chunk_id for hit in ordered[ORDERED:]] == [hit.chunk_id for hit in hits[ORDERED:]]


def test_who_signed_keeps_the_rules_order(fake_kb):
    typed, query, found, hits = _unordered(fake_kb, "Ai ký kế hoạch tuyên truyền đại hội?")
    assert reordered(fake_kb, query, typed, found, hits, weights_on("inverse_place", -10.0)) == hits


def test_the_search_orders_its_first_five_by_the_shipped_weights(corpus_kb):
    text = "đợt tuyên truyền thứ ba"
    rules = KnowledgeBase(replace(corpus_kb.settings, weights=replace(corpus_kb.settings.weights,
                                                                       learned_order=False)))
    try:
        before = search(rules, text, ORDERED).results
        typed = understand(text)
        query, _ = read_query(rules, text, False, typed)
        expected = reordered(rules, query, typed, legs(rules, query, None), before, order_model())
    finally:
        rules.close()
    after = search(corpus_kb, text, 5).results
    assert [hit.chunk_id for hit in after] == [hit.chunk_id for hit in expected[:5]]


def test_the_learning_script_learns_which_passage_answers_and_writes_weights_kb_reads():
    with bench_module("learn_order") as learn:
        features = [dict.fromkeys(FEATURES, 0.0) | {"coverage": value} for value in (0.2, 0.9, 0.5)]
        question = {"set": "s", "id": "q", "flags": dict.fromkeys(FLAGS, False), "answers": [False, True, False],
                    "features": features}
        weights = learn.fitted(learn.pairs([question] * 20), 1.0)
        assert learn.ordered(question, weights) == [True, False, False]
        model = parse_order_model(learn.written(weights, "a header\nof two lines"))
    assert model.weights["coverage"][0] == pytest.approx(weights[FEATURES.index("coverage")], abs=1e-6)
