import numpy as np
import pytest

from kb.vectors import VectorIndex


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
