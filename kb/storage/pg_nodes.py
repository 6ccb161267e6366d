"""Which server a process reads from: its streaming replicas in an order of its own, then the primary.

Each process starts its list at a random replica, so that API nodes spread
over the replicas, and keeps to the first one that answers: every thread of
the process then reads one server, whose state only moves forward (what the
lexicon took in from it, the dense leg sees too).  A server that refuses a
connection or drops one is skipped for ``backoff`` seconds, then tried again;
the primary, last in every list, is never skipped.

``seen`` is the highest WAL position (an LSN, as a number of bytes) whose
effects this process has read or written: a replica is only read once it has
replayed that far, which gives the process's reads its own writes and never
an earlier state than one it read before (``kb.storage.pg_replicas``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

__all__ = ["BACKOFF_S", "CONNECT_TIMEOUT_S", "POSITION", "Node", "ReadNodes"]

log = logging.getLogger("kb")

BACKOFF_S = 2.0  # a server that failed is not tried again before this
CONNECT_TIMEOUT_S = 2  # libpq's connect_timeout for a replica whose DSN sets none: a lost machine is skipped after it
# The WAL position a server's reads reflect: replayed on a replica; flushed on the primary, which a commit
# reaches before it is seen (``synchronous_commit``, on by default) and which is as far as replicas can get.
POSITION = ("SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
            "ELSE pg_current_wal_flush_lsn() END) - '0/0'::pg_lsn")


@dataclass(eq=False)
class Node:
    """One server reads may go to."""

    dsn: str
    primary: bool
    down_until: float = 0.0  # skipped until then (``time.monotonic``)
    failures: int = 0  # in a row, since it last took a connection

    @property
    def label(self) -> str:
        """Its host and port, for the log (never the password a DSN may hold)."""
        parts = conninfo_to_dict(self.dsn)
        return f"{'primary' if self.primary else 'replica'} {parts.get('host', '')}:{parts.get('port', '')}"


def _bounded(dsn: str) -> str:
    """``dsn`` with a connect timeout, unless it sets one: without, libpq waits on a lost machine for minutes."""
    parts = conninfo_to_dict(dsn)
    return dsn if "connect_timeout" in parts else make_conninfo(dsn, connect_timeout=CONNECT_TIMEOUT_S)


class ReadNodes:
    """The servers of one primary, in this process's order of preference, with those lately failed set aside."""

    def __init__(self, primary: str, replicas: Sequence[str], *, backoff: float = BACKOFF_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        start = random.randrange(len(replicas)) if replicas else 0
        ordered = list(replicas[start:]) + list(replicas[:start])
        self.nodes = [Node(_bounded(dsn), False) for dsn in ordered] + [Node(primary, True)]
        self.backoff, self._clock = backoff, clock
        self._lock = threading.Lock()
        self._seen = 0

    @property
    def seen(self) -> int:
        return self._seen

    def saw(self, position: int) -> None:
        """This process has now read or written everything up to WAL ``position``."""
        with self._lock:
            self._seen = max(self._seen, position)

    def alive(self) -> list[Node]:
        """The servers to try now, best first: replicas not set aside, then the primary."""
        now = self._clock()
        return [node for node in self.nodes if node.primary or node.down_until <= now]

    def best(self, node: Node) -> bool:
        """Whether ``node`` is the first server to try now (else a better one is back: reconnect to it)."""
        return self.alive()[0] is node

    def failed(self, node: Node, why: object) -> None:
        """Set ``node`` aside for ``backoff`` seconds (the primary is never set aside: it is the last resort)."""
        if node.primary:
            return
        node.failures += 1
        # Said once when it goes; while it stays down, each try after the back-off is only a debug line.
        log.log(logging.WARNING if node.failures == 1 else logging.DEBUG, "reads skip %s for %.1f s: %s",
                node.label, self.backoff, str(why).strip())
        node.down_until = self._clock() + self.backoff

    def open(self, connect: Callable[[str], psycopg.Connection[Any]]) -> tuple[psycopg.Connection[Any], Node]:
        """A connection to the first server that takes one, and which it is; the primary's error if none does."""
        for node in self.alive():
            try:
                conn = connect(node.dsn)
            except psycopg.OperationalError as exc:  # the primary's is the caller's to see
                if node.primary:
                    raise
                self.failed(node, exc)
                continue
            if node.failures:
                log.warning("reads use %s again", node.label)
                node.failures = 0
            return conn, node
        raise AssertionError("the primary is always tried")  # pragma: no cover
