from kb.fusion import reciprocal_rank, scaled, weighted_sum


def test_scaled_divides_by_best():
    assert scaled([(1, 10.0), (2, 5.0)]) == {1: 1.0, 2: 0.5}


def test_scaled_empty_and_non_positive():
    assert scaled([]) == {}
    assert scaled([(1, 0.0), (2, -1.0)]) == {1: 0.0, 2: 0.0}


def test_weighted_sum_adds_legs_and_never_repeats_an_id():
    fused = weighted_sum({"lexical": [(1, 8.0), (2, 4.0)], "dense": [(2, 0.9), (3, 0.45)]},
                         {"lexical": 1.0, "dense": 1.0})
    assert [doc for doc, _ in fused] == [2, 1, 3]
    assert dict(fused) == {2: 1.5, 1: 1.0, 3: 0.5}


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
