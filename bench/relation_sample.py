"""A seeded random sample of the relations found in a folder of documents, for a person to check by kind.

Parses every file of the folder (parse only: no index, no embedding), takes
each citation in a body passage with its kind (``indexer.relations``) and
sentence, prints how many there are of each kind, then ``--n`` of them drawn
at random with ``--seed``: kind, cited number as printed, file and sentence.
A reader marks each right or wrong; precision by kind is what the marks give.

Run: ``.venv/bin/python bench/relation_sample.py ../shared/data/admin-docs [--n 100] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.errors import IndexerError  # noqa: E402
from indexer.limits import ReadingLimits  # noqa: E402
from indexer.parse import parse_document  # noqa: E402
from indexer.read import read_file, unsupported_reason, walk_files  # noqa: E402
from indexer.relations import KINDS  # noqa: E402

_SENTENCE_CHARS = 400  # a longer sentence is cut: enough to judge its kind


def relations_in(folder: Path) -> list[tuple[str, str, str, str]]:
    """``(kind, printed, file, sentence)`` of every citation in the body passages of the folder's files."""
    found = []
    for entry in walk_files(folder):
        path = entry.path
        if entry.skip or unsupported_reason(path):
            continue
        try:
            parsed = parse_document(read_file(path, limits=ReadingLimits()))
        except IndexerError:  # a file kb would skip when indexing (a web page without its text)
            continue
        for chunk in parsed.chunks:
            if chunk.kind != "body":
                continue
            for ref in chunk.references:
                sentence = " ".join(chunk.text[ref.sentence_start:ref.sentence_end].split())
                found.append((ref.kind, " ".join(ref.text.split()), path.name, sentence[:_SENTENCE_CHARS]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    found = relations_in(args.folder)
    sample = random.Random(args.seed).sample(found, min(args.n, len(found)))
    everywhere, sampled = Counter(r[0] for r in found), Counter(r[0] for r in sample)
    print(f"{len(found)} relations in {args.folder}; kind: all / sampled")
    for kind in KINDS:
        print(f"  {kind:11} {everywhere[kind]:6} {sampled[kind]:4}")
    for number, (kind, printed, name, sentence) in enumerate(sample, 1):
        print(f"\n#{number} [{kind}] {printed}  ({name})\n    {sentence}")


if __name__ == "__main__":
    main()
