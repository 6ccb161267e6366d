"""``kb.storage.pg_schema.prepare``: the schema's definitions run only when the hash of them kept in ``meta``
differs, so a process opening the database beside running searches takes no exclusive lock (issue 18).

e2e: a PostgreSQL database of its own.  Each DDL statement is counted by an event trigger, which a superuser
creates (kb's role is an ordinary one).
"""

from __future__ import annotations

import threading

import psycopg
import pytest

from kb.storage.pg_database import PgDatabase

pytestmark = pytest.mark.e2e

_COUNT_DDL = """
CREATE TABLE ddl_log (tag text NOT NULL);
GRANT INSERT, SELECT, DELETE ON ddl_log TO kb;
CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ddl_log VALUES (tg_tag); END $$;
CREATE EVENT TRIGGER log_ddl ON ddl_command_start EXECUTE FUNCTION log_ddl();
"""


@pytest.fixture
def counted(pg_server) -> str:
    """A new database whose DDL statements are logged in ``ddl_log``; its DSN."""
    dsn = pg_server.new_database()
    pg_server.psql(dsn.rsplit("dbname=", 1)[1], _COUNT_DDL)
    return dsn


def _ddl(dsn: str) -> int:
    """How many DDL statements ran since the last call (the log is emptied)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return len(conn.execute("DELETE FROM ddl_log RETURNING tag").fetchall())


def _open(dsn: str) -> None:
    PgDatabase(dsn).close()


def test_the_definitions_run_once_then_only_when_they_change(counted: str) -> None:
    _open(counted)
    assert _ddl(counted) > 20  # every table, index, function, trigger and policy
    _open(counted)
    assert _ddl(counted) == 0
    with psycopg.connect(counted, autocommit=True) as conn:  # a database prepared by a kb of other definitions
        conn.execute("UPDATE meta SET value = 'an older kb' WHERE key = 'pg_schema_definitions'")
    _open(counted)
    assert _ddl(counted) > 20
    with psycopg.connect(counted, autocommit=True) as conn:
        held = conn.execute("SELECT value FROM meta WHERE key = 'pg_schema_definitions'").fetchone()[0]
    assert held != "an older kb" and len(held) == 64  # the present definitions' hash, kept again
    _open(counted)
    assert _ddl(counted) == 0


def test_opening_beside_a_running_search_takes_no_exclusive_lock(counted: str) -> None:
    """A search's open transaction holds its tables' share lock; re-creating a policy would wait for it (and, with
    the search waiting on the opener in turn, deadlock).  The second open neither waits nor asks for the lock."""
    _open(counted)
    assert _ddl(counted) > 20
    with psycopg.connect(counted) as search:  # a transaction left open, as a search in progress holds one
        search.execute("SELECT count(*) FROM documents JOIN chunks ON chunks.document_id = documents.id")
        opener = threading.Thread(target=_open, args=(counted,))
        opener.start()
        opener.join(60)
        waiting = search.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]
        search.rollback()  # lets a blocked opener through, so a failure does not hang the session
    opener.join(60)
    assert waiting == 0, "the second open waited for a lock the search holds"
    assert _ddl(counted) == 0
