"""The accent model of an index folder, kept in step with SQLite's chunks as the lexicon is.

SQLite stays the source of truth; ``accents.npz`` is a cache of counts over its
chunks.  Chunks above the last id counted are added (ids only grow).  Counts
cannot be taken back, since a deleted chunk's text is gone: deletions are only
counted, and once the deleted passages still counted pass ``REBUILD_SHARE`` of
those counted, the model is built again from the chunks (laws-txt's 18,000
articles took 23 s on a busy machine).  A file missing, unreadable or of another database is
rebuilt the same way.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kb.retrieval.accents import AccentRestorer
from kb.storage.store import Store

__all__ = ["REBUILD_SHARE", "SAVE_ACCENTS_AFTER", "SyncedAccents"]

REBUILD_SHARE = 0.25  # deleted passages still counted, as a share of all counted, before a rebuild
SAVE_ACCENTS_AFTER = 2_000  # passages counted (and a tenth of the model) before the file is written again
log = logging.getLogger("kb")


class SyncedAccents:
    """One folder's accent model: read from its file, caught up with SQLite, saved now and then."""

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self._model: AccentRestorer | None = None
        self._unsaved = 0  # passages counted since the file was read or written
        self._lock = threading.Lock()

    def current(self) -> AccentRestorer:
        """The model, having counted every chunk committed now (and, for a while, some deleted since)."""
        with self._lock:
            if self._model is None:
                self._model = self._read()
            if not self._catch_up(self._model):
                log.info("building the accent model of %s", self.path.parent)
                self._model = AccentRestorer()
                self._unsaved = 0
                self._catch_up(self._model)
            if self._unsaved >= max(SAVE_ACCENTS_AFTER, self._model.passages // 10):
                self.save()
            return self._model

    def refresh(self) -> None:
        """Catch up and write the file if it lacks passages counted (after an indexing run)."""
        self.current()
        if self._unsaved or not self.path.exists():
            self.save()

    def save(self) -> None:
        """Write the file; a folder that cannot take it only costs the next process the rebuild."""
        assert self._model is not None
        try:
            self._model.save(self.path)
            self._unsaved = 0
        except OSError as exc:
            log.warning("could not save %s: %s", self.path.name, exc)

    def _read(self) -> AccentRestorer:
        try:
            return AccentRestorer.load(self.path)
        except FileNotFoundError:
            pass
        except ValueError as exc:
            log.warning("%s; building the accent model again", exc)
        return AccentRestorer()

    def _catch_up(self, model: AccentRestorer) -> bool:
        """Count what SQLite committed since the model looked; ``False`` if it must be built anew."""
        chunks = self.store.chunks
        with self.store.db.reading():
            database, last_chunk, last_deletion = chunks.lexicon_state()
            if not model.database and not model.last_chunk:
                model.database = database
            if model.database != database or last_chunk < model.last_chunk or last_deletion < model.last_deletion:
                return False
            if last_deletion > model.last_deletion:
                gone = chunks.deleted(model.last_deletion, last_deletion)
                model.stale += sum(chunk <= model.last_chunk for chunk in gone)
                model.last_deletion = last_deletion
            if model.stale > REBUILD_SHARE * model.passages:
                return False
            for rows in chunks.columns(model.last_chunk, last_chunk):
                self._unsaved += model.add((accented for _, accented, _ in rows), normalized=True)
            model.last_chunk = last_chunk
        return True
