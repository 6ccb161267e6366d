"""Documents as users see them: a page of the list, one document with what it cites, its passages and its status,
its text.

Every read takes the caller's level: a document above it is "not found", and is
neither listed, counted nor shown among what another document cites.
"""

from __future__ import annotations

from kb.access.levels import LEVELS
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.results import (
    CitingDocument,
    DocumentDetail,
    DocumentPage,
    DocumentRef,
    DocumentSummary,
    DocumentText,
    Passage,
    Reference,
    SourceFileInfo,
)
from kb.retrieval.validity import statuses, with_status
from kb.storage.filters import DocumentFilters

__all__ = ["document_detail", "document_labels", "document_list", "document_page", "document_text"]


def document_list(kb: KnowledgeBase, filters: DocumentFilters | None = None, *, text: str | None = None,
                  limit: int = -1, offset: int = 0) -> list[DocumentSummary]:
    """Documents the filters keep, newest first (undated last); ``text`` is part of the title or number."""
    rows = kb.store.documents.listing(filters, text=text, limit=limit, offset=offset)
    return with_status(kb, [DocumentSummary.from_row(row) for row in rows], filters.access if filters else LEVELS[-1])


def document_page(kb: KnowledgeBase, filters: DocumentFilters, *, text: str | None = None, page: int = 1,
                  per_page: int = 20) -> DocumentPage:
    """Page ``page`` (from 1) of the list, with the number of documents on all pages."""
    kb.settings.limits.check_per_page(per_page)
    items = document_list(kb, filters, text=text, limit=per_page, offset=(page - 1) * per_page)
    return DocumentPage(total=kb.store.documents.count(filters, text=text), page=page, per_page=per_page, items=items)


def document_detail(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> DocumentDetail:
    """The document as a caller allowed ``access`` sees it: a document above that level is "not found",
    and the documents it cites or that cite it are listed only if the caller may see them too."""
    store = kb.store
    row = store.documents.get(doc_id, access)
    references = [Reference.from_row(r) for r in store.documents.references_of(doc_id, access)]
    return DocumentDetail(
        **row,
        status=statuses(kb, [doc_id], access)[doc_id],
        sources=[SourceFileInfo.from_row(r) for r in store.sources.of_document(doc_id)],
        references=references,
        cited_by=[CitingDocument.from_row(r) for r in store.documents.citing(doc_id, access)],
        chunks=[Passage.from_row(c) for c in store.chunks.of_document(doc_id, access) if c["kind"] == "body"],
    )


def document_text(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> DocumentText:
    """The whole text read from the document's file (NFC), for reading or copying."""
    return DocumentText(id=doc_id, text=kb.store.documents.text_of(doc_id, access))


def document_labels(kb: KnowledgeBase, ids: list[int], access: str = LEVELS[-1]) -> dict[int, DocumentRef]:
    """The documents among ``ids`` a caller allowed ``access`` may see, by id: what a page shows of
    the candidates of an ambiguous citation, so the reader chooses."""
    return {row["id"]: DocumentRef.from_row(row) for row in kb.store.documents.labels(ids, access)}
