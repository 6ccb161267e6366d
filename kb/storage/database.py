"""One SQLite file shared by threads: a connection per thread, transactions, and the few helpers every table uses.

``SqliteDatabase`` is the default ``kb.storage.backend.Database`` (exported here too, for the table modules).

The service answers many requests at once while a job thread writes; in WAL
mode readers never wait for the one writer nor see its uncommitted rows, as
long as each thread reads through its own connection.  A connection lives as
long as its thread (the server's worker threads come and go); ``close``
closes those still open.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from indexer.analyzer import fold
from kb.storage.backend import Database
from kb.storage.issuers import issuer_key
from kb.storage.schema import prepare

__all__ = ["Database", "SqliteDatabase", "copy_database", "marks", "now"]


class SqliteDatabase(Database):
    """The SQLite side of an index folder, opened (and migrated if it is of an older version) once."""

    def __init__(self, path: Path) -> None:
        self.path: Path = path
        self._local = threading.local()
        self._open: weakref.WeakSet[sqlite_utils.Database] = weakref.WeakSet()
        prepare(self.connection().conn, path)

    def connection(self) -> sqlite_utils.Database:
        """This thread's connection, opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite_utils.Database(_connect(self.path))
            self._open.add(db)
        return db

    def close(self) -> None:
        for db in list(self._open):
            db.conn.close()
        self._open.clear()
        self._local = threading.local()

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.connection().execute(sql, list(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.connection().conn.executemany(sql, rows)

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row; its new rowid."""
        pk = self.connection().table(table).insert(row).last_pk
        assert isinstance(pk, int)
        return pk

    def insert_all(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.connection().table(table).insert_all(rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all; nested, it joins the open transaction.

        The explicit BEGIN matters: sqlite-utils commits each insert on its own
        unless a transaction is already open, and a crash between those commits
        would leave a document without its passages, which the next run would
        skip as unchanged.
        """
        conn = self.connection().conn
        if conn.in_transaction:
            yield
            return
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            yield

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads inside see one committed state, however many statements they take."""
        conn = self.connection().conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def lock_writes(self) -> None:
        """Nothing to add: ``BEGIN IMMEDIATE`` took SQLite's write lock, and one machine writes."""

    def close_thread(self) -> None:
        """Nothing to do: a file needs no reconnecting, and ``close`` closes every thread's connection."""

    def set_meta(self, key: str, value: str) -> None:
        self.connection().table("meta").upsert({"key": key, "value": value}, pk="key")

    def last_id(self, table: str) -> str:
        """From ``sqlite_sequence``, which an ``AUTOINCREMENT`` table keeps."""
        return f"(SELECT seq FROM sqlite_sequence WHERE name = '{table}')"


def copy_database(source: Path, target: Path) -> None:
    """Copy a database with SQLite's online backup API: one consistent snapshot even while others write.

    A plain file copy could catch half a transaction or leave the write-ahead log behind.
    """
    reader, writer = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode that waits up to 30 s for a lock instead of failing at once."""
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.create_function("kb_fold", 1, lambda v: fold(v) if v else "", deterministic=True)
    conn.create_function("kb_issuer", 1, issuer_key, deterministic=True)
    return conn


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def marks(values: Iterable[Any]) -> str:
    """``?, ?, ?`` for each value (``NULL`` for none, so ``IN (NULL)`` matches nothing)."""
    return ", ".join("?" for _ in values) or "NULL"
