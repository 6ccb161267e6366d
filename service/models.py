"""Typed response models: they document the API at /docs and check what it returns."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

from kb.access.keys import DEFAULT_LEVEL, Role
from kb.access.levels import Level

__all__ = [
    "StatusLink", "StatusChange", "DocumentStatus", "StatusReport", "StatusRequest",
    "DocumentRef", "DocumentMetadata", "SearchResult", "DocumentGroup", "FacetValue", "SearchResponse", "DocumentSummary",
    "Reference",
    "Relation", "RelatedDocument", "RelationGroup", "DocumentRelations",
    "ChunkOut",    "CitingDocument", "SourceFileOut", "DocumentDetail", "ErrorResponse", "Health", "DocumentPage", "DocumentText",
    "Stats", "JobFile", "JobProgress", "Job", "JobAccepted", "DeletedDocument", "ApiKeyOut", "ApiKeyCreated", "ApiKeyRequest",
    "RelatedText", "BasisSuggestion", "PartMatches", "CitationProblem", "RelatedResponse",
]


Status = Literal["in_force", "replaced", "repealed", "expired", "unknown"]
_STATUSES = ("in_force (còn hiệu lực), replaced (bị thay thế), repealed (bị bãi bỏ, hết hiệu lực), expired (hết "
             "thời hạn) or unknown (chưa rõ)")


class StatusLink(BaseModel):
    """A later document that bears on another's status."""

    id: int = Field(description="Its id")
    title: str | None = Field(description="Its title")
    doc_type: str | None = Field(description="Its type")
    number: str | None = Field(description="Its number, e.g. 20/2023/QĐ-UBND")
    date: str | None = Field(description="Its date, ISO 8601")
    kind: str = Field(description="replaces, repeals or amends, as its text says; manual when an editor named it")


class StatusChange(BaseModel):
    """One status an editor set by hand; never changed afterwards."""

    id: int = Field(description="The change's id, in the order they were made")
    status: Status = Field(description=_STATUSES)
    previous: Status | None = Field(description="The status set by hand before this one; null: none was")
    note: str | None = Field(description="Why, in the editor's words")
    replaced_by: int | None = Field(description="The replacing document the editor named (null if none, or if "
                                    "the caller may not see it)")
    set_by: str = Field(description="Who: the API key's name, or the user at the command line")
    set_at: str = Field(description="When (UTC, ISO 8601)")


class DocumentStatus(BaseModel):
    """Whether the document is still in force: an editor's status where one was set, else what the index shows."""

    status: Status = Field(description="The status that counts: " + _STATUSES)
    source: Literal["manual", "derived"] = Field(
        description="manual: set by an editor (see manual); derived: read from the relations of later documents "
                    "the caller sees (thay thế, bãi bỏ, hết hiệu lực); in_force then means none ends it")
    replaced_by: StatusLink | None = Field(None, description="The document that replaced or repealed it, if the "
                                           "caller sees it")
    derived: Status = Field("in_force", description="What the relations alone say, shown beside an editor's status")
    derived_by: StatusLink | None = Field(None, description="The earliest later document that replaces or repeals it")
    manual: StatusChange | None = Field(None, description="The editor's latest change, if any")
    amended_by: list[StatusLink] = Field([], description="Later documents that amend it (sửa đổi, bổ sung); it stays "
                                         "in force")


class StatusReport(BaseModel):
    """A document's status and every change editors made to it."""

    document_id: int = Field(description="The document")
    status: DocumentStatus = Field(description="Its status now")
    history: list[StatusChange] = Field(description="Every change made by hand, newest first")


class StatusRequest(BaseModel):
    """A status to set by hand."""

    # A string, not the ``Status`` literal, so that a wrong one gets kb's own message (in Vietnamese too);
    # the schema still lists the values.
    status: str = Field(description=_STATUSES + "; another value is a 422 that lists these", max_length=40,
                        json_schema_extra={"enum": list(get_args(Status))})
    note: str | None = Field(None, description="Why (kept in the history)", max_length=2000)
    replaced_by: int | None = Field(None, ge=1, le=2**53 - 1,  # exact in every JSON reader's numbers
                                    description="The replacing document's id; it must be one the key sees")


class DocumentRef(BaseModel):
    """The document a passage belongs to."""

    id: int = Field(description="The document's id: stable, kept when its file is replaced")
    title: str | None = Field(description="Title as read from the document")
    doc_type: str | None = Field(description="Kế hoạch, Chỉ thị, Thông tin sinh hoạt nội bộ, …")
    number: str | None = Field(description="Canonical number and symbol, e.g. 131-KH/TU")
    issuer: str | None = Field(description="Body that issued the document")
    date: str | None = Field(description="Date issued, ISO 8601 (YYYY-MM-DD or YYYY-MM)")
    source: str = Field(description="File path relative to the folder that was indexed")
    access: Level = Field(
        description="Who may see it: public (anyone), internal or restricted (keys of that level or above)")
    status: DocumentStatus | None = Field(None, description="Whether it is still in force (a result of a replaced "
                                          "document is flagged so)")
    subject: str | None = Field(None, description="Subject line (trích yếu)")
    citation: str | None = Field(None, description="The document cited in official form, as in a Căn cứ line: "
                                 "'Chỉ thị số 05-CT/TW ngày 15 tháng 5 năm 2016 của Bộ Chính trị về …'; the parts "
                                 "it does not give are left out; null when it has neither a type nor a number")


class SearchResult(BaseModel):
    """One passage that answers the question."""

    rank: int = Field(description="Position in the results, from 1")
    score: float = Field(description="Fused relevance score: only the order among one query's results means anything")
    chunk_id: int = Field(description="The passage's id: stable, and the id of its vector")
    text: str = Field(description="The passage, as printed (NFC)")
    section: str = Field(description="Heading path, parts joined by ' › '")
    issuer: str | None = Field(description="Body that issued this passage (a bulletin article's own signature)")
    kind: str = Field(description="'body' for a passage, 'card' for the document's metadata card")
    char_start: int = Field(description="Offset of the passage in the original file's text")
    char_end: int = Field(description="Offset just after the passage in the original file's text")
    page: int | None = Field(None, description="Page of the passage, for paged formats (PDF)")
    document: DocumentRef = Field(description="The document it comes from")


class DocumentGroup(BaseModel):
    """One document's passages among the results (``group=document``)."""

    document: DocumentRef = Field(description="The document")
    best_rank: int = Field(description="Rank of its best passage in results: the groups come in this order")
    results: list[SearchResult] = Field(description="Its passages among the results, best first")


class FacetValue(BaseModel):
    """One value of a facet and its count."""

    value: str = Field(description="Kế hoạch, Ban Tuyên giáo, 2020, …: what the filter of that name takes")
    count: int = Field(description="Documents among those answering the question that choosing it would leave")


class SearchResponse(BaseModel):
    """The answer to a search: passages, best first, or none and the reason when nothing in the index answers."""

    query: str = Field(description="The question as typed (surrounding white space removed)")
    results: list[SearchResult] = Field(description="Up to k passages, best first; empty when refused")
    restored: str | None = Field(None, description="What was searched: the question with the accents it was typed "
                                 "without put back from the index's own text; null when nothing was put back")
    suggestion: str | None = Field(None, description="'Có phải bạn muốn tìm': the question with accents put back and "
                                   "typos mended against the index's words; null when that is what was typed")
    refused: str | None = Field(None, description="Why nothing is shown, when nothing in the index answers: "
                                "'unknown_number' (the question names a document number that no document has "
                                "and no passage cites) or 'no_match' (no passage holds enough of its words "
                                "nor comes close in meaning); null when answered")
    reason: str | None = Field(None, description="The refusal in a sentence, for people; null when answered")
    missing: list[str] = Field([], description="The document numbers named that the index does not hold, as typed")
    groups: list[DocumentGroup] | None = Field(None, description="With group=document: the same results by document, "
                                               "best document first; null otherwise")
    facets: dict[str, list[FacetValue]] | None = Field(None, description="With facets=true: 'type', 'issuer' and "
                                                      "'year', each value with how many documents answering the "
                                                      "question choosing it would leave; null otherwise")


class DocumentMetadata(DocumentRef):
    """A document's metadata, as read from its text."""

    issuer_parent: str | None = Field(None, description="The issuer's parent body, e.g. Tỉnh ủy Bạc Liêu")
    signer: str | None = Field(None, description="Who signed it")
    signer_position: str | None = Field(None, description="The signer's position, e.g. Phó Bí thư")
    place: str | None = Field(None, description="Place of issue, e.g. Bạc Liêu")


class DocumentSummary(DocumentMetadata):
    """A document in a list."""

    chunks: int = Field(description="Number of passages")


class Relation(BaseModel):
    """One place a document cites another, and what it does with it there."""

    kind: str = Field(description="basis (Căn cứ), implements (Thực hiện, Triển khai), guides (hướng dẫn thực "
                      "hiện), amends (sửa đổi, bổ sung), replaces (thay thế), repeals (bãi bỏ, hết hiệu lực) "
                      "or mentions")
    sentence: str = Field(description="The sentence the citation stands in")
    chunk_id: int = Field(description="The passage it stands in")
    sentence_start: int = Field(description="Where the sentence starts in the passage's text")
    sentence_end: int = Field(description="Where it ends")


class Reference(BaseModel):
    """A document this one cites."""

    key: str = Field(description="Normalised key: TYPE:NUMBER, e.g. CT:5")
    full_key: str = Field(description="Key with the issuer code where cited, e.g. CT:5:TW")
    printed: str = Field(description="The citation as printed")
    mentions: int = Field(description="How many times the document cites it")
    document_id: int | None = Field(description="The cited document, if it is in the index")
    status: str = Field(description="resolved, ambiguous (see candidates) or unresolved (not in the index)")
    candidates: list[int] = Field(description="The documents it may name: the cited one and its copies, or, "
                                  "when ambiguous, every document with that number")
    kinds: list[str] = Field(description="What the document does with it, strongest first: replaces, repeals, "
                             "amends, guides, implements, basis or mentions (one per kind among its relations)")
    relations: list[Relation] = Field(description="Each place it is cited, in reading order")


class ChunkOut(BaseModel):
    """One passage of a document, in reading order."""

    id: int = Field(description="The passage's id, as in search results")
    ordinal: int = Field(description="Position in the document, from 0")
    kind: str = Field(description="'body' (documents list only passages)")
    section: str = Field(description="Heading path, parts joined by ' › '")
    text: str = Field(description="The passage, as printed (NFC)")
    issuer: str | None = Field(description="Body that issued this passage, when it is not the document's")
    char_start: int = Field(description="Offset of the passage in the original file's text")
    char_end: int = Field(description="Offset just after the passage")
    page: int | None = Field(None, description="Page of the passage, for paged formats (PDF)")


class CitingDocument(BaseModel):
    """Another document that cites this one by number."""

    id: int = Field(description="Its id")
    title: str | None = Field(description="Its title")
    doc_type: str | None = Field(description="Its type")
    number: str | None = Field(description="Its number and symbol")
    date: str | None = Field(description="Its date, ISO 8601")


class SourceFileOut(BaseModel):
    """A file of the document: the one its text was read from, a copy of it, or an earlier version."""

    source: str = Field(description="File path relative to the folder that was indexed (or the uploaded name)")
    role: str = Field(description="'file' (its text was read from it), 'copy' (the same text, not stored again) "
                                  "or 'earlier' (an earlier version, replaced)")
    format: str | None = Field(None, description="How it was read: text, markdown, docx, pdf or html")
    encoding: str | None = Field(None, description="The text encoding it was read in, e.g. utf-8, vni, docx+tcvn3")
    seen_at: str = Field(description="When it was first recorded (UTC, ISO 8601)")


class DocumentDetail(DocumentMetadata):
    """One document with its files, what it cites, what cites it and its passages."""

    format: str | None = Field(None, description="How it was read: text, markdown, docx, pdf or html")
    encoding: str | None = Field(None, description="The text encoding of a plain-text file, e.g. utf-8, tcvn3")
    garbled_chars: int = Field(0, description="Characters of garbled text left out of the index")
    indexed_at: str = Field(description="When it was indexed (UTC, ISO 8601)")
    sources: list[SourceFileOut] = Field(description="Its files: the one read first, then copies, then earlier versions")
    references: list[Reference] = Field(description="Documents it cites, in order of first citation")
    cited_by: list[CitingDocument] = Field(description="Documents that cite it, oldest first")
    chunks: list[ChunkOut] = Field(description="Its passages in reading order")


_KIND = ("basis (Căn cứ), implements (Thực hiện, Triển khai), guides (hướng dẫn thực hiện), amends (sửa đổi, bổ "
         "sung), replaces (thay thế), repeals (bãi bỏ, hết hiệu lực) or mentions")


class RelatedDocument(BaseModel):
    """A document related to the one asked about, and the first place the relation is stated."""

    kind: str = Field(description="The strongest relation between the two: " + _KIND)
    found: Literal["held", "ambiguous", "not_held"] = Field(
        description="held (in the index: id and metadata from it), ambiguous (the citation may name any of "
                    "candidates) or not_held (known only from the citation: type, number, date, issuer, subject "
                    "as printed)")
    id: int | None = Field(description="The related document's id, when held")
    doc_type: str | None = Field(description="Its type (Chỉ thị, Kế hoạch, …)")
    number: str | None = Field(description="Its number and symbol (05-CT/TW), or the bare number cited (05)")
    date: str | None = Field(description="Its date, ISO 8601, when known")
    issuer: str | None = Field(description="The body that issued it")
    title: str | None = Field(description="Its title, when held")
    subject: str | None = Field(description="What it is about as the citation prints it (\"về …\"), when not held")
    printed: str = Field(description="The citation as printed")
    sentence: str = Field(description="The sentence that states the relation")
    chunk_id: int = Field(description="The passage that sentence stands in (of the citing document)")
    places: int = Field(description="How many places one of the two cites the other")
    candidates: list[DocumentRef] = Field(description="When ambiguous: the documents the citation may name")


class RelationGroup(BaseModel):
    """The related documents of one kind, oldest first (undated last)."""

    kind: str = Field(description=_KIND)
    documents: list[RelatedDocument] = Field(description="The documents, oldest first")


class DocumentRelations(BaseModel):
    """A document's relations both ways, by kind, strongest kind first."""

    id: int = Field(description="The document's id")
    doc_type: str | None = Field(description="Its type")
    number: str | None = Field(description="Its number and symbol")
    date: str | None = Field(description="Its date, ISO 8601")
    issuer: str | None = Field(description="The body that issued it")
    title: str | None = Field(description="Its title")
    relies_on: list[RelationGroup] = Field(description="What it is based on, implements, guides, amends, replaces, "
                                           "repeals or mentions")
    relied_on_by: list[RelationGroup] = Field(description="The documents that are based on it, implement, guide, "
                                              "amend, replace, repeal or mention it")


class ErrorResponse(BaseModel):
    """Every error of the API: what went wrong in one sentence, never a stack trace."""

    message: str = Field(description="What went wrong and, where there is one, what to do")
    status: int = Field(description="The HTTP status, repeated")
    detail: list | None = Field(None, description="For invalid parameters: each one's location and problem")


class Health(BaseModel):
    """The service is up."""

    status: str = Field(description="'ok'")
    documents: int | None = Field(description="Documents the caller may see; null without a key when reads are closed")
    chunks: int | None = Field(description="Their passages; null likewise")


class ApiKeyOut(BaseModel):
    """An API key as it may be shown: never the key itself."""

    name: str = Field(description="Who or what the key is for")
    prefix: str = Field(description="The key's first characters after 'kb_': not secret, tells keys apart")
    role: Role = Field(description="reader (search and read), editor (also add, replace, delete), admin (also keys)")
    level: Level = Field(description="The highest document level it sees")
    created_at: str = Field(description="When it was made (UTC, ISO 8601)")
    revoked_at: str | None = Field(None, description="When it was revoked; null while it is active")


class ApiKeyCreated(ApiKeyOut):
    """A new key, with the key itself."""

    secret: str = Field(description="The key itself, shown this once: send it as 'Authorization: Bearer <key>'")


class ApiKeyRequest(BaseModel):
    """A key to make."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w.@-]+$",
                      description="Who or what it is for: letters, digits, . _ @ -")
    role: Role = Field(description="reader, editor or admin")
    level: Level = Field(DEFAULT_LEVEL, description="The highest document level it sees, at most the admin's own")


class DocumentPage(BaseModel):
    """One page of the document list."""

    total: int = Field(description="How many documents match, on all pages")
    page: int = Field(description="This page's number, from 1")
    per_page: int = Field(description="Documents per page")
    items: list[DocumentSummary] = Field(description="This page's documents, newest first (undated last)")


class DocumentText(BaseModel):
    """The full text of a document as read from its file (NFC), for reading or copying."""

    id: int = Field(description="The document's id")
    text: str = Field(description="The text read from the file, before chunking")


class Stats(BaseModel):
    """Counts over the documents the caller may see."""

    documents: int = Field(description="Documents")
    chunks: int = Field(description="Passages (body chunks)")
    cards: int = Field(description="Metadata cards, one per document")
    references: int = Field(description="Citations of other documents found in the passages")
    garbled_chars: int = Field(description="Characters of garbled text left out of the index")
    by_type: dict[str, int] = Field(description="Documents per document type ('?' when unknown)")
    by_access: dict[str, int] = Field(description="Documents per access level")
    last_run: dict | None = Field(description="The last indexing run's summary; only for callers who see every level")


class JobFile(BaseModel):
    """One file of an indexing job, by the name it was stored under (never a server path)."""

    name: str = Field(description="The uploaded file's name, made safe (folders, control characters removed)")
    status: str = Field(description="queued, indexed, unchanged, copy (of document_id: recorded, not stored again), "
                                    "skipped (no text, over a reading limit), error, or rejected (refused on arrival: "
                                    "too large, or not what its name says; never stored)")
    chunks: int | None = Field(None, description="Passages indexed from it")
    document_id: int | None = Field(None, description="The document it became (for a replacement: the replaced id; "
                                                      "for a copy: the document it is a copy of)")
    reason: str | None = Field(None, description="Why it was skipped, failed or rejected (in Vietnamese when the "
                                                 "request's Accept-Language starts with vi)")
    code: str | None = Field(None, description="The reason as a code: e.g. content_mismatch, legacy_word, "
                                               "file_too_large, no_text, limit, copy")


class JobProgress(BaseModel):
    """How far a job is."""

    done: int = Field(description="Files tried so far")
    total: int = Field(description="Files in the job")


class Job(BaseModel):
    """An indexing job: uploaded files indexed in the background."""

    id: str = Field(description="The job's id")
    kind: str = Field(description="'index' (new documents) or 'replace' (a new version of one document)")
    status: str = Field(description="queued, running, done (every file tried; see each file) or failed")
    target_document: int | None = Field(description="For 'replace': the document whose file is replaced")
    created_by: str | None = Field(description="Name of the API key that uploaded the files")
    created_at: str = Field(description="When the files were received (UTC, ISO 8601)")
    started_at: str | None = Field(description="When indexing began")
    finished_at: str | None = Field(description="When the job ended")
    progress: JobProgress = Field(description="Files done out of the total")
    files: list[JobFile] = Field(description="Each file's outcome, in upload order")
    error: str | None = Field(description="Why the job failed, when it did")


class RejectedFile(BaseModel):
    """A file of an upload refused on arrival; the upload's other files go on."""

    name: str = Field(description="The uploaded file's name, made safe")
    reason: str = Field(description="Why it was refused (in Vietnamese when asked for with Accept-Language: vi)")
    code: str | None = Field(None, description="The reason as a code: unsupported_type, legacy_word, content_mismatch, "
                                               "empty, file_too_large")


class JobAccepted(BaseModel):
    """Files received and queued for indexing; follow ``url`` for progress."""

    job_id: str = Field(description="The job's id")
    status: str = Field(description="'queued'")
    url: str = Field(description="Where to follow the job: GET it until status is done or failed")
    files: list[str] = Field(description="The names the files accepted were stored under")
    rejected: list[RejectedFile] = Field(description="The files refused on arrival, by name, with the reason; "
                                                     "the others were queued")


class DeletedDocument(DocumentMetadata):
    """The document that was deleted, as it was."""


class RelatedText(BaseModel):
    """A draft sent as text (``POST /api/related`` with a JSON body)."""

    text: str = Field(description="The draft's whole text, as pasted; at least one character that is not a space",
                      pattern=r"\S")


class BasisSuggestion(BaseModel):
    """A document the draft should cite as căn cứ."""

    rank: int = Field(description="Rank among the suggestions, from 1 (the list itself is in date order)")
    score: float = Field(description="Ranking score: only the order among one draft's suggestions means anything")
    citation: str | None = Field(description="The document as a căn cứ line cites it (the document's citation)")
    document: DocumentRef = Field(description="The suggested document, with its status")
    cited_in_draft: bool = Field(description="Whether the draft already cites it")
    in_force: bool = Field(description="False when it was replaced, repealed or expired: document.status says by what")
    reasons: list[str] = Field(description="Why it is suggested, in Vietnamese: cited in the draft, the căn cứ of "
                               "documents on the same subject (named), close in content to the draft")


class PartMatches(BaseModel):
    """One part (passage) of the draft and the nearest passages of indexed documents."""

    section: str = Field(description="The part's heading path in the draft")
    text: str = Field(description="The part's text")
    passages: list[SearchResult] = Field(description="The nearest passages, best first, no two nearly the same")


class CitationProblem(BaseModel):
    """A citation of the draft to check."""

    printed: str = Field(description="The citation as printed in the draft")
    kinds: list[str] = Field(description="What the draft does with it: basis, implements, …, mentions")
    status: str = Field(description="unresolved (no indexed document has that number), ambiguous (several do: "
                        "documents) or replaced (the document it names was replaced, repealed or expired: its status "
                        "says by what)")
    documents: list[DocumentRef] = Field(description="The documents it names or may name, with their status")


class RelatedResponse(BaseModel):
    """Drafting help: the căn cứ a draft should cite, the passages nearest its parts, its citations to check."""

    title: str | None = Field(description="The draft's title, as read from it")
    doc_type: str | None = Field(description="Its type, as read from it")
    number: str | None = Field(description="Its number, if it has one yet")
    date: str | None = Field(description="Its date, if it has one yet")
    basis: list[BasisSuggestion] = Field(description="The căn cứ to cite, in date order (each with its rank)")
    parts: list[PartMatches] = Field(description="Each part of the draft with the nearest earlier passages")
    problems: list[CitationProblem] = Field(description="Citations naming nothing indexed, several documents, or a "
                                            "replaced document")
