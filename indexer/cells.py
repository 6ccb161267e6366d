"""Cutting a printed line into the pieces a header or signature block puts on lines of their own.

The header and the closing block are laid out in two columns.  A Word file
keeps them in a table, typed text in tabs or runs of spaces, and a saved web
page flattens each table cell onto one line: ``| BAN CHẤP HÀNH TRUNG ƯƠNG BAN
TỔ CHỨC * Số 38-HD/BTCTW | ĐẢNG CỘNG SẢN VIỆT NAM ---- Hà Nội, ngày 15 tháng 3
năm 2024 |``.  The header rules read one element a line (organ, ``Số …``,
place and date, ``V/v …``, position, name), so the columns are cut apart here,
and a flattened cell is cut again where a new element begins: at bold
boundaries, drawn rules, ``Số`` followed by a digit, ``V/v``, a place
followed by its date, the end of the motto, and a name in small letters after
a position in capitals.
"""

from __future__ import annotations

import re

__all__ = ["cells_of"]

# Columns typed with tabs or a run of spaces.
_COLUMN_GAP = re.compile(r"\t+|\s{3,}")
# A drawn rule or a lone star ("*" under a Party organ), as separators between pieces.
_RULE = re.compile(r"\s*((?:-{3,}|_{3,}|={3,}|\*{3,}|(?<!\S)\*(?!\S)))\s*")
_LOWER = "a-zàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ"
_TITLE_WORD = rf"(?![{_LOWER}])[^\W\d_][{_LOWER}]*"
# Where a new element starts inside a flattened cell: the number, a V/v subject, a place with its date
# (matched whole, so that "Hà Nội" is not cut before "Nội"), and what follows the motto's last words.
_ELEMENT_START = re.compile(
    rf"\s+(?=(?:Số|SỐ)\s*:?\s*\d|Số\s*:|V/v\b)|(?:^|\s+)[*_]?(?:{_TITLE_WORD}\s){{0,3}}{_TITLE_WORD},\s*ngày\s*\d"
    r"|(?<=Hạnh phúc)\s+"
)
# One syllable of a name as printed under a signature: "Hùng", "Đức".
_NAME_SYLLABLE = re.compile(r"^[^\W\d_][^\W\d_]{0,6}$")
MAX_NAME_WORDS = 6


def _name_tail(text: str) -> list[str]:
    """``KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC Phạm Thị Thu Hà`` → the capitals, then the name."""
    words = text.split()
    for k in range(max(1, len(words) - MAX_NAME_WORDS), len(words) - 1):
        tail = words[k:]
        if words[k - 1].isupper() and all(_NAME_SYLLABLE.match(w) and w.istitle() for w in tail):
            return [" ".join(words[:k]), " ".join(tail)]
    return [text]


def _elements(text: str) -> list[str]:
    """``text`` cut where a header element starts."""
    cuts = [0, *(m.start() for m in _ELEMENT_START.finditer(text)), len(text)]
    return [piece for start, end in zip(cuts, cuts[1:], strict=False) if (piece := text[start:end].strip())]


def _pieces(text: str) -> list[str]:
    """``text`` cut at rules (kept as pieces of their own), element starts and a closing name."""
    pieces = []
    for part in _RULE.split(text):
        if not part.strip():
            continue
        if _RULE.fullmatch(part):
            pieces.append(part.strip())
            continue
        pieces += [p for element in _elements(part) for p in _name_tail(element) if p]
    return pieces


def _flattened(cell: str) -> list[tuple[str, bool]]:
    """A table cell's pieces, each with whether it was printed in bold."""
    found = []
    for i, segment in enumerate(cell.split("**")):
        found += [(piece, i % 2 == 1) for piece in _pieces(segment)]
    return found


def cells_of(line: str) -> list[tuple[str, bool]]:
    """The pieces of one printed line (Markdown still in), each with its bold mark.

    A line without table pipes or column gaps is one piece, as printed."""
    cells = line.split("|")
    if len(cells) == 1:
        columns = [c for c in _COLUMN_GAP.split(line.strip()) if c]
        return [(e, "**" in line) for c in columns for e in _elements(c)] or [(line, False)]
    return [piece for cell in cells for piece in (_flattened(cell) or [(cell, False)])]
