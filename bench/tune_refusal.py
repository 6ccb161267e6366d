"""Choose the refusal thresholds (kb.config.Refusal) by cross-validation over question sets' folds (a benchmark).

    KB_HOME=/tmp/noanswer-devset .venv/bin/python bench/tune_refusal.py [--set eval/devset.jsonl] [--variants typed]
    .venv/bin/python bench/tune_refusal.py --set eval/devset.jsonl=DEV --set eval/fresh-7.jsonl=F7 --variants all
    .venv/bin/python bench/tune_refusal.py --set eval/english-2.jsonl=E2 --set ... --only english

Each set is asked of its own index (``SET=HOME``; a set without ``=HOME`` of
``KB_HOME``), which must hold the set's files (eval/README.md).  Each question's
legs are run once and their evidence kept (``kb.retrieval.refusal.gather``);
then for each fold (fold k of every set), the thresholds (coverage, similarity,
pairs; with ``--only pairs``, ``--only held`` or ``--only english`` that one alone, beside the
settings' others, and with ``english`` over the questions read as English only)
that refuse the most questions without an answer while wrongly refusing at most
``--budget`` of the answerable ones are chosen on the other four folds and
measured on the fold held out.  Prints the held-out figures per fold and pooled,
beside those of the settings' ``refusal`` (the shipped thresholds unless
``$KB_HOME/settings.json`` says otherwise), and the thresholds chosen on all
folds (the setting to ship), with the questions they get wrong.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Refusal, load_settings  # noqa: E402
from kb.evaluation.variants import VARIANTS, parse_variants  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.refusal import Evidence, gather, judge  # noqa: E402
from kb.retrieval.search import legs, read_query  # noqa: E402

COVERAGE = [round(float(c), 3) for c in np.arange(0.0, 1.0001, 0.025)]
SIMILARITY = [round(float(s), 3) for s in np.arange(0.75, 0.9501, 0.01)] + [0.785, 1.0]
PAIRS = [round(float(p), 3) for p in np.arange(0.0, 0.4001, 0.025)]
HELD = [0, 2, 3, 4, 5, 6, 8, 10]
# The thresholds ``--only`` chooses by themselves.
ALONE: dict[str, list[Any]] = {"pairs": PAIRS, "english": SIMILARITY, "held": HELD}


def collect(kb: KnowledgeBase, rows: list[dict], variants: list[str]) -> list[dict]:
    """Each question (in each variant) with its fold, whether it has an answer, and its evidence:
    read as ``search`` reads it (accents restored by the index's model, glossary for English)."""
    found = []
    for variant in variants:
        for row in rows:
            query, _ = read_query(kb, VARIANTS[variant](row["query"]))
            evidence = gather(kb, query, legs(kb, query, None))
            found.append({"id": row["id"], "variant": variant, "fold": row["fold"], "kind": row["kind"],
                          "answerable": bool(row["relevant"]), "query": query.text, "evidence": evidence})
    return found


def refused(items: list[dict], rule: Refusal) -> np.ndarray:
    return np.array([judge(item["evidence"], rule) is not None for item in items], bool)


def shares(items: list[dict], rule: Refusal) -> tuple[float, float, int, int]:
    """Share of no-answer questions refused, share of answerable ones refused, and the two counts."""
    answerable = np.array([i["answerable"] for i in items], bool)
    out = refused(items, rule)
    return (float(out[~answerable].mean()) if (~answerable).any() else 0.0,
            float(out[answerable].mean()) if answerable.any() else 0.0, int((~answerable).sum()), int(answerable.sum()))


def choose(items: list[dict], budget: float, shipped: Refusal, only: str | None = None) -> Refusal:
    """The thresholds refusing most no-answer questions within the budget of wrongly refused answerable ones;
    with ``only``, that threshold alone beside the ``shipped`` others.

    Ties go to the lower thresholds: the rule that refuses less.  Where the number rule alone passes
    the budget, the rule that refuses fewest answerable questions.
    """
    rules = ([replace(shipped, **{only: value}) for value in ALONE[only]] if only else
             [replace(shipped, coverage=c, similarity=s, pairs=p) for c, s, p in product(COVERAGE, SIMILARITY, PAIRS)])
    best: tuple | None = None
    for rule in rules:
        right, wrong, _, _ = shares(items, rule)
        key = (wrong <= budget, right if wrong <= budget else -wrong, -wrong, -rule.coverage, -rule.similarity,
               -rule.pairs, -rule.english, -(rule.held or math.inf))  # held 0 never exempts: refuses most
        if best is None or key > best[0]:
            best = (key, rule)
    assert best is not None
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", metavar="SET[=HOME]",
                        help="a question set and its index (default: eval/devset.jsonl on KB_HOME); repeatable")
    parser.add_argument("--variants", default="typed")
    parser.add_argument("--budget", type=float, default=0.01, help="most answerable questions a training choice may refuse")
    parser.add_argument("--dump", type=Path, help="write each question's evidence here (JSONL)")
    parser.add_argument("--only", choices=sorted(ALONE),
                        help="choose this threshold alone, keep the settings' others (english: English questions only)")
    args = parser.parse_args()
    items = []
    for given in args.set or [str(ROOT / "eval" / "devset.jsonl")]:
        path, _, home = given.partition("=")
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        items += collect(KnowledgeBase(load_settings(Path(home) if home else None), create=False), rows,
                         parse_variants(args.variants))
    if args.only == "english":
        items = [i for i in items if i["evidence"].english]
    if args.dump:
        args.dump.write_text("".join(json.dumps({k: v for k, v in i.items() if k != "evidence"} | vars(i["evidence"]),
                                                ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    shipped = load_settings().refusal
    held = {"chosen": [0, 0, 0, 0], "shipped": [0, 0, 0, 0]}  # no-answer refused, no-answer, answerable refused, answerable
    print(f"{len(items)} questions; budget {args.budget:.0%} of answerable refused on the training folds")
    for fold in sorted({i["fold"] for i in items}):
        train, test = [i for i in items if i["fold"] != fold], [i for i in items if i["fold"] == fold]
        for name, rule in (("chosen", choose(train, args.budget, shipped, args.only)), ("shipped", shipped)):
            right, wrong, n_none, n_answerable = shares(test, rule)
            counts = (round(right * n_none), n_none, round(wrong * n_answerable), n_answerable)
            held[name] = [total + c for total, c in zip(held[name], counts, strict=True)]
            print(f"fold {fold} {name:7}: coverage {rule.coverage:.3f} similarity {rule.similarity:.3f} "
                  f"pairs {rule.pairs:.3f} held {rule.held} english {rule.english:.3f} -> held out: "
                  f"no-answer refused {right:.1%} of {n_none}, answerable refused {wrong:.1%} of {n_answerable}")
    for name, (a, n, b, m) in held.items():
        print(f"pooled held-out, {name:7}: no-answer refused {a}/{n} = {a / n:.1%}; answerable refused {b}/{m} = {b / m:.1%}")
    final = choose(items, args.budget, shipped, args.only)
    right, wrong, _, _ = shares(items, final)
    print(f"chosen on all folds: coverage {final.coverage:.3f} similarity {final.similarity:.3f} pairs {final.pairs:.3f} "
          f"held {final.held} english {final.english:.3f} "
          f"(in-sample: no-answer refused {right:.1%}, answerable refused {wrong:.1%})")
    for item, out in zip(items, refused(items, final)):
        if out == item["answerable"]:
            e: Evidence = item["evidence"]
            what = "wrongly refused" if out else "answered"
            print(f"  {what} {item['id']} [{item['variant']}] cov {e.coverage:.2f} pairs {e.pairs or 0:.2f} held {e.held} "
                  f"sim {e.similarity or 0:.3f} "
                  f"refs {e.references}: {item['query'][:80]}")
    numbers = replace(final, coverage=0.0, similarity=1.0, pairs=0.0)
    for variant in dict.fromkeys(i["variant"] for i in items):
        these = [i for i in items if i["variant"] == variant]
        right, wrong, _, _ = shares(these, final)
        alone = shares(these, numbers)
        print(f"[{variant}] chosen rule in-sample: no-answer refused {right:.1%}, answerable refused {wrong:.1%}; "
              f"the number rule alone: {alone[0]:.1%}, {alone[1]:.1%}")


if __name__ == "__main__":
    main()
