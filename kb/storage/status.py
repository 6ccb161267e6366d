"""Whether a document is still in force: what an editor set by hand, kept whole, and what the index's relations say.

Party documents carry no official status anywhere, so an editor's word is
the one that counts where there is one; the relations (``indexer.relations``:
``thay thế``, ``bãi bỏ``, ``hết hiệu lực``, ``sửa đổi, bổ sung``) give the
rest.  Every change an editor makes is a new row of ``document_status``:
nothing is overwritten, so who set what, when, over what, stays readable.  A
row keys its document by id only, without a foreign key: a new version of a
document keeps its id (``Documents.move``) or takes the rows over
(``carry``), and a deleted document's history stays as an audit.
"""

from __future__ import annotations

from typing import Any

from indexer.relations import AMENDS, REPEALS, REPLACES
from kb.access.levels import LEVELS
from kb.errors import InvalidStatusError
from kb.storage.database import Database, marks, now
from kb.storage.documents import Documents

__all__ = ["ENDING", "STATUSES", "Statuses", "check_status", "later"]

IN_FORCE, REPLACED, REPEALED, EXPIRED, UNKNOWN = "in_force", "replaced", "repealed", "expired", "unknown"
STATUSES = (IN_FORCE, REPLACED, REPEALED, EXPIRED, UNKNOWN)
# The relation kinds of a later document that end this one, and the status each gives it.
ENDING = {REPLACES: REPLACED, REPEALS: REPEALED}
_RELATED = (REPLACES, REPEALS, AMENDS)


def check_status(status: str) -> str:
    """``status`` if it is one kb knows; else ``InvalidStatusError`` naming the known ones."""
    if status not in STATUSES:
        raise InvalidStatusError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.",
                                 code="unknown_status", status=status, known=", ".join(STATUSES))
    return status


def later(date: str | None, than: str | None) -> bool:
    """Whether ``date`` is after ``than``, both ISO 8601 of any precision (``2020``, ``2020-05``, ``2020-05-10``).

    Compared as far as both go: a document of May 2020 is not later than one of
    10 May 2020, nor earlier; an undated one is never later, since a relation
    read from a document printed before the one it names is a misreading.
    """
    if not date or not than:
        return False
    n = min(len(date), len(than))
    return date[:n] > than[:n]


class Statuses:
    """The ``document_status`` table, and the relations from later documents that bear on a document's status."""

    def __init__(self, db: Database, documents: Documents) -> None:
        self.db = db
        self.documents = documents

    # -- writes: run them inside ``Database.transaction()`` (``KnowledgeBase.set_status``) ---
    def record(self, doc_id: int, status: str, *, set_by: str, note: str | None = None,
               replaced_by: int | None = None, access: str = LEVELS[-1]) -> dict[str, Any]:
        """Add a status change by ``set_by`` to document ``doc_id`` (visible at ``access``); the row written.

        ``replaced_by`` must be another document the same caller sees: a
        status that points to nothing would be a dead link on every page.
        """
        self.documents.get(doc_id, access)  # NotFoundError for a document the caller does not see
        check_status(status)
        if replaced_by is not None and (replaced_by == doc_id or not self.documents.labels([replaced_by], access)):
            raise InvalidStatusError(f"No other document with id {replaced_by} to name as the replacing one.",
                                     code="unknown_replacing", document_id=replaced_by)
        previous = self.current([doc_id]).get(doc_id)
        row = {"document_id": doc_id, "status": status, "previous": previous["status"] if previous else None,
               "note": (note or "").strip() or None, "replaced_by": replaced_by, "set_by": set_by, "set_at": now()}
        row["id"] = self.db.insert("document_status", row)
        return row

    def carry(self, old_id: int, new_id: int) -> None:
        """A new version stored under a new id (``KnowledgeBase.add_document(replacing=…)``) takes the old one's
        history, and the statuses that named the old one as replacing now name the new one."""
        self.db.execute("UPDATE document_status SET document_id = ? WHERE document_id = ?", [new_id, old_id])
        self.db.execute("UPDATE document_status SET replaced_by = ? WHERE replaced_by = ?", [new_id, old_id])

    # -- reads -------------------------------------------------------------------------------
    def current(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The latest status set by hand on each of ``ids`` that has one."""
        rows = self.db.rows(
            f"SELECT * FROM document_status WHERE id IN (SELECT max(id) FROM document_status "
            f"WHERE document_id IN ({marks(ids)}) GROUP BY document_id)", ids)
        return {row["document_id"]: row for row in rows}

    def history(self, doc_id: int) -> list[dict[str, Any]]:
        """Every status set by hand on the document, newest first."""
        return self.db.rows("SELECT * FROM document_status WHERE document_id = ? ORDER BY id DESC", [doc_id])

    def related(self, ids: list[int], access: str = LEVELS[-1]) -> dict[int, list[dict[str, Any]]]:
        """For each of ``ids``, the later documents visible at ``access`` that replace, repeal or amend it,
        each with ``kind``, oldest first.

        Most documents are named by no such relation: one query over their own
        numbers finds the few that may be, and only those are resolved
        (``Documents.citing``, the same rules as "cited by").
        """
        own = self.db.execute(
            f"SELECT DISTINCT c.document_id, r.key FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            f"WHERE r.is_self = 1 AND c.document_id IN ({marks(ids)})", ids).fetchall()
        keys = sorted({key for _, key in own})
        named = {row[0] for row in self.db.execute(
            f"SELECT DISTINCT key FROM chunk_refs WHERE is_self = 0 AND kind IN ({marks(_RELATED)}) "
            f"AND key IN ({marks(keys)})", [*_RELATED, *keys])}
        dates = {row["id"]: row["date"] for row in self.documents.labels(ids, access)}
        found: dict[int, list[dict[str, Any]]] = {}
        for doc_id in sorted({doc_id for doc_id, key in own if key in named and doc_id in dates}):
            for kind in _RELATED:
                for citer in self.documents.citing(doc_id, access, kinds=(kind,)):
                    if later(citer["date"], dates[doc_id]):
                        found.setdefault(doc_id, []).append(citer | {"kind": kind})
            found.get(doc_id, []).sort(key=lambda row: (row["date"], row["id"]))
        return found
