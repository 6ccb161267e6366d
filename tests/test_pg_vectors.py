"""pgvector's graph: the search depth chosen by the table's size, and the memory ``kb migrate`` builds it with.

On a real PostgreSQL (``e2e``), the depth is observed from the server's side, not from kb's SQL:
``pg_stat_user_indexes.idx_tup_read`` counts the rows the HNSW index scan returned, which is the search's
fetch (its inner ``LIMIT``), walked on past ``ef_search`` by the iterative scan.  The test database plans
with sorts off, so that the graph is searched even over the corpus's 69 passages in 2 documents (at this
size the planner would rather start from the documents and sort their passages).
"""

from __future__ import annotations

from dataclasses import replace

import psycopg
import pytest
from conftest import CORPUS, HashingEmbedder, fake_settings

from kb.config import StoreSettings
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.migration.transfer import build_memory
from kb.retrieval.pg_vectors import PgVectorPolicy, PgVectors, SearchDepth
from kb.storage.filters import DocumentFilters

K = 5
GIB = 2**30


def test_the_depth_is_the_last_tier_the_size_reaches():
    policy = PgVectorPolicy(depths=(SearchDepth(0, 300), SearchDepth(500_000, 1000, 2000), SearchDepth(1_500_000, 1000, 4000)))
    assert [policy.depth(n).fetch for n in (-1, 0, 499_999, 500_000, 1_499_999, 2_000_000)] == [0, 0, 0, 2000, 2000, 4000]
    assert policy.depth(-1) == SearchDepth(0, 300)  # a table never analysed: reltuples -1


def test_the_build_memory_grows_with_the_vectors_within_a_quarter_of_the_machine():
    policy = PgVectorPolicy()
    # the graph in memory, a fifth more: above the 2,000,000-vector graph's 2.6 GB on disk, below 8 GB
    at_2m = build_memory(2_000_000, 384, 64 * GIB)
    assert at_2m == policy.graph_bytes(2_000_000, 384) * 6 // 5 and 2.6e9 < at_2m < 8e9
    assert build_memory(200_000, 384, 64 * GIB) * 10 == pytest.approx(at_2m, rel=1e-6)
    assert build_memory(2_000_000, 384, 8 * GIB) == 2 * GIB  # a quarter of a small machine
    assert build_memory(100, 384, 64 * GIB) == 64 * 2**20  # PostgreSQL's default, at least
    assert build_memory(2_000_000, 384, 64 * GIB, replace(policy, links=16)) < at_2m  # a sparser graph, less


@pytest.fixture(scope="module")
def indexed(pg_server, tmp_path_factory):
    """The corpus in PostgreSQL, analysed (the size a search reads), its database planning without sorts."""
    dsn = pg_server.new_database()
    pg_server.psql("postgres", f"ALTER DATABASE {psycopg.conninfo.conninfo_to_dict(dsn)['dbname']} "
                               "SET enable_sort = off")
    home = tmp_path_factory.mktemp("pg")
    kb = KnowledgeBase(replace(fake_settings(home), store=StoreSettings("postgres", dsn)), embedder=HashingEmbedder())
    index_paths(kb, [CORPUS])
    kb.store.db.execute("ANALYZE chunk_vectors")
    yield kb
    kb.close()


def _rows_walked(kb: KnowledgeBase, policy: PgVectorPolicy) -> int:
    """How many rows the graph returned to one search under ``policy`` (the server's count, before and after)."""
    vectors = PgVectors(kb.store.db, HashingEmbedder.dimension, policy)
    query = HashingEmbedder().encode_query("tuyên truyền đại hội")
    before = vectors.rows_walked()
    assert len(vectors.search_filtered(query, K, DocumentFilters())) == K
    return vectors.rows_walked() - before


@pytest.mark.e2e
def test_a_search_fetches_as_deep_as_the_policy_says_for_the_tables_size(indexed):
    kb = indexed
    size = len(PgVectors(kb.store.db, HashingEmbedder.dimension))
    assert size > 40
    deep = SearchDepth(size // 2, breadth=10, fetch=size // 2)  # past ef_search: the iterative scan walks on
    reached = PgVectorPolicy(depths=(SearchDepth(0, breadth=10), deep))
    assert _rows_walked(kb, reached) == size // 2
    not_reached = PgVectorPolicy(depths=(SearchDepth(0, breadth=10), replace(deep, vectors=size * 2)))
    assert _rows_walked(kb, not_reached) == K  # the first tier: no fetch, the k best only
