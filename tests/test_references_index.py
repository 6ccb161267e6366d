"""Citations linked on a small real index: the right document or none, never itself, the same from both ends."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from indexer.limits import ReadingLimits
from indexer.model import SourceText
from indexer.parse import parse_document
from indexer.read import read_file
from kb.retrieval.query import understand
from kb.storage.schema import SCHEMA_VERSION
from kb.storage.store import Store

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
FILES = {
    "72/2025/NQ-HĐND": "admin-docs/docs/8983091b5c6598d8.md",  # cites Luật số 56/2024/QH15, not indexed
    "56/2014/QH13": "docx-pdf/laws-docx/Luật-56-2014-QH13.docx",  # what that citation used to be linked to
    "80/2025/NQ-HĐND": "admin-docs/docs/03741adae8c7c410.md",  # cites Luật số 21/2023/QH15
    "21/2023/QH15": "docx-pdf/laws-docx/Luật-21-2023-QH15.docx",
    "232/CĐ-TTg": "admin-docs/docs/b2fa001677379e64.md",  # cites Công điện số 227/CĐ-TTg
    "227/CĐ-TTg": "admin-docs/docs/e01d3782fbed0967.md",
    "2666/QĐ-UBND": "admin-docs/docs/036bd85f1f56f768.md",  # prints "Quyết định số 2666/QĐ-UBND" in its text
    "2916/QĐ-UBND": "admin-docs/docs/adc1d34379e9829f.md",  # Hà Tĩnh: cites its own 70/2025/QĐ-UBND of 29/10/2025
    "70/2025/QĐ-UBND": "admin-docs/docs/15decdf210c22d70.md",  # Hà Nội's, of 17/11/2025
}

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/data")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("refs") / "kb.sqlite")
    for relative in FILES.values():
        text = read_file(DATA / relative, limits=ReadingLimits())
        with store.db.transaction():
            store.documents.add(parse_document(text), path=str(DATA / relative), source=relative,
                                content_hash=hashlib.sha256(text.text.encode()).hexdigest())
    return store


@pytest.fixture(scope="module")
def ids(store) -> dict[str, int]:
    return {d["number"]: d["id"] for d in store.documents.listing()}


def test_the_index_holds_each_document_under_its_number(ids) -> None:
    assert set(ids) == set(FILES)


def test_a_law_of_another_year_and_term_is_not_linked(store, ids) -> None:
    references = {r["printed"]: r for r in store.documents.references_of(ids["72/2025/NQ-HĐND"])}
    cited = references["Luật số 56/2024/QH15"]
    assert (cited["key"], cited["full_key"], cited["year"]) == ("L:56", "L:56:QH15", "2024")
    assert (cited["status"], cited["document_id"], cited["candidates"]) == ("unresolved", None, [])
    assert store.documents.citing(ids["56/2014/QH13"]) == []


def test_another_provinces_document_of_the_same_number_is_not_linked(store, ids) -> None:
    references = {r["full_key"]: r for r in store.documents.references_of(ids["2916/QĐ-UBND"])}
    cited = references["QĐ:70:UBND"]
    assert (cited["date"], cited["status"], cited["document_id"]) == ("2025-10-29", "unresolved", None)
    assert store.documents.citing(ids["70/2025/QĐ-UBND"]) == []


def test_citations_that_agree_are_linked(store, ids) -> None:
    linked = {(r["printed"], r["document_id"]) for r in store.documents.references_of(ids["80/2025/NQ-HĐND"])}
    assert ("Luật số 21/2023/QH15", ids["21/2023/QH15"]) in linked
    linked = {(r["printed"], r["document_id"]) for r in store.documents.references_of(ids["232/CĐ-TTg"])}
    assert ("Công điện số 227/CĐ-TTg", ids["227/CĐ-TTg"]) in linked


def test_no_document_cites_itself(store, ids) -> None:
    for doc_id in ids.values():
        assert doc_id not in {c for r in store.documents.references_of(doc_id) for c in r["candidates"]}
        assert doc_id not in {d["id"] for d in store.documents.citing(doc_id)}
    # 2666/QĐ-UBND prints its own number in its passages: that is no citation.
    own = store.db.execute("SELECT count(*) FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
                           "WHERE c.document_id = ? AND r.is_self = 0 AND r.full_key = 'QĐ:2666:UBND'",
                           [ids["2666/QĐ-UBND"]]).fetchone()[0]
    assert own >= 1
    assert "QĐ:2666:UBND" not in {r["full_key"] for r in store.documents.references_of(ids["2666/QĐ-UBND"])}


def test_cites_and_cited_by_are_one_relation(store, ids) -> None:
    cites = {(doc_id, r["document_id"]) for doc_id in ids.values()
             for r in store.documents.references_of(doc_id) if r["status"] == "resolved"}
    cited_by = {(citer["id"], doc_id) for doc_id in ids.values() for citer in store.documents.citing(doc_id)}
    assert cites == cited_by
    assert (ids["80/2025/NQ-HĐND"], ids["21/2023/QH15"]) in cites


def test_a_version_4_index_gains_the_years_of_its_citations(store, tmp_path) -> None:
    """Version 4 had no year: migrating reads it again from each citation as printed."""
    copy = tmp_path / "kb.sqlite"
    with sqlite3.connect(copy) as target:
        store.db.connection().conn.backup(target)
        target.executescript("ALTER TABLE chunk_refs DROP COLUMN year; PRAGMA user_version = 4;")
    migrated = Store(copy)
    assert migrated.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
    assert migrated.db.execute("SELECT DISTINCT year FROM chunk_refs WHERE printed = 'Luật số 56/2024/QH15'"
                               ).fetchall() == [("2024",)]
    doc_id = store.documents.listing(text="72/2025/NQ-HĐND")[0]["id"]
    assert [r["status"] for r in migrated.documents.references_of(doc_id) if r["key"] == "L:56"] == ["unresolved"]
    migrated.close()


CITATIONS = Path(__file__).resolve().parent / "data" / "citations"


@pytest.fixture(scope="module")
def provinces(tmp_path_factory) -> tuple[Store, dict[str, int]]:
    """Two provinces' decisions of one number and one day (``tests/data/citations``), and plans citing
    them with and without the province's name."""
    store = Store(tmp_path_factory.mktemp("provinces") / "kb.sqlite")
    ids = {}
    for path in sorted(CITATIONS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        with store.db.transaction():
            ids[path.stem], _ = store.documents.add(parse_document(SourceText(path, text, "utf-8", "txt")),
                                                    path=str(path), source=path.name,
                                                    content_hash=hashlib.sha256(text.encode()).hexdigest())
    return store, ids


def test_two_provinces_decisions_of_one_number_and_day_are_two_documents(provinces) -> None:
    store, ids = provinces
    (ambiguous,) = [r for r in store.documents.references_of(ids["ke-hoach-names-no-one"]) if r["key"] == "QĐ:15"]
    both = sorted([ids["quyet-dinh-binh-duong"], ids["quyet-dinh-quang-ninh"]])
    assert (ambiguous["status"], ambiguous["candidates"]) == ("ambiguous", both)


def test_a_citation_naming_a_local_body_links_only_to_that_bodys_document(provinces) -> None:
    store, ids = provinces
    (named,) = [r for r in store.documents.references_of(ids["ke-hoach-names-quang-ninh"]) if r["key"] == "QĐ:15"]
    assert (named["status"], named["document_id"]) == ("resolved", ids["quyet-dinh-quang-ninh"])
    assert [d["id"] for d in store.documents.citing(ids["quyet-dinh-quang-ninh"])] == [ids["ke-hoach-names-quang-ninh"]]
    assert [d["id"] for d in store.documents.citing(ids["quyet-dinh-binh-duong"])] == []


def test_a_version_6_index_reads_the_local_bodies_its_citations_name(provinces, tmp_path) -> None:
    store, ids = provinces
    copy = tmp_path / "kb.sqlite"
    with sqlite3.connect(copy) as target:
        store.db.connection().conn.backup(target)
        target.executescript("ALTER TABLE chunk_refs DROP COLUMN issuer_name; PRAGMA user_version = 6;")
    migrated = Store(copy)
    (named,) = [r for r in migrated.documents.references_of(ids["ke-hoach-names-quang-ninh"]) if r["key"] == "QĐ:15"]
    assert (named["status"], named["document_id"]) == ("resolved", ids["quyet-dinh-quang-ninh"])
    migrated.close()


def test_a_version_6_index_keys_a_party_regulation_by_its_title(tmp_path) -> None:
    """Version 6 keyed the Quy định 148-QĐ/TW as a decision, so "Quy định số 148-QĐ/TW" found nothing."""
    path = Path(__file__).resolve().parent / "data" / "metadata" / "quy-dinh-ban-bi-thu.txt"
    text = path.read_text(encoding="utf-8")
    store = Store(tmp_path / "kb.sqlite")
    with store.db.transaction():
        store.documents.add(parse_document(SourceText(path, text, "utf-8", "txt")), path=str(path),
                            source=path.name, content_hash="x")
    own = "SELECT key, full_key FROM chunk_refs WHERE is_self = 1"
    assert store.db.execute(own).fetchall() == [("QĐi:148", "QĐi:148:TW")]
    store.db.execute("UPDATE chunk_refs SET key = 'QĐ:148', full_key = 'QĐ:148:TW' WHERE is_self = 1")
    store.db.execute("ALTER TABLE chunk_refs DROP COLUMN issuer_name")
    store.db.execute("PRAGMA user_version = 6")
    store.close()
    with sqlite3.connect(tmp_path / "kb.sqlite") as old:
        assert old.execute(own).fetchall() == [("QĐ:148", "QĐ:148:TW")]
    migrated = Store(tmp_path / "kb.sqlite")
    assert migrated.db.execute(own).fetchall() == [("QĐi:148", "QĐi:148:TW")]
    migrated.close()


def test_a_citation_carries_its_kind_and_sentence(store, ids) -> None:
    law = next(r for r in store.documents.references_of(ids["80/2025/NQ-HĐND"]) if r["full_key"] == "L:21:QH15")
    assert "basis" in law["kinds"]
    basis = next(r for r in law["relations"] if r["kind"] == "basis")
    assert basis["sentence"].startswith("Căn cứ") and "21/2023/QH15" in basis["sentence"]


def test_a_version_8_index_gains_the_kinds_of_its_citations(store, tmp_path) -> None:
    """Version 8 kept no kind: migrating reads each passage again, and finds what indexing found."""
    query = "SELECT chunk_id, printed, kind, sentence_start, sentence_end FROM chunk_refs ORDER BY rowid"
    indexed = store.db.execute(query).fetchall()
    copy = tmp_path / "kb.sqlite"
    with sqlite3.connect(copy) as target:
        store.db.connection().conn.backup(target)
        target.executescript("ALTER TABLE chunk_refs DROP COLUMN kind; ALTER TABLE chunk_refs DROP COLUMN "
                             "sentence_start; ALTER TABLE chunk_refs DROP COLUMN sentence_end; PRAGMA user_version = 8;")
    migrated = Store(copy)
    assert migrated.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert migrated.db.execute(query).fetchall() == indexed
    assert {row[2] for row in indexed} >= {"basis", "mentions"}



@pytest.fixture(scope="module")
def regulation(tmp_path_factory) -> tuple[Store, int, int]:
    """The Quy định 148-QĐ/TW, keyed ``QĐi:148`` by its title, and a plan that cites it by its number alone."""
    store = Store(tmp_path_factory.mktemp("regulation") / "kb.sqlite")
    path = Path(__file__).resolve().parent / "data" / "metadata" / "quy-dinh-ban-bi-thu.txt"
    plan = ("TỈNH ỦY BẾN TRE\nSố 20-KH/TU\t\tBến Tre, ngày 10 tháng 6 năm 2024\n\nKẾ HOẠCH\n"
            "thực hiện Quy định 148\n\nThực hiện 148-QĐ/TW ngày 23/5/2024 của Ban Bí thư về tổ chức và hoạt động "
            "của đảng đoàn, ban cán sự đảng, Ban Thường vụ Tỉnh ủy xây dựng kế hoạch như sau.\n")
    ids = []
    for source, text in ((path, path.read_text(encoding="utf-8")), (path.with_name("ke-hoach-20.txt"), plan)):
        with store.db.transaction():
            doc_id, _ = store.documents.add(parse_document(SourceText(source, text, "utf-8", "txt")),
                                            path=str(source), source=source.name, content_hash=source.name)
        ids.append(doc_id)
    return store, ids[0], ids[1]


@pytest.mark.parametrize("typed", ["Quy định 148-QĐ/TW", "Quy định số 148", "148-QĐ/TW", "QĐ 148", "qd 148 quy dinh gi"])
def test_a_party_regulation_is_found_by_the_number_as_staff_type_it(regulation, typed: str) -> None:
    """Keyed ``QĐi:148`` by its title, it is typed as a decision's number as often as by its name."""
    store, regulation_id, _ = regulation
    query = understand(typed)
    assert store.chunks.named_documents(query.keys, query.full_keys) == [regulation_id]
    assert store.documents.named(typed).documents == (regulation_id,)


def test_a_party_regulation_cited_by_its_number_alone_is_linked(regulation) -> None:
    store, regulation_id, plan_id = regulation
    (cited,) = [r for r in store.documents.references_of(plan_id) if r["printed"] == "148-QĐ/TW"]
    assert (cited["status"], cited["document_id"]) == ("resolved", regulation_id)
    assert [d["id"] for d in store.documents.citing(regulation_id)] == [plan_id]


@pytest.mark.parametrize("typed", ["Kế hoạch 448-KH/BCD35", "ke hoach 448-kh/bcd35", "Plan 448-KH/BCD35",
                                   "448-KH/BCĐ35"])
def test_an_issuer_code_typed_with_a_d_for_its_dd_names_the_document(tmp_path, typed: str) -> None:
    """"BCĐ35" typed on a keyboard without Đ is "BCD35", a code kb does not know to read back ("ĐU" and "HĐND" it
    does): the plan and the report citing it are found, as typed with Đ."""
    store = Store(tmp_path / "kb.sqlite")
    plan = ("TỈNH ỦY LÂM ĐỒNG\nBAN CHỈ ĐẠO 35\nSố 448-KH/BCĐ35\nĐẢNG CỘNG SẢN VIỆT NAM\n"
            "Lâm Đồng, ngày 15 tháng 9 năm 2025\n\nKẾ HOẠCH\nbảo vệ nền tảng tư tưởng của Đảng\n\n1. Lập tổ cộng tác viên.\n")
    report = ("ĐẢNG BỘ TỈNH LÂM ĐỒNG\nĐẢNG ỦY PHƯỜNG LÂM VIÊN\nSố 343-CT/ĐU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
              "Lâm Viên, ngày 01 tháng 10 năm 2025\n\nCHỈ THỊ\nvề đấu tranh với thông tin sai sự thật\n\n"
              "Thực hiện Kế hoạch số 448-KH/BCĐ35 ngày 15/9/2025 của Ban Chỉ đạo 35 Tỉnh ủy, các chi bộ lập tổ.\n")
    ids = {}
    for name, text in (("ke-hoach-448.txt", plan), ("chi-thi-343.txt", report)):
        with store.db.transaction():
            ids[name], _ = store.documents.add(parse_document(SourceText(tmp_path / name, text, "utf-8", "txt")),
                                               path=str(tmp_path / name), source=name, content_hash=name)
    query = understand(typed)
    assert store.chunks.named_documents(query.keys, query.full_keys) == [ids["ke-hoach-448.txt"]]
    citing = store.chunks.documents_of([chunk for chunk, _ in store.chunks.citing(query.keys, query.full_keys)])
    assert ids["chi-thi-343.txt"] in set(citing.values())
