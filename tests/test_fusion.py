import pytest

from kb.retrieval.fusion import min_max, reciprocal_rank, weighted_sum


def test_min_max_spreads_a_narrow_band():
    assert min_max([(1, 0.89), (2, 0.85), (3, 0.81)]) == {1: 1.0, 2: pytest.approx(0.5), 3: 0.0}


def test_min_max_empty_and_flat():
    assert min_max([]) == {}
    assert min_max([(1, 0.5), (2, 0.5)]) == {1: 1.0, 2: 1.0}


def test_weighted_sum_adds_legs_and_never_repeats_an_id():
    fused = weighted_sum({"lexical": [(1, 8.0), (2, 4.0), (4, 0.0)], "dense": [(2, 0.9), (3, 0.5), (5, 0.1)]},
                         {"lexical": 1.0, "dense": 1.0})
    assert [doc for doc, _ in fused] == [2, 1, 3, 4, 5]
    assert dict(fused) == {2: 1.5, 1: 1.0, 3: 0.5, 4: 0.0, 5: 0.0}


def test_weighted_sum_ignores_unweighted_legs():
    fused = weighted_sum({"lexical": [(1, 1.0)], "other": [(2, 1.0)]}, {"lexical": 1.0})
    assert dict(fused)[2] == 0.0


def test_weighted_sum_breaks_ties_by_id():
    assert [d for d, _ in weighted_sum({"a": [(5, 1.0), (3, 1.0)]}, {"a": 1.0})] == [3, 5]


def test_reciprocal_rank_uses_ranks_only():
    fused = reciprocal_rank({"a": [(1, 100.0), (2, 1.0)], "b": [(2, 0.1), (1, 0.01)]}, {"a": 1, "b": 1}, k=60)
    assert dict(fused)[1] == dict(fused)[2]
    fused = reciprocal_rank({"a": [(1, 1.0)], "b": [(2, 1.0)]}, {"a": 2, "b": 1})
    assert fused[0][0] == 1


def test_fuse_weighs_the_dense_leg_by_how_the_query_was_typed():
    from kb.config import Weights
    from kb.retrieval.search import fuse

    found = {"lexical": [(1, 2.0), (2, 1.0)], "dense": [(2, 0.9), (1, 0.8)]}
    weights = Weights(method="sum", lexical=1.0, phrase=0.0, dense=3.0, dense_unaccented=0.0)
    assert fuse(found, weights, unaccented=False)[0][0] == 2
    assert fuse(found, weights, unaccented=True)[0][0] == 1


def test_fuse_counts_the_phrase_leg_with_its_weight():
    from kb.config import Weights
    from kb.retrieval.search import fuse

    found = {"lexical": [(1, 2.0), (2, 1.0)], "phrase": [(2, 5.0), (1, 1.0)]}
    assert fuse(found, Weights(method="sum", lexical=1.0, phrase=2.0), unaccented=False)[0][0] == 2
    assert fuse(found, Weights(method="sum", lexical=1.0, phrase=0.0), unaccented=False)[0][0] == 1
