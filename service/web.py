"""The web pages (``/``, ``/documents``, ``/documents/{id}``): search and reading for staff without a terminal.

They show the same data as the JSON API (the same ``kb`` functions), rendered on the
server with Jinja2 in Vietnamese.  Errors on these pages are HTML pages with a
Vietnamese message, never JSON or a stack trace: the routes use ``HtmlErrorRoute``, so
the app's JSON error handlers keep serving ``/api/...`` only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from indexer.analyzer import fold
from indexer.read import READERS
from kb.access.levels import LEVELS
from kb.errors import InvalidQueryError, NotFoundError
from kb.retrieval.documents import document_detail
from kb.retrieval.highlight import highlight_spans, mark
from kb.retrieval.search import search as run_search
from kb.storage.filters import DocumentFilters
from kb.storage.store import Store

from .auth import Caller, current_caller

__all__ = [
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "excerpt",
    "facet_counts",
    "highlight",
    "html_error",
    "merge_references",
    "passages_view",
    "router",
    "sort_documents",
    "vn_date",
    "vn_date_label",
    "wants_html",
]

log = logging.getLogger("kb.service.web")

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

PAGE_SIZE = 10            # passages per search page; "Xem thêm" adds as many again
RECENT = 5                # documents on the start page
EXCERPT_CHARS = 420       # a result shows this much of its passage around the matching words
MAX_FILTER_CHARS = {"type": 100, "issuer": 200}   # the API's limits
_YEAR = re.compile(r"^\d{4}$")


# -- formatting (also Jinja filters) ------------------------------------------------------------
def vn_date(iso: str | None) -> str:
    """ISO date as Vietnamese offices write it: ``2020-03-17`` → ``17/03/2020``, ``2020-12`` → ``12/2020``."""
    if not iso:
        return ""
    parts = iso.split("-")
    if all(p.isdigit() for p in parts) and len(parts) <= 3:
        return "/".join(reversed(parts))
    return iso


def vn_int(n: int) -> str:
    """Thousands separated by dots, as in Vietnamese: ``1234`` → ``1.234``."""
    return f"{n:,}".replace(",", ".")


def vn_mb(size: int) -> str:
    """Bytes as megabytes with a decimal comma, as in Vietnamese: ``1572864`` → ``1,5``."""
    return f"{size / 1048576:.1f}".removesuffix(".0").replace(".", ",")


_SENTENCE_END = re.compile(r"[.;:!?…][”\"»)]?\s|\n")


def highlight(text: str, query: str | None) -> Markup:
    """``text`` HTML-escaped, with the query's words in ``<mark>``; safe to put in a page as is."""
    return Markup(mark(text, query, "<mark>", "</mark>", escape) if query else escape(text))


def _best_anchor(spans: list[tuple[int, int]], limit: int) -> int:
    """Where the window of ``limit`` characters holding the most matches begins (0 without matches)."""
    if not spans:
        return 0
    return max(spans, key=lambda s: sum(1 for t in spans if s[0] <= t[0] and t[1] <= s[0] + limit))[0]


def excerpt(text: str, query: str, limit: int = EXCERPT_CHARS) -> tuple[str, bool]:
    """About ``limit`` characters of a passage around the most query words, cut at sentences; and whether cut.

    Passages run to 300 words: ten of them in full bury the answer, so a result shows the
    window a reader needs and the full passage is one click away.
    """
    if len(text) <= limit:
        return text, False
    anchor = _best_anchor(highlight_spans(text, query), limit)
    start = 0
    if anchor > limit // 4:  # begin at the sentence holding the first match, or a little before it
        sentence = max((m.end() for m in _SENTENCE_END.finditer(text, 0, anchor)), default=0)
        start = sentence if anchor - sentence <= limit // 3 else text.find(" ", anchor - limit // 6) + 1
    start = min(start, max(0, len(text) - limit))
    end = min(len(text), start + limit)
    if end < len(text):  # end at a sentence end in the window's last 40 %, else between words
        ends = [m.start() + (text[m.start()] != "\n") for m in _SENTENCE_END.finditer(text, start + limit * 6 // 10, end)]
        end = ends[-1] if ends else max(text.rfind(" ", start, end), start + limit // 2)
    if start and not text[start - 1].isspace():
        start = text.find(" ", start) + 1 or start
    cut = text[start:end].strip()
    return ("… " if start else "") + cut + (" …" if end < len(text) else ""), True


def vn_date_label(iso: str | None) -> str:
    """``Ngày 17/03/2020``, ``Tháng 12/2020`` or ``Năm 2020``: say which precision the date has."""
    if not iso:
        return ""
    word = {3: "Ngày", 2: "Tháng", 1: "Năm"}.get(len(iso.split("-")), "Ngày")
    return f"{word} {vn_date(iso)}"


ACCESS_LABELS = {"public": "Công khai", "internal": "Nội bộ", "restricted": "Hạn chế"}

templates.env.filters.update(vn_date=vn_date, vn_date_label=vn_date_label, vn_int=vn_int, vn_mb=vn_mb, highlight=highlight,
                             access_label=lambda level: ACCESS_LABELS.get(level, level))


# -- filters from the query string --------------------------------------------------------------
@dataclass(frozen=True)
class PageFilters:
    """The filters a page offers (type, issuer, year), as typed in its URL, and the caller's level (not in URLs)."""

    type: str = ""
    issuer: str = ""
    year: str = ""
    access: str = LEVELS[-1]

    @classmethod
    def parse(cls, doc_type: str | None, issuer: str | None, year: str | None,
              access: str = LEVELS[-1]) -> tuple[PageFilters, list[str]]:
        """Filters and the Vietnamese messages for the ones that cannot be used (those are dropped)."""
        values = {"type": (doc_type or "").strip(), "issuer": (issuer or "").strip(), "year": (year or "").strip()}
        errors = []
        for name, limit in MAX_FILTER_CHARS.items():
            if len(values[name]) > limit:
                errors.append(f"Bộ lọc quá dài (tối đa {limit} ký tự) nên đã được bỏ qua.")
                values[name] = ""
        if values["year"] and not _YEAR.match(values["year"]):
            errors.append(f"Năm «{values['year']}» không hợp lệ: hãy nhập 4 chữ số, ví dụ 2020.")
            values["year"] = ""
        return cls(**values, access=access), errors

    def engine(self) -> DocumentFilters:
        """The same filters for ``kb``: a year is the range from its first to its last day."""
        year = self.year or None
        return DocumentFilters(self.type or None, self.issuer or None, year, year, access=self.access)

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("type", self.type), ("issuer", self.issuer), ("year", self.year)) if v}

    def __bool__(self) -> bool:
        return bool(self.params())


def page_url(path: str, **params: Any) -> str:
    """``path`` with the non-empty parameters as a query string."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


# -- facets -------------------------------------------------------------------------------------
FACET_LABELS = {"type": "Loại văn bản", "issuer": "Cơ quan ban hành", "year": "Năm ban hành"}
FACET_SHOWN = 8          # values of one facet listed before "Xem thêm"


@dataclass
class FacetItem:
    label: str
    count: int | None  # None: a value typed into the URL that is not one of the known ones
    url: str
    active: bool = False


@dataclass
class FacetGroup:
    name: str
    label: str
    items: list[FacetItem] = field(default_factory=list)
    clear_url: str | None = None

    def split(self, shown: int = FACET_SHOWN) -> tuple[list[FacetItem], list[FacetItem]]:
        """The values listed at once and those folded under "Xem thêm": a long list of issuers
        would push the other facets off the screen.  The active value is always listed."""
        first = self.items[:shown] + [i for i in self.items[shown:] if i.active]
        return first, [i for i in self.items[shown:] if not i.active]


def _tally(values: Iterable[str | None], key: Callable[[str], str] = fold) -> dict[str, int]:
    """Count values that the store's filters treat as one (same folded form) under their first spelling."""
    labels: dict[str, str] = {}
    counts: dict[str, int] = {}
    for value in values:
        if value:
            label = labels.setdefault(key(value), value)
            counts[label] = counts.get(label, 0) + 1
    return counts


def _issuer_counts(rows: list[dict]) -> dict[str, int]:
    """Documents per issuer name, counted as the store's issuer filter matches: the folded name
    contained in a document's issuer or its parent body (``Ban Tuyên giáo`` also keeps ``… Tỉnh ủy``)."""
    folded = [" | ".join(fold(r[f] or "") for f in ("issuer", "issuer_parent")) for r in rows]
    names = _tally(r["issuer"] for r in rows)
    return {name: sum(fold(name) in text for text in folded) for name in names}


def facet_counts(store: Store, filters: PageFilters) -> dict[str, list[tuple[str, int]]]:
    """Documents per type, issuer and year, each counted among the documents the *other* filters keep.

    Read-only, from ``Store.documents()``.  A count is what choosing that value would
    leave given the other filters, so no facet link leads to an empty list.
    """
    def rows_without(name: str) -> list[dict]:
        return store.documents.listing(replace(filters, **{name: ""}).engine())

    def ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    years = _tally(((r["date"] or "")[:4] for r in rows_without("year")), key=str)
    return {"type": ordered(_tally(r["doc_type"] for r in rows_without("type"))),
            "issuer": ordered(_issuer_counts(rows_without("issuer"))),
            "year": sorted(years.items(), reverse=True)}


def facet_groups(counts: dict[str, list[tuple[str, int]]], filters: PageFilters, url: Callable[[PageFilters], str]
                 ) -> list[FacetGroup]:
    """Facets as links: each value's link sets that filter (or clears it when it is the active one)."""
    groups = []
    for name, label in FACET_LABELS.items():
        active = getattr(filters, name)
        values: list[tuple[str, int | None]] = list(counts.get(name, []))
        if active and all(fold(v) != fold(active) for v, _ in values):
            values.insert(0, (active, None))  # typed into the URL, not a known value: shown so it can be removed
        group = FacetGroup(name, label, clear_url=url(replace(filters, **{name: ""})) if active else None)
        for value, count in values:
            chosen = bool(active) and fold(value) == fold(active)
            group.items.append(FacetItem(value, count, url(replace(filters, **{name: "" if chosen else value})), chosen))
        groups.append(group)
    return groups


# -- search results -----------------------------------------------------------------------------
def result_view(result: dict, chunk_id: int | None, query: str) -> dict:
    """What ``_result.html`` shows of one search result."""
    short, cut = excerpt(result["text"], query)
    doc = result["document"]
    link = page_url(f"/documents/{doc['id']}", chunk=chunk_id, q=query) + (f"#chunk-{chunk_id}" if chunk_id else "")
    return result | {"excerpt": highlight(short, query), "full": highlight(result["text"], query) if cut else None,
                     "url": link, "sections": [s for s in result["section"].split(" › ") if s]}


def validate_query(q: str, limit: int) -> str | None:
    """A Vietnamese message when the query cannot be searched as typed, else None."""
    if len(q) > limit:
        return (f"Câu hỏi quá dài ({vn_int(len(q))} ký tự). Vui lòng rút gọn, "
                f"tối đa {vn_int(limit)} ký tự.")
    return None


# -- HTML errors --------------------------------------------------------------------------------
ERROR_TITLES = {401: "Cần khóa truy cập", 403: "Không có quyền", 404: "Không tìm thấy trang",
                422: "Yêu cầu không hợp lệ", 500: "Đã có lỗi xảy ra"}
ERROR_MESSAGES = {
    401: "Kho văn bản này chỉ dành cho người có khóa truy cập (API key), hoặc khóa đã gửi không hợp lệ.",
    403: "Khóa truy cập của bạn không có quyền thực hiện thao tác này.",
    404: "Trang bạn tìm không có. Có thể đường dẫn đã sai hoặc văn bản đã được gỡ khỏi kho.",
    422: "Yêu cầu không hợp lệ. Vui lòng kiểm tra lại câu hỏi và bộ lọc.",
    500: "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau; nếu lỗi vẫn còn, hãy báo bộ phận quản trị.",
}


def html_error(request: Request, status: int, message: str | None = None, title: str | None = None) -> Response:
    """A Vietnamese error page; the app's handlers can use it for pages that are not under /api."""
    status = status if status in ERROR_TITLES else (404 if status == 405 else 500)
    context = {"title": title or ERROR_TITLES[status], "message": message or ERROR_MESSAGES[status], "status": status}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


_MACHINE_PATHS = ("/api", "/health", "/openapi.json", "/docs", "/redoc", "/static")


def wants_html(request: Request) -> bool:
    """Whether an error on this path should be a page rather than JSON: not the API, its docs or assets.

    For the app's handlers (service/app.py), so that e.g. an unknown ``/abc`` shows the
    Vietnamese 404 page while ``/api/...`` keeps its JSON errors.
    """
    path = request.url.path
    return not any(path == p or path.startswith(p + "/") for p in _MACHINE_PATHS)


class HtmlErrorRoute(APIRoute):
    """A route whose errors become Vietnamese HTML pages instead of the app's JSON errors.

    Every error a page can meet is caught here (unknown ids, bad input, bugs), so a
    reader never sees JSON or a stack trace; the details go to the server log.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except NotFoundError:
                return html_error(request, 404, "Không tìm thấy văn bản này trong kho. "
                                  "Có thể văn bản đã được gỡ hoặc đường dẫn bị sai.", "Không tìm thấy văn bản")
            except InvalidQueryError:
                return html_error(request, 422)
            except HTTPException as exc:  # from the caller's dependency: no key (401), not allowed (403)
                return html_error(request, exc.status_code)
            except Exception:
                log.exception("error on page %s", request.url.path)
                return html_error(request, 500)

        return guarded


router = APIRouter(tags=["web"], include_in_schema=False, route_class=HtmlErrorRoute)


def _page(request: Request, name: str, context: dict, status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)


# -- documents ----------------------------------------------------------------------------------
SORTS = {"newest": "Mới nhất trước", "oldest": "Cũ nhất trước"}


def sort_documents(rows: list[dict], order: str) -> list[dict]:
    """By date, newest or oldest first; documents without a date always last (they are the least findable)."""
    dated = sorted((r for r in rows if r["date"]), key=lambda r: (r["date"], -r["id"]), reverse=order != "oldest")
    return dated + [r for r in rows if not r["date"]]


def merge_references(references: list[dict]) -> list[dict]:
    """One line per cited document: a bare citation (``Chỉ thị 05``) joins the one that names the issuer.

    The API lists ``CT:5`` and ``CT:5:TW`` separately; a reader sees one document
    cited five times, unless two issuers share the number (then they stay apart).
    """
    merged: dict[str, dict] = {}
    by_key: dict[str, list[str]] = {}
    for ref in references:
        by_key.setdefault(ref["key"], []).append(ref["full_key"])
    for ref in references:
        issued = [k for k in by_key[ref["key"]] if k != ref["key"]]
        target = issued[0] if ref["full_key"] == ref["key"] and len(issued) == 1 else ref["full_key"]
        if target not in merged:
            merged[target] = dict(ref, full_key=target)
        else:
            entry = merged[target]
            entry["mentions"] += ref["mentions"]
            entry["document_id"] = entry["document_id"] or ref["document_id"]
        if ref["full_key"] == target:  # the citation that names the issuer is the clearer label
            merged[target]["printed"] = ref["printed"]
    return list(merged.values())


def _top(section: str) -> list[str]:
    return section.split(" › ")[:2]


def passages_view(chunks: Iterable[dict], query: str, target: int | None, doc_issuer: str | None = None
                  ) -> list[dict]:
    """Passages in order, each with the headings (depth, text) that open before it: only those that changed.

    A passage's own issuer (a bulletin article's signature) is shown where the
    article ends, as printed (an article: the top two heading levels), and on the
    passage opened from a search result.
    """
    chunks = list(chunks)
    out: list[dict] = []
    previous: list[str] = []
    for i, chunk in enumerate(chunks):
        parts = [s for s in chunk["section"].split(" › ") if s]
        same = 0
        while same < min(len(parts), len(previous)) and parts[same] == previous[same]:
            same += 1
        following: dict[str, Any] = chunks[i + 1] if i + 1 < len(chunks) else {"issuer": None, "section": ""}
        article_ends = following["issuer"] != chunk["issuer"] or _top(following["section"]) != _top(chunk["section"])
        signed = bool(chunk["issuer"]) and chunk["issuer"] != doc_issuer and (article_ends or chunk["id"] == target)
        out.append(chunk | {"headings": [(depth, text) for depth, text in enumerate(parts) if depth >= same],
                            "html": highlight(chunk["text"], query), "target": chunk["id"] == target,
                            "signed": signed})
        previous = parts
    return out


# -- routes -------------------------------------------------------------------------------------
TypeParam = Annotated[str, Query(alias="type", description="Document type, e.g. Kế hoạch")]
Reader = Annotated[Caller, Depends(current_caller)]


@router.get("/")
def search_page(request: Request, caller: Reader, q: str = "", doc_type: TypeParam = "", issuer: str = "",
                year: str = "", k: str = "") -> Response:
    """The search page: a start page without a query, else the passages that answer it."""
    kb = request.app.state.kb
    limits = kb.settings.limits
    filters, errors = PageFilters.parse(doc_type, issuer, year, caller.level)
    query = q.strip()
    query_error = validate_query(query, limits.max_query_chars)
    searching = bool(query) and not query_error
    size = min(max(int(k), PAGE_SIZE), limits.max_k) if k.isdigit() else PAGE_SIZE
    found, ids, recent, stats = [], [], [], None
    counts = facet_counts(kb.store, filters)
    if searching:
        found = run_search(kb, query, size, filters.engine())["results"]
        # A document card has no place in the text to link to.
        ids = [r["chunk_id"] if r["kind"] == "body" else None for r in found]
    else:
        recent = kb.store.documents.listing(filters.engine(), limit=RECENT)
        stats = kb.store.stats.summary(caller.level)
    more = searching and len(found) == size < limits.max_k
    context = {
        "q": q, "query": query, "filters": filters, "errors": errors + ([query_error] if query_error else []),
        "searching": searching, "results": [result_view(r, cid, query) for r, cid in zip(found, ids)],
        "recent": recent, "stats": stats, "max_query_chars": limits.max_query_chars,
        "facets": facet_groups(counts, filters, lambda f: page_url("/", q=query, **f.params())),
        "clear_url": page_url("/", q=query),
        "more_url": page_url("/", q=query, k=size + PAGE_SIZE, **filters.params()) if more else None,
        "list_url": page_url("/documents", **filters.params()),
    }
    return _page(request, "index.html", context, 422 if query_error else 200)


@router.get("/documents")
def document_list(request: Request, caller: Reader, doc_type: TypeParam = "", issuer: str = "", year: str = "",
                  sort: str = "newest") -> Response:
    """Every document the caller may see, filterable by type, issuer and year, sorted by date."""
    filters, errors = PageFilters.parse(doc_type, issuer, year, caller.level)
    order = sort if sort in SORTS else "newest"
    store = request.app.state.kb.store
    rows = store.documents.listing(filters.engine())
    counts = facet_counts(store, filters)
    total = store.stats.summary(caller.level)["documents"]
    context = {
        "documents": sort_documents(rows, order), "total": total, "filters": filters, "errors": errors,
        "facets": facet_groups(counts, filters, lambda f: page_url("/documents", sort=order, **f.params())),
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
    context = {
        "doc": detail, "query": query, "target": target,
        "references": merge_references(detail["references"]),
        "passages": passages_view(detail["chunks"], query, target, detail["issuer"]),
        "back_url": page_url("/", q=query) if query else None,
    }
    return _page(request, "document.html", context)


# -- upload (editors) ---------------------------------------------------------------------------
@router.get("/upload")
def upload_page(request: Request) -> Response:
    """The upload form for editors; its script sends the files and the typed key to ``POST /api/documents``.

    The page itself needs no key: it holds nothing but the form, and the API
    checks the key on every upload and every progress request.
    """
    context = {"limits": request.app.state.kb.settings.limits, "accept": ",".join(sorted(READERS))}
    return _page(request, "upload.html", context)
