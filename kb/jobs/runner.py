"""Indexing jobs: files uploaded to the service are indexed in the background, one job at a time.

A job is a row of the ``jobs`` table, so any worker process of the service
(several ``kb serve`` on one folder) can report it, and a folder
``<home>/uploads/<job id>/`` that holds its files under safe names.  Each
service process runs a :class:`JobRunner`: a thread with a
:class:`KnowledgeBase` of its own, the folder's one writer.  It takes the
folder's write lock, claims the oldest queued job (one SQL statement, so two
processes never take the same job) and indexes its folder with
:func:`kb.indexing.index_paths`, recording each file's outcome as it goes.

Searches never wait for a job: they read through their own connections and
their own copy of the vectors.  Each document's rows are committed in one
transaction, and the vector file is saved (renamed into place) at most
``SAVE_SECONDS`` after, so other readers see a new document within seconds.

A job ends ``done`` when every file was tried (each file says whether it was
indexed, and why not); ``failed`` when the job itself could not run, when the
server stopped during it (after the file being indexed; a job left running by
a process that died is marked failed by the next runner to start), or when the
one file of a replacement could not be indexed (the document is then left as
it was).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from kb.config import Limits, Settings
from kb.embedding.embedder import Embedder
from kb.errors import (
    DatabaseUnavailableError,
    IndexBusyError,
    InvalidQueryError,
    KbError,
    UnsupportedContentError,
    UploadTooLargeError,
)
from kb.indexing import index_paths
from kb.indexing_report import FileOutcome
from kb.jobs.uploads import check_content, unique_names
from kb.knowledge_base import KnowledgeBase
from kb.storage.pg_jobs import UPLOADS, JobQueue, upload_of
from kb.storage.store import Store

__all__ = ["JOB_STATUSES", "KEPT", "REJECTED", "JobRunner", "submit_job", "uploads_dir", "remove_upload", "write_files"]

JOB_STATUSES = ("queued", "running", "done", "failed")
REJECTED = "rejected"  # a file of an upload refused on arrival (its type or size): never stored
KEPT = ("indexed", "unchanged", "copy")  # a file whose document holds it: it stays in uploads/
POLL_SECONDS = 2.0  # how soon a runner notices a job queued by another process
SAVE_SECONDS = 2.0  # the longest a committed document waits for its vectors to reach the file
STOP_SECONDS = 10.0  # how long a stopping server waits for the file being indexed
log = logging.getLogger("kb.jobs.runner")


def uploads_dir(home: Path) -> Path:
    return home / UPLOADS


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def submit_job(store: Store, home: Path, files: list[tuple[str, bytes]], *, created_by: str | None,
               access: str | None = None, replace: int | None = None, limits: Limits | None = None) -> dict:
    """Check, store and queue uploaded files (name as sent, bytes); return the job.

    Each file is checked (its size against ``limits``, its bytes against its name) before any is
    stored; one that fails is left out and listed in the job as ``rejected``, by name with the
    reason, and the others go on.  Only when no file passes is the upload refused as a whole (the
    one file's error, or one naming each), leaving nothing behind.  ``replace`` is the id of a
    document the one file replaces.
    """
    if replace is not None and len(files) != 1:
        raise InvalidQueryError("A document is replaced by exactly one file.")
    names = unique_names([name for name, _ in files])
    accepted, entries, refused = [], [], []
    for name, (_, data) in zip(names, files, strict=True):
        try:
            if limits is not None:
                limits.check_upload_file(name, len(data))
            check_content(name, data)
        except (UnsupportedContentError, UploadTooLargeError) as exc:
            refused.append(exc)
            entries.append({"name": name, "status": REJECTED, "reason": str(exc), "code": exc.code, "params": exc.params})
            continue
        accepted.append((name, data))
        entries.append({"name": name, "status": "queued"})
    if not accepted:
        raise refused[0] if len(refused) == 1 else _none_accepted(refused)
    job_id = uuid.uuid4().hex
    with store.db.transaction():
        store.jobs.add(job_id=job_id, kind="replace" if replace else "index", created_by=created_by,
                       files=entries, target_document=replace, access=access)
        if store.path is None:  # a server: whichever worker takes the job reads the bytes from there
            JobQueue(store.db).add_files(job_id, accepted)
        else:
            write_files(uploads_dir(home) / job_id, accepted)
    job = store.jobs.get(job_id)
    assert job is not None
    return job


def write_files(folder: Path, files: list[tuple[str, bytes]]) -> None:
    """Write a job's files (safe names, bytes) into its folder, where ``index_paths`` reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        target = folder / name
        assert target.resolve().parent == folder.resolve(), name  # safe_name already guarantees it
        target.write_bytes(data)


def _none_accepted(refused: Sequence[KbError]) -> KbError:
    """Every file of an upload refused: one error naming each (413 if all were too large, else 415)."""
    kind = UploadTooLargeError if all(isinstance(e, UploadTooLargeError) for e in refused) else UnsupportedContentError
    return kind("No file could be accepted: " + " ".join(str(e) for e in refused), code="none_accepted",
                refused=[{"code": e.code, "params": e.params} for e in refused])


def remove_upload(home: Path, path: str | None) -> None:
    """Delete an uploaded file once its document is gone, and its job folder when that empties."""
    if not path:
        return
    file = Path(path)
    root = uploads_dir(home).resolve()
    if file.parent.parent != root:  # indexed from elsewhere (``kb index``): never touched
        return
    file.unlink(missing_ok=True)
    if file.parent.is_dir() and not any(file.parent.iterdir()):
        file.parent.rmdir()


class JobRunner:
    """The service's writer: runs queued jobs in a background thread, and removes documents on request."""

    def __init__(self, settings: Settings, poll: float = POLL_SECONDS, *, embedder: Embedder | None = None) -> None:
        self.kb = KnowledgeBase(settings, embedder=embedder)  # its own connections and vectors: searches never share them
        self.poll = poll
        self._busy = threading.Lock()  # the writer is used by one thread at a time: the runner or a delete
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kb-jobs", daemon=True)

    @property
    def home(self) -> Path:
        return self.kb.settings.home

    def start(self) -> None:
        self._fail_interrupted()
        self._thread.start()

    def stop(self, wait: float = STOP_SECONDS) -> None:
        """Take no more jobs; a running one stops after its current file (it is then reported failed).

        A file that takes longer than ``wait`` is cut short by the process's exit:
        SQLite rolls its transaction back, and the next start reports the job failed.
        """
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(wait)
        if not self._thread.is_alive():
            self.kb.close()

    def wake(self) -> None:
        """A job was queued by this process: look now rather than at the next poll."""
        self._wake.set()

    @contextmanager
    def writer(self, wait: float) -> Iterator[KnowledgeBase]:
        """The knowledge base to write with, once a running job (here or in another process) lets go.

        ``IndexBusyError`` after ``wait`` seconds: the caller says "try again".
        """
        if not self._busy.acquire(timeout=wait):
            raise IndexBusyError("An indexing job is running; try again when it has finished.")
        try:
            with self.kb.writing(wait):
                yield self.kb
        finally:
            self._busy.release()

    def remove(self, doc_id: int, wait: float) -> dict:
        """Delete a document, its vectors and, if they were uploaded, its files (copies too); return what it was."""
        with self.writer(wait) as kb:
            paths = [row["path"] for row in kb.store.sources.of_document(doc_id)]
            document = kb.remove_document(doc_id)
        self._discard(paths)
        return document

    def _discard(self, paths: list[str]) -> None:
        """Delete the uploaded files at ``paths``, of a document deleted or replaced; any other file stays."""
        for path in paths:
            remove_upload(self.home, path)

    # -- the thread ---------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._run_next()
            except Exception:  # the runner must outlive any one failure; the job row says what happened
                log.exception("job runner error")
            self._wake.wait(self.poll)
            self._wake.clear()

    def _run_next(self) -> None:
        """Run queued jobs while there are any and nobody else writes to the folder."""
        while not self._stop.is_set() and self.kb.store.jobs.queued():  # the lock only when there is work
            try:
                with self.writer(wait=0):
                    job = self.kb.store.jobs.claim(os.getpid())
                    if job is None:
                        return
                    self._run(job)
            except IndexBusyError:
                return  # another process writes; its runner or ours will take the job later

    def _fail_interrupted(self) -> None:
        """Jobs left running by a process that is gone (a restart, a crash) will never finish: say so."""
        jobs = self.kb.store.jobs
        for job in jobs.running():
            if job["worker"] == os.getpid() or not _alive(job["worker"]):
                jobs.update(job["id"], status="failed", finished_at=_now(),
                                 error="Interrupted: the server stopped while indexing. Upload the files again.")
                stored = jobs.get(job["id"])
                self._clear(job["id"], stored["files"] if stored else [])

    def _run(self, job: dict) -> None:
        progress = _Progress(self.kb, job, self._stop)
        error = self._index(job, progress)
        self._clear(job["id"], progress.files)  # first: whoever sees the job ended finds its unheld files gone
        self.kb.store.jobs.update(job["id"], status="failed" if error else "done", error=error, files=progress.files,
                                  finished_at=_now())

    def _clear(self, job_id: str, files: list[dict]) -> None:
        """Delete a finished job's files that no document holds: skipped, failed, or never reached."""
        folder = uploads_dir(self.home) / job_id
        for entry in files:
            if entry["status"] not in KEPT:
                remove_upload(self.home, str(folder / entry["name"]))

    def _index(self, job: dict, progress: _Progress) -> str | None:
        """Index the job's files; why it failed, or ``None``.  A failure to save the vectors fails the job
        too, rather than leaving it running for ever."""
        try:
            try:
                replacing = job["kind"] == "replace"  # the new file goes under the document's id, even if it is a copy
                report = index_paths(self.kb, [uploads_dir(self.home) / job["id"]], on_file=progress,
                                     access=job["access"], copies=not replacing)
                return self._replace(job, progress.files[0], report.files[0]) if replacing else None
            finally:
                self.kb.save_vectors()  # what was committed gets its vectors, whatever ended the job
        except DatabaseUnavailableError:
            raise  # not the job's fault: it runs again once the server is back (kb.jobs.worker)
        except KbError as exc:
            return str(exc)
        except Exception as exc:
            log.exception("job %s failed", job["id"])
            return f"Internal error ({type(exc).__name__}); the server log has the details."

    def _replace(self, job: dict, entry: dict, outcome: FileOutcome) -> str | None:
        """Put the new version under the replaced document's id; the reason it could not, or ``None``."""
        target = job["target_document"]
        if outcome.document_id == target and entry["status"] == "indexed":
            return None  # put in place by this job's earlier run, whose worker lost the server just after
        if outcome.status != "indexed" or outcome.document_id is None:
            return f"{entry['name']} could not be indexed ({outcome.reason}); document {target} is unchanged."
        old_path = self.kb.store.documents.path_of(target)
        if old_path is None:
            entry["reason"] = f"document {target} was removed meanwhile; this is a new document"
            return None
        self.kb.replace_document(target, outcome.document_id)
        entry["document_id"] = target
        self._discard([old_path])
        return None


class _Stopped(KbError):
    """The server is stopping: the job ends after the file being indexed."""


class _Progress:
    """``index_paths``'s progress callback: records each file's outcome in the job row and saves the vectors."""

    def __init__(self, kb: KnowledgeBase, job: dict, stop: threading.Event) -> None:
        self.kb, self.job_id, self.stop = kb, job["id"], stop
        self.files = job["files"]
        self._by_name = {entry["name"]: entry for entry in self.files}
        self._saved = time.monotonic()

    def __call__(self, outcome: FileOutcome, done: int, total: int) -> None:
        entry = self._by_name.get(outcome.source)
        if entry is not None:
            outcome = self._as_this_jobs(entry, outcome)
            entry.update(status=outcome.status, chunks=outcome.chunks, document_id=outcome.document_id,
                         reason=outcome.reason, code=outcome.code, params=outcome.params)
        if time.monotonic() - self._saved >= SAVE_SECONDS and self.kb.save_vectors():
            self._saved = time.monotonic()
        self.kb.store.jobs.update(self.job_id, files=self.files, files_done=done)
        if self.stop.is_set() and done < total:
            raise _Stopped(f"Interrupted after {done} of {total} files: the server stopped. Upload the others again.")

    def _as_this_jobs(self, entry: dict, outcome: FileOutcome) -> FileOutcome:
        """The outcome as this job reports it.  A file the job indexed in an earlier run (its worker died, or lost
        the server, and the job runs again) is found unchanged, or a copy when another worker's folder holds it
        now, of a document read from this job's own upload of that name: it is reported indexed, as it was then."""
        doc_id = outcome.document_id
        if outcome.status not in ("unchanged", "copy") or doc_id is None:
            return outcome
        path = self.kb.store.documents.path_of(doc_id)
        if path is None or upload_of(path) != (self.job_id, entry["name"]):
            return outcome
        bodies = sum(chunk["kind"] == "body" for chunk in self.kb.store.chunks.of_document(doc_id))
        return dataclasses.replace(outcome, status="indexed", chunks=bodies, reason=None, code=None, params={},
                                   copy_of=None)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

