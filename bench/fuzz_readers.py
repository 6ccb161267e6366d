"""Fuzz every reader kb indexes with: mutate real files, and hold each reader to its contract.

    .venv/bin/python bench/fuzz_readers.py --seconds 60 [--only docx,pdf] [--out DIR] [--seed N]

The contract (``indexer/read.py``): whatever the bytes, ``read_file`` returns
text or raises ``UnreadableFileError`` (``LimitExceededError`` for a file over
a limit), and never hangs.  Any other exception is a crash; an input that
runs longer than ``--hang`` seconds is a hang.

Each target is one reader fed one kind of file: plain text in every encoding
kb reads (UTF-8, UTF-16 with and without BOM, NFD, TCVN3, VNI, VISCII,
Windows-1258), Markdown saved from the legal site, Word, PDF and HTML.  Seeds
are real files (``corpus/``, ``../shared/data/encodings``, a few Word and PDF
files of ``../shared/data/docx-pdf`` and saved pages of ``admin-docs``) and
pages built from them; each input is a seed with one to four mutations
stacked: bit flips, interesting bytes, truncation, chunks deleted, repeated
or inserted, numbers swapped for extreme ones, a 200,000-character line,
random bytes; in Word files a part of the zip is unpacked, mutated (bytes or
WordprocessingML fragments) and packed again, or dropped; in PDF files the
body is mutated between the header and ``%%EOF``; in HTML tags, deep nesting
and ``<meta charset>`` with any codec name are inserted.  ``tests/
test_fuzz_readers.py`` runs the same mutations under hypothesis, which
shrinks what it finds.

Each target runs in a child process under a 4 GiB address-space limit, so a
memory blow-up is a ``MemoryError`` crash, and a watchdog kills a child stuck
on one input (C code, such as PDFium or a regular expression, cannot be
interrupted from inside).  Each new crash is shrunk (chunks deleted while the
same exception at the same place recurs) and saved under ``--out`` with the
slowest input of each target.  Printed per target: inputs tried, how many
returned text and how many were refused, crashes (distinct), hangs, the
slowest input and the mean time per input.

The targets, their seeds and the mutations are in ``fuzz_targets.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz_targets import TARGETS, Target, mutate  # noqa: E402

from indexer.errors import UnreadableFileError  # noqa: E402
from indexer.read import read_file  # noqa: E402
from kb.config import Limits  # noqa: E402

# --- running one target --------------------------------------------------------

LIMITS = Limits()
MEMORY_LIMIT = 4 << 30


def outcome(path: Path) -> tuple[str, str | None]:
    """``("text", None)``, ``("refused", None)``, or ``("crash", signature)`` for reading ``path``."""
    try:
        read_file(path, limits=LIMITS)
    except UnreadableFileError:
        return "refused", None
    except Exception as exc:  # noqa: BLE001 - anything else breaks the contract: that is what is sought
        return "crash", signature(exc)
    return "text", None


def signature(exc: BaseException) -> str:
    """The exception's type and where it was raised: in kb's code, and innermost."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/site-packages/" not in f.filename and f.filename.startswith(str(ROOT))]
    where = [f"{Path(f.filename).name}:{f.lineno}" for f in (ours[-1:] + frames[-1:])]
    return f"{type(exc).__name__} at {' / '.join(dict.fromkeys(where))}: {str(exc)[:120]}"


def shrink(data: bytes, path: Path, wanted: str, seconds: float = 20.0) -> bytes:
    """Delete chunks of ``data`` while reading it still crashes at the same place (the message may change)."""
    place = wanted.split(":", 2)[:2]
    deadline = time.monotonic() + seconds
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        start, smaller = 0, False
        while start < len(data) and time.monotonic() < deadline:
            candidate = data[:start] + data[start + chunk:]
            path.write_bytes(candidate)
            kind, found = outcome(path)
            if kind == "crash" and found.split(":", 2)[:2] == place:
                data, smaller = candidate, True
            else:
                start += chunk
        if not smaller:
            chunk //= 2
    return data


@dataclass
class Figures:
    """What one target's run found."""

    target: str
    inputs: int = 0
    text: int = 0
    refused: int = 0
    crashes: int = 0
    hangs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_file: str = ""
    distinct: dict[str, str] = field(default_factory=dict)  # signature -> saved input


def _worker(target: Target, seconds: float, seed: int, work: Path, out: Path, started, conn) -> None:
    """Fuzz ``target`` for ``seconds``; send its ``Figures`` back. ``started`` holds the current input's start."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    rng, seeds = random.Random(seed), target.seeds()
    figures = Figures(target.name)
    path, slowest = work / f"input{target.suffix}", b""
    deadline = time.monotonic() + seconds
    while seeds and time.monotonic() < deadline:
        data = mutate(rng.choice(seeds), rng, target)
        path.write_bytes(data)
        started.value = time.monotonic()
        begun = time.perf_counter()
        kind, found = outcome(path)
        elapsed = time.perf_counter() - begun
        started.value = 0.0
        figures.inputs += 1
        figures.seconds += elapsed
        if elapsed > figures.slowest:
            figures.slowest, slowest = elapsed, data
        if kind != "crash":
            setattr(figures, kind, getattr(figures, kind) + 1)
            continue
        figures.crashes += 1
        if found not in figures.distinct:
            saved = out / f"{target.name}-crash-{len(figures.distinct) + 1}{target.suffix}"
            saved.write_bytes(shrink(data, path, found))
            figures.distinct[found] = str(saved)
    if slowest:
        figures.slowest_file = str(out / f"{target.name}-slowest{target.suffix}")
        Path(figures.slowest_file).write_bytes(slowest)
    conn.send(figures)


def run_target(target: Target, seconds: float, seed: int, out: Path, hang: float) -> Figures:
    """Fuzz one target in child processes; a child stuck on one input for ``hang`` seconds is killed and restarted."""
    context = multiprocessing.get_context("fork")
    total = Figures(target.name)
    deadline = time.monotonic() + seconds
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as work:
        while (left := deadline - time.monotonic()) > 1:
            started = context.Value("d", 0.0)
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_worker, args=(target, left, seed, Path(work), out, started, send))
            child.start()
            result = _watch(child, receive, started, hang, left)
            if isinstance(result, Figures):
                _add(total, result)
            else:  # keep the input it was reading when it hung or died
                number = len(total.distinct) + 1
                saved = out / f"{target.name}-{result.split()[0]}-{number}{target.suffix}"
                stuck = next(Path(work).glob("input*"), None)
                saved.write_bytes(stuck.read_bytes() if stuck else b"")
                total.hangs += result.startswith("hang")
                total.crashes += result.startswith("died")
                total.distinct[f"{result} #{number}"] = str(saved)
            seed += 1
    return total


def _watch(child, receive, started, hang: float, budget: float) -> Figures | str:
    """The child's figures, or why it was lost: a hang on one input, a death, or overrunning its budget."""
    end = time.monotonic() + budget + hang + 30  # shrinking a last crash may run past the budget
    why = "overran its budget (mutating or shrinking, not reading)"
    while time.monotonic() < end:
        if receive.poll(0.5):
            result = receive.recv()
            child.join()
            return result
        if not child.is_alive():
            return f"died with exit code {child.exitcode} (a crash in C code, or out of memory)"
        if started.value and time.monotonic() - started.value > hang:
            why = f"hang: over {hang:g} s on one input"
            break
    child.kill()
    child.join()
    return why


def _add(total: Figures, part: Figures) -> None:
    for name in ("inputs", "text", "refused", "crashes", "hangs", "seconds"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    if part.slowest > total.slowest:
        total.slowest, total.slowest_file = part.slowest, part.slowest_file
    for found, saved in part.distinct.items():
        total.distinct.setdefault(found, saved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="time budget per target")
    parser.add_argument("--only", default="", help="comma-separated target names (default: all)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kb-fuzz",
                        help="where the crashing, hanging and slowest inputs are saved")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hang", type=float, default=20, help="seconds on one input that count as a hang")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    chosen = [t for t in TARGETS if not args.only or t.name in args.only.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for target in chosen:
        if not target.seeds():
            print(f"{target.name}: no seed files (is ../shared/data here?); skipped", file=sys.stderr)
            continue
        figures = run_target(target, args.seconds, args.seed, args.out, args.hang)
        results.append(figures)
        print(f"{target.name}: {figures.inputs} inputs, {len(figures.distinct)} distinct problems", file=sys.stderr)
    if args.json:
        print(json.dumps([asdict(f) for f in results], indent=2, ensure_ascii=False))
    else:
        _print_table(results, args.out)
    return 1 if any(f.crashes or f.hangs for f in results) else 0


def _print_table(results: list[Figures], out: Path) -> None:
    print(f"{'target':<11} {'inputs':>7} {'text':>6} {'refused':>7} {'crashes':>7} {'hangs':>5} "
          f"{'slowest s':>9} {'mean ms':>7}")
    for f in results:
        mean = 1000 * f.seconds / max(f.inputs, 1)
        print(f"{f.target:<11} {f.inputs:>7} {f.text:>6} {f.refused:>7} {f.crashes:>7} {f.hangs:>5} "
              f"{f.slowest:>9.3f} {mean:>7.1f}")
    for f in results:
        for found, saved in f.distinct.items():
            print(f"  {f.target}: {found}\n    input: {saved}")
    print(f"Inputs kept in {out}")


if __name__ == "__main__":
    raise SystemExit(main())
