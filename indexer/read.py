"""Reading files into text: one reader per format behind one function.

``read_file`` picks the reader by suffix from ``READERS``; a new format (Word,
PDF, HTML, legacy encodings) is one more entry.  Every failure is an
``UnreadableFileError`` whose message says why and, where there is one, the
fix, so the indexing run can report the file by name and carry on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from kb.errors import UnreadableFileError

from .decode import read_text_file
from .model import SourceText
from .readers.docx import read_docx
from .readers.html import read_html, read_web_markdown
from .readers.pdf import read_pdf

__all__ = ["READERS", "read_file", "walk_files", "unsupported_reason"]


def _read_plain(path: Path) -> SourceText:
    text, encoding = read_text_file(path)
    return SourceText(path=path, text=text, encoding=encoding, format="text")


READERS: dict[str, Callable[[Path], SourceText]] = {
    ".txt": _read_plain,
    ".md": read_web_markdown,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
}

_UNSUPPORTED_HINTS = {
    ".doc": "old Word format: convert it to .docx or .txt with LibreOffice (soffice --headless --convert-to docx)",
}


def unsupported_reason(path: Path) -> str | None:
    """Why a file's type cannot be read (with the fix where there is one), or ``None`` if it can."""
    suffix = path.suffix.lower()
    if suffix in READERS:
        return None
    return _UNSUPPORTED_HINTS.get(suffix, f"unsupported file type {suffix or '(no extension)'}")


def read_file(path: Path, *, max_bytes: int) -> SourceText:
    """Read one file into text, or raise ``UnreadableFileError`` saying why."""
    reason = unsupported_reason(path)
    if reason:
        raise UnreadableFileError(reason)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFileError(f"file is {size:,} bytes, over the limit of {max_bytes:,}")
        return READERS[path.suffix.lower()](path)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read: {exc.strerror or exc}") from exc


def walk_files(root: Path) -> Iterator[Path]:
    """Every file under ``root`` (or ``root`` itself), sorted, skipping hidden files and folders.

    Symbolic links are not followed out of the folder: a linked file is read
    only if it resolves inside ``root``.
    """
    if root.is_file():
        yield root
        return
    base = root.resolve()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(base):
            continue
        if path.is_file():
            yield path
