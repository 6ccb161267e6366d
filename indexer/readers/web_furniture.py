"""The legal site's furniture around a document saved from it, found in text or Markdown and cut.

Most offices copy documents from one legal library (THƯ VIỆN PHÁP LUẬT),
whose saved pages carry a metadata table of the site's own (``Số hiệu`` /
``Loại văn bản`` / ``Nơi ban hành`` …), an editorial summary, an English
translation behind a paywall and lists of related documents.  None of it is
the document: it would be indexed as passages, and the site's metadata table
would be read as the document's own number and issuer.  Both the HTML reader
(on the text it extracted) and the Markdown reader strip it here.

The metadata table is not thrown away: ``read_saved_page`` hands its fields
that name the document on as a ``Catalogue``, which metadata extraction reads
only for what the document's own text does not say (a page that dropped the
document's header and opens on "Kính gửi:").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.model import Catalogue

__all__ = ["SavedPage", "looks_like_saved_page", "read_saved_page"]

# Strings only the site's page chrome prints; two of them make a saved page.
_SITE_MARKERS = (
    "THƯ VIỆN PHÁP LUẬT",
    "Đang tải văn bản...",
    "Click vào phần bôi vàng để xem chi tiết",
    "CÁC NỘI DUNG ĐƯỢC SỬA ĐỔI, HƯỚNG DẪN",
    "Văn bản này chưa cập nhật nội dung Tiếng Anh",
)
# Field names of the site's metadata table; ``Tình trạng`` closes it.
_TABLE_LABELS = frozenset({
    "Số hiệu", "Loại văn bản", "Nơi ban hành", "Người ký", "Ngày ban hành", "Ngày hiệu lực",
    "Ngày hợp nhất", "Ngày công báo", "Số công báo", "Tình trạng",
})
# The table's fields that name the document, by the ``Catalogue`` field each one fills.
_CATALOGUE_LABELS = {"number": "Số hiệu", "doc_type": "Loại văn bản", "issuer": "Nơi ban hành",
                     "date": "Ngày ban hành"}
_LABEL = re.compile(r"^([^\W\d][\w ]*?)\s*:\s*(.*)$")
_MARKUP = " \t\r*#|"
# Lines that start the trailing furniture (the page after the document).
_TRAILER_LINES = re.compile(
    r"^(?:(?:#+\s*)?Văn bản liên quan\s*$|NỘI DUNG SỬA ĐỔI, HƯỚNG DẪN\s*$|\**FILE ĐƯỢC(?:\s|$)"
    r"|Văn bản này chưa cập nhật nội dung Tiếng Anh)"
)
# The site's note on a page whose text it has not published yet.
_NO_TEXT_YET = "Văn bản này đang cập nhật Nội dung"
# Last line of the site's editorial summary ("Xem chi tiết tại Nghị quyết 08/2025/NQ-CP …").
_SUMMARY_END = re.compile(r"^Xem\b.{0,40}\b(?:chi tiết|thêm)\b")


def _bare(line: str) -> str:
    """A line without Markdown emphasis, heading hashes and table pipes around it."""
    return line.strip(_MARKUP).replace("**", "").strip()


def _is_filler(line: str) -> bool:
    """Blank lines, lone pipes, ``#`` and ``* *``: what the conversion leaves between cells."""
    return not line.strip(_MARKUP)


def looks_like_saved_page(text: str) -> bool:
    """True if ``text`` carries the legal site's page chrome (two of its markers)."""
    return sum(marker in text for marker in _SITE_MARKERS) >= 2


def _label_at(line: str) -> tuple[str, str] | None:
    """``(label, rest of the line)`` if ``line`` starts with one of the table's labels."""
    match = _LABEL.match(_bare(line))
    if match and match.group(1) in _TABLE_LABELS:
        return match.group(1), match.group(2).strip(" \t|")
    return None


def _skip_filler(lines: list[str], i: int) -> int:
    while i < len(lines) and _is_filler(lines[i]):
        i += 1
    return i


def _metadata_table(lines: list[str]) -> tuple[int, dict[str, str]] | None:
    """``(line after the table, fields)`` for the site's metadata table, if the page has one.

    In Markdown each label and value is a line between lone pipes (a label
    may be split after its ``**``); in text read from HTML a row is one
    line of tab-separated cells.  Either way the table is a run of labels
    each followed by one value, and ends at the first line that is neither.
    """
    start = next((i for i, line in enumerate(lines) if _bare(line).startswith("Số hiệu:")), None)
    if start is None:
        return None
    fields: dict[str, str] = {}
    pending: str | None = None
    i = start
    while (i := _skip_filler(lines, i)) < len(lines):
        found = _label_at(lines[i])
        if found is None and pending is None:
            break
        cells = [found[0] + ":", *found[1].split("\t")] if found else [_bare(lines[i])]
        for cell in filter(None, (c.strip() for c in cells)):
            label = _label_at(cell)
            if label:
                pending = label[0]
                cell = label[1]
            if cell and pending:
                fields[pending], pending = cell, None
        i += 1
    return i, fields


def _head_end(lines: list[str]) -> tuple[int, dict[str, str]]:
    """Index of the first line after the page's head furniture, and the fields of the site's metadata table."""
    table = _metadata_table(lines)
    if table:
        return table
    loading = next((i for i, line in enumerate(lines) if line.strip() == "Đang tải văn bản..."), -1)
    return _skip_filler(lines, loading + 1), {}


def _catalogue(fields: dict[str, str]) -> Catalogue | None:
    """The table's fields that name the document, as printed; ``None`` when it names none."""
    named = {name: fields.get(label) for name, label in _CATALOGUE_LABELS.items()}
    return Catalogue(**named) if any(named.values()) else None


def _summary_end(lines: list[str], i: int) -> int:
    """Skip the site's editorial summary (``## headline`` … ``Xem chi tiết tại …``) at line ``i``."""
    if i >= len(lines) or not lines[i].startswith("## "):
        return i
    for j in range(i + 1, len(lines)):
        if _is_filler(lines[j]) and lines[j].strip():
            return j
        if _SUMMARY_END.match(lines[j]):
            return j + 1
    return i


# The site's title line: a type name, the number, then at least three words of subject.
_TITLE_HEAD = re.compile(r"([^\W\d][\w ]{0,40}?)\s(?:No\.\s*)?")
_TITLE_HEAD_CHARS = 60
_TITLE_TAIL = re.compile(r"(?:\s+\S+){3,}")


def _site_title(line: str, number: str | None) -> bool:
    """The site's own title line: ``Thông tư 109/2025/TT-BTC quy định …``, ``Circular No. 109/2025/TT-BTC dated …``.

    A type name before the number and a subject after it: the document's own
    ``Số: 109/2025/TT-BTC`` line has neither.
    The number comes from the page, so it is looked for as a string, never
    compiled into a pattern: a page whose "number" is a 100,000-character line
    took seconds per line that way.
    """
    if not number:
        return False
    at = line.find(number)
    while 0 < at <= _TITLE_HEAD_CHARS:
        head = _TITLE_HEAD.fullmatch(line, 0, at)
        if head and _TITLE_TAIL.match(line, at + len(number)):
            return head.group(1).split()[0].lower() not in ("số", "no")
        at = line.find(number, at + 1)
    return False


def _trailer_start(lines: list[str], start: int, number: str | None) -> int:
    """First line of the page after the document: titles, translation, related documents."""
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if _NO_TEXT_YET in line:
            return i
        if _TRAILER_LINES.match(line):
            return i - 1 if i > start and _site_title(lines[i - 1], number) else i
        if _site_title(line, number) and i > start and lines[i - 1].strip() and _is_filler(lines[i - 1]):
            return i  # the site's English translation follows
    return len(lines)


def _trim(lines: list[str]) -> list[str]:
    """Drop filler lines left at either end of the document."""
    first = _skip_filler(lines, 0)
    last = len(lines)
    while last > first and _is_filler(lines[last - 1]):
        last -= 1
    return lines[first:last]


@dataclass(frozen=True)
class SavedPage:
    """A page saved from the legal site: the document's text, and what the site's table says of it."""

    text: str
    catalogue: Catalogue | None  # None for a page without the table, or a text that is no saved page


def read_saved_page(text: str) -> SavedPage:
    """The document inside a page saved from the legal site, without the site's furniture.

    Cut: everything up to the site's metadata table and the table itself
    (its number and issuer must not be read as the document's own: they come
    back as the ``catalogue``, for what the document does not say), the
    editorial summary after it, and everything from the site's closing title
    line on (English translation, related documents, notices).  The
    document's own header (``BỘ TÀI CHÍNH`` / ``Số: 5348/CT-CS`` …) is kept.
    A text without the site's markers is returned unchanged.
    """
    if not looks_like_saved_page(text):
        return SavedPage(text, None)
    lines = text.split("\n")
    start, fields = _head_end(lines)
    start = _skip_filler(lines, _summary_end(lines, start))
    end = _trailer_start(lines, start, fields.get("Số hiệu"))
    return SavedPage("\n".join(_trim(lines[start:end])), _catalogue(fields))
