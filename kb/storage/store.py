"""The source of truth of an index: one database (SQLite, or PostgreSQL by settings), one object per table.

All SQL lives in this package.  Every table object shares the one
``Database`` (a connection per thread, transactions; ``kb.storage.backend``); ``kb.knowledge_base``
is the only writer of documents and chunks, so that their rows, the vector
file and the lexicon move together.
"""

from __future__ import annotations

from pathlib import Path

from kb.config import StoreSettings
from kb.errors import ConfigError
from kb.storage.backend import Database
from kb.storage.chunks import Chunks
from kb.storage.database import SqliteDatabase
from kb.storage.documents import Documents
from kb.storage.facets import Facets
from kb.storage.integrity import Integrity
from kb.storage.jobs import Jobs
from kb.storage.keys import Keys
from kb.storage.stats import Stats
from kb.storage.status import Statuses

__all__ = ["Store", "open_store"]


class Store:
    """The database of an index folder and its tables: ``store.documents.get(1)``, ``store.jobs.claim(pid)``."""

    def __init__(self, database: Path | Database) -> None:
        """``database``: an SQLite file's path, or an open database (``kb.storage.pg_database.PgDatabase``)."""
        self.db = database if isinstance(database, Database) else SqliteDatabase(database)
        self.documents = Documents(self.db)
        self.sources = self.documents.sources
        self.chunks = Chunks(self.db)
        self.status = Statuses(self.db, self.documents)
        self.stats = Stats(self.db)
        self.facets = Facets(self.db)
        self.jobs = Jobs(self.db)
        self.keys = Keys(self.db)
        self.integrity = Integrity(self.db) if self.db.path is not None else _server_integrity(self.db)

    @property
    def path(self) -> Path | None:
        """The SQLite file; None for a database server."""
        return self.db.path

    def close(self) -> None:
        self.db.close()


def _server_integrity(db: Database) -> Integrity:
    from kb.storage.pg_integrity import PgIntegrity  # psycopg is needed only for this backend

    return PgIntegrity(db)


def open_store(settings: StoreSettings, home: Path) -> Store:
    """The store the settings name: ``kb.sqlite`` in ``home``, or the PostgreSQL database of ``settings.dsn``."""
    if settings.backend != "postgres":
        return Store(home / "kb.sqlite")
    try:
        from kb.storage.pg_database import PgDatabase  # psycopg is needed only for this backend
    except ImportError as exc:
        raise ConfigError(f"store.backend 'postgres' needs the PostgreSQL driver: pip install 'kb[postgres]' ({exc})") from exc
    assert settings.dsn is not None  # StoreSettings checked it
    if settings.replicas:
        from kb.storage.pg_replicas import ReplicatedDatabase

        return Store(ReplicatedDatabase(settings.dsn, settings.replicas, pooled=settings.pooled,
                                        read_timeout=settings.read_timeout))
    return Store(PgDatabase(settings.dsn, pooled=settings.pooled))
