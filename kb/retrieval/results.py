"""What a search and a document read return: typed records, the one shape the CLI, the API and the pages show.

The API's response models (``service.models``) document these same fields, and
``kb search --json`` / ``kb show --json`` print ``dataclasses.asdict`` of them, so
the field order here is the key order of that JSON.  Built from the rows of
``kb.storage`` (dicts keyed by column), which is why each has a ``from_row``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Self, cast

from indexer.citation import citation as official_citation

__all__ = [
    "CitingDocument",
    "DocumentDetail",
    "DocumentGroup",
    "DocumentPage",
    "DocumentRef",
    "DocumentStatus",
    "DocumentSummary",
    "DocumentText",
    "FacetValue",
    "Passage",
    "Reference",
    "Relation",
    "SearchHit",
    "SourceFileInfo",
    "SearchResponse",
    "StatusChange",
    "StatusLink",
    "StatusReport",
]


class _FromRow:
    """A record read from a database row, which may carry more columns than the record shows."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(**{f.name: row[f.name] for f in fields(cast(Any, cls)) if f.name in row})


class _Cited:
    """A document record that carries its citation in official form (``indexer.citation``), made from its own
    fields, so that every list, result and page cites a document the same way."""

    doc_type: str | None
    number: str | None
    date: str | None
    issuer: str | None
    subject: str | None
    title: str | None

    def __post_init__(self) -> None:
        cited = official_citation(self.doc_type, self.number, self.date, self.issuer, self.subject, self.title)
        object.__setattr__(self, "citation", cited)  # a frozen dataclass's field, set once here


@dataclass(frozen=True)
class StatusLink(_FromRow):
    """A later document that bears on another's status: ``kind`` ``replaces``, ``repeals`` or ``amends`` it
    (``manual`` when an editor named it as the replacing one)."""

    id: int
    title: str | None
    doc_type: str | None
    number: str | None
    date: str | None
    kind: str


@dataclass(frozen=True)
class StatusChange(_FromRow):
    """One status an editor set by hand: the status, the one set before it (``None``: none), the note, the
    replacing document named (its id), who (an API key's name, or the user at the command line) and when."""

    id: int
    status: str
    previous: str | None
    note: str | None
    replaced_by: int | None
    set_by: str
    set_at: str


@dataclass(frozen=True)
class DocumentStatus:
    """Whether a document is in force, and why kb says so.

    ``status`` is the one that counts (``in_force``, ``replaced``, ``repealed``,
    ``expired``, ``unknown``): the editor's (``source`` ``manual``) where one was
    set, else what the index's relations say (``derived``): ``replaced`` or
    ``repealed`` by a later document the caller sees, else ``in_force``, which
    means no document in the index ends it.  ``derived`` and ``derived_by`` are
    kept beside an editor's status so both are shown; ``replaced_by`` is the
    replacing document of the status that counts, when the caller sees one;
    ``amended_by`` the later documents that amend it (it stays in force).
    """

    status: str
    source: str
    replaced_by: StatusLink | None = None
    derived: str = "in_force"
    derived_by: StatusLink | None = None
    manual: StatusChange | None = None
    amended_by: list[StatusLink] = field(default_factory=list)


@dataclass(frozen=True)
class StatusReport:
    """A document's status and every change an editor made to it, newest first (``GET …/status``)."""

    document_id: int
    status: DocumentStatus
    history: list[StatusChange]


@dataclass(frozen=True)
class DocumentRef(_Cited, _FromRow):
    """The document a passage belongs to, and its citation; ``status`` says whether it is still in force."""

    id: int
    title: str | None
    doc_type: str | None
    number: str | None
    issuer: str | None
    date: str | None
    source: str
    access: str
    status: DocumentStatus | None = None
    subject: str | None = None
    citation: str | None = field(init=False, default=None)


@dataclass(frozen=True)
class SearchHit:
    """One passage that answers a query; ``issuer`` is the passage's own signer, else its document's."""

    rank: int
    score: float
    chunk_id: int
    text: str
    section: str
    issuer: str | None
    kind: str
    char_start: int
    char_end: int
    page: int | None
    document: DocumentRef


@dataclass(frozen=True)
class SearchResponse:
    """A query as typed (stripped), what was searched for it and might be meant, and its passages, best first.

    ``restored`` is the query with the accents it was typed without put back,
    when that changed it; ``suggestion`` also mends its typos (the "Có phải bạn
    muốn tìm" line), when that differs from what was typed.  When nothing in the
    index answers (``kb.retrieval.refusal``), ``results`` is empty and ``refused``
    says why as a code (``unknown_number``, ``no_match``), ``reason`` as a
    sentence, and ``missing`` lists the document numbers named that the index
    does not hold, as typed.  ``missing`` with results: no document is or cites
    that number, but the best passage is of a document whose own number could
    not be read (a scan's seal over it), and the rest of the query is answered.
    """

    query: str
    results: list[SearchHit]
    restored: str | None = None
    suggestion: str | None = None
    refused: str | None = None
    reason: str | None = None
    missing: list[str] = field(default_factory=list)
    groups: list[DocumentGroup] | None = None  # the results by document, when asked for
    facets: dict[str, list[FacetValue]] | None = None  # "type", "issuer", "year": counts beside the results, when asked for


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet and how many documents choosing it would leave (among those that answer a search)."""

    value: str
    count: int


@dataclass(frozen=True)
class DocumentGroup:
    """One document's passages among a search's results: the documents in the order of their best passage."""

    document: DocumentRef
    best_rank: int
    results: list[SearchHit]


@dataclass(frozen=True)
class Relation(_FromRow):
    """One place a document cites another: what it does with it there (``kind``: ``basis``, ``implements``,
    ``guides``, ``amends``, ``replaces``, ``repeals`` or ``mentions``), the sentence that says so and the
    passage it stands in (``chunk_id``; ``sentence_start``/``sentence_end`` are offsets into its text)."""

    kind: str
    sentence: str
    chunk_id: int
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True)
class Reference(_FromRow):
    """A document that one cites, each citation once.

    ``status`` says what it names: ``resolved`` (``document_id``, visible; ``candidates``
    it and its copies), ``ambiguous`` (``candidates``: the documents it may name, so a
    reader chooses) or ``unresolved`` (not in the index, or not visible).  ``relations``
    are the places it is cited, each with its kind; ``kinds`` their kinds, strongest first.
    """

    key: str
    full_key: str
    printed: str
    mentions: int
    document_id: int | None = None
    status: str = "unresolved"
    candidates: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        fields_ = {f.name: row[f.name] for f in fields(cast(Any, cls)) if f.name in row}
        fields_["relations"] = [Relation.from_row(r) for r in row.get("relations", [])]
        return cls(**fields_)


@dataclass(frozen=True)
class CitingDocument(_FromRow):
    """Another visible document that cites this one by number."""

    id: int
    title: str | None
    doc_type: str | None
    number: str | None
    date: str | None


@dataclass(frozen=True)
class Passage(_FromRow):
    """One passage of a document, in reading order."""

    id: int
    ordinal: int
    kind: str
    section: str
    text: str
    issuer: str | None
    char_start: int
    char_end: int
    page: int | None


@dataclass(frozen=True)
class SourceFileInfo(_FromRow):
    """A file the document was read from (``role`` ``file``), found a copy of (``copy``) or replaced (``earlier``)."""

    source: str
    role: str
    format: str | None
    encoding: str | None
    seen_at: str


@dataclass(frozen=True)
class _Metadata(_Cited):
    """A document's metadata as read from its text (the columns ``kb.storage.schema.DOCUMENT_FIELDS``),
    and its citation."""

    id: int
    title: str | None
    doc_type: str | None
    number: str | None
    issuer: str | None
    issuer_parent: str | None
    signer: str | None
    signer_position: str | None
    place: str | None
    date: str | None
    subject: str | None
    source: str
    access: str
    status: DocumentStatus | None = field(default=None, kw_only=True)  # whether it is still in force
    citation: str | None = field(init=False, default=None)


@dataclass(frozen=True)
class DocumentSummary(_Metadata, _FromRow):
    """A document in a list, with its number of passages."""

    chunks: int


@dataclass(frozen=True)
class DocumentPage:
    """One page of a document list and how many documents match on all pages."""

    total: int
    page: int
    per_page: int
    items: list[DocumentSummary]


@dataclass(frozen=True)
class DocumentDetail(_Metadata):
    """One document: metadata, how it was read, its files, what it cites, what cites it, its passages."""

    format: str | None
    encoding: str | None
    garbled_chars: int
    indexed_at: str
    sources: list[SourceFileInfo]
    references: list[Reference]
    cited_by: list[CitingDocument]
    chunks: list[Passage]


@dataclass(frozen=True)
class DocumentText:
    """A document's whole text as read from its file, before chunking."""

    id: int
    text: str
