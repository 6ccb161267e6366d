"""Follow a directive: what a document relies on and what relies on it, by kind of relation.

Both directions are read from the citations ``kb.storage.documents`` already
resolves (``references_of`` and ``citing``, which agree), each relation with
the sentence and passage that state it.  A document is listed once per
direction, under the strongest kind of relation between the two (a plan that
"thực hiện" a directive and mentions it again implements it); the groups come
strongest kind first (``indexer.relations.KINDS``), each ordered by date.

What a document cites but the index does not hold stays, described as its
citation prints it (``indexer.cited``); a citation that may name several
documents lists them.  A caller sees only documents at its level: anything
above it is left out of both directions, not even counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.analyzer import normalize
from indexer.cited import describe
from indexer.references import extract_references
from indexer.relations import KINDS, MENTIONS
from kb.access.levels import LEVELS
from kb.errors import InvalidQueryError, NotFoundError
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.documents import document_labels
from kb.retrieval.results import DocumentRef
from kb.storage.citations import AMBIGUOUS, RESOLVED

__all__ = ["HELD", "NOT_HELD", "DocumentRelations", "RelatedDocument", "RelationGroup", "document_relations",
           "documents_numbered"]

HELD, NOT_HELD = "held", "not_held"  # and AMBIGUOUS: what a related document is to the index


@dataclass(frozen=True)
class RelatedDocument:
    """One document related to the one asked about, and where the relation is stated.

    ``found`` is ``held`` (``id`` and its metadata from the index), ``ambiguous`` (``candidates``: the documents the
    citation may name; the rest as printed) or ``not_held`` (type, number, date, issuer and ``subject`` as the
    citation prints them).  ``sentence`` and ``chunk_id`` are the first place the relation of this ``kind`` is
    stated, in the citing document's passage; ``places`` counts every place either cites the other.
    """

    kind: str
    found: str
    id: int | None
    doc_type: str | None
    number: str | None
    date: str | None
    issuer: str | None
    title: str | None
    subject: str | None
    printed: str
    sentence: str
    chunk_id: int
    places: int
    candidates: list[DocumentRef] = field(default_factory=list)


@dataclass(frozen=True)
class RelationGroup:
    """The related documents of one kind, oldest first (undated last)."""

    kind: str
    documents: list[RelatedDocument]


@dataclass(frozen=True)
class DocumentRelations:
    """A document and its relations both ways: ``relies_on`` (what it is based on, implements, guides, amends,
    replaces, repeals or mentions) and ``relied_on_by`` (the documents that do so to it), by kind, strongest first."""

    id: int
    doc_type: str | None
    number: str | None
    date: str | None
    issuer: str | None
    title: str | None
    relies_on: list[RelationGroup]
    relied_on_by: list[RelationGroup]


def document_relations(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> DocumentRelations:
    """The relations of document ``doc_id`` as a caller allowed ``access`` sees them; a document above that
    level is "not found"."""
    row = kb.store.documents.get(doc_id, access)
    return DocumentRelations(
        id=doc_id, doc_type=row["doc_type"], number=row["number"], date=row["date"], issuer=row["issuer"],
        title=row["title"], relies_on=_grouped(_outgoing(kb, doc_id, access)),
        relied_on_by=_grouped(_incoming(kb, doc_id, access)))


def documents_numbered(kb: KnowledgeBase, text: str, access: str = LEVELS[-1]) -> list[DocumentRef]:
    """The documents a number as users type it names ("05-CT/TW", "Chỉ thị 05", "chi thi 05", "CT 05"), oldest
    first, matched as a citation of it would be (``Documents.named``: a document and its copies, or the
    candidates); a bare id names its document."""
    if text.strip().isdigit():
        ids = [int(text)]
    else:
        if not extract_references(normalize(text)):
            raise InvalidQueryError(f"'{text}' is not a document number (e.g. 05-CT/TW, Chỉ thị 05, CT 05)",
                                    code="not_a_number", number=text)
        ids = list(kb.store.documents.named(text, access).documents)
    found = [DocumentRef.from_row(r) for r in kb.store.documents.labels(ids, access)]
    if not found:
        raise NotFoundError(f"No document numbered {text} in the index", code="unknown_number", number=text)
    return found


@dataclass
class _Related:
    """What one direction gathers of one related document before it becomes a ``RelatedDocument``."""

    reference: dict[str, Any]  # a row of ``references_of``: the citation, its status, candidates and relations
    places: list[dict[str, Any]] = field(default_factory=list)  # its relations: kind, chunk_id, sentence

    @property
    def kind(self) -> str:
        kinds = {place["kind"] for place in self.places}
        return next((kind for kind in KINDS if kind in kinds), MENTIONS)


def _outgoing(kb: KnowledgeBase, doc_id: int, access: str) -> list[RelatedDocument]:
    """What the document cites: one entry per cited document held (its citations merged), per citation else.

    A bare citation not held ("Chỉ thị 05") joins the one that names the issuer
    ("Chỉ thị số 05-CT/TW") when the document cites only one issuer's document of
    that number: a reader sees one directive cited in several places.
    """
    references = kb.store.documents.references_of(doc_id, access)
    issued: dict[str, set[str]] = {}
    for ref in references:
        if ref["full_key"] != ref["key"]:
            issued.setdefault(ref["key"], set()).add(ref["full_key"])
    gathered: dict[Any, _Related] = {}
    for ref in references:
        named = issued.get(ref["key"], set())
        full_key = next(iter(named)) if ref["full_key"] == ref["key"] and len(named) == 1 else ref["full_key"]
        target = ref["document_id"] if ref["status"] == RESOLVED else (full_key, ref["year"], ref["date"])
        related = gathered.setdefault(target, _Related(ref))
        if _clearer(ref, related.reference, full_key):
            related.reference = ref
        related.places.extend(ref["relations"])
    labels = document_labels(kb, sorted({c for related in gathered.values() for c in related.reference["candidates"]}), access)
    return [_entry(related, labels) for related in gathered.values() if related.places]


def _clearer(ref: dict[str, Any], than: dict[str, Any], full_key: str) -> bool:
    """Whether ``ref`` labels the cited document better: it names the issuer, then it prints more of the number."""
    return (ref["full_key"] == full_key, len(ref["printed"])) > (than["full_key"] == full_key, len(than["printed"]))


def _incoming(kb: KnowledgeBase, doc_id: int, access: str) -> list[RelatedDocument]:
    """The visible documents whose citations name this one, each with the places it does so."""
    citers = [row["id"] for row in kb.store.documents.citing(doc_id, access)]
    labels = document_labels(kb, sorted(set(citers)), access)
    found = []
    for citer in citers:
        refs = [r for r in kb.store.documents.references_of(citer, access)
                if r["status"] == RESOLVED and doc_id in r["candidates"]]
        if refs and citer in labels:
            related = _Related(refs[0] | {"status": RESOLVED, "document_id": citer, "candidates": [citer]},
                               [place for ref in refs for place in ref["relations"]])
            found.append(_entry(related, labels))
    return found


def _entry(related: _Related, labels: dict[int, DocumentRef]) -> RelatedDocument:
    """The related document as listed: the index's metadata if held, what its citation prints otherwise."""
    ref, kind = related.reference, related.kind
    first = next(place for place in related.places if place["kind"] == kind)
    common = {"kind": kind, "printed": ref["printed"], "sentence": first["sentence"], "chunk_id": first["chunk_id"],
              "places": len(related.places)}
    held = labels.get(ref["document_id"]) if ref["status"] == RESOLVED else None
    if held:
        return RelatedDocument(found=HELD, id=held.id, doc_type=held.doc_type, number=held.number, date=held.date,
                               issuer=held.issuer, title=held.title, subject=None, **common)
    printed = _printed(related)
    candidates = [labels[c] for c in ref["candidates"] if c in labels] if ref["status"] == AMBIGUOUS else []
    return RelatedDocument(found=AMBIGUOUS if candidates else NOT_HELD, id=None, title=None,
                           doc_type=printed.get("doc_type"), number=printed.get("number", ref["printed"]),
                           date=printed.get("date") or ref["date"], issuer=printed.get("issuer"),
                           subject=printed.get("subject"), candidates=candidates, **common)


def _printed(related: _Related) -> dict[str, str]:
    """What the citation's sentences print of the cited document: the fullest description among them."""
    descriptions = [describe(place["sentence"], related.reference["printed"]) for place in related.places]
    best = max((d for d in descriptions if d), default=None,
               key=lambda d: sum(v is not None for v in (d.date, d.issuer, d.subject)))
    return {k: v for k, v in vars(best).items() if v is not None} if best else {}


def _grouped(documents: list[RelatedDocument]) -> list[RelationGroup]:
    """By kind, strongest first; in each, oldest first, undated last."""
    return [RelationGroup(kind, sorted((d for d in documents if d.kind == kind),
                                       key=lambda d: (d.date is None, d.date or "", d.number or "", d.id or 0)))
            for kind in KINDS if any(d.kind == kind for d in documents)]
