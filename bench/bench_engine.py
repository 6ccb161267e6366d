"""Benchmark (not a test): indexing time per stage, and warm query latency in-process, via the API and the CLI.

    .venv/bin/python bench/bench_engine.py [--corpus corpus] [--queries ../shared/eval/dev.jsonl] [--rounds 5]

Prints figures only; targets are judged by people reading them, never by a timed test.
The machine is shared and noisy: compare figures from one run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings  # noqa: E402
from kb.indexing import index_paths  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.search import search  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(name: str, millis: list[float]) -> str:
    return (f"{name:34} n={len(millis):4}  p50 {percentile(millis, 0.5):8.1f} ms  "
            f"p95 {percentile(millis, 0.95):8.1f} ms  mean {statistics.fmean(millis):8.1f} ms")


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def bench_indexing(kb: KnowledgeBase, corpus: Path) -> None:
    kb.open_embedder()  # load (and on first use convert) the model outside the timings
    start = time.perf_counter()
    report = index_paths(kb, [corpus])
    total = time.perf_counter() - start
    seconds = report.seconds
    print(f"indexing {corpus}: {report.count('indexed')} files, {report.chunks} chunks (+ cards) in {total:.2f} s "
          f"= {report.chunks / total:.1f} chunks/s")
    for stage, value in seconds.items():
        print(f"  {stage:10} {value:8.2f} s  {100 * value / total:5.1f} %")
    print(f"  {'other':10} {total - sum(seconds.values()):8.2f} s")


def bench_in_process(kb: KnowledgeBase, queries: list[str], rounds: int) -> None:
    first = [timed(lambda q=q: search(kb, q, 10)) for q in queries]
    repeated = [timed(lambda q=q: search(kb, q, 10)) for _ in range(rounds) for q in queries]
    print(describe("in-process, first time each query", first))
    print(describe("in-process, repeated (cached vector)", repeated))


def _serve(home: Path, model: str | None, log: Path | None = None,
           tree: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``kb serve`` on a free port of 127.0.0.1 (its log to ``log``, if given), once it answers; from the code
    tree ``tree`` when given (another checkout or worktree), else this one's."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [sys.executable, "-m", "kb", "serve", "--port", str(port), "--home", str(home)]
    env = dict(os.environ, PYTHONPATH=str(tree)) if tree else None
    process = subprocess.Popen(args + (["--model", model] if model else []), stdout=subprocess.DEVNULL,
                               stderr=log.open("w") if log else subprocess.DEVNULL, env=env, cwd=tree)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{url}/health", timeout=30)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("kb serve did not start")


def bench_api(home: Path, model: str | None, queries: list[str], rounds: int) -> None:
    process, url = _serve(home, model)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            ask = lambda q: client.get("/api/search", params={"q": q, "k": 10}).raise_for_status()  # noqa: E731
            ask("khởi động")
            first = [timed(lambda q=q: ask(q)) for q in queries]
            repeated = [timed(lambda q=q: ask(q)) for _ in range(rounds) for q in queries]
        print(describe("API, first time each query", first))
        print(describe("API, repeated", repeated))
    finally:
        process.terminate()
        process.wait()


def bench_cli(home: Path, model: str | None, queries: list[str]) -> None:
    env = os.environ | ({"KB_MODEL": model} if model else {})
    run = lambda q: subprocess.run([sys.executable, "-m", "kb", "search", q, "--json", "--home", str(home)],  # noqa: E731
                                   env=env, capture_output=True, check=True)
    print(describe("CLI process (start + model + query)", [timed(lambda q=q: run(q)) for q in queries[:5]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default=os.environ.get("KB_MODEL"))
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in args.queries.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        kb = KnowledgeBase(load_settings(home, args.model))
        print(f"machine: {os.cpu_count()} cores; model: {args.model or 'bundled multilingual-e5-small'}")
        bench_indexing(kb, args.corpus)
        bench_in_process(kb, queries, args.rounds)
        kb.close()
        bench_api(home, args.model, queries, args.rounds)
        bench_cli(home, args.model, queries)


if __name__ == "__main__":
    main()
