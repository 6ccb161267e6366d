"""Routes: /health and /api/…; each calls one kb function under the app's lock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kb.documents import document_detail
from kb.search import search as run_search
from kb.store import DocumentFilters

from .models import DocumentDetail, DocumentSummary, ErrorResponse, Health, SearchResponse

router = APIRouter()
_ERRORS = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}, 500: {"model": ErrorResponse}}
DateParam = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD")]


@router.get("/health", response_model=Health, tags=["service"])
def health(request: Request) -> dict:
    with request.app.state.lock:
        stats = request.app.state.kb.store.stats()
    return {"status": "ok", "documents": stats["documents"], "chunks": stats["chunks"]}


@router.get("/api/search", response_model=SearchResponse, responses=_ERRORS, tags=["search"])
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="The question, with or without accents")],
    k: Annotated[int, Query(ge=1, le=100, description="How many passages")] = 10,
    type: Annotated[str | None, Query(max_length=100, description="Document type, e.g. Kế hoạch")] = None,
    issuer: Annotated[str | None, Query(max_length=200, description="Issuing body, part of its name")] = None,
    since: DateParam = None,
    until: DateParam = None,
    number: Annotated[str | None, Query(max_length=100, description="Document number, e.g. 131-KH/TU")] = None,
) -> dict:
    """Passages that answer the question, best first, each with its document and issuing body."""
    filters = DocumentFilters(type, issuer, since, until, number)
    with request.app.state.lock:
        return run_search(request.app.state.kb, q, k, filters)


@router.get("/api/documents", response_model=list[DocumentSummary], responses=_ERRORS, tags=["documents"])
def documents(request: Request) -> list[dict]:
    """Every indexed document with its metadata, newest first."""
    with request.app.state.lock:
        return request.app.state.kb.store.documents()


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=_ERRORS, tags=["documents"])
def document(request: Request, doc_id: int) -> dict:
    """One document: metadata, the documents it cites and that cite it, and its passages."""
    with request.app.state.lock:
        return document_detail(request.app.state.kb, doc_id)
