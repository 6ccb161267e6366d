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
then normalised, then as its words alone, punctuation dropped, since a
passage may hold a line split between its heading path and its text
("**Điều 2. **Giao …" is the article ``… › Điều 2`` whose text starts
``Giao``, and the path's separators stand where the line had ``.``).  A
line found in neither is put back into the passage around it, before the
line that follows it there, or at the head of the next passage.
"""

from __future__ import annotations

import bisect
import re

from indexer.analyzer import normalize
from indexer.clean import find_debris
from indexer.garbled import find_garbled
from indexer.lines import Line, content_lines
from indexer.model import Chunk

__all__ = ["match_key", "restore_lost_lines", "words_key"]

# Passages overlap a little; a line is looked for in this many passages starting before it.
_BEFORE = 8
_WORD = re.compile(r"\w+")


def match_key(text: str) -> str:
    """``text`` normalised, case folded, white space single: a line is looked for as this."""
    return " ".join(normalize(text).casefold().split())


def words_key(key: str) -> str:
    """The words of a ``match_key``, punctuation dropped, padded so a line matches whole words only;
    empty when it has none (a line of punctuation alone would be found anywhere)."""
    words = _WORD.findall(key)
    return f" {' '.join(words)} " if words else ""


class _Passages:
    """The body passages in document order, with the normalised text each is matched on."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.starts = [c.char_start for c in chunks]
        self._keys: dict[int, str] = {}  # normalised only when the printed text does not match
        self._words: dict[int, str] = {}  # and reduced to words only when the normalised text does not

    def key(self, i: int) -> str:
        if i not in self._keys:
            self._keys[i] = match_key(f"{self.chunks[i].section}\n{self.chunks[i].text}")
        return self._keys[i]

    def words(self, i: int) -> str:
        if i not in self._words:
            self._words[i] = words_key(self.key(i))
        return self._words[i]

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
        words = words_key(key)
        return bool(words) and any(words in self.words(i) for i in near)

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
        self._words.pop(i, None)


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
