"""Soak run (not a test): searches, uploads, replacements and deletions against one server for a long time.

    .venv/bin/python bench/soak.py [--minutes 30] [--searchers 8] [--cli-every 10] [--upload DIR]

Starts ``kb serve`` on 127.0.0.1 over a throwaway index of corpus/ (as bench/load_search.py does),
then until the time is up: ``--searchers`` threads search one query after another; one editor
cycles through the files of ``--upload`` (default ../shared/data/admin-docs/docs): upload, wait
for the job, replace the document with an edited version, wait, delete it; and every
``--cli-every`` seconds ``kb search`` runs as a separate process on the same folder.  Every
``--sample-every`` seconds it records the server's resident memory and open files.

Prints throughput and p50/p99 latency per kind of request, the error count (must be 0; exit
status 1 otherwise) and the memory and open-file samples over time, with the growth between the
second and the last third of the run: long-lived state that grows without bound shows there.
Only loopback addresses are used; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load_search import Sample, _describe, _own_server, _queries, _search  # noqa: E402


class Recorder:
    """Timings and errors of every request, by kind; list.append is atomic, so threads share it."""

    def __init__(self) -> None:
        self.samples: dict[str, list[Sample]] = defaultdict(list)

    def timed(self, kind: str, call) -> object:
        started = time.monotonic()
        try:
            result, error = call(), None
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown, none ends the run
            result, error = None, f"{type(exc).__name__}: {exc}"[:300]
        self.samples[kind].append(Sample(started, time.monotonic() - started, error))
        return result


def _ok(response: httpx.Response) -> dict:
    if response.status_code >= 400:
        raise RuntimeError(f"HTTP {response.status_code} {response.request.method} {response.request.url.path}: "
                           f"{response.text[:200]}")
    return response.json()


def _finished_job(client: httpx.Client, accepted: dict, deadline: float) -> dict:
    while time.monotonic() < deadline + 300:  # a job started before the deadline may finish after it
        job = _ok(client.get(accepted["url"]))
        if job["status"] == "failed":
            raise RuntimeError(f"job {job['id']} failed: {job['error']}")
        if job["status"] == "done":  # a file the reader refuses (reported by name) is an answer, not a failure
            return job
        time.sleep(0.5)
    raise RuntimeError(f"job {accepted['job_id']} did not finish")


def _editor(url: str, key: str, files: list[Path], deadline: float, rec: Recorder, refused: set[str]) -> None:
    """Upload → replace → delete, file after file, until the deadline; ``refused`` collects unreadable files."""
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=300) as client:
        n = 0
        while time.monotonic() < deadline:
            path = files[n % len(files)]
            content = path.read_bytes()
            n += 1
            job = rec.timed("upload+index", lambda: _finished_job(
                client, _ok(client.post("/api/documents", files=[("files", (path.name, content))])), deadline))
            doc_id = job and next((f["document_id"] for f in job["files"] if f["document_id"]), None)
            if doc_id is None:
                refused.update(f"{f['name']}: {f['reason']}" for f in (job or {"files": []})["files"])
                continue
            edited = content + f"\n\nBổ sung lần {n}: nội dung thay thế để kiểm tra.\n".encode()
            rec.timed("replace+index", lambda: _finished_job(
                client, _ok(client.put(f"/api/documents/{doc_id}", files={"file": (path.name, edited)})), deadline))
            rec.timed("delete", lambda: _ok(client.delete(f"/api/documents/{doc_id}")))


def _cli(home: Path, every: float, deadline: float, rec: Recorder, stop: threading.Event) -> None:
    command = [sys.executable, "-m", "kb", "search", "chỉ thị 05 yêu cầu gì", "--json", "--home", str(home)]
    while not stop.wait(every) and time.monotonic() < deadline:
        rec.timed("cli search", lambda: subprocess.run(command, capture_output=True, check=True, timeout=300))


def _sampler(pid: int, every: float, stop: threading.Event, samples: list[tuple[float, int, int]]) -> None:
    start = time.monotonic()
    while not stop.wait(every):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rss_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            samples.append((time.monotonic() - start, rss_kb // 1024, len(os.listdir(f"/proc/{pid}/fd"))))
        except (OSError, StopIteration):
            return


def _growth(values: list[int]) -> str:
    third = len(values) // 3
    if third == 0:
        return "too few samples"
    middle, last = statistics.fmean(values[third : 2 * third]), statistics.fmean(values[2 * third :])
    return f"middle third {middle:.0f}, last third {last:.0f} ({100 * (last - middle) / max(middle, 1):+.1f} %)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--searchers", type=int, default=8)
    parser.add_argument("--cli-every", type=float, default=10)
    parser.add_argument("--sample-every", type=float, default=30)
    parser.add_argument("--upload", type=Path, default=ROOT.parent / "shared" / "data" / "admin-docs" / "docs")
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--queries", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--model", default=os.environ.get("KB_MODEL"))
    args = parser.parse_args()
    files = sorted(p for p in args.upload.iterdir() if p.is_file() and not p.name.startswith("."))[: args.files]
    queries = _queries(args.queries)
    process, url, key, folder = _own_server(args.model, ROOT / "corpus")
    rec, memory, stop, refused = Recorder(), [], threading.Event(), set()
    try:
        httpx.get(f"{url}/api/search", params={"q": "khởi động"}, timeout=120).raise_for_status()
        start = time.monotonic()
        deadline = start + args.minutes * 60
        threads = [threading.Thread(target=_search, args=(url, queries, i * 7, deadline, rec.samples["search"]))
                   for i in range(args.searchers)]
        threads.append(threading.Thread(target=_editor, args=(url, key, files, deadline, rec, refused)))
        helpers = [threading.Thread(target=_cli, args=(Path(folder.name), args.cli_every, deadline, rec, stop)),
                   threading.Thread(target=_sampler, args=(process.pid, args.sample_every, stop, memory))]
        for thread in threads + helpers:
            thread.start()
        for thread in threads:
            thread.join()
        end = time.monotonic()
        stop.set()
        for thread in helpers:
            thread.join()
    finally:
        process.terminate()
        process.wait()
        folder.cleanup()

    print(f"soak: {end - start:.0f} s, {args.searchers} searchers, 1 editor over {len(files)} files, "
          f"a CLI search every {args.cli_every:.0f} s; {os.cpu_count()} cores")
    for kind, samples in rec.samples.items():
        print(_describe(kind, samples, end - start))
    for reason in sorted(refused):
        print(f"refused by the reader, as it should be: {reason}")
    errors = [s.error for samples in rec.samples.values() for s in samples if s.error]
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print("server memory and open files over time:")
    for seconds, rss_mb, fds in memory:
        print(f"  +{seconds:6.0f} s  RSS {rss_mb:6} MB  open files {fds:4}")
    print(f"RSS MB: {_growth([m[1] for m in memory])}; open files: {_growth([m[2] for m in memory])}")
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
