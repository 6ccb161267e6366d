"""An index's stored relation kinds follow the rules of the kb that opens it (kb/storage/relation_rules.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from indexer.model import SourceText
from indexer.parse import parse_document
from indexer.relations import RULES_VERSION
from kb.storage.relation_rules import RULES_KEY
from kb.storage.store import Store

# laws-txt/Luat-Kien-truc-2019-384114.txt, as a small law of its own: the amended law, its amenders
_LAW = """QUỐC HỘI
Luật số: 40/2019/QH14
LUẬT
KIẾN TRÚC
Điều 40. Sửa đổi, bổ sung một số điều của các luật có liên quan
c) Thay thế cụm từ “quy chế quản lý quy hoạch, kiến trúc đô thị” bằng cụm từ “quy chế quản lý kiến trúc” tại \
Điều 5 của Luật Quy hoạch đô thị số 30/2009/QH12 đã được sửa đổi, bổ sung một số điều theo Luật số 77/2015/QH13 \
và Luật số 35/2018/QH14.
"""
_KINDS = "SELECT printed, kind, sentence_start, sentence_end FROM chunk_refs WHERE is_self = 0 ORDER BY rowid"


def _indexed(path: Path, text: str = _LAW) -> Store:
    store = Store(path)
    parsed = parse_document(SourceText(Path("luat.txt"), text, "utf-8", "txt"))
    with store.db.transaction():
        store.documents.add(parsed, path="luat.txt", source="luat.txt",
                            content_hash=hashlib.sha256(text.encode()).hexdigest())
    return store


def test_a_new_index_records_the_rules_it_read_its_kinds_with(tmp_path) -> None:
    store = _indexed(tmp_path / "kb.sqlite")
    assert store.db.get_meta(RULES_KEY) == str(RULES_VERSION)
    kinds = {printed: kind for printed, kind, _, _ in store.db.execute(_KINDS)}
    assert {printed: kinds[printed] for printed in ("30/2009/QH12", "Luật số 77/2015/QH13", "Luật số 35/2018/QH14")} \
        == {"30/2009/QH12": "amends", "Luật số 77/2015/QH13": "mentions", "Luật số 35/2018/QH14": "mentions"}


def test_an_index_read_by_other_rules_has_its_kinds_read_again_when_opened(tmp_path) -> None:
    """What older rules stored (the amenders replaced, the sentence unknown) is read again from the passage."""
    path = tmp_path / "kb.sqlite"
    store = _indexed(path)
    read_now = store.db.execute(_KINDS).fetchall()
    store.db.execute("UPDATE chunk_refs SET kind = 'replaces', sentence_start = NULL, sentence_end = NULL")
    store.db.set_meta(RULES_KEY, str(RULES_VERSION - 1))
    store.db.close()
    reopened = Store(path)
    assert reopened.db.execute(_KINDS).fetchall() == read_now
    assert reopened.db.get_meta(RULES_KEY) == str(RULES_VERSION)


def test_an_index_read_by_these_rules_is_left_as_it_is(tmp_path) -> None:
    path = tmp_path / "kb.sqlite"
    store = _indexed(path)
    store.db.execute("UPDATE chunk_refs SET kind = 'repeals'")  # a marker: a re-read would undo it
    store.db.close()
    assert {row[1] for row in Store(path).db.execute(_KINDS)} == {"repeals"}


# docx-pdf/court-docs/nghi_dinh/nghi_dinh_99_2022_ND_CP.docx, cut: a form of the decree's appendix prints a
# "Căn cứ" line with the decree's own number
_DECREE = """CHÍNH PHỦ
Số: 99/2022/NĐ-CP
Hà Nội, ngày 30 tháng 11 năm 2022
NGHỊ ĐỊNH
VỀ ĐĂNG KÝ BIỆN PHÁP BẢO ĐẢM
Điều 60. Hiệu lực thi hành
Nghị định này thay thế Nghị định số 102/2017/NĐ-CP ngày 01 tháng 9 năm 2017 của Chính phủ về đăng ký biện pháp \
bảo đảm.
Mẫu số 03b
Căn cứ Nghị định số 99/2022/NĐ-CP ngày 30 tháng 11 năm 2022 của Chính phủ về đăng ký biện pháp bảo đảm;
"""


def test_a_citation_of_the_document_itself_stays_a_mention_when_read_again(tmp_path) -> None:
    path = tmp_path / "kb.sqlite"
    store = _indexed(path, _DECREE)
    kinds = {printed: kind for printed, kind, _, _ in store.db.execute(_KINDS)}
    assert (kinds["Nghị định số 102/2017/NĐ-CP"], kinds["Nghị định số 99/2022/NĐ-CP"]) == ("replaces", "mentions")
    read_now = store.db.execute(_KINDS).fetchall()
    store.db.execute("UPDATE chunk_refs SET kind = 'basis' WHERE is_self = 0")
    store.db.set_meta(RULES_KEY, str(RULES_VERSION - 1))
    store.db.close()
    assert Store(path).db.execute(_KINDS).fetchall() == read_now
