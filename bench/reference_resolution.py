"""How the citations in real documents resolve to indexed documents, and a sample to check by hand.

Indexes ``admin-docs/``, ``laws-txt/`` and ``docx-pdf/`` of ``../shared/data``
into a private index folder, parse-only: documents, passages and citations go
into the database, no vectors are computed (linking citations reads only the
database, and the model would take most of an hour on this material).  The
folder is for this bench alone (``kb search`` on it would find no vectors);
a later run reuses it, ``--reindex`` starts it again.

Prints, per folder of the citing document, how many of its citations (each
document's distinct citations, as ``kb show`` lists them) are resolved,
ambiguous or unresolved, and how many mentions of their own number were left
out; checks that every document's "cited by" is exactly the documents whose
resolved citations name it; and writes a random sample of resolved citations
(citing document, citation as printed with its context, cited document's
number and title) for a person to check.

Run: ``.venv/bin/python bench/reference_resolution.py [--home DIR] [--sample FILE] [--seed N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.boilerplate import FurnitureLines, find_furniture  # noqa: E402
from indexer.parse import parse_document  # noqa: E402
from indexer.read import read_file, unsupported_reason, walk_files  # noqa: E402
from kb.config import Limits  # noqa: E402
from kb.storage.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("admin-docs", "laws-txt", "docx-pdf")
NOT_DOCUMENTS = ("metadata.json", "SOURCE.txt", "README.md")
STATUSES = ("resolved", "ambiguous", "unresolved")


def _files(data: Path) -> list[Path]:
    return [found.path for folder in FOLDERS for found in walk_files(data / folder)
            if found.skip is None and unsupported_reason(found.path) is None and found.path.name not in NOT_DOCUMENTS]


def index(store: Store, data: Path) -> None:
    """Read and parse every file (site notices learned over all of them, as ``kb index`` does), then store it."""
    texts = {}
    for path in _files(data):
        try:
            texts[path] = read_file(path, limits=Limits())
        except Exception as exc:  # noqa: BLE001 - a file kb index would report: left out here too
            print(f"left out {path.relative_to(data)}: {exc}", file=sys.stderr)
    counter = FurnitureLines()
    for text in texts.values():
        counter.add(text.text)
    boilerplate = counter.lines()
    for path, text in texts.items():
        with store.db.transaction():
            parsed = parse_document(text, find_furniture(text.text, boilerplate))
            store.documents.add(parsed, path=str(path), source=str(path.relative_to(data)),
                                content_hash=hashlib.sha256(text.text.encode("utf-8")).hexdigest())


def _self_mentions(store: Store, doc_id: int, listed: int) -> int:
    """Distinct citations of the document that ``references_of`` left out: its own number."""
    total = store.db.execute("SELECT count(*) FROM (SELECT 1 FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
                             "WHERE c.document_id = ? AND r.is_self = 0 GROUP BY r.full_key, r.year, r.date)",
                             [doc_id]).fetchone()[0]
    return int(total) - listed


def survey(store: Store) -> tuple[dict[str, Counter[str]], list[dict[str, Any]], int]:
    """Counts per folder and status, every resolved citation with its citing document, and disagreements
    between what documents cite and what they are cited by."""
    documents = store.documents.listing()
    table: dict[str, Counter[str]] = {folder: Counter() for folder in FOLDERS}
    resolved: list[dict[str, Any]] = []
    cited_by: dict[int, set[int]] = {d["id"]: set() for d in documents}
    for doc in documents:
        references = store.documents.references_of(doc["id"])
        counts = table[doc["source"].split("/")[0]]
        counts.update(r["status"] for r in references)
        counts["own number, left out"] += _self_mentions(store, doc["id"], len(references))
        for ref in references:
            for target in ref["candidates"] if ref["status"] == "resolved" else ():
                cited_by[target].add(doc["id"])
        resolved += [dict(ref, citing=doc) for ref in references if ref["status"] == "resolved"]
    disagreements = sum(1 for doc_id, citers in cited_by.items()
                        if {d["id"] for d in store.documents.citing(doc_id)} != citers)
    return table, resolved, disagreements


def print_table(table: dict[str, Counter[str]]) -> None:
    columns = (*STATUSES, "own number, left out")
    print(f"{'citing folder':<14}" + "".join(f"{c:>22}" for c in columns))
    for folder, counts in [*table.items(), ("all", sum(table.values(), Counter()))]:
        print(f"{folder:<14}" + "".join(f"{counts[c]:>22}" for c in columns))


def _context(store: Store, doc_id: int, printed: str) -> str:
    """The citation with some words around it, from the first passage that prints it."""
    for chunk in store.chunks.of_document(doc_id):
        at = chunk["text"].find(printed)
        if at >= 0:
            return " ".join(chunk["text"][max(0, at - 80): at + len(printed) + 80].split())
    return ""


def write_sample(store: Store, resolved: list[dict[str, Any]], out: Path, size: int, seed: int) -> None:
    """One block per citation: what to compare is the citation (and its context) with the cited title."""
    lines = [f"# {size} resolved citations drawn at random (seed {seed}) from {len(resolved)}", ""]
    for n, ref in enumerate(random.Random(seed).sample(resolved, min(size, len(resolved))), start=1):
        cited = store.documents.get(ref["document_id"])
        citing = ref["citing"]
        lines += [
            f"## {n}. {' '.join(ref['printed'].split())}",
            f"- citing: {citing['source']} — {citing['number'] or '(no number)'} — {citing['title'] or ''}",
            f"- context: …{_context(store, citing['id'], ref['printed'])}…",
            f"- resolved to: {cited['number']} — {cited['doc_type'] or ''} {cited['title'] or ''} — {cited['date']} "
            f"({len(ref['candidates'])} cop{'y' if len(ref['candidates']) == 1 else 'ies'})",
            "",
        ]
    out.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--home", type=Path, default=Path("/tmp/kb-bench-references"),
                        help="index folder for this bench (reused when it holds documents)")
    parser.add_argument("--reindex", action="store_true", help="start the index folder again")
    parser.add_argument("--sample", type=Path, default=Path("reference_sample.md"), help="where the sample goes")
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    database = args.home / "kb.sqlite"
    if args.reindex:
        for path in args.home.glob("kb.sqlite*"):
            path.unlink()
    args.home.mkdir(parents=True, exist_ok=True)
    store = Store(database)
    if store.documents.count() == 0:
        started = time.perf_counter()
        index(store, args.data)
        print(f"indexed {store.documents.count()} documents (parse only) in {time.perf_counter() - started:.0f} s")
    table, resolved, disagreements = survey(store)
    print_table(table)
    print(f"documents whose 'cited by' differs from the citations that name them: {disagreements}")
    write_sample(store, resolved, args.sample, args.size, args.seed)
    print(f"sample of {min(args.size, len(resolved))} resolved citations: {args.sample}")
    store.close()


if __name__ == "__main__":
    main()
