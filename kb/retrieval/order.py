"""The first five passages in the order a linear model of their evidence gives them.

Fusion and the rules after it (``kb.retrieval.arrange``) rank passages by
scores each leg computes alone; what they leave is most often the right
document's second passage above its first, or another document's passage
with more of the question's words above the one that answers.  Each of the
first five passages is described by its evidence (its place, each leg's rank
and score, its kind, its document's place among the five, how much of the
question it holds, whether it prints the number asked), and a linear model
of that evidence, learned from which of them answered the tuning sets'
questions, orders them again.  Which five are shown stays the rules' choice:
ordering the first ten instead gained no more on the tuning sets and lost an
ALQAC statement's article from the first five (docs/ranking.md, "Stop 61").

The model's weights are data, ``order.tsv`` beside this module, written by
``bench/learn_order.py``, which also prints their cross-validated gain
(folds of whole question sets: no fold's weights saw its documents).  A
question asking who signed a document or when keeps the rules' order: the
sets quote either the card or the print for those, and the rules choose the
print (docs/ranking.md, "The document as printed before its card").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from indexer.analyzer import fold
from indexer.parse import frame_part
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.arrange import counted_asked
from kb.retrieval.intent import FOLLOWERS, intent
from kb.retrieval.query import Query
from kb.retrieval.results import SearchHit
from kb.retrieval.signing import SIGNED_OR_ISSUED

__all__ = ["FEATURES", "FLAGS", "ORDERED", "OrderModel", "named_documents", "order_model", "orders",
           "parse_order_model", "passage_features", "question_flags", "reordered"]

ORDERED = 5  # the passages the model orders again; the rest keep their places

FEATURES = ("inverse_place", "score_share", "card", "header", "closing", "inverse_document_place",
            "document_passages", "first_document", "named_document", "coverage", "prints_number", "log_length",
            "lexical_inverse_rank", "lexical_share", "phrase_inverse_rank", "phrase_share",
            "dense_inverse_rank", "dense_share", "reference_inverse_rank", "reference_share")
LEGS = ("lexical", "phrase", "dense", "reference")

# What kind of question it is: each weighs every feature again (an English question's dense leg says more; a
# question naming by number a document the index holds is answered by that document's own passages, one naming a
# document the index lacks by the passages that cite it, one asking which documents carry it out by other documents).
FLAGS = ("english", "named", "followers", "counts", "bare")


class OrderModelError(ValueError):
    """An ``order.tsv`` that does not hold one weight per feature and kind of question."""


@dataclass(frozen=True)
class OrderModel:
    """One weight per feature, and for each flag of the question one more per feature (``FLAGS``)."""

    weights: Mapping[str, tuple[float, ...]]  # feature → (weight, weight when the question is FLAGS[0], …)

    def score(self, features: Mapping[str, float], flags: Mapping[str, bool]) -> float:
        on = [1.0] + [float(flags[flag]) for flag in FLAGS]
        return sum(value * sum(w * o for w, o in zip(self.weights[name], on, strict=True))
                   for name, value in features.items())


def parse_order_model(text: str) -> OrderModel:
    """Read ``order.tsv``: a line a feature, its name then ``1 + len(FLAGS)`` weights, tab-separated; ``#`` comments."""
    weights: dict[str, tuple[float, ...]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, *values = line.split("\t")
        if name not in FEATURES or len(values) != 1 + len(FLAGS):
            raise OrderModelError(f"line {number}: expected a feature of {FEATURES} and {1 + len(FLAGS)} weights")
        weights[name] = tuple(float(value) for value in values)
    if set(weights) != set(FEATURES):
        raise OrderModelError(f"order.tsv lacks {sorted(set(FEATURES) - set(weights))}")
    return OrderModel(weights)


@cache
def order_model() -> OrderModel:
    """The model shipped with kb (``kb/retrieval/order.tsv``), read once."""
    return parse_order_model(resources.files("kb.retrieval").joinpath("order.tsv").read_text(encoding="utf-8"))


def named_documents(kb: KnowledgeBase, query: Query) -> set[int]:
    """The documents the index holds that the question names by number."""
    return set(kb.store.chunks.named_documents(query.keys, query.full_keys, None, query.years)) if query.keys else set()


def question_flags(query: Query, typed: Query, named: set[int]) -> dict[str, bool]:
    """What kind of question ``query`` is (``FLAGS``); ``typed`` is the query as typed, before its accents were put
    back, ``named`` the documents it names that the index holds (``named_documents``)."""
    return {"english": query.translation is not None, "named": bool(named), "followers": intent(query.folded) == FOLLOWERS,
            "counts": counted_asked(query) is not None, "bare": typed.unaccented_vietnamese}


def passage_features(kb: KnowledgeBase, query: Query, found: Mapping[str, Sequence[tuple[int, float]]],
                     hits: Sequence[SearchHit], named: set[int]) -> list[dict[str, float]]:
    """The evidence of each of ``hits`` (the first ``ORDERED`` results, in the rules' order), as ``FEATURES``;
    ``found`` is each leg's hits, best first (``kb.retrieval.search.legs``), ``named`` the documents the question
    names that the index holds."""
    ranks = {leg: {chunk: rank for rank, (chunk, _) in enumerate(found.get(leg, ()), 1)} for leg in LEGS}
    scores = {leg: dict(found.get(leg, ())) for leg in LEGS}
    best = {leg: found[leg][0][1] if found.get(leg) else 0.0 for leg in LEGS}
    terms = list(dict.fromkeys(tuple(map(fold, words)) for column, words in query.syllables() if column == "folded"))
    coverage = kb.lexicon.current().coverage(terms, [hit.chunk_id for hit in hits]) if terms else [0.0] * len(hits)
    counts = counted_asked(query)
    documents = [hit.document.id for hit in hits]
    places = list(dict.fromkeys(documents))
    first_score = hits[0].score or 1.0
    described = []
    for place, (hit, covered) in enumerate(zip(hits, coverage, strict=True), 1):
        part = frame_part(hit.section)
        features = {"inverse_place": 1 / place, "score_share": hit.score / first_score, "card": float(hit.kind == "card"),
                    "header": float(part == "header"), "closing": float(part == "closing"),
                    "inverse_document_place": 1 / (places.index(hit.document.id) + 1),
                    "document_passages": float(documents.count(hit.document.id)),
                    "first_document": float(hit.document.id == documents[0]),
                    "named_document": float(hit.document.id in named), "coverage": covered,
                    "prints_number": float(bool(counts and counts.search(fold(hit.text)))),
                    "log_length": math.log1p(len(hit.text))}
        for leg in LEGS:
            rank = ranks[leg].get(hit.chunk_id)
            features[f"{leg}_inverse_rank"] = 1 / rank if rank else 0.0
            features[f"{leg}_share"] = scores[leg][hit.chunk_id] / best[leg] if rank and best[leg] else 0.0
        described.append(features)
    return described


def orders(query: Query) -> bool:
    """Whether the learned order applies to ``query``: not to a question asking who signed a document or when
    (``SIGNED_OR_ISSUED``), whose golds the tuning sets quote from the card or the print by their writer's habit."""
    return not SIGNED_OR_ISSUED.search(query.folded)


def reordered(kb: KnowledgeBase, query: Query, typed: Query, found: Mapping[str, Sequence[tuple[int, float]]],
              hits: list[SearchHit], model: OrderModel) -> list[SearchHit]:
    """``hits`` with their first ``ORDERED`` in the model's order, best first, ranks numbered again, where it
    ``orders`` the question; else as they were.  Each keeps its fused score."""
    if len(hits) < 2 or not orders(query):
        return hits
    head, named = hits[:ORDERED], named_documents(kb, query)
    flags = question_flags(query, typed, named)
    scores = [model.score(features, flags) for features in passage_features(kb, query, found, head, named)]
    order = sorted(range(len(head)), key=lambda at: (-scores[at], at))
    return [replace(hit, rank=rank) for rank, hit in enumerate([head[at] for at in order] + hits[ORDERED:], 1)]

