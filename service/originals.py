"""A document's original file as an HTTP response: its type, its name (RFC 6266/5987), and nothing it could run.

The file was written by someone else (a saved web page, an upload), so it is
never allowed to act as a page of this site: every response says ``nosniff``, all
but a PDF carry a sandboxing Content-Security-Policy, and anything but a PDF or plain text is
sent as an attachment to save, never shown inline.  A PDF opens in the browser's
viewer, which takes ``#page=N`` to open at a result's page.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import FileResponse, Response

from indexer.analyzer import strip_accents
from kb.retrieval.documents import OriginalFile

__all__ = ["MEDIA_TYPES", "content_disposition", "file_response", "media_type"]

_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text": "text/plain",
    "markdown": "text/markdown",
    "html": "text/html",
}
MEDIA_TYPES = (*_TYPES.values(), "application/octet-stream")  # every Content-Type a file is served as
_INLINE = ("pdf", "text")  # what a browser shows without running anything


def media_type(original: OriginalFile) -> str:
    """The Content-Type: by how the file was read; a text's charset only when it is UTF-8 (TCVN3 or VNI has none
    a browser knows, so it is left to the reader's program)."""
    kind = _TYPES.get(original.format or "", "application/octet-stream")
    if kind.startswith("text/") and (original.encoding or "").replace("_", "-").lower() in ("utf-8", "utf-8-sig"):
        kind += "; charset=utf-8"
    return kind


def content_disposition(name: str, inline: bool) -> str:
    """``inline``/``attachment`` with the name twice: plain ASCII (accents dropped) for old clients, and the
    Vietnamese name itself as ``filename*`` (RFC 5987), which every current browser prefers."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in strip_accents(name))
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(original: OriginalFile) -> Response:
    """The file, streamed (with ranges, for a PDF viewer) from this machine's disk or sent whole from the bytes
    kb read from the database, under its own name."""
    headers = {"Content-Disposition": content_disposition(original.name, (original.format or "") in _INLINE),
               "X-Content-Type-Options": "nosniff"}
    if original.format != "pdf":  # a browser's PDF viewer refuses to open under a sandbox; a PDF runs no script here
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if original.path is None:
        return Response(original.data, media_type=media_type(original), headers=headers)
    return FileResponse(original.path, media_type=media_type(original), headers=headers)
