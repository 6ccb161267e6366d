"""The lexicon of an index folder, kept exactly in step with SQLite's chunks.

SQLite stays the source of truth; the lexicon (``kb.retrieval.lexicon``) is
derived from its chunks and caught up before every search: chunks above the
last id seen are added (ids are ``AUTOINCREMENT``, so a new chunk always has a
larger one), chunks that the ``chunk_deletions`` log lists since the last entry
seen are dropped.  The file ``lexicon.npz`` keeps a snapshot so that a process
does not tokenise every passage when it starts; it is a cache: missing,
unreadable, of another database or disagreeing with it, it is rebuilt
(``kb.retrieval.synced``).
"""

from __future__ import annotations

from kb.retrieval.lexicon import Lexicon
from kb.retrieval.synced import SyncedFile

__all__ = ["SyncedLexicon"]



class SyncedLexicon(SyncedFile[Lexicon]):
    """One folder's lexicon: read from its snapshot, caught up with SQLite, saved now and then.

    The first use reads the snapshot and checks it against the chunk count;
    every use adds what was committed since and drops what was deleted.
    """

    what = "lexical index"

    def empty(self) -> Lexicon:
        return Lexicon()

    def load(self) -> Lexicon:
        return Lexicon.load(self.path)

    def size(self, model: Lexicon) -> int:
        return len(model)

    def verify(self, model: Lexicon) -> None:
        """Caught up, it must hold exactly SQLite's chunks (a deletion that bypassed the log would not be dropped)."""
        chunks = self.store.chunks.count()
        if len(model) != chunks:
            raise ValueError(f"{self.path.name} caught up holds {len(model)} chunks for {chunks}")

    def take_in(self, model: Lexicon, last_chunk: int, last_deletion: int) -> bool:
        """Add the chunks committed since and drop those deleted: a lexicon can always catch up."""
        if (last_chunk, last_deletion) == (model.last_chunk, model.last_deletion):
            return True
        chunks = self.store.chunks
        model.drop(chunks.deleted(model.last_deletion, last_deletion))
        model.last_deletion = last_deletion
        for rows in chunks.columns(model.last_chunk, last_chunk):
            self._unsaved += model.add(rows)
        model.last_chunk = last_chunk
        model.compact()
        return True
