import codecs
from pathlib import Path

import pytest

from indexer.decode import decode_text
from indexer.errors import UnreadableFileError
from indexer.read import read_file, walk_files
from kb.config import Limits

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TEXT = "Chỉ thị số 05-CT/TW của Bộ Chính trị\n"


@pytest.mark.parametrize("data,encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    ("Chỉ thị số 05-CT/TW của Bộ Chính trị về tăng cường công tác\n".encode("utf-8"), "utf-8"),
])
def test_decode_utf8_and_utf16_with_or_without_bom(data, encoding):
    text, found = decode_text(data)
    assert found == encoding and text.startswith("Chỉ thị số 05-CT/TW")


@pytest.mark.parametrize("suffix,encoding", [("tcvn3", "tcvn3"), ("vni", "vni"), ("cp1258", "cp1258")])
def test_legacy_encodings_are_decoded(suffix, encoding):
    path = SHARED / "data" / "encodings" / f"law_68-2020-QH14_cu_tru.{suffix}.txt"
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared missing)")
    text, found = decode_text(path.read_bytes())
    assert found == encoding and "Luật Cư trú" in text


ENGLISH = "The café, the naïve résumé of a long English report.".encode("latin-1")


@pytest.mark.parametrize("data,reason", [(b"", "empty"), (b"  \n", "empty"), (b"\x00\x01\x02\x03" * 100, "binary"),
                                         (ENGLISH, "does not look like Vietnamese")])
def test_undecodable_bytes_say_why(data, reason):
    with pytest.raises(UnreadableFileError, match=reason):
        decode_text(data)


def test_read_file_normalises_line_ends_and_keeps_the_text(tmp_path):
    path = tmp_path / "Kế hoạch số 1.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    source = read_file(path, limits=Limits(max_file_bytes=1000))
    assert source.text == TEXT and source.format == "text"


def test_unsupported_and_oversized_files_are_refused_with_the_fix(tmp_path):
    (tmp_path / "a.doc").write_bytes(b"x")
    with pytest.raises(UnreadableFileError, match="LibreOffice"):
        read_file(tmp_path / "a.doc", limits=Limits(max_file_bytes=1000))
    (tmp_path / "big.txt").write_text("a" * 100)
    with pytest.raises(UnreadableFileError, match="over the limit"):
        read_file(tmp_path / "big.txt", limits=Limits(max_file_bytes=10))


def test_walk_skips_hidden_files_and_links_leaving_the_folder(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir(), outside.mkdir()
    (inside / "a.txt").write_text("a")
    (inside / ".hidden.txt").write_text("h")
    (outside / "secret.txt").write_text("s")
    (inside / "link.txt").symlink_to(outside / "secret.txt")
    assert [(f.path.name, f.skip is None) for f in walk_files(inside)] == [("a.txt", True), ("link.txt", False)]
