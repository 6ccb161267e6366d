"""Switching a PostgreSQL store's model: every passage embedded again beside the vectors that serve, then one swap.

What ``KnowledgeBase.switch_model`` does with a vector file, done in the
database, where several processes read and write meanwhile:

1. the new vectors go into a table of their own, ``chunk_vectors_next``, shaped
   as ``chunk_vectors`` (its HNSW graph, its level, its policy, deleted with its
   passage), in batches, each its own transaction, while searches use the old
   table and workers go on indexing;
2. ``meta.model_next`` records which model fills it.  An interrupted switch
   (a kill, a lost server) is resumed by running it again with the same model:
   only the passages without a new vector are embedded; another model starts
   the table anew;
3. the swap is one transaction under the database's write lock: the passages
   written since are embedded, the levels changed since copied, the old table
   dropped, the new one renamed into its place, and ``meta.model`` made the new
   model's record.  A reader sees the old model's vectors or the new one's,
   never a mix; a writer still holding the old model is refused at its next
   document (``KnowledgeBase``), as a search process must be restarted with the
   new model.
"""

from __future__ import annotations

from collections.abc import Callable

from kb.embedding.embedder import Embedder
from kb.retrieval.pg_vectors import TABLE, PgVectors
from kb.storage.chunks import Chunks
from kb.storage.pg_database import PgDatabase

__all__ = ["NEXT", "NEXT_KEY", "switch_vectors"]

NEXT = f"{TABLE}_next"
NEXT_KEY = "model_next"  # meta: the record of the model a switch under way embeds with
_RENAMED = ("ALTER INDEX {next}_hnsw RENAME TO {table}_hnsw",
            "ALTER INDEX {next}_pkey RENAME TO {table}_pkey",
            "ALTER TABLE {table} RENAME CONSTRAINT {next}_chunk_id_fkey TO {table}_chunk_id_fkey",
            "ALTER TRIGGER {next}_access ON {table} RENAME TO {table}_access",
            "ALTER POLICY {next}_level ON {table} RENAME TO {table}_level")


def switch_vectors(db: PgDatabase, embedder: Embedder, record: str, model_key: str,
                   on_progress: Callable[[int, int], None], batch: int) -> int:
    """Embed every passage with ``embedder`` and make its vectors and its ``record`` (``meta[model_key]``) the
    store's; how many passages.  ``on_progress(done, total)`` after each batch, a resumed run counting what it
    found done."""
    chunks = Chunks(db)
    fresh = _next_table(db, embedder.dimension, record)
    total = chunks.count()
    while todo := _without_vector(db, batch):
        _embed(fresh, chunks, embedder, todo)
        on_progress(min(len(fresh), total), total)
    with db.transaction():
        db.lock_writes()  # no document commits until the swap does: none is left with the old model's vector
        while late := _without_vector(db, batch):  # written since the batches
            _embed(fresh, chunks, embedder, late)
        db.execute(f"UPDATE {NEXT} v SET doc_access = c.doc_access FROM chunks c "  # levels changed meanwhile
                   "WHERE c.id = v.chunk_id AND v.doc_access <> c.doc_access")
        db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        db.execute(f"ALTER TABLE {NEXT} RENAME TO {TABLE}")
        for statement in _RENAMED:
            db.execute(statement.format(next=NEXT, table=TABLE))
        db.set_meta(model_key, record)
        db.execute("DELETE FROM meta WHERE key = ?", [NEXT_KEY])
        switched = chunks.count()
    on_progress(switched, switched)
    return switched


def _next_table(db: PgDatabase, dimension: int, record: str) -> PgVectors:
    """The table being filled: the one an interrupted switch to the same model left, else a new one."""
    if db.get_meta(NEXT_KEY) != record:
        with db.transaction():
            db.execute(f"DROP TABLE IF EXISTS {NEXT}")
            db.set_meta(NEXT_KEY, record)
    return PgVectors(db, dimension, table=NEXT)


def _without_vector(db: PgDatabase, limit: int) -> list[int]:
    """Passages the new table lacks, lowest ids first."""
    return [r[0] for r in db.execute(f"SELECT id FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM {NEXT} v "
                                     "WHERE v.chunk_id = c.id) ORDER BY id LIMIT ?", [limit])]


def _embed(fresh: PgVectors, chunks: Chunks, embedder: Embedder, ids: list[int]) -> None:
    """Embed these passages into the new table.  One deleted before its text is read is skipped; one deleted in
    the instant after fails the batch (its foreign key), and running the switch again goes on from there."""
    texts = chunks.texts(ids)
    present = [i for i in ids if i in texts]
    with fresh.db.transaction():
        fresh.add(present, embedder.encode_passages([texts[i] for i in present]))
