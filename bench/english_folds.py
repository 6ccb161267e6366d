"""English questions scored by fold group: the folds settings are chosen on, and the folds held out.

    .venv/bin/python bench/english_folds.py --home DIR [--questions eval/english-2.jsonl]
        [--tune 0,1,2] [--kind K] [--weights '{"dense": [0.5, 0.8]}'] [--held-out] [--json]

Asks every answerable question of the set through ``kb.retrieval.search.search`` (the
refusal rule included, as ``kb search`` answers) and prints hit@5 and MRR@10 with their
bootstrap intervals on the tuning folds (``--tune``); with ``--held-out``, also on the
other folds and on all, which are read once a setting has been chosen.  ``--weights``
tries values of the fusion weights (``kb.config.Weights`` fields), each combination on
the same index; ``--kind`` keeps one kind of a mixed set (``eval/devset.jsonl``'s
``english``).  The questions missed on the tuning folds are listed; the held-out ones
are not, so that they cannot steer the next change (docs/ranking.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import load_settings
from kb.evaluation.bootstrap import interval
from kb.evaluation.evaluate import DEPTH, score_ranking
from kb.evaluation.questions import load_jsonl
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.query import understand
from kb.retrieval.search import search

METRICS = ("hit@5", "mrr@10")


def _figures(rows: list[dict]) -> dict:
    return {"n": len(rows)} | {m: (round(statistics.fmean(r[m] for r in rows), 3), interval([r[m] for r in rows]))
                               for m in METRICS if rows}


def score(kb: KnowledgeBase, path: Path, kind: str | None = None, english: bool = False) -> list[dict]:
    """One row per answerable question (of ``kind``, if given; with ``english``, those kb reads as English, whatever
    their kind): its fold, whether it was refused, and its figures."""
    qset = load_jsonl(path)
    folds = {row["id"]: row.get("fold") for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    rows = []
    for question in qset.questions:
        if not question.gold or (kind and question.kind != kind) or (english and understand(question.query).translation
                                                                     is None):
            continue
        response = search(kb, question.query, k=qset.fetch)
        results = [asdict(hit) for hit in response.results]
        rows.append({"id": question.id, "fold": folds[question.id], "refused": response.refused is not None}
                    | score_ranking(qset.ranking(results, question, DEPTH), len(question.gold)))
    return rows


def report(rows: list[dict], tune: set[int]) -> dict:
    return {"tuning": _figures([r for r in rows if r["fold"] in tune]),
            "held_out": _figures([r for r in rows if r["fold"] not in tune]),
            "all": _figures(rows), "refused": sum(r["refused"] for r in rows),
            "missed@5": [r["id"] for r in rows if r["fold"] in tune and not r["hit@5"]]}


def _line(label: str, figures: dict) -> str:
    cells = [f"{m} {figures[m][0]:.3f} [{figures[m][1][0]:.3f}, {figures[m][1][1]:.3f}]" for m in METRICS if m in figures]
    return f"  {label:<9} n={figures['n']:<3} " + "  ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "english-2.jsonl")
    parser.add_argument("--tune", default="0,1,2", help="the folds settings are chosen on")
    parser.add_argument("--kind", help="only the questions of this kind (eval/devset.jsonl's english)")
    parser.add_argument("--weights", default="{}", help='JSON: Weights field → list of values to try')
    parser.add_argument("--held-out", action="store_true", help="also print the held-out folds (once a setting is chosen)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tune = {int(f) for f in args.tune.split(",")}
    grid: dict[str, list] = json.loads(args.weights)
    kb = KnowledgeBase(replace(load_settings(), home=args.home.resolve()), create=False)
    base = kb.settings
    reports = []
    try:
        for values in itertools.product(*grid.values()):
            changed = dict(zip(grid, values))
            kb.settings = replace(base, weights=replace(base.weights, **changed))
            reports.append({"weights": changed} | report(score(kb, args.questions, args.kind), tune))
    finally:
        kb.close()
    if not args.held_out:
        reports = [{k: v for k, v in r.items() if k not in ("held_out", "all")} for r in reports]
    if args.json:
        print(json.dumps(reports, indent=1))
        return
    for r in reports:
        print(f"weights {r['weights'] or 'as configured'}; refused {r['refused']}")
        for label in ("tuning", "held_out", "all") if args.held_out else ("tuning",):
            print(_line(label, r[label]))
        print(f"  missed@5 on the tuning folds: {' '.join(r['missed@5']) or '-'}")


if __name__ == "__main__":
    main()
