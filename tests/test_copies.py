"""One document, many files: copies are recorded, not stored again; a new version replaces; results show a passage once."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import HashingEmbedder, app_client, fake_kb_at, finished_job, say_out_loud, skip_out_loud
from pg_store import BACKENDS, backend_home

from indexer.analyzer import folded_hash, normalize, tokens, words_hash
from indexer.limits import ReadingLimits
from indexer.read import read_file
from kb.config import load_settings
from kb.indexing import index_paths
from kb.jobs.runner import submit_job
from kb.jobs.worker import job_runner
from kb.maintenance.check import check_kb
from kb.retrieval.documents import document_detail
from kb.retrieval.query import understand
from kb.retrieval.search import fuse, legs, search
from kb.storage.schema import SCHEMA_VERSION
from kb.storage.store import Store

ENCODINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "encodings"
PLAN = "plan_252-KH-BCDQG1237_2013"

HEADER = """BAN THƯỜNG VỤ TỈNH ỦY {issuer}
ĐẢNG CỘNG SẢN VIỆT NAM
Số 131-KH/TU
{issuer_place}, ngày 17 tháng 3 năm 2020

KẾ HOẠCH
tuyên truyền chuyển đổi số năm 2020

"""
BODY = """I. MỤC ĐÍCH, YÊU CẦU

1. Tuyên truyền sâu rộng để cán bộ, đảng viên và nhân dân hiểu rõ chủ trương chuyển đổi số của Đảng và Nhà nước, \
tạo sự thống nhất trong nhận thức và hành động của cả hệ thống chính trị.

II. NỘI DUNG

1. Tuyên truyền kết quả chuyển đổi số trong các cơ quan, đơn vị; những mô hình hay, cách làm sáng tạo \
của các địa phương trong tỉnh.

2. Tuyên truyền trên pa nô, áp phích, băng rôn tại trụ sở làm việc của các cơ quan, đơn vị và nơi công cộng.
"""
MORE = """
III. TỔ CHỨC THỰC HIỆN

1. Ban Tuyên giáo Tỉnh ủy chủ trì, phối hợp với các sở, ngành hướng dẫn, kiểm tra việc thực hiện kế hoạch này \
và định kỳ báo cáo Ban Thường vụ Tỉnh ủy kết quả tuyên truyền trong từng quý của năm.

2. Các huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy xây dựng kế hoạch cụ thể để triển khai thực hiện \
phù hợp với tình hình của địa phương, đơn vị mình.
"""
CLOSING = """
T/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ

Lê Thanh Giang
"""


def plan(body: str = BODY, issuer: str = "BẾN TRE", place: str = "Bến Tre") -> str:
    return HEADER.format(issuer=issuer, issuer_place=place) + body + CLOSING


@pytest.fixture
def kb(tmp_path):
    return fake_kb_at(tmp_path / "home")


def _folder(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (root / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def _roles(kb, doc_id: int) -> dict[str, str]:
    return {row["source"]: row["role"] for row in kb.store.sources.of_document(doc_id)}


def test_the_same_file_twice_is_one_document_with_two_files(kb, tmp_path):
    first = index_paths(kb, [_folder(tmp_path / "a", {"ke-hoach.txt": plan()})])
    second = index_paths(kb, [_folder(tmp_path / "b", {"ban-sao.txt": plan()})])
    doc_id = first.files[0].document_id
    copy = second.files[0]
    assert copy.status == "copy" and copy.document_id == doc_id and copy.copy_of == "ke-hoach.txt"
    assert second.summary()["copies_found"] == [{"source": "ban-sao.txt", "document_id": doc_id, "of": "ke-hoach.txt"}]
    assert [d["id"] for d in kb.store.documents.listing()] == [doc_id]
    assert _roles(kb, doc_id) == {"ke-hoach.txt": "file", "ban-sao.txt": "copy"}
    assert [f.source for f in document_detail(kb, doc_id).sources] == ["ke-hoach.txt", "ban-sao.txt"]


def test_the_documents_page_and_the_api_list_its_files(kb, tmp_path):
    doc_id = index_paths(kb, [_folder(tmp_path / "a", {"ke-hoach.txt": plan()})]).files[0].document_id
    index_paths(kb, [_folder(tmp_path / "b", {"bản sao.md": plan()})])
    kb.close()
    with app_client(tmp_path / "home") as client:
        detail = client.get(f"/api/documents/{doc_id}").json()
        page = client.get(f"/documents/{doc_id}").text
    assert [(f["source"], f["role"]) for f in detail["sources"]] == [("ke-hoach.txt", "file"), ("bản sao.md", "copy")]
    assert "Các tệp của văn bản" in page and "bản sao.md" in page


def test_reindexing_a_folder_of_copies_and_versions_adds_nothing(kb, tmp_path):
    folder = _folder(tmp_path / "docs", {"a.txt": plan(), "b.md": plan(), "c.txt": plan(BODY + MORE + "Bổ sung.")})
    index_paths(kb, [folder])
    before = kb.store.documents.listing(), kb.store.chunks.all_ids()
    again = index_paths(kb, [folder])
    assert again.count("unchanged") == 3 and again.count("indexed") == again.count("copy") == 0
    assert (kb.store.documents.listing(), kb.store.chunks.all_ids()) == before


def test_a_new_version_with_the_same_identity_replaces_and_stays_replaced(kb, tmp_path):
    folder = _folder(tmp_path / "docs", {"1-cu.txt": plan()})
    doc_id = index_paths(kb, [folder]).files[0].document_id
    newer = plan(MORE.replace("Ban Tuyên giáo", "Ban Tuyên giáo và Dân vận") + "\n3. Tuyên truyền trên mạng xã hội.\n")
    (folder / "2-moi.txt").write_text(newer)  # the same type, number, issuer and date; its body rewritten
    report = index_paths(kb, [folder])
    replacing = report.files[1]
    assert replacing.status == "indexed" and replacing.document_id == doc_id and replacing.replaced == "1-cu.txt"
    assert report.summary()["replaced"] == [{"source": "2-moi.txt", "document_id": doc_id, "in_place_of": "1-cu.txt"}]
    assert [d["id"] for d in kb.store.documents.listing()] == [doc_id], "the document keeps its id"
    assert "mạng xã hội" in kb.store.documents.text_of(doc_id)
    assert _roles(kb, doc_id) == {"2-moi.txt": "file", "1-cu.txt": "earlier"}
    again = index_paths(kb, [folder])
    assert again.count("unchanged") == 2 and len(kb.store.documents.listing()) == 1, "the old file is not new again"
    assert kb.open_vectors().ids() == kb.store.chunks.all_ids()


def test_the_same_number_from_another_issuer_is_another_document(kb, tmp_path):
    folder = _folder(tmp_path / "docs", {"ben-tre.txt": plan(), "vinh-long.txt": plan(BODY + MORE, "VĨNH LONG", "Vĩnh Long")})
    report = index_paths(kb, [folder])
    assert report.count("indexed") == 2 and len(kb.store.documents.listing()) == 2


def test_a_fuller_copy_takes_the_place_of_an_excerpt(kb, tmp_path):
    excerpt = index_paths(kb, [_folder(tmp_path / "a", {"trich.txt": plan()})]).files[0]
    full = index_paths(kb, [_folder(tmp_path / "b", {"day-du.txt": plan(BODY + MORE)})]).files[0]
    assert full.status == "indexed" and full.document_id == excerpt.document_id and full.replaced == "trich.txt"
    assert "TỔ CHỨC THỰC HIỆN" in kb.store.documents.text_of(excerpt.document_id)
    assert _roles(kb, excerpt.document_id) == {"day-du.txt": "file", "trich.txt": "copy"}
    assert len(kb.store.documents.listing()) == 1


def test_an_excerpt_without_the_signature_is_the_central_document_its_organ_line_names(kb, tmp_path):
    """The full text is issued by the Bộ Chính trị that signs; the excerpt only knows the Central Committee."""
    central = HEADER.replace("BAN THƯỜNG VỤ TỈNH ỦY {issuer}", "BAN CHẤP HÀNH TRUNG ƯƠNG").replace("KH/TU", "KL/TW")
    central = central.replace("KẾ HOẠCH", "KẾT LUẬN").format(issuer_place="Hà Nội")
    signed = central + BODY + MORE + CLOSING.replace("BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", "BỘ CHÍNH TRỊ")
    index_paths(kb, [_folder(tmp_path / "a", {"trich.txt": central + BODY})])
    full = index_paths(kb, [_folder(tmp_path / "b", {"day-du.txt": signed})]).files[0]
    assert full.replaced == "trich.txt" and len(kb.store.documents.listing()) == 1
    assert (kb.store.documents.get(full.document_id)["issuer"], full.status) == ("Bộ Chính trị", "indexed")


def test_copies_stored_apart_become_one_document_when_indexed_again(kb, tmp_path):
    folder = _folder(tmp_path / "docs", {"1-trich.txt": plan(), "2-day-du.txt": plan(BODY + MORE), "3-ban-sao.txt": plan()})
    index_paths(kb, [folder], copies=False)  # as kb stored them before copies were recognised
    assert len(kb.store.documents.listing()) == 3
    report = index_paths(kb, [folder])
    assert [(f.status, f.document_id) for f in report.files] == [("unchanged", 1), ("unchanged", 1), ("copy", 1)]
    assert [d["id"] for d in kb.store.documents.listing()] == [1], "the oldest id stays"
    assert "TỔ CHỨC THỰC HIỆN" in kb.store.documents.text_of(1), "with the fuller text"
    assert _roles(kb, 1) == {"2-day-du.txt": "file", "1-trich.txt": "copy", "3-ban-sao.txt": "copy"}
    assert kb.open_vectors().ids() == kb.store.chunks.all_ids()
    assert check_kb(kb).ok
    assert index_paths(kb, [folder]).count("unchanged") == 3


def test_a_copy_at_another_access_level_is_its_own_document_and_results_show_each_passage_once(kb, tmp_path):
    public = _folder(tmp_path / "public", {"ke-hoach.txt": plan()})
    internal = _folder(tmp_path / "internal", {"ke-hoach.txt": plan(), "kb.toml": 'access = "internal"'})
    index_paths(kb, [public, internal])
    documents = kb.store.documents.listing()
    assert sorted(d["access"] for d in documents) == ["internal", "public"]
    query = understand("tuyên truyền chuyển đổi số trên pa nô áp phích")
    fused = fuse(legs(kb, query, None), kb.settings.weights, False)
    owners = {row["doc_id"] for row in kb.store.chunks.hits([cid for cid, _ in fused[:10]]).values()}
    assert len(owners) == 2, "both copies' passages are ranked: without the check they would show twice"
    shown = [normalize(hit.text) for hit in search(kb, "tuyên truyền chuyển đổi số trên pa nô áp phích", k=10).results]
    assert shown and len(shown) == len(set(shown))


@pytest.mark.parametrize("backend", BACKENDS)
def test_uploading_a_file_twice_gives_one_document(request, tmp_path, backend):
    home = backend_home(request, tmp_path / "home", backend)
    runner = job_runner(load_settings(home), 0.1, embedder=HashingEmbedder())  # a kb worker's, on postgres
    runner.start()
    try:
        store = runner.kb.store
        jobs = [submit_job(store, home, [("ke-hoach.txt", plan().encode())], created_by="test") for _ in range(2)]
        first, second = (finished_job(store, job["id"])["files"][0] for job in jobs)
    finally:
        runner.stop()
    assert first["status"] == "indexed" and second["status"] == "copy"
    assert second["document_id"] == first["document_id"] and f"document {first['document_id']}" in second["reason"]
    assert len(store.documents.listing()) == 1 and len(store.sources.of_document(first["document_id"])) == 2


def test_a_version_5_database_gets_each_documents_file_recorded(kb, tmp_path):
    doc_id = index_paths(kb, [_folder(tmp_path / "docs", {"ke-hoach.txt": plan()})]).files[0].document_id
    kb.close()
    with sqlite3.connect(tmp_path / "home" / "kb.sqlite") as conn:
        conn.executescript("DROP TABLE document_sources; PRAGMA user_version = 5;")
    migrated = Store(tmp_path / "home" / "kb.sqlite")
    assert migrated.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
    rows = migrated.db.rows("SELECT document_id, source, role, words_hash FROM document_sources")
    assert rows == [{"document_id": doc_id, "source": "ke-hoach.txt", "role": "file", "words_hash": words_hash(plan())}]
    migrated.close()


def test_check_finds_a_document_whose_file_is_not_recorded_and_repair_records_it(kb, tmp_path):
    index_paths(kb, [_folder(tmp_path / "docs", {"ke-hoach.txt": plan()})])
    with kb.store.db.transaction():
        kb.store.db.execute("DELETE FROM document_sources")
    assert [f.name for f in check_kb(kb).problems] == ["sources"]
    assert check_kb(kb, repair=True).ok and len(kb.store.db.rows("SELECT * FROM document_sources")) == 1


# -- the encodings samples: every text in seven files ---------------------------------------------
def _distinct_texts(files: list[Path]) -> list[set[str]]:
    """Files grouped by text, independently of kb's rule: one's words contained in the other's, in order."""
    text = {f.name: " ".join(tokens(normalize(read_file(f, limits=ReadingLimits()).text))) for f in files}
    groups: list[set[str]] = []
    for name in sorted(text, key=lambda n: -len(text[n])):  # the longest first: each excerpt finds its whole
        home = next((g for g in groups if any(text[name] in text[other] for other in g)), None)
        if home is None:
            groups.append({name})
        else:
            home.add(name)
    return groups


@pytest.fixture
def encodings(request) -> Path:
    if not ENCODINGS.is_dir():
        skip_out_loud(request, f"{ENCODINGS} is missing: the encodings samples are not here")
    return ENCODINGS


def test_a_vni_text_and_its_tcvn3_docx_are_one_document(kb, tmp_path, encodings):
    folder = _folder(tmp_path / "docs", {})
    for suffix in (".vni.txt", ".tcvn3.docx"):
        shutil.copy(encodings / f"{PLAN}{suffix}", folder)
    report = index_paths(kb, [folder])
    assert [(f.source, f.status) for f in report.files] == [(f"{PLAN}.tcvn3.docx", "indexed"), (f"{PLAN}.vni.txt", "copy")]
    (document,) = kb.store.documents.listing()
    assert {row["encoding"] for row in kb.store.sources.of_document(document["id"])} == {"docx+tcvn3", "vni"}


def test_the_encodings_samples_are_one_document_per_text(kb, encodings, request, tmp_path):
    files = [f for f in sorted(encodings.iterdir()) if f.suffix in (".txt", ".docx")]
    texts = _distinct_texts(files)
    started = time.perf_counter()
    report = index_paths(kb, [encodings])
    seconds = time.perf_counter() - started
    documents = kb.store.documents.listing()
    assert len(documents) == len(texts) and report.count("copy") == len(files) - len(texts)
    for group in texts:  # each text's files are one document's
        owners = {kb.store.sources.known(str((encodings / name).resolve())).document_id for name in group}
        assert len(owners) == 1, group
    again = index_paths(kb, [encodings])
    assert again.count("unchanged") == len(files) and len(kb.store.documents.listing()) == len(texts)
    assert check_kb(kb).ok
    apart = fake_kb_at(tmp_path / "apart")
    index_paths(apart, [encodings], copies=False)  # an index built before copies were recognised
    before = len(apart.store.documents.listing())
    index_paths(apart, [encodings])
    assert before == len(files) and len(apart.store.documents.listing()) == len(texts) and check_kb(apart).ok
    say_out_loud(request, f"encodings: {len(files)} files, {len(texts)} texts, {len(documents)} documents; "
                 f"matching {report.seconds['matching'] / len(files) * 1000:.1f} ms per file, run {seconds:.1f} s")


def test_a_version_7_database_gets_each_passages_folded_hash_and_results_still_show_each_passage_once(kb, tmp_path):
    """Rendering tells copies' passages apart by the stored hash of their folded words: a migrated index has it."""
    public = _folder(tmp_path / "public", {"ke-hoach.txt": plan()})
    internal = _folder(tmp_path / "internal", {"ke-hoach.txt": plan(), "kb.toml": 'access = "internal"'})
    index_paths(kb, [public, internal])
    question = "tuyên truyền chuyển đổi số trên pa nô áp phích"
    before = [(hit.chunk_id, hit.text) for hit in search(kb, question, k=10).results]
    kb.close()
    with sqlite3.connect(tmp_path / "home" / "kb.sqlite") as conn:
        conn.executescript("ALTER TABLE chunks DROP COLUMN folded_hash; PRAGMA user_version = 7;")
    migrated = fake_kb_at(tmp_path / "home")
    assert migrated.store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
    rows = migrated.store.db.rows("SELECT text, folded_hash FROM chunks")
    assert rows and all(row["folded_hash"] == folded_hash(row["text"]) for row in rows)
    assert [(hit.chunk_id, hit.text) for hit in search(migrated, question, k=10).results] == before
    assert len({normalize(text) for _, text in before}) == len(before)


def test_a_passage_whose_copy_lost_its_tone_marks_has_the_same_folded_hash():
    assert folded_hash("Tuyên truyền trên pa nô, áp phích.") == folded_hash("tuyen truyen tren  pa no - ap phich")
    assert folded_hash("Tuyên truyền trên pa nô") != folded_hash("Tuyên truyền trên áp phích")
