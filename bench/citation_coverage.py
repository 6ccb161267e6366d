"""How many real documents get a full citation in official form, and a sample to check by hand against each header.

Reads and parses (no model, no index) every file of a folder of ``../shared/data`` as
``kb index`` would, builds each document's citation with ``indexer.citation``, and
counts those with all four of type, number, date and issuer (the subject is counted
apart: a letter may have none).  ``--sample N`` prints N citations chosen at random
(``--seed``) beside the first lines of their file, for a person to compare.

Run: ``.venv/bin/python bench/citation_coverage.py [--data DIR] [--sample 20] [--seed 16]``.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.citation import citation
from indexer.errors import UnreadableFileError
from indexer.limits import ReadingLimits
from indexer.parse import parse_document
from indexer.read import read_file

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "admin-docs" / "docs"
SUFFIXES = (".md", ".txt", ".docx", ".pdf", ".html")


def _header(text: str, lines: int = 24) -> str:
    """The first lines of the text as read that hold a word (not rules or table pipes): where the header stands."""
    worded = [line.strip(" |*_") for line in text.splitlines() if any(c.isalnum() for c in line)]
    return " / ".join(worded[:lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    cited = []
    for path in sorted(p for p in args.data.rglob("*") if p.suffix.lower() in SUFFIXES):
        try:
            source = read_file(path, limits=ReadingLimits())
        except UnreadableFileError:
            counts["unreadable"] += 1
            continue
        meta = parse_document(source).meta
        counts["documents"] += 1
        text = citation(meta.doc_type, meta.number, meta.date, meta.issuer, meta.subject, meta.title)
        if text:
            counts["with a citation"] += 1
        if all((meta.doc_type, meta.number, meta.date, meta.issuer)):
            counts["type+number+date+issuer"] += 1
            counts["… and a subject"] += bool(meta.subject)
        for name in ("doc_type", "number", "date", "issuer", "subject"):
            counts[f"missing {name}"] += not getattr(meta, name)
        cited.append((path, text, source.text))
    total = counts["documents"]
    for name, count in counts.items():
        share = f" ({count / total:.1%})" if total and name != "documents" and name != "unreadable" else ""
        print(f"{name}: {count}{share}")
    for path, text, whole in random.Random(args.seed).sample(cited, min(args.sample, len(cited))):
        print(f"\n== {path.name}\n-> {text}\n{_header(whole)}")


if __name__ == "__main__":
    main()
