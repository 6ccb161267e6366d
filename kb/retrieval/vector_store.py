"""What a search and a writer ask of the vectors, whichever holds them: the FAISS file or PostgreSQL.

``kb.retrieval.vectors.VectorIndex`` (the file beside SQLite) and
``kb.retrieval.pg_vectors.PgVectors`` (a table beside the chunks) both are
``Vectors``.  ``transactional`` says where a change belongs: a table's change
is written in the rows' own transaction, a file's after it (``kb.knowledge_base``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from kb.storage.filters import DocumentFilters

__all__ = ["FilteredVectors", "VectorChanges", "Vectors"]


class Vectors(Protocol):
    dimension: int
    dirty: bool  # changes wait for ``save``
    transactional: bool

    def __len__(self) -> int: ...

    def ids(self) -> set[int]: ...

    def add(self, ids: list[int], vectors: np.ndarray) -> None: ...

    def get(self, ids: list[int]) -> np.ndarray: ...

    def remove(self, ids: list[int]) -> None: ...

    def save(self) -> None: ...

    def search(self, vector: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]: ...


@runtime_checkable
class FilteredVectors(Protocol):
    """Vectors that apply a search's filters themselves, in the query that finds the nearest."""

    def search_filtered(self, vector: np.ndarray, k: int,
                        filters: DocumentFilters | None) -> list[tuple[int, float]]: ...


class VectorChanges:
    """Vector changes asked for while a document's rows are written, made together once ``apply`` is called:
    inside the rows' transaction for a table, after it commits for a file (``KnowledgeBase``)."""

    def __init__(self) -> None:
        self._steps: list[tuple[list[int], np.ndarray | None]] = []

    def remove(self, ids: list[int]) -> None:
        self._steps.append((ids, None))

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        self._steps.append((ids, vectors))

    def apply(self, index: Vectors) -> None:
        for ids, vectors in self._steps:
            if vectors is None:
                index.remove(ids)
            else:
                index.add(ids, vectors)
        self._steps.clear()
