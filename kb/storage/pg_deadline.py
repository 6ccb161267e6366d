"""A client-side bound on how long a read on a replica may wait for its server (``store.read_timeout``).

A replica lost after the connection was made (a stopped server, a machine
gone, a network partition) leaves the statement waiting for an answer that
never comes.  Nothing on the server side bounds that: ``statement_timeout``
is the server's own clock, and a stopped server does not run it; a cancel
request goes to the postmaster, stopped too; TCP keepalives and
``tcp_user_timeout`` are answered by the machine's kernel while its
PostgreSQL is stopped, and take tens of seconds on a lost machine.

So the client ends the wait itself: when a read outlives its deadline, one
thread of the process shuts the connection's socket down (``shutdown(2)``,
which wakes the thread waiting on it); libpq then sees the connection closed,
and the read is retried on the next server as after any lost connection
(``kb.storage.pg_replicas``).  The connection is the reader's own, lost with
the server, so nothing else is disturbed.  Only replica reads are bounded:
writes and the primary's reads may legitimately run for long (a migration,
an HNSW build, a model switch), and have no other server to go to.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

__all__ = ["bounded"]

_lock = threading.Condition()
_armed: dict[int, tuple[float, int]] = {}  # token: (deadline on time.monotonic, the socket's file descriptor)
_fired: set[int] = set()
_tokens = itertools.count()
_thread: threading.Thread | None = None
_wake = 0.0  # when the watcher wakes next: a new deadline before it must wake it (the rest, later, need not)


def _watch() -> None:
    """Shut down the socket of every read past its deadline; sleep until the next deadline."""
    global _wake
    with _lock:
        while True:
            now = time.monotonic()
            for token, (deadline, fd) in list(_armed.items()):
                if deadline <= now:
                    del _armed[token]
                    _fired.add(token)
                    _shut(fd)
            _wake = min((deadline for deadline, _ in _armed.values()), default=now + 60)
            _lock.wait(_wake - now)


def _shut(fd: int) -> None:
    """End both directions of the TCP connection on ``fd`` (a duplicate is closed after; the original stays libpq's)."""
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the server or libpq: nothing to wake
        pass


@contextmanager
def bounded(conn: psycopg.Connection[Any], seconds: float) -> Iterator[None]:
    """Statements on ``conn`` inside take at most ``seconds`` together, else the connection is cut.

    A cut read raises ``psycopg.OperationalError`` saying so, with ``conn`` closed: a lost connection.
    """
    global _thread
    token = next(_tokens)
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_watch, name="kb-read-deadline", daemon=True)
            _thread.start()
        deadline = time.monotonic() + seconds
        _armed[token] = (deadline, conn.fileno())
        if deadline < _wake:
            _lock.notify()
    try:
        yield
    except psycopg.OperationalError as exc:
        with _lock:
            cut = token in _fired
        if cut:
            raise psycopg.OperationalError(f"no answer within {seconds:g} s (store.read_timeout)") from exc
        raise
    finally:
        with _lock:  # after this, the watcher never touches this fd (the connection may close and its number be reused)
            _armed.pop(token, None)
            _fired.discard(token)
