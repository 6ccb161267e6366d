"""`kb watch`: real files added, changed, renamed, deleted and written slowly in a temporary folder, a real
SQLite file and vector file, the watcher on a thread; every wait is for the index's state, with a deadline."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import HashingEmbedder, fake_kb_at
from typer.testing import CliRunner

from kb.cli import app as cli_app
from kb.errors import IndexBusyError
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import check
from kb.storage.filters import DocumentFilters
from kb.watching import Watcher

DEADLINE = 60.0  # seconds: generous for a loaded two-core machine; a passing run takes a second or two a step


def document(n: int, extra: str = "") -> str:
    """A small report of its own (no number or issuer, so no two are taken for versions of one document)."""
    words = " ".join(f"mục{n}x{k}" for k in range(12))
    body = (f"Công việc thứ {n} của văn phòng trong tuần này gồm rà soát hồ sơ, tổng hợp ý kiến và báo cáo kết quả "
            f"cho lãnh đạo. Các từ riêng của tài liệu: {words}. {extra}")
    return f"# Báo cáo công việc {n}\n\n{body}\n\n{body} Phần hai nhắc lại để đủ một đoạn.\n"


def wait_for(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE:.0f} s: {what}")
        time.sleep(0.05)


class Watching:
    """A watcher running on a thread over ``folder``, stopped (and its errors raised) on exit."""

    def __init__(self, kb: KnowledgeBase, folder: Path, settle: float) -> None:
        self.kb, self.batches = kb, []
        self.watcher = Watcher(kb, [folder], settle=settle, on_batch=self.batches.append)
        self.stop, self.failed = threading.Event(), []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.watcher.run(self.stop)
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            self.failed.append(exc)

    def sources(self) -> dict[str, dict]:
        """The indexed documents by file name, as another process reading the folder sees them."""
        return {row["source"]: row for row in self.kb.store.documents.listing(DocumentFilters())}

    def text(self, source: str) -> str:
        """The stored text of the document read from ``source`` ("" while there is none)."""
        row = self.sources().get(source)
        return self.kb.store.documents.text_of(row["id"]) if row else ""

    def indexed(self, source: str) -> int:
        return sum(1 for batch in self.batches for f in batch.report.files if f.source == source and f.status == "indexed")


@contextlib.contextmanager
def watching(kb: KnowledgeBase, folder: Path, settle: float = 0.3) -> Iterator[Watching]:
    running = Watching(kb, folder, settle)
    running.thread.start()
    try:
        wait_for("the watcher to start", lambda: running.watcher.ready.is_set() or bool(running.failed))
        yield running
    finally:
        running.stop.set()
        running.thread.join(timeout=DEADLINE)
    assert not running.thread.is_alive(), "the watcher did not stop when told"
    if running.failed:
        raise running.failed[0]


def assert_sound(kb: KnowledgeBase) -> None:
    """The folder checks sound: as many vectors as passages, none stale, nothing left behind."""
    report = check(kb.settings, embedder=HashingEmbedder())
    assert report.ok, [f for f in report.findings if not f.ok]


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "docs").mkdir()
    return tmp_path / "docs"


@pytest.fixture
def kb(tmp_path) -> KnowledgeBase:
    return fake_kb_at(tmp_path / "home")


def test_watch_follows_added_changed_renamed_and_deleted_files(kb, folder):
    (folder / "before.md").write_text(document(0), encoding="utf-8")  # there before the watcher: caught up at start
    with watching(kb, folder) as w:
        assert set(w.sources()) == {"before.md"}
        (folder / "sub").mkdir()
        (folder / "sub" / "a.md").write_text(document(1), encoding="utf-8")
        wait_for("a new file indexed", lambda: "sub/a.md" in w.sources())

        (folder / "sub" / "a.md").write_text(document(1, "Thêm một câu mới về kinh phí."), encoding="utf-8")
        wait_for("a changed file read again", lambda: "kinh phí" in w.text("sub/a.md"))

        (folder / "sub" / "a.md").rename(folder / "b.md")
        wait_for("a renamed file under its new name only", lambda: set(w.sources()) == {"before.md", "b.md"})

        (folder / "b.md").unlink()
        wait_for("a deleted file gone", lambda: set(w.sources()) == {"before.md"})
        assert w.indexed("sub/a.md") == 2 and w.indexed("b.md") == 1
    assert_sound(kb)


def test_watch_a_burst_of_files_then_a_folder_deleted(kb, folder):
    with watching(kb, folder) as w:
        (folder / "many").mkdir()
        for n in range(100):
            (folder / "many" / f"{n:03}.md").write_text(document(n), encoding="utf-8")
        names = [f"many/{n:03}.md" for n in range(100)]
        wait_for("100 files indexed", lambda: all(w.indexed(name) for name in names))
        assert len(w.sources()) == 100 and [w.indexed(name) for name in names] == [1] * 100
        for path in (folder / "many").iterdir():
            path.unlink()
        (folder / "many").rmdir()
        wait_for("every file of the deleted folder gone", lambda: not w.sources())
    assert_sound(kb)


def test_a_file_still_being_written_is_indexed_once_complete(kb, folder):
    pieces = document(7).split("\n\n")
    with watching(kb, folder, settle=1.0) as w:
        with open(folder / "slow.md", "w", encoding="utf-8") as handle:
            for piece in pieces:
                handle.write(piece + "\n\n")
                handle.flush()
                time.sleep(0.3)
        wait_for("the file indexed", lambda: "slow.md" in w.sources())
        assert "Phần hai nhắc lại" in w.text("slow.md")
        time.sleep(1.5)  # long enough for a second reading to show
        assert w.indexed("slow.md") == 1


def test_a_copy_takes_the_place_of_its_deleted_original(kb, folder):
    (folder / "original.md").write_text(document(3), encoding="utf-8")
    (folder / "z-copy.md").write_text(document(3), encoding="utf-8")
    with watching(kb, folder) as w:
        assert set(w.sources()) == {"original.md"}  # the other is recorded as its copy
        (folder / "original.md").unlink()
        wait_for("the copy indexed in its place", lambda: set(w.sources()) == {"z-copy.md"})
    assert_sound(kb)


def test_the_watcher_is_the_one_writer(kb, folder):
    with watching(kb, folder):
        with pytest.raises(IndexBusyError):
            index_paths(fake_kb_at(kb.settings.home), [folder])


def test_batches_report_what_they_did(kb, folder):
    (folder / "a.md").write_text(document(1), encoding="utf-8")
    with watching(kb, folder) as w:
        (folder / "a.md").unlink()
        wait_for("the file forgotten", lambda: any(b.forgotten for b in w.batches))
    assert w.batches[0].report.count("indexed") == 1
    assert [b.forgotten for b in w.batches if b.forgotten] == [[str((folder / "a.md").resolve())]]


def test_cli_watch_refuses_a_missing_folder(tmp_path):
    done = CliRunner().invoke(cli_app, ["watch", str(tmp_path / "nowhere"), "--home", str(tmp_path / "home")])
    assert done.exit_code == 1 and "No such file or folder" in done.output
