"""One document as users see it: metadata, the documents it cites and that cite it, its passages."""

from __future__ import annotations

from .knowledge_base import KnowledgeBase

__all__ = ["document_detail"]


def document_detail(kb: KnowledgeBase, doc_id: int) -> dict:
    store = kb.store
    detail = store.document(doc_id)
    references = store.references_of(doc_id)
    known = store.documents_by_key([r["key"] for r in references])
    for ref in references:
        ref["document_id"] = known.get(ref["full_key"]) or known.get(ref["key"])
    detail["references"] = references
    detail["cited_by"] = store.citing_documents(doc_id)
    detail["chunks"] = [c for c in store.chunks_of(doc_id) if c["kind"] == "body"]
    return detail
