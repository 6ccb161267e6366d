"""Limits on what one file may hold, and hostile or broken files in an indexing run.

Each limit is a setting (``Limits`` in ``kb/config.py``, ``"limits"`` in
settings.json); a file over one is skipped with the limit's name in its
reason, and a broken file is reported by name: neither stops the run nor
touches what is already indexed.
"""

import json
import os
import random
import struct
import subprocess
import sys
import zipfile

import pytest
from conftest import fake_kb_at
from test_docx import make_docx, para
from test_pdf import make_pdf, report_pages

from indexer.errors import LimitExceededError, UnreadableFileError
from indexer.read import read_file
from indexer.readers.pdf import read_pdf
from indexer.readers.web import read_html
from indexer.readers.word import read_docx
from kb.config import Limits, load_settings
from kb.errors import ConfigError
from kb.indexing import index_paths
from kb.retrieval.search import search

GOOD_TEXT = """KẾ HOẠCH
tuyên truyền chuyển đổi số năm 2021

I. MỤC ĐÍCH, YÊU CẦU

Tuyên truyền sâu rộng để cán bộ, đảng viên hiểu rõ chủ trương chuyển đổi số của Đảng và Nhà nước.

II. NỘI DUNG

1. Tuyên truyền kết quả chuyển đổi số trong các cơ quan, đơn vị; những mô hình hay, cách làm sáng tạo.
"""


def test_limits_are_read_from_the_settings_file(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"limits": {"max_pdf_pages": 3, "max_html_depth": 100}}))
    limits = load_settings(tmp_path).limits
    assert (limits.max_pdf_pages, limits.max_html_depth, limits.max_passages) == (3, 100, Limits().max_passages)


@pytest.mark.parametrize("values", [{"max_pdf_pages": 0}, {"max_line_chars": -5}, {"max_passages": "many"},
                                   {"max_docx_ratio": True}, {"max_html_depth": 5000}])
def test_impossible_limits_are_refused(tmp_path, values):
    (tmp_path / "settings.json").write_text(json.dumps({"limits": values}))
    with pytest.raises(ConfigError, match=f"limits.{next(iter(values))}"):
        load_settings(tmp_path)


# --- Word: zip bombs ---------------------------------------------------------------


def _word_file(tmp_path, extra: dict[str, bytes]):
    path = make_docx(tmp_path / "f.docx", para("Điều 1. Phạm vi điều chỉnh"))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as package:
        for name, content in extra.items():
            package.writestr(name, content)
    return path


def test_word_file_unzipping_past_the_limit_is_refused_unopened(tmp_path):
    path = _word_file(tmp_path, {"word/media/image1.png": random.Random(1).randbytes(3 << 20)})
    assert read_docx(path).text == "Điều 1. Phạm vi điều chỉnh"
    with pytest.raises(LimitExceededError, match=r"size once unzipped \(bytes\): 3,14.*limits.max_docx_unzipped_bytes"):
        read_docx(path, Limits(max_docx_unzipped_bytes=3 << 20))


def test_word_part_inflating_implausibly_is_refused(tmp_path):
    path = _word_file(tmp_path, {"word/document2.xml": b" " * (8 << 20)})
    with pytest.raises(LimitExceededError, match=r"ratio of word/document2.xml: [\d,.]+, over the limit of 100 "):
        read_docx(path)


def _declare_size(path, name: str, size: int) -> None:
    """Make the zip's local header and central directory both lie about a part's unzipped size."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as package:
        local = package.getinfo(name).header_offset
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46: central + 46 + length] == name.encode():
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_word_part_lying_about_its_size_is_refused_as_damaged(tmp_path):
    path = _word_file(tmp_path, {"word/media/image1.bin": bytes(16 << 20)})
    _declare_size(path, "word/media/image1.bin", 1000)
    with pytest.raises(UnreadableFileError, match="not a valid Word file: .*damaged"):
        read_docx(path)


# --- PDF, HTML, text ---------------------------------------------------------------


def test_pdf_over_the_page_limit_is_refused_before_its_pages_are_read(tmp_path):
    path = make_pdf(tmp_path / "report.pdf", report_pages(3))
    assert len(read_pdf(path, Limits(max_pdf_pages=3)).pages) == 3
    with pytest.raises(LimitExceededError, match=r"pages: 3, over the limit of 2 \(raise limits.max_pdf_pages"):
        read_pdf(path, Limits(max_pdf_pages=2))


def _nested_page(tmp_path, depth: int):
    path = tmp_path / f"deep{depth}.html"
    path.write_text("<html><body><p>Điều 1. Phạm vi điều chỉnh</p>" + "<div>" * depth + "Điều 2. Đối tượng"
                    + "</div>" * depth + "<p>Điều 3. Hiệu lực thi hành</p></body></html>")
    return path


def test_html_nesting_is_measured_and_limited_never_cut_short(tmp_path):
    assert read_html(_nested_page(tmp_path, 100)).text.endswith("Điều 3. Hiệu lực thi hành")
    deep = _nested_page(tmp_path, 300)
    with pytest.raises(LimitExceededError, match=r"nesting depth of the page's elements: 302, .*limits.max_html_depth"):
        read_html(deep)
    # libxml2 alone would stop at depth 256 and silently drop the rest of the page
    assert read_html(deep, Limits(max_html_depth=400)).text.splitlines() == [
        "Điều 1. Phạm vi điều chỉnh", "Điều 2. Đối tượng", "Điều 3. Hiệu lực thi hành"]
    with pytest.raises(LimitExceededError, match="past the HTML parser's own limits"):
        read_html(_nested_page(tmp_path, 3000), Limits(max_html_depth=512))


def test_a_ten_megabyte_line_is_refused(tmp_path):
    path = tmp_path / "line.txt"
    words = "chuyển đổi số "
    path.write_text("Điều 1. " + words * (10_000_000 // len(words.encode())))
    assert path.stat().st_size > 10_000_000 and "\n" not in path.read_text()
    with pytest.raises(LimitExceededError, match=r"longest line \(characters\): 6,666,668, over the limit of 100,000"):
        read_file(path, limits=Limits())


def test_text_over_the_length_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(GOOD_TEXT * 10)
    assert read_file(path, limits=Limits(max_text_chars=len(GOOD_TEXT) * 10)).text == GOOD_TEXT * 10
    with pytest.raises(LimitExceededError, match="limits.max_text_chars"):
        read_file(path, limits=Limits(max_text_chars=len(GOOD_TEXT) * 10 - 1))


# --- a run over hostile and broken files -------------------------------------------


@pytest.fixture
def kb(tmp_path):
    return fake_kb_at(tmp_path / "home")


def _in_step(kb) -> bool:
    return kb.open_vectors().ids() == kb.store.chunks.all_ids() and len(kb.open_vectors()) > 0


def test_passages_over_the_limit_skip_the_document(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.json").write_text(json.dumps({"limits": {"max_passages": 2}}))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dài.txt").write_text("KẾ HOẠCH\n\n" + "\n\n".join(
        f"Điều {n}. Nội dung thứ {n}\n\nTuyên truyền về chuyển đổi số trong cơ quan số {n}." for n in range(1, 9)))
    (docs / "ngắn.txt").write_text("Tuyên truyền về chuyển đổi số.\n")
    report = index_paths(fake_kb_at(home), [docs], dry_run=True)  # passages are counted before embedding
    outcome = {f.source: f for f in report.files}
    assert outcome["dài.txt"].status == "skipped" and "limits.max_passages" in outcome["dài.txt"].reason
    assert outcome["ngắn.txt"].status == "indexed"


def test_hostile_files_are_reported_by_name_and_the_index_still_answers(kb, tmp_path, model_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "Kế hoạch tuyên truyền.txt").write_text(GOOD_TEXT)
    index_paths(kb, [docs])
    before = kb.store.chunks.all_ids()
    (docs / "rỗng.txt").write_bytes(b"")
    (docs / "rác.txt").write_bytes(random.Random(3).randbytes(20_000))
    whole = make_docx(tmp_path / "whole.docx", para("Điều 1. Phạm vi điều chỉnh") * 50).read_bytes()
    (docs / "cắt cụt.docx").write_bytes(whole[: len(whole) // 2])
    make_pdf(docs / "mật khẩu.pdf", report_pages(1), password="secret")
    with (docs / "năm mươi MB.txt").open("w", encoding="utf-8") as big:  # under max_file_bytes (60 MiB)
        line = "Điều 1. Tuyên truyền về chuyển đổi số trong cơ quan, đơn vị.\n"
        big.write(line * (50_000_000 // len(line.encode())))
    assert 49_000_000 < (docs / "năm mươi MB.txt").stat().st_size < Limits().max_file_bytes
    _nested_page(docs, 300)

    report = index_paths(kb, [docs])

    problems = {f.source: (f.status, f.reason) for f in report.errors}
    assert set(problems) == {"rỗng.txt", "rác.txt", "cắt cụt.docx", "mật khẩu.pdf", "năm mươi MB.txt", "deep300.html"}
    assert problems["rỗng.txt"] == ("error", "the file is empty")
    assert problems["rác.txt"][0] == "error"
    assert "damaged or truncated" in problems["cắt cụt.docx"][1]
    assert "password-protected PDF" in problems["mật khẩu.pdf"][1]
    assert problems["năm mươi MB.txt"][0] == "skipped" and "limits.max_text_chars" in problems["năm mươi MB.txt"][1]
    assert problems["deep300.html"][0] == "skipped" and "limits.max_html_depth" in problems["deep300.html"][1]
    assert report.count("unchanged") == 1 and kb.store.chunks.all_ids() == before and _in_step(kb)
    results = search(kb, "tuyên truyền chuyển đổi số").results
    assert results and results[0].document.source == "Kế hoạch tuyên truyền.txt"

    stats = _kb(tmp_path / "home", model_path, "stats")
    for source in problems:
        assert source in stats
    stored = json.loads(_kb(tmp_path / "home", model_path, "stats", "--json"))["last_run"]["problems"]
    assert {p["source"] for p in stored} == set(problems)


def _kb(home, model_path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "kb", *args, "--home", str(home)], capture_output=True, text=True,
                          timeout=300, env=os.environ | {"KB_MODEL": str(model_path), "COLUMNS": "300"})
    assert done.returncode == 0, done.stderr
    return done.stdout
