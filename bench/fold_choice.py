"""A fusion setting chosen by folds over several question sets, each on its own index (a benchmark).

    .venv/bin/python bench/fold_choice.py --set eval/devset.jsonl=DEV --set eval/fresh-7.jsonl=F7 ... \
        --weights '{"frame": [1, 0.75, 0.5, 0.25, 0.1]}' [--objective mean|mrr] [--english] [--json]

Every answerable question of every set is asked as ``kb search`` asks it (``english_folds.score``:
the refusal included), once per combination of the ``kb.config.Weights`` values tried; with ``--english``, only
those kb reads as English (for the weights of English questions alone).  A question's
fold is its set's ``fold`` field, else its id hashed (``cross_validate.folds_of``).  For each fold k,
the combination with the best objective on the questions of the other folds, all sets pooled
(``mean``: the mean of hit@5 and MRR@10; ``mrr``: MRR@10, then hit@5), is read on fold k.  Printed:
each fold's choice, the held-out rows of all folds pooled beside every combination on all folds, and
the held-out difference from the first combination (put the shipped value first) question by question,
with its bootstrap interval.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cross_validate import folds_of  # noqa: E402
from english_folds import score  # noqa: E402

from kb.config import load_settings  # noqa: E402
from kb.evaluation.bootstrap import interval  # noqa: E402
from kb.evaluation.questions import load_jsonl  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402

FOLDS = 5


def measure(sets: list[tuple[Path, Path]], grid: dict[str, list],
            english: bool = False) -> dict[str, dict[tuple[str, str], dict]]:
    """For each combination (its JSON as the key), every answerable question's row, keyed by (set, id)."""
    combinations = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    rows: dict[str, dict[tuple[str, str], dict]] = {json.dumps(c): {} for c in combinations}
    for questions, home in sets:
        folds = folds_of(questions, load_jsonl(questions).questions, FOLDS)
        kb = KnowledgeBase(replace(load_settings(), home=home.resolve()), create=False)
        base = kb.settings
        try:
            for combination in combinations:
                kb.settings = replace(base, weights=replace(base.weights, **combination))
                for row in score(kb, questions, english=english):
                    rows[json.dumps(combination)][(questions.stem, row["id"])] = row | {"fold": folds[row["id"]]}
        finally:
            kb.close()
    return rows


def objective(rows: list[dict], name: str) -> tuple[float, ...]:
    hit, mrr = (statistics.fmean(r[m] for r in rows) for m in ("hit@5", "mrr@10"))
    return ((hit + mrr) / 2,) if name == "mean" else (mrr, hit)


def choose(rows: dict[str, dict[tuple[str, str], dict]], name: str) -> dict:
    """Each fold's choice on the other folds, and what every combination gives held out."""
    first = next(iter(rows))
    keys = sorted(rows[first])
    chosen, held = [], []
    for k in range(FOLDS):
        train = [key for key in keys if rows[first][key]["fold"] != k]
        test = [key for key in keys if rows[first][key]["fold"] == k]
        best = max(rows, key=lambda c: objective([rows[c][key] for key in train], name))
        chosen.append({"fold": k, "n": len(test), "chosen": json.loads(best)})
        held += [rows[best][key] for key in test]
    differences = [h["mrr@10"] - rows[first][key]["mrr@10"] for h, key in zip(held, [key for k in range(FOLDS)
                   for key in keys if rows[first][key]["fold"] == k])]
    return {"folds": chosen,
            "held_out": {m: round(statistics.fmean(r[m] for r in held), 3) for m in ("hit@5", "mrr@10")} | {"n": len(held)},
            "mrr_difference_from_first": (round(statistics.fmean(differences), 4), interval(differences)),
            "on_all_folds": {c: {m: round(statistics.fmean(r[m] for r in rows[c].values()), 3) for m in ("hit@5", "mrr@10")}
                             for c in rows}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", required=True, metavar="JSONL=HOME",
                        help="a question set and the index its questions are asked of (repeatable)")
    parser.add_argument("--weights", required=True, help='JSON: Weights field → list of values, the shipped one first')
    parser.add_argument("--objective", choices=("mean", "mrr"), default="mean")
    parser.add_argument("--english", action="store_true", help="only the questions kb reads as English")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sets = [(Path(questions), Path(home)) for questions, home in (pair.split("=", 1) for pair in args.set)]
    result = choose(measure(sets, json.loads(args.weights), args.english), args.objective)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return
    for fold in result["folds"]:
        print(f"fold {fold['fold']} (n={fold['n']}): chosen {fold['chosen']}")
    held = result["held_out"]
    print(f"held out, pooled (n={held['n']}): hit@5 {held['hit@5']:.3f}  MRR@10 {held['mrr@10']:.3f}")
    mean, (low, high) = result["mrr_difference_from_first"]
    print(f"  MRR@10 minus the first combination's, question by question: {mean:+.4f} [{low:+.4f}, {high:+.4f}]")
    for combination, figures in result["on_all_folds"].items():
        print(f"on all folds {combination}: hit@5 {figures['hit@5']:.3f}  MRR@10 {figures['mrr@10']:.3f}")


if __name__ == "__main__":
    main()
