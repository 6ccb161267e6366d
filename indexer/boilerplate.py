"""Lines that repeat across many files of one corpus: boilerplate, not content.

A folder saved from one web site, exported by one office's template or
converted by one tool carries the same notices in every file (copyright
banners, login prompts, "click here" help, contact blocks).  Indexed, they
become passages that match every query about the site and none about the
documents.  Counting each line once per file over a folder, and flagging
the lines seen in many files, finds them without a list per site.

Legal texts repeat on purpose, though, and those repeats are content or
metadata.  The rule, tested on 202 saved administrative documents and 208
laws, is that a line can be boilerplate only if, once normalised:

* it is not among the first 15 lines with letters of its text: the
  document's own header (issuer, national name and motto, number, place and
  date, title) repeats in every document and the metadata needs it;
* it has at least 4 words: headings, signer titles, ``Nơi nhận:`` are short;
* it is not a heading or item: no ``Điều``/``Chương``/``Mục``/``Phần``/
  ``Phụ lục``, number, letter, roman numeral or bullet in front, not all in
  capitals, and not in Title Case (names of signers and bodies);
* it is not the national motto, not a legal basis or proposal
  (``Căn cứ …``, ``Theo đề nghị …``), not a lead-in ending in ``:``
  (``Trong Luật này, các từ ngữ dưới đây được hiểu như sau:``), and does not
  speak of the document itself (``Quyết định này có hiệu lực …``).

Such a line is boilerplate when it is seen in at least ``min_files`` files
and ``min_share`` of them.  Two passes over a folder: ``add`` every file,
take ``lines()``, then ``find_boilerplate`` in each file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from indexer.analyzer import nfc, normalize
from indexer.model import Span

__all__ = ["HEADER_LINES", "BoilerplateLines", "find_boilerplate", "line_key"]

# Lines with letters at the top of a text that are never boilerplate (the document's header).
HEADER_LINES = 15
_MIN_WORDS = 6
# Markdown and conversion markup around a line's words.
_MARKUP = re.compile(r"\*+|#+|\||\\|_{2,}|-{3,}|={3,}")
_ITEM = re.compile(
    r"^(?:(?:điều|chương|mục|phần|phụ lục|mẫu|biểu)\b|[-+•–—*>]|\d|\[\d|\(\d|[ivxlc]+[.)]\s|[a-zđ][).]\s)",
    re.IGNORECASE,
)
_MOTTO = re.compile(r"độc lập\W+tự do\W+hạnh phúc", re.IGNORECASE)
_BASIS = re.compile(r"^(?:căn cứ|theo đề nghị|xét đề nghị|theo đề xuất|xét)\b", re.IGNORECASE)
_SELF = re.compile(
    r"\b(?:luật|bộ luật|pháp lệnh|nghị quyết|nghị định|quyết định|thông tư|chỉ thị|kế hoạch|công văn|công điện"
    r"|thông báo|hướng dẫn|văn bản|quy chế|quy định|điều lệ|điều|chương|khoản|phụ lục) này\b",
    re.IGNORECASE,
)


_WORD = re.compile(r"\S*[^\W\d_]\S*")


def _is_heading(line: str, words: list[str]) -> bool:
    """All capitals (headings, bodies) or every word capitalised (names, titles)."""
    return line == line.upper() or all(w.lstrip("(“\"'")[:1].isupper() for w in words)


def line_key(line: str) -> str | None:
    """The normalised, case-folded form of a line that could be boilerplate, or ``None`` if exempt.

    The exemptions are checked on the NFC text first; the full normalisation
    (tone marks, spaces), which makes keys match across files, only runs on
    the few lines that remain.
    """
    if line.rstrip(" *_\t").endswith(":"):
        return None
    clean = " ".join(nfc(_MARKUP.sub(" ", line)).split()).strip(" :-–")
    if _ITEM.match(clean) or _MOTTO.search(clean) or _BASIS.match(clean) or _SELF.search(clean):
        return None
    words = _WORD.findall(clean)
    if len(words) < _MIN_WORDS or _is_heading(clean, words):
        return None
    return normalize(clean).casefold()


def _body_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, line)`` for each line after the first ``HEADER_LINES`` lines with letters."""
    seen = 0
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if any(c.isalpha() for c in line):
            seen += 1
            if seen > HEADER_LINES:
                yield start, end, line
        start = end + 1


class BoilerplateLines:
    """Counts, over the files of one corpus, in how many files each candidate line appears."""

    def __init__(self) -> None:
        self._files = 0
        self._counts: Counter[str] = Counter()

    @property
    def files(self) -> int:
        return self._files

    def add(self, text: str) -> None:
        """Count each distinct candidate line of one file's text once."""
        self._files += 1
        self._counts.update({key for _, _, line in _body_lines(text) if (key := line_key(line))})

    def lines(self, min_files: int = 5, min_share: float = 0.2) -> frozenset[str]:
        """Keys of the lines seen in at least ``min_files`` files and ``min_share`` of all files."""
        needed = max(min_files, min_share * self._files)
        return frozenset(key for key, n in self._counts.items() if n >= needed)


def find_boilerplate(text: str, lines: frozenset[str]) -> list[Span]:
    """Spans of ``text`` (each a whole line, without its newline) whose key is in ``lines``."""
    if not lines:
        return []
    return [Span(start, end) for start, end, line in _body_lines(text) if line_key(line) in lines]
