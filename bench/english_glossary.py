"""What the office glossary gives English questions, part by part (a benchmark; docs/ranking.md).

    .venv/bin/python bench/english_glossary.py --home DIR [--questions eval/devset.jsonl] [--json]

Asks every question of the set of the index in ``--home`` four ways and scores
the first ten results (hit@5, MRR@10, nDCG@10), per kind and, for the English
questions, per fold:

* ``none``: no glossary (the query as main understood it before: its words, and
  the document numbers read from it as typed);
* ``lexical``: the glossary's terms in the lexical and phrase legs;
* ``reference``: and the document numbers of its Vietnamese rendering;
* ``dense``: and the rendering embedded beside the question and with it, the three vectors' mean searched (what kb does).

A question that is not English is understood the same way in all four, which
the run checks (its rankings must not differ).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.references import extract_references
from kb.config import load_settings
from kb.evaluation.evaluate import DEPTH, score_ranking
from kb.evaluation.questions import load_jsonl
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.query import Query, understand
from kb.retrieval.search import fuse, legs, render

CONFIGS = ("none", "lexical", "reference", "dense")
METRICS = ("hit@5", "mrr@10", "ndcg@10")


def configured(query: Query, config: str) -> Query:
    """The query as ``config`` understands it (see the module's docstring)."""
    if query.translation is None or config == "dense":
        return query
    typed = extract_references(query.normalized)
    as_typed = {"keys": sorted({r.key for r in typed}), "full_keys": sorted({r.full_key for r in typed})}
    if config == "none":
        return replace(query, translation=None, **as_typed)
    return _EmbeddedAsTyped(**{**vars(query), **(as_typed if config == "lexical" else {})})


class _EmbeddedAsTyped(Query):
    """The query with its glossary terms and references, whose embedding is of the question alone."""

    @property
    def dense_texts(self) -> tuple[str, ...]:
        return (self.normalized,)


def ask(kb: KnowledgeBase, query: Query, fetch: int) -> list[dict]:
    fused = fuse(legs(kb, query, None), kb.settings.weights, query.unaccented_vietnamese)
    return [asdict(hit) for hit in render(kb, fused, fetch)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "devset.jsonl")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    qset = load_jsonl(args.questions)
    folds = {row["id"]: row.get("fold") for row in map(json.loads, args.questions.read_text().splitlines())}
    kb = KnowledgeBase(replace(load_settings(), home=args.home.resolve()))
    rows = []
    try:
        for question in qset.questions:
            if not question.gold:
                continue
            query = understand(question.query)
            rankings = {}
            for config in CONFIGS:
                results = ask(kb, configured(query, config), qset.fetch)
                rankings[config] = [r["chunk_id"] for r in results]
                figures = score_ranking(qset.ranking(results, question, DEPTH), len(question.gold))
                rows.append({"config": config, "id": question.id, "kind": question.kind, "fold": folds[question.id],
                             "english": query.translation is not None, **figures})
            if query.translation is None and any(r != rankings["none"] for r in rankings.values()):
                raise SystemExit(f"{question.id}: not English, yet its ranking moved")
    finally:
        kb.close()
    report = summarise(rows)
    print(json.dumps(report, indent=1) if args.json else format_report(report))


def _mean(rows: list[dict]) -> dict:
    return {"n": len(rows)} | {m: round(statistics.fmean(r[m] for r in rows), 3) if rows else 0.0 for m in METRICS}


def summarise(rows: list[dict]) -> dict:
    kinds = sorted({r["kind"] for r in rows})
    english = [r for r in rows if r["kind"] == "english"]
    return {
        "detected_english": sorted({r["id"] for r in rows if r["english"]}),
        "by_kind": {c: {k: _mean([r for r in rows if r["config"] == c and r["kind"] == k]) for k in kinds}
                    for c in CONFIGS},
        "english_by_fold": {c: {f: _mean([r for r in english if r["config"] == c and r["fold"] == f])
                                for f in sorted({r["fold"] for r in english})} for c in CONFIGS},
        "english_per_question": {r["id"]: {c: r2["ndcg@10"] for c in CONFIGS for r2 in english
                                           if r2["id"] == r["id"] and r2["config"] == c} for r in english},
    }


def format_report(report: dict) -> str:
    lines = [f"detected as English: {len(report['detected_english'])} questions"]
    header = f"{'kind':<14} {'config':<10} {'n':>3} " + " ".join(f"{m:>8}" for m in METRICS)
    lines.append(header)
    kinds = next(iter(report["by_kind"].values()))
    for kind in kinds:
        for config in CONFIGS:
            figures = report["by_kind"][config][kind]
            lines.append(f"{kind:<14} {config:<10} {figures['n']:>3} " + " ".join(f"{figures[m]:>8.3f}" for m in METRICS))
    lines.append("english by fold")
    for config in CONFIGS:
        for fold, figures in report["english_by_fold"][config].items():
            lines.append(f"  fold {fold!s:<7} {config:<10} {figures['n']:>3} "
                         + " ".join(f"{figures[m]:>8.3f}" for m in METRICS))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
