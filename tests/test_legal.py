"""Legal texts: Phần, Chương, Mục, Điều, Khoản as citation paths; articles never mixed; real laws."""

from __future__ import annotations

import bisect
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from indexer.clean import display_text, find_debris
from indexer.legal import (
    citation_root,
    clause_label,
    heading_label,
    legal_level,
    match_heading,
    short_law_name,
)
from indexer.lines import content_lines
from indexer.metadata import extract_metadata
from indexer.model import Chunk, DocumentMeta, Span
from indexer.passages import chunk_sections
from indexer.structure import article_key, heading_level, parse_sections

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
LAWS = DATA / "laws-txt"
RESIDENCE = "Luat-68-2020-QH14-cu-tru-435315.txt"
RESIDENCE_NFD = DATA / "encodings" / "law_68-2020-QH14_cu_tru.nfd.txt"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not mounted")
    return path


@cache
def _law(name: str) -> tuple[str, list[Chunk]]:
    text = _need(LAWS / name).read_text(encoding="utf-8")
    return text, chunk_sections(text, parse_sections(text), root=citation_root(extract_metadata(text)))


def _article_starts(text: str) -> list[tuple[int, str]]:
    """Offset and label ("Điều 8") of every article heading line of ``text``."""
    found = []
    for line in content_lines(text, find_debris(text), []):
        heading = match_heading(line.clean)
        if heading and heading.rule.kind == "article":
            found.append((line.span.start, heading.label))
    return found


def _straddling(text: str, chunks: list[Chunk]) -> list[Chunk]:
    """Chunks whose span holds an article heading, i.e. runs from one article into the next."""
    starts = [start for start, _ in _article_starts(text)]
    return [c for c in chunks if (i := bisect.bisect_right(starts, c.char_start)) < len(starts) and starts[i] < c.char_end]


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Chương I", "Chương I"),
        ("CHƯƠNG I: NHỮNG QUY ĐỊNH CHUNG", "Chương I. NHỮNG QUY ĐỊNH CHUNG"),
        ("Chương 1.", "Chương 1"),
        ("Phần thứ nhất", "Phần thứ nhất"),
        ("PHẦN THỨ HAI", "Phần thứ hai"),
        ("Mục 1. GIAO KẾT HỢP ĐỒNG LAO ĐỘNG", "Mục 1. GIAO KẾT HỢP ĐỒNG LAO ĐỘNG"),
        ("Điều 8. Quyền của công dân về cư trú", "Điều 8. Quyền của công dân về cư trú"),
        ("Điều 3. Trách nhiệm của Nhà nước.", "Điều 3. Trách nhiệm của Nhà nước"),
        ("ĐIỀU 5", "Điều 5"),
        ("Điều 5 Chính sách của Nhà nước", "Điều 5. Chính sách của Nhà nước"),
        ("Phụ lục I", "Phụ lục I"),
    ],
)
def test_heading_labels_are_written_one_way(line: str, label: str) -> None:
    heading = match_heading(line)
    assert heading is not None and heading_label(heading, heading.rest) == label


@pytest.mark.parametrize(
    "line",
    ["Chương trình, dự án đầu tư công", "Mục đích của giao dịch", "Điều 6, khoản 2 Điều 46", "Phần diện tích đất",
     "ĐIỀU KHOẢN THI HÀNH", "Điều 24 của Luật này"],
)
def test_body_lines_are_not_headings(line: str) -> None:
    assert match_heading(line) is None


def test_clause_labels_and_levels() -> None:
    assert [clause_label(s) for s in ("1. Lựa chọn", "1- Người nước ngoài", "12. Cá nhân", "a) Người", "2020. Năm")] == [
        "Khoản 1", "Khoản 1", "Khoản 12", None, None]
    assert legal_level("Phần thứ nhất") < legal_level("Chương II. X") < legal_level("Mục 1") < legal_level("Điều 8. X")
    assert legal_level("Điều 8. X") < legal_level("Khoản 3") < heading_level("I. NỘI DUNG") < heading_level("1. Mục đích")
    assert article_key(["Chương II. X", "Điều 8. Quyền", "Khoản 3"]) == ("Chương II. X", "Điều 8. Quyền")


@pytest.mark.parametrize(
    ("meta", "root"),
    [
        (DocumentMeta(doc_type="Luật", subject="cư trú", number="68/2020/QH14", date="2020-11-13"), "Luật Cư trú 2020"),
        (DocumentMeta(doc_type="Bộ luật", subject="dân sự", date="2015-11-24"), "Bộ luật Dân sự 2015"),
        (DocumentMeta(doc_type="Nghị định", number="30/2020/NĐ-CP", subject="về công tác văn thư"), "Nghị định 30/2020/NĐ-CP"),
        (DocumentMeta(doc_type="Kế hoạch", subject="tuyên truyền đại hội"), None),
    ],
)
def test_citation_root(meta: DocumentMeta, root: str | None) -> None:
    assert citation_root(meta) == root


def test_short_law_name_of_old_titles() -> None:
    old = "của Quốc hội nước Cộng hoà xã hội chủ nghĩa Việt Nam số 16/1999/QH10 về sĩ quan quân đội nhân dân Việt Nam"
    assert short_law_name("Luật", old) == "Luật Sĩ quan quân đội nhân dân Việt Nam"
    assert short_law_name("Luật", "thuế sử dụng đất nông nghiệp số 23-L/CTN ngày 10/07/1993") == (
        "Luật Thuế sử dụng đất nông nghiệp")


TINY_LAW = """\
QUỐC HỘI
LUẬT
THỬ NGHIỆM
Căn cứ Hiến pháp;
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về thử nghiệm.
Điều 2. Những quy định trước đây trái với Luật này đều bãi bỏ.
Điều 3. Giải thích từ ngữ
Trong Luật này, các từ ngữ dưới đây được hiểu như sau:
{clauses}
Luật này được Quốc hội thông qua ngày 13 tháng 11 năm 2020.
CHỦ TỊCH QUỐC HỘI
Nguyễn Thị Kim Ngân
"""


def _clause(n: int, sentences: int) -> str:
    return f"{n}. " + " ".join(f"Câu {n}.{i} nói về việc đăng ký cư trú của công dân tại nơi ở." for i in range(sentences))


def test_tiny_articles_stay_apart_and_inline_text_is_the_article() -> None:
    text = TINY_LAW.format(clauses="\n".join(_clause(n, 2) for n in range(1, 4)))
    chunks = chunk_sections(text, parse_sections(text), root="Luật Thử nghiệm 2020")
    assert [(c.section, c.text.split("\n")[0][:20]) for c in chunks] == [
        ("Luật Thử nghiệm 2020", "Căn cứ Hiến pháp;"),
        ("Luật Thử nghiệm 2020 › Chương I. NHỮNG QUY ĐỊNH CHUNG › Điều 1. Phạm vi điều chỉnh", "Luật này quy định về"),
        ("Luật Thử nghiệm 2020 › Chương I. NHỮNG QUY ĐỊNH CHUNG › Điều 2", "Những quy định trước"),
        ("Luật Thử nghiệm 2020 › Chương I. NHỮNG QUY ĐỊNH CHUNG › Điều 3. Giải thích từ ngữ", "Trong Luật này, các "),
    ]
    assert chunks[3].text.split("\n")[1].startswith("1. Câu 1.0")  # the clause keeps its number
    assert not any("Nguyễn Thị Kim Ngân" in c.text or "thông qua" in c.text for c in chunks)


def test_long_article_is_cut_at_clauses_each_piece_naming_its_clause() -> None:
    text = TINY_LAW.format(clauses="\n".join(_clause(n, 12) for n in range(1, 5)))  # 4 clauses of ~170 words
    chunks = [c for c in chunk_sections(text, parse_sections(text)) if "Điều 3" in c.section]
    assert len(chunks) == 4 and all(len(c.text.split()) <= 300 for c in chunks)
    assert [c.heading_path[-1] for c in chunks[1:]] == ["Khoản 2", "Khoản 3", "Khoản 4"]
    assert chunks[0].heading_path[-1] == "Điều 3. Giải thích từ ngữ"  # the opening text and clause 1 together
    assert all(c.text.startswith(f"{n}. Câu {n}.0") for n, c in zip(range(2, 5), chunks[1:]))


def test_residence_law_every_article_has_a_passage_and_none_spans_two() -> None:
    text, chunks = _law(RESIDENCE)
    labels = [label for _, label in _article_starts(text)]
    assert len(labels) == 38
    in_paths = {title.split(".")[0] for c in chunks for title in c.heading_path}
    assert set(labels) <= in_paths
    assert not _straddling(text, chunks)
    for chunk in chunks:  # no article heading leaks into a passage
        assert not [line for line in chunk.text.split("\n") if (h := match_heading(line)) and h.rule.kind == "article"]


def test_residence_law_paths_read_like_citations() -> None:
    _, chunks = _law(RESIDENCE)
    assert all(c.heading_path[0] == "Luật Cư trú 2020" for c in chunks)
    article_8 = [c for c in chunks if any(t.startswith("Điều 8.") for t in c.heading_path)]
    assert article_8 and all(
        c.heading_path[:3] == ["Luật Cư trú 2020", "Chương II. QUYỀN, NGHĨA VỤ CỦA CÔNG DÂN VỀ CƯ TRÚ",
                               "Điều 8. Quyền của công dân về cư trú"] for c in article_8)
    clause_paths = [c.section for c in chunks if c.heading_path[-1].startswith("Khoản")]
    assert "Luật Cư trú 2020 › Chương IV. ĐĂNG KÝ THƯỜNG TRÚ › Điều 21. Hồ sơ đăng ký thường trú › Khoản 3" in clause_paths
    assert not any("CHỦ TỊCH QUỐC HỘI" in c.text for c in chunks)


def test_decomposed_text_gives_the_same_passages_with_offsets_into_it() -> None:
    nfd = _need(RESIDENCE_NFD).read_text(encoding="utf-8")
    nfc = unicodedata.normalize("NFC", nfd)
    assert nfd != nfc
    nfd_chunks = chunk_sections(nfd, parse_sections(nfd))
    nfc_chunks = chunk_sections(nfc, parse_sections(nfc))
    assert [(c.section, c.text) for c in nfd_chunks] == [(c.section, c.text) for c in nfc_chunks]
    debris = find_debris(nfd)
    for chunk in nfd_chunks:
        shown = display_text(nfd, [Span(chunk.char_start, chunk.char_end)], debris)
        assert " ".join(shown.split()) == " ".join(chunk.text.split())
    assert not _straddling(nfd, nfd_chunks)


@pytest.mark.e2e  # every law in ../shared/data: a minute and a half
def test_all_laws_parse_without_mixing_articles() -> None:
    files = sorted(p for p in _need(LAWS).glob("*.txt") if p.name != "SOURCE.txt")
    assert len(files) == 208
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        chunks = chunk_sections(text, parse_sections(text))
        missing = {label for _, label in _article_starts(text)} - {
            title.split(".")[0] for c in chunks for title in c.heading_path}
        if _straddling(text, chunks) or missing or any(len(c.text.split()) > 300 for c in chunks):
            problems.append((path.name, sorted(missing)[:5]))
    assert problems == []


DECISION_WITH_REGULATION = """ỦY BAN NHÂN DÂN
TỈNH CAO BẰNG
Số: 1835/QĐ-UBND
QUYẾT ĐỊNH
Ban hành Quy chế bảo vệ di sản địa chất
Căn cứ Luật Di sản văn hóa năm 2024;
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế bảo vệ di sản địa chất.
Điều 2. Quyết định này có hiệu lực kể từ ngày 01 tháng 11 năm 2025.
Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh chịu trách nhiệm thi hành Quyết định này.
Nơi nhận:
- Như Điều 3;
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Bế Thị Thu Hà
QUY CHẾ
Bảo vệ di sản địa chất
(Ban hành kèm theo Quyết định số 1835/QĐ-UBND ngày 20/10/2025)
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc bảo vệ 130 điểm di sản địa chất.
Điều 2. Hành vi bị cấm
Viết, vẽ, khắc lên vách đá trong hang động.
"""


def test_a_decision_signs_before_the_regulation_it_issues() -> None:
    """The signature after the decision's own Điều 3 is its closing, and the regulation under its own title."""
    sections = parse_sections(DECISION_WITH_REGULATION)
    closing = " ".join(DECISION_WITH_REGULATION[p.start:p.end] for s in sections if s.kind == "closing" for p in s.paragraphs)
    assert closing.startswith("Nơi nhận") and closing.endswith("Bế Thị Thu Hà")
    by_section = {c.section: c.text for c in chunk_sections(DECISION_WITH_REGULATION, sections, root="Quyết định 1835")}
    assert by_section["Quyết định 1835 › Điều 3"].endswith("thi hành Quyết định này.")
    regulation = "Quyết định 1835 › QUY CHẾ Bảo vệ di sản địa chất"
    assert by_section[f"{regulation} › Chương I. QUY ĐỊNH CHUNG › Điều 2. Hành vi bị cấm"].startswith("Viết, vẽ")
