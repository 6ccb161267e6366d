"""The FAISS side of an index folder: vectors keyed by chunk id, never by position.

FAISS knows nothing about text.  Vectors are L2-normalised, so inner product
is cosine.  The index is chosen by size (``IndexPolicy``):

* up to ``exact_limit`` vectors, an exact ``IndexFlatIP`` under ``IndexIDMap2``
  (float32; 13–21 ms a search at 200,000 on one core);
* past it, an inverted-file index, ``IndexIVFScalarQuantizer`` with float16
  codes and its own ids (half the memory, and a search reads only ``nprobe``
  of its ``nlist`` lists).  Its ids live in the inverted lists and a hash table
  (``DirectMap.Hashtable``) maps each id to its place, so vectors are still
  added, removed, replaced and read back by chunk id.  ``IndexIDMap2`` cannot
  wrap an IVF index: its removal assumes the inner index renumbers positions.
  HNSW would be as fast but cannot remove ids at all.

The IVF index is trained (k-means) when the index crosses the limit, and again
when it has grown ``regrow`` times since (the lists then hold too many vectors
each); below half the limit it turns exact again.  Either switch builds a new
index and moves every vector, so ids and vectors stay as they were.

The file is written to a temporary name, flushed to disk, then renamed over
the old one, so a crash leaves either the old file or the new one, never half
of one.  Whichever kind is written, ``faiss.read_index`` reads it back.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

__all__ = ["IndexPolicy", "VectorIndex"]

_MOVE_BATCH = 50_000  # vectors moved at a time when the index is rebuilt: bounds the extra memory

# A search is one query vector, and FAISS parallelises across queries: a second OpenMP thread only
# waits at the barrier, and on a busy 2-core machine that wait can be most of the time (exact search
# over 10,000 vectors measured p50 103 ms with two threads; over 200,000, 20.7 ms with one).
faiss.omp_set_num_threads(1)


@dataclass(frozen=True)
class IndexPolicy:
    """When the exact index gives way to an approximate one, and how that one is shaped.

    Measured on the 200,000 real passage vectors of the bundled e5 model and
    131 real queries, one search at a time (``bench/bench_scale.py sweep``;
    README, Performance).  Recall@10 counts a passage found if its exact score
    reaches the 10th best (a fifth of those passages are duplicates, and which
    of two equal ones is "the" 10th is arbitrary).  e5's vectors sit in a
    narrow cone, so a query's neighbours spread over many lists: at 200,000,
    IVF-SQfp16 with √n (447) lists reached 0.944 probing a quarter of them
    and 0.980 with half (3.7 ms, against 12.6–20.7 ms for exact search); the
    index this policy builds there (316 lists, trained when it crossed
    100,000) gave 0.973 with half and 0.989 with three quarters (4.6 ms).  At
    2,000,000 (894 lists): 0.988 with half (41 ms), 0.996 with three quarters
    (49 ms).  So the index is exact up to 100,000 vectors (about 6–10 ms), and
    past that IVF with three quarters of √n lists probed: the least that kept
    recall@10 at 0.98 at both sizes.  ``regrow`` 4 doubles ``nlist`` at each
    retraining.
    """

    exact_limit: int = 100_000
    lists_per_root: float = 1.0
    min_lists: int = 16
    probe_share: float = 0.75
    min_probe: int = 16
    regrow: float = 4.0
    train_per_list: int = 64  # k-means sample: FAISS warns below 39 points a list

    def exact(self, size: int) -> bool:
        return size <= self.exact_limit

    def lists(self, size: int) -> int:
        return max(self.min_lists, round(self.lists_per_root * math.sqrt(size)))

    def probes(self, lists: int) -> int:
        return min(lists, max(self.min_probe, math.ceil(lists * self.probe_share)))


class VectorIndex:
    def __init__(self, path: Path, dimension: int, policy: IndexPolicy | None = None) -> None:
        self.path = path
        self.dimension = dimension
        self.policy = policy or IndexPolicy()
        self.index = self._load() if path.exists() else self._exact()
        self._set_probes()
        self.dirty = False

    def _load(self) -> faiss.Index:
        index = faiss.read_index(str(self.path))
        if index.d != self.dimension:
            raise ValueError(f"{self.path} holds {index.d}-dimensional vectors, the model makes {self.dimension}")
        return index

    def _exact(self) -> faiss.IndexIDMap2:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))

    @property
    def approximate(self) -> bool:
        """Whether this is the IVF index (the exact one is an ``IndexIDMap2``)."""
        return isinstance(self.index, faiss.IndexIVF)

    def __len__(self) -> int:
        return self.index.ntotal

    def ids(self) -> set[int]:
        return set(self._id_array().tolist())

    def _id_array(self) -> np.ndarray:
        if not self.approximate:
            return faiss.vector_to_array(self.index.id_map)
        lists = self.index.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(n), lists.list_size(n)).copy()
                 for n in range(self.index.nlist) if lists.list_size(n)]
        return np.concatenate(parts) if parts else np.empty(0, dtype="int64")

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.remove(ids)
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        self._fit(len(self) + len(ids), vectors)
        self.index.add_with_ids(vectors, np.asarray(ids, dtype="int64"))
        self.dirty = True

    def get(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of these ids, in order (they must be present)."""
        if not ids:
            return np.empty((0, self.dimension), "float32")
        return self.index.reconstruct_batch(np.asarray(ids, dtype="int64"))

    def remove(self, ids: list[int]) -> None:
        if not ids:
            return
        wanted = np.asarray(ids, dtype="int64")
        # IVF's id hash table removes only by an explicit array; the exact index takes a batch (a set).
        selector = faiss.IDSelectorArray(wanted) if self.approximate else faiss.IDSelectorBatch(wanted)
        if self.index.remove_ids(selector):
            self.dirty = True
            self._fit(len(self))

    def search(self, vector: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks by cosine; ``allowed`` restricts the search to those ids (filters)."""
        if len(self) == 0 or allowed is not None and not allowed:
            return []
        index = self.index  # one index throughout, even if an add in another thread swaps in a new one
        query = vector.reshape(1, -1).astype("float32")
        k = min(k, index.ntotal)
        if allowed is None:
            params = None
        elif not isinstance(index, faiss.IndexIVF):
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.fromiter(allowed, dtype="int64")))
        elif len(allowed) <= index.nprobe * index.ntotal / index.nlist:
            return _among(index, query[0], k, allowed)  # no more vectors than an unfiltered search reads
        else:
            # Of the vectors in the probed lists only the allowed share is eligible: probe that many more lists.
            probes = min(index.nlist, math.ceil(index.nprobe * index.ntotal / len(allowed)))
            params = faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(np.fromiter(allowed, dtype="int64")),
                                               nprobe=probes)
        scores, ids = index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    # -- choosing the index by size ----------------------------------------------------------
    def _fit(self, size: int, incoming: np.ndarray | None = None) -> None:
        """Rebuild as the index that suits ``size`` vectors if this one does not (see the module doc)."""
        policy = self.policy
        if not self.approximate:
            rebuild = not policy.exact(size)
        elif size <= policy.exact_limit // 2:
            rebuild = True
        else:
            rebuild = self.index.nlist * math.sqrt(policy.regrow) <= policy.lists(size)
        if rebuild:
            self._rebuild(size, incoming)

    def _rebuild(self, size: int, incoming: np.ndarray | None) -> None:
        """A new index for ``size`` vectors (trained on the current ones and ``incoming``), the vectors moved over."""
        if self.policy.exact(size):
            target: faiss.Index = self._exact()
        else:
            target = self._ivf(self.policy.lists(size))
            target.train(self._training_sample(target.nlist, incoming))
            target.set_direct_map_type(faiss.DirectMap.Hashtable)
        ids = self._id_array()
        for start in range(0, len(ids), _MOVE_BATCH):
            batch = ids[start : start + _MOVE_BATCH]
            target.add_with_ids(self.index.reconstruct_batch(batch), batch)
        self.index = target
        self._set_probes()
        self.dirty = True

    def _ivf(self, lists: int) -> faiss.IndexIVFScalarQuantizer:
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dimension), self.dimension, lists,
                                              faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT, False)
        index.cp.spherical = True  # centroids on the unit sphere, as the vectors are
        index.cp.max_points_per_centroid = self.policy.train_per_list  # the sample is already that size
        return index

    def _training_sample(self, lists: int, incoming: np.ndarray | None) -> np.ndarray:
        """Up to ``train_per_list`` × ``lists`` vectors drawn evenly from the stored ones and ``incoming``."""
        stored = self._id_array()
        extra = incoming if incoming is not None else np.empty((0, self.dimension), "float32")
        total = len(stored) + len(extra)
        rng = np.random.default_rng(total)  # seeded by size: the same corpus trains the same lists
        picked = np.sort(rng.choice(total, size=min(total, self.policy.train_per_list * lists), replace=False))
        from_stored, from_extra = picked[picked < len(stored)], picked[picked >= len(stored)] - len(stored)
        parts = [self.index.reconstruct_batch(stored[from_stored]) if len(from_stored) else extra[:0], extra[from_extra]]
        return np.ascontiguousarray(np.vstack(parts), dtype="float32")

    def _set_probes(self) -> None:
        if self.approximate:
            self.index.nprobe = self.policy.probes(self.index.nlist)

    def save(self) -> None:
        """Write atomically: temporary file, fsync, rename, fsync the folder."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        self.dirty = False


def _among(index: faiss.Index, vector: np.ndarray, k: int, allowed: set[int]) -> list[tuple[int, float]]:
    """Exact search among a few allowed ids (a narrow filter): their vectors read back by id."""
    wanted = np.fromiter(allowed, dtype="int64")
    try:
        vectors = index.reconstruct_batch(wanted)
    except RuntimeError:  # an id without a vector: the vector file trails SQLite for a moment
        wanted = np.asarray([i for i in wanted if _has(index, int(i))], dtype="int64")
        if not len(wanted):
            return []
        vectors = index.reconstruct_batch(wanted)
    scores = vectors @ vector
    best = np.argsort(-scores, kind="stable")[:k]
    return [(int(wanted[n]), float(scores[n])) for n in best]


def _has(index: faiss.Index, chunk_id: int) -> bool:
    try:
        index.reconstruct(chunk_id)
    except RuntimeError:
        return False
    return True
