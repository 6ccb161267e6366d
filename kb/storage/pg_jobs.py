"""The job queue on PostgreSQL: uploaded files kept in the database, and jobs claimed under a lease.

On SQLite one machine runs the jobs (``kb.jobs.runner``): an upload's files
wait in the index folder and a job left running by a dead process is marked
failed.  With a PostgreSQL store any number of ``kb worker`` processes, on any
machines, take jobs from one table, so:

* an upload's bytes wait in ``job_files`` (``bytea``), readable by whichever
  worker takes the job, rather than in a folder of the machine that received it;
* a worker claims a job with ``FOR UPDATE SKIP LOCKED`` (two workers never
  take the same job, and neither waits for the other) and holds it for a lease
  (``lease_until``) that it renews while it works.  A job whose lease ran out
  (its worker crashed, hung, or lost the network) is claimed again by the next
  worker and run from the start: the files its first worker committed are then
  found unchanged or copies, so no document is stored twice;
* ``claimed_by`` names the worker (host, process, a random part), since a
  process id alone is not unique across machines.
"""

from __future__ import annotations

from typing import Any

from kb.storage.backend import Database
from kb.storage.database import now
from kb.storage.jobs import Jobs

__all__ = ["QUEUE_TABLES", "JobQueue"]

# Added to the tables of ``kb.storage.pg_schema`` (run by its ``prepare``); each statement may run again.
QUEUE_TABLES = """
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS claimed_by text COLLATE "C";
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS lease_until timestamptz;
CREATE TABLE IF NOT EXISTS job_files (
    job_id text COLLATE "C" NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (job_id, name)
);
"""


class JobQueue:
    """The jobs table as several workers share it: claims, leases, and the uploaded files' bytes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.jobs = Jobs(db)

    def add_files(self, job_id: str, files: list[tuple[str, bytes]]) -> None:
        """Keep an upload's accepted files (safe name, bytes) with its job; call inside the job's transaction."""
        self.db.insert_all("job_files", [{"job_id": job_id, "name": name, "data": data} for name, data in files])

    def files(self, job_id: str) -> list[tuple[str, bytes]]:
        return [(row[0], bytes(row[1])) for row in
                self.db.execute("SELECT name, data FROM job_files WHERE job_id = ? ORDER BY name", [job_id])]

    def drop_files(self, job_id: str, names: list[str]) -> None:
        """Forget files no document holds (skipped, failed, never reached), as their folder copies are deleted."""
        if names:
            self.db.execute(f"DELETE FROM job_files WHERE job_id = ? AND name IN ({', '.join('?' for _ in names)})",
                            [job_id, *names])

    def claim(self, worker: str, lease: float) -> dict[str, Any] | None:
        """The next job for ``worker``, held for ``lease`` seconds; ``None`` when none waits.

        Its own running job first (after it lost the server and came back), then the oldest queued
        one or one whose lease ran out.  Rows another worker is claiming this instant are skipped.
        """
        with self.db.transaction():
            row = self.db.execute(
                "UPDATE jobs SET status = 'running', claimed_by = ?, lease_until = now() + make_interval(secs => ?), "
                "started_at = coalesce(started_at, ?) WHERE id = ("
                "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND "
                "(claimed_by = ? OR lease_until IS NULL OR lease_until < now())) "
                "ORDER BY coalesce(claimed_by = ?, false) DESC, created_at, rowid LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
                [worker, lease, now(), worker, worker]).fetchone()
        return self.jobs.get(row[0]) if row else None

    def renew(self, job_id: str, worker: str, lease: float) -> bool:
        """Extend ``worker``'s lease on a running job; False when the job is no longer its own."""
        cursor = self.db.execute(
            "UPDATE jobs SET lease_until = now() + make_interval(secs => ?) "
            "WHERE id = ? AND claimed_by = ? AND status = 'running'", [lease, job_id, worker])
        return cursor.rowcount == 1

    def release(self, job_id: str, worker: str, **values: Any) -> None:
        """Hand ``worker``'s job back to the queue (its worker is stopping), recording ``values`` (files so far)."""
        with self.db.transaction():
            if self.db.execute("UPDATE jobs SET status = 'queued', claimed_by = NULL, lease_until = NULL "
                               "WHERE id = ? AND claimed_by = ? AND status = 'running'", [job_id, worker]).rowcount:
                self.jobs.update(job_id, **values)

    def finish(self, job_id: str, worker: str, **values: Any) -> bool:
        """End ``worker``'s job with ``values`` (status, error, files, finished_at); False, and nothing written,
        when another worker took it over meanwhile."""
        with self.db.transaction():
            owned = self.db.execute("SELECT 1 FROM jobs WHERE id = ? AND claimed_by = ? AND status = 'running' "
                                    "FOR UPDATE", [job_id, worker]).fetchone()
            if owned:
                self.jobs.update(job_id, **values)
                self.db.execute("UPDATE jobs SET lease_until = NULL WHERE id = ?", [job_id])
        return owned is not None

    def stalled(self, grace: float) -> list[dict[str, Any]]:
        """Running jobs whose lease ran out more than ``grace`` seconds ago and that no worker has taken since:
        no worker is running, or none can reach the database.  Id, owner and how long ago, oldest first."""
        return self.db.rows(
            "SELECT id, claimed_by, floor(extract(epoch FROM now() - lease_until)) AS expired FROM jobs "
            "WHERE status = 'running' AND (lease_until IS NULL OR lease_until < now() - make_interval(secs => ?)) "
            "ORDER BY lease_until NULLS FIRST, rowid", [grace])
