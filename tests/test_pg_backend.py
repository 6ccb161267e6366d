"""The PostgreSQL store against the SQLite one: the same corpus indexed into each answers alike.

What only PostgreSQL promises is tested here too: a document's rows and
vectors commit together or not at all, and row-level security hides what is
above a session's level from any query, whoever wrote it.  Marked ``e2e``:
they start a PostgreSQL server (``tests/pg_store.py``).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import psycopg
import pytest
from conftest import CORPUS, HashingEmbedder, fake_settings

from indexer.parse import parse_document
from indexer.read import read_file
from kb.config import StoreSettings
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.search import search
from kb.storage.filters import DocumentFilters

pytestmark = pytest.mark.e2e

QUERIES = ["tuyên truyền đại hội", "chi thi 05", "Kế hoạch 131", "sinh hoạt nội bộ tháng 12", "pa nô áp phích",
           "Văn bản nào triển khai Chỉ thị 05",
           "Kế hoạch 131/2020/KH-TU", "Kế hoạch 131/2019/KH-TU"]  # a number with its year: the year in SQL
FILTERS = [DocumentFilters(), DocumentFilters(access="public"), DocumentFilters(doc_type="Kế hoạch"),
           DocumentFilters(since="2020-06"), DocumentFilters(issuer="Tỉnh ủy", access="internal")]


def _indexed(kb: KnowledgeBase, root: Path) -> KnowledgeBase:
    """The corpus twice: as public, and a copy as restricted (another level: documents of their own)."""
    index_paths(kb, [CORPUS])
    shutil.copytree(CORPUS, root / "restricted")
    index_paths(kb, [root / "restricted"], access="restricted")
    return kb


@pytest.fixture(scope="module")
def both(pg_server, tmp_path_factory) -> dict[str, KnowledgeBase]:
    """The corpus indexed into SQLite and into PostgreSQL, with the same stand-in model."""
    sqlite_home, pg_home = tmp_path_factory.mktemp("sqlite"), tmp_path_factory.mktemp("pg")
    pg_settings = replace(fake_settings(pg_home), store=StoreSettings("postgres", pg_server.new_database()))
    kbs = {"sqlite": _indexed(KnowledgeBase(fake_settings(sqlite_home), embedder=HashingEmbedder()), sqlite_home),
           "postgres": _indexed(KnowledgeBase(pg_settings, embedder=HashingEmbedder()), pg_home)}
    yield kbs
    for kb in kbs.values():
        kb.close()


def test_the_same_corpus_gives_the_same_rows_on_both(both):
    sqlite, pg = both["sqlite"].store, both["postgres"].store
    assert pg.path is None and not (both["postgres"].settings.home / "kb.sqlite").exists()
    summaries = [{**store.stats.summary(), "last_run": None} for store in (pg, sqlite)]  # the run's folders differ
    assert summaries[0] == summaries[1]
    for access in ("public", "restricted"):
        assert pg.documents.listing(DocumentFilters(access=access)) == sqlite.documents.listing(
            DocumentFilters(access=access))
        assert pg.facets.counts(DocumentFilters(access=access)) == sqlite.facets.counts(DocumentFilters(access=access))
    for doc_id in (1, 2, 3):
        assert pg.documents.references_of(doc_id) == sqlite.documents.references_of(doc_id)
        assert pg.documents.citing(doc_id) == sqlite.documents.citing(doc_id)
        files = [[{**row, "seen_at": None, "path": Path(row["path"]).name} for row in store.sources.of_document(doc_id)]
                 for store in (pg, sqlite)]
        assert files[0] == files[1]
    assert pg.chunks.lexicon_state()[1:] == sqlite.chunks.lexicon_state()[1:]


@pytest.mark.parametrize("text", QUERIES)
def test_searches_agree_on_both(both, text):
    """Every filter, the caller's level included; the dense leg runs in pgvector with the filters in its SQL."""
    for filters in FILTERS:
        found = {name: search(kb, text, k=10, filters=filters) for name, kb in both.items()}
        ids = {name: [hit.chunk_id for hit in response.results] for name, response in found.items()}
        assert ids["postgres"] == ids["sqlite"], (text, vars(filters))
        scores = {name: [hit.score for hit in response.results] for name, response in found.items()}
        assert scores["postgres"] == pytest.approx(scores["sqlite"], abs=0.02)  # halfvec against float32


def test_vectors_are_filtered_in_sql_and_the_level_by_the_server(both):
    kb = both["postgres"]
    vectors = kb.open_vectors()
    query = HashingEmbedder().encode_query("tuyên truyền đại hội")
    total = kb.store.chunks.count()
    everything = vectors.search_filtered(query, total, DocumentFilters())
    public = vectors.search_filtered(query, total, DocumentFilters(access="public"))
    restricted_docs = {d["id"] for d in kb.store.documents.listing() if d["access"] == "restricted"}
    restricted_chunks = {c for d in restricted_docs for c in kb.store.documents.chunk_ids(d)}
    assert restricted_chunks and restricted_chunks <= {c for c, _ in everything}
    assert not restricted_chunks & {c for c, _ in public}
    assert len(everything) == len(vectors) == total and len(public) == total - len(restricted_chunks)


def test_a_session_that_sets_no_level_sees_only_public_documents(both):
    """Any client of the database, not only kb: row-level security answers for the level, not the query."""
    kb = both["postgres"]
    counts = "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks), " \
             "(SELECT count(*) FROM chunk_vectors), (SELECT count(*) FROM document_texts)"
    with psycopg.connect(kb.settings.store.dsn) as conn:
        unset = conn.execute(counts).fetchone()
        levels = conn.execute("SELECT DISTINCT access FROM documents").fetchall()
        conn.execute("SET kb.level = 'restricted'")
        everything = conn.execute(counts).fetchone()
        conn.execute("SET kb.level = 'no such level'")
        unknown = conn.execute(counts).fetchone()
    assert levels == [("public",)]
    assert unset == unknown and all(n > 0 for n in unset)
    assert everything[0] == 2 * unset[0] and everything[1] == 2 * unset[1] == everything[2]
    with kb.store.db.at_level("public"):
        assert kb.store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == unset[0]
    assert kb.store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == everything[0]
    passages = len(kb.store.documents.chunk_ids(1))
    assert kb.store.documents.set_access(1, "internal")  # its passages and vectors follow it out of sight
    try:
        with psycopg.connect(kb.settings.store.dsn) as conn:
            hidden = conn.execute(counts).fetchone()
    finally:
        kb.store.documents.set_access(1, "public")
    assert hidden == (unset[0] - 1, unset[1] - passages, unset[2] - passages, unset[3] - 1)


def test_a_document_and_its_vectors_commit_together_or_not_at_all(both):
    """Vectors of the wrong shape fail inside the document's transaction: nothing of it stays."""
    kb = both["postgres"]
    before = kb.store.stats.summary(), len(kb.open_vectors())
    parsed = parse_document(read_file(CORPUS / kb.store.documents.get(1)["source"], limits=kb.settings.limits))
    wrong = np.zeros((len(parsed.chunks), 3), dtype="float32")
    with pytest.raises(psycopg.DataError, match="dimensions"):
        kb.add_document(parsed, path="/elsewhere/x.md", source="x.md", content_hash="x", access="public", vectors=wrong)
    assert (kb.store.stats.summary(), len(kb.open_vectors())) == before
    assert kb.store.sources.known("/elsewhere/x.md") is None


def test_status_history_reads_alike_on_both(both):
    """Schema 10's table (``kb.storage.status``): what an editor set, and what the relations say."""
    found = {}
    for name, kb in both.items():
        kb.store.status.record(1, "replaced", set_by="editor", note="thay bằng văn bản 3", replaced_by=3)
        kb.store.status.record(1, "in_force", set_by="editor")
        found[name] = ([{**row, "set_at": None} for row in kb.store.status.history(1)],
                       {k: {**v, "set_at": None} for k, v in kb.store.status.current([1, 2]).items()},
                       kb.store.status.related([1, 2, 3, 4]))
    assert found["postgres"] == found["sqlite"] and len(found["sqlite"][0]) == 2
