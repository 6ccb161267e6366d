"""Indexing workers on a PostgreSQL store: any number of processes, on any machines, take jobs from one queue.

``kb worker`` runs a :class:`QueueWorker` in the foreground; ``kb serve`` runs
one in a thread only when settings ask (``store.serve_jobs``).  A worker:

* claims a job under a lease (``kb.storage.pg_jobs``) and renews it from a
  second thread while it works, so a crashed worker's job is claimed again by
  another once the lease runs out, and a worker that lost its lease stops after
  its current file and writes nothing more about the job;
* writes the job's files from the database into its own index folder and
  indexes them there, embedding on its own machine; each document is one
  transaction, and the database's write lock is held only while it commits;
* when the server goes away (a failover), waits for it with a growing pause,
  reconnecting through the DSN (which may list the primary and its replicas with
  ``target_session_attrs=read-write``), then runs its job again: what it had
  committed is found unchanged and kept;
* stopped (SIGTERM, Ctrl-C), finishes its current file and hands the job back
  to the queue for another worker;
* between jobs, deletes from its folder the uploads no document holds any
  more (a document deleted through another node, which could drop only the
  database's copy);
* ends a job failed, naming the file being indexed, once ``store.job_attempts``
  workers took it and died (or lost the server for longer than their lease)
  before it ended: rather than hand a file that crashes its reader to worker
  after worker for ever.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from kb.config import Settings
from kb.embedding.embedder import Embedder
from kb.errors import ConfigError, DatabaseUnavailableError
from kb.jobs.runner import KEPT, POLL_SECONDS, JobRunner, _now, _Progress, remove_upload, uploads_dir, write_files
from kb.storage.pg_jobs import JobQueue

__all__ = ["LEASE_SECONDS", "QueueWorker", "job_runner", "run_until_signalled"]

LEASE_SECONDS = 60.0  # a crashed worker's job waits this long for another; renewed every third of it
SWEEP_SECONDS = 60.0  # how often an idle worker looks for uploads in its folder that no document holds
RECONNECT_MAX_SECONDS = 2.0  # the longest pause between two attempts to reach the server again
log = logging.getLogger("kb.jobs.worker")


def job_runner(settings: Settings, poll: float = POLL_SECONDS, *, embedder: Embedder | None = None) -> JobRunner:
    """The writer for ``kb serve``: the folder's runner on SQLite, a queue worker on a database server."""
    if settings.store.backend == "postgres":
        return QueueWorker(settings, poll, embedder=embedder)
    return JobRunner(settings, poll, embedder=embedder)


def run_until_signalled(worker: QueueWorker) -> None:
    """Run ``worker`` in this thread (the main one) until SIGTERM or SIGINT, which stop it after its current file."""
    handlers = {signum: signal.signal(signum, lambda *_: worker.stop_soon()) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


class QueueWorker(JobRunner):
    """Takes jobs from a PostgreSQL store's queue; ``run()`` in the foreground, ``start()`` in a thread."""

    def __init__(self, settings: Settings, poll: float = POLL_SECONDS, *, embedder: Embedder | None = None,
                 lease: float = LEASE_SECONDS, until_idle: bool = False) -> None:
        if settings.store.backend != "postgres":
            raise ConfigError("kb worker takes jobs from a postgres store (settings store.backend); "
                              "on sqlite, kb serve runs them.")
        super().__init__(settings, poll, embedder=embedder)
        self.queue = JobQueue(self.kb.store.db)
        self.lease, self.until_idle = lease, until_idle
        self.attempts = settings.store.job_attempts
        self._swept = -SWEEP_SECONDS  # the first time the worker is idle
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def run(self) -> None:
        """Take jobs in this thread until ``stop_soon()`` (or, ``until_idle``, until none waits)."""
        self.kb.open_embedder()  # loaded before the first claim, not on a lease's time
        self._loop()
        self.kb.close()

    def stop_soon(self) -> None:
        """Take no more jobs; the running one is handed back after its current file (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def _fail_interrupted(self) -> None:
        """Nothing to do: a job whose worker died is claimed again when its lease runs out."""

    def _run_next(self) -> None:
        while not self._stop.is_set():
            try:
                with self._busy:  # a delete (``JobRunner.writer``) uses the same knowledge base
                    self._fail_exhausted()
                    job = self.queue.claim(self.name, self.lease, self.attempts)
                    if job is None:
                        self._sweep()
                        if self.until_idle:
                            self._stop.set()
                        return
                    self._take(job)
            except DatabaseUnavailableError as exc:
                log.warning("the database went away (%s); waiting for it", exc)
                self._wait_for_server()

    def _sweep(self) -> None:
        """Between jobs, at most every ``SWEEP_SECONDS``: delete from this folder the uploads no document holds any
        more.  A document deleted through another node had only the database's copy dropped there.

        The files are listed first, then the running jobs, then the files documents hold: a job another worker
        of this folder claims meanwhile is either running by then, and its files are left alone, or listed
        after its files' documents were committed.
        """
        if time.monotonic() < self._swept + SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        folder = uploads_dir(self.home).resolve()
        files = list(folder.glob("*/*"))
        running = {job["id"] for job in self.kb.store.jobs.running()}
        held = {known.path for known in self.kb.store.sources.under(str(folder))}
        for file in files:
            if file.parent.name not in running and str(file) not in held:
                remove_upload(self.home, str(file))

    def _fail_exhausted(self) -> None:
        """End failed the jobs whose every attempt died with its worker; their files no document holds go."""
        for job in self.queue.exhausted(self.attempts):
            files, error = _exhausted(job)
            with self.kb.store.db.transaction():  # as a job's end in ``_take``
                if self.queue.give_up(job["id"], status="failed", error=error, files=files, finished_at=_now()):
                    log.warning("job %s failed: %s", job["id"], error)
                    self._clear(job["id"], files)

    def _take(self, job: dict) -> None:
        """Run one claimed job, renewing its lease meanwhile; end it, or hand it back when stopping."""
        write_files(uploads_dir(self.home) / job["id"], self.queue.files(job["id"]))
        with self._leased(job["id"]) as interrupted:
            progress = _Progress(self.kb, job, interrupted)
            error = self._index(job, progress)
        if self._stop.is_set() and error is not None:
            self.queue.release(job["id"], self.name, files=progress.files)
            return
        status = "failed" if error else "done"
        with self.kb.store.db.transaction():  # whoever sees the job ended sees its unheld files gone too
            ended = self.queue.finish(job["id"], self.name, status=status, error=error, files=progress.files,
                                      finished_at=_now())
            if ended:
                self._clear(job["id"], progress.files)
        if not ended:
            log.warning("job %s was taken over by another worker (this one's lease ran out)", job["id"])

    @contextmanager
    def _leased(self, job_id: str) -> Iterator[threading.Event]:
        """Renew the lease on ``job_id`` from a thread; the event is set when the job must stop after its file
        (the worker stops, or the lease was lost to another worker)."""
        interrupted, done = threading.Event(), threading.Event()

        def renew() -> None:
            due, lost = time.monotonic() + self.lease / 3, False
            while not done.wait(0.2):  # renewed until the job ends, also while a stopping worker ends its file
                if self._stop.is_set():
                    interrupted.set()
                if lost or time.monotonic() < due:
                    continue
                try:
                    lost = not self.queue.renew(job_id, self.name, self.lease)
                    if lost:
                        interrupted.set()
                    due = time.monotonic() + self.lease / 3
                except DatabaseUnavailableError:
                    pass  # the job's own writes meet the same failure and wait for the server
            self.kb.store.db.close_thread()

        thread = threading.Thread(target=renew, name="kb-lease", daemon=True)
        thread.start()
        try:
            yield interrupted
        finally:
            done.set()
            thread.join()

    def _clear(self, job_id: str, files: list[dict]) -> None:
        """Delete the files no document holds, here and in the database."""
        super()._clear(job_id, files)
        self.queue.drop_files(job_id, [entry["name"] for entry in files if entry["status"] not in KEPT])

    def _discard(self, paths: list[str]) -> None:
        """Delete the uploaded files at ``paths`` here, and their bytes in the database once no document's files
        include them (the file may have been written by a worker on another machine)."""
        super()._discard(paths)
        self.queue.forget(paths)

    def _wait_for_server(self) -> None:
        """Try the server again and again, pausing longer each time, until it answers for writing."""
        pause = 0.05
        while not self._stop.is_set():
            self.kb.store.db.close_thread()
            try:
                if self.kb.store.db.execute("SELECT NOT pg_is_in_recovery()").fetchone()[0]:
                    log.info("the database is back")
                    return
            except DatabaseUnavailableError:
                pass
            self._stop.wait(pause)
            pause = min(pause * 2, RECONNECT_MAX_SECONDS)


def _exhausted(job: dict) -> tuple[list[dict], str]:
    """A job whose workers all died: its files (the one being indexed marked) and the reason it failed.

    Files are indexed in name order (``indexer.read.walk_files``) and each is recorded as it ends, so
    the first of those not ended is the one the last worker was reading when it died.
    """
    files = job["files"]
    waiting = sorted((entry for entry in files if entry["status"] == "queued"), key=lambda entry: entry["name"])
    attempts = job["attempts"]
    if not waiting:
        return files, (f"Failed after {attempts} attempts: each worker that took the job stopped (crashed, killed or "
                       "cut off from the database) before ending it.")
    culprit = waiting[0]
    culprit.update(status="error", code="worker_died", params={"attempts": attempts},
                   reason=f"the worker indexing it stopped (crashed or was killed); {attempts} workers took this job")
    others = ", ".join(entry["name"] for entry in waiting[1:])
    return files, (f"Failed after {attempts} attempts: each worker that took the job stopped (crashed, killed or cut "
                   f"off from the database) before ending it, the last while indexing {culprit['name']}. "
                   + (f"Not indexed either: {others}. " if others else "")
                   + f"Upload the files again without {culprit['name']}, or check that file.")
