"""An index folder opened for use: the SQLite store, the vector file and the model, kept in step.

The folder holds fixed names::

    kb.sqlite       documents, chunks, references (source of truth)
    vectors.faiss   one vector per chunk, keyed by chunk id
    lexicon.npz     a snapshot of the lexical index (kb.lexicon), a cache of the chunks
    config.json     the model that built the vectors (name, dimension, fingerprint)
    models/         the bundled model, converted at first use

SQLite is committed first, the vector file written after; so the only states
a crash can leave are "vectors missing for committed chunks" or "vectors for
chunks that are gone".  Opening checks the two against each other and mends
either: stale vectors are dropped, missing ones are embedded again from the
stored text.  Nothing inconsistent is ever served.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kb.config import Settings
from kb.embedding.embedder import Embedder, load_embedder
from kb.errors import (
    IndexBusyError,
    IndexInconsistentError,
    ModelMismatchError,
    StorageError,
)
from kb.retrieval.lexicon import Lexicon
from kb.retrieval.vectors import VectorIndex
from kb.storage.store import Store

__all__ = ["KnowledgeBase", "INDEX_FORMAT", "write_lock"]

INDEX_FORMAT = 1
SAVE_LEXICON_AFTER = 2_000  # chunks caught up (and a tenth of the lexicon) before its snapshot is written again
log = logging.getLogger("kb")


class KnowledgeBase:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.home / "kb.sqlite")
        self._embedder: Embedder | None = None
        self._vectors: VectorIndex | None = None
        self._vectors_version: tuple[int, int] | None = None
        self._vectors_lock = threading.RLock()  # one thread (re)loads the vector file; the others wait for it
        self._lexicon: Lexicon | None = None
        self._lexicon_unsaved = 0  # chunks added since the snapshot was read or written
        self._lexicon_lock = threading.Lock()
        self._writing = False

    # -- the model, loaded on first need ----------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.settings.home / "config.json"

    @property
    def recorded_model(self) -> dict | None:
        return json.loads(self.config_path.read_text()) if self.config_path.exists() else None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            embedder = load_embedder(self.settings.model, self.settings.models_dir, self.settings.backend)
            self._check_model(embedder)
            self._embedder = embedder
        return self._embedder

    def _check_model(self, embedder: Embedder) -> None:
        recorded = self.recorded_model
        if recorded is None:
            self._write_config(embedder)
        elif recorded["fingerprint"] != embedder.fingerprint:
            built_with = recorded.get("backend", "torch")  # indexes from before backends were torch ones
            raise ModelMismatchError(
                f"This index ({self.settings.home}) was built with the model {recorded['model']!r} "
                f"on the {built_with} backend (fingerprint {recorded['fingerprint'][:12]}), not "
                f"{embedder.name!r} on {embedder.backend}. Use --model {recorded['model']!r} with "
                f"KB_BACKEND={built_with}, or re-index into a new folder with --home, "
                f"or delete {self.settings.home} and run `kb index` again."
            )

    def _write_config(self, embedder: Embedder) -> None:
        config = {"format": INDEX_FORMAT, "model": embedder.name, "backend": embedder.backend,
                  "dimension": embedder.dimension, "fingerprint": embedder.fingerprint}
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(config, indent=2))
        os.replace(tmp, self.config_path)

    # -- the vectors, checked against SQLite when first opened -------------------------------
    @property
    def vectors_path(self) -> Path:
        return self.settings.home / "vectors.faiss"

    @property
    def vectors(self) -> VectorIndex:
        """The vector file, reloaded when a writer (this process's job thread or another process) replaced it.

        A reload builds a new ``VectorIndex`` and swaps it in whole: a search
        already running keeps the one it started with, which nobody changes.
        """
        with self._vectors_lock:
            version = self._file_version()
            if self._vectors is None or (version != self._vectors_version and not self._vectors.dirty):
                self._load_vectors()
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

    def _read_vectors(self) -> None:
        self._vectors_version = self._file_version()
        self._vectors = VectorIndex(self.vectors_path, self._dimension())

    def _dimension(self) -> int:
        recorded = self.recorded_model
        return recorded["dimension"] if recorded else self.embedder.dimension

    def reconcile(self) -> dict[str, int]:
        """Bring the vector file in line with SQLite; return what was mended."""
        vectors = self._vectors
        assert vectors is not None
        expected, present = self.store.all_chunk_ids(), vectors.ids()
        stale, missing = sorted(present - expected), sorted(expected - present)
        if stale:
            log.warning("dropping %d vectors of chunks no longer in the database", len(stale))
            vectors.remove(stale)
        if missing:
            log.warning("embedding %d chunks that had no vector (an interrupted run?)", len(missing))
            texts = self.store.chunk_texts(missing)
            vectors.add(missing, self.embedder.encode_passages([texts[i] for i in missing]))
        if vectors.dirty:
            self.save_vectors()
        if len(vectors) != len(expected):
            raise IndexInconsistentError(f"vector file holds {len(vectors)} vectors for {len(expected)} chunks after repair")
        return {"stale": len(stale), "missing": len(missing)}

    def save_vectors(self) -> None:
        assert self._vectors is not None
        with self.storing():
            self._vectors.save()
        self._vectors_version = self._file_version()

    # -- the lexicon, caught up with SQLite before each search -----------------------------
    @property
    def lexicon_path(self) -> Path:
        return self.settings.home / "lexicon.npz"

    @property
    def lexicon(self) -> Lexicon:
        """The lexical index, holding exactly the chunks committed now (``kb.lexicon``).

        The first use reads the snapshot and checks it against the chunk count;
        every use adds what was committed since and drops what was deleted.
        """
        with self._lexicon_lock:  # one thread catches up; the others wait for it
            if self._lexicon is None or not self.catch_up(self._lexicon):
                self._lexicon = self._fresh_lexicon()
            if self._lexicon_unsaved >= max(SAVE_LEXICON_AFTER, len(self._lexicon) // 10):
                self.save_lexicon()
            return self._lexicon

    def _fresh_lexicon(self) -> Lexicon:
        """The snapshot caught up, if it can serve; otherwise the lexicon built anew from the chunks."""
        self._lexicon_unsaved = 0
        try:
            return self.read_lexicon_snapshot()
        except FileNotFoundError:
            pass
        except ValueError as exc:
            log.warning("%s; building the lexical index again", exc)
        lexicon = Lexicon()
        self._lexicon_unsaved = 0
        self.catch_up(lexicon)
        return lexicon

    def read_lexicon_snapshot(self) -> Lexicon:
        """``lexicon.npz`` caught up with SQLite; ``FileNotFoundError`` if there is none.

        ``ValueError``, saying why, if it cannot serve: unreadable, built from
        another database (or a later state of this one), or not holding exactly
        SQLite's chunks once caught up (a deletion that bypassed the log).
        """
        lexicon = Lexicon.load(self.lexicon_path)
        name = self.lexicon_path.name
        if not self.catch_up(lexicon):
            raise ValueError(f"{name} was built from another database or a later state of it")
        chunks = self.store.count_chunks()
        if len(lexicon) != chunks:
            raise ValueError(f"{name} caught up holds {len(lexicon)} chunks for {chunks}")
        return lexicon

    def catch_up(self, lexicon: Lexicon) -> bool:
        """Apply what SQLite committed since the lexicon last looked; ``False`` if it cannot (another database)."""
        with self.store.reading():
            database, last_chunk, last_deletion = self.store.lexicon_state()
            if not lexicon.database and not lexicon.last_chunk:
                lexicon.database = database
            if (lexicon.database != database or last_chunk < lexicon.last_chunk
                    or last_deletion < lexicon.last_deletion):
                return False
            if (last_chunk, last_deletion) == (lexicon.last_chunk, lexicon.last_deletion):
                return True
            lexicon.drop(self.store.deleted_chunks(lexicon.last_deletion, last_deletion))
            lexicon.last_deletion = last_deletion
            if last_chunk > lexicon.last_chunk and not lexicon.last_chunk:
                log.info("building the lexical index of %s", self.settings.home)
            for rows in self.store.chunk_columns(lexicon.last_chunk, last_chunk):
                self._lexicon_unsaved += lexicon.add(rows)
            lexicon.last_chunk = last_chunk
        lexicon.compact()
        return True

    def rebuild_lexicon(self) -> None:
        """Build the lexicon again from the chunks and write its snapshot (``kb check --repair``)."""
        with self._lexicon_lock:
            self.lexicon_path.unlink(missing_ok=True)
            self._lexicon = None
        self.refresh_lexicon()

    def refresh_lexicon(self) -> None:
        """Catch the lexicon up and write its snapshot if it holds chunks the file does not.

        A folder that never searched (an indexing run, a job's writer) lets go
        of it afterwards: the searching side holds its own.
        """
        searched = self._lexicon is not None
        self.lexicon  # noqa: B018
        if self._lexicon_unsaved or not self.lexicon_path.exists():
            self.save_lexicon()
        if not searched:
            with self._lexicon_lock:
                self._lexicon = None

    def save_lexicon(self) -> None:
        """Write the lexicon's snapshot; a folder that cannot take it only costs the next process the rebuild."""
        assert self._lexicon is not None
        try:
            self._lexicon.save(self.lexicon_path)
            self._lexicon_unsaved = 0
        except OSError as exc:
            log.warning("could not save %s: %s", self.lexicon_path.name, exc)

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

    def rebuild_vectors(self) -> int:
        """Embed every chunk again into a new vector file with the configured model; return how many.

        For a vector file that cannot be read or was built by another model
        (``kb check --repair``): nothing of the old file is reused, and
        config.json then records the configured model.  Hold the write lock.
        Interrupted, it leaves a folder without either file, which the next open mends the same way.
        """
        with self._vectors_lock:
            self.vectors_path.unlink(missing_ok=True)
            self.config_path.unlink(missing_ok=True)
            self._embedder = None  # loaded again below, and with no config.json it records itself there
            self._read_vectors()
            return self.reconcile()["missing"]

    @contextmanager
    def writing(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the folder's write lock: one writer at a time, readers never wait for it.

        Re-entrant (a job holds it around ``index_paths``, which takes it again);
        ``wait`` is how many seconds to wait for another writer before giving up.
        """
        if self._writing:
            yield
            return
        with write_lock(self.settings.home, wait):
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    def close(self) -> None:
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
