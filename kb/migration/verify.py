"""After ``kb migrate``: does the PostgreSQL copy hold what the SQLite index holds, and answer alike?

Three checks: every table's row count on both sides; every passage with a
vector; and a sample of searches run on both, through the whole pipeline
(every leg, fusion, refusal), compared by their top passages.  The searches
may differ slightly without anything being lost: the copy's dense leg is
pgvector's HNSW graph over float16 vectors where SQLite's may be exact
float32 (docs/postgres.md), so a difference is reported, query by query, and
only counts and vectors decide whether the copy is sound.

The copy is searched from a temporary folder: a PostgreSQL store builds its
own lexicon and accent files, which must not replace the SQLite folder's.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.config import StoreSettings
from kb.knowledge_base import KnowledgeBase
from kb.migration.transfer import TABLES
from kb.retrieval.search import search
from kb.storage.pg_database import PgDatabase

__all__ = ["Comparison", "Verification", "question_file", "sample_titles", "verify"]


@dataclass(frozen=True)
class Comparison:
    """One query's top passages (chunk ids) on each side."""

    query: str
    sqlite: list[int]
    postgres: list[int]

    @property
    def same(self) -> bool:
        return self.sqlite == self.postgres

    @property
    def overlap(self) -> int:
        return len(set(self.sqlite) & set(self.postgres))


@dataclass
class Verification:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (SQLite, PostgreSQL)
    without_vector: int = 0  # passages of the copy with no vector
    searches: list[Comparison] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def sound(self) -> bool:
        """Every row and every vector is there (searches are reported, not judged: see the module doc)."""
        return self.without_vector == 0 and all(a == b for a, b in self.counts.values())

    @property
    def differing(self) -> list[Comparison]:
        return [c for c in self.searches if not c.same]


def verify(kb: KnowledgeBase, dsn: str, queries: list[str], k: int = 10) -> Verification:
    """Compare ``kb``'s SQLite index with its copy in ``dsn``."""
    assert kb.store.path is not None
    report = Verification()
    target = PgDatabase(dsn)
    try:
        with closing(sqlite3.connect(f"file:{kb.store.path}?mode=ro", uri=True)) as lite:
            for table in TABLES:
                report.counts[table.name] = (lite.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0],
                                             int(target.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]))
            report.counts["chunk_vectors"] = (report.counts["chunks"][0], int(
                target.execute("SELECT count(*) FROM chunk_vectors").fetchone()[0]))
        report.without_vector = int(target.execute(
            "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)"
        ).fetchone()[0])
    finally:
        target.close()
    if queries:
        report.searches = _compare_searches(kb, dsn, queries, k, report.seconds)
    return report


def _compare_searches(kb: KnowledgeBase, dsn: str, queries: list[str], k: int,
                      seconds: dict[str, float]) -> list[Comparison]:
    with tempfile.TemporaryDirectory(prefix="kb-migrate-check-") as folder:
        shutil.copy(kb.config_path, Path(folder) / "config.json")  # the same model record
        settings = replace(kb.settings, home=Path(folder), store=StoreSettings("postgres", dsn))
        copy = KnowledgeBase(settings, embedder=kb.open_embedder())
        try:
            started = time.perf_counter()
            copy.lexicon.current()  # built from PostgreSQL's passages: timed apart from the searches
            seconds["lexicon built from postgres"] = time.perf_counter() - started
            return [Comparison(q, _top(kb, q, k), _top(copy, q, k)) for q in queries]
        finally:
            copy.close()


def _top(kb: KnowledgeBase, query: str, k: int) -> list[int]:
    return [hit.chunk_id for hit in search(kb, query, k=k).results]


def question_file(path: Path, count: int) -> list[str]:
    """The first ``count`` questions of a file: ``kb eval``'s sets (JSON lines with a ``query``, or an ALQAC
    JSON array of ``statement``s), or one question a line."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return [item.get("query") or item["statement"] for item in json.loads(text)][:count]
    lines = [line.strip() for line in text.splitlines() if line.strip()][:count]
    return [json.loads(line)["query"] if line.startswith("{") else line for line in lines]


def sample_titles(kb: KnowledgeBase, count: int) -> list[str]:
    """Without a question file: the titles of ``count`` documents spread over the index, as queries."""
    rows = kb.store.db.rows("SELECT title FROM documents WHERE title IS NOT NULL AND title != '' ORDER BY id")
    step = max(1, len(rows) // max(count, 1))
    return [row["title"] for row in rows[::step][:count]]
