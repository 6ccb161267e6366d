"""A PostgreSQL database as the store (settings ``"store": {"backend": "postgres", "dsn": …}``).

The same ``Database`` as SQLite's (``kb.storage.backend``): a connection per
thread, the table modules' SQL rewritten once per statement
(``kb.storage.pg_dialect``), transactions that nest by joining.  Connections
run in autocommit: a statement outside ``transaction()`` is its own
transaction, as it is in SQLite.

Access levels: every transaction carries the level it reads at, set first
thing inside it (``set_config('kb.level', …, true)``, i.e. ``SET LOCAL``):
this store's level (the writer and the command line see every level), or the
caller's in a context that reads for one (``kb.storage.backend.set_read_level``,
``reading_at``; ``at_level`` for one transaction), so what a caller may not see
is filtered by the server's row-level security (``kb.storage.pg_schema``)
whatever the query says.  A statement outside ``transaction()`` is sent in one
pipeline right behind its level: one implicit transaction, one round trip
(``_leveled_connection``; behind a transaction pool, inside BEGIN and COMMIT).
Nothing is kept in the session (no startup option, no session setting), so a
transaction pool (pgbouncer's ``pool_mode = transaction``) may hand each
transaction to another server connection; a session that never sets a level
sees the lowest only.
``pooled`` (``"store": {"pooled": true}``) also turns psycopg's prepared
statements off, which such a pool cannot keep across its server connections.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.pq import TransactionStatus

from indexer.analyzer import fold
from kb.access.levels import LEVELS, check_level
from kb.errors import DatabaseUnavailableError
from kb.storage.backend import Cursor, Database, read_level, reading_at
from kb.storage.issuers import issuer_key
from kb.storage.pg_dialect import translate
from kb.storage.pg_schema import prepare

# The write lock (``lock_writes``): one key for the whole database, whichever machine writes.
WRITE_LOCK = "hashtext('kb.write')"

__all__ = ["KEEPALIVES", "PgDatabase", "server_facts", "with_keepalives"]

# libpq's TCP keepalives on every connection kb opens: probed after 10 s of silence, every 5 s, given up after
# 3 unanswered, so a lost machine is found in about 25 s (a replica read is cut sooner: ``pg_deadline``).
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}

# The level for the rest of the transaction only (``SET LOCAL``): nothing of it stays on the session.
_SET_LEVEL = "SELECT set_config('kb.level', %s, true)"

# What ``insert`` returns, by table: its key (``rowid`` for the rest, as SQLite's ``last_pk``).
_RETURNING = {"documents": "id", "chunks": "id", "api_keys": "id", "document_status": "id",
              "document_texts": "document_id", "meta": "key"}
# The names the SQL functions kb_fold and kb_issuer are asked about (``kb.storage.filters``, ``facets``).
_FOLDED = {"documents": ("title", "doc_type", "number", "issuer", "issuer_parent"), "chunks": ("issuer",)}


class _Number(Loader):
    """``numeric`` as SQLite gives it: an int when whole (a sum of counts), else a float (a score), never Decimal."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return float(text) if "." in text or "e" in text.lower() else int(text)


# The server going down as the statement ran: it says so before it closes the socket, so the connection may
# not look broken yet ("terminating connection due to unexpected postmaster exit", then, in a pipeline,
# "cannot exit pipeline mode while busy").
_SHUTDOWN = (psycopg.errors.AdminShutdown, psycopg.errors.CrashShutdown, psycopg.errors.CannotConnectNow)


def _lost(conn: psycopg.Connection[Any] | None, exc: BaseException) -> bool:
    """Whether ``exc`` means the connection is gone, not that the statement was wrong."""
    if conn is None or conn.closed or conn.broken:
        return True
    return any(isinstance(error, _SHUTDOWN) for error in (exc, exc.__cause__, exc.__context__))


class PgDatabase(Database):
    """One PostgreSQL database (``dsn``), seen at ``level`` unless a transaction narrows it.

    ``pooled``: the DSN names a transaction pool (pgbouncer), so no statement is prepared on the server.
    """

    def __init__(self, dsn: str, *, level: str = LEVELS[-1], pooled: bool = False, schema: bool = True) -> None:
        """``schema``: create or check kb's tables (``pg_schema.prepare``); a replica's side (``pg_replicas``) does not."""
        self.path = None
        self.dsn, self.level, self.pooled = dsn, check_level(level), pooled
        self._local = threading.local()
        self._open: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()
        if schema:
            with self._reachable():  # a server that cannot be reached is said so, as for any later statement
                prepare(self.connection())

    def connection(self) -> psycopg.Connection[Any]:
        """This thread's connection, opened on first use (and again after the server dropped it)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._connect()
            conn.adapters.register_loader("numeric", _Number)
            self._local.conn, self._local.transaction_level = conn, None
            self._open.add(conn)
        return conn

    def _connect(self) -> psycopg.Connection[Any]:
        """A new connection to the server (``pg_replicas`` connects its read side to a replica instead)."""
        return self.connect(self.dsn)

    def connect(self, dsn: str) -> psycopg.Connection[Any]:
        """A new connection to ``dsn``, as kb opens each: autocommit, nothing set for the session.

        psycopg prepares a statement after 5 runs (its default); behind a pool (``pooled``) the next
        transaction may be on another server connection, where it is unknown.
        """
        return psycopg.connect(with_keepalives(dsn), autocommit=True, prepare_threshold=None if self.pooled else 5)

    def close_thread(self) -> None:
        """Close this thread's connection (a thread that ends, or one that will reconnect)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._open.discard(conn)
            self._local.conn = None
            conn.close()

    def _leveled(self, conn: psycopg.Connection[Any]) -> None:
        """Hold the open transaction on ``conn`` to this context's level (``read_level``, else the store's).

        Set again only when it changed since the transaction's last statement (``at_level`` inside it, and back).
        """
        wanted = read_level() or self.level
        if self._local.transaction_level != wanted:
            conn.execute(_SET_LEVEL, [wanted])
            self._local.transaction_level = wanted

    def _begin(self, conn: psycopg.Connection[Any], *first: str) -> None:
        """The transaction just opened on ``conn``: ``first`` statements (which must lead it), then its level."""
        for statement in first:
            conn.execute(statement)
        self._local.transaction_level = None  # what an earlier transaction was set to is gone with it
        self._leveled(conn)

    @contextmanager
    def _begun(self, *first: str) -> Iterator[psycopg.Connection[Any]]:
        """This thread's connection in a new transaction, ``first`` statements leading it, at its level."""
        conn = self.connection()
        with conn.transaction():
            self._begin(conn, *first)
            yield conn

    @contextmanager
    def _leveled_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's connection for statements at this context's level.

        Inside an open transaction, as it is (its level set again if it changed).  Outside one, in a
        pipeline behind the level: ``set_config`` and the statements go out together and run as one
        transaction, the extended protocol's implicit one up to the pipeline's single Sync, so the level
        costs no round trip of its own and ends with them.

        Behind a transaction pool (``pooled``) that pipeline runs inside a transaction of its own (BEGIN and COMMIT:
        two more round trips, about 0.2 ms, docs/postgres.md).  psycopg ends a pipeline with a Flush after its Sync
        whenever the answers are not all in yet, and a Flush that reaches pgbouncer after the Sync's ReadyForQuery
        is a new request to it: it links a server connection to this client, and the server, having nothing to
        answer, never says it is done, so the link holds until the client's next statement.  PostgreSQL shows that
        server idle, pgbouncer shows it busy.  A thread that then waits, on a lock (a ``SyncedFile``'s) held by a
        thread that waits for a server, keeps one of the pool's few connections from every client; two such threads
        and nothing runs until pgbouncer's ``query_wait_timeout``.  Inside a transaction the Flush goes to the server
        the transaction holds anyway, and COMMIT, which nothing follows, ends it.
        """
        conn = self.connection()
        if conn.info.transaction_status != TransactionStatus.IDLE:
            self._leveled(conn)
            yield conn
            return
        with conn.transaction() if self.pooled else nullcontext(), conn.pipeline():
            conn.execute(_SET_LEVEL, [read_level() or self.level])
            yield conn

    def close(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._open.clear()
        self._local = threading.local()

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A lost connection (the server stopped, failed over, or cannot be reached) as ``DatabaseUnavailableError``.

        Other errors of the server (a constraint, a bad statement) stay what they are.
        """
        try:
            yield
        except psycopg.OperationalError as exc:
            if _lost(getattr(self._local, "conn", None), exc):
                raise DatabaseUnavailableError(
                    f"The database server cannot be reached ({str(exc).strip()}); what was committed before is "
                    "kept. Try again when it is back.") from exc
            raise

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Cursor:
        try:
            with self._reachable():
                with self._leveled_connection() as conn:
                    return conn.execute(translate(sql), list(params))
        except psycopg.IntegrityError as exc:
            # The callers (``kb.access.keys``) tell a taken name by SQLite's error: one error whatever the engine.
            raise sqlite3.IntegrityError(str(exc)) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._reachable(), self._leveled_connection() as conn, conn.cursor() as cursor:
            cursor.executemany(translate(sql), [list(row) for row in rows])

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """As SQLite gives them: ``SELECT *`` leaves out ``rowid``, a column only here (``kb.storage.pg_schema``)."""
        found = super().rows(sql, params)
        for row in found:
            row.pop("rowid", None)
        return found

    def insert(self, table: str, row: dict[str, Any]) -> int:
        self._remember_folds(table, [row])
        columns = ", ".join(row)
        cursor = self.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' for _ in row)}) "
                              f"RETURNING {_RETURNING.get(table, 'rowid')}", list(row.values()))
        return int(cursor.fetchone()[0])

    def insert_all(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self._remember_folds(table, rows)
        columns = list(rows[0])
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                         ([row.get(c) for c in columns] for row in rows))

    def _remember_folds(self, table: str, rows: list[dict[str, Any]]) -> None:
        """The folded forms of the names these rows bring, for ``kb_fold`` and ``kb_issuer`` (``pg_schema``)."""
        names = {row[c] for row in rows for c in _FOLDED.get(table, ()) if row.get(c)}
        if names:
            with self._reachable(), self._leveled_connection() as conn, conn.cursor() as cursor:
                cursor.executemany("INSERT INTO kb_folded (raw, folded, issuer) VALUES (%s, %s, %s) "
                                   "ON CONFLICT DO NOTHING", [(n, fold(n), issuer_key(n)) for n in sorted(names)])

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                     "EXCLUDED.value", [key, value])

    def last_id(self, table: str) -> str:
        """The highest id committed, of a passage present or deleted (only ``chunks`` logs its deletions).

        Not the sequence's last value: a sequence gives ids before commit, so a
        lexicon reading up to it would step over the passages of a transaction
        still open.  The ids committed are a prefix of those given, because
        writers of passages take them under a lock held to commit (``pg_schema``).
        """
        if table != "chunks":
            raise ValueError(f"only chunks log their deletions, not {table}")
        return "greatest((SELECT max(id) FROM chunks), (SELECT max(chunk_id) FROM chunk_deletions))"

    def _in_transaction(self) -> bool:
        with self._reachable():
            return self.connection().info.transaction_status != TransactionStatus.IDLE

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction():
            yield
            return
        with self._reachable(), self._begun():
            yield

    def lock_writes(self) -> None:
        """Wait for the database's write lock, held until this transaction ends (``pg_advisory_xact_lock``).

        Every writer on every machine takes it first, so writes follow one another as they do on one
        machine (a replacement, a status, a deletion never interleave), while workers embed side by side.
        """
        self.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One snapshot (``REPEATABLE READ``) for every statement inside."""
        if self._in_transaction():
            yield
            return
        with self._begun("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"):
            yield

    @contextmanager
    def at_level(self, level: str) -> Iterator[None]:
        """One transaction whose statements see documents of ``level`` and below only, enforced by the server.

        Joins an open transaction, and gives it back the level it had when done.
        """
        with reading_at(level), self.transaction():
            yield


def with_keepalives(dsn: str) -> str:
    """``dsn`` with TCP keepalives (``KEEPALIVES``) for each of them it does not set itself.

    Without, a connection waiting on a machine lost after it answered (a partition, a crash of the host)
    waits for the system's default, two hours of silence.  A live server's kernel answers the probes
    even while a statement runs for an hour, so long writes (a migration, an HNSW build) are never cut.
    """
    parts = conninfo_to_dict(dsn)
    return make_conninfo(dsn, **{name: value for name, value in KEEPALIVES.items() if name not in parts})


def server_facts(dsn: str) -> tuple[int, bool]:
    """The server's major version, and whether the database already holds kb's tables; without creating them.

    For what must look before ``PgDatabase`` prepares the schema (a restore needs an empty database).
    """
    try:
        with psycopg.connect(with_keepalives(dsn), autocommit=True) as conn:
            version, holds = conn.execute("SELECT current_setting('server_version_num')::int / 10000, "
                                          "to_regclass('meta') IS NOT NULL").fetchone() or (0, False)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(f"The database server cannot be reached ({str(exc).strip()}).") from exc
    return int(version), bool(holds)
