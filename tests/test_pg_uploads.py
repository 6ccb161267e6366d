"""Uploaded files on PostgreSQL across machines: an API node serves a document's file that a worker on another
machine indexed, and a deleted document's uploads leave the database, then the worker's folder (issue 18).

e2e: two index folders on one database, as two machines would have, the service in this process and a
``QueueWorker`` run until no job waits.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import HashingEmbedder, app_client, fake_settings, wait_for_job
from fastapi.testclient import TestClient
from pg_workers import api_and_worker, settings_file, text_files

from kb.access.keys import create_key
from kb.jobs.worker import QueueWorker
from kb.storage.pg_database import PgDatabase
from kb.storage.store import Store

pytestmark = pytest.mark.e2e


def _indexed(http: TestClient, key: str, worker: Path, response) -> dict:  # noqa: ANN001 - an httpx.Response
    """Run the worker folder's worker until the queue is empty; the accepted upload's job as it ended."""
    assert response.status_code == 202, response.text
    QueueWorker(fake_settings(worker), embedder=HashingEmbedder(), until_idle=True).run()
    return wait_for_job(http, key, response.json()["job_id"], timeout=30)


def _held(store: Store) -> list[tuple[str, str]]:
    """The uploads the database keeps: (job, name)."""
    return [tuple(row) for row in store.db.execute("SELECT job_id, name FROM job_files ORDER BY job_id, name")]


def test_an_uploads_file_is_served_by_a_node_that_did_not_index_it_and_deleted_with_it(pg_server, tmp_path):
    store, api, worker, key = api_and_worker(pg_server.new_database(), tmp_path)
    editor = {"X-API-Key": key}
    (name, data), (other_name, other_data) = text_files(2)
    with app_client(api) as http:
        first = _indexed(http, key, worker, http.post("/api/documents", headers=editor,
                                                      files=[("files", (name, data)), ("files", (other_name, other_data))]))
        doc_id, other_id = (entry["document_id"] for entry in first["files"])
        served = http.get(f"/api/documents/{doc_id}/file", headers=editor)
        assert served.status_code == 200 and served.content == data, served.text
        assert served.headers["content-type"] == "text/plain; charset=utf-8"
        assert name in served.headers["content-disposition"] and served.headers["x-content-type-options"] == "nosniff"
        assert not (api / "uploads").exists(), "read from the database, not written to the API node's folder"

        copy = _indexed(http, key, worker, http.post("/api/documents", headers=editor,
                                                     files=[("files", ("ban-sao.txt", data))]))
        assert copy["files"][0]["status"] == "copy" and copy["files"][0]["document_id"] == doc_id
        newer = data + "Sửa đổi: báo cáo kết quả thực hiện hằng quý.\n".encode()
        replaced = _indexed(http, key, worker, http.put(f"/api/documents/{doc_id}", headers=editor,
                                                        files={"file": ("ban-moi.txt", newer)}))
        assert replaced["status"] == "done" and replaced["files"][0]["document_id"] == doc_id, replaced
        assert http.get(f"/api/documents/{doc_id}/file", headers=editor).content == newer
        # The first file is still an earlier version of the document, the second a copy of it: their bytes stay.
        assert len(_held(store)) == 4

        assert http.delete(f"/api/documents/{doc_id}", headers=editor).status_code == 200
        assert _held(store) == [(first["id"], other_name)], "the deleted document's uploads went, the other's stayed"
        assert http.get(f"/api/documents/{other_id}/file", headers=editor).content == other_data
    assert {path.name for path in (worker / "uploads").glob("*/*")} == {"ban-moi.txt", "ban-sao.txt", other_name}
    QueueWorker(fake_settings(worker), embedder=HashingEmbedder(), until_idle=True).run()  # idle: it sweeps
    assert [path.relative_to(worker / "uploads").parts for path in (worker / "uploads").glob("*/*")] == \
        [(first["id"], other_name)], "the worker's folder lost what the API node's delete could not reach"
    store.close()


def test_a_file_gone_from_the_workers_folder_is_read_from_the_database(pg_server, tmp_path: Path) -> None:
    """The worker's own node too: its folder lost the file (a new disk, a cleaned folder), the database has it."""
    dsn = pg_server.new_database()
    settings_file(tmp_path, dsn)
    store = Store(PgDatabase(dsn))
    _, key = create_key(store, "editor", "editor")
    (name, data), = text_files(1)
    with app_client(tmp_path) as http:
        job = _indexed(http, key, tmp_path, http.post("/api/documents", headers={"X-API-Key": key},
                                                      files=[("files", (name, data))]))
        (tmp_path / "uploads" / job["id"] / name).unlink()
        served = http.get(f"/api/documents/{job['files'][0]['document_id']}/file", headers={"X-API-Key": key})
    assert served.status_code == 200 and served.content == data
    store.close()
