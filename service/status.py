"""Routes for a document's status (/api/documents/{id}/status): read it with its history, set it by hand.

Party documents carry no official status anywhere, so an editor's word is
kept beside what the index's relations say (``kb.retrieval.validity``).  The
write goes through the process's one writer (``JobRunner.writer``), as a
delete does, and is audited under the key's name.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from kb.retrieval import results
from kb.retrieval.validity import status_report

from .api import DocId, Editor, Reader
from .models import ErrorResponse, StatusReport, StatusRequest

__all__ = ["router"]

router = APIRouter(prefix="/api/documents/{doc_id}/status", tags=["documents"])
WRITE_WAIT_SECONDS = 10.0  # how long a status change waits for a running indexing job before answering 409
_READ_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 404, 422, 500)}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (401, 403, 404, 409, 422, 500)}


@router.get("", response_model=StatusReport, responses=_READ_ERRORS)
def document_status(request: Request, doc_id: DocId, caller: Reader) -> results.StatusReport:
    """Whether the document is still in force (an editor's status, else what later documents say) and every
    change editors made to it, newest first."""
    return status_report(request.app.state.kb, doc_id, caller.level)


@router.put("", response_model=StatusReport, responses=_WRITE_ERRORS)
def set_document_status(request: Request, doc_id: DocId, body: StatusRequest,
                        caller: Editor) -> results.StatusReport:
    """Set the document's status by hand (editor key); kept in its history with the key's name and the time.

    404 for a document the key does not see; 422 for an unknown status or a replacing document it does not see;
    409 when an indexing job keeps the index busy for more than a few seconds.
    """
    kb = request.app.state.kb
    kb.store.documents.get(doc_id, caller.level)
    with request.app.state.jobs.writer(WRITE_WAIT_SECONDS) as writer:
        writer.set_status(doc_id, body.status, set_by=caller.name or "", note=body.note,
                          replaced_by=body.replaced_by, access=caller.level)
    return status_report(kb, doc_id, caller.level)
