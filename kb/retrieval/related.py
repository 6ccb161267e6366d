"""Drafting help: for a draft plan or report (never stored), the căn cứ it should cite, the earlier passages
nearest each of its parts, and its citations that name nothing in the index or a replaced document.

The căn cứ are ranked in three plain steps, each suggestion saying why:

1. what the draft itself cites and the index holds comes first ("được trích dẫn trong dự thảo");
2. documents on the draft's subject are found by searching with its title and with each of its parts
   (the same legs and fusion as ``kb search``); a document is as *similar* as it ranks in those searches;
3. documents on one subject tend to share their căn cứ, so what the most similar documents cite as basis
   or carry out (resolved citations of kind ``basis`` / ``implements``) is suggested, weighed by how
   similar each citing document is ("văn bản cùng chủ đề X, Y đều căn cứ"), beside the similar documents
   themselves ("nội dung gần với dự thảo").

The weights were chosen on the tuning half of ``bench/related_eval.py`` (docs/evaluation.md).  The list is
shown in official order (by date), each with its rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from indexer.analyzer import fold, tokens
from indexer.local_issuers import local_issuer_key
from indexer.model import Chunk, ParsedDocument, Reference
from indexer.parse import FRAME_SECTIONS
from indexer.references import own_reference
from indexer.relations import BASIS, IMPLEMENTS, KINDS
from kb.access.levels import LEVELS
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.documents import document_labels
from kb.retrieval.results import DocumentRef, SearchHit
from kb.retrieval.search import fuse, legs, narrowing, read_query, render, weights_for
from kb.retrieval.validity import with_status
from kb.storage.citations import AMBIGUOUS, RESOLVED, SELF, UNRESOLVED, Candidate, Cited
from kb.storage.filters import DocumentFilters
from kb.storage.status import EXPIRED, REPEALED, REPLACED

__all__ = ["BasisSuggestion", "BasisWeights", "CitationProblem", "Evidence", "PartMatches", "RelatedResponse", "evidence",
           "related", "suggest_basis"]

CITING = (BASIS, IMPLEMENTS)
MAX_PARTS = 30        # the draft's passages searched: a plan's first thirty hold its subject
HITS = 30             # passages read from each search
NEAR_DUPLICATE = 0.8  # share of words two passages hold in common past which the second is not shown
ENDED = (REPLACED, REPEALED, EXPIRED)  # the statuses of a document no longer to cite (kb.retrieval.validity)


@dataclass(frozen=True)
class BasisWeights:
    """How the căn cứ are ranked: a best of 54 settings on the tuning half of ``bench/related_eval.py``
    (docs/evaluation.md), where what similar documents cite counts for much more than their being similar."""

    subject: float = 2.0   # the title's search, beside all the parts' searches together
    cocited: float = 2.0   # a căn cứ of similar documents …
    similar: float = 0.25  # … beside a similar document itself
    documents: int = 10    # the most similar documents whose căn cứ are suggested


DEFAULT_WEIGHTS = BasisWeights()


@dataclass(frozen=True)
class BasisSuggestion:
    """A document the draft should cite, with its citation as written (``indexer.citation``), its rank and why
    it is suggested; ``in_force`` is false when it was replaced, repealed or expired (``document.status`` says
    by what)."""

    rank: int
    score: float
    citation: str | None
    document: DocumentRef
    cited_in_draft: bool
    in_force: bool
    reasons: list[str]


@dataclass(frozen=True)
class PartMatches:
    """One part of the draft and the nearest passages of indexed documents."""

    section: str
    text: str
    passages: list[SearchHit]


@dataclass(frozen=True)
class CitationProblem:
    """A citation of the draft that names no indexed document (``unresolved``), several (``ambiguous``: the
    ``documents`` it may name), or one no longer in force (``replaced``: replaced, repealed or expired, as
    its ``document.status`` says, with what replaced it)."""

    printed: str
    kinds: list[str]
    status: str
    documents: list[DocumentRef]


@dataclass(frozen=True)
class RelatedResponse:
    """What ``kb related``, ``POST /api/related`` and the ``/related`` page show."""

    title: str | None
    doc_type: str | None
    number: str | None
    date: str | None
    basis: list[BasisSuggestion]
    parts: list[PartMatches]
    problems: list[CitationProblem]


@dataclass
class _Citation:
    """One document the draft cites (every spelling of it once), its kinds and what it names in the index."""

    printed: str
    cited: Cited
    kinds: set[str] = field(default_factory=set)
    status: str = UNRESOLVED
    documents: tuple[int, ...] = ()


def _citations(kb: KnowledgeBase, draft: ParsedDocument, access: str) -> list[_Citation]:
    """The draft's citations, resolved against the visible documents as an indexed document's would be."""
    grouped: dict[tuple, _Citation] = {}
    for ref in draft.references:
        cited = Cited.from_keys(ref.key, ref.full_key, ref.issued_year, ref.date, ref.issuer_name)
        entry = grouped.setdefault((ref.full_key, ref.issued_year, ref.date, ref.issuer_name),
                                   _Citation(" ".join(ref.text.split()), cited))
        entry.kinds.add(ref.kind)
    citations = list(grouped.values())
    found = kb.store.documents.resolve_printed([c.cited for c in citations], _own(draft), access)
    for citation, resolution in zip(citations, found):
        citation.status, citation.documents = resolution.status, resolution.documents
    return [c for c in citations if c.status != SELF]


def _own(draft: ParsedDocument) -> Candidate | None:
    """The draft's own number as a candidate, so that it is never its own căn cứ."""
    meta = draft.meta
    own: Reference | None = own_reference(meta.number, meta.doc_type) if meta.number else None
    if own is None:
        return None
    cited = Cited.from_keys(own.key, own.full_key, own.issued_year, issuer_name=local_issuer_key(meta.issuer))
    return Candidate(0, cited, meta.date)


def _parts(draft: ParsedDocument) -> list[Chunk]:
    """The draft's body passages, without its header and closing (its own number, recipients, signer)."""
    frame = set(FRAME_SECTIONS.values())
    return [c for c in draft.chunks
            if c.kind == "body" and c.text.strip() and not frame & set(c.heading_path)][:MAX_PARTS]


def _subject(draft: ParsedDocument) -> str:
    """What the draft is about, as its title and subject line say."""
    meta = draft.meta
    return " ".join(dict.fromkeys(t for t in (meta.title, meta.subject) if t))


def _hits(kb: KnowledgeBase, text: str, narrowed: DocumentFilters | None, access: str,
          exclude: Collection[int]) -> list[SearchHit]:
    """The passages nearest ``text`` (cut to a query's length), as ``kb search`` ranks them, never refused:
    a draft's part is not a question that may have no answer."""
    text = text.strip()[: kb.settings.limits.max_query_chars]
    if not text:
        return []
    query, _ = read_query(kb, text)
    found = legs(kb, query, narrowed)
    ranked = fuse(found, weights_for(kb, query), query.unaccented_vietnamese)
    return [h for h in render(kb, ranked, HITS, access) if h.document.id not in exclude]


def _documents(hits: Iterable[SearchHit]) -> list[int]:
    """The documents of ``hits`` in the order of their best passage."""
    return list(dict.fromkeys(h.document.id for h in hits))


def _similarity(subject: list[SearchHit], parts: list[list[SearchHit]], weight: float) -> dict[int, float]:
    """Each document's reciprocal rank in the title's search (times ``weight``), plus its mean reciprocal rank
    over the parts'."""
    similar: dict[int, float] = defaultdict(float)
    searches = [(weight, subject)] + [(1 / len(parts), hits) for hits in parts]
    for weight, hits in searches:
        for rank, doc_id in enumerate(_documents(hits), 1):
            similar[doc_id] += weight / rank
    return dict(similar)


@dataclass
class _Candidate:
    score: float = 0.0
    cited_in_draft: bool = False
    reasons: list[str] = field(default_factory=list)


def _label(doc: DocumentRef) -> str:
    return doc.number or doc.title or f"#{doc.id}"


def _candidates(kb: KnowledgeBase, citations: list[_Citation], similar: dict[int, float], weights: BasisWeights,
                access: str, exclude: Collection[int]) -> dict[int, _Candidate]:
    """Every suggestion's score and reasons: the draft's own citations first, then co-cited and similar documents."""
    found: dict[int, _Candidate] = defaultdict(_Candidate)
    top = sorted(similar, key=lambda d: -similar[d])[: weights.documents]
    total = sum(similar[d] for d in top) or 1.0
    cocited: dict[int, dict[int, str]] = defaultdict(dict)  # cited document → citing similar document → kind
    for doc_id in top:
        for ref in kb.store.documents.references_of(doc_id, access):
            kind = next((k for k in CITING if k in ref["kinds"]), None)
            if ref["status"] == RESOLVED and kind and ref["document_id"] not in exclude:
                cocited[ref["document_id"]].setdefault(doc_id, kind)
    labels = document_labels(kb, sorted(set(cocited) | {d for c in cocited.values() for d in c}), access)
    for target, citers in cocited.items():
        found[target].score += weights.cocited * sum(similar[d] for d in citers) / total
        names = ", ".join(_label(labels[d]) for d in citers if d in labels)
        verb = "căn cứ" if BASIS in citers.values() else "thực hiện"
        found[target].reasons.append(f"văn bản cùng chủ đề {names} đều {verb}" if len(citers) > 1 else
                                     f"văn bản cùng chủ đề {names} {verb} văn bản này")
    best = max(similar.values(), default=1.0)
    for doc_id in top:
        found[doc_id].score += weights.similar * similar[doc_id] / best
        found[doc_id].reasons.append("nội dung gần với dự thảo")
    for citation in citations:
        if citation.status == RESOLVED:
            own = found[citation.documents[0]]
            own.cited_in_draft = True
            own.score += 1 + weights.cocited + weights.similar  # above any the other steps can give
            kinds = " và ".join(k for k, name in (("căn cứ", BASIS), ("thực hiện", IMPLEMENTS)) if name in citation.kinds)
            own.reasons.insert(0, "được trích dẫn trong dự thảo" + (f" ({kinds})" if kinds else ""))
    return found


def _suggestions(kb: KnowledgeBase, found: dict[int, _Candidate], k: int, access: str) -> list[BasisSuggestion]:
    """The ``k`` best candidates, in date order (undated last), each with its rank."""
    ranked = sorted(found, key=lambda d: (-found[d].score, d))
    labels = document_labels(kb, ranked[: k * 2], access)  # a candidate the caller cannot see is left out
    best = with_status(kb, [labels[d] for d in ranked if d in labels][:k], access)
    suggestions = [BasisSuggestion(rank, round(found[doc.id].score, 4), doc.citation, doc, found[doc.id].cited_in_draft,
                                   _in_force(doc), found[doc.id].reasons)
                   for rank, doc in enumerate(best, 1)]
    return sorted(suggestions, key=lambda s: (s.document.date is None, s.document.date or "", s.rank))


def _in_force(doc: DocumentRef) -> bool:
    return doc.status is None or doc.status.status not in ENDED


def _problems(kb: KnowledgeBase, citations: list[_Citation], access: str) -> list[CitationProblem]:
    """Citations naming nothing indexed, several documents, or a document no longer in force."""
    problems = []
    for citation in citations:
        kinds = [k for k in KINDS if k in citation.kinds]
        documents = with_status(kb, list(document_labels(kb, list(citation.documents), access).values()), access)
        if citation.status in (UNRESOLVED, AMBIGUOUS):
            problems.append(CitationProblem(citation.printed, kinds, citation.status, documents))
        elif not all(_in_force(doc) for doc in documents):
            problems.append(CitationProblem(citation.printed, kinds, "replaced", documents))
    return problems


def _distinct(hits: list[SearchHit], n: int) -> list[SearchHit]:
    """The first ``n`` hits, leaving out one that holds nearly the same words as one kept (a notice's stock text)."""
    kept: list[tuple[SearchHit, set[str]]] = []
    for hit in hits:
        words = set(tokens(fold(hit.text)))
        if all(len(words & seen) < NEAR_DUPLICATE * max(len(words), len(seen), 1) for _, seen in kept):
            kept.append((hit, words))
    return [hit for hit, _ in kept[:n]]


@dataclass(frozen=True)
class Evidence:
    """What the ranking reads of a draft: its citations, its parts and what each search found (the costly part,
    gathered once)."""

    draft: ParsedDocument
    citations: list[_Citation]
    parts: list[Chunk]
    subject_hits: list[SearchHit]
    part_hits: list[list[SearchHit]]


def evidence(kb: KnowledgeBase, draft: ParsedDocument, access: str = LEVELS[-1],
             exclude: Collection[int] = ()) -> Evidence:
    """The draft's citations resolved, and the searches with its subject and with each of its parts."""
    narrowed = narrowing(kb, DocumentFilters(access=access))
    parts = _parts(draft)
    subject = _subject(draft)
    return Evidence(draft, _citations(kb, draft, access), parts,
                    _hits(kb, subject, narrowed, access, exclude) if subject else [],
                    [_hits(kb, part.text, narrowed, access, exclude) for part in parts])


def suggest_basis(kb: KnowledgeBase, found: Evidence, access: str = LEVELS[-1], *, k: int = 10,
                  weights: BasisWeights = DEFAULT_WEIGHTS, exclude: Collection[int] = ()) -> list[BasisSuggestion]:
    """The ``k`` căn cứ to suggest, in date order, each with its rank and reasons."""
    similar = _similarity(found.subject_hits, found.part_hits, weights.subject)
    return _suggestions(kb, _candidates(kb, found.citations, similar, weights, access, exclude), k, access)


def related(kb: KnowledgeBase, draft: ParsedDocument, access: str = LEVELS[-1], *, k: int = 10, per_part: int = 3,
            exclude: Collection[int] = ()) -> RelatedResponse:
    """The căn cứ the draft should cite (``k`` of them), the ``per_part`` passages nearest each of its parts, and
    its citations to check, as a caller allowed ``access`` sees the index.  ``exclude``: documents never
    suggested nor shown (the evaluation leaves a draft taken from the index out of its own answer)."""
    kb.settings.limits.check_k(k)
    found = evidence(kb, draft, access, exclude)
    meta = draft.meta
    return RelatedResponse(
        title=meta.title, doc_type=meta.doc_type, number=meta.number, date=meta.date,
        basis=suggest_basis(kb, found, access, k=k, exclude=exclude),
        parts=[PartMatches(part.section, part.text, _distinct(hits, per_part))
               for part, hits in zip(found.parts, found.part_hits)],
        problems=_problems(kb, found.citations, access),
    )
