"""`kb check` on both stores: a sound index passes with the same output, and damage made to a PostgreSQL store
(a vector deleted, an index left invalid, a job without a worker) is found, named, and mended where it can be.

The SQLite-only damage (a file's pages, the vector file) is tests/test_check.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at, fake_settings
from pg_store import BACKENDS, backend_home

from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import check, check_kb

SQLITE_FINDINGS = ["sqlite", "schema", "orphans", "documents", "sources", "relations", "lexicon", "accents", "model",
                   "vectors", "temp files"]
PG_FINDINGS = ["postgres", "schema", "orphans", "documents", "sources", "relations", "lexicon", "accents", "model",
               "vectors", "jobs", "temp files"]


@pytest.fixture(params=BACKENDS)
def indexed(request, tmp_path) -> KnowledgeBase:
    """The plan of the corpus indexed into a store of each kind, with the model's stand-in."""
    kb = fake_kb_at(backend_home(request, tmp_path / "home", request.param))
    index_paths(kb, [CORPUS / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"])
    kb.lexicon.refresh()
    yield kb
    kb.close()


def test_a_sound_index_passes(indexed):
    report = check(indexed.settings, embedder=HashingEmbedder())
    assert report.ok, report.problems
    expected = SQLITE_FINDINGS if indexed.store.path is not None else PG_FINDINGS
    assert [f.name for f in report.findings] == expected
    vectors = next(f for f in report.findings if f.name == "vectors")
    passages = indexed.store.chunks.count()
    assert vectors.detail.startswith(f"{passages:,} vectors for ")


def _pg(indexed: KnowledgeBase) -> KnowledgeBase:
    if indexed.store.path is not None:
        pytest.skip("PostgreSQL damage")
    return indexed


def test_a_deleted_vector_row_is_found_and_embedded_again(indexed):
    kb = _pg(indexed)
    gone = kb.store.db.execute("DELETE FROM chunk_vectors WHERE chunk_id = (SELECT max(chunk_id) FROM chunk_vectors) "
                               "RETURNING chunk_id").fetchone()[0]
    report = check_kb(kb)
    assert [f.name for f in report.problems] == ["vectors"], report.findings
    assert report.problems[0].detail.startswith("1 missing, 0 stale")
    repaired = check_kb(kb, repair=True)
    assert repaired.ok and [f.name for f in repaired.findings if f.repaired] == ["vectors"]
    assert gone in set(r[0] for r in kb.store.db.execute("SELECT chunk_id FROM chunk_vectors"))
