"""The records that flow through the indexer, from file to store.

Every stage takes and returns these plain dataclasses, so each stage can be
tested alone with hand-made values.  Offsets (``char_start``/``char_end``)
always point into ``SourceText.text``: the decoded original file, before any
cleaning, so that a passage can be shown in its context.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["Catalogue", "SourceText", "Span", "Section", "Chunk", "Reference", "DocumentMeta", "ParsedDocument"]


@dataclass(frozen=True)
class Catalogue:
    """What the site a page was saved from says about the document, as the site prints it.

    The legal site's metadata table (``Số hiệu: 171/CV-BCĐ``, ``Ngày ban hành:
    21/11/2025`` …) is cut from the text with the rest of its furniture, but a
    page that dropped the document's own header has nothing else that names
    the document; the reader hands the table on here, and
    ``indexer.metadata.extract_metadata`` reads from it only what the
    document's own text does not say.
    """

    number: str | None = None  # "171/CV-BCĐ"
    doc_type: str | None = None  # "Công văn"
    issuer: str | None = None  # "Bộ Y tế", or a province: "Tỉnh Bắc Ninh"
    date: str | None = None  # "21/11/2025"


@dataclass
class SourceText:
    """A file decoded to text, exactly as printed (not yet normalised)."""

    path: Path
    text: str
    encoding: str
    format: str
    pages: list[int] | None = None  # paged formats (PDF): offset in ``text`` where each page starts
    warnings: list[str] = field(default_factory=list)  # parts the reader could not read, by place (a scanned page)
    catalogue: Catalogue | None = None  # a saved web page: the site's own metadata table (``Catalogue``)

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding ``offset``, or ``None`` for formats without pages."""
        if not self.pages:
            return None
        return sum(1 for start in self.pages if start <= offset) or 1


@dataclass(frozen=True)
class Span:
    """A half-open range ``[start, end)`` of ``SourceText.text``."""

    start: int
    end: int


@dataclass
class Section:
    """A run of body text under one heading path, found by the structure pass.

    ``paragraphs`` are spans of the original text, one per paragraph, debris and
    garbled text already excluded.  ``issuer`` is the body that signed the
    article this section belongs to (bulletins), or ``None``.
    """

    heading_path: list[str]
    paragraphs: list[Span]
    issuer: str | None = None
    kind: str = "body"  # "body", "header" (the document's header block), "closing" (recipients, signature)


@dataclass
class Chunk:
    """One passage to index and return."""

    text: str  # display text: NFC, debris removed, original tone marks kept
    heading_path: list[str]
    char_start: int
    char_end: int
    issuer: str | None = None
    kind: str = "body"  # "body" or "card" (the document card, see metadata.document_card)
    references: list["Reference"] = field(default_factory=list)
    page: int | None = None  # page of char_start, for paged formats

    @property
    def section(self) -> str:
        return " › ".join(self.heading_path)


@dataclass(frozen=True)
class Reference:
    """A cited document, reduced to a key that matches every spelling of it.

    ``key`` is ``TYPE:NUMBER`` (``CT:05``), and ``full_key`` adds the issuer
    code when the citation gives one (``CT:05:TW``).  A query naming ``Chỉ thị
    05`` matches on ``key``; ``05-CT/TW`` matches on ``full_key`` as well.
    Linking a citation to the document it names needs more than the keys:
    ``Luật số 56/2024/QH15`` and ``Luật số 56/2014/QH13`` share ``L:56``, so
    the year and a law's legislature term must agree too.
    """

    doc_type: str  # code, e.g. "CT", "NQ", "KH", "HD", "CĐ"
    number: str  # as a canonical string: "05", "131", "1300"
    issuer_code: str | None  # "TW", "TU", "TTg", "BTGTW", ... or None
    text: str  # as printed in the document
    year: str | None = None  # "2020" in 30/2020/NĐ-CP; not part of the key
    char_start: int = -1
    char_end: int = -1
    date: str | None = None  # "2016-05-15" in "Chỉ thị số 05-CT/TW ngày 15/5/2016": the date printed right after
    # "uy ban nhan dan tinh binh duong" in "15/2021/QĐ-UBND của UBND tỉnh Bình Dương": the local body named
    # after it (indexer.local_issuers), which its code does not tell apart from other provinces'
    issuer_name: str | None = None
    kind: str = "mentions"  # what the citing text does with it (indexer.relations): "basis", "implements", ...
    # The type the number's symbol names where the word before it names another: "Kết luận số 251-TB/ĐU" cites a
    # Thông báo (kết luận) by what it concludes; ``doc_type`` is the word's (KL), this the symbol's (TB).
    symbol_type: str | None = None
    sentence_start: int = -1  # the sentence the citation stands in, a span of the same text as char_start
    sentence_end: int = -1

    @property
    def key(self) -> str:
        return f"{self.doc_type}:{self.number}"

    @property
    def issued_year(self) -> str | None:
        """The year the citation says the document was issued: its number's, else its printed date's."""
        return self.year or (self.date[:4] if self.date else None)

    @property
    def term(self) -> str | None:
        """A law's legislature and term (``QH15`` in ``56/2024/QH15``): its issuer code, which carries it."""
        code = self.issuer_code
        return code if code and code[-1].isdigit() else None

    @property
    def full_key(self) -> str:
        return f"{self.key}:{self.issuer_code}" if self.issuer_code else self.key

    @property
    def by_symbol(self) -> Reference | None:
        """The same citation read by its symbol's type (``symbol_type``), None where the word and the symbol agree."""
        return replace(self, doc_type=self.symbol_type, symbol_type=None) if self.symbol_type else None


@dataclass
class DocumentMeta:
    """What a document is, read from its own text."""

    title: str | None = None
    doc_type: str | None = None  # full Vietnamese name: "Kế hoạch", "Chỉ thị", ...
    number: str | None = None  # canonical symbol: "131-KH/TU", "1300/CĐ-TTg"
    issuer: str | None = None  # e.g. "Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh"
    issuer_parent: str | None = None
    signer: str | None = None
    signer_position: str | None = None
    place: str | None = None
    date: str | None = None  # ISO 8601: "2020-03-17", or "2020-12" when only the month is given
    subject: str | None = None  # trích yếu / V/v line


@dataclass
class ParsedDocument:
    """Everything the indexer learned from one file, ready for the store."""

    source: SourceText
    meta: DocumentMeta
    chunks: list[Chunk]
    references: list[Reference]
    garbled_chars: int = 0  # characters kept out of the index as garbled
