"""The vectors in PostgreSQL (pgvector): the dense leg of a store whose backend is ``postgres``.

A chunk's vector is a row of ``chunk_vectors`` beside the chunk, written in
the transaction that writes the chunk and deleted with it (``ON DELETE
CASCADE``): there is no file to save, and nothing for a crash to leave out of
step, so unlike ``kb.retrieval.vectors.VectorIndex`` nothing is mended on open.
Vectors are ``halfvec`` (float16, as the FAISS graph stores its codes), found
by an HNSW index on cosine distance.

A filtered search puts the filters in the query itself (``search_filtered``)
and runs at the caller's level (``PgDatabase.at_level``, row-level security).
``hnsw.iterative_scan`` lets the index walk on past ``ef_search`` candidates
until enough rows pass the filter, so a narrow filter does not shorten the
list; ``relaxed_order`` may return the walk's rows slightly out of order, so
they are ordered again by distance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from kb.storage.filters import DocumentFilters
from kb.storage.pg_database import PgDatabase
from kb.storage.pg_schema import VISIBLE, policies

__all__ = ["GRAPH", "TABLE", "PgVectorPolicy", "PgVectors", "SearchDepth", "graph_state", "stored_dimension",
           "vector_ids"]

TABLE = "chunk_vectors"
GRAPH = f"{TABLE}_hnsw"  # the HNSW index's name


@dataclass(frozen=True)
class SearchDepth:
    """How deep a search goes into a graph of at least ``vectors`` vectors.

    ``breadth`` is ``hnsw.ef_search``; ``fetch`` is how many rows the graph walk returns (the query's inner
    ``LIMIT``; less than k means k): past ``breadth`` the iterative scan walks on for more, its rows are ordered
    again by distance and the best k kept, so a deeper fetch can find neighbours the first ``breadth`` missed.
    """

    vectors: int
    breadth: int
    fetch: int = 0


@dataclass(frozen=True)
class PgVectorPolicy:
    """How the HNSW graph is built and searched.

    Chosen at 200,000 passages (``bench/pg_bench.py recall``, 131 real queries, recall@10 against exact
    search in the same database; docs/postgres.md): pgvector's default graph (``m = 16``,
    ``ef_construction = 64``) needs ``ef_search`` 800 for 0.98 and not every build reaches it there
    (0.988 and 0.978, p50 52–78 ms); this denser one passes it at 300 (0.982, p50 28 ms): a search costs
    half or less, for a graph that takes 3.5–5 times as long to build (679 s against 132–196 s on a busy
    machine) and 17% more room (1.36 KB a vector).
    The depth a search needs grows with the graph, as FAISS's does (at 20,000 passages 200 was enough, at
    2,000,000 ``ef_search`` 1,000, pgvector's highest, finds 0.959, and 0.985 with a fetch of 2,000):
    ``depths``, by the table's size.
    """

    links: int = 32  # m
    build_breadth: int = 128  # ef_construction
    # Ascending by vectors, measured (docs/postgres.md, "2,000,000 passages"): ef_search 300 finds 0.982 at 200,000,
    # 0.975 at 500,000, 0.834 at 2,000,000; ef_search 1,000 0.995 at 500,000, 0.959 at 2,000,000, where with a fetch
    # of 1,500, 2,000, 4,000 or 8,000 it finds 0.985 (p50 141–253 ms): 2,000 for room past 2,000,000 (not measured).
    # The boundaries are not measured: each tier starts well before the size where the one below fell short.
    depths: tuple[SearchDepth, ...] = (SearchDepth(0, 300), SearchDepth(250_000, 1000),
                                       SearchDepth(700_000, 1000, 2000))
    max_scan_tuples: int = 40_000  # how far an iterative scan may walk for a narrow filter

    def depth(self, vectors: float) -> SearchDepth:
        """The depth for a table of about ``vectors`` vectors: the last of ``depths`` it reaches."""
        reached = [d for d in self.depths if d.vectors <= vectors]
        return reached[-1] if reached else self.depths[0]

    def graph_bytes(self, vectors: int, dimension: int) -> int:
        """The memory pgvector holds to build the graph of ``vectors`` at once (what ``maintenance_work_mem``
        must give it): each vector's ``halfvec`` and its neighbour lists, 2·m on the bottom layer and m on each
        upper one (one vector in m reaches the next layer up), at ``NEIGHBOUR_BYTES`` a neighbour, plus
        ``ELEMENT_BYTES`` of bookkeeping (measured: docs/postgres.md, "Moving an index")."""
        neighbours = 2 * self.links + self.links / (self.links - 1)
        return int(vectors * (2 * dimension + 8 + neighbours * NEIGHBOUR_BYTES + ELEMENT_BYTES))


NEIGHBOUR_BYTES = 16  # pgvector's HnswCandidate: the neighbour's pointer and its distance
# pgvector's HnswElementData and its allocations' headers: with it the estimate is 1,996 B a vector at m = 32 and
# halfvec(384), where pgvector said "no longer fits into maintenance_work_mem after 8415 tuples" at 16 MB: 1,994 B
ELEMENT_BYTES = 180
SIZE_TTL = 60.0  # seconds a search keeps using the table's size it last read (``PgVectors._depth``)


def _literal(vector: np.ndarray) -> str:
    """A vector as pgvector reads it from text: ``[0.1,0.2,…]``."""
    return "[" + ",".join(f"{x:.6g}" for x in np.asarray(vector, dtype="float32").ravel()) + "]"


def _parse(text: str) -> np.ndarray:
    return np.array(text.strip("[]").split(","), dtype="float32")


# Read without creating anything (``kb check``), where ``PgVectors`` creates the table and its graph when missing.
def stored_dimension(db: PgDatabase, table: str = TABLE) -> int | None:
    """The dimension ``table`` holds; None while there is no such table (no vector written yet)."""
    row = db.execute(f"SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass('{table}') "
                     "AND attname = 'embedding'").fetchone()
    return int(row[0]) if row else None


def vector_ids(db: PgDatabase, table: str = TABLE) -> list[int]:
    """The chunk id of every stored vector (a list: the primary key keeps each once, a damaged table might not)."""
    return [r[0] for r in db.execute(f"SELECT chunk_id FROM {table}")]


def graph_state(db: PgDatabase) -> tuple[bool, str] | None:
    """The HNSW index: whether the server holds it valid (``pg_index.indisvalid``) and its options; None if absent."""
    row = db.execute("SELECT i.indisvalid, array_to_string(c.reloptions, ', ') FROM pg_index i "
                     f"JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indexrelid = to_regclass('{GRAPH}')").fetchone()
    return (bool(row[0]), row[1] or "") if row else None


class PgVectors:
    """Vectors keyed by chunk id in ``chunk_vectors`` (``table``); searched with the caller's filters in SQL."""

    dirty = False  # every change is written in the caller's transaction: nothing waits to be saved
    transactional = True  # changes belong inside the rows' transaction (``KnowledgeBase``)

    def __init__(self, db: PgDatabase, dimension: int, policy: PgVectorPolicy | None = None, *,
                 table: str = TABLE) -> None:
        """The table of vectors (``chunk_vectors``, or the one a model switch fills: ``kb.retrieval.pg_switch``),
        created with its graph, trigger and policy when missing; ``ValueError`` if it holds another dimension."""
        self.db, self.dimension, self.table = db, dimension, table
        self.policy = policy or PgVectorPolicy()
        self._size: tuple[float, float] | None = None  # (when read, the table's size then: ``_depth``)
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(hashtext('kb.retrieval.pg_vectors'))")
            db.execute(f"CREATE TABLE IF NOT EXISTS {table} (chunk_id bigint PRIMARY KEY REFERENCES chunks(id) "
                       f"ON DELETE CASCADE DEFERRABLE, embedding halfvec({dimension}) NOT NULL, "
                       "doc_access text COLLATE \"C\" NOT NULL DEFAULT '')")
            db.execute(f"CREATE OR REPLACE TRIGGER {table}_access BEFORE INSERT ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION kb_vector_access()")
            db.execute(f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {table} USING hnsw "
                       f"(embedding halfvec_cosine_ops) WITH (m = {self.policy.links}, "
                       f"ef_construction = {self.policy.build_breadth})")
            db.execute(policies({table: f"doc_access {VISIBLE}"}))
            stored = stored_dimension(db, table)
        if stored != dimension:
            raise ValueError(f"{table} holds {stored}-dimensional vectors, the model makes {dimension}")

    def __len__(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])

    def ids(self) -> set[int]:
        return set(vector_ids(self.db, self.table))

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Store (or replace) the vectors of these chunks, in the caller's transaction if one is open."""
        if not ids:
            return
        with self.db.transaction(), self.db.connection().cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (chunk_id, embedding) VALUES (%s, %s::halfvec) "
                "ON CONFLICT (chunk_id) DO UPDATE SET embedding = EXCLUDED.embedding",
                [(chunk_id, _literal(vector)) for chunk_id, vector in zip(ids, vectors, strict=True)])

    def get(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of these ids, in order (they must be present)."""
        rows = dict(self.db.execute(f"SELECT chunk_id, embedding::text FROM {self.table} WHERE chunk_id = ANY(?)",
                                    [list(ids)]).fetchall())
        return np.stack([_parse(rows[i]) for i in ids]) if ids else np.empty((0, self.dimension), "float32")

    def remove(self, ids: list[int]) -> None:
        """Nothing to do for a deleted chunk (its vector went with it); a vector alone is deleted here."""
        if ids:
            self.db.execute(f"DELETE FROM {self.table} WHERE chunk_id = ANY(?)", [list(ids)])

    def save(self) -> None:
        """Nothing to write: the vectors were committed with their chunks."""

    def search(self, vector: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks by cosine, best first; only ``allowed`` ids if given."""
        if allowed is not None and not allowed:
            return []
        return self._nearest(vector, k, DocumentFilters(), allowed)

    def search_filtered(self, vector: np.ndarray, k: int,
                        filters: DocumentFilters | None) -> list[tuple[int, float]]:
        """Nearest chunks that ``filters`` keep: metadata in the query, the level by row-level security too."""
        return self._nearest(vector, k, filters or DocumentFilters(), None)

    def _nearest(self, vector: np.ndarray, k: int, filters: DocumentFilters,
                 allowed: set[int] | None) -> list[tuple[int, float]]:
        where, params = filters.where("d", "c")
        values: list[object] = [_literal(vector), *params]
        if allowed is not None:
            where += " AND v.chunk_id = ANY(?)"
            values.append(sorted(allowed))
        depth = self._depth()
        sql = ("WITH hits AS MATERIALIZED (SELECT v.chunk_id, v.embedding <=> ?::halfvec AS distance "
               f"FROM {self.table} v JOIN chunks c ON c.id = v.chunk_id JOIN documents d ON d.id = c.document_id "
               f"WHERE {where} ORDER BY distance NULLS LAST LIMIT ?) "
               # ``+ 0``: the planner takes a materialized CTE's rows as sorted by ``distance`` (PostgreSQL 17 and
               # later), so it would drop a plain ``ORDER BY distance`` and, with the LIMIT, read only k of the
               # walk's rows; the walk's relaxed order needs the sort, and the fetch is read whole only under it
               "SELECT chunk_id, 1 - distance FROM hits ORDER BY distance + 0 NULLS LAST LIMIT ?")
        with self.db.at_level(filters.access):
            self.db.execute("SELECT set_config('hnsw.ef_search', ?, true), set_config('hnsw.max_scan_tuples', ?, true), "
                            "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                            [str(max(depth.breadth, k)), str(self.policy.max_scan_tuples)])
            rows = self.db.execute(sql, [*values, max(depth.fetch, k), k]).fetchall()
        return [(int(chunk_id), float(score)) for chunk_id, score in rows]

    def rows_walked(self) -> int:
        """Rows the graph's index scans have returned so far, every connection's (this one's counts flushed first):
        a search's fetch, read before and after it, is what the benchmark and the tests check a depth by."""
        self.db.execute("SELECT pg_stat_force_next_flush()")
        self.db.execute("SELECT pg_stat_clear_snapshot()")
        row = self.db.execute("SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = ?",
                              [f"{self.table}_hnsw"]).fetchone()
        return int(row[0])

    def _depth(self) -> SearchDepth:
        """The policy's depth for the table's size as the planner's statistics hold it (``pg_class.reltuples``,
        no count), read again once ``SIZE_TTL`` has passed: a size that moves a tier moves it within a minute."""
        now = time.monotonic()
        if self._size is None or now - self._size[0] > SIZE_TTL:
            row = self.db.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)", [self.table]).fetchone()
            self._size = (now, float(row[0]) if row else 0.0)
        return self.policy.depth(self._size[1])
