"""The FAISS side of an index folder: vectors keyed by chunk id, never by position.

FAISS knows nothing about text.  Vectors are L2-normalised, so inner product
is cosine.  The index is chosen by size (``IndexPolicy``):

* up to ``exact_limit`` vectors, an exact ``IndexFlatIP`` (float32);
* past it, a graph, ``IndexHNSWSQ`` with float16 codes: a search walks from
  neighbour to neighbour and reads a few thousand vectors, where the exact
  index reads every one (and the inverted-file index this replaced read three
  quarters of them: e5's vectors sit in a narrow cone, and a question's
  neighbours spread over most of its lists).

Both sit under ``IndexIDMap2``, which keeps the chunk id of every position in
the file itself.  A graph cannot remove a vector (its neighbours link to it),
so removing one from it leaves a tombstone: its id in the map becomes -1 and
a search skips it (``IDSelectorRange`` over real ids).
Once tombstones are ``rebuild_dead`` of the graph it is built again from the
live vectors; below half the limit the index turns exact again; either
rebuild moves every live vector, so ids and vectors stay as they were.

The file is written to a temporary name, flushed to disk, then renamed over
the old one, so a crash leaves either the old file or the new one, never half
of one.  An inverted-file index from an earlier version is rebuilt as the
policy's index when it is opened.
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
_LIVE_IDS = (0, 2**62)  # every real chunk id, so not a tombstone's -1



@dataclass(frozen=True)
class IndexPolicy:
    """When the exact index gives way to the graph, and how the graph is shaped.

    Measured on the bundled e5 model's vectors of 200,000 real passages (and
    2,000,000: those blended with one another) and 131 real queries, one
    search at a time (``bench/bench_scale.py``; docs/performance.md).
    Recall@10 counts a passage found if its exact score reaches the 10th best
    (a fifth of those passages are duplicates, and which of two equal ones is
    "the" 10th is arbitrary).  Exact search takes 6–10 ms at 100,000 vectors
    and 13–21 ms at 200,000.  The graph, 48 links a node, built with a breadth
    of 200, searched with a breadth of 512 / 1,024 / 2,048: recall@10 0.988 /
    0.995 / 0.998 at 200,000 (1.9 / 4.0 / 7.5 ms), 0.952 / 0.979 / 0.992 at
    2,000,000 (2.7 / 5.4 / 11.1 ms); 32 links and 64 at build reached 0.915
    with 256 at 200,000.  The breadth a search needs grows with the graph, so
    it is chosen by size (``search_breadths``): 512 up to 250,000 vectors, 1,024
    up to 700,000, 1,536 up to 1,500,000 and 2,048 past it (0.985 at 2,000,000,
    10 ms), each keeping recall@10 above 0.98 at the least time; a search's time
    is mostly the graph's walk, and its dense leg is the longest of a typed
    question's legs (docs/performance.md).  The graph takes 1,176 B a
    vector on disk (768 of float16 codes, most of the rest links); building
    2,000,000 took 33 minutes on 2 threads.
    """

    exact_limit: int = 100_000
    links: int = 48  # HNSW's M
    build_breadth: int = 200  # efConstruction
    # (vectors, efSearch), ascending: the last tier a graph's size reaches.  Measured on the benchmark's graphs of
    # 200,000 (512: 0.988, 2.5 ms; 1,024: 0.994) and 2,000,000 (1,024: 0.972; 1,536: 0.979; 2,048: 0.985, 9.8 ms);
    # the boundaries lie between, where each tier's recall, falling evenly with the logarithm of the size, still
    # clears 0.98 (not measured there).
    search_breadths: tuple[tuple[int, int], ...] = ((0, 512), (250_000, 1_024), (700_000, 1_536), (1_500_000, 2_048))
    max_breadth: int = 16_384  # efSearch of a filtered search, which widens with the share filtered out
    among_limit: int = 20_000  # a filter that keeps fewer ids is searched exactly, among their vectors
    rebuild_dead: float = 0.25  # share of tombstones in the graph that has it built again

    def exact(self, size: int) -> bool:
        return size <= self.exact_limit

    def search_breadth(self, size: int) -> int:
        """The graph's efSearch for ``size`` live vectors: the last of ``search_breadths`` it reaches."""
        return [breadth for vectors, breadth in self.search_breadths if vectors <= size][-1]


class VectorIndex:
    transactional = False  # a file: written after the rows commit, mended against them when opened

    def __init__(self, path: Path, dimension: int, policy: IndexPolicy | None = None) -> None:
        # A search is one query vector, and FAISS parallelises across queries: a second OpenMP thread only
        # waits at the barrier, and on a busy 2-core machine that wait can be most of the time
        # (docs/performance.md).  Process-wide, so set here rather than when the module is imported.
        faiss.omp_set_num_threads(1)
        self.path = path
        self.dimension = dimension
        self.policy = policy or IndexPolicy()
        self.dirty = False
        self.index = self._load() if path.exists() else self._exact()
        self.dead = int(np.count_nonzero(self._positions() == -1)) if self.graph else 0
        if not isinstance(self.index, faiss.IndexIDMap2):  # an inverted file of an earlier version
            self._rebuild(self.index.ntotal)

    def _load(self) -> faiss.Index:
        index = faiss.read_index(str(self.path))
        if index.d != self.dimension:
            raise ValueError(f"{self.path} holds {index.d}-dimensional vectors, the model makes {self.dimension}")
        return index

    def _exact(self) -> faiss.IndexIDMap2:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))

    def _graph(self) -> faiss.IndexIDMap2:
        inner = faiss.IndexHNSWSQ(self.dimension, faiss.ScalarQuantizer.QT_fp16, self.policy.links,
                                  faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = self.policy.build_breadth
        return faiss.IndexIDMap2(inner)

    @property
    def graph(self) -> bool:
        """Whether this is the HNSW index (else the exact one)."""
        return isinstance(self.index, faiss.IndexIDMap2) and isinstance(faiss.downcast_index(self.index.index),
                                                                        faiss.IndexHNSW)

    def __len__(self) -> int:
        return self.index.ntotal - self.dead

    def ids(self) -> set[int]:
        return set(self._id_array().tolist())

    def _positions(self) -> np.ndarray:
        """The chunk id at each position (-1: a tombstone), a view of the index's own map: writing it writes the map."""
        id_map = self.index.id_map
        return faiss.rev_swig_ptr(id_map.data(), id_map.size()) if id_map.size() else np.empty(0, "int64")

    def _id_array(self) -> np.ndarray:
        if isinstance(self.index, faiss.IndexIVF):  # an earlier version's index, read once to convert it
            lists = self.index.invlists
            parts = [faiss.rev_swig_ptr(lists.get_ids(n), lists.list_size(n)).copy()
                     for n in range(self.index.nlist) if lists.list_size(n)]
            return np.concatenate(parts) if parts else np.empty(0, dtype="int64")
        positions = self._positions()
        return positions[positions != -1]  # a copy: the view's memory moves when the index grows

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.remove(ids)
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        self._fit(len(self) + len(ids))
        self.index.add_with_ids(vectors, np.asarray(ids, dtype="int64"))
        self.dirty = True

    def get(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of these ids, in order (they must be present)."""
        if not ids:
            return np.empty((0, self.dimension), "float32")
        return self.index.reconstruct_batch(np.asarray(ids, dtype="int64"))

    def remove(self, ids: list[int]) -> None:
        if not ids or not self.index.ntotal:
            return
        wanted = np.asarray(ids, dtype="int64")
        if not self.graph:
            removed = self.index.remove_ids(faiss.IDSelectorBatch(wanted))
        else:
            positions = self._positions()
            gone = np.flatnonzero(np.isin(positions, wanted[wanted >= 0]))
            positions[gone] = -1  # tombstones
            removed = len(gone)
            self.dead += removed
        if removed:
            self.dirty = True
            self._fit(len(self))

    def search(self, vector: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks by cosine; ``allowed`` restricts the search to those ids (filters)."""
        if len(self) == 0 or allowed is not None and not allowed:
            return []
        index, graph, dead = self.index, self.graph, self.dead  # one index throughout, even if a write swaps it
        query = vector.reshape(1, -1).astype("float32")
        k = min(k, len(self))
        live = faiss.IDSelectorRange(*_LIVE_IDS)  # held until the search returns: the parameters only point to it
        breadth = self.policy.search_breadth(len(self))
        if allowed is None:
            params = _graph_params(live if dead else None, breadth) if graph else None
        elif not graph:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.fromiter(allowed, dtype="int64")))
        elif len(allowed) <= self.policy.among_limit:
            return _among(index, query[0], k, allowed)
        else:
            # A filtered walk still visits the nodes filtered out: widen it by the share they take.
            wider = breadth * index.ntotal / len(allowed)
            params = _graph_params(faiss.IDSelectorBatch(np.fromiter(allowed, dtype="int64")),
                                   min(self.policy.max_breadth, math.ceil(wider)))
        scores, ids = index.search(query, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    # -- choosing the index by size ----------------------------------------------------------
    def _fit(self, size: int) -> None:
        """Rebuild as the index that suits ``size`` live vectors if this one does not (see the module doc)."""
        policy = self.policy
        if not self.graph:
            rebuild = not policy.exact(size)
        else:
            rebuild = size <= policy.exact_limit // 2 or self.dead > policy.rebuild_dead * self.index.ntotal
        if rebuild:
            self._rebuild(size)

    def _rebuild(self, size: int) -> None:
        """A new index for ``size`` vectors, the live vectors moved over, tombstones left behind."""
        target = self._exact() if self.policy.exact(size) else self._graph()
        ids = self._id_array()
        for start in range(0, len(ids), _MOVE_BATCH):
            batch = ids[start : start + _MOVE_BATCH]
            target.add_with_ids(self.index.reconstruct_batch(batch), batch)
        self.index, self.dead = target, 0
        self.dirty = True

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


def _graph_params(selector: faiss.IDSelector | None, breadth: int) -> faiss.SearchParametersHNSW:
    """A graph search's breadth (chosen per search: the file does not keep it), and which ids it may return."""
    params = faiss.SearchParametersHNSW()
    params.sel, params.efSearch = selector, breadth
    return params


def _among(index: faiss.Index, vector: np.ndarray, k: int, allowed: set[int]) -> list[tuple[int, float]]:
    """Exact search among a few allowed ids (a narrow filter): their vectors read back by id."""
    wanted = np.fromiter(allowed, dtype="int64")
    try:
        vectors = index.reconstruct_batch(wanted)
    except RuntimeError:  # an id without a vector: the vector file trails SQLite for a moment, or it was removed
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
