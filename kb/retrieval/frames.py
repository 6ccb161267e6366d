"""A document's frame as opposed to its text: its card, its header and closing, and an opening on its legal bases.

The frame names the document (its title, number, issuer, signer), so it matches
every question about the document and answers only those about the document
itself; the text says what the document says.
"""

from __future__ import annotations

import re

from indexer.analyzer import fold
from indexer.parse import FRAME_SECTIONS, in_frame

__all__ = ["FRAMED", "is_frame", "opening_only"]

# The legal bases and requests a document is issued on, which open it without saying what it says ("Căn cứ …",
# "Theo đề nghị …", a Party plan's "Thực hiện Nghị quyết số 42-NQ/TW …, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch như
# sau:"); matched on a passage's folded text.
_ISSUED_ON = re.compile(r"(?:can cu|theo de nghi|xet de nghi|thuc hien)\b")
_ITEM = re.compile(r"(?:\d{1,2}[.)]|[a-z]\)|[ivx]+\.|[-+•])\s")  # an item of a list, in folded text

# A body passage of the frame, by its section path (the first line of its folded text): the header or the closing
# (recipients, signature).
FRAMED = re.compile(rf"^[^\n]*› (?:{'|'.join(fold(name) for name in FRAME_SECTIONS.values())})\n")


def is_frame(row: dict) -> bool:
    """A document's frame, not its text: its card, header and closing (recipients, signature), and a passage
    before its first part or article that opens on the legal bases and requests it is issued on ("Căn cứ …",
    "Theo đề nghị …"; inside an article, "Căn cứ đặc điểm, tính chất hoạt động …" is what a law says)."""
    section = row["section"]
    return (row["kind"] == "card" or in_frame(section)
            or (" › " not in section and opening_only(row["folded"].split("\n")[1 if section else 0:])))


def opening_only(lines: list[str]) -> bool:
    """Whether a passage's folded lines are only a document's opening on what it is issued on: the first opens so
    ("can cu …", "thuc hien …") and none is an item of a list.  A notice or a letter without parts is a single
    passage, whose items after "Thực hiện …, thông báo như sau:" ("1. Phát ấn tại 4 điểm …") are its text."""
    return bool(lines) and bool(_ISSUED_ON.match(lines[0])) and not any(map(_ITEM.match, lines))
