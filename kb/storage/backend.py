"""What every table module asks of a database, whichever engine holds it: SQLite (one machine) or PostgreSQL.

The table modules (``kb.storage.documents``, ``chunks``, …) hold one set of
SQL, written in SQLite's dialect; ``kb.storage.database.SqliteDatabase`` runs
it as it is, ``kb.storage.pg_database.PgDatabase`` rewrites it for PostgreSQL
(``kb.storage.pg_dialect``).  So a query is written once, and a change to it
is tested on both engines by the same tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from kb.access.levels import check_level

__all__ = ["Cursor", "Database", "allow_replica_reads", "read_level", "reading_at", "reading_replicas",
           "replica_reads_allowed", "set_read_level"]

# The level the reads of this context run at, when a caller's: a request's thread, or a block of kb's own.
_read_level: ContextVar[str | None] = ContextVar("kb_read_level", default=None)


def read_level() -> str | None:
    """The level this context's reads are held to, ``None`` for the store's own (every level)."""
    return _read_level.get()


def set_read_level(level: str) -> None:
    """Hold every read of this context to ``level``, for the rest of it.

    For a context that ends with its caller: the service's request (an
    asyncio task; ``service.auth``), whose endpoint runs in a thread that
    copies the task's context.  A server engine applies it to every statement
    (row-level security, ``kb.storage.pg_database``), so a query that forgets
    the caller's level in its ``WHERE`` still sees only what the caller may;
    SQLite has no such thing, and its queries' ``WHERE`` clauses remain the
    only guard there.
    """
    _read_level.set(check_level(level))


@contextmanager
def reading_at(level: str) -> Iterator[None]:
    """``set_read_level`` for a block: the reads inside are held to ``level``, and the level before comes back."""
    token = _read_level.set(check_level(level))
    try:
        yield
    finally:
        _read_level.reset(token)


# Whether this context's statements outside a transaction may be answered by a read replica (``pg_replicas``).
_replica_reads: ContextVar[bool] = ContextVar("kb_replica_reads", default=False)


def replica_reads_allowed() -> bool:
    """Whether this context only reads, so that a replica may answer it (a search, a listing)."""
    return _replica_reads.get()


def allow_replica_reads() -> None:
    """Let a replica answer this context's reads, for the rest of it (the service's read requests, ``service.auth``).

    Only a context that writes nothing outside a transaction should: a replica
    refuses writes.  A statement that is not a query, a transaction, and a
    snapshot inside one still go to the primary whatever this says.
    """
    _replica_reads.set(True)


@contextmanager
def reading_replicas() -> Iterator[None]:
    """``allow_replica_reads`` for a block (a search)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class Cursor(Protocol):
    """The part of a DB-API cursor the table modules use: ``sqlite3.Cursor`` and ``psycopg.Cursor`` both are one."""

    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(ABC):
    """One database shared by threads: statements, rows as dicts, inserts, transactions and the ``meta`` table."""

    path: Path | None  # the SQLite file; None for a server

    @abstractmethod
    def execute(self, sql: str, params: Iterable[Any] = ()) -> Cursor:
        """Run one statement (SQLite's dialect, ``?`` placeholders) on this thread's connection."""

    @abstractmethod
    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row; its new id."""

    @abstractmethod
    def insert_all(self, table: str, rows: list[dict[str, Any]]) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all; nested, it joins the open transaction."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[None]:
        """Reads inside see one committed state, however many statements they take."""

    @contextmanager
    def on_primary(self) -> Iterator[None]:
        """Every read inside from the primary, not a replica: for a reader that found a replica behind what it holds.

        A database without replicas (SQLite, a PostgreSQL store without ``replicas``) reads from its one server anyway.
        """
        yield

    @abstractmethod
    def lock_writes(self) -> None:
        """Inside a write transaction: wait until no other writer's transaction is open, on any machine."""

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    @abstractmethod
    def last_id(self, table: str) -> str:
        """A SQL expression: the highest id ``table`` ever gave (NULL before the first), deleted rows included."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def close_thread(self) -> None:
        """Close this thread's connection to a server (a thread that ends, or one that will reconnect)."""

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """The rows of a query as dicts keyed by column name."""
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def get_meta(self, key: str) -> str | None:
        row = self.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None
