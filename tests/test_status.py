"""Document status without the service: the table and its migration, the rule of "later", the writer, and
``kb status`` / ``kb show`` through typer's CliRunner over the decisions of ``tests/data/validity``."""

from __future__ import annotations

import getpass
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import fake_kb_at
from typer.testing import CliRunner, Result

from kb.cli import app as cli_app
from kb.errors import InvalidStatusError, NotFoundError
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.validity import find_document, statuses
from kb.storage.schema import SCHEMA_VERSION
from kb.storage.status import later
from kb.storage.store import Store

DATA = Path(__file__).resolve().parent / "data" / "validity"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> KnowledgeBase:
    """The five decisions indexed once; tests that write take a copy (``_copy``)."""
    kb = fake_kb_at(tmp_path_factory.mktemp("validity-store"))
    index_paths(kb, [DATA])
    return kb


def _copy(kb: KnowledgeBase, home: Path) -> KnowledgeBase:
    home.mkdir()
    with sqlite3.connect(home / "kb.sqlite") as target:
        kb.store.db.connection().conn.backup(target)
    for name in ("vectors.faiss", "config.json"):
        shutil.copy2(kb.settings.home / name, home / name)
    return fake_kb_at(home)


def _id(kb: KnowledgeBase, number: str) -> int:
    return find_document(kb, number)


def _kb(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli_app, [*args, "--home", str(home)], env={"COLUMNS": "250"})


def test_later_compares_dates_as_far_as_both_go() -> None:
    assert later("2023-04-10", "2019-03-05") and later("2020-06", "2020-05-10") and later("2021", "2020-12-31")
    assert not later("2020-05", "2020-05-10") and not later("2020-05-10", "2020-05-10")
    assert not later(None, "2019") and not later("2019", None) and not later("2018-02-02", "2021-05-20")


def test_only_a_later_document_ends_one(indexed) -> None:
    """02/2018 says it replaces 07/2021: printed earlier, it cannot, so 07/2021 stays in force."""
    amending_id, old_id = _id(indexed, "07/2021/QĐ-UBND"), _id(indexed, "12/2019/QĐ-UBND")
    found = statuses(indexed, [amending_id, old_id])
    amending, old = found[amending_id], found[old_id]
    assert amending.status == "in_force" and amending.derived_by is None
    assert old.status == "replaced" and old.derived_by and old.derived_by.number == "20/2023/QĐ-UBND"
    assert [link.kind for link in old.amended_by] == ["amends"]


def test_a_number_in_any_spelling_finds_its_document(indexed) -> None:
    doc_id = _id(indexed, "12/2019/QĐ-UBND")
    assert find_document(indexed, "Quyết định số 12/2019/QĐ-UBND") == find_document(indexed, str(doc_id)) == doc_id
    with pytest.raises(NotFoundError):
        find_document(indexed, "99/2019/QĐ-UBND")
    with pytest.raises(NotFoundError):
        find_document(indexed, str(_id(indexed, "03/2024/QĐ-UBND")), "public")  # internal


def test_the_writer_keeps_every_change_and_checks_what_it_is_given(indexed, tmp_path) -> None:
    kb = _copy(indexed, tmp_path / "home")
    doc_id, other = _id(kb, "07/2021/QĐ-UBND"), _id(kb, "20/2023/QĐ-UBND")
    with pytest.raises(InvalidStatusError, match="use one of in_force, replaced"):
        kb.set_status(doc_id, "abolished", set_by="a")
    for replacing in (doc_id, 10**9):
        with pytest.raises(InvalidStatusError):
            kb.set_status(doc_id, "replaced", set_by="a", replaced_by=replacing)
    kb.set_status(doc_id, "unknown", set_by="a")
    kb.set_status(doc_id, "replaced", set_by="b", replaced_by=other, note="thay bằng 20/2023")
    rows = kb.store.db.rows("SELECT status, previous, set_by, replaced_by FROM document_status ORDER BY id")
    assert rows == [{"status": "unknown", "previous": None, "set_by": "a", "replaced_by": None},
                    {"status": "replaced", "previous": "unknown", "set_by": "b", "replaced_by": other}]
    current = statuses(kb, [doc_id])[doc_id]
    assert (current.status, current.source, current.derived) == ("replaced", "manual", "in_force")
    assert current.replaced_by and current.replaced_by.id == other and current.replaced_by.kind == "manual"


def test_a_version_9_index_gains_the_status_table(indexed, tmp_path) -> None:
    copy = tmp_path / "kb.sqlite"
    with sqlite3.connect(copy) as target:
        indexed.store.db.connection().conn.backup(target)
        target.executescript("DROP TABLE document_status; PRAGMA user_version = 9;")
    migrated = Store(copy)
    assert migrated.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
    doc_id = migrated.documents.listing()[0]["id"]
    with migrated.db.transaction():
        migrated.status.record(doc_id, "expired", set_by="x")
    assert [row["status"] for row in migrated.status.history(doc_id)] == ["expired"]
    migrated.close()


def test_kb_status_shows_sets_and_audits_with_the_os_user(indexed, tmp_path) -> None:
    kb = _copy(indexed, tmp_path / "home")
    home = kb.settings.home
    shown = _kb(home, "status", "12/2019/QĐ-UBND")
    assert shown.exit_code == 0, shown.output
    assert "replaced by Quyết định số 20/2023/QĐ-UBND" in shown.output and "amended by" in shown.output
    done = _kb(home, "status", "20/2023/QĐ-UBND", "--set", "replaced", "--by", "12/2019/QĐ-UBND",
               "--note", "nhầm lẫn để thử", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["status"]["source"] == "manual" and report["history"][0]["set_by"] == getpass.getuser()
    assert report["history"][0]["note"] == "nhầm lẫn để thử"
    shown = _kb(home, "show", str(_id(kb, "20/2023/QĐ-UBND")))
    assert f"set by {getpass.getuser()}" in shown.output and "the index's relations say repealed" in shown.output
    assert _kb(home, "status", "20/2023/QĐ-UBND", "--set", "gone").exit_code == 1
    assert _kb(home, "status", "20/2023/QĐ-UBND", "--note", "x").exit_code == 2
    assert _kb(home, "status", "99/2030/QĐ-UBND").exit_code == 1


def test_a_new_version_of_a_file_keeps_its_documents_history(tmp_path) -> None:
    """A changed file is stored under a new id (``add_document(replacing=…)``): the history follows it."""
    folder = tmp_path / "docs"
    folder.mkdir()
    path = folder / "qd.txt"
    text = (DATA / "qd-07-2021-sua-doi-quy-che-cho.txt").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    kb = fake_kb_at(tmp_path / "home")
    index_paths(kb, [folder])
    old = _id(kb, "07/2021/QĐ-UBND")
    kb.set_status(old, "expired", set_by="a", note="hết thời hạn")
    path.write_text(text.replace("hằng tháng", "hằng tuần"), encoding="utf-8")
    index_paths(kb, [folder])
    new = _id(kb, "07/2021/QĐ-UBND")
    assert new != old
    assert [(row["status"], row["note"]) for row in kb.store.status.history(new)] == [("expired", "hết thời hạn")]
    assert statuses(kb, [new])[new].source == "manual"
