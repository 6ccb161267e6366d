"""Benchmark (not a test): kb beside txtai and plain BM25 — indexing time, query latency, retrieval quality.

    .venv/bin/pip install -e '.[bench]'        # txtai, for this benchmark only
    .venv/bin/python bench/bench_side_by_side.py [--admin-docs 40] [--rounds 3] [--kb-backends onnx-int8,torch]

One run, one corpus (``corpus/`` plus the first ``--admin-docs`` files of
``../shared/data/admin-docs``), one model (the bundled multilingual-e5-small folder, with its
``query: ``/``passage: `` prompts), one question set (``../shared/eval/dev.jsonl`` in every
variant: typed, unaccented, half-accented, lower case, typos).  The three systems index the
same passages: kb reads and chunks the files, and txtai and BM25 are given kb's passages
(heading path + text, what kb's own legs see), so the figures compare the engines, not chunkers.

* kb: ``index_paths`` (read, parse, embed, write SQLite + FAISS), ``search`` in-process (hybrid, k=10);
* txtai: ``Embeddings`` with ``content=True`` (SQLite), ``backend="faiss"``, ``hybrid=True`` (its
  BM25 + dense), ``instructions`` = the model's prompts, sentence-transformers (fp32 PyTorch:
  txtai has no int8 path for this model); ``index`` + ``save`` timed, ``search(q, 10)``;
* BM25: ``kb.evaluation.baseline`` (rank_bm25 over accent-folded syllables), built and searched in memory.

Results of all three are judged by the same rule (``kb.evaluation.questions.judge_snippets``).  The machine
is shared and noisy: read the ratios, which come from one run, more than the absolute times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import percentile

from kb.config import load_settings
from kb.embedding.default_model import ensure_default_model
from kb.evaluation.baseline import BM25Baseline
from kb.evaluation.evaluate import score_ranking
from kb.evaluation.questions import QuestionSet, load_jsonl
from kb.evaluation.variants import VARIANTS
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.search import render, search


def corpus_paths(admin_docs: int) -> list[Path]:
    docs = sorted((ROOT.parent / "shared" / "data" / "admin-docs" / "docs").glob("*.md"))[:admin_docs]
    return [ROOT / "corpus", *docs]


def timed_seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def index_kb(home: Path, models: Path, backend: str, paths: list[Path]) -> tuple[KnowledgeBase, float, dict]:
    (home / "models").symlink_to(models, target_is_directory=True)
    kb = KnowledgeBase(replace(load_settings(home), backend=backend))
    kb.open_embedder()  # load the model (and build the int8 graph) outside the timing
    report = None

    def run() -> None:
        nonlocal report
        report = index_paths(kb, paths)

    seconds = timed_seconds(run)
    assert report is not None
    return kb, seconds, dict(report.seconds) | {"chunks": report.chunks, "files": report.count("indexed")}


def index_txtai(folder: Path, model: Path, passages: list[tuple[int, str]]):
    from txtai import Embeddings

    embeddings = Embeddings(path=str(model), method="sentence-transformers", content=True, backend="faiss",
                            hybrid=True, instructions={"query": "query: ", "data": "passage: "})
    embeddings.transform("khởi động")  # load the model outside the timing, as for kb

    def run() -> None:
        embeddings.index([(pid, text, None) for pid, text in passages])
        embeddings.save(str(folder / "txtai"))

    return embeddings, timed_seconds(run)


def latencies(ask: Callable[[str], object], queries: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each query the first time, then of ``rounds`` more passes."""
    ask("khởi động")
    first = [timed_seconds(lambda q=q: ask(q)) * 1000 for q in queries]
    repeated = [timed_seconds(lambda q=q: ask(q)) * 1000 for _ in range(rounds) for q in queries]
    return first, repeated


def quality(qset: QuestionSet, results: Callable[[str], list[dict]]) -> dict[str, dict[str, float]]:
    """Mean hit@1, hit@10, MRR@10 and nDCG@10 of each variant of the questions."""
    table = {}
    for variant, form in VARIANTS.items():
        rows = [score_ranking(qset.ranking(results(form(q.query)), q, 10), len(q.gold)) for q in qset.questions]
        table[variant] = {m: statistics.fmean(r[m] for r in rows) for m in ("hit@1", "hit@10", "mrr@10", "ndcg@10")}
    return table


def measure(seconds: float, ask: Callable[[str], object], results: Callable[[str], list[dict]],
            qset: QuestionSet, queries: list[str], rounds: int) -> dict:
    """One system's row: indexing seconds, latencies (``ask``), quality (``results``: its hits as kb shows them)."""
    first, repeated = latencies(ask, queries, rounds)
    return {"index": seconds, "first": first, "repeated": repeated, "quality": quality(qset, results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-docs", type=int, default=40, help="files of ../shared/data/admin-docs to add to corpus/")
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--rounds", type=int, default=3, help="repeated passes over the queries")
    parser.add_argument("--models", type=Path, default=load_settings().models_dir,
                        help="folder of the converted model (made there if missing)")
    parser.add_argument("--kb-backends", default="onnx-int8", help="kb's embedding backends to run, comma-separated")
    args = parser.parse_args()
    model = ensure_default_model(args.models)
    paths = corpus_paths(args.admin_docs)
    qset = load_jsonl(args.questions)
    queries = [form(q.query) for form in VARIANTS.values() for q in qset.questions]
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; corpus: corpus/ + {len(paths) - 1} "
          f"admin-docs files; model {model}; {len(queries)} queries ({len(qset.questions)} × {len(VARIANTS)} variants)")
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        kbs = {}
        for backend in args.kb_backends.split(","):
            home = Path(tmp) / f"kb-{backend}"
            home.mkdir()
            kb, seconds, stages = index_kb(home, args.models, backend, paths)
            kbs[backend] = kb
            rows[f"kb ({backend})"] = measure(seconds, partial(search, kb, k=10),
                                              lambda q, kb=kb: asdict(search(kb, q, 10))["results"], qset, queries, args.rounds)
            files = stages.pop("files")
            print(f"kb ({backend}): {files} files, {stages.pop('chunks')} passages + {files} document cards "
                  f"in {seconds:.1f} s; by stage: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        kb = next(iter(kbs.values()))
        passages = kb.store.chunks.all_texts()

        def shown(hits: list[tuple[int, float]]) -> list[dict]:
            """Every system's hits shown, and judged, as kb shows its own."""
            return [asdict(hit) for hit in render(kb, hits, k=10)]


        embeddings, seconds = index_txtai(Path(tmp), model, passages)
        print(f"txtai: {len(passages)} passages in {seconds:.1f} s (embedding + FAISS + SQLite + BM25 terms, saved)")
        rows["txtai (hybrid)"] = measure(
            seconds, partial(embeddings.search, limit=10),
            lambda q: shown([(int(r["id"]), r["score"]) for r in embeddings.search(q, 10)]), qset, queries, args.rounds)

        start = time.perf_counter()
        baseline = BM25Baseline(passages)
        seconds = time.perf_counter() - start
        rows["BM25 (rank_bm25)"] = measure(seconds, partial(baseline.search, k=10),
                                           lambda q: shown(baseline.search(q, 10)), qset, queries, args.rounds)
        report(rows)


def report(rows: dict[str, dict]) -> None:
    reference = next(iter(rows.values()))
    print(f"\n{'system':20} {'index s':>8} {'× kb':>6}  {'first p50':>9} {'× kb':>6}  {'repeat p50':>10} {'p99':>7} {'× kb':>6}")
    for name, row in rows.items():
        first, repeated = (percentile(row[key], .5) for key in ("first", "repeated"))
        print(f"{name:20} {row['index']:8.1f} {row['index'] / reference['index']:6.2f}  "
              f"{first:7.1f}ms {first / percentile(reference['first'], .5):6.2f}  "
              f"{repeated:8.1f}ms {percentile(row['repeated'], .99):5.1f}ms "
              f"{repeated / percentile(reference['repeated'], .5):6.2f}")
    print("\nquality on the questions (hit@1 / hit@10 / MRR@10 / nDCG@10):")
    variants = list(VARIANTS)
    print(f"{'system':20} " + " ".join(f"{v:>27}" for v in variants))
    for name, row in rows.items():
        cells = [" / ".join(f"{row['quality'][v][m]:.2f}" for m in ("hit@1", "hit@10", "mrr@10", "ndcg@10"))
                 for v in variants]
        print(f"{name:20} " + " ".join(f"{c:>27}" for c in cells))


if __name__ == "__main__":
    main()
