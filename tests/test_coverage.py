"""Every visible line in some passage (``indexer.coverage``): a lost line is put back, a held one is not repeated."""

from __future__ import annotations

from pathlib import Path

from indexer.coverage import restore_lost_lines
from indexer.model import Chunk, SourceText
from indexer.parse import parse_document

LINES = ["Điều 2. Giao", "Sở Nông nghiệp và Môi trường chủ trì thực hiện.", "Tên thương mại: Xăng E5"]
TEXT = "\n".join(LINES)


def _passage(heading_path: list[str], text: str) -> Chunk:
    return Chunk(text=text, heading_path=heading_path, char_start=0, char_end=len(TEXT))


def test_a_line_in_no_passage_is_put_back_before_the_line_that_follows_it() -> None:
    chunk = _passage(["Quyết định 1", "Điều 2"], "Giao\nTên thương mại: Xăng E5")
    restore_lost_lines("\n".join(["Giao", *LINES[1:]]), [chunk])
    assert chunk.text == "Giao\nSở Nông nghiệp và Môi trường chủ trì thực hiện.\nTên thương mại: Xăng E5"


def test_a_line_split_between_heading_path_and_text_is_held_up_to_punctuation() -> None:
    chunk = _passage(["Quyết định 1", "Điều 2"], "Giao\n" + "\n".join(LINES[1:]))
    restore_lost_lines(TEXT, [chunk])
    assert chunk.text == "Giao\n" + "\n".join(LINES[1:])


def test_a_line_is_held_by_whole_words_only() -> None:
    text = "\n".join(["2. Giao", *LINES[1:]])  # clause 2, not the "12" of "Điều 12" and the "Giao" after it
    chunk = _passage(["Quyết định 1", "Điều 12"], "Giao\n" + "\n".join(LINES[1:]))
    restore_lost_lines(text, [chunk])
    assert chunk.text.split("\n")[:3] == ["Giao", "2. Giao", LINES[1]]


def test_an_article_whose_label_alone_is_bold_shows_its_first_word_once() -> None:
    page = "\n".join(["**QUYẾT ĐỊNH:**", "**Điều 1. **Công bố kèm theo Quyết định này Danh mục thủ tục.",
                      "**Điều 2. **Giao", "Sở Nông nghiệp và Môi trường chủ trì, phối hợp với các cơ quan.",
                      "**Điều 3. **Quyết định này có hiệu lực kể từ ngày ký."])
    chunks = [c for c in parse_document(SourceText(Path("qd.md"), page, "utf-8", "md")).chunks if c.section.endswith("Điều 2")]
    assert [c.text for c in chunks] == ["Giao\nSở Nông nghiệp và Môi trường chủ trì, phối hợp với các cơ quan."]
