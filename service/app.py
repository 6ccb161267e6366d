"""The HTTP service: ``create_app(settings)`` builds a FastAPI app over one knowledge base.

Endpoints are thin: they validate parameters, call the same ``kb`` functions as
the CLI and return their result.  Every error of the API is JSON ``{"message",
"status"}``, every error of a page a Vietnamese HTML page; nothing internal (no
stack trace) ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from kb.config import Settings
from kb.errors import (
    IndexBusyError,
    InvalidQueryError,
    KbError,
    NotFoundError,
    UnsupportedContentError,
    UploadTooLargeError,
)
from kb.jobs.runner import JobRunner
from kb.knowledge_base import KnowledgeBase

from . import api, keys, web

__all__ = ["create_app"]

log = logging.getLogger("kb.service")
_STATUS = ((NotFoundError, 404), (InvalidQueryError, 422), (UnsupportedContentError, 415),
           (UploadTooLargeError, 413), (IndexBusyError, 409), (KbError, 500))


def _error(status: int, message: str, detail: list | None = None) -> JSONResponse:
    body = {"message": message, "status": status} | ({"detail": detail} if detail is not None else {})
    return JSONResponse(body, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KbError)
    async def kb_error(request: Request, exc: KbError) -> JSONResponse:
        status = next(code for kind, code in _STATUS if isinstance(exc, kind))
        return _error(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        where = ", ".join(".".join(str(p) for p in d["loc"]) for d in detail)
        return _error(422, f"Invalid request parameters: {where}", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if web.wants_html(request):
            return web.html_error(request, exc.status_code)
        response = _error(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})  # WWW-Authenticate on a 401
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(app, request)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "Internal error; the server log has the details.")


def _allowed_methods(app: FastAPI, request: Request) -> str:
    """Every method some route serves on this path: Starlette's 405 names only the first route's."""
    methods: set[str] = set()
    for route in app.router.routes:
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


class UploadLimit:
    """Refuse a request body over the upload limit from its Content-Length, before a byte of it is read (413).

    Uvicorn never passes on more than the length a request declares, so the
    header bounds what is read; a streamed body without one is refused (411).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._refusal(Headers(scope=scope)) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await _error(*refusal)(scope, receive, send)

    def _refusal(self, headers: Headers) -> tuple[int, str] | None:
        length = headers.get("content-length")
        if length is None:
            return (411, "Send the upload with a Content-Length.") if "transfer-encoding" in headers else None
        if not length.isdigit():
            return 400, "Invalid Content-Length."
        if int(length) > self.max_bytes:
            return 413, f"The request is {int(length):,} bytes; the limit is {self.max_bytes:,} bytes per request."
        return None


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model and the vectors before the first request, not during it; run the job thread meanwhile."""
    kb = app.state.kb
    kb.open_embedder().encode_query("khởi động")
    kb.open_vectors()  # opens and checks the vector file
    app.state.jobs.start()
    yield
    app.state.jobs.stop()
    kb.close()


def _openapi(app: FastAPI, settings: Settings) -> dict:
    app.openapi_schema = _bad_bodies(api.openapi_limits(FastAPI.openapi(app), settings.limits))
    return app.openapi_schema


def _bad_bodies(schema: dict) -> dict:
    """FastAPI answers 400 when it cannot parse a request body at all: say so wherever a body is taken."""
    answer = {"description": "The request body could not be parsed",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["responses"].setdefault("400", answer)
    return schema


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="kb",
        summary="Search Vietnamese directives, resolutions, plans and bulletins; every passage with its "
                "document, number, date and issuing body.",
        version="0.1.0",
    )
    app.state.kb = KnowledgeBase(settings)  # the readers': a connection per thread, vectors swapped on change
    app.state.jobs = JobRunner(settings)  # the writer: indexing jobs and deletes, in its own thread
    _install_error_handlers(app)
    app.add_middleware(UploadLimit, max_bytes=settings.limits.max_upload_request_bytes)
    app.include_router(api.router)
    app.include_router(keys.router)  # /api/keys, for admin keys
    app.openapi = lambda: app.openapi_schema or _openapi(app, settings)  # type: ignore[method-assign]  # FastAPI's way
    app.include_router(web.router)  # HTML pages for staff: /, /documents, /documents/{id}
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    return app
