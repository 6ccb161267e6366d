"""``kb migrate --to postgres DSN``: copy an SQLite index folder into a PostgreSQL database, vectors included.

Every row keeps its id (documents, passages, keys, status history, the
``rowid`` of the tables whose queries read it), so the vectors, the lexicon's
chunk ids and every link between rows mean the same on both sides.  The
vectors are read back from the FAISS file by chunk id, not embedded again: a
migration takes minutes, not the hours of an embedding run.

Rows go over in batches, one transaction each, in key order, table after
table in the order of their foreign keys.  So an interrupted migration is
resumed where it stopped: each table continues after the highest key the
database holds.  A database that holds rows of anything else (kb indexed
into it, or another folder's migration) is refused: the target is recognised
by ``meta.migrated_from``, the source database's id, written in the first
batch.

The HNSW index is dropped while the vectors arrive and built once at the end
(building it row by row is several times slower), with ``maintenance_work_mem`` sized from the number of
vectors (``build_memory``); the sequences then continue
after the highest id SQLite ever gave, so no id is reused.  The SQLite side
is read under the folder's write lock, so nothing changes it meanwhile.
Verification is ``kb.migration.verify``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from kb.errors import ConfigError, IndexInconsistentError
from kb.knowledge_base import MODEL_KEY, KnowledgeBase
from kb.retrieval.pg_vectors import PgVectorPolicy, PgVectors
from kb.retrieval.vectors import VectorIndex
from kb.storage.pg_database import PgDatabase

__all__ = ["MIGRATED_FROM", "TABLES", "Migration", "build_memory", "migrate"]

MIGRATED_FROM = "migrated_from"  # meta key: the SQLite database id this PostgreSQL database was copied from
_NOT_COPIED_META = ("database_id", MIGRATED_FROM)  # each database keeps its own id (the lexicon's file names it)


@dataclass(frozen=True)
class Table:
    """One table to copy: its name, the key its batches follow in both databases, how many rows a batch holds."""

    name: str
    key: str  # PostgreSQL's column holding SQLite's rowid (an alias of the id where the table has one)
    batch: int = 5_000
    sequence: str | None = None  # the column whose sequence continues after SQLite's highest id


# In the order of their foreign keys.  Texts in smaller batches: a document's text can be megabytes.
TABLES = (
    Table("documents", "id", 2_000, "id"),
    Table("document_texts", "document_id", 200),
    Table("document_sources", "rowid", 5_000, "rowid"),
    Table("chunks", "id", 5_000, "id"),
    Table("chunk_refs", "rowid", 10_000, "rowid"),
    Table("api_keys", "id", 1_000, "id"),
    Table("jobs", "rowid", 1_000, "rowid"),
    Table("document_status", "id", 5_000, "id"),
)
VECTOR_BATCH = 5_000


@dataclass
class Migration:
    """What a migration did: rows copied by table (this run; earlier runs' rows are not counted), seconds."""

    source: str
    copied: dict[str, int] = field(default_factory=dict)
    resumed: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]  # (what, done, total)


def migrate(kb: KnowledgeBase, dsn: str, on_progress: Progress = lambda *_: None) -> Migration:
    """Copy ``kb``'s SQLite index and vectors into the PostgreSQL database ``dsn`` (created tables, or resumed)."""
    import time

    if kb.store.path is None:
        raise ConfigError("kb migrate copies an SQLite index folder; this folder's store is already PostgreSQL.")
    recorded = kb.read_recorded_model()
    if recorded is None:
        raise IndexInconsistentError(f"No model record (config.json) in {kb.settings.home}: nothing was indexed there.")
    with kb.writing(), closing(sqlite3.connect(f"file:{kb.store.path}?mode=ro", uri=True)) as lite:
        source_id = lite.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()[0]
        target = PgDatabase(dsn)
        try:
            report = Migration(source=str(kb.settings.home), resumed=_claim(target, source_id))
            for table in TABLES:
                started = time.perf_counter()
                report.copied[table.name] = _copy_table(lite, target, table, on_progress)
                report.seconds[table.name] = time.perf_counter() - started
            _copy_meta(lite, target)
            # the model that built the vectors, where a server's processes read it (config.json stays behind)
            target.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [MODEL_KEY, json.dumps(recorded)])
            started = time.perf_counter()
            report.copied["chunk_vectors"] = _copy_vectors(kb, lite, target, recorded["dimension"], on_progress)
            report.seconds["chunk_vectors"] = time.perf_counter() - started
            started = time.perf_counter()
            on_progress("Building the HNSW index", 0, 1)
            _build_vector_index(target, recorded["dimension"])
            on_progress("Building the HNSW index", 1, 1)
            report.seconds["hnsw index"] = time.perf_counter() - started
            _continue_sequences(lite, target)
            target.execute("ANALYZE")
        finally:
            target.close()
    return report


def _claim(target: PgDatabase, source_id: str) -> bool:
    """Mark the database as this source's copy; ``True`` if an earlier run had (resume).  Refuse any other."""
    with target.transaction():
        target.execute("LOCK TABLE meta IN EXCLUSIVE MODE")  # two migrations into one database: one waits
        claimed = target.get_meta(MIGRATED_FROM)
        if claimed is not None and claimed != source_id:
            raise IndexInconsistentError(
                f"The PostgreSQL database holds a copy of another index (database {claimed}), not of this one "
                f"({source_id}). Migrate into a new, empty database.")
        if claimed is None:
            held = {t.name: target.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in TABLES}
            if any(held.values()):
                rows = ", ".join(f"{name} {count:,}" for name, count in held.items() if count)
                raise IndexInconsistentError(
                    f"The PostgreSQL database is not empty ({rows}) and was not migrated from this index. "
                    f"Migrate into a new, empty database (createdb -O <role> <name>; CREATE EXTENSION vector).")
            target.set_meta(MIGRATED_FROM, source_id)
        return claimed is not None


def _batches(lite: sqlite3.Connection, table: str, after: int, size: int) -> Iterator[list[dict[str, Any]]]:
    """The rows after SQLite rowid ``after``, in rowid order, as dicts with their rowid under ``_rowid``."""
    lite.row_factory = sqlite3.Row
    while True:
        rows = lite.execute(f"SELECT rowid AS _rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                            [after, size]).fetchall()
        if not rows:
            return
        yield [dict(row) for row in rows]
        after = rows[-1]["_rowid"]


def _copy_table(lite: sqlite3.Connection, target: PgDatabase, table: Table, on_progress: Progress) -> int:
    """Copy the rows PostgreSQL lacks, one transaction a batch; how many were copied."""
    done = int(target.execute(f"SELECT coalesce(max({table.key}), 0) FROM {table.name}").fetchone()[0])
    total = lite.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
    already = lite.execute(f"SELECT count(*) FROM {table.name} WHERE rowid <= ?", [done]).fetchone()[0]
    copied = 0
    on_progress(f"Copying {table.name}", already, total)
    for rows in _batches(lite, table.name, done, table.batch):
        for row in rows:
            rowid = row.pop("_rowid")
            row[table.key] = rowid  # the same value where the key is the id; the explicit rowid otherwise
        with target.transaction():
            target.insert_all(table.name, rows)
        copied += len(rows)
        on_progress(f"Copying {table.name}", already + copied, total)
    return copied


def _copy_meta(lite: sqlite3.Connection, target: PgDatabase) -> None:
    rows = lite.execute("SELECT key, value FROM meta").fetchall()
    with target.transaction():
        for key, value in rows:
            if key not in _NOT_COPIED_META:
                target.set_meta(key, value)


def _copy_vectors(kb: KnowledgeBase, lite: sqlite3.Connection, target: PgDatabase, dimension: int,
                  on_progress: Progress) -> int:
    """Each chunk's vector, read from the FAISS file by chunk id; refuses a file that lacks one."""
    vectors = PgVectors(target, dimension)
    done = int(target.execute("SELECT coalesce(max(chunk_id), 0) FROM chunk_vectors").fetchone()[0])
    if done == 0:
        target.execute("DROP INDEX IF EXISTS chunk_vectors_hnsw")  # built once, after the load
    index = VectorIndex(kb.vectors_path, dimension)
    ids = [row[0] for row in lite.execute("SELECT id FROM chunks WHERE id > ? ORDER BY id", [done])]
    missing = set(ids) - index.ids()
    if missing:
        raise IndexInconsistentError(
            f"{len(missing):,} passages have no vector in {kb.vectors_path} (e.g. chunk {min(missing)}). "
            f"Run `kb check --repair --home {kb.settings.home}` first, then migrate again.")
    already = lite.execute("SELECT count(*) FROM chunks WHERE id <= ?", [done]).fetchone()[0]
    total = already + len(ids)
    for start in range(0, len(ids), VECTOR_BATCH):
        batch = ids[start : start + VECTOR_BATCH]
        with target.transaction():
            vectors.add(batch, index.get(batch))
        on_progress("Copying vectors", already + start + len(batch), total)
    return len(ids)


def build_memory(vectors: int, dimension: int, machine: int, policy: PgVectorPolicy | None = None) -> int:
    """``maintenance_work_mem`` in bytes for building the graph of ``vectors`` at once: the graph as pgvector holds
    it while building (``PgVectorPolicy.graph_bytes``) and a fifth more, at least PostgreSQL's default 64 MiB, at
    most a quarter of ``machine`` (bytes of memory), so that the build never takes the database machine's memory
    from its cache and connections.  Past it pgvector goes on building on disk, much slower, but does not fail."""
    needed = (policy or PgVectorPolicy()).graph_bytes(vectors, dimension) * 6 // 5
    return min(max(needed, 64 * 2**20), machine // 4)


def machine_memory() -> int:
    """This machine's memory in bytes: ``kb migrate`` is meant to run where the database does (docs/postgres.md)."""
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _build_vector_index(target: PgDatabase, dimension: int) -> None:
    """The HNSW index over every vector at once, with room to build it in memory (``build_memory``)."""
    count = int(target.execute("SELECT count(*) FROM chunk_vectors").fetchone()[0])
    memory = build_memory(count, dimension, machine_memory())
    target.execute(f"SET maintenance_work_mem = '{memory // 1024}kB'")
    try:
        PgVectors(target, dimension)  # creates the index if missing, with the policy's shape
    finally:
        target.execute("RESET maintenance_work_mem")


def _continue_sequences(lite: sqlite3.Connection, target: PgDatabase) -> None:
    """Each sequence continues after the highest id SQLite ever gave (``sqlite_sequence``: deleted rows count)."""
    given = dict(lite.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    for table in TABLES:
        if table.sequence is None:
            continue
        highest = max(given.get(table.name, 0),
                      int(target.execute(f"SELECT coalesce(max({table.sequence}), 0) FROM {table.name}").fetchone()[0]))
        sequence = f"pg_get_serial_sequence('{table.name}', '{table.sequence}')"
        if highest:
            target.execute(f"SELECT setval({sequence}, ?)", [highest])

