"""What ``kb check`` asks of a PostgreSQL store: SQLite's questions (``kb.storage.integrity``) in the server's terms.

The questions about documents and their passages are one set of SQL for both
engines (the base class).  What differs is how the engine's own soundness is
read: SQLite has ``PRAGMA integrity_check`` and ``foreign_key_check``; PostgreSQL
has no check of its files from plain SQL (``amcheck`` is an extension kb does
not ask for), so what a check can see is an index left invalid (a ``CREATE INDEX CONCURRENTLY`` or ``REINDEX`` that
was interrupted: ``pg_index.indisvalid``), and rows whose parent is gone, which
only a session that switched its foreign keys off (``session_replication_role``)
or dropped one can leave.  The foreign keys are read from the catalogue, so a
table added later is covered as in SQLite.
"""

from __future__ import annotations

from typing import Any

from kb.storage.integrity import Integrity
from kb.storage.pg_schema import PG_SCHEMA_VERSION, definitions_fingerprint

__all__ = ["PgIntegrity"]

# Each foreign key of kb's schema: the child table and column, the parent table and column (all single-column).
_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, p.attname
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = c.confkey[1]
WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace ORDER BY 1, 2
"""


class PgIntegrity(Integrity):
    """``Integrity`` of a PostgreSQL store (``kb.storage.pg_database.PgDatabase``)."""

    def problems(self, quick: bool = False) -> list[str]:
        """Indexes of kb's tables the server marks invalid (an interrupted build): the planner ignores them."""
        return [f"index {name} on {table} is invalid (an interrupted build)" for name, table in self._invalid()]

    def _invalid(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace ORDER BY 1")]

    def reindex(self) -> None:
        """Build every invalid index again, one statement each (an invalid one is named, not found by a pattern)."""
        for name, _table in self._invalid():
            self.db.execute(f'REINDEX INDEX "{name}"')

    def _foreign_keys(self) -> list[tuple[str, str, str, str]]:
        return [(r[0], r[1], r[2], r[3]) for r in self.db.execute(_FOREIGN_KEYS)]

    def orphans(self) -> dict[str, list[Any]]:
        """Rows whose parent row is gone, as their foreign key's values by table."""
        found: dict[str, list[Any]] = {}
        for table, column, parent, key in self._foreign_keys():
            rows = [r[0] for r in self.db.execute(
                f'SELECT t."{column}" FROM "{table}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM "{parent}" p WHERE p."{key}" = t."{column}")')]
            if rows:
                found.setdefault(table, []).extend(rows)
        return found

    def delete_orphans(self) -> int:
        """Delete every orphan row, children before the rows they hang from; how many."""
        deleted = 0
        with self.db.transaction():
            for table, column, parent, key in self._foreign_keys():
                deleted += self.db.execute(
                    f'DELETE FROM "{table}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM "{parent}" p WHERE p."{key}" = t."{column}")').rowcount
        return deleted

    def schema(self) -> str | None:
        """Why the database's schema is not the one this kb writes (its version, its definitions), or None."""
        version, definitions = (self.db.get_meta(key) for key in ("pg_schema_version", "pg_schema_definitions"))
        if version != str(PG_SCHEMA_VERSION):
            return f"schema version {version}, this kb reads {PG_SCHEMA_VERSION}"
        if definitions != definitions_fingerprint():
            return (f"the tables' definitions (hash {str(definitions)[:12]}) are not this kb's "
                    f"({definitions_fingerprint()[:12]}): opening the store as their owner creates them")
        return None
