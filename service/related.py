"""Drafting help over HTTP: ``POST /api/related`` (JSON ``{"text"}`` or a multipart ``file``) and the ``/related``
page, where one pastes or uploads a draft and reads its căn cứ, the passages nearest its parts and its
citations to check.

The draft is read as an upload is (its name made safe, its bytes checked against its extension, the
service's per-file size limit) and parsed in a worker thread, never stored.  Both need only reader
access: the suggestions are documents the caller may see.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from indexer.model import ParsedDocument
from indexer.read import READERS
from kb.config import Limits
from kb.errors import InvalidQueryError, KbError
from kb.jobs.uploads import check_content, safe_name
from kb.retrieval import related as drafting
from kb.retrieval.drafts import draft_from_bytes, draft_from_text

from .auth import Caller, current_caller
from .errors import HtmlErrorRoute, status_of
from .messages import error_message
from .models import ErrorResponse, RelatedResponse, RelatedText
from .views import templates

__all__ = ["api_router", "page_router"]

api_router = APIRouter()
page_router = APIRouter(tags=["web"], include_in_schema=False, route_class=HtmlErrorRoute)
Reader = Annotated[Caller, Depends(current_caller)]
PER_PART = 3
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": RelatedText.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "The draft: a .docx, .pdf, .txt, .md or .html file"}}}}}}}


async def _from_form(form: FormData, limits: Limits) -> ParsedDocument:
    """The draft a form carries: its ``file`` if one was chosen, else its ``text``."""
    upload, text = form.get("file"), form.get("text")
    if isinstance(upload, UploadFile) and upload.filename:
        name = safe_name(upload.filename)
        data = await upload.read(limits.max_upload_file_bytes + 1)
        limits.check_upload_file(name, len(data))
        check_content(name, data)
        return await run_in_threadpool(draft_from_bytes, name, data, limits)
    if isinstance(text, str):
        return await run_in_threadpool(draft_from_text, text, limits)
    raise InvalidQueryError("Send the draft as text or as a file.", code="no_draft")


async def _draft(request: Request, limits: Limits) -> ParsedDocument:
    """The draft of a request: a multipart form, else a JSON body ``{"text": …}``."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=4, max_part_size=limits.max_upload_file_bytes)
        return await _from_form(form, limits)
    try:
        text = RelatedText.model_validate_json(await request.body()).text
    except ValidationError as exc:
        raise RequestValidationError([e | {"loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    return await run_in_threadpool(draft_from_text, text, limits)


@api_router.post("/api/related", response_model=RelatedResponse, tags=["search"], openapi_extra=_BODY,
                 responses={code: {"model": ErrorResponse} for code in (401, 413, 415, 422, 500)})
async def related_draft(
    request: Request, caller: Reader,
    k: Annotated[int, Query(ge=1, description="How many căn cứ to suggest (at most the limit of k)")] = 10,
    per_part: Annotated[int, Query(ge=0, le=10, description="Passages shown for each part of the draft")] = PER_PART,
) -> Any:
    """Drafting help: send a draft (JSON ``{"text": "…"}``, or a multipart ``file``); kb reads it without storing
    it and answers the căn cứ it should cite (in official form, by date, each with why and whether a later
    document replaced it), the earlier passages nearest each of its parts, and its citations that name
    nothing in the index, several documents, or a replaced one."""
    kb = request.app.state.kb
    draft = await _draft(request, kb.settings.limits)
    return await run_in_threadpool(drafting.related, kb, draft, caller.level, k=k, per_part=per_part)


@page_router.get("/related")
def related_form(request: Request, caller: Reader) -> Response:
    """The form: paste a draft or choose its file."""
    return _page(request, {})


@page_router.post("/related")
async def related_page(request: Request, caller: Reader) -> Response:
    """The form again, with the draft's căn cứ, its citations to check and the passages nearest its parts;
    a draft that cannot be read is said so above the form, in Vietnamese."""
    kb = request.app.state.kb
    form = await request.form(max_files=1, max_fields=4, max_part_size=kb.settings.limits.max_upload_file_bytes)
    text = form.get("text")
    pasted = text if isinstance(text, str) else ""
    try:
        draft = await _from_form(form, kb.settings.limits)
        answer = await run_in_threadpool(drafting.related, kb, draft, caller.level, per_part=PER_PART)
    except KbError as exc:
        status = status_of(exc)
        return _page(request, {"text": pasted, "errors": [error_message(exc, status)]}, status)
    return _page(request, {"text": pasted, "answer": answer})


def _page(request: Request, context: dict, status: int = 200) -> Response:
    limits = request.app.state.kb.settings.limits
    context = {"limits": limits, "accept": ",".join(sorted(READERS)), "text": "", "errors": [], "answer": None} | context
    return templates.TemplateResponse(request, "related.html", context, status_code=status)
