"""What ``kb check`` asks of the database, and the repairs it may make to it.

The engine's own soundness is SQLite's here (its ``PRAGMA``s); ``kb.storage.pg_integrity`` asks the same of
PostgreSQL.  The questions about documents and passages are one set of SQL for both.
"""

from __future__ import annotations

from typing import Any

from kb.storage.backend import Database
from kb.storage.database import marks

__all__ = ["Integrity"]


class Integrity:
    def __init__(self, db: Database) -> None:
        self.db = db

    def problems(self, quick: bool = False) -> list[str]:
        """What SQLite's own check finds wrong with the file; empty when it is sound.

        ``quick`` (``quick_check``) skips comparing every index with its table.
        """
        rows = [r[0] for r in self.db.execute(f"PRAGMA {'quick_check' if quick else 'integrity_check'}")]
        return [] if rows == ["ok"] else rows

    def reindex(self) -> None:
        """Rebuild every SQL index from its table: mends damage confined to index pages."""
        with self.db.transaction():
            self.db.execute("REINDEX")

    def orphans(self) -> dict[str, list[Any]]:
        """Rows whose parent row is gone, as rowids by table.

        ``foreign_key_check`` reads the declared ``REFERENCES``, so every table
        the schema has or will have is covered, not a fixed list.
        """
        found: dict[str, list[int]] = {}
        for table, rowid, _parent, _key in self.db.execute("PRAGMA foreign_key_check"):
            found.setdefault(table, []).append(rowid)
        return found

    def delete_orphans(self) -> int:
        """Delete every orphan row (their dependants go by cascade); how many."""
        orphans = self.orphans()
        with self.db.transaction():
            for table, rowids in orphans.items():
                self.db.execute(f'DELETE FROM "{table}" WHERE rowid IN ({marks(rowids)})', rowids)
        return sum(len(rowids) for rowids in orphans.values())

    def documents_without_passages(self) -> list[tuple[int, str]]:
        """``(id, source)`` of documents that hold their card and no passage of text.

        Search can never return such a document for what it says: it is a
        file with no readable text (empty, a byte-order mark, one character)
        that an earlier version of ``kb index`` stored.
        """
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT id, source FROM documents d WHERE EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id AND c.kind = 'body') ORDER BY id")]

    def incomplete_documents(self) -> list[int]:
        """Documents without their text or without any passage (every document has one, if only its card).

        A write interrupted between its inserts, outside one transaction, would leave one.
        """
        return [r[0] for r in self.db.execute(
            "SELECT id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_texts t WHERE t.document_id = d.id) "
            "OR NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id) ORDER BY id")]
