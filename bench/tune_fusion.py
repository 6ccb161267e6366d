"""Choose kb's ranking settings by measurement, on both question sets and their variants (a benchmark).

    .venv/bin/python bench/tune_fusion.py [--questions FILE ...] [--variants all] [--grid small|full] [--top 30]

For each question set (default: ../shared/eval/dev.jsonl over corpus/, indexed
into a temporary folder, and ALQAC-2023 train.json over its cached index under
$KB_HOME/eval), each variant and each question, every leg is computed once per
lexical setting (100 candidates), then every fusion setting in the grid (``small``,
around the shipped settings, by default; ``full``, the one they were chosen on) is
scored on the same legs.  Prints nDCG@10 / MRR@10 / P@1 per set and variant, best
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

from indexer.analyzer import folded_hash  # noqa: E402
from kb.config import Weights, load_settings  # noqa: E402
from kb.evaluation import alqac  # noqa: E402
from kb.evaluation.evaluate import load_question_set, score_ranking  # noqa: E402
from kb.evaluation.variants import VARIANTS, parse_variants  # noqa: E402
from kb.indexing import index_paths  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.arrange import FRAME_WINDOW, arranged  # noqa: E402
from kb.retrieval.order import ORDERED, order_model, reordered  # noqa: E402
from kb.retrieval.query import understand  # noqa: E402
from kb.retrieval.results import SearchHit  # noqa: E402
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


# The values each setting takes: ``full`` is the grid the shipped Weights() were chosen on; ``small``
# surrounds them (every shipped value included) so that cross-validation over every set finishes in minutes.
GRIDS = {
    "full": {
        "lexical": {"accented_column": (1.0, 2.0, 4.0, 6.0)},
        "sum": {"lexical": (0.1, 0.2, 0.5), "phrase": (0.0, 0.5, 1.0), "dense": (0.3, 0.5, 0.7),
                "dense_unaccented": (0.0, 0.25), "reference": (0.6, 1.0), "candidates": (30, 50)},
        "rrf": {"lexical": (0.5, 1.0), "phrase": (0.0, 1.0, 1.5), "dense": (0.5, 1.0), "dense_unaccented": (0.0, 0.5),
                "rrf_k": (10, 60), "reference": (2.0,)},
    },
    "small": {
        "lexical": {"accented_column": (4.0, 6.0)},
        "sum": {"lexical": (0.1, 0.2, 0.3), "phrase": (0.3, 0.5, 0.8), "dense": (0.35, 0.5, 0.7)},
        "rrf": {"lexical": (0.5, 1.0), "phrase": (1.0,), "dense": (1.0,), "rrf_k": (60,), "reference": (2.0,)},
    },
}


def _product(axes: dict[str, tuple]) -> list[dict]:
    return [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]


def lexical_grid(grid: str = "full") -> list[dict]:
    """The settings that change the lexical legs themselves (each needs the legs computed again)."""
    return _product(GRIDS[grid]["lexical"])


def fusion_grid(grid: str = "full") -> list[dict]:
    """Weighted sums around the chosen setting, and weighted RRF for comparison; what is not named is Weights()'s."""
    return [{"method": method} | row for method in ("sum", "rrf") for row in _product(GRIDS[grid][method])]


LEXICAL = ("accented_column",)  # the Weights fields the legs themselves depend on


def settings(grid: str = "full") -> dict[str, Weights]:
    """Every setting of the grid by name."""
    return {" ".join(f"{k}={v}" for k, v in (lexical | fusion).items()): Weights(**lexical, **fusion)
            for lexical in lexical_grid(grid) for fusion in fusion_grid(grid)}


def asked(qset, kb: KnowledgeBase, variants: list[str], lexical: dict) -> list[tuple]:
    """(variant, question, query as typed, query as searched, legs) for every question in every variant."""
    every_leg = {"phrase": 1.0, "dense": 1.0, "dense_unaccented": 1.0, "candidates": DEPTH}
    kb.settings = replace(kb.settings, weights=Weights(**lexical, **every_leg))
    out = []
    for variant in variants:
        for question in qset.questions:
            text = VARIANTS[variant](question.query)
            typed = understand(text)
            query, _ = read_query(kb, text, typed=typed)
            out.append((variant, question, typed, query, legs(kb, query, None)))
    return out


class Scorer:
    """A question set's fused rankings scored as kb shows them, with what no setting changes done once.

    Fusing a question's legs is cheap; folding a passage's whole text for its
    key (``passage_key``) and normalising it to judge it against a question
    are not, and they depend only on the chunk (and the question), so over a
    grid of settings they are computed once and kept.
    """

    def __init__(self, qset, kb: KnowledgeBase) -> None:
        # Rendered one by one: ``render`` drops a passage whose words an earlier one showed.
        self.hits = {i: render(kb, [(i, 0.0)], 1)[0] for i in sorted(kb.store.chunks.all_ids())}
        self.results = {i: asdict(hit) for i, hit in self.hits.items()}
        ids = sorted(self.results)
        self.hit_rows: dict[int, dict] = {}
        for start in range(0, len(ids), 900):  # SQLite's bound on a statement's parameters
            self.hit_rows |= kb.store.chunks.hits(ids[start : start + 900])
        self.keys = {i: passage_key(folded_hash(r["text"]), r["document"]["number"], r["document"]["title"])
                     for i, r in self.results.items()}
        judged: dict[tuple, set[int]] = {}
        units = {i: qset.unit(r) for i, r in self.results.items()} if qset.unit else {}

        def judge(result: dict, question) -> set[int]:
            if (key := (question, result["chunk_id"])) not in judged:
                judged[key] = qset.judge(result, question)
            return judged[key]

        self.kb = kb
        self.qset = replace(qset, judge=judge, unit=(lambda result: units[result["chunk_id"]]) if units else None)

    def shown(self, fused: list[tuple[int, float]], count: int) -> list[SearchHit]:
        """The first ``count`` results of a fused ranking as ``render`` shows them: a passage of copies once."""
        seen: set[tuple] = set()
        out = []
        for chunk_id, score in fused:
            if (key := self.keys[chunk_id]) not in seen:
                seen.add(key)
                out.append(replace(self.hits[chunk_id], rank=len(out) + 1, score=round(score, 4)))
                if len(out) == count:
                    break
        return out

    def rows_among(self, ids: list[int]) -> dict[int, dict]:
        """The rows of ``ids`` as ``Chunks.hits`` gives them, for the frame and card rules."""
        return {i: self.hit_rows[i] for i in ids}

    def rows(self, cases: list[tuple], weights: Weights) -> list[dict]:
        """One row of figures per (variant, question) for the rankings ``weights`` fuse."""
        out = []
        for variant, question, typed, query, found in cases:
            unaccented = query.unaccented_vietnamese
            searched = as_searched(found, weights, unaccented)
            fused = fuse(searched, weights, unaccented)
            fused = arranged(self.kb, fused, query, weights.frame, self.rows_among, None, self.qset.fetch * FRAME_WINDOW)
            hits = self.shown(fused, max(self.qset.fetch, ORDERED))
            if weights.learned_order:
                hits = reordered(self.kb, query, typed, searched, hits, order_model())
            shown = [self.results[hit.chunk_id] for hit in hits[: self.qset.fetch]]
            ranking = self.qset.ranking(shown, question, 10)
            out.append({"variant": variant, "id": question.id, "kind": question.kind,
                        **score_ranking(ranking, len(question.gold))})
        return out


def as_searched(found: dict[str, list[tuple[int, float]]], weights: Weights,
                unaccented: bool) -> dict[str, list[tuple[int, float]]]:
    """The legs ``search`` would have run with ``weights``, from legs run deeper and with every leg:
    the ranked legs cut to ``candidates``, a leg of weight 0 left out, the reference leg whole."""
    kept = {"lexical": True, "phrase": bool(weights.phrase), "dense": bool(weights.dense_weight(unaccented))}
    return {name: hits if name == "reference" else hits[: weights.candidates]
            for name, hits in found.items() if kept.get(name, True)}


def measure(qset, kb: KnowledgeBase, variants: list[str], named: dict[str, Weights]) -> dict[str, list[dict]]:
    """Each named setting's rows; the legs are computed once per lexical setting and shared by the rest."""
    scorer = Scorer(qset, kb)
    out: dict[str, list[dict]] = {}
    for lexical in {tuple((f, getattr(w, f)) for f in LEXICAL): None for w in named.values()}:
        cases = asked(qset, kb, variants, dict(lexical))
        for name, weights in named.items():
            if all(getattr(weights, f) == v for f, v in lexical):
                out[name] = scorer.rows(cases, weights)
    return out


def means(rows: list[dict]) -> dict[str, tuple[float, float, float]]:
    """Per variant: mean nDCG@10, MRR@10, P@1."""
    per_variant: dict[str, list[dict]] = {}
    for row in rows:
        per_variant.setdefault(row["variant"], []).append(row)
    return {v: tuple(statistics.fmean(r[m] for r in part) for m in ("ndcg@10", "mrr@10", "hit@1"))
            for v, part in per_variant.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, action="append")
    parser.add_argument("--variants", default="typed,unaccented,half-accented,typos")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="small")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    variants = parse_variants(args.variants)
    table: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.questions or DEFAULT_SETS:
            qset, kb = open_set(path, Path(tmp))
            for name, rows in measure(qset, kb, variants, settings(args.grid)).items():
                table.setdefault(name, {})[qset.name] = means(rows)
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
