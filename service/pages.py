"""The web pages (``/``, ``/documents``, ``/documents/{id}``, ``/upload``): search and reading for staff without a
terminal.

They call the same ``kb`` functions as the JSON API and render their records on the
server with Jinja2, in Vietnamese.  Their errors are Vietnamese HTML pages, never JSON
or a stack trace (``service.errors.HtmlErrorRoute``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from indexer.read import READERS
from kb.errors import NotFoundError
from kb.retrieval.documents import document_detail, document_list, original_file
from kb.retrieval.relations import document_relations
from kb.retrieval.search import search as run_search

from .auth import Caller, current_caller
from .diagram import relation_diagram
from .errors import HtmlErrorRoute
from .filters import PageFilters, facet_groups
from .messages import RELATION_KINDS, UPLOAD_PAGE
from .originals import file_response
from .views import group_view, page_url, passages_view, result_view, sort_documents, templates, validate_query

__all__ = ["router"]

PAGE_SIZE = 10            # passages per search page; "Xem thêm" adds as many again
RECENT = 5                # documents on the start page
SORTS = {"newest": "Mới nhất trước", "oldest": "Cũ nhất trước"}

router = APIRouter(tags=["web"], include_in_schema=False, route_class=HtmlErrorRoute)
TypeParam = Annotated[str, Query(alias="type", description="Document type, e.g. Kế hoạch")]
Reader = Annotated[Caller, Depends(current_caller)]


def _page(request: Request, name: str, context: dict, status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/")
def search_page(request: Request, caller: Reader, q: str = "", doc_type: TypeParam = "", issuer: str = "",
                year: str = "", k: str = "", view: str = "") -> Response:
    """The search page: a start page without a query, else the passages that answer it, by document
    (``view=passages``: one list, best first)."""
    kb = request.app.state.kb
    limits = kb.settings.limits
    filters, errors = PageFilters.parse(kb, doc_type, issuer, year, caller.level)
    engine = filters.engine(kb)
    query = q.strip()
    query_error = validate_query(query, limits)
    searching = bool(query) and not query_error
    size = min(max(int(k), PAGE_SIZE), limits.max_k) if k.isdigit() else PAGE_SIZE
    by_document = view != "passages"
    found, groups, recent, stats, suggestion, refused, missing, restored = [], [], [], None, None, None, [], None
    if searching:  # the facets count the documents that answer the query, not the whole index
        response = run_search(kb, query, size, engine, group=by_document, suggest=True, facets=True)
        found, groups, suggestion = response.results, response.groups or [], response.suggestion
        refused, missing, restored = response.refused, response.missing, response.restored
        counts = {facet: [(v.value, v.count) for v in values] for facet, values in (response.facets or {}).items()}
    else:
        recent = document_list(kb, engine, limit=RECENT)
        stats = kb.store.stats.summary(caller.level)
        counts = kb.store.facets.counts(engine)
    more = searching and len(found) == size < limits.max_k
    context = {
        "q": q, "query": query, "filters": filters, "errors": errors + ([query_error] if query_error else []),
        "searching": searching, "results": [result_view(r, query, restored) for r in found],
        "refused": refused, "missing": missing,
        "groups": [group_view(g, query, restored) for g in groups],
        "other_view_url": page_url("/", q=query, k=k or None, view="passages" if by_document else None,
                                   **filters.params()),
        "recent": recent, "stats": stats, "max_query_chars": limits.max_query_chars,
        "facets": facet_groups(counts, filters, lambda f: page_url("/", q=query, **f.params())),
        "clear_url": page_url("/", q=query),
        "suggestion": suggestion,
        "suggestion_url": page_url("/", q=suggestion, view=None if by_document else "passages",
                                   **filters.params()) if suggestion else None,
        "more_url": page_url("/", q=query, k=size + PAGE_SIZE, view=None if by_document else "passages",
                             **filters.params()) if more else None,
        "list_url": page_url("/documents", **filters.params()),
    }
    return _page(request, "index.html", context, 422 if query_error else 200)


@router.get("/documents")
def document_list_page(request: Request, caller: Reader, doc_type: TypeParam = "", issuer: str = "", year: str = "",
                       sort: str = "newest") -> Response:
    """Every document the caller may see, filterable by type, issuer and year, sorted by date."""
    kb = request.app.state.kb
    filters, errors = PageFilters.parse(kb, doc_type, issuer, year, caller.level)
    engine = filters.engine(kb)
    order = sort if sort in SORTS else "newest"
    context = {
        "documents": sort_documents(document_list(kb, engine), order),
        "total": kb.store.stats.counts(caller.level)["documents"], "filters": filters, "errors": errors,
        "facets": facet_groups(kb.store.facets.counts(engine), filters,
                               lambda f: page_url("/documents", sort=order, **f.params())),
        "clear_url": page_url("/documents", sort=order),
        "sorts": [(key, label, page_url("/documents", sort=key, **filters.params()), key == order)
                  for key, label in SORTS.items()],
    }
    return _page(request, "documents.html", context)


@router.get("/documents/{doc_id}")
def document_page(request: Request, caller: Reader, doc_id: str, chunk: str = "", q: str = "") -> Response:
    """A document: metadata, what it cites and what cites it, its passages; opened at ``chunk`` if given."""
    if not doc_id.isdigit():  # not an id at all: the same page as an unknown id, not a 422
        raise NotFoundError(f"No document with id {doc_id!r}")
    kb = request.app.state.kb
    query = q.strip()[: kb.settings.limits.max_query_chars]
    detail = document_detail(kb, int(doc_id), caller.level)  # 404 for a document above the caller's level
    target = int(chunk) if chunk.isdigit() else None
    relations = document_relations(kb, int(doc_id), caller.level)
    context = {
        "doc": detail, "query": query, "target": target,
        "passages": passages_view(detail.chunks, query, target, detail.issuer),
        "relations": relations, "diagram": relation_diagram(relations), "relation_kinds": RELATION_KINDS,
        "back_url": page_url("/", q=query) if query else None,
    }
    return _page(request, "document.html", context)


@router.get("/documents/{doc_id}/file")
def document_file_page(request: Request, caller: Reader, doc_id: str) -> Response:
    """The document's original file (the page's "Tải văn bản gốc"), as ``GET /api/documents/{id}/file`` gives it,
    but a file moved or deleted is a Vietnamese page saying so, not JSON."""
    if not doc_id.isdigit():
        raise NotFoundError(f"No document with id {doc_id!r}")
    return file_response(original_file(request.app.state.kb, int(doc_id), caller.level))


@router.get("/upload")
def upload_page(request: Request) -> Response:
    """The upload form for editors; its script sends the files and the typed key to ``POST /api/documents``.

    The page itself needs no key: it holds nothing but the form, and the API
    checks the key on every upload and every progress request.
    """
    context = {"limits": request.app.state.kb.settings.limits, "accept": ",".join(sorted(READERS)),
               "messages": UPLOAD_PAGE}
    return _page(request, "upload.html", context)
