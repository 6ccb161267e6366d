"""Retrieval quality on a question file, kb beside a plain BM25, for each form of the questions.

``kb eval FILE`` reads our JSONL (questions on the indexed folder) or an ALQAC
questions file (whose articles are indexed apart, see :mod:`kb.evaluation.alqac`), asks
every question as typed and in the derived variants (:mod:`kb.evaluation.variants`), and
scores the first ten results of kb and of the BM25 baseline
(:mod:`kb.evaluation.baseline`) on the same passages: hit@1 (= P@1), hit@5, hit@10,
MRR@10, nDCG@10 and recall@10, overall and per kind, with latency, each with a
bootstrap confidence interval (:mod:`kb.evaluation.bootstrap`).  Binary
gains: a result that satisfies a gold item not yet found gains one per such
item (nDCG capped at 1: one passage can hold two expected snippets).

Questions without an answer in the index (no gold item) are asked too, and
score how often kb says so (``refused``); an answerable question kb refuses
has no results and scores 0 on every ranking figure, and the share of those
is reported beside.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from kb.config import Settings
from kb.errors import InvalidQueryError
from kb.evaluation import alqac
from kb.evaluation.baseline import DESCRIPTION as BM25_DESCRIPTION
from kb.evaluation.baseline import BM25Baseline
from kb.evaluation.bootstrap import interval
from kb.evaluation.questions import QuestionSet, load_jsonl
from kb.evaluation.variants import VARIANTS
from kb.knowledge_base import KnowledgeBase

__all__ = ["METRICS", "score_ranking", "load_question_set", "evaluate_file", "format_report"]

METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "recall@10")
DEPTH = 10
WARM_UP = "khởi động"


@dataclass
class System:
    name: str
    ask: Callable[[str], dict]  # a query → the API's response: ``results`` best first, ``refused``


def score_ranking(ranking: list[set[int]], relevant: int, depth: int = DEPTH) -> dict[str, float]:
    """Metrics of one ranking: ``ranking[i]`` holds the gold items the result at rank i+1 satisfies."""
    found: set[int] = set()
    first, dcg = None, 0.0
    for rank, satisfied in enumerate(ranking[:depth], start=1):
        if satisfied and first is None:
            first = rank
        dcg += len(satisfied - found) / math.log2(rank + 1)
        found |= satisfied
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(relevant, depth) + 1))
    return {"hit@1": float(first == 1), "hit@5": float(first is not None and first <= 5),
            "hit@10": float(first is not None), "mrr@10": 1 / first if first else 0.0,
            "ndcg@10": min(1.0, dcg / ideal) if ideal else 0.0, "recall@10": len(found) / relevant if relevant else 0.0}


def load_question_set(path: Path, passages: Path | None = None) -> tuple[QuestionSet, Path | None]:
    """Our JSONL, or an ALQAC questions file (a JSON list of statements) with its passages file."""
    if not path.exists():
        raise InvalidQueryError(f"No question file {path}")
    if path.suffix == ".jsonl":
        return load_jsonl(path), None
    return alqac.load_questions(path, passages)


def _kb_system(kb: KnowledgeBase | None, api: str | None, fetch: int) -> System:
    if api:
        import httpx

        client = httpx.Client(base_url=api, timeout=60)
        return System("kb", lambda q: client.get("/api/search", params={"q": q, "k": fetch}).raise_for_status()
                      .json())
    from kb.retrieval.search import search

    assert kb is not None
    return System("kb", lambda q: asdict(search(kb, q, fetch)))  # as the API answers


def _bm25_system(kb: KnowledgeBase, fetch: int) -> System | None:
    """BM25 over the passages of ``kb``'s store, rendered like kb's results; None for an empty index."""
    from kb.retrieval.search import render

    passages = kb.store.chunks.all_texts()
    if not passages:
        return None
    baseline = BM25Baseline(passages)
    return System("bm25", lambda q: {"results": [asdict(hit) for hit in render(kb, baseline.search(q, fetch), fetch)],
                                     "refused": None})


def _run(qset: QuestionSet, systems: list[System], variants: list[str]) -> list[dict]:
    rows = []
    for system in systems:
        system.ask(WARM_UP)  # load the model and warm caches: latency figures are warm ones
        for variant in variants:
            for question in qset.questions:
                query = VARIANTS[variant](question.query)
                start = time.perf_counter()
                response = system.ask(query)
                elapsed = (time.perf_counter() - start) * 1000
                row = {"system": system.name, "variant": variant, "id": question.id, "kind": question.kind,
                       "query": query, "ms": round(elapsed, 1), "answerable": bool(question.gold),
                       "refused": response.get("refused") is not None}
                if question.gold:  # a refused question has no results: 0 on every figure
                    row |= score_ranking(qset.ranking(response["results"], question, DEPTH), len(question.gold))
                rows.append(row)
    return rows


def _mean(rows: list[dict]) -> dict:
    """Each figure's mean over the questions, and its bootstrap interval (``ci95``)."""
    figures: dict = {"queries": len(rows)}
    figures |= {m: round(statistics.fmean(r[m] for r in rows), 4) if rows else 0.0 for m in METRICS}
    return figures | {"ci95": {m: interval([r[m] for r in rows]) for m in METRICS}}


def _refusal(rows: list[dict]) -> dict:
    """How often kb said nothing answers: for questions without an answer (right) and with one (wrong)."""
    figures = {}
    for name, answerable in (("without_answer", False), ("answerable", True)):
        said = [float(r["refused"]) for r in rows if r["answerable"] == answerable]
        figures[name] = {"questions": len(said), "refused": round(statistics.fmean(said), 4) if said else 0.0,
                         "ci95": interval(said)}
    return figures


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _summary(rows: list[dict]) -> dict:
    ranked = [r for r in rows if r["answerable"]]
    kinds = sorted({r["kind"] for r in ranked})
    return {"overall": _mean(ranked), "by_kind": {k: _mean([r for r in ranked if r["kind"] == k]) for k in kinds},
            "refusal": _refusal(rows),
            "latency_ms": {"p50": _percentile([r["ms"] for r in rows], 0.5),
                           "p95": _percentile([r["ms"] for r in rows], 0.95)}}


def _summaries(rows: list[dict], variants: list[str]) -> dict:
    systems = list(dict.fromkeys(r["system"] for r in rows))
    return {v: {s: _summary([r for r in rows if r["variant"] == v and r["system"] == s]) for s in systems}
            for v in variants}


def evaluate_file(path: Path, settings: Settings, *, api: str | None = None, variants: list[str] | None = None,
                  passages: Path | None = None, postgres: str | None = None,
                  progress: Callable[[str], None] = lambda _: None) -> dict:
    """Ask every question of ``path`` (in every variant) of kb and of BM25; figures and per-query rows.

    JSONL questions go to the index of ``settings.home`` (or a server, ``api``);
    ALQAC ones to the cached ALQAC index under ``settings.home/eval``, or to its copy in the
    PostgreSQL database ``postgres``.
    """
    variants = variants or ["typed"]
    qset, passages_file = load_question_set(path, passages)
    index: dict = {}
    if passages_file:
        if api:
            raise InvalidQueryError("ALQAC questions are asked in-process: a server does not hold the ALQAC index.")
        kb, index = alqac.open_index(settings, passages_file, progress, postgres)
    else:
        if postgres:
            raise InvalidQueryError("--postgres is for ALQAC questions; to ask your own questions of a PostgreSQL "
                                    "store, use an index folder whose settings name it (docs/postgres.md).")
        kb = KnowledgeBase(settings)
    try:
        systems = [_kb_system(None if api else kb, api, qset.fetch), _bm25_system(kb, qset.fetch)]
        rows = _run(qset, [s for s in systems if s], variants)
    finally:
        kb.close()
    unanswerable = sum(1 for q in qset.questions if not q.gold)
    return {"file": str(path), "via": api or "in-process", "questions": len(qset.questions) - unanswerable,
            "without_answer": unanswerable, "index": index,
            "baseline": BM25_DESCRIPTION, "weights": vars(settings.weights), "refusal": vars(settings.refusal),
            "variants": _summaries(rows, variants),
            "queries": rows}


def _line(label: str, system: str, figures: dict, latency: dict | None = None) -> list[str]:
    """The figures, then under them their 95% intervals."""
    cells = " ".join(f"{figures[m]:>11.3f}" for m in METRICS)
    timing = f" {latency['p50']:>7.1f} {latency['p95']:>7.1f}" if latency else ""
    bounds = " ".join(f"{'{:.2f}-{:.2f}'.format(*figures['ci95'][m]):>11}" for m in METRICS)
    return [f"{label:<24} {system:<5} {figures['queries']:>4} {cells}{timing}", f"{'':<24} {'95%':<5} {'':>4} {bounds}"]


def _refusal_line(variant: str, figures: dict) -> str:
    none, some = figures["without_answer"], figures["answerable"]
    low, high = none["ci95"]
    line = f"{variant}: kb refused {none['refused']:.1%} of {none['questions']} questions without an answer " \
           f"(95% {low:.1%}-{high:.1%})"
    low, high = some["ci95"]
    return line + f" and {some['refused']:.1%} of {some['questions']} answerable ones (95% {low:.1%}-{high:.1%})"


def format_report(report: dict) -> str:
    """A table per variant: kb and BM25 side by side, overall then per kind; misses of kb at 5."""
    lines = [f"{report['file']} via {report['via']}: {report['questions']} questions; baseline {report['baseline']}"]
    if report["without_answer"]:
        lines.append(f"{report['without_answer']} questions without an answer in the index count only in the refusals")
    if report["index"]:
        i = report["index"]
        store = " copied to PostgreSQL" if i.get("store") == "postgres" else ""
        lines.append(f"index {i['folder']}{store}: {i['laws']} laws, {i['articles']} articles, {i['chunks']} passages, "
                     f"built in {i['seconds']} s" + (" (reused)" if i["reused"] else ""))
    header = f"{'variant / kind':<24} {'':<5} {'n':>4} " + " ".join(f"{m:>11}" for m in METRICS)
    lines.append(header + f" {'p50 ms':>7} {'p95 ms':>7}")
    for variant, systems in report["variants"].items():
        for system, summary in systems.items():
            lines += _line(variant, system, summary["overall"], summary["latency_ms"])
        kinds = next(iter(systems.values()))["by_kind"]
        for kind in kinds if len(kinds) > 1 else []:
            lines += [line for s in systems for line in _line(f"  {kind}", s, systems[s]["by_kind"][kind])]
    lines += [_refusal_line(variant, systems["kb"]["refusal"]) for variant, systems in report["variants"].items()]
    misses = [r for r in report["queries"] if r["system"] == "kb" and r["answerable"] and r["hit@5"] == 0]
    lines += [f"  kb miss@5{' (refused)' if r['refused'] else ''} [{r['variant']}] {r['id']}: {r['query'][:90]}"
              for r in misses]
    kept = [r for r in report["queries"] if r["system"] == "kb" and not r["answerable"] and not r["refused"]]
    lines += [f"  kb answered without an answer [{r['variant']}] {r['id']}: {r['query'][:90]}" for r in kept]
    return "\n".join(lines)
