"""Benchmark (not a test): kb at 200,000 and 2,000,000 passages — latency through the API, the
vector index's recall and memory, build time, and the SQL query plans.

    .venv/bin/python bench/bench_scale.py prepare [--count 200000]   # hours, once, resumable: run it niced
    .venv/bin/python bench/bench_scale.py sweep                       # exact vs HNSW: latency, recall@10 by search breadth
    .venv/bin/python bench/bench_scale.py build --size 200000         # SQLite + FAISS under the data folder, once
    .venv/bin/python bench/bench_scale.py run --size 200000           # query plans, profile, API latency, recall, memory
    .venv/bin/python bench/bench_scale.py recall --size 200000 --breadths 512,1024,1536   # a built graph's recall by breadth

Everything it makes lives in ``--data`` (default ``/work/bench-data``, outside the repository):
passages synthesised from the real texts of ``../shared/data`` and their vectors from the real
model (``bench/scale_data.py`` says how).  Past the real vectors (2,000,000), each further passage
is a real one with its sentences shuffled and its vector the real vector blended with another, re-normalised.

The index folders it builds are ``scale_build.py``'s: documents of ``DOC_SIZE`` passages, every
``HIDDEN_EVERY``-th one ``internal``, so the API's anonymous searches run the filtered path.
Prints figures only; the machine is shared and noisy: compare figures from one run.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_data
from bench_engine import percentile, timed
from scale_build import ADD_BATCH, REAL, build, faiss_threads, home_of, print_sizes, provenance, real_used, vector_kind
from scale_data import SHARED

from kb.access.levels import LEVELS
from kb.config import load_settings
from kb.evaluation.variants import VARIANTS
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.query import understand
from kb.retrieval.search import search
from kb.retrieval.synced import SyncedFile
from kb.retrieval.vectors import IndexPolicy, VectorIndex
from kb.storage.filters import DocumentFilters
from kb.storage.store import Store

DEVSET = Path(__file__).resolve().parent.parent / "eval" / "devset.jsonl"
ACCENTED_KINDS = ("content", "implements", "signer_date", "number")  # devset's Vietnamese questions typed with accents
NEVER_SAVED = Path("/dev/null/sweep.faiss")  # a path no file can have: the sweep's indexes stay in memory


# -- queries ---------------------------------------------------------------------------------
def query_set() -> list[str]:
    """dev.jsonl's questions in every variant (typed, unaccented, half-accented, lower case, typos),
    then ALQAC-2023's 76 statements as typed: real questions on legal text."""
    dev = [json.loads(line)["query"] for line in (SHARED / "eval" / "dev.jsonl").read_text().splitlines() if line.strip()]
    alqac = [q["statement"] for q in json.loads((SHARED / "data" / "alqac2023" / "train.json").read_text())]
    return [variant(q) for variant in VARIANTS.values() for q in dev] + alqac


def latency_groups() -> dict[str, list[str]]:
    """The questions timed through the API, by how they are typed: office questions with accents
    (dev.jsonl and eval/devset.jsonl's Vietnamese kinds), the same without accents (with devset's own
    unaccented ones), devset's English questions, and ALQAC's long statements apart (their length makes
    the tail, not the everyday question)."""
    dev = [json.loads(line)["query"] for line in (SHARED / "eval" / "dev.jsonl").read_text().splitlines() if line.strip()]
    devset = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    accented = dev + [r["query"] for r in devset if r["kind"] in ACCENTED_KINDS]
    alqac = [q["statement"] for q in json.loads((SHARED / "data" / "alqac2023" / "train.json").read_text())]
    return {"typed (accented)": accented,
            "unaccented": [VARIANTS["unaccented"](q) for q in accented]
            + [r["query"] for r in devset if r["kind"] == "unaccented"],
            "english": [r["query"] for r in devset if r["kind"] == "english"],
            "ALQAC statements (typed, long)": alqac}


def warm_up_set(count: int = 40) -> list[str]:
    """Article headings of ALQAC's laws ("Phạm vi điều chỉnh", "Viên chức"): questions the measured set
    never asks, for a server to answer before it is timed, as one that has been up a while has."""
    laws = json.loads((SHARED / "data" / "alqac2023" / "legal_passages.json").read_text())
    headings = [article["text"].split("\n", 1)[0] for law in laws for article in law["articles"]]
    return headings[:: max(1, len(headings) // count)][:count]


def query_vectors(folder: Path, models_dir: Path) -> np.ndarray:
    """The query set's vectors (``encode_query``: the ``query:`` prompt), cached beside the passages."""
    path = folder / "queries.npy"
    if not path.exists():
        from kb.embedding.embedder import load_embedder

        embedder = load_embedder(None, models_dir)
        np.save(path, np.vstack([embedder.encode_query(q) for q in query_set()]))
    return np.load(path)


# -- the vector index alone: exact against HNSW --------------------------------------------------
def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    scores = queries @ vectors.T
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Share of the exact top ids found (ties between duplicate passages count against it)."""
    return statistics.fmean(len(set(f) & set(t)) / len(t) for f, t in zip(found.tolist(), truth.tolist()))


def tie_recall(found_scores: np.ndarray, truth_scores: np.ndarray, tolerance: float = 1e-6) -> float:
    """Share of found passages scoring (exactly, float32) at least the 10th exact score.

    The synthesised corpus repeats passages (a fifth of the 200,000 vectors are
    duplicates; 46 of 131 queries have the same score at ranks 10 and 11), so
    which of two equal passages is "the" 10th is arbitrary: ann-benchmarks
    counts by distance for that reason.  ``tolerance`` is float32 rounding, not slack.
    """
    threshold = truth_scores[:, -1:] - tolerance
    return float(np.mean(found_scores >= threshold))


def one_by_one(index: faiss.Index | VectorIndex, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, list[float]]:
    """Search one query at a time, as the service does; the ids found and each call's milliseconds."""
    found, millis = [], []
    for q in queries:
        start = time.perf_counter()
        if isinstance(index, VectorIndex):
            ids = np.array([chunk for chunk, _ in index.search(q, k)] + [-1] * k)[:k]
        else:
            ids = index.search(q[None, :], k)[1][0]
        millis.append((time.perf_counter() - start) * 1000)
        found.append(ids)
    return np.vstack(found), millis


def sweep(folder: Path, models_dir: Path, sizes: list[int]) -> None:
    """Exact search time by size, and the graph's recall@10/latency by search breadth: what ``IndexPolicy`` is chosen from."""
    queries = query_vectors(folder, models_dir)
    real = scale_data.real_vectors(folder, min(REAL, scale_data.available(folder)))
    policy = IndexPolicy(exact_limit=0)
    print(f"sweep: {len(queries)} query vectors, {len(real)} real passage vectors, faiss {faiss.__version__}; "
          f"HNSW {policy.links} links, build breadth {policy.build_breadth}, built with 2 threads, searched with 1")
    for size in sizes:
        vectors = scale_data.derived_vectors(real, 0, size)
        truth = exact_top(vectors, queries)
        truth_scores = np.take_along_axis(queries @ vectors.T, truth, 1)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        _, millis = one_by_one(flat, queries)
        print(f"n={size:>9,}  exact IndexFlatIP float32      p50 {percentile(millis, .5):6.2f} ms  "
              f"p99 {percentile(millis, .99):6.2f} ms  {flat.ntotal * flat.d * 4 / size:5.0f} B/vector")
        del flat
        index = VectorIndex(NEVER_SAVED, vectors.shape[1], policy)
        start = time.perf_counter()
        with faiss_threads(2):
            index.add(list(range(size)), vectors)
        built = time.perf_counter() - start
        graph = faiss.downcast_index(index.index.index)
        for breadth in (128, 256, 512, 1024, 2048):
            graph.hnsw.efSearch = breadth
            found, millis = one_by_one(index.index, queries)
            found_scores = np.einsum("qd,qkd->qk", queries, vectors[found])
            print(f"n={size:>9,}  HNSW-SQfp16 breadth {breadth:5}  p50 {percentile(millis, .5):6.2f} ms  "
                  f"p99 {percentile(millis, .99):6.2f} ms  recall@10 {tie_recall(found_scores, truth_scores):.4f} "
                  f"(ids {recall(found, truth):.4f})  build {built:5.1f} s")
        del index, graph


# -- running against a built folder ---------------------------------------------------------------
@contextmanager
def traced(store: Store) -> Iterator[list[str]]:
    """Every SQL statement the block's store calls run, with their parameters inlined (for EXPLAIN)."""
    statements: list[str] = []
    store.db.connection().conn.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        store.db.connection().conn.set_trace_callback(None)


def query_plans(home: Path) -> None:
    """``EXPLAIN QUERY PLAN`` of the statements one search runs (anonymous caller, and with a filter).

    The lexical legs run no SQL of their own: ``KnowledgeBase.lexicon.current()`` asks SQLite what
    changed (``lexicon_state``) and reads only chunks added or deleted since.
    """
    store = Store(home / "kb.sqlite")
    query = understand("Chỉ thị 05 về trách nhiệm của cơ quan nhà nước")
    typed = DocumentFilters(doc_type="Quyết định", access=LEVELS[0])
    _, last_chunk, last_deletion = store.chunks.lexicon_state()
    calls = {
        "hides_documents (per request)": lambda: store.documents.hides_any(LEVELS[0]),
        "lexicon_state (per request)": store.chunks.lexicon_state,
        "chunks added since the lexicon looked": lambda: list(store.chunks.columns(last_chunk - 5, last_chunk)),
        "chunks deleted since": lambda: store.chunks.deleted(last_deletion, last_deletion + 5),
        "reference_hits": lambda: store.chunks.citing(query.keys, query.full_keys),
        "filtered ids among candidates": lambda: store.chunks.existing(list(range(1, 61)), typed),
        "hits (rendering)": lambda: store.chunks.hits(list(range(1, 21)), LEVELS[0]),
    }
    print("\nEXPLAIN QUERY PLAN of a search's statements:")
    for name, call in calls.items():
        with traced(store) as statements:
            call()
        for sql in statements:
            if not sql.startswith(("SELECT", "WITH")):
                continue
            print(f"-- {name}: {sql[:160]}{'…' if len(sql) > 160 else ''}")
            for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}"):
                print(f"     {row[3]}")
    store.close()


def _build_missing(synced: SyncedFile[Any], name: str, size: int) -> None:
    """Build a snapshot kept beside the database (as ``kb index`` would have), and say how long it took."""
    if not synced.path.exists():
        built = timed(synced.refresh) / 1000
        print(f"\n{name} built from {size:,} chunks in {built:.1f} s")


def accent_model(home: Path, size: int) -> None:
    """The accent model, built before the server starts."""
    kb = KnowledgeBase(load_settings(home))
    _build_missing(kb.accents, "accent model", size)
    kb.close()


def lexicon_figures(home: Path, size: int) -> None:
    """Building the lexical index from SQLite, reading its snapshot, its memory, and the two legs' time."""
    kb = KnowledgeBase(load_settings(home))
    _build_missing(kb.lexicon, "lexicon", size)
    kb.close()
    kb = KnowledgeBase(load_settings(home))
    loaded = timed(lambda: kb.lexicon.current()) / 1000
    lexicon = kb.lexicon.current()
    arrays = [lexicon.lengths, lexicon.alive] + [getattr(s, f) for segments in lexicon.segments.values()
                                                  for s in segments for f in ("keys", "starts", "chunks", "counts")]
    memory = sum(a.nbytes for a in arrays)
    print(f"\nlexicon: snapshot {kb.lexicon.path.stat().st_size / 2**20:,.1f} MiB read in {loaded:.2f} s; "
          f"arrays {memory / 2**20:,.1f} MiB ({memory / size:,.0f} B/passage), vocabulary {len(lexicon.vocabulary):,}")
    weights = {"accented": 6.0, "folded": 1.0}
    for text in ("trách nhiệm của người đứng đầu trong công tác tuyên truyền", "Chỉ thị 05 yêu cầu gì",
                 "chi thi 05 yeu cau gi"):
        understood = understand(text)
        for leg, phrases in (("syllables", understood.syllables()), ("pairs", understood.pairs())):
            matched = len(lexicon.scores(phrases, weights)[0])
            every = percentile([timed(lambda: lexicon.scores(phrases, weights)) for _ in range(5)], .5)
            best = {n: percentile([timed(lambda n=n: lexicon.top(phrases, weights, n)) for _ in range(5)], .5)
                    for n in (30, 300)}
            print(f"  {leg:9} {text[:40]:40} {matched:9,} matched; p50 every score {every:6.1f} ms, "
                  f"best 30 {best[30]:6.1f} ms, best 300 {best[300]:6.1f} ms")
    kb.close()


def profile(home: Path, queries: list[str]) -> None:
    """cProfile of in-process searches (vectors cached, repeated queries): where per-request time goes."""
    kb = KnowledgeBase(load_settings(home))
    kb.open_embedder().warm()  # as the service starts (the whole vocabulary loaded)
    kb.open_vectors()  # load (and check) the vector file outside the profile
    for q in queries:
        search(kb, q, 10, DocumentFilters(access=LEVELS[0]))
    profiler = cProfile.Profile()
    profiler.enable()
    millis = [timed(lambda q=q: search(kb, q, 10, DocumentFilters(access=LEVELS[0]))) for q in queries]
    profiler.disable()
    print(f"\nin-process search, public caller, repeated: p50 {percentile(millis, .5):.1f} ms "
          f"p99 {percentile(millis, .99):.1f} ms; profile (cumulative, top 14):")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(14)
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    kb.close()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def api_latency(home: Path, groups: dict[str, list[str]], rounds: int, size: int) -> None:
    from bench_engine import _serve

    warm_up = warm_up_set()
    process, url = _serve(home, None)
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            def ask(q: str) -> httpx.Response:
                return client.get("/api/search", params={"q": q, "k": 10}).raise_for_status()

            for question in warm_up:  # the first loads the model, the vectors, the lexicon and the accent model
                ask(question)
            idle = _rss_mib(process.pid)
            first = {name: [timed(lambda q=q: ask(q)) for q in queries] for name, queries in groups.items()}
            repeated = {name: [timed(lambda q=q: ask(q)) for _ in range(rounds) for q in queries]
                        for name, queries in groups.items()}
        rss = _rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait()
    print(f"\nAPI (kb serve, uvicorn on 127.0.0.1, anonymous = public caller, hybrid, accents restored, glossary, "
          f"refusal, k=10), {size:,} passages, after {len(warm_up)} other questions:")
    for label, millis in (("first time", first), ("repeated (cached query vector)", repeated)):
        for name, values in (millis | {"all": [m for v in millis.values() for m in v]}).items():
            print(f"  {label:30} {name:31} n={len(values):4}  p50 {percentile(values, .5):6.1f} ms  "
                  f"p95 {percentile(values, .95):6.1f} ms  p99 {percentile(values, .99):6.1f} ms")
    print(f"  server RSS {rss:,.0f} MiB after the queries ({idle:,.0f} MiB after the first): "
          f"{rss * 2**20 / size:,.0f} B/passage all in (model, Python, SQLite cache, vectors)")


def index_recall(folder: Path, home: Path, size: int, models_dir: Path, breadths: list[int] | None = None) -> None:
    """recall@10 of the folder's vector index against exact float32 search over the same vectors, searched through
    ``VectorIndex.search`` at the policy's breadth for its size, or at each of ``breadths`` (the policy's tiers
    replaced by one), so that the breadths are compared on the same graph."""
    queries = query_vectors(folder, models_dir)
    real = scale_data.real_vectors(folder, real_used(home))
    vectors = VectorIndex(home / "vectors.faiss", real.shape[1])
    scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best = np.zeros((len(queries), 10), dtype=np.int64)
    policy, found = vectors.policy, {}
    for breadth in dict.fromkeys([policy.search_breadth(len(vectors)), *(breadths or [])]):  # each once
        vectors.policy = dataclasses.replace(policy, search_breadths=((0, breadth),))
        found[breadth] = one_by_one(vectors, queries)
    vectors.policy = policy
    found_scores = {breadth: np.full(ids.shape, -np.inf, dtype=np.float32) for breadth, (ids, _) in found.items()}
    for first in range(0, size, ADD_BATCH):  # exact top 10 over the vectors, a batch at a time
        block = queries @ scale_data.derived_vectors(real, first, min(size, first + ADD_BATCH)).T
        for breadth, (ids, _) in found.items():
            inside = (ids > first) & (ids <= first + block.shape[1])  # ids are positions + 1
            rows, _ = np.nonzero(inside)
            found_scores[breadth][inside] = block[rows, ids[inside] - first - 1]
        merged_scores = np.hstack([scores, block])
        merged_ids = np.hstack([best, np.arange(first + 1, first + 1 + block.shape[1])[None, :].repeat(len(queries), 0)])
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :10]
        scores, best = np.take_along_axis(merged_scores, order, 1), np.take_along_axis(merged_ids, order, 1)
    print(f"\nvector index ({vector_kind(vectors)}; {provenance(len(real), size)}), {len(queries)} real queries:")
    for breadth, (ids, millis) in found.items():
        print(f"  breadth {breadth:5}: recall@10 against exact float32 {tie_recall(found_scores[breadth], scores):.4f} "
              f"(by id, ties between duplicate passages counted as misses: {recall(ids, best):.4f}); "
              f"search p50 {percentile(millis, .5):.2f} ms p99 {percentile(millis, .99):.2f} ms", flush=True)


def run(folder: Path, size: int, rounds: int, with_profile: bool, step: int) -> None:
    home = home_of(folder, size)
    if not (home / "vectors.faiss").exists():
        raise SystemExit(f"{home} is not built: run `bench/bench_scale.py build --size {size}` first")
    groups = {name: queries[::step] for name, queries in latency_groups().items()}
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {home}: {size:,} passages; queries "
          f"(every {step}.): " + ", ".join(f"{name} {len(queries)}" for name, queries in groups.items()))
    lexicon_figures(home, size)
    accent_model(home, size)
    print_sizes(home, size)
    query_plans(home)
    if with_profile:
        profile(home, [q for queries in groups.values() for q in queries[:5]])
    api_latency(home, groups, rounds, size)
    index_recall(folder, home, size, folder / "models")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["prepare", "sweep", "build", "run", "recall"])
    parser.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--count", type=int, default=REAL, help="prepare: passages to embed")
    parser.add_argument("--size", type=int, default=REAL, help="build/run: passages in the index")
    parser.add_argument("--sizes", default="25000,50000,100000,200000", help="sweep: sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="run: repeated rounds of the query set")
    parser.add_argument("--profile", action="store_true", help="run: also profile in-process searches")
    parser.add_argument("--every", type=int, default=1, help="run: ask every n-th query of the set (a shorter run)")
    parser.add_argument("--breadths", default="", help="recall: search breadths to compare, comma-separated")
    args = parser.parse_args()
    models_dir = args.data / "models"
    if args.command == "prepare":
        scale_data.embed(args.data, args.count, models_dir)
    elif args.command == "sweep":
        sweep(args.data, models_dir, [int(s) for s in args.sizes.split(",")])
    elif args.command == "build":
        build(args.data, args.size)
    elif args.command == "recall":
        breadths = [int(b) for b in args.breadths.split(",") if b]
        index_recall(args.data, home_of(args.data, args.size), args.size, models_dir, breadths)
    else:
        run(args.data, args.size, args.rounds, args.profile, args.every)


if __name__ == "__main__":
    main()
