"""A pgbouncer in transaction pooling mode in front of the tests' PostgreSQL (``tests/pg_store.py``).

Not a test module: ``tests/test_pg_bouncer.py`` uses the ``pg_bouncer`` fixture, and ``bench/pg_load.py
--pgbouncer`` starts one with ``running_pgbouncer`` (a larger pool, its admin console read after the run).  Debian's
``pgbouncer`` package (``.ci/install-pgbouncer``) is started on a free loopback port with a config
file of its own, as ``nobody`` when this process is root (pgbouncer refuses to run as root, as
PostgreSQL does: ``tests/pg_cluster.py``).  Its pool is tiny (``default_pool_size = 2``) so that
the transactions of many clients share two server connections, which is what kb has to survive:
a session setting or a prepared statement left on one server connection is met by another client,
or missed by the same client's next transaction.  Without pgbouncer the tests skip, saying why.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from pg_cluster import SERVER_USER, START_TIMEOUT_S, free_port, run_as

if TYPE_CHECKING:
    from pg_store import PgServer

__all__ = ["POOL_SIZE", "PgBouncer", "pg_bouncer", "pgbouncer_program"]

POOL_SIZE = 2  # server connections per database and user: fewer than the clients of a test


def pgbouncer_program() -> str | None:
    """Debian's pgbouncer (``/usr/sbin``, which may be off a non-root ``PATH``), or None when not installed."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")


class PgBouncer:
    """A running pgbouncer forwarding every database of one PostgreSQL server (``port``)."""

    def __init__(self, folder: Path, server_port: int, pool_size: int) -> None:
        self.folder, self.port, self.pool_size = folder, free_port(), pool_size
        (folder / "userlist.txt").write_text('"kb" ""\n"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={server_port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder / 'userlist.txt'}\nadmin_users = postgres\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
            f"logfile = {folder / 'pgbouncer.log'}\n")

    def dsn(self, direct: str) -> str:
        """``direct`` (a DSN of the server, ``host=… port=… user=… dbname=…``) through this pgbouncer."""
        return " ".join(f"port={self.port}" if part.startswith("port=") else part for part in direct.split())

    def show(self, what: str) -> list[dict[str, object]]:
        """``SHOW <what>`` (``POOLS``, ``STATS``…) on pgbouncer's admin console, as rows by column name.

        The console speaks the simple query protocol only: a client-side-binding cursor, no prepared statement.
        """
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=pgbouncer", autocommit=True,
                             prepare_threshold=None, cursor_factory=psycopg.ClientCursor) as conn:
            cursor = conn.execute(f"SHOW {what}")
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def log(self) -> str:
        return (self.folder / "pgbouncer.log").read_text(errors="replace")


@contextlib.contextmanager
def running_pgbouncer(program: str, server_port: int, pool_size: int = POOL_SIZE) -> Iterator[PgBouncer]:
    """Start pgbouncer in a temp folder (in the foreground, as ``SERVER_USER`` when root), ``pool_size`` server
    connections per database and user; stop it and remove it after."""
    folder = Path(tempfile.mkdtemp(prefix="kb-pgbouncer-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    bouncer = PgBouncer(folder, server_port, pool_size)
    process = subprocess.Popen([program, str(folder / "pgbouncer.ini")], cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, **run_as())
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", bouncer.port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start (exit {process.poll()}): {bouncer.log()[-2000:]}")
            time.sleep(0.05)
        yield bouncer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_bouncer(request: pytest.FixtureRequest, pg_server: PgServer) -> Iterator[PgBouncer]:
    """pgbouncer (``pool_mode = transaction``, ``POOL_SIZE`` server connections) in front of ``pg_server``."""
    from conftest import skip_out_loud

    program = pgbouncer_program()
    if program is None:
        skip_out_loud(request, "pgbouncer tests: pgbouncer is not installed (.ci/install-pgbouncer, "
                               "or apt-get install pgbouncer)")
        return
    with running_pgbouncer(program, pg_server.cluster.primary.port) as bouncer:
        yield bouncer
