"""The jobs table: uploads waiting to be indexed, and what became of each file (``kb.jobs.runner`` runs them)."""

from __future__ import annotations

import json
from typing import Any

from kb.storage.database import Database, now

__all__ = ["Jobs"]

_COLUMNS = frozenset({"status", "files", "files_done", "error", "started_at", "finished_at"})


class Jobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, *, job_id: str, kind: str, created_by: str | None, files: list[dict[str, Any]],
            target_document: int | None = None, access: str | None = None) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO jobs (id, kind, status, created_by, target_document, access, files, created_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)",
                [job_id, kind, created_by, target_document, access, json.dumps(files, ensure_ascii=False), now()])

    def get(self, job_id: str) -> dict[str, Any] | None:
        rows = self.db.rows("SELECT * FROM jobs WHERE id = ?", [job_id])
        return {**rows[0], "files": json.loads(rows[0]["files"])} if rows else None

    def claim(self, worker: int) -> dict[str, Any] | None:
        """The oldest queued job, marked running by ``worker``; ``None`` when none waits.

        One statement, so two processes polling the same table never both take a job.
        """
        with self.db.transaction():
            row = self.db.execute(
                "UPDATE jobs SET status = 'running', worker = ?, started_at = ? WHERE status = 'queued' AND id = "
                "(SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1) RETURNING id",
                [worker, now()]).fetchone()
        return self.get(row[0]) if row else None

    def update(self, job_id: str, **values: Any) -> None:
        """Set some of the columns a job changes as it runs; ``files`` is given as a list and stored as JSON."""
        assert set(values) <= _COLUMNS, set(values) - _COLUMNS
        if "files" in values:
            values["files"] = json.dumps(values["files"], ensure_ascii=False)
        with self.db.transaction():
            self.db.execute(f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                            [*values.values(), job_id])

    def queued(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM jobs WHERE status = 'queued'").fetchone()[0])

    def running(self) -> list[dict[str, Any]]:
        return self.db.rows("SELECT id, worker FROM jobs WHERE status = 'running'")
