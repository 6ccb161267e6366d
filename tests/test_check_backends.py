"""`kb check` on both stores: a sound index passes with the same output, and damage made to a PostgreSQL store
(a vector deleted, an index left invalid, a job without a worker) is found, named, and mended where it can be.

The SQLite-only damage (a file's pages, the vector file) is tests/test_check.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at
from pg_store import BACKENDS, backend_home

from kb.config import load_settings
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import check, check_kb

SQLITE_FINDINGS = ["sqlite", "schema", "orphans", "documents", "sources", "relations", "lexicon", "accents", "model",
                   "vectors", "temp files"]
PG_FINDINGS = ["postgres", "schema", "orphans", "documents", "sources", "relations", "lexicon", "accents", "model",
               "vectors", "jobs", "temp files"]


def _indexed(request, home: Path, backend: str) -> KnowledgeBase:
    """The plan of the corpus indexed into a store of ``backend``, with the model's stand-in."""
    kb = fake_kb_at(backend_home(request, home, backend))
    index_paths(kb, [CORPUS / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"])
    kb.lexicon.refresh()
    return kb


@pytest.fixture(params=BACKENDS)
def indexed(request, tmp_path) -> Iterator[KnowledgeBase]:
    kb = _indexed(request, tmp_path / "home", request.param)
    yield kb
    kb.close()


@pytest.fixture
def pg_indexed(request, tmp_path) -> Iterator[KnowledgeBase]:
    """``indexed`` on PostgreSQL alone: damage only a server store can take."""
    kb = _indexed(request, tmp_path / "home", "postgres")
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


@pytest.mark.e2e
def test_a_deleted_vector_row_is_found_and_embedded_again(pg_indexed):
    kb = pg_indexed
    gone = kb.store.db.execute("DELETE FROM chunk_vectors WHERE chunk_id = (SELECT max(chunk_id) FROM chunk_vectors) "
                               "RETURNING chunk_id").fetchone()[0]
    report = check_kb(kb)
    assert [f.name for f in report.problems] == ["vectors"], report.findings
    assert report.problems[0].detail.startswith("1 missing, 0 stale")
    repaired = check_kb(kb, repair=True)
    assert repaired.ok and [f.name for f in repaired.findings if f.repaired] == ["vectors"]
    assert gone in set(r[0] for r in kb.store.db.execute("SELECT chunk_id FROM chunk_vectors"))


def _as_superuser(request, kb: KnowledgeBase, sql: str) -> None:
    """``sql`` as the server's superuser, who may do what kb's role cannot (switch foreign keys off, edit the
    catalogue): another program's damage."""
    dbname = dict(part.split("=", 1) for part in (kb.settings.store.dsn or "").split())["dbname"]
    request.getfixturevalue("pg_server").psql(dbname, sql)


ORPHAN = ("SET session_replication_role = replica; "  # no foreign key, no trigger: the deletion is not logged
          "DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)")
INVALID = "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'chunk_vectors_hnsw'::regclass"
PG_DAMAGE = [  # (name, SQL as kb's role or the superuser's, the findings it raises, whether --repair mends them)
    ("hnsw dropped", "DROP INDEX chunk_vectors_hnsw", {"postgres"}, True),
    ("hnsw invalid", INVALID, {"postgres"}, True),
    ("orphans", ORPHAN, {"orphans", "vectors", "lexicon", "accents"}, True),
    ("stalled job", "INSERT INTO jobs (id, kind, status, files, created_at, claimed_by, lease_until) VALUES "
     "('j1', 'upload', 'running', '[]', '2026-01-01', 'gone:1:x', now() - interval '1 hour')", {"jobs"}, False),
    ("schema definitions", "UPDATE meta SET value = 'x' WHERE key = 'pg_schema_definitions'", {"schema"}, False),
    ("relation rules", "UPDATE meta SET value = '0' WHERE key = 'relation_rules'", {"relations"}, True),
]


@pytest.mark.parametrize(("sql", "found", "mended"), [d[1:] for d in PG_DAMAGE], ids=[d[0] for d in PG_DAMAGE])
@pytest.mark.e2e
def test_damage_to_a_postgres_store_is_named(request, pg_indexed, sql, found, mended):
    kb = pg_indexed
    _as_superuser(request, kb, sql)
    report = check_kb(kb)
    assert {f.name for f in report.problems} == found, report.findings
    repaired = check_kb(kb, repair=True)
    assert repaired.ok == mended, repaired.findings
    if mended:
        assert {f.name for f in repaired.findings if f.repaired} == found
        assert [f.name for f in check_kb(kb).problems] == []


@pytest.mark.e2e
def test_citations_read_by_other_rules_are_read_again(request, pg_indexed):
    kb = pg_indexed
    kinds = "SELECT rowid, kind, sentence_start FROM chunk_refs ORDER BY rowid"
    before = kb.store.db.rows(kinds)
    assert {row["kind"] for row in before} - {"mentions"}, "the plan cites with other kinds than mentions"
    _as_superuser(request, kb, "UPDATE chunk_refs SET kind = 'mentions', sentence_start = NULL; "
                  "UPDATE meta SET value = '0' WHERE key = 'relation_rules'")  # as older rules might have left them
    assert check_kb(kb, repair=True).ok
    assert kb.store.db.rows(kinds) == before


@pytest.mark.e2e
def test_the_command_on_postgres_exits_as_on_sqlite(request, model_path, tmp_path):
    """``kb check`` as a process, with the real model, on a PostgreSQL store: exit 1 and the finding named, then
    ``--repair --json`` mends it and exits 0 (tests/test_check.py runs the same on SQLite)."""
    home = backend_home(request, tmp_path / "home", "postgres")
    kb = KnowledgeBase(load_settings(home, model=str(model_path)))
    index_paths(kb, [CORPUS / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"])
    kb.store.db.execute("DELETE FROM chunk_vectors WHERE chunk_id = (SELECT min(chunk_id) FROM chunk_vectors)")
    kb.close()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kb", "check", *args, "--home", str(home), "--model",
                               str(model_path)], capture_output=True, text=True, timeout=600,
                              env=os.environ | {"COLUMNS": "200"})

    found = run()
    assert found.returncode == 1, found.stdout + found.stderr
    assert "PROBLEM" in found.stdout and "1 missing, 0 stale" in found.stdout and "1 problem." in found.stdout
    repaired = run("--repair", "--json")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    report = json.loads(repaired.stdout)
    assert report["ok"] and [f["name"] for f in report["findings"] if f["repaired"]] == ["vectors"]
    assert [f["name"] for f in report["findings"]] == PG_FINDINGS
