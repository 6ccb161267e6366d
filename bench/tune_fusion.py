"""Choose the fusion method and weights by measurement (a benchmark, not a test).

    .venv/bin/python bench/tune_fusion.py [--questions ../shared/eval/dev.jsonl]

Indexes corpus/ into a temporary folder (or uses --home), runs every question
as typed and with its accents stripped, computes each retrieval leg once, then
scores every fusion variant on the same legs: MRR@10 and hit@5 per variant.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.normalize import fold  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.evaluate import is_relevant, load_questions  # noqa: E402
from kb.fusion import reciprocal_rank, weighted_sum  # noqa: E402
from kb.indexing import index_paths  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.query import understand  # noqa: E402
from kb.search import legs  # noqa: E402


def first_relevant(kb: KnowledgeBase, fused: list[tuple[int, float]], question: dict) -> int | None:
    top = [chunk_id for chunk_id, _ in fused[:10]]
    hits = kb.store.hits(top)
    for rank, chunk_id in enumerate(top, start=1):
        hit = hits[chunk_id]
        result = {"text": hit["text"], "document": {"source": hit["doc_source"]}}
        if is_relevant(result, question):
            return rank
    return None


def variants() -> list[tuple[str, object, dict]]:
    out = []
    for dense, lexical, reference in itertools.product((0.3, 0.5, 0.7, 1.0), (0.3, 0.5, 0.7, 1.0), (0.3, 0.6, 1.0)):
        weights = {"dense": dense, "lexical": lexical, "reference": reference}
        out.append((f"sum d={dense} l={lexical} r={reference}", weighted_sum, weights))
    for reference in (0.5, 1.0, 2.0):
        weights = {"dense": 1.0, "lexical": 1.0, "reference": reference}
        out.append((f"rrf d=1 l=1 r={reference}", reciprocal_rank, weights))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(load_settings(args.home or Path(tmp)))
        if not args.home:
            index_paths(kb, [ROOT / "corpus"])
        asked = [(q, form, legs(kb, understand(text), None))
                 for q in questions for form, text in (("typed", q["query"]), ("no accents", fold(q["query"])))]
        rows = []
        for name, fuse, weights in variants():
            figures = {}
            for form in ("typed", "no accents"):
                ranks = [first_relevant(kb, fuse(leg, weights), q) for q, f, leg in asked if f == form]
                figures[form] = (sum(1 / r for r in ranks if r) / len(ranks), sum(1 for r in ranks if r and r <= 5) / len(ranks))
            rows.append((name, figures))
    rows.sort(key=lambda row: -(row[1]["typed"][0] + row[1]["no accents"][0]))
    print(f"{'variant':32} {'MRR typed':>10} {'hit@5':>6} {'MRR no acc.':>12} {'hit@5':>6}")
    for name, f in rows:
        print(f"{name:32} {f['typed'][0]:10.3f} {f['typed'][1]:6.2f} {f['no accents'][0]:12.3f} {f['no accents'][1]:6.2f}")


if __name__ == "__main__":
    main()
