"""What a draft's căn cứ list needs of an indexed document: its citation as staff write it, and whether a later
document in the index replaced or repealed it.

The citation is built from the document's metadata, in the order of a căn cứ
line: ``Quyết định số 84/2025/QĐ-UBND ngày 2/12/2025 của Ủy ban nhân dân tỉnh
Hà Tĩnh bãi bỏ …``; a named act leads with its name (``Luật Doanh nghiệp số
59/2020/QH14 ngày 17/6/2020 của Quốc hội``).  "Replaced" is read from the index's
relations: a visible document whose resolved citation of this one is of kind
``replaces`` or ``repeals`` (``indexer.relations``).
"""

from __future__ import annotations

import re

from indexer.relations import REPEALS, REPLACES
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.documents import document_labels
from kb.retrieval.results import DocumentRef

__all__ = ["citation_label", "replaced_by"]

ENDING = (REPLACES, REPEALS)
_ABOUT = re.compile(r"^V/v\s*", re.IGNORECASE)  # a letter's "V/v …" line: "về …" in a citation


def _date(iso: str) -> str:
    """``2016-05-15`` → ``ngày 15/5/2016``; a month or a year alone as such."""
    parts = [int(p) for p in iso.split("-") if p.isdigit()]
    if len(parts) == 3:
        return f"ngày {parts[2]}/{parts[1]}/{parts[0]}"
    return f"tháng {parts[1]}/{parts[0]}" if len(parts) == 2 else f"năm {parts[0]}" if parts else ""


def citation_label(doc: DocumentRef) -> str:
    """The document as a căn cứ line cites it: type (or name), number, date, issuer, then what it is about."""
    doc_type = doc.doc_type or "Văn bản"
    title = " ".join((doc.title or "").split())
    rest = title[len(doc_type):].strip() if title.lower().startswith(doc_type.lower()) else title
    named = bool(rest) and rest[0].isupper() and title != rest  # "Luật Doanh nghiệp": the name leads
    lead, about = (title, "") if named else (doc_type, _ABOUT.sub("về ", rest, count=1))
    pieces = [lead, f"số {doc.number}" if doc.number else "", _date(doc.date) if doc.date else "",
              f"của {doc.issuer}" if doc.issuer else "", about]
    return " ".join(p for p in pieces if p)


def replaced_by(kb: KnowledgeBase, doc_id: int, access: str) -> list[DocumentRef]:
    """The visible documents that replace or repeal ``doc_id``, oldest first."""
    store = kb.store.documents
    later = [citer["id"] for citer in store.citing(doc_id, access)
             if any(ref["status"] == "resolved" and doc_id in ref["candidates"] and set(ref["kinds"]) & set(ENDING)
                    for ref in store.references_of(citer["id"], access))]
    return list(document_labels(kb, later, access).values())
