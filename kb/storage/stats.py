"""Counts over the documents a caller may see: what ``/health``, ``/api/stats`` and ``kb stats`` report."""

from __future__ import annotations

import json
from typing import Any

from kb.access.levels import LEVELS
from kb.storage.backend import read_level
from kb.storage.database import Database
from kb.storage.filters import DocumentFilters

__all__ = ["Stats"]


class Stats:
    def __init__(self, db: Database) -> None:
        self.db = db

    def counts(self, access: str = LEVELS[-1]) -> dict[str, int]:
        """Documents and passages visible at ``access``: what ``/health`` reports, so it must stay cheap."""
        where, params = DocumentFilters(access=access).where("d")
        documents = self.db.execute(f"SELECT count(*) FROM documents d WHERE {where}", params).fetchone()[0]
        return {"documents": documents, "chunks": self._passages("body", access)}

    def _passages(self, kind: str, access: str) -> int:
        """Counted per visible document on the (document_id, kind) index, not by joining every chunk to its document."""
        where, params = DocumentFilters(access=access).where("d")
        return int(self.db.execute(
            "SELECT coalesce(sum((SELECT count(*) FROM chunks c WHERE c.document_id = d.id AND c.kind = ?)), 0) "
            f"FROM documents d WHERE {where}", [kind, *params]).fetchone()[0])

    def summary(self, access: str = LEVELS[-1]) -> dict[str, Any]:
        """Counts over the documents visible at ``access``.

        The last indexing run's report names files of every level, so only a
        caller who sees every level gets it.
        """
        where, params = DocumentFilters(access=access).where("d")
        docs = f"FROM documents d WHERE {where}"

        def one(sql: str) -> Any:
            return self.db.execute(sql, params).fetchone()[0]

        def grouped(sql: str) -> dict[str, int]:
            return dict(self.db.execute(sql, params).fetchall())

        return {
            **self.counts(access),
            "cards": self._passages("card", access),
            "references": one("SELECT count(*) FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
                              f"JOIN documents d ON d.id = c.document_id WHERE {where} AND r.is_self = 0"),
            "garbled_chars": one(f"SELECT coalesce(sum(d.garbled_chars), 0) {docs}"),
            "by_type": grouped(f"SELECT coalesce(d.doc_type, '?'), count(*) {docs} GROUP BY 1 ORDER BY 2 DESC"),
            "by_access": grouped(f"SELECT d.access, count(*) {docs} GROUP BY 1 ORDER BY 1"),
            "last_run": json.loads(self.db.get_meta("last_run") or "null") if self._sees_everything(access) else None,
        }

    @staticmethod
    def _sees_everything(access: str) -> bool:
        """Whether both the caller's argument and the context's read level (``kb.storage.backend``) are the
        highest: ``meta`` has no row-level security to fall back on."""
        return access == LEVELS[-1] and read_level() in (None, LEVELS[-1])
