"""Whether documents are still in force, as a caller sees them: an editor's status over what the relations say.

The status travels with every document a caller is shown (a search hit's
document, a list, one document), so a passage of a replaced decision is
flagged where it is read.  What a caller may not see never shapes what it is
told: a replacing document above its level neither ends a document for it nor
is named to it (``kb.storage.status.Statuses.related`` takes the level).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol, TypeVar, cast

from kb.access.levels import LEVELS
from kb.errors import InvalidQueryError, NotFoundError
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.results import DocumentStatus, StatusChange, StatusLink, StatusReport
from kb.storage.citations import AMBIGUOUS, RESOLVED
from kb.storage.status import ENDING, IN_FORCE

__all__ = ["find_document", "status_report", "statuses", "with_status"]

MANUAL, DERIVED = "manual", "derived"


class _Shown(Protocol):
    """A record of a document that can carry its status (``DocumentRef``, ``DocumentSummary``, ``DocumentDetail``)."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> DocumentStatus | None: ...


T = TypeVar("T", bound=_Shown)


def statuses(kb: KnowledgeBase, ids: Iterable[int], access: str = LEVELS[-1]) -> dict[int, DocumentStatus]:
    """The status of each document of ``ids`` (visible at ``access`` or not: the caller chose them)."""
    ids = sorted(set(ids))
    store = kb.store
    with store.db.reading():
        related = store.status.related(ids, access)
        manual = store.status.current(ids)
        named = sorted({row["replaced_by"] for row in manual.values() if row["replaced_by"] is not None})
        labels = {row["id"]: row for row in store.documents.labels(named, access)}
    return {doc_id: _status(related.get(doc_id, []), manual.get(doc_id), labels) for doc_id in ids}


def _status(related: list[dict[str, Any]], manual: dict[str, Any] | None,
            labels: dict[int, dict[str, Any]]) -> DocumentStatus:
    """One document's status from the later documents that bear on it and the editor's latest row."""
    ending = next((StatusLink.from_row(row) for row in related if row["kind"] in ENDING), None)
    derived = ENDING[ending.kind] if ending else IN_FORCE
    amended = [StatusLink.from_row(row) for row in related if row["kind"] not in ENDING]
    if manual is None:
        return DocumentStatus(status=derived, source=DERIVED, replaced_by=ending, derived=derived, derived_by=ending,
                              amended_by=amended)
    change = _change(manual, labels)
    named = labels.get(change.replaced_by) if change.replaced_by is not None else None
    replacing = StatusLink.from_row(named | {"kind": MANUAL}) if named else (
        ending if change.status in ENDING.values() else None)
    return DocumentStatus(status=change.status, source=MANUAL, replaced_by=replacing, derived=derived,
                          derived_by=ending, manual=change, amended_by=amended)


def _change(row: dict[str, Any], visible: dict[int, Any]) -> StatusChange:
    """A row of the history as a caller sees it: a replacing document it may not see is not named, not even by id."""
    change = StatusChange.from_row(row)
    return change if change.replaced_by is None or change.replaced_by in visible else replace(change, replaced_by=None)


def with_status(kb: KnowledgeBase, documents: list[T], access: str = LEVELS[-1]) -> list[T]:
    """``documents`` each with its status filled in, in one pass over the index."""
    found = statuses(kb, (d.id for d in documents), access)
    return [cast(T, replace(cast(Any, d), status=found[d.id])) for d in documents]


def status_report(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> StatusReport:
    """A document's status and its whole history of editors' changes; ``NotFoundError`` above ``access``."""
    kb.store.documents.get(doc_id, access)
    rows = kb.store.status.history(doc_id)
    named = sorted({row["replaced_by"] for row in rows if row["replaced_by"] is not None})
    visible = {row["id"]: row for row in kb.store.documents.labels(named, access)}
    return StatusReport(document_id=doc_id, status=statuses(kb, [doc_id], access)[doc_id],
                        history=[_change(row, visible) for row in rows])


def find_document(kb: KnowledgeBase, id_or_number: str, access: str = LEVELS[-1]) -> int:
    """The document an id ("12") or a number in any spelling ("05-CT/TW", "Chỉ thị 05") names, as a caller at
    ``access`` sees it; ``NotFoundError`` if none, ``InvalidQueryError`` naming the candidates if several."""
    text = id_or_number.strip()
    if text.isdigit():
        return int(kb.store.documents.get(int(text), access)["id"])
    found = kb.store.documents.named(text, access)
    if found.status == RESOLVED:
        return found.documents[0]
    if found.status != AMBIGUOUS:
        raise NotFoundError(f"No document numbered {text!r}", code="no_number", number=text)
    shown = "; ".join(f"{row['id']}: {row['number']} {row['date'] or ''} {row['title'] or ''}".strip()
                      for row in kb.store.documents.labels(list(found.documents), access))
    raise InvalidQueryError(f"{text!r} may name several documents; give one's id: {shown}",
                            code="several_numbered", number=text, documents=shown)
