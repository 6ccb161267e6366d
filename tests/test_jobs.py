"""Uploads and jobs without a server: safe names, content sniffing, and the job runner on a real index."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HashingEmbedder, finished_job, writable_copy
from docx import Document

from kb.config import load_settings
from kb.errors import UnsupportedContentError
from kb.jobs.runner import JobRunner, submit_job, uploads_dir
from kb.jobs.uploads import MAX_NAME_BYTES, check_content, safe_name, unique_names
from kb.storage.store import Store

TEXT = "KẾ HOẠCH\nphòng chống dịch bệnh trên đàn gia cầm năm 2022\n\nI. MỤC ĐÍCH\nTiêm phòng vắc xin cho đàn gia cầm.\n"


@pytest.mark.parametrize("sent, stored", [
    ("../../x.txt", "x.txt"),
    ("..\\..\\x.txt", "x.txt"),
    ("/etc/passwd", "passwd"),
    ("C:\\Windows\\win.ini", "win.ini"),
    ("a\x00b.txt", "ab.txt"),
    ("..", "tệp"),
    (".bashrc", "bashrc"),
    ("Kế hoạch số 05-KH/TU.docx", "TU.docx"),  # a slash is a separator, whatever the sender meant
    ("Báo cáo tổng kết năm 2020 (bản cuối).DOCX", "Báo cáo tổng kết năm 2020 (bản cuối).docx"),
    ("Nghi\u0323 quyê\u0301t.txt", "Nghị quyết.txt"),  # NFD in, NFC out
    ("a<b>:c|d?e*.txt", "a_b_c_d_e_.txt"),
])
def test_safe_name_stays_inside_and_keeps_vietnamese(sent, stored):
    assert safe_name(sent) == stored


def test_safe_name_shortens_long_names_and_keeps_the_extension():
    for long in ("x" * 1000 + ".pdf", "Nghị quyết " * 100 + ".pdf"):
        name = safe_name(long)
        assert name.endswith(".pdf") and len(name.encode("utf-8")) <= MAX_NAME_BYTES and "/" not in name


def test_unique_names_within_one_upload():
    assert unique_names(["a.txt", "A.txt", "../a.txt", "b.txt"]) == ["a.txt", "A (2).txt", "a (3).txt", "b.txt"]


def _docx() -> bytes:
    document = Document()
    document.add_paragraph(TEXT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name, data", [
    ("a.txt", TEXT.encode()),
    ("a.txt", TEXT.encode("utf-16")),
    ("a.md", TEXT.encode()),
    ("a.txt", "<html><body><p>Thông báo</p></body></html>".encode()),  # HTML saved as text is still text
    ("a.html", "<!DOCTYPE html><html><body><p>Thông báo</p></body></html>".encode()),
    ("a.htm", "<p>Thông báo</p>".encode()),
    ("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
    ("a.docx", _docx()),
])
def test_content_matching_its_name_is_accepted(name, data):
    check_content(name, data)


@pytest.mark.parametrize("name, data, says", [
    ("a.pdf", TEXT.encode(), "plain text"),
    ("a.docx", b"PK\x03\x04 not really a zip", "neither"),
    ("a.txt", _docx(), "Word document"),
    ("a.html", TEXT.encode(), "plain text"),
    ("a.txt", bytes(range(256)) * 4, "neither"),
    ("a.txt", b"   \n", "empty"),
    ("a.doc", b"\xd0\xcf\x11\xe0", "LibreOffice"),
    ("a", TEXT.encode(), "no extension"),
])
def test_content_not_matching_its_name_is_refused(name, data, says):
    with pytest.raises(UnsupportedContentError, match=says):
        check_content(name, data)


# -- the runner on a real index -----------------------------------------------------------------
@pytest.fixture
def runner(fake_kb, tmp_path):
    writable_copy(fake_kb, tmp_path / "home")
    jobs = JobRunner(load_settings(tmp_path / "home"), poll=0.2, embedder=HashingEmbedder())
    yield jobs
    jobs.stop()


def test_a_job_indexes_each_file_and_reports_each_by_name(runner):
    store, home = runner.kb.store, runner.home
    broken = b"%PDF-1.4\n" + bytes(range(256)) * 8  # looks like a PDF, cannot be read as one
    job = submit_job(store, home, [("gia-cam.txt", TEXT.encode()), ("hong.pdf", broken)], created_by="test")
    assert job["status"] == "queued" and [f["name"] for f in job["files"]] == ["gia-cam.txt", "hong.pdf"]
    assert sorted(p.name for p in (uploads_dir(home) / job["id"]).iterdir()) == ["gia-cam.txt", "hong.pdf"]
    runner.start()
    finished = finished_job(store, job["id"])
    assert finished["status"] == "done" and finished["files_done"] == 2 and finished["worker"] > 0
    good, bad = finished["files"]
    assert good["status"] == "indexed" and good["chunks"] >= 1 and store.documents.get(good["document_id"])["source"] == \
        "gia-cam.txt"
    assert bad["status"] == "error" and bad["reason"] and bad["document_id"] is None
    assert set(store.documents.chunk_ids(good["document_id"])) <= runner.kb.open_vectors().ids(), "its vectors are saved"


def test_a_file_the_model_cannot_embed_is_reported_with_the_reason(fake_kb, tmp_path):
    writable_copy(fake_kb, tmp_path / "home")
    jobs = JobRunner(load_settings(tmp_path / "home", model=str(tmp_path / "no-model")), poll=0.2)
    job = submit_job(jobs.kb.store, jobs.home, [("a.txt", TEXT.encode())], created_by=None)
    jobs.start()
    try:
        finished = finished_job(jobs.kb.store, job["id"])
    finally:
        jobs.stop()
    assert finished["status"] == "done" and finished["files"][0]["status"] == "error"
    assert "no-model" in finished["files"][0]["reason"] and "does not exist" in finished["files"][0]["reason"]


def test_a_replacement_keeps_the_id_and_a_failed_one_keeps_the_document(runner):
    store, home = runner.kb.store, runner.home
    runner.start()
    first = finished_job(store, submit_job(store, home, [("cu.txt", TEXT.encode())], created_by=None)["id"])
    doc_id = first["files"][0]["document_id"]
    old_chunks = store.documents.chunk_ids(doc_id)
    newer = TEXT.replace("gia cầm", "thủy sản")
    replaced = finished_job(store, submit_job(store, home, [("moi.txt", newer.encode())], created_by=None,
                                           replace=doc_id)["id"])
    assert replaced["status"] == "done" and replaced["files"][0]["document_id"] == doc_id
    assert store.documents.get(doc_id)["source"] == "moi.txt" and "thủy sản" in store.documents.text_of(doc_id)
    assert not set(old_chunks) & runner.kb.open_vectors().ids(), "the old version's vectors are gone"
    assert not (uploads_dir(home) / first["id"]).exists()

    broken = b"%PDF-1.4\n" + bytes(range(256)) * 8
    failed = finished_job(store, submit_job(store, home, [("hong.pdf", broken)], created_by=None, replace=doc_id)["id"])
    assert failed["status"] == "failed" and "unchanged" in failed["error"]
    assert store.documents.get(doc_id)["source"] == "moi.txt" and not (uploads_dir(home) / failed["id"]).exists()


def test_remove_deletes_the_document_its_vectors_and_its_upload(runner):
    store, home = runner.kb.store, runner.home
    runner.start()
    job = finished_job(store, submit_job(store, home, [("xoa.txt", TEXT.encode())], created_by=None)["id"])
    doc_id = job["files"][0]["document_id"]
    chunks = store.documents.chunk_ids(doc_id)
    assert runner.remove(doc_id, wait=5)["source"] == "xoa.txt"
    assert store.documents.path_of(doc_id) is None and not set(chunks) & runner.kb.open_vectors().ids()
    assert not (uploads_dir(home) / job["id"]).exists()


def test_a_job_left_running_by_a_dead_process_is_failed_on_start(runner):
    store, home = runner.kb.store, runner.home
    job = submit_job(store, home, [("a.txt", TEXT.encode())], created_by=None)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True,
                          text=True)
    assert store.jobs.claim(int(gone.stdout)) is not None
    runner.start()
    finished = finished_job(store, job["id"])
    assert finished["status"] == "failed" and "Interrupted" in finished["error"]
    assert not (uploads_dir(home) / job["id"]).exists(), "the files it never reached are not kept"


def test_two_workers_never_claim_the_same_job(runner):
    store = runner.kb.store
    job = submit_job(store, runner.home, [("a.txt", TEXT.encode())], created_by=None)
    other = Store(Path(store.path))
    claimed = [store.jobs.claim(1), other.jobs.claim(2)]
    other.close()
    assert [c["id"] if c else None for c in claimed] == [job["id"], None]
    assert store.jobs.get(job["id"])["worker"] == 1
