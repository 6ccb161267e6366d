"""One document as users see it: metadata, the documents it cites and that cite it, its passages."""

from __future__ import annotations

from kb.access.levels import LEVELS
from kb.knowledge_base import KnowledgeBase

__all__ = ["document_detail"]


def document_detail(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> dict:
    """The document as a caller allowed ``access`` sees it: a document above that level is "not found",
    and the documents it cites or that cite it are listed only if the caller may see them too."""
    store = kb.store
    detail = store.documents.get(doc_id, access)
    detail["references"] = store.documents.references_of(doc_id, access)
    detail["cited_by"] = store.documents.citing(doc_id, access)
    detail["chunks"] = [c for c in store.chunks.of_document(doc_id, access) if c["kind"] == "body"]
    return detail
