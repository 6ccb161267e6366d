"""Which document a citation names: the rules, as pure functions over what numbers say.

A citation names a document only if every field both of them print agrees:
type and number always, the issuer (a law's issuer code carries its
legislature term, ``QH15``), the year and the day (a date printed after the
citation) where both have one.  ``Luật số 56/2024/QH15`` is then never
``56/2014/QH13``; ``Quyết định số 70/2025/QĐ-UBND ngày 29/10/2025`` is not
another province's 70/2025/QĐ-UBND of 17 November; a citation that names a
local body ("… của UBND tỉnh Bình Dương") names only a document of that body,
by its name (``indexer.local_issuers``: every province's committee numbers
its decisions QĐ-UBND); and ``Chỉ thị 05`` names a document only while the
index holds exactly one Chỉ thị 05.

The same document is often indexed twice (a law as .txt and as .docx): files
whose numbers and dates are the same are copies, one *identity*, and a
citation of it names all of them.  A document never cites itself nor its
copies.  ``kb.storage.documents`` reads both directions (what a document
cites, what cites it) through ``resolve``, so the two lists always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexer.codes import sharing_numbers
from indexer.local_issuers import same_local_issuer

__all__ = ["AMBIGUOUS", "RESOLVED", "SELF", "UNRESOLVED", "Candidate", "Cited", "Resolution", "agrees", "resolve"]

RESOLVED, AMBIGUOUS, UNRESOLVED, SELF = "resolved", "ambiguous", "unresolved", "self"


@dataclass(frozen=True)
class Cited:
    """What a number says of a document; ``None`` where it says nothing."""

    doc_type: str
    number: str  # without leading zeros, as in the keys
    issuer: str | None = None
    year: str | None = None
    date: str | None = None  # the day printed after a citation, ISO 8601
    issuer_name: str | None = None  # the local body named after a citation, or a document's own (its key)

    @property
    def key(self) -> str:
        """As stored (``indexer.model.Reference.key``): what every spelling of the citation shares."""
        return f"{self.doc_type}:{self.number}"

    @classmethod
    def from_keys(cls, key: str, full_key: str, year: str | None, date: str | None = None,
                  issuer_name: str | None = None) -> Cited:
        """From the stored keys (``L:56``, ``L:56:QH15``): the issuer is what the full key adds."""
        doc_type, number = key.rsplit(":", 1)
        return cls(doc_type, number, full_key[len(key) + 1:] or None, year, date, issuer_name)


@dataclass(frozen=True)
class Candidate:
    """An indexed document as its own number and date describe it."""

    doc_id: int
    own: Cited  # its number (the year is the number's own, if it prints one)
    date: str | None = None  # its date, ISO 8601

    @property
    def year(self) -> str | None:
        """The year a citation is checked against: the number's, else the date's (a Party number has none)."""
        return self.own.year or (self.date[:4] if self.date else None)

    @property
    def identity(self) -> tuple[Cited, str | None]:
        """Copies of one document (a .txt and a .docx of a law) share number, date and a local issuer's name
        (two provinces' committees may issue a 15/2021/QĐ-UBND on the same day)."""
        return self.own, self.date


@dataclass(frozen=True)
class Resolution:
    """``documents``: the cited document and its copies when resolved, the candidates when ambiguous."""

    status: str  # RESOLVED, AMBIGUOUS, UNRESOLVED, or SELF (the citing document's own number)
    documents: tuple[int, ...] = ()


def _same(printed: str | None, known: str | None) -> bool:
    return printed is None or known is None or printed == known


def _same_day(printed: str | None, known: str | None) -> bool:
    """Days are compared only when both are whole dates (a document may be dated by its month alone)."""
    return not (printed and known and len(printed) == len(known) == 10) or printed == known


def agrees(cited: Cited, candidate: Candidate) -> bool:
    """Whether the citation can name this document: no field printed by both differs.  A Party Quy định,
    keyed by its title's type, is also what its number printed alone names (``47-QĐ/TW``)."""
    own = candidate.own
    return ((cited.doc_type == own.doc_type or own.doc_type in sharing_numbers(cited.doc_type))
            and cited.number == own.number
            and _same(cited.issuer, own.issuer) and _same(cited.year, candidate.year)
            and _same_day(cited.date, candidate.date)
            and (cited.issuer_name is None or same_local_issuer(cited.issuer_name, own.issuer_name)))


def _names_in_full(cited: Cited, own: Candidate) -> bool:
    """Whether the citation prints every field the document's own number has: "Số: 72/2025/NQ-HĐND"."""
    return (own.own.issuer is None or cited.issuer is not None) and (own.own.year is None or cited.year is not None)


def resolve(cited: Cited, candidates: Iterable[Candidate], citing_id: int,
            citing: Candidate | None = None) -> Resolution:
    """The document ``cited`` names among ``candidates``, as cited from document ``citing_id``, whose own
    number ``citing`` describes (``None`` if it has none).

    A citation that agrees with the citing document's own number is that
    document mentioning itself when it prints that number in full, or when no
    other document could be meant ("Chỉ thị 05" inside 05-CT/TU while the
    index holds no other Chỉ thị 05).
    """
    own_identity = citing.identity if citing else None
    others = [c for c in candidates
              if c.doc_id != citing_id and c.identity != own_identity and agrees(cited, c)]
    if citing and agrees(cited, citing) and (_names_in_full(cited, citing) or not others):
        return Resolution(SELF)
    identities = {c.identity for c in others}
    if not identities:
        return Resolution(UNRESOLVED)
    documents = tuple(sorted({c.doc_id for c in others}))
    return Resolution(RESOLVED if len(identities) == 1 else AMBIGUOUS, documents)
