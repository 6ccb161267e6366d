"""A PostgreSQL store whose reads go to streaming replicas (``"store": {…, "replicas": [DSN, …]}``).

What goes where, per thread:

- a read snapshot (``reading()``: the lexicon's and accent model's catch-up,
  documents' statuses; ``at_level`` outside a transaction: the dense leg) runs
  on the process's read server (``kb.storage.pg_nodes``), a replica unless
  none answers;
- a query (``SELECT``/``WITH``) outside any transaction, in a context that
  only reads (``kb.storage.backend.replica_reads_allowed``: a search, the
  service's ``GET`` requests), runs there too;
- everything else stays on the primary: writes, transactions, ``lock_writes``,
  the job queue's claims and leases, any statement inside a write transaction,
  the command line's and workers' own reads, and reads ``on_primary``.

Freshness: a replica is read only once it has replayed what this process has
read or written (``ReadNodes.seen``; each write transaction and each snapshot
moves it), waiting up to ``fresh_wait`` for it, else that replica is set aside
like a dead one.  So a process reads its own writes (an upload's job, then its
listing), and never an earlier state than one it read: the lexicon, caught up
in one snapshot, is never ahead of the dense leg's later snapshot.

Failures: a server that refuses a connection is skipped (``ReadNodes.open``);
a statement whose connection is lost, whose replica does not answer within
``read_timeout`` (the connection is then cut: ``kb.storage.pg_deadline``), or
that the replica cancelled for a conflict with its recovery, is run once more
on the next server, inside a new snapshot when one was open.  Since that server has replayed at
least as far as the lost snapshot read (``seen``), the statements after the
loss see the same committed state or a later one, never an earlier one; and a
query's rows are all fetched when ``execute`` returns (client-side cursors), so
nothing half-read is retried.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus

from kb.access.levels import LEVELS
from kb.config import READ_TIMEOUT_S
from kb.errors import DatabaseUnavailableError
from kb.storage.backend import Cursor, reading_at, replica_reads_allowed
from kb.storage.pg_database import PgDatabase
from kb.storage.pg_deadline import bounded
from kb.storage.pg_dialect import translate
from kb.storage.pg_nodes import BACKOFF_S, POSITION, Node, ReadNodes

__all__ = ["FRESH_WAIT_S", "ReplicatedDatabase"]

FRESH_WAIT_S = 1.0  # how long a read waits for a replica to replay what the process has seen before passing it by
_POLL_S = 0.005
_QUERY = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
T = TypeVar("T")
# What makes a read run once more on the next server: its connection lost (``PgDatabase._reachable``), or the
# statement cancelled by the replica's recovery, which had to apply WAL that removes rows or locks the statement
# needed (SQLSTATE 40001, "canceling statement due to conflict with recovery"; 40P01 when it waited on a buffer pin).
_RETRIED = (DatabaseUnavailableError, psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)


def _position(conn: psycopg.Connection[Any]) -> int:
    return int(conn.execute(POSITION).fetchone()[0])  # type: ignore[index]  # one row, always


class _ReadSide(PgDatabase):
    """Each thread's connection to the server it reads from, at the caller's level as the primary's connections are."""

    def __init__(self, nodes: ReadNodes, dsn: str, level: str, pooled: bool) -> None:
        super().__init__(dsn, level=level, pooled=pooled, schema=False)
        self.nodes = nodes

    def _connect(self) -> psycopg.Connection[Any]:
        conn, node = self.nodes.open(self.connect)
        self._local.node, self._local.known = node, 0  # known: the WAL position it had replayed when last asked
        return conn

    def node(self) -> Node | None:
        """The server this thread's connection goes to, ``None`` before it has one."""
        conn = getattr(self._local, "conn", None)
        return self._local.node if conn is not None and not conn.closed else None

    def close_thread(self) -> None:
        super().close_thread()
        self._local.node = None


class ReplicatedDatabase(PgDatabase):
    """The primary ``dsn`` for writes, its ``replicas`` (then itself) for reads; see the module's docstring."""

    def __init__(self, dsn: str, replicas: Sequence[str], *, level: str = LEVELS[-1], pooled: bool = False,
                 fresh_wait: float = FRESH_WAIT_S, backoff: float = BACKOFF_S,
                 read_timeout: float = READ_TIMEOUT_S) -> None:
        super().__init__(dsn, level=level, pooled=pooled)
        self.nodes = ReadNodes(dsn, replicas, backoff=backoff)
        self.reader = _ReadSide(self.nodes, dsn, level, pooled)
        self.fresh_wait, self.read_timeout = fresh_wait, read_timeout
        self._state = threading.local()  # snapshot: inside a routed reading(); begun: its BEGIN sent; pinned: on_primary

    # -- where a statement goes ---------------------------------------------------------------
    def _writing(self) -> bool:
        """Whether this thread has a transaction open on the primary (everything inside it stays there)."""
        conn = getattr(self._local, "conn", None)
        return conn is not None and not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE

    def _in_snapshot(self) -> bool:
        return bool(getattr(self._state, "snapshot", False))

    def _pinned(self) -> bool:
        return bool(getattr(self._state, "pinned", 0))

    def _routed(self, sql: str) -> bool:
        if self._writing():
            return False
        return self._in_snapshot() or (replica_reads_allowed() and not self._pinned() and bool(_QUERY.match(sql)))

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Cursor:
        if not self._routed(sql):
            cursor = super().execute(sql, params)
            if not _QUERY.match(sql) and not self._writing():
                self._wrote()  # a write of its own (autocommit): reads after it must see it
            return cursor
        values = list(params)
        return self._read(lambda conn: conn.execute(translate(sql), values))

    def insert_all(self, table: str, rows: list[dict[str, Any]]) -> None:
        with self.transaction():  # so that it counts as a write of this process (``_wrote``), as one transaction
            super().insert_all(table, rows)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.transaction():  # a write of this process, as ``insert_all``
            super().executemany(sql, rows)

    # -- reads on the read server -------------------------------------------------------------
    def _read(self, run: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``run`` on this thread's read connection; once more on the next server if that one failed it.

        Failed: its connection lost (or cut after ``read_timeout``), or the statement cancelled by a conflict
        with the replica's recovery (``_RETRIED``).  That server is set aside either way, and the snapshot, if
        one was open, begins again on the next.
        """
        try:
            return self._attempt(run)
        except _RETRIED as exc:
            node = getattr(self.reader._local, "node", None)  # the server that failed the read
            if node is not None:
                self.nodes.failed(node, exc.__cause__ or exc)
            self.reader.close_thread()
            self._state.begun = False
            return self._attempt(run)

    def _attempt(self, run: Callable[[psycopg.Connection[Any]], T]) -> T:
        with self.reader._reachable():
            if not (self._in_snapshot() and getattr(self._state, "begun", False)):
                self._fresh()
            with self._bounded(self.reader.connection()):
                if self._in_snapshot() and not getattr(self._state, "begun", False):
                    conn = self.reader.connection()
                    self.reader._begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    self._state.begun = True
                    # The snapshot is taken by this first query: whatever is read after it, on any server, is this far on.
                    self.nodes.saw(_position(conn))
                with self.reader._leveled_connection() as conn:
                    return run(conn)

    def _bounded(self, conn: psycopg.Connection[Any]) -> contextlib.AbstractContextManager[None]:
        """At most ``read_timeout`` for what is sent on ``conn`` inside, if it goes to a replica (``pg_deadline``).

        The primary, last resort and the writes' server, is never cut.
        """
        return contextlib.nullcontext() if self.reader._local.node.primary else bounded(conn, self.read_timeout)

    def _fresh(self) -> None:
        """Put this thread's read connection on the best server that has replayed what this process has seen.

        A better server back from its back-off is reconnected to; a replica
        still behind after ``fresh_wait`` is set aside as a dead one is.  The
        primary always serves: nothing was written before its own position.
        """
        while True:
            node = self.reader.node()
            if node is not None and not self.nodes.best(node):
                self.reader.close_thread()
            conn = self.reader.connection()
            node = self.reader._local.node
            if node.primary:
                return
            with self._bounded(conn):
                if self._caught_up(conn):
                    return
            self.nodes.failed(node, f"not at WAL position {self.nodes.seen} after {self.fresh_wait} s")
            self.reader.close_thread()

    def _caught_up(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether the server has replayed up to ``seen``, asking it again (every ``_POLL_S``) for up to ``fresh_wait``."""
        deadline = time.monotonic() + self.fresh_wait
        while self.reader._local.known < self.nodes.seen:
            self.reader._local.known = _position(conn)
            if self.reader._local.known >= self.nodes.seen:
                break
            if time.monotonic() > deadline:
                return False
            time.sleep(_POLL_S)
        return True

    def _wrote(self) -> None:
        """This thread has committed a write: the process's reads from now on must see it.

        A primary lost right after the commit cannot say how far it got; the write is committed all the
        same, so that is not the caller's error (its next statement meets the loss), and reads go on unbound.
        """
        with contextlib.suppress(psycopg.OperationalError):
            self.nodes.saw(_position(self.connection()))

    # -- the Database interface ---------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        outermost = not self._writing()
        with super().transaction():
            yield
        if outermost:
            self._wrote()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One snapshot, on the read server; inside a write transaction or another snapshot, that one."""
        if self._writing() or self._in_snapshot():
            yield
            return
        if self._pinned():
            with super().reading():
                with self._reachable():
                    self.nodes.saw(_position(self.connection()))
                yield
            return
        self._state.snapshot, self._state.begun = True, False  # begun by its first statement (``_attempt``)
        try:
            yield
        finally:
            self._state.snapshot = False
            if self._state.begun:
                self._state.begun = False
                conn = getattr(self.reader._local, "conn", None)
                if conn is not None and not conn.closed:
                    # Read only: nothing to keep or lose. Bounded too: a replica that hangs after the snapshot's
                    # last statement would hold the caller here until it wakes.
                    with contextlib.suppress(psycopg.OperationalError), self._bounded(conn):
                        conn.execute("ROLLBACK")

    @contextmanager
    def at_level(self, level: str) -> Iterator[None]:
        """At ``level``: a snapshot on the read server, or the open write transaction (joined) on the primary."""
        if self._writing():
            with super().at_level(level):
                yield
            return
        with reading_at(level), self.reading():
            yield

    @contextmanager
    def on_primary(self) -> Iterator[None]:
        self._state.pinned = getattr(self._state, "pinned", 0) + 1
        try:
            yield
        finally:
            self._state.pinned -= 1

    def close_thread(self) -> None:
        super().close_thread()
        self.reader.close_thread()

    def close(self) -> None:
        super().close()
        self.reader.close()
