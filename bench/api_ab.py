"""Benchmark (not a test): the same first-time questions through two ``kb serve`` processes, each from its own code
tree (a checkout or worktree) on its own copy of an index, asked of both in turn.

    .venv/bin/python bench/api_ab.py --a TREE_A --a-home HOME_A --b TREE_B --b-home HOME_B

A change's latency is measured against the code before it on the same machine at the same moment: each question
goes to A and to B one after the other (which first alternates), so load from other work falls on both alike, and
each is the question's first time on both (its vector not cached).  40 warm-up questions first (the model, the
lexicon).  The questions are ``bench_scale.latency_groups``' typed ones (accented, unaccented, English); prints
each side's p50/p95 per group, the CPU its server used a search (every thread, from /proc: steadier than the clock
while other work shares the cores), and how many answers named the same passages in the same order.  Give each
server its own copy of the index folder: both read it, and a server may write its caches there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import _serve, percentile
from bench_scale import latency_groups, warm_up_set

GROUPS = ("typed (accented)", "unaccented", "english")


def _ask(client: httpx.Client, question: str) -> tuple[float, list[int]]:
    """One search: its milliseconds and the passages it returned."""
    started = time.perf_counter()
    response = client.get("/api/search", params={"q": question, "k": 10})
    millis = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return millis, [hit["chunk_id"] for hit in response.json()["results"]]


def _cpu_millis(pid: int) -> float:
    """The CPU a process has used, every thread, user and system: steadier than the clock on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def compare(a: httpx.Client, b: httpx.Client, pids: dict[str, int]) -> None:
    for question in warm_up_set():
        for client in (a, b):
            _ask(client, question)
    for name, questions in latency_groups().items():
        if name not in GROUPS:
            continue
        times: dict[str, list[float]] = {"A": [], "B": []}
        used = {"A": 0.0, "B": 0.0}
        same = 0
        for number, question in enumerate(questions):
            order = [("A", a), ("B", b)] if number % 2 == 0 else [("B", b), ("A", a)]
            answers = {}
            for side, client in order:
                before = _cpu_millis(pids[side])
                millis, answers[side] = _ask(client, question)
                used[side] += _cpu_millis(pids[side]) - before
                times[side].append(millis)
            same += answers["A"] == answers["B"]
        print(f"{name} ({len(questions)}): " + "; ".join(
            f"{side} p50 {percentile(t, .5):.1f} ms p95 {percentile(t, .95):.1f} ms, "
            f"CPU {used[side] / len(questions):.1f} ms a search" for side, t in times.items())
            + f"; the same passages {same}/{len(questions)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for side in ("a", "b"):
        parser.add_argument(f"--{side}", type=Path, required=True, help=f"code tree {side.upper()}")
        parser.add_argument(f"--{side}-home", type=Path, required=True, help=f"the index folder {side.upper()} serves")
    args = parser.parse_args()
    first, a_url = _serve(args.a_home, None, tree=args.a)
    try:
        second, b_url = _serve(args.b_home, None, tree=args.b)
        try:
            with httpx.Client(base_url=a_url, timeout=120) as a, httpx.Client(base_url=b_url, timeout=120) as b:
                compare(a, b, {"A": first.pid, "B": second.pid})
        finally:
            second.terminate()
    finally:
        first.terminate()


if __name__ == "__main__":
    main()
