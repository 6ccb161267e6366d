"""Benchmark (not a test): kb on SQLite and on PostgreSQL side by side, through the API, and pgvector's recall.

    PYTHONPATH=. .venv/bin/python bench/pg_bench.py server [--databases corpus,alqac,scale]   # until Ctrl-C
    PYTHONPATH=. .venv/bin/python bench/pg_bench.py api --sqlite HOME --postgres HOME [--clients 1,8,32] [--seconds 30]
    PYTHONPATH=. .venv/bin/python bench/pg_bench.py recall --dsn DSN [--queries /tmp/cv-scale/queries.npy] [--ef 100,200,400]
        [--graph 32,128 [--build-memory 4GB]]   # the HNSW index built again with this m, ef_construction first
    PYTHONPATH=. .venv/bin/python bench/pg_bench.py source --size 2000000 --data DATA --out FOLDER   # for kb migrate
    PYTHONPATH=. .venv/bin/python bench/pg_bench.py load --dsn DSN --data DATA --size 2000000   # for recall alone

``server`` runs a PostgreSQL of the test wheel (``tests/pg_cluster.py``: a temp folder, as ``nobody`` when
root) with ``shared_buffers`` 1 GB and 200 connections, a role ``kb`` owning each of ``--databases`` (with
pgvector), and prints the DSN to give ``kb migrate`` (add ``dbname=…``); everything goes when it stops.

``api`` starts ``kb serve`` on each folder in turn (the PostgreSQL one is a folder whose ``settings.json``
names the store, made by ``kb migrate``; docs/postgres.md), answers 40 warm-up questions the measured set
never asks (the first one loads the model, the vectors and the lexicon: its time is printed apart), then
each measured question once, untimed, so that every timed search finds its query vector in the server's
cache on both backends alike (a run of fixed length would otherwise embed more on the slower one), then for
each ``--clients`` count runs that many threads, each sending one search after another for ``--seconds``:
the typed questions ``bench_scale.latency_groups`` times (dev.jsonl and eval/devset.jsonl, accented,
unaccented and English; not ALQAC's long statements), each thread starting at its own offset.  Prints
p50/p95/p99, throughput and errors per backend and count.  One server at a time; the PostgreSQL server runs
on the same machine, so both share its two cores, as one machine serving both would.

``recall`` searches each query vector (``bench_scale.query_vectors``: the 131 real questions embedded by the
bundled model) through ``PgVectors.search_filtered`` at each ``--ef`` and compares it with exact search in
the same database (the index switched off, so every stored halfvec is compared): the HNSW graph's loss alone.
A found passage counts if its exact score reaches the 10th best (the synthesised corpus repeats passages).
With ``--graph M,EF_CONSTRUCTION`` it first drops ``chunk_vectors_hnsw`` and builds it again in that shape
(``maintenance_work_mem`` ``--build-memory``, two parallel workers, as a migration would build it), printing
the build's time and the index's size, so that graph shapes are compared on the same vectors.

``source`` makes a folder for ``kb migrate`` to copy ``bench_scale``'s index of ``--size`` passages from without
waiting for its FAISS graph (33 minutes at 2,000,000 on 2 threads, the SQLite side's cost): a copy of its
``kb.sqlite``, its model record, and the same vectors (``scale_data.derived_vectors``) in an exact FAISS file,
which ``kb migrate`` reads by chunk id as it reads a graph's.

``load`` fills an empty database (``--dsn``, kb's role; ``user=postgres``, the wheel's superuser, is used for the
``COPY``) with ``--size`` passages' documents, passages and vectors for ``recall`` alone, without the SQLite side or
``kb migrate`` (about an hour at 2,000,000 before the graph): kb's schema is made by kb's role, then the rows go in by
``COPY`` as the superuser (row-level security, which refuses ``COPY FROM``, does not apply to a superuser; the
triggers that copy each document's level onto its passages and vectors still run), the vectors in ``COPY``'s
binary form (pgvector's ``halfvec`` is two 16-bit counts then big-endian float16s).  The documents are
``scale_build``'s shape (``DOC_SIZE`` passages, every ``HIDDEN_EVERY``-th one internal), the passages carry their
text (``scale_data.derived_passage``) and no matching forms, the vectors are ``scale_data.derived_vectors``:
the same as ``source`` gives ``kb migrate``.  No HNSW index is left: ``recall --graph`` builds it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import numpy as np
import psycopg
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_data
from bench_engine import _serve, percentile
from bench_scale import latency_groups, warm_up_set
from scale_build import ADD_BATCH, DOC_SIZE, HIDDEN_EVERY, REAL, home_of

from kb.access.levels import LEVELS
from kb.retrieval.pg_vectors import GRAPH, TABLE, PgVectorPolicy, PgVectors, SearchDepth, _literal, _parse
from kb.retrieval.vectors import IndexPolicy, VectorIndex
from kb.storage.database import copy_database
from kb.storage.pg_database import PgDatabase


def _client(url: str, queries: list[str], offset: int, deadline: float, out: list[tuple[float, bool]]) -> None:
    """One searcher: the next question as soon as the last is answered, until the deadline."""
    with httpx.Client(base_url=url, timeout=120) as client:
        n = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                ok = client.get("/api/search", params={"q": queries[n % len(queries)], "k": 10}).status_code == 200
            except httpx.HTTPError:
                ok = False
            out.append(((time.perf_counter() - started) * 1000, ok))
            n += 1


def _load(url: str, queries: list[str], clients: int, seconds: float) -> str:
    samples: list[tuple[float, bool]] = []
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=_client, args=(url, queries, i * len(queries) // clients, deadline, samples))
               for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    millis = [m for m, _ in samples]
    errors = sum(1 for _, ok in samples if not ok)
    return (f"{clients:3} clients  n={len(samples):5}  p50 {percentile(millis, .5):7.1f} ms  "
            f"p95 {percentile(millis, .95):7.1f} ms  p99 {percentile(millis, .99):7.1f} ms  "
            f"{len(samples) / wall:6.1f} searches/s  errors {errors}")


def api(homes: dict[str, Path], clients: list[int], seconds: float) -> None:
    groups = latency_groups()
    queries = [q for name, qs in groups.items() if "ALQAC" not in name for q in qs]
    warm_up = warm_up_set()
    print(f"{len(queries)} typed questions, {seconds:.0f} s per count, after {len(warm_up)} warm-up questions")
    for backend, home in homes.items():
        process, url = _serve(home, None)
        try:
            # the first search builds the lexicon when the folder has no snapshot: 125 s at 200,000 passages read
            # from PostgreSQL on a busy machine (docs/postgres.md, "The lexicon caught up from PostgreSQL"), so
            # about 20 minutes at 2,000,000
            with httpx.Client(base_url=url, timeout=3600) as client:
                started = time.perf_counter()
                client.get("/api/search", params={"q": warm_up[0], "k": 10}).raise_for_status()
                first = time.perf_counter() - started
                for question in warm_up[1:]:
                    client.get("/api/search", params={"q": question, "k": 10}).raise_for_status()
                started = time.perf_counter()
                for question in queries:  # each query embedded once: every timed search finds its vector cached
                    client.get("/api/search", params={"q": question, "k": 10}).raise_for_status()
                once = (time.perf_counter() - started) * 1000 / len(queries)
            print(f"{backend} ({home}): first search {first:.1f} s (model, vectors, lexicon, accent model); "
                  f"each question once, in turn: {once:.0f} ms on average", flush=True)
            for count in clients:
                print(f"  {backend:10} {_load(url, queries, count, seconds)}", flush=True)
        finally:
            process.terminate()
            process.wait()


def rebuild(db: PgDatabase, links: int, build_breadth: int, memory: str) -> None:
    """The HNSW index dropped and built again with ``m = links``, ``ef_construction = build_breadth``."""
    db.execute(f"DROP INDEX IF EXISTS {GRAPH}")
    db.execute(f"SET maintenance_work_mem = '{memory}'")
    db.execute("SET max_parallel_maintenance_workers = 2")
    started = time.perf_counter()
    db.execute(f"CREATE INDEX {GRAPH} ON {TABLE} USING hnsw (embedding halfvec_cosine_ops) "
               f"WITH (m = {links}, ef_construction = {build_breadth})")
    seconds = time.perf_counter() - started
    size = int(db.execute(f"SELECT pg_relation_size('{GRAPH}')").fetchone()[0])
    db.execute("RESET maintenance_work_mem")
    db.execute("RESET max_parallel_maintenance_workers")
    print(f"HNSW m = {links}, ef_construction = {build_breadth}: built in {seconds:.1f} s "
          f"(maintenance_work_mem {memory}, 2 parallel workers), {size / 2**20:,.0f} MiB", flush=True)


def _exact(db: PgDatabase, queries: np.ndarray, k: int) -> list[dict[int, float]]:
    """Each query's exact top ``k`` (chunk id → score) by a sequential scan over every stored halfvec."""
    truth = []
    for query in queries:
        with db.transaction():
            db.execute("SET LOCAL enable_indexscan = off")
            rows = db.execute("SELECT chunk_id, 1 - (embedding <=> ?::halfvec) FROM chunk_vectors "
                              "ORDER BY embedding <=> ?::halfvec LIMIT ?", [_literal(query)] * 2 + [k]).fetchall()
        truth.append({int(i): float(s) for i, s in rows})
    return truth


def _exact_from_data(data: Path, size: int, queries: np.ndarray, k: int) -> list[dict[int, float]]:
    """The same top ``k`` computed here from the vectors ``load`` wrote, with no sequential scans on a server busy
    building a graph: ``scale_data.derived_vectors`` rounded to float16 as halfvec stores them, each query as the
    server reads it (its text literal, then float16), products in float32 and the cosine in float64, as pgvector
    computes it (within 1e-6 of the server's scores at 20,000).  Chunk id ``n`` is row ``n - 1``."""
    real = scale_data.real_vectors(data, min(size, REAL, scale_data.available(data)))
    query = np.stack([_parse(_literal(q)) for q in queries]).astype(np.float16).astype(np.float32)
    query_norms = (query * query).sum(axis=1, dtype=np.float64)[:, None]
    best_ids, best_scores = np.zeros((len(queries), 0), dtype=np.int64), np.zeros((len(queries), 0))
    for first in range(0, size, ADD_BATCH):
        rows = scale_data.derived_vectors(real, first, min(size, first + ADD_BATCH)).astype(np.float16).astype(np.float32)
        scores = (query @ rows.T).astype(np.float64) / np.sqrt(query_norms * (rows * rows).sum(axis=1, dtype=np.float64))
        ids = np.concatenate([best_ids, np.broadcast_to(np.arange(first + 1, first + len(rows) + 1), scores.shape)], axis=1)
        scores = np.concatenate([best_scores, scores], axis=1)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        best_ids, best_scores = np.take_along_axis(ids, top, axis=1), np.take_along_axis(scores, top, axis=1)
    return [dict(zip(i.tolist(), s.tolist(), strict=True)) for i, s in zip(best_ids, best_scores, strict=True)]


def exact(db: PgDatabase, queries: np.ndarray, k: int, cache: Path | None,
          data: tuple[Path, int] | None) -> list[dict[int, float]]:
    """The exact top ``k`` of each query: read from ``cache`` if it exists, else computed (from ``data``, the folder and
    size ``load`` wrote, when given; else in the database) and written to ``cache``."""
    if cache is not None and cache.exists():
        saved = np.load(cache)
        return [dict(zip(i.tolist(), s.tolist(), strict=True)) for i, s in zip(saved["ids"], saved["scores"], strict=True)]
    started = time.perf_counter()
    truth = _exact(db, queries, k) if data is None else _exact_from_data(*data, queries, k)
    print(f"exact search ({'sequential scan' if data is None else 'numpy, from the data folder'}) "
          f"{(time.perf_counter() - started) * 1000 / len(queries):.0f} ms a query", flush=True)
    if cache is not None:
        np.savez(cache, ids=np.array([list(t) for t in truth]), scores=np.array([list(t.values()) for t in truth]))
    return truth


def recall(dsn: str, queries: np.ndarray, depths: list[SearchDepth], graph: tuple[int, int, str] | None = None,
           k: int = 10, scan_tuples: int = PgVectorPolicy().max_scan_tuples, truth_cache: Path | None = None,
           data: tuple[Path, int] | None = None) -> None:
    db = PgDatabase(dsn)
    try:
        if graph is not None:
            rebuild(db, *graph)
        truth = exact(db, queries, k, truth_cache, data)
        total = int(db.execute("SELECT count(*) FROM chunk_vectors").fetchone()[0])
        print(f"{total:,} vectors, {len(queries)} queries, hnsw.max_scan_tuples {scan_tuples:,}")
        for depth in depths:
            policy = replace(PgVectorPolicy(), depths=(depth,), max_scan_tuples=scan_tuples)
            vectors = PgVectors(db, queries.shape[1], policy)
            found, millis, read_before = 0, [], vectors.rows_walked()
            for query, best in zip(queries, truth, strict=True):
                started = time.perf_counter()
                hits = vectors.search_filtered(query, k, None)
                millis.append((time.perf_counter() - started) * 1000)
                tenth = min(best.values())
                found += sum(1 for _, score in hits if score >= tenth - 1e-6)
            walked = (vectors.rows_walked() - read_before) / len(queries)
            print(f"  ef_search {depth.breadth:5}, fetch {max(depth.fetch, k):5}: recall@10 "
                  f"{found / (k * len(queries)):.4f}, p50 {percentile(millis, .5):.1f} ms "
                  f"p99 {percentile(millis, .99):.1f} ms, {walked:,.0f} rows from the graph a search", flush=True)
    finally:
        db.close()


def parse_depths(text: str) -> list[SearchDepth]:
    """``--ef``: ``300,1000,1000+4000``: each an ``ef_search``, with ``+FETCH`` the rows the walk returns."""
    return [SearchDepth(0, int(ef), int(fetch or 0)) for ef, _, fetch in (item.partition("+") for item in text.split(","))]


def source(data: Path, size: int, out: Path) -> None:
    """``out``: the scale index of ``size`` passages with exact vectors, for ``kb migrate`` (the module's docstring)."""
    home = home_of(data, size)
    started = time.perf_counter()
    out.mkdir(parents=True)
    copy_database(home / "kb.sqlite", out / "kb.sqlite")
    (out / "config.json").write_bytes((home_of(data, REAL) / "config.json").read_bytes())
    (out / "models").symlink_to(data / "models", target_is_directory=True)
    real = scale_data.real_vectors(data, min(size, REAL, scale_data.available(data)))
    vectors = VectorIndex(out / "vectors.faiss", real.shape[1], IndexPolicy(exact_limit=size))
    for first in range(0, size, ADD_BATCH):
        stop = min(size, first + ADD_BATCH)
        vectors.add(list(range(first + 1, stop + 1)), scale_data.derived_vectors(real, first, stop))
    vectors.save()
    print(f"{out}: {size:,} passages, exact vectors ({len(real):,} from the model), "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def _halfvec_copy(ids: np.ndarray, vectors: np.ndarray) -> bytes:
    """Rows ``(chunk_id, embedding)`` in ``COPY``'s binary tuple format (no header), the vectors as halfvec."""
    rows = np.zeros(len(ids), dtype=[("fields", ">i2"), ("id_size", ">i4"), ("id", ">i8"), ("vector_size", ">i4"),
                                      ("dimension", ">i2"), ("unused", ">i2"), ("vector", ">f2", vectors.shape[1])])
    rows["fields"], rows["id_size"], rows["id"] = 2, 8, ids
    rows["vector_size"], rows["dimension"], rows["vector"] = 4 + 2 * vectors.shape[1], vectors.shape[1], vectors
    return rows.tobytes()


def load(dsn: str, data: Path, size: int) -> None:
    """``size`` passages with their documents and vectors in the empty database ``dsn`` (the module's docstring)."""
    started = time.perf_counter()
    real = scale_data.real_vectors(data, min(size, REAL, scale_data.available(data)))
    db = PgDatabase(dsn)  # kb's schema, owned by kb's role
    PgVectors(db, real.shape[1])
    db.execute(f"DROP INDEX {GRAPH}")
    db.close()
    texts = scale_data.passage_sentences(data, min(size, REAL))
    with psycopg.connect(make_conninfo(dsn, user="postgres"), autocommit=True) as su:
        if su.execute("SELECT count(*) FROM documents").fetchone() != (0,):
            raise SystemExit(f"{dsn} holds documents already: load fills an empty database")
        with su.cursor().copy("COPY documents (id, path, source, content_hash, title, indexed_at, access) "
                              "FROM STDIN") as copy:
            for number in range(-(-size // DOC_SIZE)):
                access = LEVELS[1] if number % HIDDEN_EVERY == HIDDEN_EVERY - 1 else LEVELS[0]
                copy.write_row((number + 1, f"synthetic/{number}", f"synthetic/{number}", f"synthetic-{number}",
                                f"Văn bản {number}", "2026-12-03", access))
        with su.cursor().copy("COPY chunks (id, document_id, ordinal, kind, section, text, char_start, char_end, "
                              "text_hash, accented, folded, folded_hash) FROM STDIN") as copy:
            for row in range(size):
                text = scale_data.derived_passage(texts, row)
                copy.write_row((row + 1, row // DOC_SIZE + 1, row % DOC_SIZE, "body", "", text, 0, len(text), "", "",
                                "", ""))
        print(f"{size:,} passages in {-(-size // DOC_SIZE):,} documents: {time.perf_counter() - started:.0f} s",
              flush=True)
        with su.cursor().copy(f"COPY {TABLE} (chunk_id, embedding) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))  # the signature, no flags, no header extension
            for first in range(0, size, ADD_BATCH):
                stop = min(size, first + ADD_BATCH)
                copy.write(_halfvec_copy(np.arange(first + 1, stop + 1), scale_data.derived_vectors(real, first, stop)))
            copy.write(b"\xff\xff")  # the trailer
        su.execute("ANALYZE")
        megabytes = su.execute("SELECT pg_database_size(current_database()) / 1048576").fetchall()[0][0]
    print(f"{dsn}: {size:,} vectors ({len(real):,} from the model), {time.perf_counter() - started:.0f} s, "
          f"database {megabytes:,} MiB", flush=True)


def server(databases: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_cluster import pg_cluster

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a plain kill stops the server and removes its folder too
    with pg_cluster() as cluster:
        primary = cluster.primary
        cluster.sql(primary, "ALTER SYSTEM SET shared_buffers = '1GB'")
        cluster.sql(primary, "ALTER SYSTEM SET max_connections = 200")
        cluster.run("pg_ctl", "-D", str(primary.data), "-l", str(cluster.root / "primary.log"), "-w", "restart")
        cluster.sql(primary, "CREATE ROLE kb LOGIN")
        for name in databases:
            cluster.sql(primary, f"CREATE DATABASE {name} OWNER kb")
            cluster.run("psql", "-X", "-q", "-d", primary.dsn.replace("dbname=postgres", f"dbname={name}"),
                        "-c", "CREATE EXTENSION vector")
        print(f"host=127.0.0.1 port={primary.port} user=kb  (databases: {', '.join(databases)}); Ctrl-C stops it",
              flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    on_server = commands.add_parser("server")
    on_server.add_argument("--databases", default="corpus,alqac,scale")
    on_api = commands.add_parser("api")
    on_api.add_argument("--sqlite", type=Path, required=True)
    on_api.add_argument("--postgres", type=Path, required=True)
    on_api.add_argument("--clients", default="1,8,32")
    on_api.add_argument("--seconds", type=float, default=30)
    on_recall = commands.add_parser("recall")
    on_recall.add_argument("--dsn", required=True)
    on_recall.add_argument("--queries", type=Path, default=Path("/tmp/cv-scale/queries.npy"))
    on_recall.add_argument("--ef", default="100,200,400", help="ef_search values, each with +FETCH for an over-fetch")
    on_recall.add_argument("--scan-tuples", type=int, default=PgVectorPolicy().max_scan_tuples,
                           help="hnsw.max_scan_tuples")
    on_recall.add_argument("--truth", type=Path, help="a file keeping the exact top 10 (made on the first run)")
    on_recall.add_argument("--data", type=Path, help="the exact top 10 computed from this data folder (as load wrote it)")
    on_recall.add_argument("--size", type=int, help="with --data: the passages load wrote")
    on_recall.add_argument("--graph", help="M,EF_CONSTRUCTION: build the HNSW index again in this shape first")
    on_recall.add_argument("--build-memory", default="4GB", help="maintenance_work_mem for --graph")
    on_load = commands.add_parser("load")
    on_load.add_argument("--dsn", required=True)
    on_load.add_argument("--data", type=Path, required=True)
    on_load.add_argument("--size", type=int, required=True)
    on_source = commands.add_parser("source")
    on_source.add_argument("--data", type=Path, required=True)
    on_source.add_argument("--size", type=int, required=True)
    on_source.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "server":
        server(args.databases.split(","))
    elif args.command == "load":
        load(args.dsn, args.data, args.size)
    elif args.command == "source":
        source(args.data, args.size, args.out)
    elif args.command == "api":
        api({"sqlite": args.sqlite, "postgres": args.postgres}, [int(c) for c in args.clients.split(",")],
            args.seconds)
    else:
        graph = None
        if args.graph:
            links, build_breadth = (int(n) for n in args.graph.split(","))
            graph = (links, build_breadth, args.build_memory)
        recall(args.dsn, np.load(args.queries).astype("float32"), parse_depths(args.ef), graph,
               scan_tuples=args.scan_tuples, truth_cache=args.truth, data=(args.data, args.size) if args.data else None)


if __name__ == "__main__":
    main()
