"""An index folder opened for use: the SQLite store, the vector file, the lexicon, the accent model and the
embedding model, kept in step.

The folder holds fixed names::

    kb.sqlite       documents, chunks, references, jobs, keys (the source of truth)
    vectors.faiss   one vector per chunk, keyed by chunk id
    lexicon.npz     a snapshot of the lexical index, a cache of the chunks
    accents.npz     the accent model's counts, a cache of the chunks
    config.json     the model that built the vectors (name, backend, dimension, fingerprint)
    models/         the bundled model, converted at first use

Every write of a document goes through ``add_document``, ``replace_document``,
``merge_document``, ``add_source``, ``remove_document``, ``remove_source`` or ``set_status``: they
hold the folder's write lock, commit the rows in one transaction, then change the vectors and save them.  SQLite is committed
first and the vector file written after, so the only states a crash can leave
are "vectors missing for committed chunks" or "vectors for chunks that are
gone".  Opening the vectors checks the two against each other and mends
either: stale vectors are dropped, missing ones are embedded again from the
stored text.  Nothing inconsistent is ever served.

With the ``postgres`` store (settings ``store``) the rows live in PostgreSQL
and the vectors in a table beside them, written in the same transaction: there
is no vector file, and nothing to mend.  What several machines must share lives
in the database too: the model record (``meta`` key ``model``, config.json's
content) and the write lock (an advisory lock each write transaction takes, so
workers embed side by side and commit one document at a time).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from indexer.model import ParsedDocument
from kb.access.levels import LEVELS
from kb.config import Settings
from kb.embedding.embedder import Embedder, load_embedder
from kb.errors import IndexBusyError, IndexInconsistentError, ModelMismatchError, NoIndexError, StorageError
from kb.retrieval.accents_sync import SyncedAccents
from kb.retrieval.lexicon_sync import SyncedLexicon
from kb.retrieval.vector_store import VectorChanges, Vectors
from kb.retrieval.vectors import VectorIndex
from kb.storage.backend import reading_at
from kb.storage.sources import COPY, EARLIER, SourceFile
from kb.storage.store import open_store

__all__ = ["KnowledgeBase", "INDEX_FORMAT", "MODEL_KEY", "write_lock"]

INDEX_FORMAT = 1
MODEL_KEY = "model"  # the ``meta`` row that records the model on a database server (config.json's content)
log = logging.getLogger("kb")
T = TypeVar("T")


class KnowledgeBase:
    """One index folder.  ``embedder`` replaces the configured model (tests give a deterministic one).

    ``create=False`` (searching, showing, serving) refuses a folder without ``kb.sqlite`` with
    ``NoIndexError`` instead of making an empty index there: a mistyped or forgotten ``--home`` would
    otherwise answer every question with "nothing found" and leave an empty index behind.
    """

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, create: bool = True) -> None:
        self.settings = settings
        on_server = settings.store.backend == "postgres"
        if not create and not on_server and not (settings.home / "kb.sqlite").is_file():
            raise NoIndexError(
                f"No index in {settings.home} (the folder --home or KB_HOME names; by default ~/.local/share/kb). "
                f"Index documents into it first: kb index FOLDER --home {settings.home}; "
                f"or point --home / KB_HOME at the folder that holds one.")
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = open_store(settings.store, settings.home)
        self.lexicon = SyncedLexicon(self.store, settings.home / "lexicon.npz")
        self.accents = SyncedAccents(self.store, settings.home / "accents.npz")  # read on the first search
        self._given_embedder = embedder
        self._embedder: Embedder | None = None  # set once checked against config.json
        self._vectors: Vectors | None = None
        self._vectors_version: tuple[int, int] | None = None
        self._vectors_lock = threading.RLock()  # one thread (re)loads the vector file; the others wait for it
        self._writing = False
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- the model, loaded on first need ----------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.settings.home / "config.json"

    def read_recorded_model(self) -> dict[str, Any] | None:
        """What config.json (``meta`` on a database server) says built the vectors, or ``None`` before the first."""
        if self.store.path is None:
            value = self.store.db.get_meta(MODEL_KEY)
            return json.loads(value) if value else None
        return json.loads(self.config_path.read_text()) if self.config_path.exists() else None

    def open_embedder(self) -> Embedder:
        """The model, loaded on first use and checked against the one that built the vectors."""
        if self._embedder is None:
            embedder = self._given_embedder or load_embedder(
                self.settings.model, self.settings.models_dir, self.settings.backend)
            self._check_model(embedder)
            self._embedder = embedder
        return self._embedder

    def _check_model(self, embedder: Embedder) -> None:
        recorded = self.read_recorded_model()
        if recorded is None:
            self._write_config(embedder)
            recorded = self.read_recorded_model()  # on a server, another machine's model may have come first
            assert recorded is not None
        if recorded["fingerprint"] != embedder.fingerprint:
            built_with = recorded.get("backend", "torch")  # indexes written before backends were torch ones
            raise ModelMismatchError(
                f"This index ({self.settings.home}) was built with the model {recorded['model']!r} "
                f"on the {built_with} backend (fingerprint {recorded['fingerprint'][:12]}), not "
                f"{embedder.name!r} on {embedder.backend}. Use --model {recorded['model']!r} with "
                f"KB_BACKEND={built_with}, or re-index into a new folder with --home, "
                f"or delete {self.settings.home} and run `kb index` again."
            )

    @staticmethod
    def _record(embedder: Embedder) -> dict[str, Any]:
        """What config.json (``meta`` on a database server) records of the model that built the vectors."""
        return {"format": INDEX_FORMAT, "model": embedder.name, "backend": embedder.backend,
                "dimension": embedder.dimension, "fingerprint": embedder.fingerprint}

    def _write_config(self, embedder: Embedder) -> None:
        config = self._record(embedder)
        if self.store.path is None:  # the first model recorded stays: workers starting together agree on it
            self.store.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [MODEL_KEY, json.dumps(config)])
            return
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(config, indent=2))
        os.replace(tmp, self.config_path)

    # -- the vectors, checked against SQLite when first opened -------------------------------
    @property
    def vectors_path(self) -> Path:
        return self.settings.home / "vectors.faiss"

    def open_vectors(self) -> Vectors:
        """The vector file, reloaded when a writer (this process's job thread or another process) replaced it.

        A reload builds a new ``VectorIndex`` and swaps it in whole: a search
        already running keeps the one it started with, which nobody changes.
        On a PostgreSQL store the vectors are a table beside the chunks, written
        in their transactions: nothing to reload or mend.
        """
        with self._vectors_lock:
            if self.store.path is None:
                if self._vectors is None:
                    self._vectors = self._table_vectors()
                return self._vectors
            version = self._file_version()
            if self._vectors is None or (version != self._vectors_version and not self._vectors.dirty):
                self._load_vectors()
            assert self._vectors is not None
            return self._vectors

    def _file_version(self) -> tuple[int, int] | None:
        """Inode and mtime: each save renames a new file into place, so both change."""
        try:
            stat = self.vectors_path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _load_vectors(self) -> None:
        """Open the vector file and mend it against SQLite, unless another writer holds the folder."""
        if self._writing:
            self._read_vectors()
            self.reconcile()
            return
        try:
            with self.writing():
                self._read_vectors()  # read under the lock: the file cannot change while it is mended
                self.reconcile()
        except IndexBusyError:
            log.info("an indexing run holds the folder; serving the committed state without repair")
            self._read_vectors()

    def _table_vectors(self) -> Vectors:
        from kb.retrieval.pg_vectors import PgVectors  # psycopg is needed only for this backend
        from kb.storage.pg_database import PgDatabase

        assert isinstance(self.store.db, PgDatabase)
        self._same_model()
        recorded = self.read_recorded_model()
        return PgVectors(self.store.db, recorded["dimension"] if recorded else self.open_embedder().dimension)

    def _read_vectors(self) -> None:
        self._vectors_version = self._file_version()
        recorded = self.read_recorded_model()
        dimension = recorded["dimension"] if recorded else self.open_embedder().dimension
        self._vectors = VectorIndex(self.vectors_path, dimension)

    def reconcile(self) -> dict[str, int]:
        """Bring the vector file in line with SQLite; return what was mended."""
        vectors = self._vectors
        assert vectors is not None
        chunks = self.store.chunks
        expected, present = chunks.all_ids(), vectors.ids()
        stale, missing = sorted(present - expected), sorted(expected - present)
        if stale:
            log.warning("dropping %d vectors of chunks no longer in the database", len(stale))
            vectors.remove(stale)
        if missing:
            log.warning("embedding %d chunks that had no vector (an interrupted run?)", len(missing))
            texts = chunks.texts(missing)
            vectors.add(missing, self.open_embedder().encode_passages([texts[i] for i in missing]))
        if vectors.dirty:
            self.save_vectors()
        if len(vectors) != len(expected):
            raise IndexInconsistentError(f"vector file holds {len(vectors)} vectors for {len(expected)} chunks after repair")
        return {"stale": len(stale), "missing": len(missing)}

    def save_vectors(self) -> bool:
        """Write the vector file if it holds changes (renamed into place: readers see the old one or the new).

        Whether there was anything to write.
        """
        vectors = self._vectors
        if vectors is None or not vectors.dirty:
            return False
        with self.storing():
            vectors.save()
        self._vectors_version = self._file_version()
        return True

    def rebuild_vectors(self) -> int:
        """Embed every chunk again into a new vector file with the configured model; return how many.

        For a vector file that cannot be read or was built by another model
        (``kb check --repair``): nothing of the old file is reused, and
        config.json then records the configured model.  Hold the write lock.
        Interrupted, it leaves a folder without either file, which the next open mends the same way.
        On a database server it is ``switch_model`` to the configured model.
        """
        if self.store.path is None:  # a table: the configured model's vectors replace the others in one swap
            return self.switch_model(self._given_embedder or load_embedder(
                self.settings.model, self.settings.models_dir, self.settings.backend))
        with self._vectors_lock:
            self.vectors_path.unlink(missing_ok=True)
            self.config_path.unlink(missing_ok=True)
            self._embedder = None  # checked again below, and with no config.json it records itself there
            self._read_vectors()
            return self.reconcile()["missing"]

    def switch_model(self, embedder: Embedder, on_progress: Callable[[int, int], None] = lambda *_: None,
                     batch: int = 256) -> int:
        """Embed every chunk with ``embedder`` into a new vector file, then make it and the model this index's.

        Unlike ``rebuild_vectors`` the old file keeps serving searches until the
        new one is complete: it is written under another name and renamed over
        it, then config.json records the new model.  Holds the write lock
        throughout, so no document changes meanwhile.  Returns how many chunks.
        On a database server the new vectors fill a table beside the old ones while
        writers go on, and replace them in one transaction (``kb.retrieval.pg_switch``).
        """
        if self.store.path is None:
            return self._switch_table(embedder, on_progress, batch)
        with self.writing():
            ids = sorted(self.store.chunks.all_ids())
            upcoming = self.settings.home / "vectors.next.tmp"  # a leftover to `kb check` if a kill interrupts it
            upcoming.unlink(missing_ok=True)  # an interrupted switch's: started again from nothing
            fresh = VectorIndex(upcoming, embedder.dimension)
            for start in range(0, len(ids), batch):
                part = ids[start:start + batch]
                texts = self.store.chunks.texts(part)
                fresh.add(part, embedder.encode_passages([texts[i] for i in part]))
                on_progress(start + len(part), len(ids))
            with self._vectors_lock, self.storing():
                fresh.dirty = True  # an empty index is written too: the old model's vectors must go
                fresh.save()
                os.replace(fresh.path, self.vectors_path)
                fresh.path = self.vectors_path
                self._write_config(embedder)
                self._embedder, self._vectors = embedder, fresh
                self._vectors_version = self._file_version()
        return len(ids)

    def _switch_table(self, embedder: Embedder, on_progress: Callable[[int, int], None], batch: int) -> int:
        from kb.retrieval.pg_switch import switch_vectors  # psycopg is needed only for this backend
        from kb.storage.pg_database import PgDatabase

        assert isinstance(self.store.db, PgDatabase)
        switched = switch_vectors(self.store.db, embedder, json.dumps(self._record(embedder)), MODEL_KEY,
                                  on_progress, batch)
        with self._vectors_lock:
            self._embedder, self._vectors = embedder, None  # the table opened again, at the new dimension
        return switched

    def _same_model(self) -> None:
        """On a server, opening the vectors and inside each write transaction: refuse a model the store no longer
        records.

        Another machine may have switched the model (``switch_model``) since this process opened it; its
        vectors would then sit among the new model's, unfindable.  The switch's swap holds the write lock,
        as this transaction does, so the record read here stays the one the commit goes in under.
        """
        recorded = self.read_recorded_model()
        if self._embedder is not None and recorded is not None and recorded["fingerprint"] != self._embedder.fingerprint:
            raise ModelMismatchError(
                f"The store's model is now {recorded['model']!r} on {recorded.get('backend', 'torch')} (switched "
                f"since this process started with {self._embedder.name!r}); restart it with that model.")

    # -- writes: every change to a document goes through these ------------------------------
    def add_document(self, parsed: ParsedDocument, *, path: str, source: str, content_hash: str, access: str,
                     vectors: np.ndarray, replacing: int | None = None, save: bool = True) -> tuple[int, list[int]]:
        """Store a parsed document with its chunks' vectors (in chunk order); its id and its chunk ids.

        ``replacing`` is the id of the file's previous version, removed in the
        same transaction, so readers see the old version or the new, never
        both; the old version's other files (copies of its text) stay known as
        earlier versions of the new one.  ``save=False`` leaves the vector file
        to the caller's next ``save_vectors`` (an indexing run saves every few files, not every one).
        """
        with self._changing(save) as changes:
            earlier = self.store.sources.take(replacing) if replacing is not None else []
            old_ids = self.store.documents.delete(replacing) if replacing is not None else []
            doc_id, chunk_ids = self.store.documents.add(
                parsed, path=path, source=source, content_hash=content_hash, access=access)
            self.store.sources.give(doc_id, earlier, EARLIER, except_path=path)
            if replacing is not None:
                self.store.status.carry(replacing, doc_id)
            changes.remove(old_ids)
            changes.add(chunk_ids, vectors)
        return doc_id, chunk_ids

    def replace_document(self, target_id: int, new_id: int, *, old_files: str = EARLIER, save: bool = True) -> None:
        """Put document ``new_id`` (a new version, already added) under ``target_id``, in place of the old one.

        The document keeps its id, so links to it stay valid; its passages get
        new ids.  The old version's files stay known, as ``old_files``:
        ``earlier`` versions, or ``copy`` when the new file holds the same text, more fully.
        """
        with self._changing(save) as changes:
            old_sources = self.store.sources.take(target_id)
            old_chunks = self.store.documents.move(new_id, target_id)
            self.store.sources.give(target_id, old_sources, old_files)
            changes.remove(old_chunks)

    def merge_document(self, doc_id: int, into: int, *, save: bool = True) -> None:
        """Fold document ``doc_id``, a copy of ``into`` stored apart, into it: its files become copies of ``into``.

        Its passages and their vectors go; ``into`` keeps its own text.
        """
        with self._changing(save) as changes:
            files = self.store.sources.take(doc_id)
            changes.remove(self.store.documents.delete(doc_id))
            self.store.sources.give(into, files, COPY)

    def add_source(self, doc_id: int, file: SourceFile, role: str) -> None:
        """Record ``file`` as a copy (``role`` ``copy``) or an earlier version (``earlier``) of document ``doc_id``.

        Nothing of it is stored but its row: its text is the document's already.
        """
        with self.writing(), self._write_transaction():
            self.store.sources.record(doc_id, file, role)

    def remove_document(self, doc_id: int, *, save: bool = True) -> dict[str, Any]:
        """Delete a document, its passages and their vectors; what it was (``NotFoundError`` if no such id).

        With ``save``, the accent model is caught up too: its counts cannot be
        taken back, so once deletions pass its share it is built again here,
        by the writer, rather than by the next search of every process that
        reads the folder (each of which would log that ``accents.npz`` is
        stale).  ``save=False`` leaves both to the caller (``kb watch`` removes
        many files, then saves once).
        """
        with self.writing():
            document = self.store.documents.get(doc_id)
            with self._changing(save) as changes:
                changes.remove(self.store.documents.delete(doc_id))
            if save:
                self.accents.refresh()
        return document

    def set_status(self, doc_id: int, status: str, *, set_by: str, note: str | None = None,
                   replaced_by: int | None = None, access: str = LEVELS[-1]) -> dict[str, Any]:
        """Record an editor's status for a document (``kb.storage.status``), as seen at ``access``; the row written.

        Under the write lock like every write, so a backup or restore never
        runs beside it; it touches no vectors.
        """
        with self.writing(), self._write_transaction():
            return self.store.status.record(doc_id, status, set_by=set_by, note=note, replaced_by=replaced_by,
                                            access=access)

    def remove_source(self, path: str) -> None:
        """Forget the file at ``path`` as a copy or an earlier version of its document (the file is gone).

        Its document keeps its text: that was read from its own file.
        """
        with self.writing(), self._write_transaction():
            self.store.sources.forget(path)

    @contextmanager
    def _changing(self, save: bool) -> Iterator[VectorChanges]:
        """Hold the write lock and one transaction for a document's rows, with the vector changes asked for inside.

        Vectors in a table (PostgreSQL) change inside that transaction, so rows and vectors commit together;
        a vector file changes after the rows commit, and with ``save`` is written before the lock is let go.
        The writer sees every level, also in an editor's request held to the editor's (``reading_at``): a
        write that could not see a row it moves or deletes would leave it behind.
        """
        with self.writing():
            index = self.open_vectors()
            changes = VectorChanges()
            with reading_at(LEVELS[-1]), self._write_transaction():
                yield changes
                if index.transactional:
                    self._same_model()
                    changes.apply(index)
            changes.apply(index)  # a file's changes (a table's were applied and cleared above)
            if save:
                self.save_vectors()

    @contextmanager
    def deciding(self) -> Iterator[bool]:
        """Hold the write lock from a check to the writes it decides (is this file a document already?).

        Yields whether another writer may have committed since the lock was last held, so that the
        check must be made again inside: not in a folder, whose lock the whole run holds (``writing``),
        but on a database server, where each write transaction takes the lock for itself and another
        worker's document may have been committed while this one embedded.  There one transaction then
        holds the lock from the check to the last write.
        """
        with self.writing():
            if self.store.path is not None:
                yield False
                return
            with reading_at(LEVELS[-1]), self._write_transaction():
                yield True

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        """One write transaction, once no other writer's is open (on a server: whichever machine it runs on)."""
        with self.storing(), self.store.db.transaction():
            self.store.db.lock_writes()
            yield

    @contextmanager
    def storing(self) -> Iterator[None]:
        """Turn a failed write (disk full, I/O error) into a ``StorageError`` that ends the run.

        Every later write would fail the same way; SQLite rolls the failed
        transaction back and the vector file is only ever replaced whole, so
        what was committed before stays.
        """
        try:
            yield
        except (sqlite3.OperationalError, OSError, RuntimeError) as exc:  # FAISS raises RuntimeError
            reason = str(exc).rsplit("failed: ", 1)[-1]  # FAISS prefixes its C++ source location
            raise StorageError(f"Could not write to the index {self.settings.home}: {reason}. Is the disk full? "
                               "What was committed before is kept; free some space and run it again.") from exc

    @contextmanager
    def writing(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the folder's write lock: one writer at a time, readers never wait for it.

        Re-entrant (a job holds it around an indexing run, whose every write takes it
        again); ``wait`` is how many seconds to wait for another writer before giving up.
        On a database server there is no folder to lock: each write transaction takes the
        database's lock instead (``_write_transaction``), so several workers index at once.
        """
        if self._writing:
            yield
            return
        with write_lock(self.settings.home, wait) if self.store.path is not None else nullcontext():
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    def beside(self, work: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``work`` on a worker thread while the caller goes on (a search's dense leg beside its lexical ones).

        Embedding and FAISS release Python's lock, so on two cores they overlap
        the lexical legs, which hold it.  The threads start on first use.
        """
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="kb-beside")
            return self._pool.submit(work, *args)

    def close(self) -> None:
        """Close the store once the worker threads are done with it: a dense leg a search gave up (``_matching``)
        may still be reading its own connection, and closing it under that thread crashed the process."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.store.close()


@contextmanager
def write_lock(home: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold ``home``'s write lock without opening the index (backup and restore); see ``KnowledgeBase.writing``."""
    with open(home / "write.lock", "w") as handle:
        _lock_file(handle, wait, home)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_file(handle: IO[str], wait: float, home: Path) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError as exc:
            if time.monotonic() >= deadline:
                raise IndexBusyError(
                    f"Another kb process is writing to {home}; try again when it has finished.") from exc
            time.sleep(0.1)
