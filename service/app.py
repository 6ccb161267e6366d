"""The HTTP service: ``create_app(settings)`` builds a FastAPI app over one knowledge base.

Endpoints are thin: they validate parameters, call the same ``kb`` functions as
the CLI and return their result.  Every error of the API is JSON ``{"message",
"status"}``, every error of a page a Vietnamese HTML page; nothing internal (no
stack trace) ever reaches a client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.config import Settings
from kb.errors import InvalidQueryError, KbError, NotFoundError
from kb.knowledge_base import KnowledgeBase

from . import api, web

__all__ = ["create_app"]

log = logging.getLogger("kb.service")
_STATUS = ((NotFoundError, 404), (InvalidQueryError, 422), (KbError, 500))


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
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "Internal error; the server log has the details.")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model and the vectors before the first request, not during it."""
    kb = app.state.kb
    kb.embedder.encode_query("khởi động")
    kb.vectors  # noqa: B018 - opens and checks the vector file
    yield
    kb.close()


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="kb",
        summary="Search Vietnamese directives, resolutions, plans and bulletins; every passage with its "
                "document, number, date and issuing body.",
        version="0.1.0",
    )
    app.state.kb = KnowledgeBase(settings)
    app.state.lock = threading.Lock()  # one SQLite connection and one FAISS index, used one request at a time
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(web.router)  # HTML pages for staff: /, /documents, /documents/{id}
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    return app
