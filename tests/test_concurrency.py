"""One writer, many readers: searches answer while files are indexed, and a second server sees the new documents.

Two real `kb serve` processes share one index folder; files from ``../shared/data/admin-docs``
are uploaded through the first while both are searched.  Nothing here measures speed
(``bench/load_search.py`` does): the tests check that searches are answered, correctly,
*while* the job runs, and what each server can see.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from conftest import ROOT, running_server, wait_for_job, writable_copy

from kb.config import load_settings
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.query import understand
from kb.retrieval.search import legs

ADMIN_DOCS = ROOT.parent / "shared" / "data" / "admin-docs" / "docs"
UPLOAD_FILES = 16
QUERIES = ["Chỉ thị 05 yêu cầu gì", "kế hoạch tuyên truyền đại hội", "quyết định phê duyệt", "hội chợ triển lãm",
           "thong bao ket luan", "công văn về việc"]


@pytest.fixture(scope="module")
def two_servers(corpus_kb, model_path, tmp_path_factory):
    """Two servers on one folder, and an editor key; (first, second, key)."""
    if not ADMIN_DOCS.is_dir():
        pytest.skip(f"{ADMIN_DOCS} is missing: the shared data folder is not beside the project")
    home = tmp_path_factory.mktemp("two-servers")
    key = writable_copy(corpus_kb, home)
    with running_server(home, model_path) as first, running_server(home, model_path) as second:
        yield first, second, key


class _Searcher(threading.Thread):
    """Searches one server over and over until told to stop; keeps every answer with when it was asked."""

    def __init__(self, url: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.stop = url, stop
        self.answers: list[tuple[float, float, int, list[dict]]] = []
        self.empty: list[tuple[str, object]] = []  # the queries answered with no passage, and the reason given

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as client:
            n = 0
            while not self.stop.is_set():
                started = time.monotonic()
                query = QUERIES[n % len(QUERIES)]
                response = client.get("/api/search", params={"q": query, "k": 5})
                body = response.json() if response.status_code == 200 else {}
                results = body.get("results", [])
                if not results:
                    self.empty.append((query, body.get("reason")))
                self.answers.append((started, time.monotonic(), response.status_code, results))
                n += 1


def _follow(url: str, key: str, job_id: str) -> tuple[float, float]:
    """When the job was first seen running and when done (monotonic clock)."""
    running = None
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as client:
        while True:
            status = client.get(f"/api/jobs/{job_id}").json()["status"]
            now = time.monotonic()
            if status == "running" and running is None:
                running = now
            if status in ("done", "failed"):
                assert status == "done"
                return running or now, now
            time.sleep(0.2)


def test_searches_keep_answering_on_both_servers_while_a_large_upload_is_indexed(two_servers):
    first, second, key = two_servers
    paths = sorted(ADMIN_DOCS.glob("*.md"))[:UPLOAD_FILES]
    stop = threading.Event()
    searchers = [_Searcher(url, stop) for url in (first, first, second, second)]
    for searcher in searchers:
        searcher.start()
    response = httpx.post(f"{first}/api/documents", headers={"X-API-Key": key}, timeout=120,
                          files=[("files", (p.name, p.read_bytes())) for p in paths])
    assert response.status_code == 202, response.text
    running, done = _follow(first, key, response.json()["job_id"])
    stop.set()
    for searcher in searchers:
        searcher.join()

    answers = [a for s in searchers for a in s.answers]
    assert {status for _, _, status, _ in answers} == {200}
    during = [a for a in answers if running <= a[0] and a[1] <= done]
    assert len(during) >= len(searchers), f"only {len(during)} searches were answered while the job ran"
    empty = [e for s in searchers for e in s.empty]
    assert all(results for *_, results in during), f"every query has answers in the corpus: {empty}"
    shown: dict[int, set[int]] = {}
    for *_, results in answers:
        for r in results:
            if r["kind"] == "body":  # a document's page lists its passages, not its metadata card
                shown.setdefault(r["document"]["id"], set()).add(r["chunk_id"])
    for doc_id, chunk_ids in shown.items():  # every passage shown belongs to a document that has it
        detail = httpx.get(f"{first}/api/documents/{doc_id}").json()
        assert chunk_ids <= {c["id"] for c in detail["chunks"]}


def test_a_document_uploaded_through_one_server_is_found_through_the_other(two_servers):
    first, second, key = two_servers
    path = sorted(ADMIN_DOCS.glob("*.md"))[UPLOAD_FILES]
    accepted = httpx.post(f"{first}/api/documents", headers={"X-API-Key": key}, timeout=60,
                          files=[("files", (path.name, path.read_bytes()))]).json()
    with httpx.Client(base_url=second, timeout=30) as http:  # the job is in SQLite: either server reports it
        job = wait_for_job(http, key, accepted["job_id"])
    doc_id = job["files"][0]["document_id"]
    assert job["status"] == "done" and doc_id
    number = httpx.get(f"{first}/api/documents/{doc_id}").json()["number"]
    found = httpx.get(f"{second}/api/search", params={"q": number, "k": 5}).json()["results"]
    assert doc_id in {r["document"]["id"] for r in found}
    totals = [httpx.get(f"{url}/api/documents", headers={"X-API-Key": key}).json()["total"] for url in (first, second)]
    assert totals[0] == totals[1]


def test_a_reader_swaps_vectors_whole_and_drops_hits_of_deleted_passages(corpus_kb, tmp_path):
    home = tmp_path / "home"
    writable_copy(corpus_kb, home)
    reader, writer = (KnowledgeBase(load_settings(home, model=corpus_kb.settings.model)) for _ in range(2))
    query = understand("What does Directive 05 require?")  # English: the dense leg counts
    before = reader.open_vectors()
    bulletin = next(d["id"] for d in writer.store.documents.listing() if d["doc_type"] == "Thông tin sinh hoạt nội bộ")
    chunks = set(writer.store.documents.chunk_ids(bulletin))
    assert {i for i, _ in legs(reader, query, None)["dense"]} & chunks

    with writer.store.db.transaction():  # committed in SQLite, the vector file not yet saved
        writer.store.documents.delete(bulletin)
    assert reader.open_vectors() is before and chunks <= before.ids()
    assert not {i for i, _ in legs(reader, query, None)["dense"]} & chunks, "hits of deleted passages are dropped"

    plan = writer.store.documents.listing()[0]["id"]
    writer.remove_document(plan)  # mends and saves the vector file: the reader swaps to the new one
    after = reader.open_vectors()
    assert after is not before and not chunks & after.ids() and len(before) > len(after)
    assert chunks <= before.ids(), "a search still holding the old index sees it unchanged"
    for kb in (reader, writer):
        kb.close()
