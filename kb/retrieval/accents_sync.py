"""The accent model of an index folder, kept in step with SQLite's chunks as the lexicon is.

SQLite stays the source of truth; ``accents.npz`` is a cache of counts over its
chunks (``kb.retrieval.synced``).  Chunks above the last id counted are added
(ids only grow).  Counts cannot be taken back, since a deleted chunk's text is
gone: deletions are only counted, and once the deleted passages still counted
pass ``REBUILD_SHARE`` of those counted, the model is built again from the
chunks.  A file missing, unreadable or of another database is rebuilt the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.retrieval.accents import AccentRestorer
from kb.retrieval.synced import SyncedFile

__all__ = ["REBUILD_SHARE", "Reading", "SyncedAccents"]

REBUILD_SHARE = 0.25  # deleted passages still counted, as a share of all counted, before a rebuild


@dataclass(frozen=True)
class Reading:
    """A query as the accent model reads it."""

    restored: str  # accents put back on what was typed without them (the text itself if nothing changed)
    suggestion: str | None  # typos mended too, if that differs from what was typed: the "did you mean" line


class SyncedAccents(SyncedFile[AccentRestorer]):
    """One folder's accent model: read from its file, caught up with SQLite, saved now and then."""

    what = "accent model"

    def empty(self) -> AccentRestorer:
        return AccentRestorer.for_index()

    def load(self) -> AccentRestorer:
        return AccentRestorer.load(self.path)

    def size(self, model: AccentRestorer) -> int:
        return model.passages

    def read(self, text: str, suggest: bool = True) -> Reading:
        """The query restored, and (with ``suggest``) what to suggest instead of it.

        Restoring is a millisecond or two; suggesting weighs every one-letter edit of
        every word, ten times that on a short question and more on a long one, so
        only a caller that shows the suggestion (the page, the CLI's listing) asks.

        Under the lock: catching up adds to the model in place (its vocabulary,
        its counts), which a decoding running beside it must not see half done.
        """
        with self._lock:
            model = self.current()
            mended = model.mend(text)
            return Reading(mended or model.restore(text), model.suggest(text) if suggest else None)

    def outgrown(self, model: AccentRestorer) -> bool:
        """Counts cannot be taken back: past a share of deleted passages still counted, the model is built anew."""
        return model.stale > REBUILD_SHARE * model.passages

    def take_in(self, model: AccentRestorer, last_chunk: int, last_deletion: int) -> bool:
        """Count the chunks committed since; deletions only as stale counts, until there are too many."""
        chunks = self.store.chunks
        if last_deletion > model.last_deletion:
            gone = chunks.deleted(model.last_deletion, last_deletion)
            model.stale += sum(chunk <= model.last_chunk for chunk in gone)
            model.last_deletion = last_deletion
        if self.outgrown(model):
            return False
        for rows in chunks.columns(model.last_chunk, last_chunk):
            self._unsaved += model.add((accented for _, accented, _ in rows), normalized=True)
        model.last_chunk = last_chunk
        return True
