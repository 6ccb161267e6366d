"""A draft read as kb reads any document (the indexer's read and parse), and never stored.

``kb related`` and ``POST /api/related`` take a draft as a file (.docx, .pdf,
.txt, …) or as pasted text; either way it becomes a ``ParsedDocument`` by the
indexing path itself, so its number, title, citations (with their kind:
``Căn cứ …``, ``Thực hiện …``) and passages are exactly what indexing it would
store.  Site furniture is not looked for: it is learned over a folder, and a
draft comes alone.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from indexer.errors import LimitExceededError, UnreadableFileError
from indexer.model import ParsedDocument, SourceText
from indexer.parse import parse_document
from indexer.read import read_file
from kb.config import Limits
from kb.errors import InvalidQueryError, UnsupportedContentError, UploadTooLargeError

__all__ = ["draft_from_bytes", "draft_from_file", "draft_from_text"]

PASTED = Path("dự thảo.txt")  # the name a pasted draft is known by


def _parsed(source: SourceText) -> ParsedDocument:
    if not source.text.strip():
        raise InvalidQueryError("The draft is empty.", code="empty_draft")
    return parse_document(source)


def draft_from_text(text: str, limits: Limits) -> ParsedDocument:
    """Pasted text: line ends made ``\\n`` as a text file's are; over the upload limit it is refused (413)."""
    limits.check_upload_file(PASTED.name, len(text.encode("utf-8")))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _parsed(SourceText(path=PASTED, text=text, encoding="utf-8", format="text"))


def draft_from_file(path: Path, limits: Limits) -> ParsedDocument:
    """A file read by its reader; one kb cannot read is refused saying why (415, or 413 past a reading limit)."""
    try:
        source = read_file(path, limits=limits)
    except LimitExceededError as exc:
        raise UploadTooLargeError(f"{path.name}: {exc}", code="draft_too_large", name=path.name) from exc
    except UnreadableFileError as exc:
        raise UnsupportedContentError(f"{path.name}: {exc}", code="unreadable_draft", name=path.name) from exc
    return _parsed(source)


def draft_from_bytes(name: str, data: bytes, limits: Limits) -> ParsedDocument:
    """An uploaded file (its name already made safe, its content checked): read from a temporary folder."""
    limits.check_upload_file(name, len(data))
    with tempfile.TemporaryDirectory(prefix="kb-draft-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return draft_from_file(path, limits)
