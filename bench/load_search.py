"""Load benchmark (not a test): many concurrent searches while files are uploaded and indexed through the API.

    .venv/bin/python bench/load_search.py [--searchers 50] [--seconds 60] [--upload DIR] [--files 24]
    .venv/bin/python bench/load_search.py --url http://127.0.0.1:8000 --key kb_… [...]

Without ``--url`` it indexes corpus/ into a temporary folder, makes an editor key and
starts ``kb serve`` on 127.0.0.1.  ``--searchers`` threads each send one search after
another for ``--seconds`` (questions of ../shared/eval/dev.jsonl, as typed, without
accents, half-accented, lower-cased and with typos), while ``--files`` files of
``--upload`` (default ../shared/data/admin-docs/docs) are uploaded in one request and
indexed by the server's job.  Prints throughput, latency percentiles (all, while the
job ran, otherwise), how long the job took (it gets ``--seconds`` more to finish after
the searches) and the error count, which must be 0 (exit status 1 otherwise).
Only loopback addresses are accepted; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_engine import _serve, percentile  # noqa: E402

from kb.access.keys import create_key  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.evaluation.questions import load_jsonl  # noqa: E402
from kb.evaluation.variants import VARIANTS  # noqa: E402
from kb.indexing import index_paths  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402


@dataclass
class Sample:
    started: float
    seconds: float
    error: str | None


@dataclass
class Job:
    sent: float = 0.0
    running: float | None = None
    finished: float | None = None
    state: dict = field(default_factory=dict)


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"{url}: this benchmark only sends traffic to loopback addresses (127.0.0.0/8, ::1)")
    return url.rstrip("/")


def _queries(path: Path) -> list[str]:
    questions = load_jsonl(path).questions
    return [variant(q.query) for variant in VARIANTS.values() for q in questions]


def _search(url: str, queries: list[str], offset: int, deadline: float, samples: list[Sample]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        n = offset
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = client.get("/api/search", params={"q": queries[n % len(queries)], "k": 10})
                error = None if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            samples.append(Sample(started, time.monotonic() - started, error))
            n += 1


def _upload(url: str, key: str, files: list[Path], job: Job, delay: float, stop: threading.Event) -> None:
    """Upload the files after ``delay`` (searches alone first, to compare with); follow the job until ``stop``."""
    if stop.wait(delay):
        return
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=300) as client:
        job.sent = time.monotonic()
        response = client.post("/api/documents", files=[("files", (p.name, p.read_bytes())) for p in files])
        response.raise_for_status()
        while not stop.is_set():
            job.state = client.get(response.json()["url"]).json()
            if job.state["status"] != "queued" and job.running is None:
                job.running = time.monotonic()
            if job.state["status"] in ("done", "failed"):
                job.finished = time.monotonic()
                return
            stop.wait(0.5)


def _describe(name: str, samples: list[Sample], seconds: float) -> str:
    if not samples:
        return f"{name:24} no requests"
    millis = [s.seconds * 1000 for s in samples]
    return (f"{name:24} {len(samples):6} requests  {len(samples) / seconds:7.1f} req/s  "
            f"p50 {percentile(millis, 0.5):7.1f} ms  p95 {percentile(millis, 0.95):7.1f} ms  "
            f"p99 {percentile(millis, 0.99):7.1f} ms  max {max(millis):7.1f} ms")


def _report(samples: list[Sample], job: Job, start: float, end: float) -> int:
    during_from, during_to = job.running or end, job.finished or end
    during = [s for s in samples if during_from <= s.started < during_to]
    outside = [s for s in samples if not during_from <= s.started < during_to]
    errors = [s for s in samples if s.error]
    print(_describe("all searches", samples, end - start))
    print(_describe("while indexing", during, max(during_to - during_from, 1e-9)))
    print(_describe("otherwise", outside, max(end - start - (during_to - during_from), 1e-9)))
    state = job.state
    if state:
        outcome = {f["status"] for f in state["files"]}
        indexed = sum(f["status"] == "indexed" for f in state["files"])
        took = f"{job.finished - job.sent:.1f} s after the upload" if job.finished else "not finished"
        print(f"upload job: {state['status']}, {indexed}/{state['progress']['total']} files indexed "
              f"({', '.join(sorted(outcome))}), {took}")
        for file in [f for f in state["files"] if f["status"] in ("error", "skipped")][:5]:
            print(f"  {file['name']}: {file['status']}, {file['reason']}")
    print(f"errors: {len(errors)}")
    for sample in errors[:5]:
        print(f"  {sample.error}")
    return 1 if errors else 0


def run(url: str, key: str, queries: list[str], files: list[Path], searchers: int, seconds: float) -> int:
    httpx.get(f"{url}/api/search", params={"q": "khởi động"}, timeout=60).raise_for_status()
    samples: list[Sample] = []  # list.append is atomic: the threads share it
    job = Job()
    start = time.monotonic()
    deadline = start + seconds
    threads = [threading.Thread(target=_search, args=(url, queries, i * 7, deadline, samples))
               for i in range(searchers)]
    stop = threading.Event()
    uploader = threading.Thread(target=_upload, args=(url, key, files, job, min(5.0, seconds / 6), stop))
    for thread in threads + [uploader]:
        thread.start()
    for thread in threads:
        thread.join()
    end = time.monotonic()
    uploader.join(timeout=seconds)  # searches are over: give the job as long again to finish, for its time
    stop.set()
    uploader.join()
    print(f"{searchers} searchers for {end - start:.0f} s, {len(queries)} distinct queries; "
          f"{len(files)} files uploaded at +{job.sent - start:.1f} s")
    return _report(samples, job, start, end)


def _own_server(model: str | None, corpus: Path) -> tuple[object, str, str, tempfile.TemporaryDirectory]:
    """A throwaway index of ``corpus`` with an editor key, served on 127.0.0.1."""
    folder = tempfile.TemporaryDirectory(prefix="kb-load-")
    home = Path(folder.name)
    kb = KnowledgeBase(load_settings(home, model))
    index_paths(kb, [corpus])
    _, key = create_key(kb.store, "load-bench", "editor")
    kb.close()
    process, url = _serve(home, model)
    return process, url, key, folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server on a loopback address (default: start one)")
    parser.add_argument("--key", help="an editor key of that server, for the upload")
    parser.add_argument("--searchers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--upload", type=Path, default=ROOT.parent / "shared" / "data" / "admin-docs" / "docs")
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--model", default=os.environ.get("KB_MODEL"))
    args = parser.parse_args()
    if args.url and not args.key:
        parser.error("--url needs --key (an editor key) for the upload")
    files = sorted(p for p in args.upload.iterdir() if p.is_file() and not p.name.startswith("."))[: args.files]
    queries = _queries(args.queries)
    print(f"machine: {os.cpu_count()} cores")
    if args.url:
        raise SystemExit(run(_loopback(args.url), args.key, queries, files, args.searchers, args.seconds))
    process, url, key, folder = _own_server(args.model, ROOT / "corpus")
    try:
        status = run(url, key, queries, files, args.searchers, args.seconds)
    finally:
        process.terminate()
        process.wait()
        folder.cleanup()
    raise SystemExit(status)


if __name__ == "__main__":
    main()
