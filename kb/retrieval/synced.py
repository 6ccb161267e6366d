"""A model derived from SQLite's chunks, kept in a file beside the index and caught up before every use.

The lexicon (``kb.retrieval.lexicon_sync``) and the accent model
(``kb.retrieval.accents_sync``) are both caches of the chunks: SQLite stays the
source of truth, and the file only spares a process from reading every passage
when it starts.  Chunk ids only grow (``AUTOINCREMENT``) and every deletion is
logged (``chunk_deletions``), so catching up is reading what came since the
last id and log entry seen.  A file missing, unreadable, of another database,
or that cannot be caught up is rebuilt from the chunks; a folder that cannot
take the file only costs the next process that rebuild.  What differs between
the two (how a model catches up, what it checks) is the subclasses' part.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from kb.access.levels import LEVELS
from kb.retrieval.snapshot import EarlierFormat
from kb.storage.backend import reading_at
from kb.storage.store import Store

__all__ = ["OutgrownSnapshot", "SyncedFile"]

log = logging.getLogger("kb")


class OutgrownSnapshot(ValueError):
    """The file is sound but holds too much that was deleted since: it is built anew on next use, as designed."""


class _Cached(Protocol):
    database: str  # the id of the database it was counted from (``Chunks.lexicon_state``)
    last_chunk: int  # the highest chunk id taken in
    last_deletion: int  # the highest ``chunk_deletions`` entry taken in

    def save(self, path: Path) -> None: ...


M = TypeVar("M", bound=_Cached)


class SyncedFile(ABC, Generic[M]):
    """One folder's model: read from its file, caught up with SQLite, saved now and then."""

    what = "model"  # for the log: "building the <what> of <folder>"
    save_after = 2_000  # chunks caught up (and a tenth of the model) before the file is written again

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self._model: M | None = None
        self._unsaved = 0  # chunks taken in since the file was read or written
        self._lock = threading.RLock()  # one thread catches up (or reads a model another may change); the others wait

    # -- what a subclass says -----------------------------------------------------------------
    @abstractmethod
    def empty(self) -> M:
        """A model of no chunk."""

    @abstractmethod
    def load(self) -> M:
        """The model in the file, as written; ``FileNotFoundError`` if none, ``ValueError`` if unreadable."""

    @abstractmethod
    def take_in(self, model: M, last_chunk: int, last_deletion: int) -> bool:
        """Take in the chunks and deletions after the model's, up to these; ``False`` if it must be built anew.

        Called inside a read transaction, so what it reads is the state these numbers describe.
        """

    @abstractmethod
    def size(self, model: M) -> int:
        """How many chunks the model holds, which sets how often its file is written."""

    def outgrown(self, model: M) -> bool:
        """Whether deletions taken in leave the model worth building anew; by default a model takes them all in."""
        return False

    def verify(self, model: M) -> None:
        """Raise ``ValueError`` saying why a model read and caught up cannot serve; by default any can."""

    def catch_up(self, model: M) -> bool:
        """Take in what SQLite committed since the model looked; ``False`` if it must be built anew.

        A model of another database, or of a later state of this one (a backup restored under it), never can.
        Nothing committed since (one statement says so) is the common case of every search: it needs no
        read transaction around it.
        """
        if model.database and self.store.chunks.lexicon_state() == (model.database, model.last_chunk,
                                                                     model.last_deletion):
            return True
        caught = self._take_in_snapshot(model)
        if caught is None:
            # Behind the model: a replica that has not replayed what the model took in (from the file another
            # process wrote, or before the process switched servers) reads it from the primary; a database
            # restored under the model is behind there too, and the model is built anew.
            with self.store.db.on_primary():
                caught = self._take_in_snapshot(model)
        return bool(caught)

    def _take_in_snapshot(self, model: M) -> bool | None:
        """``take_in`` what one snapshot holds; ``False`` for another database, ``None`` if it is behind the model."""
        with self.store.db.reading():
            database, last_chunk, last_deletion = self.store.chunks.lexicon_state()
            if not model.database and not model.last_chunk:
                model.database = database
            if model.database != database:
                return False
            if last_chunk < model.last_chunk or last_deletion < model.last_deletion:
                return None
            return self.take_in(model, last_chunk, last_deletion)

    # -- the one way in -----------------------------------------------------------------------
    def current(self) -> M:
        """The model, holding every chunk committed now, whoever's request asks for it (read at every level:
        a snapshot checked against the passages a caller sees would be built again for nothing)."""
        with self._lock, reading_at(LEVELS[-1]):
            if self._model is None or not self.catch_up(self._model):
                self._model = self._fresh()
            if self._unsaved >= max(self.save_after, self.size(self._model) // 10):
                self.save()
            return self._model

    def _fresh(self) -> M:
        """The file caught up, if it can serve; otherwise the model built anew from the chunks."""
        self._unsaved = 0
        try:
            return self.read_snapshot()
        except FileNotFoundError:
            pass
        except (OutgrownSnapshot, EarlierFormat) as exc:  # by design, not a fault: said only to whoever asks
            log.info("%s; building the %s again", exc, self.what)
        except ValueError as exc:
            log.warning("%s; building the %s again", exc, self.what)
        log.info("building the %s of %s", self.what, self.path.parent)
        model = self.empty()
        self._unsaved = 0
        self.catch_up(model)
        return model

    def read_snapshot(self) -> M:
        """The file caught up with SQLite; ``FileNotFoundError`` if there is none.

        ``ValueError``, saying why, if it cannot serve: unreadable, built from
        another database (or a later state of this one), too far behind to
        catch up, or failing the subclass's ``verify``.
        """
        model = self.load()
        if not self.catch_up(model):
            if self.outgrown(model):
                raise OutgrownSnapshot(f"{self.path.name} holds passages deleted since (more than the share kept): "
                                       "the next search builds it again from the chunks")
            raise ValueError(f"{self.path.name} cannot be caught up with this database: built from another one, "
                             "a later state of it, or too much of what it holds has been deleted since")
        self.verify(model)
        return model

    def rebuild(self) -> None:
        """Build the model again from the chunks and write its file (``kb check --repair``)."""
        with self._lock:
            self.path.unlink(missing_ok=True)
            self._model = None
        self.refresh()

    def refresh(self) -> None:
        """Catch the model up and write its file if it holds chunks the file does not.

        A process that never searched (an indexing run, a job's writer) lets go
        of it afterwards: the searching side holds its own.
        """
        searched = self._model is not None
        self.current()
        if self._unsaved or not self.path.exists():
            self.save()
        if not searched:
            with self._lock:
                self._model = None

    def save(self) -> None:
        """Write the file; a folder that cannot take it only costs the next process the rebuild."""
        assert self._model is not None
        try:
            self._model.save(self.path)
            self._unsaved = 0
        except OSError as exc:
            log.warning("could not save %s: %s", self.path.name, exc)
