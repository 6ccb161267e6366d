"""Files sent to the service: safe names on disk, and the type read from the bytes, not the name.

An upload's name comes from a browser or a script and may be anything
(``../../x.txt``, ``C:\\boot.ini``, a NUL, 1,000 characters); what is
stored is a plain name inside the job's folder that keeps its Vietnamese
letters.  Its content is checked before anything is stored: a ``.pdf``
that is a zip archive, or an executable named ``.txt``, is refused with
:class:`UnsupportedContentError` (415 in the service).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

from indexer.decode import decode_text
from indexer.errors import UnreadableFileError
from indexer.read import READERS, unsupported_reason
from kb.errors import UnsupportedContentError

__all__ = ["safe_name", "unique_names", "check_content",
           "MAX_NAME_BYTES"]

MAX_NAME_BYTES = 200  # file systems allow 255 bytes; a Vietnamese letter takes up to 3 in UTF-8
_KINDS = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text"}
_KIND_NAMES = {"docx": "a Word document (.docx)", "pdf": "a PDF", "html": "an HTML page", "text": "plain text"}
_HTML_TAG = re.compile(rb"<(!doctype\s+html|html|head|body|div|p|table|meta|title)[\s>/]", re.IGNORECASE)
_SNIFF_BYTES = 64 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of Office files before 2007 (.doc, .xls)


def _keep(char: str) -> bool:
    """Letters (Vietnamese included, with their marks), digits, and a few harmless punctuation marks."""
    return unicodedata.category(char)[0] in "LNM" or char in " -_.,()[]+&'"


def safe_name(name: str) -> str:
    """A file name that stays inside the folder it is written to, however ``name`` was made up.

    Only the last path component is kept (``/`` and ``\\`` both separate),
    control characters and NULs are dropped, anything that is not a letter,
    digit or plain punctuation becomes ``_``, leading dots go (no ``..``, no
    hidden files), and the stem is shortened so the whole name fits in
    ``MAX_NAME_BYTES`` of UTF-8 with its extension intact.
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c if _keep(c) else "_" for c in base if unicodedata.category(c) != "Cc")
    cleaned = re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", cleaned)).strip(" .")
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = cleaned, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    stem = stem.lstrip(". ") or "tệp"
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def unique_names(names: list[str]) -> list[str]:
    """Safe names, made distinct within one upload: ``a.txt``, ``a (2).txt``, …"""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate = safe = safe_name(name)
        n = 1
        while candidate.lower() in seen:
            n += 1
            stem, suffix = Path(safe).stem, Path(safe).suffix
            candidate = f"{stem} ({n}){suffix}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _is_text(data: bytes) -> bool:
    try:
        decode_text(data[:_SNIFF_BYTES])
    except UnreadableFileError:
        return False
    return True


def _sniff(data: bytes) -> str | None:
    """What the bytes are: ``docx``, ``pdf``, ``html``, ``text``, or ``None`` for anything else."""
    if _is_docx(data):
        return "docx"
    if b"%PDF-" in data[:1024]:  # the header may follow a few bytes of junk, as readers allow
        return "pdf"
    if not _is_text(data):
        return None
    return "html" if _HTML_TAG.search(data[:_SNIFF_BYTES]) else "text"


def check_content(name: str, data: bytes) -> None:
    """Refuse a file whose type kb cannot read, or whose bytes are not what its extension says.

    Text and Markdown accept HTML too (an HTML page saved as ``.txt`` is still
    text); an ``.html`` file must hold at least one HTML tag.  An old Word file
    (``.doc``) renamed ``.docx`` is told how to convert it, as a ``.doc`` is.
    """
    path = Path(name)
    reason = unsupported_reason(path)
    if reason:
        raise UnsupportedContentError(f"{name}: {reason}. Accepted types: {', '.join(sorted(READERS))}.",
                                      code="unsupported_type", name=name, suffix=path.suffix.lower())
    if not data.strip():
        raise UnsupportedContentError(f"{name}: the file is empty.", code="empty", name=name)
    expected = _KINDS[path.suffix.lower()]
    if expected == "docx" and data.startswith(_OLE2):
        advice = unsupported_reason(path.with_suffix(".doc"))
        raise UnsupportedContentError(f"{name}: an old Word document (.doc) named .docx: {advice}.",
                                      code="legacy_word", name=name)
    found = _sniff(data)
    if found == expected or (expected == "text" and found == "html"):
        return
    what = _KIND_NAMES.get(found or "", "neither text nor a document kb can read")
    raise UnsupportedContentError(
        f"{name}: the name says {_KIND_NAMES[expected]} but the content is {what}; "
        f"rename the file to match its content or send the right file.",
        code="content_mismatch", name=name, expected=expected, found=found)
