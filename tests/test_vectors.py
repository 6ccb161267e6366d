from dataclasses import replace

import faiss
import numpy as np
import pytest

from kb.retrieval.vectors import IndexPolicy, VectorIndex


def _unit(rows: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype("float32")
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_search_returns_chunk_ids_not_positions(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 8)
    vectors = _unit(3)
    index.add([101, 205, 307], vectors)
    assert index.search(vectors[1], 1) == [(205, pytest.approx(1.0))]


def test_remove_then_add_again(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 8)
    vectors = _unit(3)
    index.add([1, 2, 3], vectors)
    index.remove([2])
    assert index.ids() == {1, 3}
    index.add([3], vectors[:1])  # replacing an id keeps one vector for it
    assert len(index) == 2
    assert index.search(vectors[0], 2)[0][1] == pytest.approx(1.0)


def test_search_restricted_to_allowed_ids(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 8)
    vectors = _unit(5)
    index.add([10, 11, 12, 13, 14], vectors)
    assert [i for i, _ in index.search(vectors[0], 5, allowed={12, 14})] == sorted(
        [12, 14], key=lambda i: -float(vectors[i - 10] @ vectors[0]))
    assert index.search(vectors[0], 5, allowed=set()) == []


def test_save_is_atomic_and_reloads(tmp_path):
    path = tmp_path / "v.faiss"
    index = VectorIndex(path, 8)
    index.add([7, 8], _unit(2))
    index.save()
    assert not path.with_name("v.faiss.tmp").exists()
    again = VectorIndex(path, 8)
    assert again.ids() == {7, 8} and not again.dirty


def test_wrong_dimension_is_refused(tmp_path):
    path = tmp_path / "v.faiss"
    index = VectorIndex(path, 8)
    index.add([1], _unit(1))
    index.save()
    with pytest.raises(ValueError, match="8-dimensional"):
        VectorIndex(path, 16)


# -- the index chosen by size: small thresholds, so a graph is built in a moment -------------------
SMALL = IndexPolicy(exact_limit=200, links=16, build_breadth=64, search_breadths=((0, 400),), among_limit=20)


def _exact_top(vectors: np.ndarray, ids: list[int], query: np.ndarray, k: int) -> list[int]:
    return [ids[n] for n in np.argsort(-(vectors @ query), kind="stable")[:k]]


def test_the_search_breadth_is_the_last_tier_the_size_reaches():
    policy = IndexPolicy(search_breadths=((0, 512), (250_000, 1_024), (1_000_000, 1_536)))
    assert [policy.search_breadth(n) for n in (0, 249_999, 250_000, 999_999, 2_000_000)] == [512, 512, 1_024,
                                                                                            1_024, 1_536]


def test_a_graph_search_walks_as_wide_as_the_tier_of_its_size(tmp_path):
    vectors = _unit(300, 16)

    def distances_computed(name: str, breadths: tuple[tuple[int, int], ...]) -> int:
        index = VectorIndex(tmp_path / name, 16, replace(SMALL, search_breadths=breadths))
        index.add(list(range(300)), vectors)
        faiss.cvar.hnsw_stats.reset()
        index.search(vectors[0], 10)
        return int(faiss.cvar.hnsw_stats.ndis)

    narrow = distances_computed("narrow.faiss", ((0, 16),))
    assert distances_computed("reached.faiss", ((0, 16), (300, 250))) > 1.5 * narrow  # 300 vectors: the wide tier
    assert distances_computed("not-reached.faiss", ((0, 16), (301, 250))) == narrow


def test_crossing_the_limit_builds_a_graph_that_keeps_ids_and_vectors(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 16, SMALL)
    vectors = _unit(400, 16)
    ids = list(range(1000, 1400))
    index.add(ids[:200], vectors[:200])
    assert not index.graph
    index.add(ids[200:], vectors[200:])
    assert index.graph and index.ids() == set(ids) and len(index) == 400
    np.testing.assert_allclose(index.get([1005, 1300]), vectors[[5, 300]], atol=1e-3)  # float16 codes
    # a search breadth of the whole graph: the same ten as exact search, with float16 scores
    found = index.search(vectors[7], 10)
    assert [i for i, _ in found] == _exact_top(vectors, ids, vectors[7], 10)
    assert found[0][1] == pytest.approx(1.0, abs=1e-3)


def test_graph_removes_by_tombstone_and_replaces_by_id(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 16, SMALL)
    vectors = _unit(300, 16)
    index.add(list(range(300)), vectors)
    index.remove([5, 6, 10_000])  # an id it never had is ignored
    assert len(index) == 298 and not {5, 6} & index.ids() and index.dead == 2
    assert 5 not in [i for i, _ in index.search(vectors[5], 20)]
    assert len(index.search(vectors[5], 298)) == 298  # the walk skips tombstones, it does not return fewer
    index.add([7], vectors[:1])  # replacing an id keeps one vector for it
    assert len(index) == 298 and index.dead == 3
    np.testing.assert_allclose(index.get([7]), vectors[:1], atol=1e-3)
    assert {i for i, _ in index.search(vectors[0], 2)} == {0, 7}  # the same vector twice


def test_graph_is_built_again_past_its_tombstones_and_turns_exact_when_it_shrinks(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 16, SMALL)
    vectors = _unit(1000, 16)
    index.add(list(range(1000)), vectors)
    index.remove(list(range(200)))  # 20 %: tombstones
    assert index.graph and index.dead == 200 and index.index.ntotal == 1000
    index.remove(list(range(200, 300)))  # past a quarter: built again from the 700 live vectors
    assert index.graph and index.dead == 0 and index.index.ntotal == 700
    assert index.ids() == set(range(300, 1000))
    index.remove(list(range(300, 910)))  # 90 left: under half the limit
    assert not index.graph and index.ids() == set(range(910, 1000))
    np.testing.assert_allclose(index.get([999]), vectors[999:], atol=1e-3)


def test_graph_is_saved_atomically_and_reloads_with_its_tombstones(tmp_path):
    path = tmp_path / "v.faiss"
    index = VectorIndex(path, 16, SMALL)
    vectors = _unit(300, 16)
    index.add(list(range(300)), vectors)
    index.remove([3, 4])
    index.save()
    assert not path.with_name("v.faiss.tmp").exists()
    again = VectorIndex(path, 16, SMALL)
    assert again.graph and again.ids() == set(range(300)) - {3, 4} and len(again) == 298 and not again.dirty
    assert again.dead == 2
    assert 3 not in [i for i, _ in again.search(vectors[3], 10)]


def test_graph_search_restricted_to_allowed_ids_narrow_and_wide(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", 16, SMALL)
    vectors = _unit(400, 16)
    index.add(list(range(400)), vectors)
    narrow = {3, 50, 399, 10_000}  # 10_000 has no vector (the file trails SQLite): not a hit
    assert [i for i, _ in index.search(vectors[0], 5, allowed=narrow)] == _exact_top(
        vectors[[3, 50, 399]], [3, 50, 399], vectors[0], 5)
    wide = set(range(0, 400, 2))  # more than among_limit: a walk through the graph that keeps only these
    found = [i for i, _ in index.search(vectors[2], 10, allowed=wide)]
    assert len(found) == 10 and set(found) <= wide and found[0] == 2


def test_an_inverted_file_of_an_earlier_version_is_rebuilt_when_opened(tmp_path):
    path = tmp_path / "v.faiss"
    vectors = _unit(300, 16)
    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(16), 16, 8, faiss.ScalarQuantizer.QT_fp16,
                                        faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    ivf.add_with_ids(vectors, np.arange(500, 800))
    faiss.write_index(ivf, str(path))
    index = VectorIndex(path, 16, SMALL)
    assert index.graph and index.ids() == set(range(500, 800)) and index.dirty
    assert index.search(vectors[9], 1)[0][0] == 509
