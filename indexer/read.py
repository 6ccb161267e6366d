"""Reading files into text: one reader per format behind one function, and the walk that finds them.

``read_file`` picks the reader by suffix from ``READERS``; a new format (Word,
PDF, HTML, legacy encodings) is one more entry.  Every failure is an
``UnreadableFileError`` whose message says why and, where there is one, the
fix, so the indexing run can report the file by name and carry on; a file over
one of the configured ``ReadingLimits`` raises its subclass ``LimitExceededError``.
Whatever the bytes, a reader returns text or raises one of these: the fuzzing
in ``bench/fuzz_readers.py`` and ``tests/test_fuzz_readers.py`` holds it to that.

``walk_files`` never reads outside the folder it is given unless asked to
follow symbolic links, never loops, and reports every entry it passes over
(a link leaving the folder, a folder it cannot open, a pipe) with the reason.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import UnreadableFileError
from indexer.limits import ReadingLimits, check_limit, longest_line
from indexer.model import SourceText
from indexer.readers.pdf import read_pdf
from indexer.readers.web import read_html, read_web_text
from indexer.readers.word import read_docx

__all__ = ["READERS", "Found", "read_file", "unsupported_reason", "walk_files"]


READERS: dict[str, Callable[[Path, ReadingLimits], SourceText]] = {
    ".txt": lambda path, limits: read_web_text(path, "text"),
    ".md": lambda path, limits: read_web_text(path, "markdown"),
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


def read_file(path: Path, *, limits: ReadingLimits) -> SourceText:
    """Read one file into text, or raise ``UnreadableFileError`` (``LimitExceededError``) saying why."""
    reason = unsupported_reason(path)
    if reason:
        raise UnreadableFileError(reason)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFileError("not a regular file (a folder, pipe or device): not read")
        check_limit(limits, "max_file_bytes", status.st_size, "file size (bytes)")
        source = READERS[path.suffix.lower()](path, limits)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read: {exc.strerror or exc}") from exc
    check_limit(limits, "max_text_chars", len(source.text), "text length (characters)")
    check_limit(limits, "max_line_chars", longest_line(source.text), "longest line (characters)")
    return source


@dataclass(frozen=True)
class Found:
    """An entry of a walk: a file to read (``skip`` is ``None``), or one passed over and why."""

    path: Path
    skip: str | None = None


_OUTSIDE = "a symbolic link to outside the indexed folder: not followed (kb index --follow-symlinks follows it)"
_LOOP = "a symbolic link to a folder already walked (a loop, or a second link to it): not followed again"


def walk_files(root: Path, *, follow_symlinks: bool = False) -> Iterator[Found]:
    """Every file under ``root`` (or ``root`` itself) in sorted order, hidden entries left out.

    Without ``follow_symlinks`` a link is followed only to a file inside
    ``root``; a link to a folder inside it is passed over quietly (its files
    are found where they are).  With it, links anywhere are followed and a
    folder reached a second time is reported instead of walked again, which
    ends loops.  The walk keeps its own stack: no depth of folders
    overflows it.
    """
    if not root.is_dir():
        yield _file(root)
        return
    base = root.resolve()
    walked = {_identity(root)}
    pending: list[Path | Found] = [root]  # folders to list and entries to report; the next one last
    while pending:
        item = pending.pop()
        if isinstance(item, Found):
            yield item
            continue
        try:
            with os.scandir(item) as entries:
                names = sorted(entry.name for entry in entries if not entry.name.startswith("."))
        except OSError as exc:
            yield Found(item, f"cannot open the folder: {exc.strerror or exc}")
            continue
        children = [_entry(item / name, base, follow_symlinks, walked) for name in names]
        pending.extend(child for child in reversed(children) if child is not None)


def _entry(path: Path, base: Path, follow_symlinks: bool, walked: set[tuple[int, int]]) -> Path | Found | None:
    """A folder to walk, a file or a passed-over entry to report, or ``None`` to pass over quietly."""
    if _unshowable(path.name):
        return Found(path, "the name is not valid UTF-8 or holds control characters: rename it to index it")
    try:
        if path.is_symlink():
            if not path.exists():
                return Found(path, "a broken symbolic link: its target does not exist, or it links back to itself")
            if not (follow_symlinks or path.resolve().is_relative_to(base)):
                return Found(path, _OUTSIDE)
            if path.is_dir() and not follow_symlinks:
                return None
        if path.is_dir():
            identity = _identity(path)
            if identity in walked:
                return Found(path, _LOOP)
            walked.add(identity)
            return path
    except (OSError, RuntimeError) as exc:  # RuntimeError: pathlib's own "symlink loop" in resolve()
        return Found(path, f"cannot follow: {getattr(exc, 'strerror', None) or exc}")
    return _file(path)


def _file(path: Path) -> Found:
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError as exc:
        return Found(path, f"cannot read: {exc.strerror or exc}")
    return Found(path) if regular else Found(path, "not a regular file (a pipe, socket or device): not read")


def _unshowable(name: str) -> bool:
    """Whether a name holds bytes that were not UTF-8 (kept by Python as lone surrogates) or control characters.

    Neither can be stored as text or printed on one line of a report.
    """
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in name)


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_dev, status.st_ino
