"""Ranking figures no setting was tuned on: each fold measured with the setting the other folds chose (a benchmark).

    .venv/bin/python bench/cross_validate.py [--devset-home H] [--folds 5] [--variants typed,unaccented] [--grid small|full]

The question sets: ALQAC-2023 train.json (its cached index under $KB_HOME/eval),
../shared/eval/dev.jsonl (over corpus/, indexed into a temporary folder) and, with
``--devset-home`` (a folder where the files ``bench/check_devset.py --files`` lists
are indexed), eval/devset.jsonl.  A question's fold is the devset's ``fold`` field,
else its id hashed.  For every set, variant and question the legs are computed
once per lexical setting (``tune_fusion.measure``), then every setting of
``tune_fusion``'s grid (``small`` by default, around the shipped settings) is
scored on them.  For each fold, the setting with the best mean of nDCG@10 and
MRR@10 over the other folds (each set and variant weighing the same) is measured
on that fold; the held-out rows of all folds make the figures, printed with 95%
bootstrap intervals beside BM25 and kb's shipped settings (``Weights()``: the
previous release, which was tuned on ALQAC train and dev.jsonl, so its figures on
those two are not held out), and the difference from the shipped settings question
by question, with its interval.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tune_fusion import DEFAULT_SETS, GRIDS, measure, open_set, settings  # noqa: E402

from kb.config import Weights, load_settings  # noqa: E402
from kb.evaluation.baseline import BM25Baseline  # noqa: E402
from kb.evaluation.bootstrap import interval  # noqa: E402
from kb.evaluation.evaluate import score_ranking  # noqa: E402
from kb.evaluation.variants import VARIANTS, parse_variants  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.search import render  # noqa: E402

DEVSET = ROOT / "eval" / "devset.jsonl"
METRICS = ("hit@1", "hit@5", "mrr@10", "ndcg@10")


def folds_of(path: Path, questions: list, folds: int) -> dict[str, int]:
    """The devset's own folds; for other sets the question id hashed, so the split never depends on results."""
    given = {}
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        given = {str(r.get("id")): r["fold"] for r in rows if "fold" in r}
    return {q.id: given.get(q.id, int(hashlib.sha1(q.id.encode()).hexdigest(), 16) % folds) for q in questions}


def bm25_rows(qset, kb: KnowledgeBase, variants: list[str]) -> list[dict]:
    baseline = BM25Baseline(kb.store.chunks.all_texts())
    rows = []
    for variant in variants:
        for question in qset.questions:
            hits = [asdict(h) for h in render(kb, baseline.search(VARIANTS[variant](question.query), qset.fetch), qset.fetch)]
            rows.append({"variant": variant, "id": question.id, "kind": question.kind,
                         **score_ranking(qset.ranking(hits, question, 10), len(question.gold))})
    return rows


def objective(rows: list[dict], keep: set[str]) -> float:
    """Mean of nDCG@10 and MRR@10 over the kept questions, each variant weighing the same."""
    by_variant: dict[str, list[float]] = {}
    for row in rows:
        if row["id"] in keep:
            by_variant.setdefault(row["variant"], []).append((row["ndcg@10"] + row["mrr@10"]) / 2)
    return statistics.fmean(statistics.fmean(v) for v in by_variant.values()) if by_variant else 0.0


def measure_set(path: Path, tmp: Path, devset_home: Path | None, variants: list[str], grid: str) -> dict:
    """Every setting's per-question rows, BM25's and the shipped settings' rows, and the folds of one set."""
    qset, kb = open_set(path, tmp) if path != DEVSET else _devset(devset_home)
    qset.questions = [q for q in qset.questions if q.gold]  # no-answer questions have no ranking to score
    rows = measure(qset, kb, variants, settings(grid) | {"shipped": Weights()})
    shipped = rows.pop("shipped")
    return {"name": qset.name, "folds": folds_of(path, qset.questions, 5), "settings": rows,
            "shipped": shipped, "bm25": bm25_rows(qset, kb, variants)}


def _devset(home: Path | None):
    from kb.evaluation.evaluate import load_question_set

    if home is None:
        raise SystemExit("eval/devset.jsonl needs --devset-home: a folder where its files are indexed")
    return load_question_set(DEVSET)[0], KnowledgeBase(load_settings(home))


def cross_validate(sets: list[dict], folds: int) -> tuple[dict[str, list[dict]], list[str]]:
    """Held-out rows of each set, and the setting each fold chose."""
    held_out: dict[str, list[dict]] = {s["name"]: [] for s in sets}
    chosen = []
    for fold in range(folds):
        def training(s: dict) -> set[str]:
            return {q for q, f in s["folds"].items() if f != fold}

        best = max(sets[0]["settings"], key=lambda name: statistics.fmean(
            objective(s["settings"][name], training(s)) for s in sets))
        chosen.append(best)
        for s in sets:
            held_out[s["name"]] += [r for r in s["settings"][best] if s["folds"][r["id"]] == fold]
    return held_out, chosen


def _cell(rows: list[dict], metric: str, signed: bool = False) -> str:
    values = [r[metric] for r in rows]
    low, high = interval(values)
    sign = "+" if signed else ""
    return f"{statistics.fmean(values):{sign}.3f} [{low:{sign}.2f}–{high:{sign}.2f}]"


def _paired(rows: list[dict], baseline: list[dict], variant: str, metric: str) -> list[dict]:
    """Each question's difference between two systems: its interval says whether one beats the other on these
    questions, which two intervals that overlap cannot say."""
    before = {r["id"]: r[metric] for r in baseline if r["variant"] == variant}
    return [{metric: r[metric] - before[r["id"]]} for r in rows if r["variant"] == variant]


def report(sets: list[dict], held_out: dict[str, list[dict]], variants: list[str]) -> None:
    print("figures: mean [95% bootstrap interval]; cross-validated (cv) = each fold measured with the setting the others "
          "chose; cv − shipped, paired = the mean of each question's difference")
    for s in sets:
        print(f"\n{s['name']}")
        for variant in variants:
            for label, rows in (("kb cross-validated", held_out[s["name"]]), ("kb shipped settings", s["shipped"]),
                                ("bm25", s["bm25"])):
                mine = [r for r in rows if r["variant"] == variant]
                kinds = Counter(r["kind"] for r in mine)
                print(f"  {variant:<11} {label:<20} n={len(mine):<4} " + "  ".join(
                    f"{m} {_cell(mine, m)}" for m in METRICS))
                if label == "kb cross-validated" and len(kinds) > 1:
                    for kind in sorted(kinds):
                        part = [r for r in mine if r["kind"] == kind]
                        print(f"      {kind:<28} n={len(part):<4} " + "  ".join(f"{m} {_cell(part, m)}" for m in METRICS))
            paired = {m: _paired(held_out[s["name"]], s["shipped"], variant, m) for m in METRICS}
            print(f"  {variant:<11} {'cv − shipped, paired':<20} n={len(paired[METRICS[0]]):<4} " + "  ".join(
                f"{m} {_cell(paired[m], m, signed=True)}" for m in METRICS))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devset-home", type=Path, help="a folder where eval/devset.jsonl's files are indexed")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--variants", default="typed,unaccented")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="small",
                        help="small: around the shipped settings; full: the grid they were chosen on")
    args = parser.parse_args()
    variants = parse_variants(args.variants)
    paths = DEFAULT_SETS + ([DEVSET] if args.devset_home else [])
    with tempfile.TemporaryDirectory() as tmp:
        sets = [measure_set(path, Path(tmp), args.devset_home, variants, args.grid) for path in paths]
    held_out, chosen = cross_validate(sets, args.folds)
    for fold, name in enumerate(chosen):
        print(f"fold {fold}: {name}")
    report(sets, held_out, variants)


if __name__ == "__main__":
    main()
