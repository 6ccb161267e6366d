"""Typed response models: they document the API at /docs and check what it returns."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["DocumentRef", "DocumentMetadata", "SearchResult", "SearchResponse", "DocumentSummary", "Reference", "ChunkOut", "CitingDocument",
           "DocumentDetail", "ErrorResponse", "Health"]


class DocumentRef(BaseModel):
    id: int
    title: str | None = Field(description="Title as read from the document")
    doc_type: str | None = Field(description="Kế hoạch, Chỉ thị, Thông tin sinh hoạt nội bộ, …")
    number: str | None = Field(description="Canonical number and symbol, e.g. 131-KH/TU")
    issuer: str | None = Field(description="Body that issued the document")
    date: str | None = Field(description="Date issued, ISO 8601 (YYYY-MM-DD or YYYY-MM)")
    source: str = Field(description="File path relative to the folder that was indexed")


class SearchResult(BaseModel):
    rank: int
    score: float
    chunk_id: int = Field(description="The passage's id: stable, and the id of its vector")
    text: str = Field(description="The passage, as printed (NFC)")
    section: str = Field(description="Heading path, parts joined by ' › '")
    issuer: str | None = Field(description="Body that issued this passage (a bulletin article's own signature)")
    kind: str = Field(description="'body' for a passage, 'card' for the document's metadata card")
    char_start: int = Field(description="Offset of the passage in the original file's text")
    char_end: int
    page: int | None = Field(None, description="Page of the passage, for paged formats (PDF)")
    document: DocumentRef


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class DocumentMetadata(DocumentRef):
    issuer_parent: str | None = Field(None, description="The issuer's parent body, e.g. Tỉnh ủy Bạc Liêu")
    signer: str | None = None
    signer_position: str | None = Field(None, description="e.g. Phó Bí thư")
    place: str | None = None
    subject: str | None = Field(None, description="Subject line (trích yếu)")


class DocumentSummary(DocumentMetadata):
    chunks: int = Field(description="Number of passages")


class Reference(BaseModel):
    key: str = Field(description="Normalised key: TYPE:NUMBER, e.g. CT:5")
    full_key: str = Field(description="Key with the issuer code where cited, e.g. CT:5:TW")
    printed: str = Field(description="The citation as printed")
    mentions: int
    document_id: int | None = Field(description="The cited document, if it is in the index")


class ChunkOut(BaseModel):
    id: int
    ordinal: int
    kind: str
    section: str
    text: str
    issuer: str | None
    char_start: int
    char_end: int
    page: int | None = None


class CitingDocument(BaseModel):
    id: int
    title: str | None
    doc_type: str | None
    number: str | None
    date: str | None


class DocumentDetail(DocumentMetadata):
    format: str | None = None
    encoding: str | None = None
    garbled_chars: int = 0
    indexed_at: str
    references: list[Reference]
    cited_by: list[CitingDocument]
    chunks: list[ChunkOut]


class ErrorResponse(BaseModel):
    message: str
    status: int
    detail: list | None = None


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
