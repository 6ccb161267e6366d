"""The findings of ``kb check`` that only a PostgreSQL store has; ``kb.maintenance.check`` asks the rest of both.

The database is the source of truth and holds the vectors too, so what SQLite's
check reads from files is read here from the server's catalogue and tables:

* ``postgres``: every index of kb's tables valid (``pg_index.indisvalid``: an
  interrupted build leaves one the planner ignores), and the vectors' HNSW graph
  present, without which every search reads every vector;
* ``schema``: the schema's version and its definitions' hash in ``meta`` are this kb's;
* ``vectors``: the table's dimension is the recorded model's, and there is one
  vector per passage and none without its passage (the same comparison as the file's);
* ``jobs``: no running job whose lease ran out long ago with no worker taking
  it: no worker runs, or none reaches the database.
"""

from __future__ import annotations

from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import REBUILD_VECTORS, RECONCILE_VECTORS, REINDEX, Finding, compare_vectors
from kb.retrieval.pg_vectors import GRAPH, PgVectors, graph_state, stored_dimension, vector_ids
from kb.storage.pg_database import PgDatabase
from kb.storage.pg_integrity import PgIntegrity
from kb.storage.pg_jobs import JobQueue
from kb.storage.pg_schema import PG_SCHEMA_VERSION

__all__ = ["STALLED_AFTER", "jobs", "mend_indexes", "schema", "server", "vectors"]

# A live worker polls every 2 s and takes a job whose lease ran out; one expired this long has no taker.
STALLED_AFTER = 60.0


def _parts(kb: KnowledgeBase) -> tuple[PgDatabase, PgIntegrity]:
    db, integrity = kb.store.db, kb.store.integrity
    assert isinstance(db, PgDatabase) and isinstance(integrity, PgIntegrity)
    return db, integrity


def server(kb: KnowledgeBase) -> Finding:
    db, integrity = _parts(kb)
    problems = integrity.problems()
    graph = graph_state(db)
    if graph is None and stored_dimension(db) is not None:
        problems.append(f"the vectors' HNSW index {GRAPH} is missing (every search would read every vector)")
    version = db.execute("SHOW server_version").fetchone()[0]
    if problems:
        return Finding("postgres", False, f"PostgreSQL {version}: " + "; ".join(problems), REINDEX)
    shown = f"{GRAPH} valid ({graph[1]})" if graph else "no vectors yet"
    return Finding("postgres", True, f"PostgreSQL {version}: every index valid, {shown}")


def mend_indexes(kb: KnowledgeBase) -> None:
    """``REINDEX`` the invalid indexes, and build the HNSW graph if it is missing (``PgVectors`` creates it)."""
    db, integrity = _parts(kb)
    integrity.reindex()
    dimension = stored_dimension(db)
    if dimension is not None:
        PgVectors(db, dimension)


def schema(kb: KnowledgeBase) -> Finding:
    problem = _parts(kb)[1].schema()
    if problem:
        return Finding("schema", False, problem)
    return Finding("schema", True, f"version {PG_SCHEMA_VERSION} and this kb's definitions")


def vectors(kb: KnowledgeBase, recorded: dict | None, chunk_ids: set[int]) -> Finding:
    db = _parts(kb)[0]
    dimension = stored_dimension(db)
    if recorded is None:
        if chunk_ids or dimension is not None:
            return Finding("vectors", False, "cannot be verified without the recorded model", REBUILD_VECTORS)
        return Finding("vectors", True, "none yet (no passages)")
    if dimension is None:
        if chunk_ids:
            return Finding("vectors", False, f"no vector table: {len(chunk_ids)} chunks without vectors",
                           RECONCILE_VECTORS)
        return Finding("vectors", True, "none yet (no passages)")
    if dimension != recorded["dimension"]:
        return Finding("vectors", False, f"chunk_vectors holds {dimension}-dimensional vectors, the recorded "
                       f"model makes {recorded['dimension']}", REBUILD_VECTORS)
    ids = vector_ids(db)
    return compare_vectors(kb, set(ids), len(ids), chunk_ids, writer_active=False)


def jobs(kb: KnowledgeBase) -> Finding:
    stalled = JobQueue(kb.store.db).stalled(STALLED_AFTER)
    if not stalled:
        return Finding("jobs", True, "no running job left without a worker")
    shown = ", ".join(f"{job['id']} ({job['claimed_by'] or 'no worker'}'s lease ran out "
                      f"{'before it was set' if job['expired'] is None else '%d s ago' % job['expired']})"
                      for job in stalled[:5])
    return Finding("jobs", False, f"{len(stalled)} running jobs no worker has taken since their lease ran out: "
                   f"{shown}{' …' if len(stalled) > 5 else ''}; start a kb worker (it takes them over)")
