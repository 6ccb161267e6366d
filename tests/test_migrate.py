"""``kb migrate``: an SQLite index copied into PostgreSQL answers as the original, and the copy is resumable.

The sample corpus indexed with the stand-in model, with a key, a status
history and a removed document (so SQLite's sequence is past its highest
row), is copied into a fresh PostgreSQL database (``tests/pg_store.py``).
Marked ``e2e``: it starts a PostgreSQL server.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at, fake_settings

from kb.access.keys import create_key
from kb.config import StoreSettings
from kb.errors import IndexInconsistentError
from kb.indexing import index_paths
from kb.knowledge_base import MODEL_KEY, KnowledgeBase
from kb.migration.transfer import migrate
from kb.migration.verify import verify
from kb.storage.pg_database import PgDatabase

pytestmark = pytest.mark.e2e

QUERIES = ["tuyên truyền đại hội", "chi thi 05", "Kế hoạch 131", "sinh hoạt nội bộ tháng 12", "pa nô áp phích"]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> KnowledgeBase:
    """The corpus, and a copy of it whose first document was then removed; one API key; one status set."""
    home = tmp_path_factory.mktemp("sqlite")
    kb = fake_kb_at(home)
    index_paths(kb, [CORPUS])
    shutil.copytree(CORPUS, home / "again")
    index_paths(kb, [home / "again"], access="internal")
    kb.remove_document(kb.store.db.rows("SELECT max(id) AS id FROM documents")[0]["id"])
    create_key(kb.store, "editor", "editor")
    kb.set_status(1, "repealed", set_by="editor", note="thay thế")
    yield kb
    kb.close()


def _copy(source: KnowledgeBase, dsn: str, home: Path) -> KnowledgeBase:
    """The copy, opened as a folder whose settings point at PostgreSQL (no config.json: the model record is
    in the database, as another machine's folder would find it)."""
    return KnowledgeBase(replace(fake_settings(home), store=StoreSettings("postgres", dsn)), embedder=HashingEmbedder())


def test_the_copy_holds_every_row_and_vector_and_answers_alike(source, pg_server, tmp_path):
    dsn = pg_server.new_database()
    source.store.db.execute("DELETE FROM meta WHERE key = ?", [MODEL_KEY])  # an index from before the record was kept there
    done = migrate(source, dsn)
    recorded = PgDatabase(dsn)
    try:  # where another machine's processes read which model built the vectors
        assert json.loads(recorded.get_meta(MODEL_KEY) or "null") == source.read_recorded_model()
    finally:
        recorded.close()
    assert not done.resumed and done.copied["chunk_vectors"] == len(source.store.chunks.all_ids()) > 0
    checked = verify(source, dsn, QUERIES)
    assert checked.sound, checked.counts
    assert [c.query for c in checked.differing] == []
    copy = _copy(source, dsn, tmp_path)
    try:
        assert {**copy.store.stats.summary()} == {**source.store.stats.summary()}
        assert copy.store.keys.all() == source.store.keys.all()
        assert copy.store.status.history(1) == source.store.status.history(1)
        ids = sorted(source.store.chunks.all_ids())
        assert sorted(copy.open_vectors().ids()) == ids
        # The same vectors, to float16's precision (halfvec), each under its chunk's id.
        assert np.abs(copy.open_vectors().get(ids) - source.open_vectors().get(ids)).max() < 1e-3
        # Ids continue after the highest SQLite ever gave, the removed document's included.
        given = int(source.store.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()[0])
        shutil.copytree(CORPUS, tmp_path / "later")
        index_paths(copy, [tmp_path / "later"], access="restricted")
        assert min(row["id"] for row in copy.store.db.rows("SELECT id FROM documents WHERE access = 'restricted'")) > given
    finally:
        copy.close()


def test_an_interrupted_copy_is_resumed(source, pg_server):
    dsn = pg_server.new_database()
    migrate(source, dsn)
    db = PgDatabase(dsn)
    try:  # as if the run had stopped after some passages: the later ones (and their vectors) are missing
        half = sorted(source.store.chunks.all_ids())[len(source.store.chunks.all_ids()) // 2]
        db.execute("DELETE FROM chunks WHERE id > ?", [half])
    finally:
        db.close()
    again = migrate(source, dsn)
    assert again.resumed and again.copied["documents"] == 0
    assert again.copied["chunks"] == again.copied["chunk_vectors"] == len([i for i in source.store.chunks.all_ids()
                                                                          if i > half])
    assert verify(source, dsn, []).sound


def test_a_database_holding_anything_else_is_refused(source, pg_server, tmp_path):
    dsn = pg_server.new_database()
    other = _copy(source, dsn, tmp_path)
    try:
        index_paths(other, [CORPUS])
    finally:
        other.close()
    with pytest.raises(IndexInconsistentError, match="not empty"):
        migrate(source, dsn)
