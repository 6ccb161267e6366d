"""Passages: sizes, offsets, overlap, merging within an article, and the eval snippets."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from indexer.analyzer import normalize
from indexer.clean import display_text, find_debris
from indexer.model import Chunk, Section, Span
from indexer.passages import chunk_sections
from indexer.structure import article_key, parse_sections

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SAMPLES = ["thong-tin-sinh-hoat-noi-bo-2020-12.txt", "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"]
MIN, MAX = 80, 300

EVAL_SNIPPETS = [
    "tiếp tục lãnh đạo quán triệt và tuyên truyền tổ chức thực hiện Chỉ thị số 05-CT/TW",
    'Thông điệp 5K "Khẩu trang - Khử khuẩn - Khoảng cách',
    "Tuyên truyền khẩu hiệu đại hội trên pa nô, áp phích, băng rôn",
    "Huyện Mỏ Cày Nam tổ chức sinh hoạt chuyên đề đầu tháng",
    "Thực hiện Kế hoạch số 131-KH/TU, ngày 17/03/2020",
    "Một là, (i) Phải bám sát sự lãnh đạo, chỉ đạo thường xuyên",
]


@cache
def _sample(name: str) -> tuple[str, list[Section], list[Chunk]]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    sections = parse_sections(text)
    return text, sections, chunk_sections(text, sections)


def _words(chunk: Chunk) -> int:
    return len(chunk.text.split())


def _article_words(text: str, sections: list[Section]) -> dict[tuple, int]:
    """Body words per article (issuer + headings down to article level)."""
    totals: dict[tuple, int] = defaultdict(int)
    debris = find_debris(text)
    for s in sections:
        if s.kind == "body":
            totals[(s.issuer, article_key(s.heading_path))] += len(display_text(text, s.paragraphs, debris).split())
    return totals


@pytest.mark.parametrize("name", SAMPLES)
def test_chunk_sizes_within_bounds_unless_the_article_is_smaller(name: str) -> None:
    text, sections, chunks = _sample(name)
    totals = _article_words(text, sections)
    assert len(chunks) > 10
    for chunk in chunks:
        assert _words(chunk) <= MAX
        assert _words(chunk) >= MIN or totals[(chunk.issuer, article_key(chunk.heading_path))] < MIN, chunk.section


@pytest.mark.parametrize("name", SAMPLES)
def test_chunk_text_is_clean_nfc_body_text(name: str) -> None:
    _, _, chunks = _sample(name)
    for chunk in chunks:
        assert chunk.kind == "body" and unicodedata.is_normalized("NFC", chunk.text)
        for bad in ("**", "[bookmark", "document_id", " ? ", "Nơi nhận", "#", "-----", "Lê Thanh Giang"):
            assert bad not in chunk.text, (bad, chunk.section)


@pytest.mark.parametrize("name", SAMPLES)
def test_chunk_offsets_point_at_its_text(name: str) -> None:
    text, _, chunks = _sample(name)
    debris = find_debris(text)
    for chunk in chunks:
        original = display_text(text, [Span(chunk.char_start, chunk.char_end)], debris)
        assert " ".join(original.split()) == " ".join(chunk.text.split())
        first = unicodedata.normalize("NFC", text[chunk.char_start :])
        assert first.startswith(chunk.text.split()[0].lstrip("“\"")) or first.startswith(("*", "[", "&"))
    starts = [c.char_start for c in chunks]
    ends = [c.char_end for c in chunks]
    assert starts == sorted(set(starts)) and ends == sorted(set(ends))


@pytest.mark.parametrize("name", SAMPLES)
def test_chunks_never_mix_issuers_and_leave_out_headings(name: str) -> None:
    text, sections, chunks = _sample(name)
    for chunk in chunks:
        inside = [s for s in sections for p in s.paragraphs if chunk.char_start < p.end and p.start < chunk.char_end]
        assert {s.issuer for s in inside} == {chunk.issuer}
        assert {s.kind for s in inside} == {"body"}
        for heading in chunk.heading_path:
            assert not chunk.text.startswith(heading)


def test_bulletin_chunks_carry_article_issuers() -> None:
    _, _, chunks = _sample(SAMPLES[0])
    issuers = {(c.heading_path[0][:3], c.heading_path[1][:2]): c.issuer for c in chunks}
    assert issuers == {
        ("I. ", "1."): "Ban Tuyên giáo Trung ương",
        ("I. ", "2."): "Ban Tuyên giáo Trung ương",
        ("I. ", "3."): "Ban Tuyên giáo Tỉnh ủy",
        ("I. ", "4."): "Ban Tuyên giáo Trung ương",
        ("I. ", "5."): "Ban Tuyên giáo Đảng ủy Khối",
        ("II.", "1."): "Ban Tuyên giáo Trung ương",
        ("II.", "2."): "Ban Tuyên giáo Trung ương",
    }


def test_plan_chunks_have_no_issuer_and_skip_header() -> None:
    _, _, chunks = _sample(SAMPLES[1])
    assert all(c.issuer is None for c in chunks)
    assert not any(c.text.startswith("KẾ HOẠCH") for c in chunks)


@pytest.mark.parametrize("snippet", EVAL_SNIPPETS)
def test_eval_snippet_is_inside_one_chunk(snippet: str) -> None:
    chunks = [c for name in SAMPLES for c in _sample(name)[2]]
    assert any(normalize(snippet) in normalize(c.text) for c in chunks)


def _sentence(i: int) -> str:
    return f"Câu số {i} nói về công tác tuyên truyền đại hội đảng bộ các cấp ở cơ sở."  # 18 words


def _long_section_text(paragraphs: int, sentences: int) -> str:
    body = "\n".join(" ".join(_sentence(p * sentences + s) for s in range(sentences)) for p in range(paragraphs))
    return f"I. PHẦN MỘT\n1. Bài viết dài\n{body}\n"


@pytest.mark.parametrize(("paragraphs", "sentences"), [(16, 7), (1, 111)])
def test_long_section_splits_with_overlap(paragraphs: int, sentences: int) -> None:
    text = _long_section_text(paragraphs, sentences)  # ~2,000 words in one section
    chunks = chunk_sections(text, parse_sections(text))
    assert len(chunks) >= 7
    assert all(MIN <= _words(c) <= MAX for c in chunks)
    assert all(c.heading_path == ["I. PHẦN MỘT", "1. Bài viết dài"] for c in chunks)
    for a, b in zip(chunks, chunks[1:]):
        assert b.char_start < a.char_end  # overlap in the original text
        shared = text[b.char_start : a.char_end].strip()
        assert shared.endswith(".") and shared in a.text and shared in b.text


def test_sentence_longer_than_max_is_cut() -> None:
    clause = "tuyên truyền sâu rộng kết quả đại hội đảng bộ các cấp trong cán bộ đảng viên"  # 16 words
    text = "1. Nhiệm vụ\n" + "; ".join([clause] * 40) + ".\n"
    chunks = chunk_sections(text, parse_sections(text))
    assert len(chunks) >= 3 and all(_words(c) <= MAX for c in chunks)


def test_small_sections_merge_within_article_under_common_prefix() -> None:
    text = (
        "I. PHẦN MỘT\n1. Bài thứ nhất\n" + " ".join(_sentence(i) for i in range(3)) + "\n"
        "Kết quả đạt được\n" + " ".join(_sentence(i) for i in range(3, 6)) + "\n"
        "Ban Tuyên giáo Trung ương\n"
        "2. Bài thứ hai\n" + " ".join(_sentence(i) for i in range(6, 9)) + "\n"
        "Ban Tuyên giáo Tỉnh ủy\n"
    )
    chunks = chunk_sections(text, parse_sections(text))
    assert [(c.heading_path, c.issuer, _words(c)) for c in chunks] == [
        (["I. PHẦN MỘT", "1. Bài thứ nhất"], "Ban Tuyên giáo Trung ương", 113),
        (["I. PHẦN MỘT", "2. Bài thứ hai"], "Ban Tuyên giáo Tỉnh ủy", 59),
    ]
    assert "Kết quả đạt được" not in chunks[0].text
    assert chunks[0].text.endswith("Ban Tuyên giáo Trung ương") and chunks[1].text.endswith("Ban Tuyên giáo Tỉnh ủy")


def test_keyword_bounds_are_respected() -> None:
    text, sections, _ = _sample(SAMPLES[0])
    chunks = chunk_sections(text, sections, min_words=40, max_words=120, overlap_words=20)
    assert all(_words(c) <= 120 for c in chunks)
