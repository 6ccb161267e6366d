"""Site furniture around a document: what a saved page adds before its header and after its signature.

A folder saved from one web site carries the same notices in every file
(login prompts, copyright banners, "click here" help, contact blocks).
Indexed, they become passages that match every query about the site and
none about the documents.  Counting each line once per file over a folder,
and flagging the lines seen in many files, finds them without a list per site.

Offices repeat themselves too: the same legal bases (``Căn cứ …``), bodies,
recipients (``Nơi nhận``) and signers come back in document after document,
and a folder may hold the same text twice (as ``.docx`` and ``.txt``, or in
several encodings).  Those repeats are content.  So a line is only ever
furniture if it lies *outside the document's span*: before its header (the
issuing body and the national name, motto or number) or after its signature
block (``Nơi nhận``, ``TM.``/``KT.``, the signer's title and name).  A text
whose header or signature cannot be found has no outside on that side.
Inside the span nothing is removed, and a removal is always a whole line.

Outside the span, a line is furniture when it is seen in at least
``min_files`` files and ``min_share`` of them, and ``line_key`` does not
exempt it (headings, names, legal formulas, short lines).  Two passes over a
folder: ``add`` every file, take ``lines()``, then ``find_furniture`` in each.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from indexer.analyzer import nfc, normalize
from indexer.lines import CLOSING
from indexer.model import Span

__all__ = ["FurnitureLines", "document_span", "find_furniture", "line_key"]

_MIN_WORDS = 6
# Markdown and conversion markup around a line's words.
_MARKUP = re.compile(r"\*+|#+|\||\\|_{2,}|-{3,}|={3,}")
_ITEM = re.compile(
    r"^(?:(?:điều|chương|mục|phần|phụ lục|mẫu|biểu)\b|[-+•–—*>]|\d|\[\d|\(\d|[ivxlc]+[.)]\s|[a-zđ][).]\s)",
    re.IGNORECASE,
)
_MOTTO = re.compile(r"độc lập\W+tự do\W+hạnh phúc", re.IGNORECASE)
_BASIS = re.compile(r"^(?:căn cứ|theo đề nghị|xét đề nghị|theo đề xuất|xét|ghi chú|lưu ý|nơi nhận)\b",
                    re.IGNORECASE)
_SELF = re.compile(
    r"\b(?:luật|bộ luật|pháp lệnh|nghị quyết|nghị định|quyết định|thông tư|chỉ thị|kế hoạch|công văn|công điện"
    r"|thông báo|hướng dẫn|văn bản|quy chế|quy định|điều lệ|điều|chương|khoản|phụ lục) này\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\S*[^\W\d_]\S*")

# The header: the national name in capitals, the Party's name, the motto, or the number line.
_NATION = re.compile(r"CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|ĐẢNG CỘNG SẢN|CỘNG SẢN VIỆT NAM")
_NUMBER_LINE = re.compile(r"^(?:[^\W\d]+\s){0,3}[Ss]ố\s*:?\s*\d")
# The issuing body above the national name: at most this many capitalised lines.
_ISSUER_LINES = 8
# The signature block is looked for this many lines after its last marker.
_SIGNATURE_WINDOW = 30
_NAME_WORDS = range(2, 7)


def _bare(line: str) -> str:
    """A line without markup, in NFC, on single spaces."""
    return " ".join(nfc(_MARKUP.sub(" ", line)).split()).strip(" :-–")


def _is_heading(line: str, words: list[str]) -> bool:
    """All capitals (headings, bodies) or every word capitalised (names, titles)."""
    return line == line.upper() or all(w.lstrip("(“\"'")[:1].isupper() for w in words)


def line_key(line: str) -> str | None:
    """The normalised, case-folded form of a line that could be furniture, or ``None`` if exempt.

    The exemptions are checked on the NFC text first; the full normalisation
    (tone marks, spaces), which makes keys match across files, only runs on
    the few lines that remain.
    """
    if line.rstrip(" *_\t").endswith(":"):
        return None
    clean = _bare(line)
    if _ITEM.match(clean) or _MOTTO.search(clean) or _BASIS.match(clean) or _SELF.search(clean):
        return None
    words = _WORD.findall(clean)
    if len(words) < _MIN_WORDS or _is_heading(clean, words):
        return None
    return normalize(clean).casefold()


def _lines(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, line)`` of every line of ``text``, without its newline."""
    found, start = [], 0
    for line in text.split("\n"):
        found.append((start, start + len(line), line))
        start += len(line) + 1
    return found


def _capitals(bare: str) -> bool:
    return any(c.isalpha() for c in bare) and bare == bare.upper()


def _header_start(bares: list[str]) -> int:
    """Index of the header's first line (the issuing body above the national name); 0 if none is found."""
    mark = next((i for i, b in enumerate(bares)
                 if _NATION.search(b) or _MOTTO.search(b) or _NUMBER_LINE.match(b)), None)
    if mark is None:
        return 0
    start = mark
    while start > 0 and mark - start < _ISSUER_LINES and (_capitals(bares[start - 1]) or not bares[start - 1]):
        start -= 1
    while start < mark and not bares[start]:
        start += 1
    return start


def _is_name(bare: str) -> bool:
    """A person's name as signed: two to six capitalised words of letters (``Nguyễn Thị Kim Ngân``)."""
    words = bare.split()
    return len(words) in _NAME_WORDS and all(w.isalpha() and w[0].isupper() and w[1:].islower() for w in words)


def _in_signature(line: str) -> bool:
    """A line of the signature block: a marker, a title in capitals, a name, a recipient, a wrapped line."""
    bare = _bare(line)
    return (not bare or CLOSING.match(bare) is not None or _capitals(bare) or _is_name(bare)
            or line.lstrip(" \t*_|")[:1] in ("-", "+", "•", "(", "[") or bare[0].islower()
            or bare.endswith((",", ";")))


def _signature_end(lines: list[str], bares: list[str], start: int) -> int:
    """Index after the signature block's last line; ``len(lines)`` when there is no signature block."""
    marks = [i for i in range(start, len(bares)) if CLOSING.match(bares[i])]
    if not marks:
        return len(bares)
    end = marks[-1] + 1
    for i in range(marks[-1] + 1, min(len(bares), marks[-1] + _SIGNATURE_WINDOW)):
        if not _in_signature(lines[i]):
            break
        if bares[i]:
            end = i + 1
    return end


def document_span(text: str) -> Span:
    """Offsets of the document inside ``text``: from its header's first line to its signature block's last."""
    lines = _lines(text)
    bares = [_bare(line) for _, _, line in lines]
    first = _header_start(bares)
    last = _signature_end([line for _, _, line in lines], bares, first)
    return Span(lines[first][0], lines[last - 1][1] if last > first else lines[first][1])


def _outside(text: str) -> Iterator[tuple[int, int, str]]:
    """The lines of ``text`` outside its document span, whole."""
    span = document_span(text)
    return ((s, e, line) for s, e, line in _lines(text) if e <= span.start or s >= span.end)


class FurnitureLines:
    """Counts, over the files of one corpus, in how many files each candidate line appears outside a document."""

    def __init__(self) -> None:
        self._files = 0
        self._counts: Counter[str] = Counter()

    @property
    def files(self) -> int:
        return self._files

    def add(self, text: str) -> None:
        """Count each distinct candidate line outside this file's document span once."""
        self._files += 1
        self._counts.update({key for _, _, line in _outside(text) if (key := line_key(line))})

    def lines(self, min_files: int = 5, min_share: float = 0.2) -> frozenset[str]:
        """Keys of the lines seen in at least ``min_files`` files and ``min_share`` of all files."""
        needed = max(min_files, min_share * self._files)
        return frozenset(key for key, n in self._counts.items() if n >= needed)


def find_furniture(text: str, lines: frozenset[str]) -> list[Span]:
    """Spans of ``text`` (each a whole line, without its newline, outside the document) whose key is in ``lines``."""
    if not lines:
        return []
    return [Span(start, end) for start, end, line in _outside(text) if line_key(line) in lines]
