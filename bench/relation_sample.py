"""A seeded random sample of the relations found in folders of documents, for a person to check by kind.

Parses every file of the folders (parse only: no index, no embedding), takes
each citation in a body passage with its kind (``indexer.relations``) and
sentence, prints how many there are of each kind, then a sample drawn at
random with ``--seed``: plain (``--n`` of all), of one kind (``--kind``), or
stratified (``--per-kind N``: up to N of each kind but mentions, then mentions
up to ``--n``).  The same citation in the same sentence counts once, whatever
file holds it: the folders hold one text in several encodings, and laws both
as text and as Word files.  Each sampled relation is printed with its file,
kind, the cited number as printed, and its sentence with the citation in
[[ ]] and a little of the passage on each side, for a reader to mark right or
wrong; ``--tsv`` also writes the sample as a table to fill in: ``verdict``
(right or wrong) and, when wrong, ``should_be`` (the right kind, or "none"
when it is no citation).  ``--score TABLE`` reads such a filled-in table and
prints precision by kind with a Wilson 95% interval, and what the wrong ones
should have been (see docs/evaluation.md, "Relation kinds").  ``--exclude
TABLE`` (once for each earlier table) leaves out of the draw every relation
of an earlier table (the same file and place, or the same citation in the same
sentence anywhere), so a new sample is fresh.  ``--rescore TABLE --data DIR``
reads the table's files again from ``DIR`` with today's rules, takes each
judged relation's right kind (its kind when judged right, else
``should_be``), and scores the kinds the rules now give: after the rules
change, a judged sample still says how they do on it.

Run: ``.venv/bin/python bench/relation_sample.py ../shared/data/admin-docs [--n 100] [--seed 1]``;
``.venv/bin/python bench/relation_sample.py --score bench/truth/relations-20260303.tsv``;
``.venv/bin/python bench/relation_sample.py --rescore bench/truth/relations-20260303.tsv --data ../shared/data``.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.errors import IndexerError  # noqa: E402
from indexer.limits import ReadingLimits  # noqa: E402
from indexer.parse import parse_document  # noqa: E402
from indexer.read import read_file, unsupported_reason, walk_files  # noqa: E402
from indexer.relations import KINDS, MENTIONS  # noqa: E402

_SENTENCE_CHARS = 500  # a longer sentence is cut around its citation: enough to judge its kind
_AROUND = 80  # characters of the passage shown on each side of the sentence


@dataclass(frozen=True)
class Found:
    """One citation with its kind, where it is, and what a reader needs to judge the kind."""

    kind: str
    printed: str
    file: str
    where: str  # "passage start + citation start": characters into the document, stable between runs
    before: str
    sentence: str
    after: str


def _flat(text: str) -> str:
    return " ".join(text.split())


def relations_in(folders: list[Path]) -> list[Found]:
    """Every citation in the body passages of the folders' files, each citation-in-its-sentence once."""
    found: dict[tuple[str, str, str], Found] = {}
    for folder in folders:
        for entry in walk_files(folder):
            if not entry.skip and not unsupported_reason(entry.path):
                for key, item in _file_relations(entry.path, folder.parent):
                    found.setdefault(key, item)
    return list(found.values())


def _file_relations(path: Path, root: Path) -> list[tuple[tuple[str, str, str], Found]]:
    """Each citation of the file's body passages, keyed by kind, number as printed and sentence."""
    try:
        parsed = parse_document(read_file(path, limits=ReadingLimits()))
    except IndexerError:  # a file kb would skip when indexing (a web page without its text)
        return []
    found = []
    for chunk in parsed.chunks:
        if chunk.kind == "body":
            for ref in chunk.references:
                text = chunk.text
                start, end = ref.sentence_start, ref.sentence_end
                sentence = (text[start:ref.char_start] + "[[" + text[ref.char_start:ref.char_end] + "]]"
                            + text[ref.char_end:end])
                item = Found(ref.kind, _flat(ref.text), str(path.relative_to(root)),
                             f"{chunk.char_start}+{ref.char_start}", _flat(text[max(0, start - _AROUND):start]),
                             _cut(_flat(sentence)), _flat(text[end:end + _AROUND]))
                found.append(((item.kind, item.printed, _flat(text[start:end])), item))
    return found


def _judged(table: Path) -> list[dict[str, str]]:
    with table.open(encoding="utf-8") as rows:
        return list(csv.DictReader(rows, delimiter="\t"))


def excluding(found: list[Found], tables: list[Path]) -> list[Found]:
    """``found`` without the relations of earlier tables: the same file and place, or the same sentence."""
    judged = [row for table in tables for row in _judged(table)]
    places = {(row["file"], row["where"]) for row in judged}
    sentences = {row["sentence"] for row in judged}
    return [f for f in found if (f.file, f.where) not in places and f.sentence not in sentences]


def _cut(sentence: str) -> str:
    """The sentence, or as much of it around the citation as ``_SENTENCE_CHARS`` allows."""
    if len(sentence) <= _SENTENCE_CHARS:
        return sentence
    middle = sentence.index("[[")
    first = max(0, min(middle - _SENTENCE_CHARS // 2, len(sentence) - _SENTENCE_CHARS))
    return ("…" if first else "") + sentence[first:first + _SENTENCE_CHARS] + "…"


def sample(found: list[Found], n: int, seed: int, kind: str | None, per_kind: int | None) -> list[Found]:
    """The relations to check: see the module's docstring.  Each stratum is drawn with its own generator
    seeded by ``seed`` and the kind, so adding a kind to the data does not redraw the others."""
    def draw(of_kind: str, count: int) -> list[Found]:
        pool = [f for f in found if f.kind == of_kind]
        return random.Random(f"{seed}:{of_kind}").sample(pool, min(count, len(pool)))

    if kind:
        return draw(kind, n)
    if per_kind is None:
        return random.Random(seed).sample(found, min(n, len(found)))
    chosen = [f for k in KINDS if k != MENTIONS for f in draw(k, per_kind)]
    return chosen + draw(MENTIONS, n - len(chosen))


def wilson(right: int, checked: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of ``right / checked``: sound at the small counts of a hand check."""
    if not checked:
        return 0.0, 1.0
    share, spread = right / checked, z * z / checked
    middle = (share + spread / 2) / (1 + spread)
    half = z * math.sqrt(share * (1 - share) / checked + spread / (4 * checked)) / (1 + spread)
    return max(0.0, middle - half), min(1.0, middle + half)


def rescored(table: Path, data: Path) -> list[dict[str, str]]:
    """The judged table with each row's kind as today's rules read it, and its verdict and ``should_be`` to match."""
    judged = _judged(table)
    now: dict[tuple[str, str], str] = {}
    for file in sorted({row["file"] for row in judged}):
        now.update(((item.file, item.where), item.kind) for _, item in _file_relations(data / file, data))
    rows = []
    for row in judged:
        truth = row["kind"] if row["verdict"] == "right" else row["should_be"]
        kind = now[(row["file"], row["where"])]
        rows.append({**row, "kind": kind, "verdict": "right" if kind == truth else "wrong",
                     "should_be": "" if kind == truth else truth})
    return rows


def score(judged: list[dict[str, str]]) -> None:
    """Print precision by kind, its interval, and the kinds the wrong ones should have had, from judged rows."""
    print("| kind | right / checked | precision | Wilson 95% | what the wrong ones should be |\n|---|---|---|---|---|")
    for kind in KINDS:
        rows_of = [r for r in judged if r["kind"] == kind]
        right = sum(r["verdict"] == "right" for r in rows_of)
        low, high = wilson(right, len(rows_of))
        confusion = Counter(r["should_be"] for r in rows_of if r["verdict"] != "right")
        shown = ", ".join(f"{k} {c}" for k, c in confusion.most_common()) or "-"
        share = f"{right / len(rows_of):.2f}" if rows_of else "-"
        print(f"| {kind} | {right} / {len(rows_of)} | {share} | {low:.2f}-{high:.2f} | {shown} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="*")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", choices=KINDS, help="sample only relations of this kind")
    parser.add_argument("--per-kind", type=int, help="up to this many of each kind but mentions, the rest mentions")
    parser.add_argument("--tsv", type=Path, help="also write the sample here, with empty columns for the judgments")
    parser.add_argument("--score", type=Path, help="print precision by kind from a judged table instead of sampling")
    parser.add_argument("--exclude", type=Path, action="append", default=[],
                        help="leave out the relations of this earlier table (repeat for several)")
    parser.add_argument("--rescore", type=Path, help="score a judged table with the kinds today's rules give")
    parser.add_argument("--data", type=Path, help="with --rescore: the folder the table's file names start from")
    args = parser.parse_args()
    if args.score:
        score(_judged(args.score))
        return
    if args.rescore:
        if not args.data:
            parser.error("--rescore needs --data, the folder the table's files are in (../shared/data)")
        score(rescored(args.rescore, args.data))
        return
    if not args.folders:
        parser.error("name the folders to sample, or --score a judged table")
    found = relations_in(args.folders)
    if args.exclude:
        found = excluding(found, args.exclude)
    drawn = sample(found, args.n, args.seed, args.kind, args.per_kind)
    everywhere, sampled = Counter(f.kind for f in found), Counter(f.kind for f in drawn)
    print(f"{len(found)} relations in {', '.join(map(str, args.folders))}; kind: all / sampled")
    for kind in KINDS:
        print(f"  {kind:11} {everywhere[kind]:6} {sampled[kind]:4}")
    for number, f in enumerate(drawn, 1):
        print(f"\n#{number} [{f.kind}] {f.printed}  ({f.file} @{f.where})\n    …{f.before} ‖ {f.sentence} ‖ {f.after}…")
    if args.tsv:
        with args.tsv.open("w", newline="", encoding="utf-8") as out:
            table = csv.writer(out, delimiter="\t", lineterminator="\n")
            table.writerow(["n", "file", "where", "kind", "printed", "verdict", "should_be", "note", "sentence"])
            for number, f in enumerate(drawn, 1):
                table.writerow([number, f.file, f.where, f.kind, f.printed, "", "", "", f.sentence])


if __name__ == "__main__":
    main()
