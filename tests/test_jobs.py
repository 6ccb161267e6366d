"""Uploads and jobs without a server: safe names, content sniffing, and the job runner on a real index, on SQLite
and on PostgreSQL (its cases e2e)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HashingEmbedder, fake_settings, finished_job
from docx import Document
from pg_store import BACKENDS, backend_home

from kb.config import load_settings
from kb.errors import UnsupportedContentError
from kb.jobs.runner import JobRunner, submit_job, uploads_dir
from kb.jobs.uploads import MAX_NAME_BYTES, check_content, safe_name, unique_names
from kb.jobs.worker import QueueWorker, job_runner
from kb.storage.pg_database import PgDatabase
from kb.storage.pg_jobs import JobQueue
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


# -- the runner on a real index, on both stores ---------------------------------------------------
# On SQLite the folder's ``JobRunner`` (``kb serve``'s thread) runs the jobs; on PostgreSQL a ``QueueWorker``
# (``kb worker``, here in a thread of this process) takes them from the database's queue.
@pytest.fixture(params=BACKENDS)
def runner(request, tmp_path):
    home = backend_home(request, tmp_path / "home", request.param)
    jobs = job_runner(fake_settings(home), 0.2, embedder=HashingEmbedder())
    yield jobs
    jobs.stop()


def _on_postgres(runner: JobRunner) -> bool:
    return isinstance(runner, QueueWorker)


def _waiting(runner: JobRunner, job_id: str) -> list[str]:
    """The names of a queued job's files where its runner will read them: the index folder on SQLite, the
    database on PostgreSQL (which the worker that takes the job may be on another machine)."""
    if _on_postgres(runner):
        return [name for name, _ in JobQueue(runner.kb.store.db).files(job_id)]
    return sorted(p.name for p in (uploads_dir(runner.home) / job_id).iterdir())


def _uploads_held(runner: JobRunner) -> int:
    """Uploaded files the database keeps (PostgreSQL); none on SQLite, whose uploads are only in the folder."""
    return runner.kb.store.db.execute("SELECT count(*) FROM job_files").fetchone()[0] if _on_postgres(runner) else 0


def test_a_job_indexes_each_file_and_reports_each_by_name(runner):
    store, home = runner.kb.store, runner.home
    broken = b"%PDF-1.4\n" + bytes(range(256)) * 8  # looks like a PDF, cannot be read as one
    job = submit_job(store, home, [("gia-cam.txt", TEXT.encode()), ("hong.pdf", broken)], created_by="test")
    assert job["status"] == "queued" and [f["name"] for f in job["files"]] == ["gia-cam.txt", "hong.pdf"]
    assert _waiting(runner, job["id"]) == ["gia-cam.txt", "hong.pdf"]
    runner.start()
    finished = finished_job(store, job["id"])
    assert finished["status"] == "done" and finished["files_done"] == 2
    assert finished["claimed_by"] == runner.name if _on_postgres(runner) else finished["worker"] > 0
    good, bad = finished["files"]
    assert good["status"] == "indexed" and good["chunks"] >= 1 and store.documents.get(good["document_id"])["source"] == \
        "gia-cam.txt"
    assert bad["status"] == "error" and bad["reason"] and bad["document_id"] is None
    assert set(store.documents.chunk_ids(good["document_id"])) <= runner.kb.open_vectors().ids(), "its vectors are saved"
    assert sorted(p.name for p in (uploads_dir(home) / job["id"]).iterdir()) == ["gia-cam.txt"]
    assert _uploads_held(runner) == (1 if _on_postgres(runner) else 0), "the broken file's bytes are gone"


def test_a_file_the_model_cannot_embed_is_reported_with_the_reason(runner, tmp_path):
    runner.start()  # an index with its vectors first: then only a file to embed needs the model
    assert finished_job(runner.kb.store, submit_job(runner.kb.store, runner.home, [("b.txt", TEXT.encode())],
                                                    created_by=None)["id"])["status"] == "done"
    runner.stop()
    jobs = job_runner(load_settings(runner.home, model=str(tmp_path / "no-model")), 0.2)
    job = submit_job(jobs.kb.store, jobs.home, [("a.txt", TEXT.replace("2022", "2023").encode())], created_by=None)
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
    assert _uploads_held(runner) == (1 if _on_postgres(runner) else 0)
    assert runner.remove(doc_id, wait=5)["source"] == "xoa.txt"
    assert store.documents.path_of(doc_id) is None and not set(chunks) & runner.kb.open_vectors().ids()
    assert not (uploads_dir(home) / job["id"]).exists() and _uploads_held(runner) == 0


@pytest.mark.parametrize("runner", ["sqlite"], indirect=True)
def test_a_job_left_running_by_a_dead_process_is_failed_on_start(runner):
    """SQLite: one machine runs the jobs, so a job left running by a process that is gone will never end."""
    store, home = runner.kb.store, runner.home
    job = submit_job(store, home, [("a.txt", TEXT.encode())], created_by=None)
    assert store.jobs.claim(_gone_pid()) is not None
    runner.start()
    finished = finished_job(store, job["id"])
    assert finished["status"] == "failed" and "Interrupted" in finished["error"]
    assert not (uploads_dir(home) / job["id"]).exists(), "the files it never reached are not kept"


@pytest.mark.parametrize("runner", [BACKENDS[1]], indirect=True)
def test_a_job_left_running_by_a_dead_worker_is_taken_over_after_its_lease(runner):
    """PostgreSQL: the job's worker may be on another machine, alive but cut off; its lease tells."""
    store, home = runner.kb.store, runner.home
    job = submit_job(store, home, [("a.txt", TEXT.encode())], created_by=None)
    assert JobQueue(store.db).claim("gone:1:dead", 0.5, 3) is not None
    runner.start()
    finished = finished_job(store, job["id"])
    assert finished["status"] == "done" and finished["claimed_by"] == runner.name and finished["attempts"] == 2
    assert finished["files"][0]["status"] == "indexed"


def test_two_workers_never_claim_the_same_job(runner):
    store = runner.kb.store
    job = submit_job(store, runner.home, [("a.txt", TEXT.encode())], created_by=None)
    other = Store(Path(store.path) if store.path else PgDatabase(runner.kb.settings.store.dsn))
    try:
        if _on_postgres(runner):
            claimed = [JobQueue(db).claim(name, 60, 3) for db, name in ((store.db, "w1"), (other.db, "w2"))]
        else:
            claimed = [store.jobs.claim(1), other.jobs.claim(2)]
    finally:
        other.close()
    assert [c["id"] if c else None for c in claimed] == [job["id"], None]
    taken = store.jobs.get(job["id"])
    assert (taken["claimed_by"] == "w1") if _on_postgres(runner) else (taken["worker"] == 1)


def _gone_pid() -> int:
    """The id of a process that has ended."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True,
                          text=True)
    return int(gone.stdout)
