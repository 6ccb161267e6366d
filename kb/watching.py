"""``kb watch``: keep an index current with folders as their files are added, changed, renamed or deleted.

The watcher is the folder's one writer for as long as it runs: it holds the
write lock like a long ``kb index`` (a second watcher or ``kb index`` is
refused at once; servers keep serving and catch up from the database).  On
start it brings the index in line with the folders (``index_paths`` skips
unchanged files; files recorded under them that are gone are forgotten), then
follows ``watchfiles``' events.

An event only marks a path as pending.  A path is dealt with once it is
settled: no event for ``settle`` seconds and its size and modification time
the same as at its last event, so a file still being written (copied from a
slow disk, saved in pieces) is read once, when complete.  What a settled path
is depends only on what is there then, not on the events' kinds: a path that
exists is indexed (a folder with all it holds), one that is gone is
forgotten.  A rename is therefore the old name forgotten and the new one
indexed: the document gets a new id.  Changing a ``kb.toml`` indexes its
folder again, which gives its files their new level.

Forgetting a path: a document read from it is removed with its passages and
vectors, and any other file of it that is still in a watched folder (a copy,
an earlier version) is indexed in its place; a copy or an earlier version
only loses its record.  A folder deleted or moved away is one event: every
file recorded below it is forgotten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import watchfiles

from kb.access.levels import FOLDER_FILE
from kb.errors import NotFoundError
from kb.indexing import index_paths
from kb.indexing_report import IndexReport
from kb.knowledge_base import KnowledgeBase
from kb.storage.sources import FILE

__all__ = ["SETTLE_SECONDS", "Batch", "Watcher"]

SETTLE_SECONDS = 1.0  # quiet time before a changed path is read: an editor's save or a copy is done by then
_POLL_MS = 200  # how often the watcher wakes without events, to deal with paths that have settled


@dataclass
class Batch:
    """What one pass over settled paths did: the indexing run's report, and the files forgotten."""

    report: IndexReport = field(default_factory=IndexReport)
    forgotten: list[str] = field(default_factory=list)  # paths of files gone: their document removed, or their record


@dataclass
class _Pending:
    last_event: float
    signature: tuple[int, int] | None  # size and mtime at the last event; None when the path was gone


class Watcher:
    """Watch ``roots`` (folders or files) and keep ``kb`` in step with them; ``on_batch`` hears each pass."""

    def __init__(self, kb: KnowledgeBase, roots: Iterable[Path], *, access: str | None = None,
                 follow_symlinks: bool = False, settle: float = SETTLE_SECONDS,
                 on_batch: Callable[[Batch], None] = lambda _batch: None) -> None:
        self.kb = kb
        self.roots = [root.resolve() for root in roots]  # events and the index's keys name resolved paths
        for root in self.roots:
            if not root.exists():
                raise NotFoundError(f"No such file or folder: {root}")
        self.access, self.follow_symlinks, self.settle = access, follow_symlinks, settle
        self.on_batch = on_batch
        self.pending: dict[Path, _Pending] = {}
        self.ready = threading.Event()  # set once the folders are caught up and their events followed

    def run(self, stop: threading.Event) -> None:
        """Catch up, then follow the folders until ``stop`` is set (Ctrl-C: the caller sets it, or it ends here)."""
        with self.kb.writing():
            self.catch_up()
            changes_seen = watchfiles.watch(*self.roots, stop_event=stop, yield_on_timeout=True,
                                            rust_timeout=_POLL_MS, debounce=_POLL_MS, step=50,
                                            raise_interrupt=False)
            for changes in changes_seen:  # every _POLL_MS at least: an empty set when nothing happened
                self.ready.set()
                now = time.monotonic()
                for _, path in changes:
                    self.pending[Path(path)] = _Pending(now, _signature(Path(path)))
                self.deal_with(self.settled(now))

    def catch_up(self) -> None:
        """Bring the index in line with the folders as they are now: what changed while nobody watched."""
        batch = Batch()
        for root in self.roots:
            self._forget_gone(root, batch)
        self._save_after_removals(batch)
        batch.report = index_paths(self.kb, self.roots, access=self.access, follow_symlinks=self.follow_symlinks)
        self.on_batch(batch)

    def settled(self, now: float) -> list[Path]:
        """The pending paths quiet for ``settle`` seconds and unchanged since their last event, taken out."""
        ready = []
        for path, pending in list(self.pending.items()):
            if now - pending.last_event < self.settle:
                continue
            signature = _signature(path)
            if signature != pending.signature:  # written to without an event yet: wait again
                self.pending[path] = _Pending(now, signature)
                continue
            ready.append(path)
            del self.pending[path]
        return ready

    def deal_with(self, paths: list[Path]) -> None:
        """Forget the paths that are gone, then index those that exist (and any file put back in a removed one's place)."""
        if not paths:
            return
        batch = Batch()
        present = set()
        for path in paths:
            if path.name == FOLDER_FILE:  # a folder's level changed: its files are indexed again (unchanged ones cheaply)
                present.add(path.parent)
            elif path.exists():
                present.add(path)
            else:
                present |= self._forget_gone(path, batch)
        self._save_after_removals(batch)
        present = {path for path in present if path.exists() and not any(p in present for p in path.parents)}
        for root in self.roots:
            mine = sorted(path for path in present if path.is_relative_to(root))
            if mine:
                batch.report.files += index_paths(self.kb, mine, access=self.access, under=root if root.is_dir() else None,
                                                  follow_symlinks=self.follow_symlinks).files
        self.on_batch(batch)

    def _forget_gone(self, path: Path, batch: Batch) -> set[Path]:
        """Forget every file recorded at or below ``path`` that no longer exists; the other files of removed
        documents that still exist in a watched folder, to index in their place."""
        survivors: set[Path] = set()
        store = self.kb.store
        for known in store.sources.under(str(path)):
            if Path(known.path).exists():
                continue
            if known.role != FILE:
                self.kb.remove_source(known.path)
                batch.forgotten.append(known.path)
                continue
            survivors |= {Path(row["path"]) for row in store.sources.of_document(known.document_id)
                          if row["path"] != known.path}
            self.kb.remove_document(known.document_id, save=False)
            batch.forgotten.append(known.path)
        return {file for file in survivors if file.exists() and any(file.is_relative_to(r) for r in self.roots)}

    def _save_after_removals(self, batch: Batch) -> None:
        """Removals were not saved one by one: the vectors and the accent model once, now (see remove_document)."""
        if batch.forgotten:
            self.kb.save_vectors()
            self.kb.accents.refresh()


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
