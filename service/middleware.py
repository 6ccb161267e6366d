"""Middleware: refuse an upload over the request size limit before a byte of its body is read."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kb.config import Limits
from kb.errors import UploadTooLargeError

from .errors import json_error, status_of
from .messages import error_message, wants_vietnamese

__all__ = ["UploadLimit"]


class UploadLimit:
    """Refuse a request body over ``Limits.max_upload_request_bytes`` from its Content-Length (413).

    Uvicorn never passes on more than the length a request declares, so the
    header bounds what is read; a streamed body without one is refused (411).
    """

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        refusal = self._refusal(headers) if headers is not None else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await json_error(*refusal)(scope, receive, send)

    def _refusal(self, headers: Headers) -> tuple[int, str] | None:
        length = headers.get("content-length")
        if length is None:
            return (411, "Send the upload with a Content-Length.") if "transfer-encoding" in headers else None
        if not length.isdigit():
            return 400, "Invalid Content-Length."
        try:
            self.limits.check_upload_request(int(length))
        except UploadTooLargeError as exc:
            return status_of(exc), error_message(exc, 413) if wants_vietnamese(headers) else str(exc)
        return None
