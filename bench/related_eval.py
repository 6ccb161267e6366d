"""How well ``kb related`` finds the căn cứ of a draft: precision and recall at 5 and 10, against a search baseline.

The evaluation index holds ``admin-docs/`` of ``../shared/data`` (199 administrative
documents of November 2025 with their text), the laws of ``laws-txt/`` those
documents cite as their basis or as what they carry out, and as many other laws
drawn at random (a fixed seed), so that a law in the index is not a căn cứ by
being there.  It is built once with the real model through ``kb index`` (in
batches of at most ``BATCH`` files) into a private folder, and reused.

A *draft* is an indexed document with at least one basis / implements citation
resolved to another indexed document (``kb.storage.documents.references_of``):
what it really cited.  For each draft, its own text loses every sentence that
holds such a citation (the ``Căn cứ …`` / ``Thực hiện …`` lines: the relation's
sentence, as stored) and is given to ``kb.retrieval.related.related`` with the
draft itself (and its copies) left out of the candidates; the căn cứ it returns
are ranked documents.  The baseline ranks documents by plain ``kb`` search with
the same remaining text (each document by its best passage).

The drafts are split in two by a fixed seed: the tuning half is the only one
any setting of ``related`` was chosen on; the held-out half's figures are the
ones docs/evaluation.md reports, with 95% bootstrap intervals.

Run: ``.venv/bin/python bench/related_eval.py [--home DIR] [--half tuning|held-out|all] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.errors import UnreadableFileError  # noqa: E402
from indexer.metadata import extract_metadata  # noqa: E402
from indexer.parse import parse_document  # noqa: E402
from indexer.read import read_file  # noqa: E402
from indexer.references import own_reference  # noqa: E402
from kb.config import Limits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
BATCH = 100  # files per `kb index` run
DISTRACTORS = 20  # laws nobody cites, drawn at random
SEED = 16
CITES = ("basis", "implements")
HEADER_CHARS = 5000  # a law's number and date stand in its first lines


def _cited_laws(admin: list[Path], laws: list[Path]) -> set[Path]:
    """The laws whose own number (and year) an administrative document cites as basis or implements."""
    numbers: dict[tuple[str, str | None], list[Path]] = {}
    for law in laws:
        meta = extract_metadata(read_file(law, limits=Limits()).text[:HEADER_CHARS])
        own = own_reference(meta.number, meta.doc_type) if meta.number else None
        if own:
            numbers.setdefault((own.key, own.year or (meta.date or "")[:4]), []).append(law)
    cited: set[Path] = set()
    for path in admin:
        try:
            parsed = parse_document(read_file(path, limits=Limits()))
        except UnreadableFileError:
            continue  # a saved page without its document: kb index reports it too
        for ref in parsed.references:
            if ref.kind in CITES:
                cited.update(law for (key, year), found in numbers.items() for law in found
                             if key == ref.key and ref.issued_year in (None, year))
    return cited


def files_to_index(data: Path) -> list[list[Path]]:
    """admin-docs, then the laws they cite and ``DISTRACTORS`` laws drawn with ``SEED`` among the others:
    two groups, indexed apart, so that each learns its own site furniture (``indexer.boilerplate``)."""
    admin = sorted((data / "admin-docs" / "docs").glob("*.md"))
    laws = sorted((data / "laws-txt").glob("*.txt"))
    cited = _cited_laws(admin, laws)
    others = [law for law in laws if law not in cited]
    return [admin, sorted(cited) + sorted(random.Random(SEED).sample(others, min(DISTRACTORS, len(others))))]


def build(home: Path, data: Path) -> None:
    """Index the evaluation's files with the real model, ``BATCH`` at a time; a folder that has an index is reused."""
    if (home / "kb.sqlite").is_file():
        return
    env = os.environ | {"KB_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for files in files_to_index(data):
        for start in range(0, len(files), BATCH):
            batch = [str(path) for path in files[start : start + BATCH]]
            print(f"indexing {len(batch)} files from {batch[0]}", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "kb", "index", *batch], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--home", type=Path, default=Path("/tmp/related-eval"), help="the evaluation index (built once)")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    build(args.home, args.data)
    if args.build_only:
        return
    report: dict[str, Any] = {}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
