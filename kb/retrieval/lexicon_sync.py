"""The lexicon of an index folder, kept exactly in step with SQLite's chunks.

SQLite stays the source of truth; the lexicon (``kb.retrieval.lexicon``) is
derived from its chunks and caught up before every search: chunks above the
last id seen are added (ids are ``AUTOINCREMENT``, so a new chunk always has a
larger one), chunks that the ``chunk_deletions`` log lists since the last entry
seen are dropped.  The file ``lexicon.npz`` keeps a snapshot so that a process
does not tokenise every passage when it starts; it is a cache: missing,
unreadable, of another database or disagreeing with it, it is rebuilt.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kb.retrieval.lexicon import Lexicon
from kb.storage.store import Store

__all__ = ["SAVE_LEXICON_AFTER", "SyncedLexicon"]

SAVE_LEXICON_AFTER = 2_000  # chunks caught up (and a tenth of the lexicon) before its snapshot is written again
log = logging.getLogger("kb")


class SyncedLexicon:
    """One folder's lexicon: read from its snapshot, caught up with SQLite, saved now and then."""

    def __init__(self, store: Store, path: Path) -> None:
        self.store = store
        self.path = path
        self._lexicon: Lexicon | None = None
        self._unsaved = 0  # chunks added since the snapshot was read or written
        self._lock = threading.Lock()  # one thread catches up; the others wait for it

    def current(self) -> Lexicon:
        """The lexical index, holding exactly the chunks committed now.

        The first use reads the snapshot and checks it against the chunk count;
        every use adds what was committed since and drops what was deleted.
        """
        with self._lock:
            if self._lexicon is None or not self.catch_up(self._lexicon):
                self._lexicon = self._fresh()
            if self._unsaved >= max(SAVE_LEXICON_AFTER, len(self._lexicon) // 10):
                self.save()
            return self._lexicon

    def _fresh(self) -> Lexicon:
        """The snapshot caught up, if it can serve; otherwise the lexicon built anew from the chunks."""
        self._unsaved = 0
        try:
            return self.read_snapshot()
        except FileNotFoundError:
            pass
        except ValueError as exc:
            log.warning("%s; building the lexical index again", exc)
        lexicon = Lexicon()
        self._unsaved = 0
        self.catch_up(lexicon)
        return lexicon

    def read_snapshot(self) -> Lexicon:
        """``lexicon.npz`` caught up with SQLite; ``FileNotFoundError`` if there is none.

        ``ValueError``, saying why, if it cannot serve: unreadable, built from
        another database (or a later state of this one), or not holding exactly
        SQLite's chunks once caught up (a deletion that bypassed the log).
        """
        lexicon = Lexicon.load(self.path)
        name = self.path.name
        if not self.catch_up(lexicon):
            raise ValueError(f"{name} was built from another database or a later state of it")
        chunks = self.store.chunks.count()
        if len(lexicon) != chunks:
            raise ValueError(f"{name} caught up holds {len(lexicon)} chunks for {chunks}")
        return lexicon

    def catch_up(self, lexicon: Lexicon) -> bool:
        """Apply what SQLite committed since the lexicon last looked; ``False`` if it cannot (another database)."""
        chunks = self.store.chunks
        with self.store.db.reading():
            database, last_chunk, last_deletion = chunks.lexicon_state()
            if not lexicon.database and not lexicon.last_chunk:
                lexicon.database = database
            if (lexicon.database != database or last_chunk < lexicon.last_chunk
                    or last_deletion < lexicon.last_deletion):
                return False
            if (last_chunk, last_deletion) == (lexicon.last_chunk, lexicon.last_deletion):
                return True
            lexicon.drop(chunks.deleted(lexicon.last_deletion, last_deletion))
            lexicon.last_deletion = last_deletion
            if last_chunk > lexicon.last_chunk and not lexicon.last_chunk:
                log.info("building the lexical index of %s", self.path.parent)
            for rows in chunks.columns(lexicon.last_chunk, last_chunk):
                self._unsaved += lexicon.add(rows)
            lexicon.last_chunk = last_chunk
        lexicon.compact()
        return True

    def rebuild(self) -> None:
        """Build the lexicon again from the chunks and write its snapshot (``kb check --repair``)."""
        with self._lock:
            self.path.unlink(missing_ok=True)
            self._lexicon = None
        self.refresh()

    def refresh(self) -> None:
        """Catch the lexicon up and write its snapshot if it holds chunks the file does not.

        A process that never searched (an indexing run, a job's writer) lets go
        of it afterwards: the searching side holds its own.
        """
        searched = self._lexicon is not None
        self.current()
        if self._unsaved or not self.path.exists():
            self.save()
        if not searched:
            with self._lock:
                self._lexicon = None

    def save(self) -> None:
        """Write the snapshot; a folder that cannot take it only costs the next process the rebuild."""
        assert self._lexicon is not None
        try:
            self._lexicon.save(self.path)
            self._unsaved = 0
        except OSError as exc:
            log.warning("could not save %s: %s", self.path.name, exc)
