"""The read replicas' settings (``store.replicas``, ``store.read_timeout``), the connections' keepalives,
and the order a process tries its servers in (``ReadNodes``).

No server: the connections are psycopg's refusals of ports nothing listens on.
``tests/test_pg_replicas.py`` runs the same on a real primary and replicas.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from kb.config import READ_TIMEOUT_S, StoreSettings, load_settings
from kb.errors import ConfigError
from kb.storage.pg_database import KEEPALIVES, with_keepalives
from kb.storage.pg_nodes import CONNECT_TIMEOUT_S, ReadNodes

PRIMARY, R1, R2 = "host=db1 dbname=kb", "host=db2 dbname=kb", "host=db3 dbname=kb connect_timeout=7"


def test_replicas_are_a_list_of_dsns_for_the_postgres_store(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps(
        {"store": {"backend": "postgres", "dsn": PRIMARY, "replicas": [R1, R2]}}))
    assert load_settings(tmp_path).store.replicas == (R1, R2)
    assert StoreSettings("postgres", PRIMARY).replicas == ()
    assert StoreSettings("postgres", PRIMARY).read_timeout == READ_TIMEOUT_S
    assert StoreSettings("postgres", PRIMARY, read_timeout=1.5).read_timeout == 1.5


def test_every_connection_gets_keepalives_unless_its_dsn_sets_them() -> None:
    parts = conninfo_to_dict(with_keepalives(PRIMARY))
    assert {name: parts[name] for name in KEEPALIVES} == {name: str(value) for name, value in KEEPALIVES.items()}
    assert conninfo_to_dict(with_keepalives(f"{PRIMARY} keepalives_idle=60"))["keepalives_idle"] == "60"
    assert conninfo_to_dict(with_keepalives("postgresql://kb@db1/kb?keepalives=0"))["keepalives"] == "0"


@pytest.mark.parametrize("store, message", [
    ({"replicas": [R1]}, "store.replicas is for store.backend 'postgres'"),
    ({"backend": "postgres", "dsn": PRIMARY, "replicas": R1}, "must be a list of DSNs"),
    ({"backend": "postgres", "dsn": PRIMARY, "replicas": [R1, " "]}, "must be a list of DSNs"),
    ({"backend": "postgres", "dsn": PRIMARY, "read_timeout": 0}, "store.read_timeout must be a number of seconds"),
    ({"backend": "postgres", "dsn": PRIMARY, "read_timeout": "5"}, "store.read_timeout must be a number of seconds"),
    ({"backend": "postgres", "dsn": PRIMARY, "read_timeout": True}, "store.read_timeout must be a number of seconds"),
])
def test_replicas_are_checked(tmp_path: Path, store: dict, message: str) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"store": store}))
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_replicas_come_first_in_a_rotated_order_and_the_primary_last() -> None:
    orders = {tuple(node.dsn for node in ReadNodes(PRIMARY, [R1, R2]).nodes) for _ in range(60)}
    assert {order[-1] for order in orders} == {PRIMARY}
    firsts = {conninfo_to_dict(order[0])["host"]: conninfo_to_dict(order[0]) for order in orders}
    assert set(firsts) == {"db2", "db3"}  # each process starts at a replica of its own, by chance
    assert firsts["db2"]["connect_timeout"] == str(CONNECT_TIMEOUT_S)  # a lost machine is skipped after it
    assert firsts["db3"]["connect_timeout"] == "7"  # a DSN's own timeout is kept


def test_a_failed_replica_is_skipped_for_the_backoff_and_the_primary_never() -> None:
    clock = _Clock()
    nodes = ReadNodes(PRIMARY, [R1, R2], backoff=2.0, clock=clock)
    first, second, primary = nodes.nodes
    nodes.failed(first, "refused")
    assert nodes.alive() == [second, primary] and nodes.best(second)
    nodes.failed(second, "refused")
    nodes.failed(primary, "refused")
    assert nodes.alive() == [primary]
    clock.now += 2.0
    assert nodes.alive() == [first, second, primary] and not nodes.best(second)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_open_passes_a_refusing_replica_by_and_says_the_primarys_error() -> None:
    dead, also_dead = (f"host=127.0.0.1 port={_closed_port()} dbname=kb" for _ in range(2))
    nodes = ReadNodes(also_dead, [dead])
    tried: list[str] = []

    def connect(dsn: str) -> psycopg.Connection:
        tried.append(dsn)
        return psycopg.connect(dsn)

    with pytest.raises(psycopg.OperationalError):
        nodes.open(connect)
    assert tried == [nodes.nodes[0].dsn, also_dead]
    assert nodes.alive() == [nodes.nodes[1]]  # the replica set aside, the primary still tried next time
    nodes.saw(5)
    nodes.saw(3)
    assert nodes.seen == 5
