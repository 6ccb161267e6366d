"""Retrieval quality on a question file: hit@1, hit@5, MRR@10, overall and per kind.

A result is relevant when it comes from the named file and its passage
contains the expected snippet (compared after ``normalize``, case-folded, so
tone-mark spelling and spacing do not matter).  The same questions can be
asked in-process or through a running server (``api``): both give the same
figures, which is how the API path is checked.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from indexer.normalize import normalize

from .knowledge_base import KnowledgeBase

__all__ = ["load_questions", "is_relevant", "evaluate_file", "format_report"]


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return normalize(text).lower()


def is_relevant(result: dict, question: dict) -> bool:
    source = Path(result["document"]["source"]).name
    text = _norm(result["text"])
    return any(Path(r["doc"]).name == source and _norm(r["contains"]) in text for r in question["relevant"])


def _asker(kb: KnowledgeBase | None, api: str | None, k: int):
    if api:
        import httpx

        client = httpx.Client(base_url=api, timeout=60)
        return lambda q: client.get("/api/search", params={"q": q, "k": k}).raise_for_status().json()
    from .search import search

    assert kb is not None
    return lambda q: search(kb, q, k)


def _scores(results: list[dict], question: dict) -> dict[str, float]:
    ranks = [i for i, r in enumerate(results[:10], start=1) if is_relevant(r, question)]
    first = ranks[0] if ranks else None
    return {"hit@1": float(first == 1), "hit@5": float(bool(first and first <= 5)),
            "mrr@10": 1.0 / first if first else 0.0}


def _mean(rows: list[dict]) -> dict[str, float]:
    return {m: round(statistics.fmean(r[m] for r in rows), 4) for m in ("hit@1", "hit@5", "mrr@10")} | {
        "queries": len(rows)}


def evaluate_file(path: Path, *, k: int = 10, api: str | None = None, kb: KnowledgeBase | None = None) -> dict:
    ask = _asker(kb, api, k)
    ask("khởi động")  # warm the model and caches so latency figures are warm
    rows = []
    for question in load_questions(path):
        start = time.perf_counter()
        results = ask(question["query"])["results"]
        elapsed = (time.perf_counter() - start) * 1000
        ranks = _scores(results, question)
        rows.append({"id": question.get("id"), "kind": question.get("kind", "all"), "query": question["query"],
                     "ms": round(elapsed, 1), **ranks})
    kinds = sorted({r["kind"] for r in rows})
    latencies = sorted(r["ms"] for r in rows)
    return {
        "file": str(path), "via": api or "in-process", "overall": _mean(rows),
        "by_kind": {kind: _mean([r for r in rows if r["kind"] == kind]) for kind in kinds},
        "latency_ms": {"p50": latencies[len(latencies) // 2], "max": latencies[-1]},
        "queries": rows,
    }


def format_report(report: dict) -> str:
    lines = [f"{report['file']} via {report['via']}", f"{'':12} {'n':>4} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7}"]
    for name, figures in [("overall", report["overall"]), *report["by_kind"].items()]:
        lines.append(f"{name:12} {figures['queries']:>4} {figures['hit@1']:>7.3f} {figures['hit@5']:>7.3f} "
                     f"{figures['mrr@10']:>7.3f}")
    lines.append(f"latency p50 {report['latency_ms']['p50']} ms, max {report['latency_ms']['max']} ms")
    misses = [r for r in report["queries"] if r["hit@5"] == 0]
    lines += [f"  miss@5: {r['id']} {r['query']}" for r in misses]
    return "\n".join(lines)
