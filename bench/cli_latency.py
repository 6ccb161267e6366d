"""Benchmark (not a test): how long a one-off ``kb search`` takes, from process start to exit.

    .venv/bin/python bench/cli_latency.py [--home DIR] [--code REPO] [--runs 10]

Each run is a new process (``python -m kb search QUERY``) against an index of ``corpus/``
(built into ``--home`` first if that folder holds none), so it pays every import and model load
a user typing one command pays; the files themselves are in the page cache after the first run.
Three queries: Vietnamese with accents, the same typed without, and English.  ``--code`` runs
another checkout's kb (e.g. the main branch, for a before/after) on the same index.  Timed by
``hyperfine`` when it is installed (Debian package ``hyperfine``), else by this script.  The
machine is shared and noisy: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {"accented": "Chỉ thị 05 yêu cầu gì", "unaccented": "chi thi 05 yeu cau gi",
           "English": "what does directive 05 require"}


def times_with_hyperfine(command: list[str], runs: int, env: dict[str, str], cwd: Path) -> list[float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(["hyperfine", "--style", "none", "--shell", "none", "--runs", str(runs), "--export-json",
                        export.name, subprocess.list2cmdline(command)], env=env, cwd=cwd, check=True,
                       stdout=subprocess.DEVNULL)
        return json.loads(Path(export.name).read_text())["results"][0]["times"]


def times_by_hand(command: list[str], runs: int, env: dict[str, str], cwd: Path) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "kb-cli-latency",
                        help="index folder (corpus/ is indexed into it if it holds no index)")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose kb runs")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    code = args.code.resolve()  # the working folder too: ``python -m`` looks there before PYTHONPATH
    env = os.environ | {"KB_HOME": str(args.home), "PYTHONPATH": str(code)}
    if not (args.home / "kb.sqlite").is_file():
        print(f"indexing {ROOT / 'corpus'} into {args.home} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "kb", "index", str(ROOT / "corpus")], env=env, cwd=code, check=True,
                       stdout=subprocess.DEVNULL)
    hyperfine = shutil.which("hyperfine") is not None
    timer = times_with_hyperfine if hyperfine else times_by_hand
    print(f"kb search from {code}, index {args.home}, {args.runs} runs each, timed by "
          f"{'hyperfine' if hyperfine else 'subprocess'}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'query':<12} {'p50 s':>7} {'max s':>7}  text")
    for kind, query in QUERIES.items():
        times = timer([sys.executable, "-m", "kb", "search", query], args.runs, env, code)
        print(f"{kind:<12} {statistics.median(times):>7.2f} {max(times):>7.2f}  {query}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
