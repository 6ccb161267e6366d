"""The lexicon caught up from PostgreSQL while other connections write: no passage committed late is skipped.

A lexicon reads the chunks above the highest id it has seen.  On PostgreSQL an
id is given when a row is inserted, not when it commits, so the store must make
the committed ids a prefix of every id given: a writer's passages are given ids
under a lock it holds until it commits (``kb.storage.pg_schema``).  These tests
hold one writer's transaction open while another writes and the lexicon catches
up in between.  Marked ``e2e``: they start a PostgreSQL server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer.model import Chunk, DocumentMeta, ParsedDocument, SourceText
from kb.retrieval.lexicon_sync import SyncedLexicon
from kb.storage.pg_database import PgDatabase
from kb.storage.store import Store

pytestmark = pytest.mark.e2e


def _add(store: Store, name: str, passages: int = 3) -> None:
    parsed = ParsedDocument(SourceText(Path(f"{name}.txt"), "...", "utf-8", "text"), DocumentMeta(title=name),
                            [Chunk(f"Đoạn {i} của {name}", [], 0, 3) for i in range(passages)], [])
    store.documents.add(parsed, path=f"/{name}", source=f"{name}.txt", content_hash=name)


class Writer(threading.Thread):
    """``write`` in a transaction on this thread's connection, committed when ``commit`` is set."""

    def __init__(self, store: Store, write: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.store, self.write = store, write
        self.inserted, self.commit, self.done = threading.Event(), threading.Event(), threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            with self.store.db.transaction():
                self.write()
                self.inserted.set()
                self.commit.wait(30)
            self.done.set()
        except Exception as exc:  # noqa: BLE001  (the test asserts there is none)
            self.error = exc
            self.inserted.set()


@pytest.fixture
def store(pg_server) -> Store:
    opened = Store(PgDatabase(pg_server.new_database()))
    yield opened
    opened.close()


def _holds_every_chunk(lexicon: SyncedLexicon, store: Store) -> None:
    model = lexicon.current()
    assert len(model) == store.chunks.count()
    lexicon.verify(model)


def test_a_search_during_an_open_write_does_not_skip_its_passages(store, tmp_path):
    lexicon = SyncedLexicon(store, tmp_path / "lexicon.npz")
    _add(store, "first")
    writer = Writer(store, lambda: _add(store, "second"))
    writer.start()
    assert writer.inserted.wait(10) and writer.error is None
    _holds_every_chunk(lexicon, store)  # the open transaction's ids are given, not committed
    writer.commit.set()
    assert writer.done.wait(10) and writer.error is None
    _holds_every_chunk(lexicon, store)


def test_two_writers_commit_in_the_order_their_ids_were_given(store, tmp_path):
    """The second writer, which would take higher ids and commit first, waits for the first to commit."""
    lexicon = SyncedLexicon(store, tmp_path / "lexicon.npz")
    _add(store, "first")
    early, late = Writer(store, lambda: _add(store, "early")), Writer(store, lambda: _add(store, "late"))
    early.start()
    assert early.inserted.wait(10) and early.error is None
    late.commit.set()  # would commit at once, ids above the early writer's
    late.start()
    time.sleep(0.5)
    assert not late.done.is_set(), "a second writer committed passages while the first held lower ids uncommitted"
    _holds_every_chunk(lexicon, store)
    early.commit.set()
    assert early.done.wait(10) and late.done.wait(10) and early.error is None and late.error is None
    _holds_every_chunk(lexicon, store)
    assert len(lexicon.current()) == 9


def test_a_deletion_is_taken_in_once_committed(store, tmp_path):
    lexicon = SyncedLexicon(store, tmp_path / "lexicon.npz")
    _add(store, "kept")
    _add(store, "dropped")
    _holds_every_chunk(lexicon, store)
    writer = Writer(store, lambda: store.documents.delete(store.documents.listing()[-1]["id"]))
    writer.start()
    assert writer.inserted.wait(10) and writer.error is None
    _holds_every_chunk(lexicon, store)
    assert len(lexicon.current()) == 6
    writer.commit.set()
    assert writer.done.wait(10) and writer.error is None
    _holds_every_chunk(lexicon, store)
    assert len(lexicon.current()) == 3
