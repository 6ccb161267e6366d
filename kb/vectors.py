"""The FAISS side of an index folder: vectors keyed by chunk id, never by position.

FAISS knows nothing about text.  ``IndexIDMap2`` over an exact inner-product
index (vectors are L2-normalised, so inner product is cosine) lets us add and
remove by the chunk's SQLite id.  The file is written to a temporary name,
flushed to disk, then renamed over the old one, so a crash leaves either the
old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

__all__ = ["VectorIndex"]


class VectorIndex:
    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self.index = self._load() if path.exists() else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.dirty = False

    def _load(self) -> faiss.IndexIDMap2:
        index = faiss.read_index(str(self.path))
        if index.d != self.dimension:
            raise ValueError(f"{self.path} holds {index.d}-dimensional vectors, the model makes {self.dimension}")
        return index

    def __len__(self) -> int:
        return self.index.ntotal

    def ids(self) -> set[int]:
        return set(faiss.vector_to_array(self.index.id_map).tolist())

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.remove(ids)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype="float32"), np.asarray(ids, dtype="int64"))
        self.dirty = True

    def get(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of these ids, in order (they must be present)."""
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if ids else np.empty((0, self.dimension), "float32")

    def remove(self, ids: list[int]) -> None:
        if ids:
            removed = self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype="int64")))
            self.dirty = self.dirty or removed > 0

    def search(self, vector: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks by cosine; ``allowed`` restricts the search to those ids (filters)."""
        if len(self) == 0 or allowed is not None and not allowed:
            return []
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.fromiter(allowed, dtype="int64")))
        scores, ids = self.index.search(vector.reshape(1, -1).astype("float32"), min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

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
