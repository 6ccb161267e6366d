"""Crash harness: kill ``kb index`` with SIGKILL at random moments; the index must always recover.

A program, not a test (``tests/test_crash.py`` runs a short form of it).  It
copies a real folder (``corpus/`` and the smallest ``--extra`` documents of
``../shared/data/admin-docs``), indexes it once to the end into a clean folder
(the reference, and the length of a whole run), then, into a second folder,
starts ``python -m kb index`` again and again and kills it:

* ``timer``: at a moment drawn uniformly over the length of a whole run;
* ``commit``: right after the n-th write to SQLite's log (n = 1..3): a commit;
* ``vectors``: as soon as ``vectors.faiss.tmp`` appears: the vector file being written.

Each run resumes the folder the last one left (unchanged files are skipped); a
run that ends before its kill starts a new folder.  After every kill the folder
is opened and checked (``kb.maintenance.check``), repaired if needed, and a fixed query set
is run.  At the end ``kb index`` runs to completion and the folder is compared
with the reference: the same documents, chunk count and top-5 passages for each
query.  Prints one line per kill and a summary table; exits 1 if any check
could not be repaired or the final folder differs.

    .venv/bin/python bench/crash_harness.py                  # 50 kills, seed 1
    .venv/bin/python bench/crash_harness.py --kills 60 --extra 12 --seed 7
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Settings, load_settings
from kb.embedding.default_model import ensure_default_model
from kb.embedding.embedder import load_embedder
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import check_kb
from kb.retrieval.search import search

ADMIN_DOCS = ROOT.parent / "shared" / "data" / "admin-docs" / "docs"
STRATEGIES = ("timer", "timer", "timer", "commit", "vectors")  # drawn with equal chance: timer 3/5
QUERIES = (
    "Chỉ thị 05 yêu cầu gì",
    "tuyen truyen dai hoi dang bo",
    "Kế hoạch tuyên truyền Đại hội Đảng bộ tỉnh",
    "thủ tục hành chính của Bộ Y tế",
    "Who must study Ho Chi Minh's thought?",
)


@dataclass
class Kill:
    number: int
    strategy: str
    seconds: float  # after the start of the killed run
    fraction: float  # of a whole clean run
    landed: str
    progress: str  # documents committed / in the folder, at the kill
    verdict: str  # passed, repaired, failed
    detail: str = ""
    queries_ok: bool = True


@dataclass
class Summary:
    kills: list[Kill] = field(default_factory=list)
    completed_runs: int = 0  # runs that ended before their kill
    clean_seconds: float = 0.0
    final: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(k.verdict != "failed" and k.queries_ok for k in self.kills) and self.final.get("equal", False)


def prepare_folder(target: Path, extra: int, corpus: bool = True) -> Path:
    """corpus/ and the ``extra`` smallest admin documents, copied so nothing touches the originals."""
    target.mkdir(parents=True)
    for path in sorted((ROOT / "corpus").iterdir()) if corpus else []:
        shutil.copy2(path, target / path.name)
    smallest = sorted(ADMIN_DOCS.glob("*.md"), key=lambda p: (p.stat().st_size, p.name))[:extra]
    for path in smallest:
        shutil.copy2(path, target / path.name)
    return target


def _command(docs: Path, home: Path, model: Path) -> list[str]:
    return [sys.executable, "-m", "kb", "index", str(docs), "--home", str(home), "--model", str(model), "--json"]


def _start(docs: Path, home: Path, model: Path, log: Path) -> subprocess.Popen:
    with open(log, "ab") as stderr:
        return subprocess.Popen(_command(docs, home, model), stdout=subprocess.DEVNULL, stderr=stderr, cwd=ROOT,
                                env=os.environ | {"HF_HUB_OFFLINE": "1"})


def warm_up(model: Path, work: Path) -> None:
    """Load the model once, so that its one-time int8 export is not taken for part of an indexing run."""
    settings = load_settings(work / "warm-up", model=str(model))
    load_embedder(settings.model, settings.models_dir, settings.backend)


def build_reference(docs: Path, home: Path, model: Path) -> float:
    """Index ``docs`` to the end into ``home``; the seconds it took."""
    start = time.monotonic()
    subprocess.run(_command(docs, home, model), check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                   env=os.environ | {"HF_HUB_OFFLINE": "1"})
    return time.monotonic() - start


def _wal_writes(home: Path, needed: int) -> Callable[[], bool]:
    """True once SQLite's log has been written ``needed`` times since this was made.

    A write is a new mtime of a non-empty log: opening the database creates it empty.
    """
    wal = home / "kb.sqlite-wal"
    state = {"last": _stat(wal), "seen": 0}

    def written() -> bool:
        now = _stat(wal)
        if now != state["last"]:
            state["last"] = now
            state["seen"] += bool(now and now[1])
        return state["seen"] >= needed
    return written


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _run_and_kill(process: subprocess.Popen, home: Path, strategy: str, rng: random.Random,
                  whole_run: float) -> tuple[float, bool] | None:
    """SIGKILL ``process`` when ``strategy`` says (polling every millisecond).

    Returns the seconds it ran and whether the vector file was being written
    at that moment, or None if the run ended first.
    """
    start, tmp = time.monotonic(), home / "vectors.faiss.tmp"
    deadline = start + rng.uniform(0, whole_run) if strategy == "timer" else float("inf")
    log_written = _wal_writes(home, rng.randint(1, 3)) if strategy == "commit" else None
    while process.poll() is None:
        tmp_seen = tmp.exists()
        if time.monotonic() >= deadline or (strategy == "vectors" and tmp_seen) or (log_written and log_written()):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return time.monotonic() - start, tmp_seen
        time.sleep(0.001)
    if process.returncode != 0:
        raise RuntimeError(f"kb index failed by itself (exit {process.returncode}); see child-stderr.log")
    return None


def _documents(settings: Settings) -> int:
    if not (settings.home / "kb.sqlite").exists():
        return 0
    kb = KnowledgeBase(settings)
    try:
        return len(kb.store.documents.listing())
    finally:
        kb.close()


def answers(kb: KnowledgeBase) -> dict[str, list[tuple]]:
    """Top-5 passages for each query, named by file and offsets (ids differ between two folders)."""
    return {q: [(r.document.source, r.section, r.char_start, r.char_end)
                for r in search(kb, q, 5).results] for q in QUERIES}


def snapshot(settings: Settings) -> dict:
    """What two indexes of the same folder must share: documents, chunk count, answers."""
    kb = KnowledgeBase(settings)
    try:
        documents = sorted((d["source"], d["title"], d["number"], d["date"], d["chunks"]) for d in kb.store.documents.listing())
        return {"documents": documents, "chunks": len(kb.store.chunks.all_ids()), "answers": answers(kb),
                "check": check_kb(kb).ok}
    finally:
        kb.close()


def _verify(settings: Settings) -> tuple[str, str, bool]:
    """Check the folder after a kill, repairing if needed; run the queries. (verdict, detail, queries ok).

    One open folder serves all three, so the model is loaded once.
    """
    if not (settings.home / "kb.sqlite").exists():
        return "passed", "nothing written yet", True
    try:
        kb = KnowledgeBase(settings)
    except Exception as exc:  # noqa: BLE001 - a folder that cannot be opened is the finding
        return "failed", f"cannot open: {type(exc).__name__}: {exc}", False
    try:
        first = check_kb(kb)
        if first.ok:
            verdict, detail = "passed", ""
        else:
            found = "; ".join(f"{f.name}: {f.detail}" for f in first.problems)
            repaired = check_kb(kb, repair=True)
            verdict = "repaired" if repaired.ok else "failed"
            detail = found if repaired.ok else "; ".join(f"{f.name}: {f.detail}" for f in repaired.problems)
        try:
            answers(kb)
            return verdict, detail, True
        except Exception as exc:  # noqa: BLE001 - whatever a query raises is the finding
            return verdict, f"{detail}; query failed: {type(exc).__name__}: {exc}", False
    finally:
        kb.close()


def _landing(strategy: str, tmp_seen: bool, fresh: bool, before: int, after: int) -> str:
    """Where a kill landed, from what the folder holds after it."""
    if tmp_seen:
        return "writing vectors.faiss"
    if strategy == "commit":
        if after > before:
            return "SQLite commit: a document"
        return "SQLite commit: the schema" if fresh else "SQLite commit: cut off"
    return "before the run's first commit" if after == before else "between commits"


def run(docs: Path, work: Path, model: Path, kills: int, seed: int, *, reference: Path | None = None,
        strategies: tuple[str, ...] = STRATEGIES, say: Callable[[str], None] = print) -> Summary:
    """Kill ``kills`` runs of ``kb index docs`` into a folder under ``work``; compare the end with ``reference``.

    Without ``reference``, a clean index of ``docs`` is built first under ``work``.
    """
    rng = random.Random(seed)
    summary = Summary()
    if reference is None:
        reference = work / "clean"
        summary.clean_seconds = build_reference(docs, reference, model)
        say(f"clean run: {summary.clean_seconds:.1f} s")
    whole_run = summary.clean_seconds or 30.0
    settings = load_settings(work / "crashed", model=str(model))
    total = _documents(load_settings(reference, model=str(model)))
    log = work / "child-stderr.log"
    while len(summary.kills) < kills:
        strategy = rng.choice(strategies)
        fresh = not (settings.home / "kb.sqlite").exists()
        before = _documents(settings)
        killed = _run_and_kill(_start(docs, settings.home, model, log), settings.home, strategy, rng, whole_run)
        if killed is None:
            summary.completed_runs += 1
            shutil.rmtree(settings.home)  # a whole run: start a new folder
            continue
        seconds, tmp_seen = killed
        after = _documents(settings)
        verdict, detail, queries_ok = _verify(settings)
        kill = Kill(len(summary.kills) + 1, strategy, round(seconds, 2), round(seconds / whole_run, 2),
                    _landing(strategy, tmp_seen, fresh, before, after), f"{after}/{total}", verdict, detail,
                    queries_ok)
        summary.kills.append(kill)
        say(f"#{kill.number:>3} {strategy:<7} {seconds:6.1f} s ({kill.fraction:4.0%})  {kill.landed:<30} "
            f"docs {kill.progress:<6} {verdict}{'' if queries_ok else ' QUERIES FAILED'}  {detail[:110]}")
    subprocess.run(_command(docs, settings.home, model), check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                   env=os.environ | {"HF_HUB_OFFLINE": "1"})
    ours, theirs = snapshot(settings), snapshot(load_settings(reference, model=str(model)))
    summary.final = {
        "check": ours["check"],
        "documents": (len(ours["documents"]), len(theirs["documents"]), ours["documents"] == theirs["documents"]),
        "chunks": (ours["chunks"], theirs["chunks"]),
        "top5_equal": {q: ours["answers"][q] == theirs["answers"][q] for q in QUERIES},
    }
    summary.final["equal"] = (ours["check"] and summary.final["documents"][2] and ours["chunks"] == theirs["chunks"]
                              and all(summary.final["top5_equal"].values()))
    return summary


def report(summary: Summary) -> str:
    """The summary table: where the kills landed and what the check said, then the final comparison."""
    lines = [(f"kills: {len(summary.kills)}   runs that finished before their kill: {summary.completed_runs}"
              f"   clean run: {summary.clean_seconds:.1f} s"), "",
             f"{'landed':<32}{'kills':>6}{'passed':>8}{'repaired':>10}{'failed':>8}{'queries ok':>12}"]
    by_landing: dict[str, list[Kill]] = {}
    for kill in summary.kills:
        by_landing.setdefault(kill.landed, []).append(kill)
    for landed, group in sorted(by_landing.items()) + [("all", summary.kills)]:
        verdicts = Counter(k.verdict for k in group)
        lines.append(f"{landed:<32}{len(group):>6}{verdicts['passed']:>8}{verdicts['repaired']:>10}"
                     f"{verdicts['failed']:>8}{sum(k.queries_ok for k in group):>12}")
    strategies = Counter(k.strategy for k in summary.kills)
    lines += ["", "by strategy: " + ", ".join(f"{s} {n}" for s, n in sorted(strategies.items()))]
    tenths = Counter(min(int(k.fraction * 10), 9) for k in summary.kills)
    lines.append("kill moment, tenths of a clean run: " +
                 " ".join(f"{10 * t}-{10 * t + 10}%:{tenths[t]}" for t in range(10)))
    repaired = Counter(d.split(":")[0] for k in summary.kills if k.verdict == "repaired" for d in k.detail.split("; "))
    if repaired:
        lines.append("repaired findings: " + ", ".join(f"{name} {n}" for name, n in sorted(repaired.items())))
    final = summary.final
    lines += ["", (f"final: check {'passed' if final['check'] else 'FAILED'}; documents {final['documents'][0]} vs "
                   f"{final['documents'][1]} ({'same' if final['documents'][2] else 'DIFFERENT'}); chunks "
                   f"{final['chunks'][0]} vs {final['chunks'][1]}; top-5 equal for "
                   f"{sum(final['top5_equal'].values())}/{len(final['top5_equal'])} queries"),
              f"final state equal to the clean index: {'yes' if final['equal'] else 'NO'}"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--extra", type=int, default=30, help="how many admin documents beside corpus/")
    parser.add_argument("--no-corpus", action="store_true", help="the admin documents only: a shorter run")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, deleted after)")
    parser.add_argument("--models", type=Path, help="where the converted model is kept (default: under --work)")
    args = parser.parse_args()
    logging.getLogger("kb").setLevel(logging.ERROR)  # a repair's notes are in each kill's line already
    work = args.work or Path(tempfile.mkdtemp(prefix="kb-crash-"))
    try:
        model = ensure_default_model(args.models or work / "models")
        warm_up(model, work)
        docs = prepare_folder(work / "docs", args.extra, corpus=not args.no_corpus)
        started = time.monotonic()
        summary = run(docs, work, model, args.kills, args.seed)
        print()
        print(report(summary))
        print(f"harness time: {time.monotonic() - started:.0f} s")
        return 0 if summary.passed else 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
