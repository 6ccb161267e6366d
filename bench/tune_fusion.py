"""Choose kb's ranking settings by measurement, on both question sets and their variants (a benchmark).

    .venv/bin/python bench/tune_fusion.py [--questions FILE ...] [--variants all] [--top 30]

For each question set (default: ../shared/eval/dev.jsonl over corpus/, indexed
into a temporary folder, and ALQAC-2023 train.json over its cached index under
$KB_HOME/eval), each variant and each question, every leg is computed once per
lexical setting (100 candidates), then every fusion setting in the grid is scored
on the same legs.  Prints nDCG@10 / MRR@10 / P@1 per set and variant, best
first by the mean nDCG@10 + MRR@10 over the variants, each set weighing the same.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.config import Weights, load_settings  # noqa: E402
from kb.evaluation import alqac  # noqa: E402
from kb.evaluation.evaluate import load_question_set, score_ranking  # noqa: E402
from kb.evaluation.variants import VARIANTS, parse_variants  # noqa: E402
from kb.indexing import index_paths  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.search import fuse, legs, passage_key, read_query, render  # noqa: E402

SHARED = ROOT.parent / "shared"
DEFAULT_SETS = [SHARED / "eval" / "dev.jsonl", SHARED / "data" / "alqac2023" / "train.json"]
DEPTH = 100


def open_set(path: Path, tmp: Path) -> tuple:
    """The question set and the index it is asked of."""
    qset, passages = load_question_set(path)
    settings = load_settings()
    if passages:
        return qset, alqac.open_index(settings, passages, print)[0]
    kb = KnowledgeBase(replace(settings, home=tmp / "corpus"))
    index_paths(kb, [ROOT / "corpus"])
    return qset, kb


def lexical_grid() -> list[dict]:
    return [{"accented_column": a} for a in (1.0, 2.0, 4.0, 6.0)]


def fusion_grid() -> list[dict]:
    """Weighted sums around the chosen setting, and weighted RRF for comparison."""
    rows = [{"method": "sum", "lexical": lex, "phrase": phrase, "dense": dense, "dense_unaccented": dense_un,
             "reference": reference, "candidates": candidates}
            for lex, phrase, dense, dense_un, reference, candidates in itertools.product(
                (0.1, 0.2, 0.5), (0.0, 0.5, 1.0), (0.3, 0.5, 0.7), (0.0, 0.25), (0.6, 1.0), (30, 50))]
    rows += [{"method": "rrf", "lexical": lex, "phrase": phrase, "dense": dense, "dense_unaccented": dense_un,
              "rrf_k": k, "reference": 2.0}
             for lex, phrase, dense, dense_un, k in itertools.product(
                 (0.5, 1.0), (0.0, 1.0, 1.5), (0.5, 1.0), (0.0, 0.5), (10, 60))]
    return rows


def asked(qset, kb: KnowledgeBase, variants: list[str], lexical: dict) -> list[tuple]:
    """(variant, question, unaccented Vietnamese?, legs) for every question in every variant."""
    every_leg = {"phrase": 1.0, "dense": 1.0, "dense_unaccented": 1.0, "candidates": DEPTH}
    kb.settings = replace(kb.settings, weights=Weights(**lexical, **every_leg))
    out = []
    for variant in variants:
        for question in qset.questions:
            query, _ = read_query(kb, VARIANTS[variant](question.query))
            out.append((variant, question, query.unaccented_vietnamese, legs(kb, query, None)))
    return out


def results_by_chunk(kb: KnowledgeBase) -> dict[int, dict]:
    """Every chunk as a result in the API's shape, by id (rendered one by one: ``render`` drops repeated words)."""
    return {i: asdict(render(kb, [(i, 0.0)], 1)[0]) for i in sorted(kb.store.chunks.all_ids())}


def shown(results_of: dict[int, dict], fused: list[tuple[int, float]], count: int) -> list[dict]:
    """The first ``count`` results of a fused ranking as ``render`` shows them: a passage of copies once."""
    seen: set[tuple] = set()
    out = []
    for chunk_id, _ in fused:
        result = results_of[chunk_id]
        if (key := passage_key(result["text"], result["document"]["number"], result["document"]["title"])) not in seen:
            seen.add(key)
            out.append(result)
            if len(out) == count:
                break
    return out


def score(qset, results_of: dict, cases: list[tuple], weights: Weights) -> dict[str, tuple[float, float, float]]:
    """Per variant: mean nDCG@10, MRR@10, P@1 of the fused rankings."""
    per_variant: dict[str, list[dict]] = {}
    for variant, question, unaccented, found in cases:
        cut = {name: hits[: weights.candidates] for name, hits in found.items()}
        ranking = qset.ranking(shown(results_of, fuse(cut, weights, unaccented), qset.fetch), question, 10)
        per_variant.setdefault(variant, []).append(score_ranking(ranking, len(question.gold)))
    return {v: tuple(statistics.fmean(r[m] for r in rows) for m in ("ndcg@10", "mrr@10", "hit@1"))
            for v, rows in per_variant.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, action="append")
    parser.add_argument("--variants", default="typed,unaccented,half-accented,typos")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    variants = parse_variants(args.variants)
    table: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.questions or DEFAULT_SETS:
            qset, kb = open_set(path, Path(tmp))
            results_of = results_by_chunk(kb)
            for lexical in lexical_grid():
                cases = asked(qset, kb, variants, lexical)
                for fusion in fusion_grid():
                    weights = Weights(**lexical, **fusion)
                    name = " ".join(f"{k}={v}" for k, v in (lexical | fusion).items())
                    table.setdefault(name, {})[qset.name] = score(qset, results_of, cases, weights)
    _print(table, variants, args.top)


def _print(table: dict, variants: list[str], top: int) -> None:
    cells = lambda row: [row[s][v] for s in row for v in variants]  # noqa: E731
    per_set = lambda row: [statistics.fmean(n + m for n, m, _ in row[s].values()) for s in row]  # noqa: E731
    ranked = sorted(table.items(), key=lambda item: -statistics.fmean(per_set(item[1])))
    sets = list(next(iter(table.values())))
    print("cells: nDCG@10/MRR@10/P@1 for " + ", ".join(f"{s}:{v}" for s in sets for v in variants))
    for name, row in ranked[:top]:
        print(f"{name}\n    " + "  ".join(f"{n:.3f}/{m:.3f}/{p:.2f}" for n, m, p in cells(row)))


if __name__ == "__main__":
    main()
