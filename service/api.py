"""Routes: /health and /api/…; each validates its parameters, calls one kb function and returns the result.

Reads use ``app.state.kb``: a connection per thread and a vector index that is
swapped whole when the file changes, so searches run side by side and never
wait for an indexing job.  Writes go to ``app.state.jobs`` (``kb.jobs.JobRunner``),
the process's one writer.  Every read passes the caller's access level, so a
document above it is never listed, counted or shown (404, as if it did not exist).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import FileResponse

from kb.access.levels import Level, visible_levels
from kb.config import Limits
from kb.jobs.runner import REJECTED, submit_job
from kb.retrieval import results
from kb.retrieval.documents import document_detail, document_page, original_file
from kb.retrieval.documents import document_text as read_text
from kb.retrieval.filters import resolve_filters
from kb.retrieval.relations import DocumentRelations as Relations
from kb.retrieval.relations import document_relations
from kb.retrieval.search import search as run_search

from .auth import Caller, current_caller, reading_caller, require_role
from .errors import Refused
from .messages import file_reason, job_error, wants_vietnamese
from .models import (
    DeletedDocument,
    DocumentDetail,
    DocumentPage,
    DocumentRelations,
    DocumentText,
    ErrorResponse,
    Health,
    Job,
    JobAccepted,
    SearchResponse,
    Stats,
)
from .originals import MEDIA_TYPES, file_response

__all__ = ["router", "openapi_limits"]

router = APIRouter()
Responses = dict[int | str, dict[str, Any]]  # FastAPI's type of ``responses=``
_ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 404, 422, 500)}
_WRITE_ERRORS: Responses = {code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 411, 413, 415, 422, 500)}
MAX_ID = 2**63 - 1  # SQLite's largest integer: a larger id cannot exist
MAX_PAGE = 1_000_000
_FOLLOW_JOB: Responses = {202: {"links": {"job": {
    "operationId": "get_job", "parameters": {"job_id": "$response.body#/job_id"},
    "description": "GET the job until its status is done or failed"}}}}
DELETE_WAIT_SECONDS = 10.0  # how long a delete waits for a running job before answering 409
NOT_BLANK = r"[^\s\x1c-\x1f]"  # a character Python's str.strip() keeps: a query of spaces is no query

Reader = Annotated[Caller, Depends(current_caller)]
Editor = Annotated[Caller, Depends(require_role("editor"))]
DocId = Annotated[int, Path(ge=1, le=MAX_ID, description="The document's id")]
DateParam = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD")]
TypeParam = Annotated[str | None, Query(max_length=100, description="Document type: its name, code or English word, "
                                       "any case, accents optional (Kế hoạch, KH, ke hoach, Plan); an unknown one is "
                                       "a 422 that lists the known types")]
IssuerParam = Annotated[str | None, Query(max_length=200, description="Issuing body, part of its name; abbreviations "
                                         "such as UBND, HĐND, BTV, TU are read both ways")]
AccessForm = Annotated[Level, Form(
    description="Access level of files whose front matter sets none; at most the key's own level")]


@router.get("/health", response_model=Health, tags=["service"])
def health(request: Request, caller: Annotated[Caller | None, Depends(reading_caller)]) -> dict:
    """Up and answering; the counts are of the documents the caller sees (none without a key if reads are closed)."""
    if caller is None:
        return {"status": "ok", "documents": None, "chunks": None}
    return {"status": "ok", **request.app.state.kb.store.stats.counts(caller.level)}


@router.get("/api/stats", response_model=Stats, responses=_ERRORS, tags=["service"])
def stats(request: Request, caller: Reader) -> dict:
    """Counts of documents, passages and citations, per type and access level, among those the caller sees."""
    return request.app.state.kb.store.stats.summary(caller.level)


@router.get("/api/search", response_model=SearchResponse, responses=_ERRORS, tags=["search"])
def search(
    request: Request,
    caller: Reader,
    q: Annotated[str, Query(pattern=NOT_BLANK, description="The question, with or without accents")],
    k: Annotated[int, Query(ge=1, description="How many passages")] = 10,
    type: TypeParam = None,
    issuer: IssuerParam = None,
    since: DateParam = None,
    until: DateParam = None,
    number: Annotated[str | None, Query(max_length=100, description="Document number, e.g. 131-KH/TU")] = None,
    group: Annotated[Literal["document"] | None, Query(description="'document': also the results by document")] = None,
    suggest: Annotated[bool, Query(description="Also the 'Có phải bạn muốn tìm' suggestion (typos mended); "
                                              "it takes longer than the search")] = False,
    facets: Annotated[bool, Query(description="Also the facet counts (type, issuer, year) of the documents that "
                                             "answer this question, each under the other filters")] = False,
) -> results.SearchResponse:
    """Passages that answer the question, best first, each with its document and issuing body."""
    limits = request.app.state.kb.settings.limits
    limits.check_query(q)  # as sent: search() checks it again once stripped
    limits.check_k(k)
    kb = request.app.state.kb
    filters = resolve_filters(kb, type, issuer, since, until, number, access=caller.level)
    return run_search(kb, q, k, filters, group=group == "document", suggest=suggest, facets=facets)


@router.get("/api/documents", response_model=DocumentPage, responses=_ERRORS, tags=["documents"])
def documents(
    request: Request,
    caller: Reader,
    type: TypeParam = None,
    issuer: IssuerParam = None,
    since: DateParam = None,
    until: DateParam = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the title or number, accents optional")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, description="Documents per page")] = 20,
) -> results.DocumentPage:
    """The documents the caller may see, newest first, a page at a time."""
    kb = request.app.state.kb
    filters = resolve_filters(kb, type, issuer, since, until, access=caller.level)
    return document_page(kb, filters, text=q, page=page, per_page=per_page)


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=_ERRORS, tags=["documents"])
def document(request: Request, doc_id: DocId, caller: Reader) -> results.DocumentDetail:
    """One document: metadata, the documents it cites and that cite it, and its passages."""
    return document_detail(request.app.state.kb, doc_id, caller.level)


@router.get("/api/documents/{doc_id}/text", response_model=DocumentText, responses=_ERRORS, tags=["documents"])
def document_text(request: Request, doc_id: DocId, caller: Reader) -> results.DocumentText:
    """The document's whole text as read from its file."""
    return read_text(request.app.state.kb, doc_id, caller.level)


_FILE: Responses = _ERRORS | {200: {"content": {media: {} for media in MEDIA_TYPES},
                                     "description": "The file's bytes as indexed"}}


@router.get("/api/documents/{doc_id}/file", response_class=FileResponse, responses=_FILE, tags=["documents"])
def document_file(request: Request, doc_id: DocId, caller: Reader) -> Response:
    """The document's original file, as it was indexed (a PDF, a Word file, a text…), under its own name.

    404 for a document the caller may not see, and for one whose file was moved or deleted since it was
    indexed (the message says so), or that leads out of the folder it was indexed from.  A PDF and a plain
    text open in the browser; other kinds are downloaded (Content-Disposition ``attachment``).
    """
    return file_response(original_file(request.app.state.kb, doc_id, caller.level))


@router.get("/api/documents/{doc_id}/relations", response_model=DocumentRelations, responses=_ERRORS,
            tags=["documents"])
def relations(request: Request, doc_id: DocId, caller: Reader) -> Relations:
    """What the document relies on (based on, implements, guides, amends, replaces, repeals, mentions) and what
    relies on it, by kind, strongest first, each kind oldest first, with the sentence that says so; documents
    above the caller's level are left out, not counted."""
    return document_relations(request.app.state.kb, doc_id, caller.level)


@router.post("/api/documents", status_code=202, response_model=JobAccepted, responses=_WRITE_ERRORS | _FOLLOW_JOB,
             tags=["documents"])
def upload_documents(
    request: Request,
    response: Response,
    caller: Editor,
    files: Annotated[list[UploadFile], File(min_length=1, description="One or more .txt, .md, .docx, .pdf or .html "
                                                                       "files")],
    access: AccessForm = "public",
) -> dict:
    """Upload files to index in the background (editor key): answers at once with the job to follow.

    A file that is too large or not what its name says is refused by name (``rejected``, and in the job with
    status ``rejected``) while the others are queued; only when no file can be taken is the request refused
    (413 or 415).
    """
    uploads = _read_uploads(files, request.app.state.kb.settings.limits)
    return _queue(request, response, caller, uploads, access)


@router.put("/api/documents/{doc_id}", status_code=202, response_model=JobAccepted,
            responses=_WRITE_ERRORS | _FOLLOW_JOB,
            tags=["documents"])
def replace_document(
    request: Request,
    response: Response,
    doc_id: DocId,
    caller: Editor,
    file: Annotated[UploadFile, File(description="The new version of the document's file")],
) -> dict:
    """Replace a document's file with a new version (editor key), indexed in the background.

    The document keeps its id and its access level (unless the new file's front matter sets one): when the
    job is done, ``/api/documents/{doc_id}`` shows the new version (its passages get new ids).  If the new
    file cannot be indexed, the job fails and the document stays as it was.
    """
    current = request.app.state.kb.store.documents.get(doc_id, caller.level)  # 404 for one the key may not see
    uploads = _read_uploads([file], request.app.state.kb.settings.limits)
    return _queue(request, response, caller, uploads, current["access"], replace=doc_id)


@router.delete("/api/documents/{doc_id}", response_model=DeletedDocument, responses=_WRITE_ERRORS,
               tags=["documents"])
def delete_document(request: Request, doc_id: DocId, caller: Editor) -> dict:
    """Delete a document, its passages and vectors, and its file if it was uploaded (editor key).

    Waits a few seconds for a running indexing job; if it is still running then, 409: try again.
    """
    request.app.state.kb.store.documents.get(doc_id, caller.level)
    return request.app.state.jobs.remove(doc_id, wait=DELETE_WAIT_SECONDS)


@router.get("/api/jobs/{job_id}", response_model=Job, responses=_WRITE_ERRORS, tags=["documents"],
            operation_id="get_job")
def job(request: Request, job_id: Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="The job's id")],
        caller: Editor) -> dict:
    """An indexing job's status and progress, with each file's outcome by name.

    Only the key that uploaded the files, or an admin key, sees the job: its file names may be of
    documents above another editor's level.
    """
    row = request.app.state.kb.store.jobs.get(job_id)
    if row is None or (caller.role != "admin" and row["created_by"] != caller.name):
        raise Refused(404, f"No job with id {job_id}", code="no_job")
    rejected = sum(1 for f in row["files"] if f["status"] == REJECTED)  # tried on arrival
    if wants_vietnamese(request.headers):  # the upload page: every reason as it shows it
        row |= {"error": job_error(row), "files": [f | {"reason": file_reason(f)} for f in row["files"]]}
    return row | {"progress": {"done": row["files_done"] + rejected, "total": len(row["files"])}}


def _read_uploads(files: list[UploadFile], limits: Limits) -> list[tuple[str, bytes]]:
    """Each file's name as sent and its bytes (one byte past the size limit at most), refusing too many files (422).

    A file over the size limit is read only that far: ``submit_job`` refuses it by name.
    """
    limits.check_upload_files(len(files))
    return [(upload.filename or "", upload.file.read(limits.max_upload_file_bytes + 1)) for upload in files]


def _queue(request: Request, response: Response, caller: Caller, uploads: list[tuple[str, bytes]],
           access: str, replace: int | None = None) -> dict:
    """Store the files and queue their job; the runner is woken at once."""
    if access not in visible_levels(caller.level):
        raise Refused(403, f"The key {caller.name!r} sees up to {caller.level}; it cannot upload {access} files.",
                      code="level_above_key", key=caller.name, level=caller.level, access=access)
    kb = request.app.state.kb
    job = submit_job(kb.store, kb.settings.home, uploads, created_by=caller.name, access=access, replace=replace,
                     limits=kb.settings.limits)
    request.app.state.jobs.wake()
    url = f"/api/jobs/{job['id']}"
    response.headers["Location"] = url
    vietnamese = wants_vietnamese(request.headers)
    rejected = [{"name": f["name"], "reason": file_reason(f) if vietnamese else f["reason"], "code": f["code"]}
                for f in job["files"] if f["status"] == REJECTED]
    return {"job_id": job["id"], "status": job["status"], "url": url, "rejected": rejected,
            "files": [f["name"] for f in job["files"] if f["status"] != REJECTED]}


def openapi_limits(schema: dict, limits: Limits) -> dict:
    """Write the configured limits into the OpenAPI schema, so /docs and clients see the ones in force.

    The routes check them against the settings (``Limits`` can be changed per
    index folder), which fixed ``Query(le=...)`` values could not follow.
    """
    bounds = {("/api/search", "q"): ("maxLength", limits.max_query_chars),
              ("/api/search", "k"): ("maximum", limits.max_k),
              ("/api/documents", "per_page"): ("maximum", limits.max_per_page),
              ("/api/related", "k"): ("maximum", limits.max_k)}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                bound = bounds.get((path, parameter["name"]))
                if bound:
                    parameter["schema"][bound[0]] = bound[1]
    return schema
