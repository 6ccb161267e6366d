"""What reading each file once a run saves (a benchmark, not a test).

    .venv/bin/python bench/read_once.py FOLDER [--trials 1]

Runs ``kb index --dry-run`` (read and parse, no model, nothing written) over
FOLDER twice a trial: with the furniture pass's texts kept for the indexing
pass (as kb runs) and with no room to keep any (every file read twice, as
before), and prints wall and CPU seconds (ours and Tesseract's), the reading
stage's seconds and whether both runs gave the same outcomes file by file.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kb.indexing as indexing  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(folder: Path, budget: int) -> tuple[float, float, indexing.IndexReport]:
    kept, indexing.KEPT_TEXT_CHARS = indexing.KEPT_TEXT_CHARS, budget
    try:
        with tempfile.TemporaryDirectory(prefix="kb-read-once-") as home:
            start, cpu = time.perf_counter(), cpu_seconds()
            report = indexing.index_paths(KnowledgeBase(load_settings(Path(home))), [folder], dry_run=True)
            return time.perf_counter() - start, cpu_seconds() - cpu, report
    finally:
        indexing.KEPT_TEXT_CHARS = kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--trials", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.trials):
        outcomes = []
        for label, budget in (("read twice", 0), ("read once", indexing.KEPT_TEXT_CHARS)):
            wall, cpu, report = run(args.folder, budget)
            outcomes.append([(f.source, f.status, f.chunks, f.furniture) for f in report.files])
            print(f"{label}: {len(report.files)} files, {report.chunks} passages, wall {wall:.1f} s, CPU {cpu:.1f} s, "
                  f"reading {report.summary()['seconds']['reading']:.1f} s", flush=True)
        print(f"same outcomes file by file: {outcomes[0] == outcomes[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
