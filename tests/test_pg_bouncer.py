"""kb behind pgbouncer in transaction pooling mode: every transaction carries its caller's level.

A real pgbouncer (``tests/pg_bouncer.py``: Debian's, ``pool_mode = transaction``, two server
connections) stands in front of the tests' PostgreSQL.  The corpus is indexed through it three
times, once per level; then clients on many threads read through it at every level at once, with
no level in their ``WHERE`` (row-level security alone decides), and must see exactly what a direct
connection sees at that level: a level left on a shared server connection by another client would
show one client a higher level's documents, or a lower one's only.  Last, the processes as deployed: a real
``kb serve`` (uvicorn) and a real ``kb worker``, each with ``store.pooled`` through pgbouncer, an upload
indexed by the worker and searched through the API with keys of two levels.  Marked ``e2e``: they start
PostgreSQL and pgbouncer, and skip, saying why, without them.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from conftest import CORPUS, HashingEmbedder, fake_settings, running_server, wait_for_job
from pg_bouncer import POOL_SIZE, PgBouncer
from pg_workers import settings_file, text_files
from psycopg.conninfo import conninfo_to_dict

from kb.access.keys import create_key
from kb.access.levels import LEVELS, visible_levels
from kb.config import StoreSettings, load_settings
from kb.errors import ConfigError
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.search import search
from kb.storage.backend import reading_at
from kb.storage.filters import DocumentFilters
from kb.storage.pg_database import PgDatabase
from kb.storage.store import Store, open_store

pytestmark = pytest.mark.e2e

CLIENTS = 3 * POOL_SIZE  # more clients than server connections: their transactions take turns on each
QUERIES = ["tuyên truyền đại hội", "chi thi 05", "Kế hoạch 131", "sinh hoạt nội bộ tháng 12"]


def _kb(home: Path, dsn: str, *, pooled: bool) -> KnowledgeBase:
    return KnowledgeBase(replace(fake_settings(home), store=StoreSettings("postgres", dsn, pooled=pooled)),
                         embedder=HashingEmbedder())


@pytest.fixture(scope="module")
def kbs(pg_server, pg_bouncer: PgBouncer, tmp_path_factory) -> Iterator[dict[str, KnowledgeBase]]:
    """One database, the corpus indexed into it through pgbouncer once per level, highest first; kb on it through
    pgbouncer (``pooled``) and directly.

    A search shows one of identical passages, the first stored: so each caller's results are its own level's
    copies, and a higher level's in them would be a leak.
    """
    dsn = pg_server.new_database()
    root = tmp_path_factory.mktemp("bouncer")
    pooled = _kb(root / "pooled", pg_bouncer.dsn(dsn), pooled=True)
    for level in reversed(LEVELS):
        shutil.copytree(CORPUS, root / level)
        index_paths(pooled, [root / level], access=level)
    kbs = {"pooled": pooled, "direct": _kb(root / "direct", dsn, pooled=False)}
    yield kbs
    for kb in kbs.values():
        kb.close()


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` on ``CLIENTS`` threads at once (each thread its own connection to pgbouncer)."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_indexing_through_pgbouncer_stores_every_level(kbs):
    store = kbs["direct"].store
    listing = store.documents.listing()
    per_level = len(listing) // len(LEVELS)
    assert per_level and sorted(d["access"] for d in listing) == sorted(LEVELS * per_level)
    passages = store.chunks.count()
    assert passages and len(kbs["direct"].open_vectors()) == passages
    assert kbs["pooled"].store.stats.summary() | {"last_run": None} == store.stats.summary() | {"last_run": None}


def test_every_level_reads_through_pgbouncer_what_it_reads_directly(kbs):
    """Each read at a caller's level, with no level in its ``WHERE``, from many clients at once, each read twenty
    times (psycopg would prepare it from the sixth)."""
    def seen(kb: KnowledgeBase, level: str) -> tuple[int, list[str], int]:
        with reading_at(level):
            db = kb.store.db
            return (db.execute("SELECT count(*) FROM documents").fetchone()[0],
                    sorted({row["access"] for row in db.rows("SELECT access FROM documents")}),
                    db.execute("SELECT count(*) FROM chunk_vectors").fetchone()[0])

    direct = {level: seen(kbs["direct"], level) for level in LEVELS}
    assert [direct[level][1] for level in LEVELS] == [sorted(visible_levels(level)) for level in LEVELS]
    assert direct["public"][0] < direct["internal"][0] < direct["restricted"][0]
    levels = [LEVELS[i % len(LEVELS)] for i in range(20 * len(LEVELS))]
    found = _at_once([lambda level=level: (level, seen(kbs["pooled"], level)) for level in levels])
    assert [got for _, got in found] == [direct[level] for level, _ in found]


def test_searches_through_pgbouncer_at_every_level_match_the_direct_connection(kbs):
    """A search asked for every level (no level filter) by a caller held to one: the server's row-level
    security alone keeps the higher levels out, on whichever server connection each transaction lands."""
    def hits(kb: KnowledgeBase, level: str, query: str) -> list[tuple[int, str]]:
        with reading_at(level):
            return [(hit.chunk_id, hit.document.access) for hit in search(kb, query, 10, DocumentFilters()).results]

    cases = [(level, query) for level in LEVELS for query in QUERIES]
    direct = {case: hits(kbs["direct"], *case) for case in cases}
    for (level, _), found in direct.items():
        assert found and {access for _, access in found} == {level}
    pooled = _at_once([lambda case=case: hits(kbs["pooled"], *case) for case in cases * 3])
    assert pooled == [direct[case] for case in cases * 3]


def test_a_client_that_sets_no_level_sees_public_documents_only_through_pgbouncer(kbs, pg_bouncer):
    """A level kb set is never left on a server connection for the next client: a plain client of the pool
    sees the lowest level, while kb's clients read at every level on the same two server connections."""
    dsn = kbs["pooled"].settings.store.dsn

    def plain() -> list[str]:
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
            return sorted({row[0] for row in conn.execute("SELECT access FROM documents")})

    def kb_reads() -> int:
        return sum(kbs["pooled"].store.db.execute("SELECT count(*) FROM documents").fetchone()[0] for _ in range(10))

    found = _at_once([plain if i % 2 else kb_reads for i in range(4 * CLIENTS)])
    assert [got for i, got in enumerate(found) if i % 2] == [["public"]] * (2 * CLIENTS)


def test_a_pooled_store_prepares_no_statement(pg_server, pg_bouncer, tmp_path):
    """``"store": {"pooled": true}``, and the same statement forty times on each of many clients: psycopg would
    prepare it after five, on a server connection the next transaction may not get (pgbouncer 1.18 then answers
    ``prepared statement "_pg3_0" already exists``)."""
    store = {"backend": "postgres", "dsn": pg_bouncer.dsn(pg_server.new_database()), "pooled": True}
    (tmp_path / "settings.json").write_text(json.dumps({"store": store}))
    db = open_store(load_settings(tmp_path).store, tmp_path).db
    try:
        counts = _at_once([lambda: [db.execute("SELECT count(*) FROM meta WHERE key <> ?", ["x"]).fetchone()[0]
                                    for _ in range(40)] for _ in range(CLIENTS)])
        assert {n for run in counts for n in run} == {db.execute("SELECT count(*) FROM meta").fetchone()[0]}
    finally:
        db.close()


def _stray_flushes(trace: list[str]) -> int:
    """Flushes in libpq's trace (``Trace.SUPPRESS_TIMESTAMPS``) sent after a transaction had ended: after a Sync
    or a query whose ReadyForQuery said idle (the n-th ReadyForQuery answers the n-th Sync or query)."""
    messages = [line.split("\t") for line in trace]
    answers = [fields[3].strip() for fields in messages if fields[0] == "B" and fields[2] == "ReadyForQuery"]
    asked = stray = 0
    for fields in messages:
        if fields[0] == "F" and fields[2] in ("Sync", "Query"):
            asked += 1
        elif fields[0] == "F" and fields[2] == "Flush" and asked and answers[asked - 1] == "I":
            stray += 1
    return stray


def test_a_pooled_statement_outside_a_transaction_leaves_no_server_linked_to_its_client(pg_server, pg_bouncer):
    """No Flush after a transaction ends, so that no server connection stays with an idle client.

    psycopg ends a pipeline with a Flush after its Sync when the answers are not all in yet; reaching pgbouncer
    after the Sync's ReadyForQuery, it links a server to the client until the client's next statement, idle
    on the server's side, busy on pgbouncer's.  A search thread that then waited for a lock held by a thread
    waiting for a server kept one of the two; two such and the bouncer tests stalled until
    ``query_wait_timeout`` (``PgDatabase._leveled_connection``).  Read in libpq's trace of what is sent, this
    does not depend on when the answers come back.
    """
    db = PgDatabase(pg_bouncer.dsn(pg_server.new_database()), pooled=True)
    try:
        conn = db.connection()
        with tempfile.TemporaryFile("w+") as trace:
            conn.pgconn.trace(trace.fileno())
            conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            for n in range(20):
                db.execute("SELECT count(*) FROM meta WHERE key <> ?", ["x"]).fetchone()
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"k{n}a", "1"), (f"k{n}b", "2")])
            conn.pgconn.untrace()
            trace.seek(0)
            lines = trace.read().splitlines()
        assert lines.count("B\t5\tReadyForQuery\t I") >= 40  # each statement in a transaction of its own
        assert _stray_flushes(lines) == 0
        pool = next(row for row in pg_bouncer.show("POOLS") if row["database"] == conninfo_to_dict(db.dsn)["dbname"])
        assert pool["sv_active"] == 0, pool
    finally:
        db.close()


@contextlib.contextmanager
def _kb_worker(home: Path, model_path: Path) -> Iterator[None]:
    """A real ``kb worker`` process on ``home``, stopped with SIGTERM on exit (as its operator would)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "kb", "worker", "--home", str(home), "--model",
                                    str(model_path), "--poll", "0.2"], stdout=subprocess.DEVNULL, stderr=log)
        try:
            yield
        finally:
            process.terminate()
            process.wait(timeout=90)
            log.seek(0)
            logged = log.read().decode(errors="replace")
            assert "Traceback" not in logged, f"kb worker logged an error:\n{logged[-4000:]}"


def test_kb_serve_and_kb_worker_processes_through_pgbouncer(pg_server, pg_bouncer, model_path, tmp_path):
    """The processes as deployed, both ``pooled`` through pgbouncer: ``kb serve`` queues an upload at each of two
    levels, ``kb worker`` indexes them, and a search through the API shows a public key the public document alone,
    a restricted key both, whichever of pgbouncer's two server connections each transaction lands on."""
    dsn = pg_server.new_database()
    api, worker = tmp_path / "api", tmp_path / "worker"
    for home in (api, worker):
        settings_file(home, pg_bouncer.dsn(dsn), pooled=True)
    store = Store(PgDatabase(dsn))
    keys = {level: create_key(store, f"{role}-{level}", role, level)[1]
            for role, level in (("reader", "public"), ("editor", "restricted"))}
    store.close()
    uploads = dict(zip(("public", "restricted"), text_files(2, tag="PGB")))
    with running_server(api, model_path) as url, _kb_worker(worker, model_path), \
            httpx.Client(base_url=url, timeout=60) as http:
        editor = {"X-API-Key": keys["restricted"]}
        queued = {level: http.post("/api/documents", headers=editor, data={"access": level}, files=[("files", file)])
                  for level, file in uploads.items()}
        assert all(response.status_code == 202 for response in queued.values()), [r.text for r in queued.values()]
        done = {level: wait_for_job(http, keys["restricted"], response.json()["job_id"])
                for level, response in queued.items()}
        assert {level: job["status"] for level, job in done.items()} == {"public": "done", "restricted": "done"}, done
        ids = {level: job["files"][0]["document_id"] for level, job in done.items()}

        def seen(level: str) -> dict[int, str]:
            response = http.get("/api/search", headers={"X-API-Key": keys[level]},
                                params={"q": "công tác chuyển đổi số huyện ủy", "k": 20})
            assert response.status_code == 200, response.text
            return {hit["document"]["id"]: hit["document"]["access"] for hit in response.json()["results"]}

        for _ in range(3):  # more reads than server connections: each level's on either of them
            assert seen("public") == {ids["public"]: "public"}
            assert seen("restricted") == {ids["public"]: "public", ids["restricted"]: "restricted"}


@pytest.mark.parametrize("store, message", [({"pooled": True}, "is for store.backend 'postgres'"),
                                            ({"backend": "postgres", "dsn": "dbname=kb", "pooled": "yes"},
                                             "true or false")])
def test_pooled_is_checked(tmp_path, store, message):
    (tmp_path / "settings.json").write_text(json.dumps({"store": store}))
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)
