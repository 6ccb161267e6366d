"""Every visible line in some passage (``indexer.coverage``): a lost line is put back, a held one is not repeated."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.coverage import restore_lost_lines
from indexer.model import Chunk, SourceText
from indexer.parse import parse_document

BODY = ["Sở Nông nghiệp và Môi trường chủ trì thực hiện.", "Tên thương mại: Xăng E5"]


def _passage(heading_path: list[str], lines: list[str]) -> Chunk:
    return Chunk(text="\n".join(lines), heading_path=heading_path, char_start=0, char_end=200)


def test_a_line_in_no_passage_is_put_back_before_the_line_that_follows_it() -> None:
    chunk = _passage(["Quyết định 1", "Điều 2"], ["Giao", BODY[1]])
    restore_lost_lines("\n".join(["Giao", *BODY]), [chunk])
    assert chunk.text == "\n".join(["Giao", *BODY])


@pytest.mark.parametrize(("line", "heading_path", "first"), [
    ("Điều 2. Giao", ["Quyết định 1", "Điều 2"], "Giao"),  # the article's label, then its text
    ("Chương 1:", ["Luật 1", "Chương 1. NHỮNG QUY ĐỊNH CHUNG", "Điều 1"], "Giao"),  # a label printed apart
])
def test_a_line_a_heading_label_starts_is_held_up_to_punctuation(line, heading_path, first) -> None:
    chunk = _passage(heading_path, [first, *BODY])
    restore_lost_lines("\n".join([line, *BODY]), [chunk])
    assert chunk.text == "\n".join([first, *BODY])


@pytest.mark.parametrize("line", [
    "Nội dung kiến nghị:",  # its words are in the sentence before it, not after a label
    "2. Giao",  # clause 2, not the "12" of "Điều 12" and the "Giao" after it
])
def test_a_line_whose_words_follow_no_label_is_still_put_back(line) -> None:
    lines = ["Giao nội dung kiến nghị của Hiệp hội như sau:", *BODY]
    chunk = _passage(["Quyết định 1", "Điều 12"], lines)
    restore_lost_lines("\n".join([lines[0], line, *BODY]), [chunk])
    assert chunk.text == "\n".join([lines[0], line, *BODY])


def test_an_article_whose_label_alone_is_bold_shows_its_first_word_once() -> None:
    page = "\n".join(["**QUYẾT ĐỊNH:**", "**Điều 1. **Công bố kèm theo Quyết định này Danh mục thủ tục.",
                      "**Điều 2. **Giao", "Sở Nông nghiệp và Môi trường chủ trì, phối hợp với các cơ quan.",
                      "**Điều 3. **Quyết định này có hiệu lực kể từ ngày ký."])
    chunks = [c for c in parse_document(SourceText(Path("qd.md"), page, "utf-8", "md")).chunks
              if c.section.endswith("Điều 2")]
    assert [c.text for c in chunks] == ["Giao\nSở Nông nghiệp và Môi trường chủ trì, phối hợp với các cơ quan."]
