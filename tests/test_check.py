"""`kb check` finds each kind of damage to an index folder and `--repair` mends it from kb.sqlite (a sound one
passes: tests/test_check_backends.py, on both stores);
one writer at a time; a full disk stops `kb index` with a clear error and the index as it was."""

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import BULLETIN, CORPUS, HashingEmbedder, fake_kb_at, fake_settings, open_kb

from kb.config import load_settings
from kb.errors import IndexBusyError
from kb.knowledge_base import KnowledgeBase, write_lock
from kb.maintenance.backup import backup
from kb.maintenance.check import check, check_kb
from kb.retrieval.search import search
from kb.retrieval.vectors import VectorIndex
from kb.storage.store import Store

QUERIES = ("Kế hoạch tuyên truyền Đại hội Đảng bộ", "tuyen truyen tren pa no ap phich", "Who signed the plan?")


def _without_the_bulletin(source: KnowledgeBase, home: Path, open_folder: Callable[[Path], KnowledgeBase]) -> Path:
    """A copy of ``source`` without the bulletin: 27 passages, so a repair that embeds them all is quick."""
    backup(source.settings, home)
    kb = open_folder(home)
    kb.remove_document(next(d["id"] for d in kb.store.documents.listing() if d["source"] == BULLETIN))
    kb.close()
    return home


@pytest.fixture(scope="module")
def plan_home(fake_kb, tmp_path_factory):
    return _without_the_bulletin(fake_kb, tmp_path_factory.mktemp("plan") / "home", fake_kb_at)


@pytest.fixture(scope="module")
def model_plan_home(corpus_kb, model_path, tmp_path_factory):
    """The same with the real model, for the tests that run `kb` as a process."""
    return _without_the_bulletin(corpus_kb, tmp_path_factory.mktemp("model-plan") / "home",
                                 lambda home: open_kb(home, model_path))


def _answers(kb) -> dict[str, list[int]]:
    return {q: [r.chunk_id for r in search(kb, q, 5).results] for q in QUERIES}


@pytest.fixture(scope="module")
def expected(plan_home):
    kb = fake_kb_at(plan_home)
    yield _answers(kb)
    kb.close()


@pytest.fixture
def settings(plan_home, tmp_path):
    """A copy of plan_home that a test may damage."""
    backup(load_settings(plan_home), tmp_path / "home")
    return fake_settings(tmp_path / "home")


@pytest.fixture
def model_settings(model_plan_home, model_path, tmp_path):
    """A copy of model_plan_home that a test may damage."""
    backup(load_settings(model_plan_home), tmp_path / "home")
    return load_settings(tmp_path / "home", model=str(model_path))


@pytest.fixture
def opened(settings):
    """Opens the folder (after the test damaged it); one model load serves the check, the repair and the search."""
    kbs = []

    def open_folder():
        kbs.append(fake_kb_at(settings.home))
        return kbs[-1]
    yield open_folder
    for kb in kbs:
        kb.close()


def _stored(settings, read):
    """Read the folder's database without the rest of kb (no model, no vectors)."""
    store = Store(settings.home / "kb.sqlite")
    try:
        return read(store)
    finally:
        store.close()


def _sql(settings, *statements: str) -> None:
    """Damage through a plain connection: foreign keys off, as any other program would have them."""
    conn = sqlite3.connect(settings.home / "kb.sqlite")
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def _vectors(settings) -> VectorIndex:
    return VectorIndex(settings.home / "vectors.faiss", HashingEmbedder.dimension)


def truncate_vectors(settings):
    path = settings.home / "vectors.faiss"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def delete_vectors(settings):
    (settings.home / "vectors.faiss").unlink()


def add_stale_vectors(settings):
    vectors = _vectors(settings)
    vectors.add([10**6, 10**6 + 1], vectors.get(sorted(vectors.ids())[:2]))
    vectors.save()


def drop_some_vectors(settings):
    vectors = _vectors(settings)
    vectors.remove(sorted(vectors.ids())[:3])
    vectors.save()


def add_orphan_rows(settings):
    _sql(settings,
         "INSERT INTO document_texts (document_id, text) VALUES (424242, 'văn bản đã xoá')",
         "INSERT INTO chunks (document_id, ordinal, kind, section, text, char_start, char_end, text_hash, accented, "
         "folded, folded_hash) VALUES (424242, 0, 'body', '', 'đoạn mồ côi', 0, 10, 'x', 'đoạn mồ côi', 'doan mo coi', 'y')",
         "INSERT INTO chunk_refs (chunk_id, key, full_key, printed) VALUES (999999, 'CT:5', 'CT:5:TW', '05-CT/TW')")


def _snapshot(settings, cache: str = "lexicon") -> Path:
    """Write the lexicon's snapshot or the accent model's file (a backup leaves both out: they are caches)."""
    kb = KnowledgeBase(settings)
    synced = getattr(kb, cache)
    synced.refresh()
    kb.close()
    return synced.path


def damage_the_lexicon(settings):
    path = _snapshot(settings)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_the_accent_model(settings):
    path = _snapshot(settings, "accents")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def change_the_fingerprint(settings):
    path = settings.home / "config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"fingerprint": "0" * 64}))


def leave_temp_files(settings):
    (settings.home / "vectors.faiss.tmp").write_bytes(b"half a vector file")
    (settings.home / "config.tmp").write_text("{")


def _overwrite_page(settings, btree: str) -> None:
    """Garbage over the cell pointers of a leaf page of a table or an index."""
    conn = sqlite3.connect(settings.home / "kb.sqlite")
    page = conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", [btree]).fetchone()[0]
    conn.close()
    with open(settings.home / "kb.sqlite", "r+b") as handle:
        handle.seek((page - 1) * 4096 + 8)
        handle.write(b"\xff" * 100)


def damage_an_index_page(settings):
    _overwrite_page(settings, "chunks_document_kind")


DAMAGE = [  # (damage, the findings it must raise)
    (truncate_vectors, {"vectors"}),
    (delete_vectors, {"vectors"}),
    (add_stale_vectors, {"vectors"}),
    (drop_some_vectors, {"vectors"}),
    (add_orphan_rows, {"orphans", "vectors"}),
    (damage_the_lexicon, {"lexicon"}),
    (damage_the_accent_model, {"accents"}),
    (change_the_fingerprint, {"model"}),
    (leave_temp_files, {"temp files"}),
    (damage_an_index_page, {"sqlite"}),
]


@pytest.mark.parametrize(("damage", "found"), DAMAGE, ids=[d[0].__name__ for d in DAMAGE])
def test_damage_is_found_and_repaired(settings, opened, expected, damage, found):
    damage(settings)
    kb = opened()
    report = check_kb(kb, repair=True)  # its first round finds, its last is a whole check of the mended folder
    assert report.ok, report.problems
    assert {f.name for f in report.findings if f.repaired} == found, report.findings
    assert _answers(kb) == expected


def test_a_cache_an_earlier_kb_wrote_is_no_problem_one_of_a_later_kb_is(settings, opened):
    """After an upgrade the accent model's file is of a lower format: the next search builds it again."""
    path = _snapshot(settings, "accents")
    with np.load(path) as data:
        arrays = dict(data)
    meta = json.loads(arrays["meta"].tobytes())
    for written, ok in ((meta["format"] - 1, True), (meta["format"] + 1, False)):
        arrays["meta"] = np.frombuffer(json.dumps(meta | {"format": written}).encode(), np.uint8)
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
        finding = next(f for f in check_kb(opened()).findings if f.name == "accents")
        assert finding.ok is ok, finding


def test_a_deletion_that_bypassed_the_log_is_found_and_the_lexicon_rebuilt(settings, opened):
    _snapshot(settings)
    _sql(settings, "DROP TRIGGER chunks_deletion_log",  # another program, with its own idea of the schema
         "DELETE FROM chunk_refs WHERE chunk_id = (SELECT max(id) FROM chunks)",
         "DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)")
    kb = opened()
    assert "lexicon" in {f.name for f in check_kb(kb).problems}
    assert check_kb(kb, repair=True).ok
    assert len(kb.lexicon.current()) == kb.store.chunks.count()


def test_a_document_left_without_its_passages_is_deleted_for_the_next_run(settings, opened):
    _sql(settings, "DELETE FROM chunk_refs", "DELETE FROM chunks", "DELETE FROM document_texts")  # a cut-short write
    kb = opened()
    report = check_kb(kb)
    assert {f.name for f in report.problems} == {"documents", "vectors"}, report.findings
    assert check_kb(kb, repair=True).ok
    assert kb.store.documents.listing() == []  # so `kb index` reads the file again


def test_a_document_with_only_its_card_is_reported_by_name_and_deleted(settings, opened):
    """What an empty or BOM-only file became before kb index refused them: a card and no passage."""
    _sql(settings, "PRAGMA foreign_keys = ON",
         "DELETE FROM chunks WHERE kind = 'body' AND document_id = (SELECT min(id) FROM documents)")
    kb = opened()
    doc_id, source = kb.store.integrity.documents_without_passages()[0]
    report = check_kb(kb)
    documents = next(f for f in report.problems if f.name == "documents")
    assert "without a passage" in documents.detail and f"{doc_id} {source}" in documents.detail
    assert check_kb(kb, repair=True).ok
    assert doc_id not in [d["id"] for d in kb.store.documents.listing()]
    assert kb.store.integrity.documents_without_passages() == []


def test_repair_embeds_only_the_missing_vectors(settings, opened):
    vectors = _vectors(settings)
    ids = sorted(vectors.ids())
    original = vectors.get(ids[2:5])
    marker = vectors.get([ids[0]])
    vectors.add([ids[1]], marker)  # a vector the model would not give ids[1]: it stays only if left alone
    vectors.remove(ids[2:5])
    vectors.save()
    kb = opened()
    assert next(f for f in check_kb(kb).findings if f.name == "vectors").detail.startswith("3 missing, 0 stale")
    assert check_kb(kb, repair=True).ok
    after = _vectors(settings)
    assert after.ids() == set(ids)
    np.testing.assert_array_equal(after.get([ids[1]]), marker)
    assert np.all(np.sum(after.get(ids[2:5]) * original, axis=1) > 0.999)  # embedded again from the stored text


def test_an_index_of_another_model_is_reported_not_re_embedded(settings):
    path = settings.home / "config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"model": "another/model", "fingerprint": "0" * 64}))
    before = path.read_bytes()
    report = check(settings, repair=True, embedder=HashingEmbedder())
    model = next(f for f in report.findings if f.name == "model")
    assert not report.ok and not model.ok and model.fix is None and "another/model" in model.detail
    assert path.read_bytes() == before


def test_damage_in_a_table_is_reported_with_what_to_do(settings):
    _overwrite_page(settings, "chunks")
    report = check(settings, repair=True, embedder=HashingEmbedder())
    assert [f.name for f in report.problems] == ["sqlite"] and "kb restore" in report.problems[0].detail


def test_a_log_left_by_a_killed_writer_is_replayed(settings):
    script = ("import os, signal, sys\nfrom kb.storage.store import Store\nstore = Store(sys.argv[1])\n"
              "store.db.execute('PRAGMA wal_autocheckpoint = 0')\nstore.db.set_meta('probe', 'committed')\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script, str(settings.home / "kb.sqlite")], timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert (settings.home / "kb.sqlite-wal").stat().st_size > 0
    assert check(settings, embedder=HashingEmbedder()).ok
    assert _stored(settings, lambda store: store.db.get_meta("probe")) == "committed"


def _kb(settings, *args: str, **popen) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kb", *args, "--home", str(settings.home), "--model", settings.model]
    return subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env=os.environ | {"COLUMNS": "200"}, **popen)


def test_cli_exit_code_and_json(model_settings):
    settings = model_settings
    leave_temp_files(settings)
    found = _kb(settings, "check")
    assert found.returncode == 1 and "PROBLEM" in found.stdout and "vectors.faiss.tmp" in found.stdout
    repaired = _kb(settings, "check", "--repair", "--json")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    report = json.loads(repaired.stdout)
    assert report["ok"] and [f["name"] for f in report["findings"] if f["repaired"]] == ["temp files"]


def test_a_second_writer_is_refused_and_readers_go_on(model_settings):
    settings = model_settings
    with write_lock(settings.home):
        writer = _kb(settings, "index", str(CORPUS))
        assert writer.returncode == 1 and "Traceback" not in writer.stderr
        assert "Another kb process is writing" in writer.stderr
        reader = _kb(settings, "search", "tuyên truyền đại hội", "--json")
        assert reader.returncode == 0 and json.loads(reader.stdout)["results"]
        assert check(settings).ok
        with pytest.raises(IndexBusyError):
            check(settings, repair=True)


def _limit_file_size() -> None:
    """Files may not grow past 64 KiB: SQLite's log fills up at the first commit of a new document."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_disk_stops_indexing_with_a_clear_error_and_keeps_the_index(model_settings, model_path, tmp_path):
    settings = model_settings
    kb = open_kb(settings.home, model_path)
    expected = _answers(kb)
    kb.close()
    new = tmp_path / "new"
    new.mkdir()
    (new / "ban-tin.txt").write_text((CORPUS / BULLETIN).read_text(encoding="utf-8")[:15000], encoding="utf-8")
    documents = _stored(settings, lambda store: store.documents.listing())
    done = _kb(settings, "index", str(new), preexec_fn=_limit_file_size)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "Could not write to the index" in done.stderr and "disk full" in done.stderr
    kb = open_kb(settings.home, model_path)
    try:
        assert check_kb(kb).ok
        assert kb.store.documents.listing() == documents
        assert _answers(kb) == expected
    finally:
        kb.close()
