"""Bytes to text: UTF-8, UTF-16 (with or without BOM) or a legacy Vietnamese encoding.

Shared by every reader of plain-text formats (``.txt``, saved ``.md`` pages).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from indexer.errors import UnreadableFileError
from indexer.legacy_encodings import decode_legacy

__all__ = ["decode_text", "read_text_file"]

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


def read_text_file(path: Path) -> tuple[str, str]:
    """A text file's content with line ends made ``\\n``, and the encoding it was in."""
    text, encoding = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
