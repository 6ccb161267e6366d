"""An index folder opened for use: the SQLite store, the vector file and the model, kept in step.

The folder holds fixed names::

    kb.sqlite       documents, chunks, references, full-text index (source of truth)
    vectors.faiss   one vector per chunk, keyed by chunk id
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import Settings
from .embedding import Embedder, load_embedder
from .errors import IndexBusyError, IndexInconsistentError, ModelMismatchError
from .store import Store
from .vectors import VectorIndex

__all__ = ["KnowledgeBase", "INDEX_FORMAT"]

INDEX_FORMAT = 1
log = logging.getLogger("kb")


class KnowledgeBase:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.home / "kb.sqlite")
        self._embedder: Embedder | None = None
        self._vectors: VectorIndex | None = None
        self._vectors_mtime: int | None = None
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
            embedder = load_embedder(self.settings.model, self.settings.models_dir)
            self._check_model(embedder)
            self._embedder = embedder
        return self._embedder

    def _check_model(self, embedder: Embedder) -> None:
        recorded = self.recorded_model
        if recorded is None:
            self._write_config(embedder)
        elif recorded["fingerprint"] != embedder.fingerprint:
            raise ModelMismatchError(
                f"This index ({self.settings.home}) was built with the model {recorded['model']!r} "
                f"(fingerprint {recorded['fingerprint'][:12]}), not {embedder.name!r}. "
                f"Use --model {recorded['model']!r}, or re-index into a new folder with --home, "
                f"or delete {self.settings.home} and run `kb index` again."
            )

    def _write_config(self, embedder: Embedder) -> None:
        config = {"format": INDEX_FORMAT, "model": embedder.name, "dimension": embedder.dimension,
                  "fingerprint": embedder.fingerprint}
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(config, indent=2))
        os.replace(tmp, self.config_path)

    # -- the vectors, checked against SQLite when first opened -------------------------------
    @property
    def vectors_path(self) -> Path:
        return self.settings.home / "vectors.faiss"

    @property
    def vectors(self) -> VectorIndex:
        """The vector file, reloaded if another process (an indexing run) replaced it."""
        mtime = self.vectors_path.stat().st_mtime_ns if self.vectors_path.exists() else None
        if self._vectors is None or (mtime != self._vectors_mtime and not self._vectors.dirty):
            self._vectors = VectorIndex(self.vectors_path, self._dimension())
            self._vectors_mtime = mtime
            if self._writing:
                self.reconcile()
            else:
                try:
                    with self.writing():
                        self.reconcile()
                except IndexBusyError:
                    log.info("an indexing run holds the folder; serving the committed state without repair")
        return self._vectors

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
        self._vectors.save()
        self._vectors_mtime = self.vectors_path.stat().st_mtime_ns

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the folder's write lock: one writer at a time, readers never wait for it."""
        with open(self.settings.home / "write.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexBusyError(
                    f"Another kb process is writing to {self.settings.home}; try again when it has finished."
                ) from exc
            self._writing = True
            try:
                yield
            finally:
                self._writing = False
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        self.store.close()
