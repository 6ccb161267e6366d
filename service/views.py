"""What the pages show of kb's records: Vietnamese dates and numbers, excerpts with the query marked, passages
under their headings, citations merged.  The templates render the same records (``kb.retrieval.results``) the
API returns, with these additions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from kb.config import Limits
from kb.errors import InvalidQueryError
from kb.retrieval.highlight import excerpt, mark
from kb.retrieval.results import DocumentGroup, DocumentSummary, Passage, SearchHit

__all__ = [
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "highlight",
    "page_url",
    "passages_view",
    "result_view",
    "group_view",
    "sort_documents",
    "templates",
    "validate_query",
    "vn_date",
    "vn_date_label",
    "vn_int",
]

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

ACCESS_LABELS = {"public": "Công khai", "internal": "Nội bộ", "restricted": "Hạn chế"}
# A document's status (kb.storage.status) as its badge says it; "bởi …" follows when the replacing document is known.
STATUS_LABELS = {"in_force": "Còn hiệu lực", "replaced": "Đã bị thay thế", "repealed": "Đã bị bãi bỏ",
                 "expired": "Đã hết hiệu lực", "unknown": "Chưa rõ hiệu lực"}


def document_label(doc: Any) -> str:
    """A document as a sentence names it: "Quyết định số 20/2023/QĐ-UBND", else its title (a dict or a record)."""
    get = doc.get if isinstance(doc, dict) else lambda name: getattr(doc, name, None)
    if get("number"):
        return " ".join(part for part in (get("doc_type"), f"số {get('number')}") if part)
    return str(get("title") or f"văn bản {get('id')}")
# Which of two merged citations says more: one that names a document, then one with candidates.


# -- formatting (also Jinja filters) ------------------------------------------------------------
def vn_date(iso: str | None) -> str:
    """ISO date as Vietnamese offices write it: ``2020-03-17`` → ``17/03/2020``, ``2020-12`` → ``12/2020``."""
    if not iso:
        return ""
    parts = iso.split("-")
    if all(p.isdigit() for p in parts) and len(parts) <= 3:
        return "/".join(reversed(parts))
    return iso


def vn_date_label(iso: str | None) -> str:
    """``Ngày 17/03/2020``, ``Tháng 12/2020`` or ``Năm 2020``: say which precision the date has."""
    if not iso:
        return ""
    word = {3: "Ngày", 2: "Tháng", 1: "Năm"}.get(len(iso.split("-")), "Ngày")
    return f"{word} {vn_date(iso)}"


def vn_int(n: int) -> str:
    """Thousands separated by dots, as in Vietnamese: ``1234`` → ``1.234``."""
    return f"{n:,}".replace(",", ".")


def vn_mb(size: int) -> str:
    """Bytes as megabytes with a decimal comma, as in Vietnamese: ``1572864`` → ``1,5``."""
    return f"{size / 1048576:.1f}".removesuffix(".0").replace(".", ",")


def highlight(text: str, query: str | None, restored: str | None = None) -> Markup:
    """``text`` HTML-escaped, with the query's phrases in ``<mark>``; safe to put in a page as is."""
    return Markup(mark(text, query, "<mark>", "</mark>", escape, restored) if query else escape(text))


templates.env.filters.update(vn_date=vn_date, vn_date_label=vn_date_label, vn_int=vn_int, vn_mb=vn_mb, highlight=highlight,
                             access_label=lambda level: ACCESS_LABELS.get(level, level),
                             status_label=lambda status: STATUS_LABELS.get(status, status), document_label=document_label)


def page_url(path: str, **params: Any) -> str:
    """``path`` with the non-empty parameters as a query string."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def validate_query(query: str, limits: Limits) -> str | None:
    """A Vietnamese message when the query cannot be searched as typed (``Limits.check_query``), else None."""
    try:
        limits.check_query(query)
    except InvalidQueryError:
        return (f"Câu hỏi quá dài ({vn_int(len(query))} ký tự). Vui lòng rút gọn, "
                f"tối đa {vn_int(limits.max_query_chars)} ký tự.")
    return None


# -- search results -----------------------------------------------------------------------------
def result_view(result: SearchHit, query: str, restored: str | None = None) -> dict:
    """What ``_result.html`` shows of one search result: an excerpt around its best match, the full passage if
    cut, its link; ``restored``: the query as searched, with the accents the search put back."""
    short = excerpt(result.text, query, restored)
    chunk_id = result.chunk_id if result.kind == "body" else None  # a document card has no place in the text
    link = page_url(f"/documents/{result.document.id}", chunk=chunk_id, q=query) + (f"#chunk-{chunk_id}" if chunk_id else "")
    return asdict(result) | {"excerpt": Markup(short.marked("<mark>", "</mark>", escape)),
                             "full": highlight(result.text, query, restored) if short.cut else None,
                             "url": link, "sections": [s for s in result.section.split(" › ") if s]}


def group_view(group: DocumentGroup, query: str, restored: str | None = None) -> dict:
    """What ``_group.html`` shows of one document's results: the document, its link, each passage."""
    return {"document": group.document, "url": page_url(f"/documents/{group.document.id}", q=query),
            "results": [result_view(hit, query, restored) for hit in group.results]}


# -- documents ----------------------------------------------------------------------------------
def sort_documents(rows: list[DocumentSummary], order: str) -> list[DocumentSummary]:
    """By date, newest or oldest first; documents without a date always last (they are the least findable)."""
    dated = sorted((r for r in rows if r.date), key=lambda r: (r.date, -r.id), reverse=order != "oldest")
    return dated + [r for r in rows if not r.date]


def _top(section: str) -> list[str]:
    return section.split(" › ")[:2]


def passages_view(chunks: Iterable[Passage], query: str, target: int | None, doc_issuer: str | None = None
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
        parts = [s for s in chunk.section.split(" › ") if s]
        same = 0
        while same < min(len(parts), len(previous)) and parts[same] == previous[same]:
            same += 1
        following = chunks[i + 1] if i + 1 < len(chunks) else None
        article_ends = following is None or following.issuer != chunk.issuer or \
            _top(following.section) != _top(chunk.section)
        signed = bool(chunk.issuer) and chunk.issuer != doc_issuer and (article_ends or chunk.id == target)
        out.append(asdict(chunk) | {"headings": [(depth, text) for depth, text in enumerate(parts) if depth >= same],
                                    "html": highlight(chunk.text, query), "target": chunk.id == target,
                                    "signed": signed})
        previous = parts
    return out
