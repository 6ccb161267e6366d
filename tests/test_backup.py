"""`kb backup` copies an index consistently while it serves; `kb restore` checks a snapshot, then swaps it in."""

import os
import subprocess
import sys
import threading

import httpx
import pytest
from conftest import open_kb

from kb.config import load_settings
from kb.errors import IndexBusyError, SnapshotError
from kb.knowledge_base import write_lock
from kb.maintenance.backup import backup, restore
from kb.retrieval.search import search

QUERIES = ("Chỉ thị 05 yêu cầu gì", "chi thi 05", "tuyên truyền Đại hội Đảng bộ tỉnh", "What does Directive 05 require?")


def _answers(home, model_path) -> dict[str, list[tuple]]:
    kb = open_kb(home, model_path)
    try:
        return {q: [(r.chunk_id, r.score, r.text) for r in search(kb, q, 5).results] for q in QUERIES}
    finally:
        kb.close()


@pytest.mark.e2e
def test_backup_while_serving_then_restore_gives_the_same_answers(corpus_kb, model_path, server, tmp_path):
    statuses, stop = [], threading.Event()

    def ask() -> None:
        while not stop.is_set():
            statuses.append(httpx.get(f"{server}/api/search", params={"q": "Chỉ thị 05", "k": 3}, timeout=30).status_code)

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        done = subprocess.run([sys.executable, "-m", "kb", "backup", str(tmp_path / "snapshot"),
                               "--home", str(corpus_kb.settings.home)], capture_output=True, text=True, timeout=300,
                              env=os.environ | {"COLUMNS": "200"})
    finally:
        stop.set()
        asking.join()
    assert done.returncode == 0, done.stderr
    assert "Backed up" in done.stdout and "vectors.faiss" in done.stdout
    assert statuses and set(statuses) == {200}
    assert sorted(p.name for p in (tmp_path / "snapshot").iterdir()) == ["config.json", "kb.sqlite", "vectors.faiss"]
    report = restore(load_settings(tmp_path / "home", model=str(model_path)), tmp_path / "snapshot")
    assert report.ok and report.home == str(tmp_path / "home")
    assert _answers(tmp_path / "home", model_path) == _answers(corpus_kb.settings.home, model_path)


@pytest.mark.e2e
def test_restore_replaces_an_index_and_keeps_the_rest_of_the_folder(corpus_kb, model_path, tmp_path):
    backup(corpus_kb.settings, tmp_path / "snapshot")
    home = tmp_path / "home"
    backup(corpus_kb.settings, home)
    kb = open_kb(home, model_path)
    kb.store.db.set_meta("written after the backup", "yes")
    kb.close()
    (home / "models").mkdir()
    (home / "models" / "converted.txt").write_text("a converted model")
    (home / "vectors.faiss.tmp").write_bytes(b"left by a crash")
    restore(load_settings(home, model=str(model_path)), tmp_path / "snapshot")
    kb = open_kb(home, model_path)
    assert kb.store.db.get_meta("written after the backup") is None
    kb.close()
    assert (home / "models" / "converted.txt").read_text() == "a converted model"
    assert not (home / "vectors.faiss.tmp").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "snapshot"]  # nothing left beside


@pytest.mark.e2e
def test_a_snapshot_that_fails_the_check_is_refused(corpus_kb, model_path, tmp_path):
    backup(corpus_kb.settings, tmp_path / "snapshot")
    vectors = tmp_path / "snapshot" / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:1000])
    home = tmp_path / "home"
    backup(corpus_kb.settings, home)
    before = {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()}
    with pytest.raises(SnapshotError, match="fails the check.*vectors.faiss cannot be read"):
        restore(load_settings(home, model=str(model_path)), tmp_path / "snapshot")
    assert {name: (home / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "snapshot"]


def test_restore_waits_for_no_writer_and_backup_wants_a_new_folder(corpus_kb, tmp_path):
    backup(corpus_kb.settings, tmp_path / "snapshot")
    home = tmp_path / "home"
    backup(corpus_kb.settings, home)
    before = (home / "kb.sqlite").read_bytes()
    with write_lock(home), pytest.raises(IndexBusyError, match="Another kb process is writing"):
        restore(load_settings(home), tmp_path / "snapshot")
    assert (home / "kb.sqlite").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "snapshot"]
    with pytest.raises(SnapshotError, match="not empty"):
        backup(corpus_kb.settings, home)
