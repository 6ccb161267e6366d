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
    IndexBusyError,
    InvalidQueryError,
    KbError,
    NotFoundError,
    UnsupportedContentError,
    UploadTooLargeError,
)

from .views import templates

__all__ = ["HtmlErrorRoute", "html_error", "install_error_handlers", "json_error", "status_of", "wants_html"]

log = logging.getLogger("kb.service")

# The first class an error is an instance of gives its status; KbError last, as the catch-all.
STATUS: tuple[tuple[type[KbError], int], ...] = (
    (NotFoundError, 404), (InvalidQueryError, 422), (UnsupportedContentError, 415),
    (UploadTooLargeError, 413), (IndexBusyError, 409), (KbError, 500))

# What a page says for each status it can show; any other status is shown as 500 (405 as 404).
PAGE_TITLES = {401: "Cần khóa truy cập", 403: "Không có quyền", 404: "Không tìm thấy trang",
               422: "Yêu cầu không hợp lệ", 500: "Đã có lỗi xảy ra"}
PAGE_MESSAGES = {
    401: "Kho văn bản này chỉ dành cho người có khóa truy cập (API key), hoặc khóa đã gửi không hợp lệ.",
    403: "Khóa truy cập của bạn không có quyền thực hiện thao tác này.",
    404: "Trang bạn tìm không có. Có thể đường dẫn đã sai hoặc văn bản đã được gỡ khỏi kho.",
    422: "Yêu cầu không hợp lệ. Vui lòng kiểm tra lại câu hỏi và bộ lọc.",
    500: "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau; nếu lỗi vẫn còn, hãy báo bộ phận quản trị.",
}
# A page about an error class says more than its status does.
PAGE_TEXTS: dict[type[KbError], tuple[str, str]] = {
    NotFoundError: ("Không tìm thấy văn bản", "Không tìm thấy văn bản này trong kho. "
                    "Có thể văn bản đã được gỡ hoặc đường dẫn bị sai."),
}
_MACHINE_PATHS = ("/api", "/health", "/openapi.json", "/docs", "/docs-assets", "/redoc", "/static")


def status_of(exc: KbError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def json_error(status: int, message: str, detail: list | None = None) -> JSONResponse:
    body = {"message": message, "status": status} | ({"detail": detail} if detail is not None else {})
    return JSONResponse(body, status_code=status)


def html_error(request: Request, status: int, message: str | None = None, title: str | None = None) -> Response:
    """A Vietnamese error page with the status's own title and message unless given others."""
    status = status if status in PAGE_TITLES else (404 if status == 405 else 500)
    context = {"title": title or PAGE_TITLES[status], "message": message or PAGE_MESSAGES[status], "status": status}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _kb_error_page(request: Request, exc: KbError) -> Response:
    title, message = next((texts for kind, texts in PAGE_TEXTS.items() if isinstance(exc, kind)), (None, None))
    return html_error(request, status_of(exc), message, title)


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
        return json_error(status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        where = ", ".join(".".join(str(p) for p in d["loc"]) for d in detail)
        return json_error(422, f"Invalid request parameters: {where}", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            return html_error(request, exc.status_code)
        response = json_error(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})  # WWW-Authenticate on a 401
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(app, request)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return json_error(500, "Internal error; the server log has the details.")


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
