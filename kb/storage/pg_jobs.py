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
* ``attempts`` counts the workers that took a job and neither ended it nor
  handed it back: a job whose workers keep dying (a file that crashes the
  reader, or takes more memory than the machine has) is not claimed again once
  it reaches the limit; a worker then ends it failed (``exhausted``, ``give_up``);
* ``claimed_by`` names the worker (host, process, a random part), since a
  process id alone is not unique across machines;
* a worker writes a job's files to ``<its folder>/uploads/<job>/<name>``
  (``UPLOADS``), the path its documents record.  Another machine reads an
  uploaded document's file from ``job_files`` instead (``uploaded``), and a
  file's row goes once no document's files include it (``forget``).
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any

from kb.storage.backend import Database
from kb.storage.database import now
from kb.storage.jobs import Jobs

__all__ = ["QUEUE_TABLES", "UPLOADS", "JobQueue", "upload_of"]

UPLOADS = "uploads"  # the folder of an index folder that holds the files of the jobs its worker ran

# Added to the tables of ``kb.storage.pg_schema`` (run by its ``prepare``); each statement may run again.
QUEUE_TABLES = """
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS claimed_by text COLLATE "C";
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS lease_until timestamptz;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS job_files (
    job_id text COLLATE "C" NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (job_id, name)
);
"""


def upload_of(path: str | Path) -> tuple[str, str] | None:
    """The job and the name of an uploaded file, from where its worker wrote it; ``None`` for another file."""
    file = PurePath(path)
    return (file.parent.name, file.name) if file.parent.parent.name == UPLOADS else None


# A running job nobody holds: its worker's lease ran out (or it never had one).
_EXPIRED = "(lease_until IS NULL OR lease_until < now())"


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

    def uploaded(self, path: str) -> bytes | None:
        """The bytes of the uploaded file a worker wrote at ``path`` (on whichever machine); ``None`` when ``path``
        is no upload's or its job's files are gone."""
        key = upload_of(path)
        row = self.db.execute("SELECT data FROM job_files WHERE job_id = ? AND name = ?", list(key)).fetchone() \
            if key else None
        return bytes(row[0]) if row else None

    def forget(self, paths: list[str]) -> None:
        """Drop the uploaded files at ``paths`` (a deleted or replaced document's) that no document's files include
        any more: a copy of one upload, indexed in another worker's folder, is recorded at another path."""
        for job_id, name in filter(None, map(upload_of, paths)):
            suffix = f"/{UPLOADS}/{job_id}/{name}"
            self.db.execute("DELETE FROM job_files WHERE job_id = ? AND name = ? AND NOT EXISTS "
                            "(SELECT 1 FROM document_sources WHERE right(path, ?) = ?)",
                            [job_id, name, len(suffix), suffix])

    def drop_files(self, job_id: str, names: list[str]) -> None:
        """Forget files no document holds (skipped, failed, never reached), as their folder copies are deleted."""
        if names:
            self.db.execute(f"DELETE FROM job_files WHERE job_id = ? AND name IN ({', '.join('?' for _ in names)})",
                            [job_id, *names])

    def claim(self, worker: str, lease: float, attempts: int) -> dict[str, Any] | None:
        """The next job for ``worker``, held for ``lease`` seconds; ``None`` when none waits.

        Its own running job first (after it lost the server and came back), then the oldest queued
        one or one whose lease ran out, unless ``attempts`` workers took it already (``exhausted``).
        Rows another worker is claiming this instant are skipped.  Taking a job counts an attempt;
        taking its own back does not.
        """
        with self.db.transaction():
            row = self.db.execute(
                "UPDATE jobs SET status = 'running', claimed_by = ?, lease_until = now() + make_interval(secs => ?), "
                "started_at = coalesce(started_at, ?), attempts = attempts + (claimed_by IS DISTINCT FROM ?)::int "
                "WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND "
                f"(claimed_by = ? OR ({_EXPIRED} AND attempts < ?))) "
                "ORDER BY coalesce(claimed_by = ?, false) DESC, created_at, rowid LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
                [worker, lease, now(), worker, worker, attempts, worker]).fetchone()
        return self.jobs.get(row[0]) if row else None

    def exhausted(self, attempts: int) -> list[dict[str, Any]]:
        """Running jobs whose lease ran out after ``attempts`` workers took them: to end failed, not to claim."""
        ids = [row[0] for row in self.db.execute(
            f"SELECT id FROM jobs WHERE status = 'running' AND {_EXPIRED} AND attempts >= ? ORDER BY created_at",
            [attempts])]
        return [job for job in map(self.jobs.get, ids) if job is not None]

    def give_up(self, job_id: str, **values: Any) -> bool:
        """End an exhausted job with ``values`` (status, error, files, finished_at); False, and nothing written,
        when another worker ended it first."""
        with self.db.transaction():
            ended = self.db.execute(f"UPDATE jobs SET lease_until = NULL WHERE id = ? AND status = 'running' AND "
                                    f"{_EXPIRED}", [job_id]).rowcount == 1
            if ended:
                self.jobs.update(job_id, **values)
        return ended

    def renew(self, job_id: str, worker: str, lease: float) -> bool:
        """Extend ``worker``'s lease on a running job; False when the job is no longer its own."""
        cursor = self.db.execute(
            "UPDATE jobs SET lease_until = now() + make_interval(secs => ?) "
            "WHERE id = ? AND claimed_by = ? AND status = 'running'", [lease, job_id, worker])
        return cursor.rowcount == 1

    def release(self, job_id: str, worker: str, **values: Any) -> None:
        """Hand ``worker``'s job back to the queue (its worker is stopping), recording ``values`` (files so far).

        The attempt is given back: a worker stopped on purpose did not fail the job.
        """
        with self.db.transaction():
            if self.db.execute("UPDATE jobs SET status = 'queued', claimed_by = NULL, lease_until = NULL, "
                               "attempts = greatest(attempts - 1, 0) "
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
