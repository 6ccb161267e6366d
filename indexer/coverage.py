"""Every visible line of a document in one of its passages: the guarantee parsing ends with.

The structure pass turns some lines into headings, signatures or joined
titles, and the chunker names a merged passage by the headings its parts
share; each of those steps is right on its own, yet a line could end up in
no passage at all: a short subheading merged away (``Tên thương mại: …``),
``Nơi nhận:`` read as a subheading, a signer's name.  A line in no passage
cannot be found, and staff read its absence as the document not saying it.

So once the passages are made, each visible line (debris and garbled text
aside) is looked for in the passage around it, text or heading path, or in
the next passage's heading path (a heading names what follows it): as printed,
then normalised, then as the words a label of the heading path starts,
punctuation dropped (``opens_a_label``).  The last is how a passage holds a
line split between its heading path and its text: "**Điều 2. **Giao …" is
the article ``… › Điều 2`` whose text starts ``Giao``, "Chương 1:" the label
``Chương 1. NHỮNG QUY ĐỊNH CHUNG``; the path's separators stand where the
line had ``.`` or ``:``.  Anchored at a label, so a short line (``QUYẾT
ĐỊNH:``) is not taken as held by the same words in a sentence.  A line
found in neither is put back into the passage around it, before the line
that follows it there, or at the head of the next passage.
"""

from __future__ import annotations

import bisect
import re

from indexer.analyzer import normalize
from indexer.clean import find_debris
from indexer.garbled import find_garbled
from indexer.lines import Line, content_lines
from indexer.model import Chunk

__all__ = ["match_key", "opens_a_label", "restore_lost_lines"]

# Passages overlap a little; a line is looked for in this many passages starting before it.
_BEFORE = 8
_WORD = re.compile(r"\w+")


def match_key(text: str) -> str:
    """``text`` normalised, case folded, white space single: a line is looked for as this."""
    return " ".join(normalize(text).casefold().split())


def opens_a_label(key: str, chunk: Chunk) -> bool:
    """Whether the words of ``key`` (a ``match_key``) are those of ``chunk``'s heading path from the
    start of one of its labels on, running into its text: the line, up to punctuation, is that label
    and what follows it.  A key without words (punctuation alone) is never held this way."""
    words = _WORD.findall(key)
    shown: list[str] = []
    starts = []
    for label in chunk.heading_path:
        starts.append(len(shown))
        shown += _WORD.findall(match_key(label))
    shown += _WORD.findall(match_key(chunk.text))
    return bool(words) and any(shown[start : start + len(words)] == words for start in starts)


class _Passages:
    """The body passages in document order, with the normalised text each is matched on."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.starts = [c.char_start for c in chunks]
        self._keys: dict[int, str] = {}  # normalised only when the printed text does not match

    def key(self, i: int) -> str:
        if i not in self._keys:
            self._keys[i] = match_key(f"{self.chunks[i].section}\n{self.chunks[i].text}")
        return self._keys[i]

    def near(self, line: Line) -> tuple[list[int], int]:
        """Indices of the passages around ``line``, and of the passage after it."""
        after = bisect.bisect_right(self.starts, line.span.start)
        around = [i for i in range(max(0, after - _BEFORE), after)
                  if self.chunks[i].char_start <= line.span.start <= self.chunks[i].char_end]
        return around, after

    def holds(self, line: Line) -> bool:
        around, after = self.near(line)
        near = [i for i in [*around, after] if i < len(self.chunks)]
        if any(line.clean in self.chunks[i].text or line.clean in self.chunks[i].section for i in near):
            return True
        key = match_key(line.clean)
        if any(key in self.key(i) for i in near):
            return True
        return any(opens_a_label(key, self.chunks[i]) for i in near)

    def put_back(self, line: Line, following: list[Line]) -> None:
        """``line`` into the passage around it (before the first of ``following`` it shows), else the next one."""
        around, after = self.near(line)
        i = around[0] if around else min(after, len(self.chunks) - 1)
        chunk = self.chunks[i]
        at = next((pos for nxt in following if (pos := chunk.text.find(nxt.clean)) >= 0), -1) if around else 0
        if around and at < 0:
            chunk.text = f"{chunk.text}\n{line.clean}"
        else:
            at = chunk.text.rfind("\n", 0, at) + 1
            chunk.text = f"{chunk.text[:at]}{line.clean}\n{chunk.text[at:]}"
        chunk.char_start, chunk.char_end = min(chunk.char_start, line.span.start), max(chunk.char_end, line.span.end)
        self._keys.pop(i, None)


def restore_lost_lines(text: str, chunks: list[Chunk]) -> None:
    """Put every visible line of ``text`` that none of the body ``chunks`` holds back into one of them."""
    body = [c for c in chunks if c.kind == "body"]
    if not body:
        return
    passages = _Passages(body)
    lines = content_lines(text, find_debris(text), find_garbled(text))
    for n, line in enumerate(lines):
        if not passages.holds(line):
            passages.put_back(line, lines[n + 1 : n + 4])
