"""The api_keys table: names, roles, levels and the hashes of the secrets (``kb.access.keys`` decides)."""

from __future__ import annotations

from typing import Any

from kb.storage.database import Database, now

__all__ = ["Keys"]

_FIELDS = "name, prefix, role, level, created_at, revoked_at"


class Keys:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, *, name: str, prefix: str, secret_hash: str, role: str, level: str) -> dict[str, Any]:
        """Store a key; ``sqlite3.IntegrityError`` if an active key has the name or the prefix is taken."""
        with self.db.transaction():
            self.db.execute("INSERT INTO api_keys (name, prefix, secret_hash, role, level, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [name, prefix, secret_hash, role, level, now()])
        return self.db.rows(f"SELECT {_FIELDS} FROM api_keys WHERE prefix = ?", [prefix])[0]

    def all(self) -> list[dict[str, Any]]:
        """Every key, revoked ones included, without their hashes; active first, then by name."""
        return self.db.rows(f"SELECT {_FIELDS} FROM api_keys ORDER BY revoked_at IS NOT NULL, name, created_at")

    def active(self, prefix: str) -> dict[str, Any] | None:
        """The active key with this prefix, with its hash, or ``None``."""
        rows = self.db.rows(f"SELECT {_FIELDS}, secret_hash FROM api_keys WHERE prefix = ? AND revoked_at IS NULL",
                            [prefix])
        return rows[0] if rows else None

    def revoke(self, name: str) -> bool:
        """Revoke the active key of this name; whether there was one."""
        with self.db.transaction():
            cursor = self.db.execute("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                                     [now(), name])
        return cursor.rowcount > 0
