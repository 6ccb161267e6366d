"""Reading files into text: one reader per format behind one function.

``read_file`` picks the reader by suffix from ``READERS``; a new format (Word,
PDF, HTML, legacy encodings) is one more entry.  Every failure is an
``UnreadableFileError`` whose message says why and, where there is one, the
fix, so the indexing run can report the file by name and carry on.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from pathlib import Path

from kb.errors import UnreadableFileError

from .encodings import decode_legacy
from .model import SourceText
from .readers.docx import read_docx

__all__ = ["READERS", "read_file", "decode_text", "walk_files", "unsupported_reason"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in every other byte of its ASCII characters."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _check_text(text: str, encoding: str) -> tuple[str, str]:
    """Refuse decoded "text" full of control characters: binary data that happened to decode."""
    sample = text[:8192]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > len(sample) * 0.01:
        raise UnreadableFileError("binary data, not text")
    return text, encoding


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, UTF-16 (with or without BOM) or a legacy Vietnamese encoding.

    Returns ``(text, encoding)``.  Legacy encodings (TCVN3, VNI, VISCII,
    Windows-1258) are tried only when the bytes are not UTF-8, and a guess that
    does not read as Vietnamese is refused rather than indexed as mojibake.
    """
    if not data.strip():
        raise UnreadableFileError("the file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _check_text(_decode(data, encoding), encoding)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _check_text(_decode(data, utf16), utf16)
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("binary data, not text")
    try:
        return _check_text(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return _check_text(*decode_legacy(data))


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"invalid {encoding} text at byte {exc.start}") from exc


def _read_plain(path: Path) -> SourceText:
    text, encoding = decode_text(path.read_bytes())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = "markdown" if path.suffix.lower() == ".md" else "text"
    return SourceText(path=path, text=text, encoding=encoding, format=fmt)


READERS: dict[str, Callable[[Path], SourceText]] = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".docx": read_docx,
}

_UNSUPPORTED_HINTS = {
    ".doc": "old Word format: convert it to .docx or .txt with LibreOffice (soffice --headless --convert-to docx)",
    ".pdf": "PDF files are not read yet: export the text as .txt (UTF-8)",
    ".html": "web pages are not read yet: save the text as .txt (UTF-8)",
    ".htm": "web pages are not read yet: save the text as .txt (UTF-8)",
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
