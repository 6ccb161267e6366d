"""No line of a document is lost between the reader and the passages, over every real file in ../shared/data.

Each file is read as ``kb index`` reads it, its furniture (lines outside the
document repeated across its folder, ``indexer.boilerplate``) found over its
folder, and parsed as ``kb index`` parses it, without embedding anything.
Every other visible line must then be found, normalised (or, punctuation
dropped, as the words from a heading label on: ``indexer.coverage.opens_a_label``),
in the passage that covers it (its text or its heading path) or in the passage that follows
it (a heading names the passage after it).  A lost line is reported by file and
text, so the failure shows what went missing and where.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest

from indexer.boilerplate import FurnitureLines, find_furniture
from indexer.clean import find_debris
from indexer.coverage import match_key, opens_a_label
from indexer.errors import UnreadableFileError
from indexer.garbled import find_garbled
from indexer.limits import ReadingLimits
from indexer.lines import content_lines
from indexer.model import Chunk, SourceText
from indexer.parse import _blank, parse_document
from indexer.read import read_file, unsupported_reason, walk_files

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FOLDERS = ("admin-docs", "laws-txt", "docx-pdf", "encodings")
LIMITS = ReadingLimits()


def _read_folder(folder: Path) -> list[SourceText]:
    sources = []
    for entry in walk_files(folder):
        if entry.skip is None and unsupported_reason(entry.path) is None:
            try:
                sources.append(read_file(entry.path, limits=LIMITS))
            except UnreadableFileError:
                continue  # refused by name at indexing (a page without its text): nothing to lose
    return sources


def lost_lines(source: SourceText, furniture: frozenset[str]) -> list[str]:
    """The visible lines of ``source`` outside its furniture that none of its passages holds."""
    text = _blank(source.text, find_furniture(source.text, furniture))
    chunks = sorted((c for c in parse_document(source, find_furniture(source.text, furniture)).chunks
                     if c.kind == "body"), key=lambda c: c.char_start)
    starts = [c.char_start for c in chunks]
    shown = [f"{c.section}\n{c.text}" for c in chunks]
    keys: dict[int, str] = {}
    lost = []
    for line in content_lines(text, find_debris(text), find_garbled(text)):
        after = bisect.bisect_right(starts, line.span.start)
        near = [i for i in range(max(0, after - 8), min(len(chunks), after + 1))
                if i == after or _covers(chunks[i], line.span.start)]
        if any(line.clean in shown[i] for i in near):
            continue
        key = match_key(line.clean)
        if any(key in keys.setdefault(i, match_key(shown[i])) for i in near):
            continue
        if not any(opens_a_label(key, chunks[i]) for i in near):
            lost.append(line.clean)
    return lost


def _covers(chunk: Chunk, offset: int) -> bool:
    return chunk.char_start <= offset <= chunk.char_end


@pytest.mark.e2e
@pytest.mark.parametrize("name", FOLDERS)
def test_no_line_of_a_document_is_lost(name):
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    sources = _read_folder(folder)
    counter = FurnitureLines()
    for source in sources:
        counter.add(source.text)
    furniture = counter.lines()
    lost = {source.path.name: found for source in sources if (found := lost_lines(source, furniture))}
    shown = {file: lines[:5] for file, lines in list(lost.items())[:10]}
    assert not lost, f"{sum(map(len, lost.values()))} lines lost in {len(lost)} of {len(sources)} files: {shown}"
