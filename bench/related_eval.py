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
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.errors import UnreadableFileError  # noqa: E402
from indexer.metadata import extract_metadata  # noqa: E402
from indexer.parse import FRAME_SECTIONS, parse_document  # noqa: E402
from indexer.read import read_file  # noqa: E402
from indexer.references import own_reference  # noqa: E402
from kb.config import Limits, load_settings  # noqa: E402
from kb.evaluation.bootstrap import interval  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.drafts import draft_from_text  # noqa: E402
from kb.retrieval.related import BasisWeights, Evidence, evidence, suggest_basis  # noqa: E402
from kb.retrieval.search import fuse, legs, read_query, render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
BATCH = 100  # files per `kb index` run
DISTRACTORS = 5  # laws nobody cites, drawn at random (a law of 100 articles takes a minute to index on two cores)
SEED = 16
CITES = ("basis", "implements")
CUTS = (5, 10)
BASELINE_HITS = 100  # passages the baseline's search reads, for ten documents
# The settings tried on the tuning half (``--tune``), kb.retrieval.related's default among them.
GRID = [BasisWeights(subject, cocited, similar, documents) for subject in (1.0, 0.5, 2.0) for cocited in (1.0, 0.5, 2.0)
        for similar in (0.5, 0.25, 1.0) for documents in (10, 5)]
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
    """Index the evaluation's files with the real model, ``BATCH`` at a time; files already indexed are skipped
    (``kb index`` skips unchanged files), so an interrupted build resumes and a built one is reused."""
    env = os.environ | {"KB_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for files in files_to_index(data):
        for start in range(0, len(files), BATCH):
            batch = [str(path) for path in files[start : start + BATCH]]
            print(f"indexing {len(batch)} files from {batch[0]}", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "kb", "index", *batch], env=env, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Draft:
    """An indexed document taken as a draft: its id, what it really cited, and its text without that."""

    doc_id: int
    number: str | None
    cited: list[frozenset[int]]  # each cited document with its copies
    text: str


def _without_overlap(previous: str, text: str) -> str:
    """``text`` less the sentences it repeats from the end of the passage before it (``indexer.passages``'
    overlap)."""
    for size in range(min(len(previous), len(text)), 0, -1):
        if previous.endswith(text[:size]) and (size == len(text) or text[size] in " \n"):
            return text[size:]
    return text


def _text_without(kb: KnowledgeBase, doc_id: int, spans: dict[int, list[tuple[int, int]]]) -> str:
    """The document's passages in order, each section's own heading once, with the ``spans`` (by chunk) cut out:
    its text as its author wrote it, less the căn cứ, without the site furniture the index dropped."""
    lines, section, previous = [], None, ""
    for chunk in kb.store.chunks.of_document(doc_id):
        if chunk["kind"] != "body":
            continue
        text = chunk["text"]
        for start, end in sorted(spans.get(chunk["id"], []), reverse=True):
            text = text[:start] + text[end:]
        if chunk["section"] != section:
            path = chunk["section"].split(" › ")
            if len(path) > 1 and path[-1] not in FRAME_SECTIONS.values():  # the first is the document's name
                lines.append(path[-1])
            section, previous = chunk["section"], ""
        lines.append(_without_overlap(previous, text).strip())
        previous = text
    return "\n".join(line for line in lines if line)


def drafts(kb: KnowledgeBase) -> list[Draft]:
    """Every indexed document that cites, as basis or implements, at least one other indexed document."""
    found = []
    for doc in kb.store.documents.listing():
        references = kb.store.documents.references_of(doc["id"])
        cited = list(dict.fromkeys(frozenset(r["candidates"]) for r in references
                                   if r["status"] == "resolved" and set(r["kinds"]) & set(CITES)))
        if not cited:
            continue
        spans: dict[int, list[tuple[int, int]]] = {}
        for ref in references:
            for relation in ref["relations"]:
                if relation["kind"] in CITES:
                    spans.setdefault(relation["chunk_id"], []).append((relation["sentence_start"], relation["sentence_end"]))
        found.append(Draft(doc["id"], doc["number"], cited, _text_without(kb, doc["id"], spans)))
    return found


def split(found: list[Draft]) -> tuple[list[Draft], list[Draft]]:
    """The tuning half and the held-out half, by a fixed shuffle of the drafts' ids."""
    order = sorted(found, key=lambda d: d.doc_id)
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    return order[:half], order[half:]


def baseline(kb: KnowledgeBase, found: Evidence, draft: Draft) -> list[int]:
    """Documents ranked by plain search with the draft's remaining text, each by its best passage: its title and
    body (not its header nor its signature), as much as a query holds."""
    text = " ".join([found.draft.meta.title or "", *(part.text for part in found.parts)])
    query, _ = read_query(kb, " ".join(text.split())[: kb.settings.limits.max_query_chars])
    ranked = fuse(legs(kb, query, None), kb.settings.weights, query.unaccented_vietnamese)
    documents = dict.fromkeys(hit.document.id for hit in render(kb, ranked, BASELINE_HITS))
    return [d for d in documents if d != draft.doc_id]


def scores(ranking: list[int], draft: Draft) -> dict[str, float]:
    """Precision and recall at each cut: a cited document counts once, whichever of its copies is ranked."""
    found = {}
    for cut in CUTS:
        top = set(ranking[:cut])
        hits = sum(1 for copies in draft.cited if copies & top)
        found[f"P@{cut}"] = hits / cut
        found[f"R@{cut}"] = hits / len(draft.cited)
    return found


def summary(rows: list[dict[str, float]]) -> dict[str, Any]:
    """Each figure's mean over the drafts with its 95% bootstrap interval."""
    return {name: {"mean": round(sum(r[name] for r in rows) / len(rows), 4), "ci95": interval([r[name] for r in rows])}
            for name in rows[0]} if rows else {}


def ranked(kb: KnowledgeBase, found: Evidence, draft: Draft, weights: BasisWeights) -> list[int]:
    suggestions = suggest_basis(kb, found, k=max(CUTS), weights=weights, exclude={draft.doc_id})
    return [s.document.id for s in sorted(suggestions, key=lambda s: s.rank)]


def evaluate(kb: KnowledgeBase, half: list[Draft], grid: list[BasisWeights]) -> dict[str, Any]:
    """kb related under each setting of ``grid``, and the baseline, on the drafts of one half."""
    gathered = [(d, evidence(kb, draft_from_text(d.text, kb.settings.limits), exclude={d.doc_id})) for d in half]
    return {
        "drafts": len(half), "cited": sum(len(d.cited) for d in half),
        "cited_in_remaining_text": sum(1 for d, e in gathered for copies in d.cited
                                       if any(c.status == "resolved" and copies & set(c.documents) for c in e.citations)),
        # the best any ranking can do: a draft citing one document has P@5 0.2 at most
        "ceiling": summary([{f"P@{cut}": min(len(d.cited), cut) / cut for cut in CUTS} for d in half]),
        "related": [{"weights": asdict(w), **summary([scores(ranked(kb, e, d, w), d) for d, e in gathered])}
                    for w in grid],
        # the same without step 1: what the subject and the similar documents' căn cứ find alone
        "related_without_own_citations": summary([scores(ranked(kb, replace(e, citations=[]), d, BasisWeights()), d)
                                                  for d, e in gathered]),
        "baseline": summary([scores(baseline(kb, e, d), d) for d, e in gathered]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--home", type=Path, default=Path("/tmp/related-eval"), help="the evaluation index (built once)")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--half", choices=("tuning", "held-out"), default="held-out")
    parser.add_argument("--tune", action="store_true", help="try every setting of GRID (on the tuning half only)")
    args = parser.parse_args()
    build(args.home, args.data)
    if args.build_only:
        return
    kb = KnowledgeBase(load_settings(args.home), create=False)
    tuning, held_out = split(drafts(kb))
    if args.tune and args.half != "tuning":
        parser.error("--tune only on the tuning half")
    grid = GRID if args.tune else [BasisWeights()]
    report = evaluate(kb, tuning if args.half == "tuning" else held_out, grid)
    if args.tune:
        report["related"].sort(key=lambda r: -(r["R@10"]["mean"] + r["P@5"]["mean"]))
    print(json.dumps({"half": args.half, "index": kb.store.stats.counts(), **report}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
