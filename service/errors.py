"""Every error the service answers, in one place: each kb error class's HTTP status, rendered once.

The API (``/api/...``, ``/health``, the docs) answers JSON ``{"message", "status"}``
(plus ``detail`` for invalid parameters); every other path a Vietnamese HTML page.
Nothing internal (no stack trace) ever reaches a client: what is unexpected is
logged and answered 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from kb.errors import (
    DatabaseUnavailableError,
    IndexBusyError,
    InvalidQueryError,
    InvalidStatusError,
    KbError,
    NotFoundError,
    UnsupportedContentError,
    UploadTooLargeError,
)

from .messages import PAGE_MESSAGES, PAGE_TEXTS, PAGE_TITLES, error_message, message, wants_vietnamese
from .views import templates

__all__ = ["HtmlErrorRoute", "Refused", "html_error", "install_error_handlers", "json_error", "kb_error_message",
           "status_of", "wants_html"]

log = logging.getLogger("kb.service")

# The first class an error is an instance of gives its status; KbError last, as the catch-all.
STATUS: tuple[tuple[type[KbError], int], ...] = (
    (NotFoundError, 404), (InvalidQueryError, 422), (InvalidStatusError, 422), (UnsupportedContentError, 415),
    (UploadTooLargeError, 413), (IndexBusyError, 409), (DatabaseUnavailableError, 503), (KbError, 500))
_MACHINE_PATHS = ("/api", "/health", "/openapi.json", "/docs", "/docs-assets", "/static")


class Refused(HTTPException):
    """An HTTP error the service raises itself (a key refused, a job not found), with a code for its Vietnamese wording."""

    def __init__(self, status: int, detail: str, *, code: str, headers: dict[str, str] | None = None,
                 **params: object) -> None:
        super().__init__(status, detail, headers=headers)
        self.code, self.params = code, params


def status_of(exc: KbError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def kb_error_message(request: Request, exc: KbError) -> str:
    """The error's message for this caller: English, or Vietnamese from the catalogue when asked for."""
    if not wants_vietnamese(request.headers):
        return str(exc)
    return error_message(exc, status_of(exc))


def json_error(status: int, text: str, detail: list | None = None) -> JSONResponse:
    body = {"message": text, "status": status} | ({"detail": detail} if detail is not None else {})
    return JSONResponse(body, status_code=status)


def html_error(request: Request, status: int, text: str | None = None, title: str | None = None) -> Response:
    """A Vietnamese error page with the status's own title and message unless given others."""
    status = status if status in PAGE_TITLES else (404 if status == 405 else 500)
    context = {"title": title or PAGE_TITLES[status], "message": text or PAGE_MESSAGES[status], "status": status}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _kb_error_page(request: Request, exc: KbError) -> Response:
    keys = [exc.code, *(kind.__name__ for kind in type(exc).__mro__)]  # its code first, then its classes
    title, text = next((PAGE_TEXTS[key] for key in keys if key in PAGE_TEXTS), (None, None))
    return html_error(request, status_of(exc), text and text.format_map(exc.params), title)


def wants_html(request: Request) -> bool:
    """Whether an error on this path is a page rather than JSON: not the API, its docs or assets.

    So an unknown ``/abc`` shows the Vietnamese 404 page while ``/api/...`` keeps its JSON errors.
    """
    path = request.url.path
    return not any(path == p or path.startswith(p + "/") for p in _MACHINE_PATHS)


def install_error_handlers(app: FastAPI) -> None:
    """The app's handlers: kb errors by the table, invalid parameters, HTTP errors, and anything else as 500."""
    @app.exception_handler(KbError)
    async def kb_error(request: Request, exc: KbError) -> JSONResponse:
        return json_error(status_of(exc), kb_error_message(request, exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        where = ", ".join(".".join(str(p) for p in d["loc"]) for d in detail)
        said = message("RequestValidationError", {"where": where}, 422) if wants_vietnamese(request.headers) else \
            f"Invalid request parameters: {where}"
        return json_error(422, said, detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            return html_error(request, exc.status_code)
        said = error_message(exc, exc.status_code) if wants_vietnamese(request.headers) else str(exc.detail)
        response = json_error(exc.status_code, said)
        response.headers.update(exc.headers or {})  # WWW-Authenticate on a 401
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(app, request)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return json_error(500, message(None) if wants_vietnamese(request.headers) else
                          "Internal error; the server log has the details.")


def _allowed_methods(app: FastAPI, request: Request) -> str:
    """Every method some route serves on this path: Starlette's 405 names only the first route's."""
    methods: set[str] = set()
    for route in app.router.routes:
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


class HtmlErrorRoute(APIRoute):
    """A page's route: its errors become Vietnamese HTML pages instead of the app's JSON errors.

    Every error a page can meet is caught here (unknown ids, bad input, bugs), so a
    reader never sees JSON or a stack trace; the details of a 500 go to the server log.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as exc:  # from the caller's dependency: no key (401), not allowed (403)
                return html_error(request, exc.status_code)
            except Exception as exc:
                if isinstance(exc, KbError) and status_of(exc) in PAGE_TITLES.keys() - {500}:
                    return _kb_error_page(request, exc)
                log.exception("error on page %s", request.url.path)
                return html_error(request, 500)

        return guarded
