"""Indexing keeps SQLite and FAISS in step: re-index, skip, replace, remove, broken files, repair."""

import codecs
import json
import shutil

import numpy as np
import pytest
from conftest import fake_kb_at, open_kb

import kb.indexing as kb_indexing
from kb.errors import IndexBusyError, ModelMismatchError, NotFoundError
from kb.indexing import _vectors, index_paths
from kb.indexing_report import FURNITURE_REPORT, furniture_report

PLAN = "ke-hoach.md"
PLAN_TEXT = """**KẾ HOẠCH**
**tuyên truyền chuyển đổi số năm 2021**

Thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị và Kế hoạch số 131-KH/TU, ngày 17/03/2020 của Ban Thường vụ Tỉnh ủy.

**I- MỤC ĐÍCH, YÊU CẦU**

- Tuyên truyền sâu rộng để cán bộ, đảng viên hiểu rõ chủ trương chuyển đổi số của Đảng và Nhà nước.

**II- NỘI DUNG**

1. Tuyên truyền kết quả chuyển đổi số trong các cơ quan, đơn vị; những mô hình hay, cách làm sáng tạo.

2. Tuyên truyền trên pa nô, áp phích, băng rôn tại trụ sở làm việc của các cơ quan.

**T/M BAN THƯỜNG VỤ**
**PHÓ BÍ THƯ**

**Lê Thanh Giang**
"""


@pytest.fixture
def folder(tmp_path):
    """A small plan, so that each test embeds a handful of passages, not a whole document."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / PLAN).write_text(PLAN_TEXT)
    return docs


@pytest.fixture
def kb(tmp_path):
    return fake_kb_at(tmp_path / "home")


def _in_step(kb) -> bool:
    return kb.open_vectors().ids() == kb.store.chunks.all_ids() and len(kb.open_vectors()) > 0


def test_reindex_skips_unchanged_and_replaces_changed(kb, folder):
    first = index_paths(kb, [folder])
    assert first.count("indexed") == 1 and first.chunks >= 1 and _in_step(kb)
    old_ids = kb.store.chunks.all_ids()
    assert index_paths(kb, [folder]).count("unchanged") == 1
    assert kb.store.chunks.all_ids() == old_ids
    (folder / PLAN).write_text((folder / PLAN).read_text() + "\n\n## VI. BỔ SUNG\n\nNội dung mới về tuyên truyền.\n")
    again = index_paths(kb, [folder])
    assert again.count("indexed") == 1
    assert not kb.store.chunks.all_ids() & old_ids and _in_step(kb)
    assert len(kb.store.documents.listing()) == 1


def test_a_file_indexed_under_older_parsing_rules_is_read_again_and_keeps_its_vectors(kb, folder, monkeypatch):
    """An index made before the rules changed would keep the old metadata of every unchanged file."""
    index_paths(kb, [folder])
    old_ids, vectors = kb.store.chunks.all_ids(), len(kb.open_vectors())
    embedded = []
    encode = type(kb.open_embedder()).encode_passages
    monkeypatch.setattr(type(kb.open_embedder()), "encode_passages",
                        lambda self, texts: embedded.extend(texts) or encode(self, texts))
    monkeypatch.setattr(kb_indexing, "PARSING_VERSION", kb_indexing.PARSING_VERSION + 1)
    again = index_paths(kb, [folder])
    assert again.count("indexed") == 1 and not kb.store.chunks.all_ids() & old_ids and _in_step(kb)
    assert len(kb.store.documents.listing()) == 1 and len(kb.open_vectors()) == vectors
    assert embedded == []  # the same passages: their vectors are reused
    assert index_paths(kb, [folder]).count("unchanged") == 1


def test_remove_deletes_rows_and_vectors(kb, folder):
    report = index_paths(kb, [folder])
    doc_id = report.files[0].document_id
    kb.remove_document(doc_id)
    assert kb.store.chunks.all_ids() == set() and len(kb.open_vectors()) == 0
    with pytest.raises(NotFoundError):
        kb.remove_document(doc_id)


def test_broken_files_are_reported_by_name_and_the_run_goes_on(kb, folder):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "latin1.txt").write_bytes("Quy\xe9t \xf0inh".encode("latin-1"))
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "Kế hoạch mới số 2.txt").write_text("KẾ HOẠCH\nTuyên truyền về chuyển đổi số trong cơ quan.\n")
    report = index_paths(kb, [folder])
    problems = {f.source: f.reason for f in report.errors}
    assert set(problems) == {"empty.txt", "binary.txt", "latin1.txt", "old.doc"}
    assert "LibreOffice" in problems["old.doc"] and "empty" in problems["empty.txt"]
    assert report.count("indexed") == 2 and _in_step(kb)
    assert json.loads(kb.store.db.get_meta("last_run"))["errors"] == 3


def test_missing_vector_file_is_rebuilt_on_open(kb, folder, tmp_path):
    index_paths(kb, [folder])
    ids = kb.store.chunks.all_ids()
    kb.vectors_path.unlink()
    reopened = fake_kb_at(tmp_path / "home")
    assert reopened.open_vectors().ids() == ids and reopened.vectors_path.exists()


def test_stale_vectors_are_dropped_on_open(kb, folder, tmp_path):
    index_paths(kb, [folder])
    with kb.store.db.transaction():
        kb.store.db.execute("DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)")
    reopened = fake_kb_at(tmp_path / "home")
    assert reopened.open_vectors().ids() == reopened.store.chunks.all_ids()


def test_other_model_is_refused_with_instructions(folder, tmp_path, model_path, monkeypatch):
    index_paths(open_kb(tmp_path / "home", model_path), [folder])
    other = tmp_path / "other-model"
    shutil.copytree(model_path, other, ignore=shutil.ignore_patterns("onnx"))
    config = json.loads((other / "config.json").read_text())
    config["layer_norm_eps"] = 1e-6
    (other / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("KB_BACKEND", "torch")  # no int8 graph to build for a model that is refused anyway
    with pytest.raises(ModelMismatchError, match="re-index"):
        open_kb(tmp_path / "home", other).open_embedder()


def test_other_backend_is_refused_naming_the_one_that_built_the_index(folder, tmp_path, model_path, monkeypatch):
    kb = open_kb(tmp_path / "home", model_path)
    index_paths(kb, [folder])
    assert json.loads(kb.config_path.read_text())["backend"] == "onnx-int8"
    monkeypatch.setenv("KB_BACKEND", "torch")
    with pytest.raises(ModelMismatchError, match="KB_BACKEND=onnx-int8"):
        open_kb(tmp_path / "home", model_path).open_embedder()


def test_one_writer_at_a_time(kb, folder, tmp_path):
    other = fake_kb_at(tmp_path / "home")  # another writer of the folder, as another process would be
    with other.writing():
        with pytest.raises(IndexBusyError):
            index_paths(kb, [folder])
    other.close()
    with kb.writing():  # the writer that holds the lock may take it again (a job around index_paths)
        index_paths(kb, [folder])


def test_missing_path_is_an_error(kb, tmp_path):
    with pytest.raises(NotFoundError):
        index_paths(kb, [tmp_path / "nowhere"])


def test_dry_run_parses_but_writes_nothing(kb, folder):
    report = index_paths(kb, [folder], dry_run=True)
    assert report.count("indexed") == 1 and report.chunks >= 1
    assert kb.store.chunks.all_ids() == set() and not kb.vectors_path.exists()


NOTICE = "Bản quyền thuộc về trang thông tin điện tử của cơ quan, mọi sao chép phải ghi rõ nguồn."
SITE = [NOTICE, "Đăng nhập để xem toàn văn bản"]  # after the signature, in every file: the site's furniture
BASIS = "Căn cứ Nghị định số 08/2015/NĐ-CP ngày 21 tháng 01"


def _saved_page(topic: str) -> str:
    """A notice as a site saves it: the same legal basis and recipients as its siblings, the site's notice after it."""
    return "\n".join([
        "BỘ TÀI CHÍNH", "**CỤC HẢI QUAN**", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/TB-CHQ", "Hà Nội, ngày 27 tháng 11 năm 2025", "THÔNG BÁO", f"Về {topic}", BASIS,
        "năm 2015 của Chính phủ quy định chi tiết và biện pháp thi hành Luật Hải quan;",
        f"Cục Hải quan thông báo kết quả về {topic} cho toàn thể cán bộ, công chức và người lao động.",
        NOTICE,  # inside the document: the office quotes it, so it is content
        "Nơi nhận:", "- Các Chi cục hải quan khu vực (để thực hiện);", "- Lưu: VT.",
        "KT. CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "Đào Thu Hương", *SITE]) + "\n"


def test_only_lines_repeated_outside_the_documents_are_left_out_and_listed(kb, tmp_path):
    docs = tmp_path / "site"
    docs.mkdir()
    topics = ["chuyển đổi số", "cải cách hành chính", "phòng chống dịch", "xây dựng Đảng", "an toàn giao thông",
              "bảo vệ môi trường"]
    for i, topic in enumerate(topics):
        (docs / f"{i}.txt").write_text(_saved_page(topic))
    report = index_paths(kb, [docs])
    assert report.count("indexed") == 6 and report.furniture_lines == 12
    for document in kb.store.documents.listing():
        texts = "\n".join(c["text"] for c in kb.store.chunks.of_document(document["id"]))
        assert texts.count("Bản quyền") == 1 and BASIS in texts, texts
    written = json.loads((kb.settings.home / FURNITURE_REPORT).read_text())
    assert written == furniture_report(report) and written["lines"] == 12
    assert {f["source"]: f["lines"] for f in written["files"]} == {f"{i}.txt": SITE for i in range(6)}


def _site(tmp_path, count: int = 6):
    docs = tmp_path / "site"
    docs.mkdir()
    for i in range(count):
        (docs / f"{i}.txt").write_text(_saved_page(f"chủ đề số {i}"))
    return docs


def _counting_reads(monkeypatch) -> list:
    """The real reader, each call remembered: which files a run reads, and how often."""
    read = kb_indexing.read_file
    paths: list = []

    def counted(path, **kwargs):
        paths.append(path)
        return read(path, **kwargs)
    monkeypatch.setattr(kb_indexing, "read_file", counted)
    return paths


def test_each_file_is_read_once_a_run_and_indexed_as_when_read_twice(kb, tmp_path, monkeypatch):
    docs = _site(tmp_path)
    reads = _counting_reads(monkeypatch)
    kept = index_paths(kb, [docs], dry_run=True)
    assert sorted(reads) == sorted(docs.iterdir())  # the furniture pass's texts served the indexing pass
    reads.clear()
    monkeypatch.setattr(kb_indexing, "KEPT_TEXT_CHARS", 0)  # no room: every file is read again
    again = index_paths(kb, [docs], dry_run=True)
    assert sorted(reads) == sorted([*docs.iterdir(), *docs.iterdir()])
    assert [(f.source, f.status, f.chunks, f.furniture) for f in kept.files] == \
        [(f.source, f.status, f.chunks, f.furniture) for f in again.files] and kept.furniture_lines == 12


def test_texts_past_the_budget_are_read_again(kb, tmp_path, monkeypatch):
    docs = _site(tmp_path)
    size = len((docs / "0.txt").read_text())
    monkeypatch.setattr(kb_indexing, "KEPT_TEXT_CHARS", 2 * size + 1)  # room for two of the six
    reads = _counting_reads(monkeypatch)
    report = index_paths(kb, [docs], dry_run=True)
    assert len(reads) == 6 + 4 and report.count("indexed") == 6 and report.furniture_lines == 12


def test_files_without_readable_text_are_reported_by_name_and_not_stored(kb, folder):
    (folder / "bom.txt").write_bytes(codecs.BOM_UTF8)
    (folder / "one.txt").write_bytes(b"x")
    (folder / "rule.md").write_text("* * *\n\n---\n")
    report = index_paths(kb, [folder])
    problems = {f.source: f.reason for f in report.errors}
    assert set(problems) == {"bom.txt", "one.txt", "rule.md"}
    assert all("not stored" in reason or "empty" in reason for reason in problems.values()), problems
    assert all("readable text" in problems[name] for name in ("bom.txt", "one.txt", "rule.md"))
    assert [d["source"] for d in kb.store.documents.listing()] == [PLAN]
    assert kb.store.integrity.documents_without_passages() == []


def test_identical_passages_reuse_their_vector(kb, folder, monkeypatch):
    index_paths(kb, [folder])
    copy = folder.parent / "copy"
    copy.mkdir()
    (copy / "ke-hoach-ban-sao.md").write_text((folder / PLAN).read_text())
    (copy / "kb.toml").write_text('access = "internal"')  # at another level a copy is a document of its own
    embedded = []
    original = kb.open_embedder().encode_passages
    monkeypatch.setattr(kb.open_embedder(), "encode_passages", lambda texts: embedded.extend(texts) or original(texts))
    report = index_paths(kb, [copy])
    assert report.count("indexed") == 1 and report.chunks >= 1
    assert embedded == []  # every passage, and the card, is already in the index
    assert _in_step(kb) and len(kb.store.documents.listing()) == 2


def test_a_passage_repeated_in_one_file_is_embedded_once(kb, monkeypatch):
    embedded = []
    original = kb.open_embedder().encode_passages
    monkeypatch.setattr(kb.open_embedder(), "encode_passages", lambda texts: embedded.extend(texts) or original(texts))
    kb.open_vectors()  # open the (empty) vector file
    texts = ["Ban Chấp hành Trung ương yêu cầu.", "Tỉnh ủy chỉ đạo.", "Ban Chấp hành Trung ương yêu cầu."]
    vectors = _vectors(kb, texts)
    assert embedded == texts[:2]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert float(vectors[0] @ vectors[1]) < 0.999


def test_an_interrupted_run_resumes_without_embedding_again(kb, tmp_path, monkeypatch):
    docs = tmp_path / "many"
    docs.mkdir()
    for n in range(4):
        (docs / f"{n}.txt").write_text(f"KẾ HOẠCH\nsố {n}\n\nNội dung riêng của kế hoạch số {n} về chuyển đổi số.\n")

    def stop_after_two(outcome, done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_paths(kb, [docs], on_file=stop_after_two)
    stored = {text for _, text in kb.store.chunks.all_texts()}
    assert len(kb.store.documents.listing()) == 2 and stored
    embedded = []
    again = fake_kb_at(kb.settings.home)
    original = again.open_embedder().encode_passages
    monkeypatch.setattr(again.open_embedder(), "encode_passages", lambda texts: embedded.extend(texts) or original(texts))
    report = index_paths(again, [docs])
    assert report.count("unchanged") == 2 and report.count("indexed") == 2
    assert embedded and not stored & set(embedded)  # only the two new files' passages went through the model
    assert _in_step(again)
