"""Hybrid search: lexical (FTS5 BM25) + dense (FAISS) + reference legs, fused, filtered.

The result is a plain dict in the shape of the HTTP API's response, so the
CLI's ``--json``, the API and the web page all show the same object.
"""

from __future__ import annotations

import re

from .config import Weights
from .errors import InvalidQueryError
from .fusion import reciprocal_rank, weighted_sum
from .knowledge_base import KnowledgeBase
from .query import Query, understand
from .store import DocumentFilters

__all__ = ["search", "legs", "fuse", "render", "validate_filters", "SearchResponse"]

SearchResponse = dict
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def validate_filters(filters: DocumentFilters) -> None:
    for name in ("since", "until"):
        value = getattr(filters, name)
        if value and not _DATE.match(value):
            raise InvalidQueryError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")


def _lexical(kb: KnowledgeBase, match: str, n: int, allowed: set[int] | None) -> list[tuple[int, float]]:
    if not match:
        return []
    columns = (kb.settings.weights.accented_column, 1.0)
    if allowed is None:
        return kb.store.lexical(match, n, columns)
    # With filters, FTS5 cannot restrict to the allowed ids itself: fetch deeper, then keep.
    return [h for h in kb.store.lexical(match, n * 20, columns) if h[0] in allowed][:n]


def legs(kb: KnowledgeBase, query: Query, allowed: set[int] | None) -> dict[str, list[tuple[int, float]]]:
    """Each leg's hits, best first: syllables and syllable pairs (FTS5), the model (FAISS), references."""
    weights = kb.settings.weights
    n = weights.candidates
    found = {"lexical": _lexical(kb, query.fts_match(), n, allowed)}
    if weights.phrase:
        found["phrase"] = _lexical(kb, query.fts_phrases(), n, allowed)
    if weights.dense_weight(query.unaccented_vietnamese):
        found["dense"] = kb.vectors.search(kb.embedder.encode_query(query.normalized), n, allowed)
    references = kb.store.reference_hits(query.keys, query.full_keys)
    found["reference"] = references if allowed is None else [h for h in references if h[0] in allowed]
    return found


def fuse(found: dict[str, list[tuple[int, float]]], weights: Weights, unaccented: bool) -> list[tuple[int, float]]:
    """The legs fused by the configured method; the dense leg weighs less for Vietnamese typed without accents."""
    per_leg = {"lexical": weights.lexical, "phrase": weights.phrase, "dense": weights.dense_weight(unaccented),
               "reference": weights.reference}
    if weights.method == "rrf":
        return reciprocal_rank(found, per_leg, k=weights.rrf_k)
    return weighted_sum(found, per_leg)


def _result(rank: int, score: float, hit: dict) -> dict:
    document = {f: hit[f"doc_{f}"] for f in ("id", "title", "doc_type", "number", "issuer", "date", "source")}
    return {
        "rank": rank, "score": round(score, 4), "chunk_id": hit["id"], "text": hit["text"], "section": hit["section"],
        "issuer": hit["issuer"] or document["issuer"], "kind": hit["kind"],
        "char_start": hit["char_start"], "char_end": hit["char_end"], "page": hit["page"], "document": document,
    }


def search(kb: KnowledgeBase, text: str, k: int = 10, filters: DocumentFilters | None = None) -> SearchResponse:
    """Answer a query with up to ``k`` passages, each with its document and issuing body."""
    text = text.strip()
    limits = kb.settings.limits
    if not text:
        raise InvalidQueryError("The query is empty.")
    if len(text) > limits.max_query_chars:
        raise InvalidQueryError(f"The query is {len(text)} characters long; the limit is {limits.max_query_chars}.")
    if not 1 <= k <= limits.max_k:
        raise InvalidQueryError(f"k must be between 1 and {limits.max_k}.")
    filters = filters or DocumentFilters()
    validate_filters(filters)
    query = understand(text)
    allowed = kb.store.filtered_chunk_ids(filters) if filters else None
    fused = fuse(legs(kb, query, allowed), kb.settings.weights, query.unaccented_vietnamese)
    return {"query": text, "results": render(kb, fused, k)}


def render(kb: KnowledgeBase, ranked: list[tuple[int, float]], k: int) -> list[dict]:
    """The first ``k`` of ranked chunk ids as results; the evaluation's BM25 baseline shows its hits the same way."""
    top = ranked[: k * 2]
    hits = kb.store.hits([chunk_id for chunk_id, _ in top])
    kept = [(chunk_id, score) for chunk_id, score in top if chunk_id in hits][:k]
    return [_result(rank, score, hits[cid]) for rank, (cid, score) in enumerate(kept, 1)]
