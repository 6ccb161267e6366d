"""What the walk reads: links, loops, unreadable entries, pipes and file names in any form.

Nothing outside the paths given is read (unless ``--follow-symlinks`` says
so) or written, every entry passed over is reported with its reason, and no
link loop makes the walk go round.
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from conftest import fake_kb_at

from indexer.errors import UnreadableFileError
from indexer.read import read_file, walk_files
from kb.config import Limits
from kb.indexing import index_paths
from kb.retrieval.search import search

TEXT = "KẾ HOẠCH\ntuyên truyền chuyển đổi số trong cơ quan, đơn vị năm 2021\n"
OUTSIDE = "a symbolic link to outside the indexed folder"


def _walk(root: Path, **options) -> dict[str, str | None]:
    """``{path relative to root: None to read, or why it is passed over}``; at most 100 entries."""
    return {f.path.relative_to(root).as_posix(): f.skip for f in itertools.islice(walk_files(root, **options), 100)}


@pytest.fixture
def tree(tmp_path):
    """docs/ with a file, a folder, and links: to a file and a folder outside, to a file and a folder inside."""
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    (docs / "sub").mkdir(parents=True)
    outside.mkdir()
    (docs / "a.txt").write_text(TEXT)
    (docs / "sub" / "b.txt").write_text(TEXT)
    (outside / "secret.txt").write_text("BÍ MẬT ngoài thư mục")
    (docs / "to-secret.txt").symlink_to(outside / "secret.txt")
    (docs / "to-outside").symlink_to(outside)
    (docs / "to-a.txt").symlink_to(docs / "a.txt")
    (docs / "to-sub").symlink_to(docs / "sub")
    return docs


def test_links_leaving_the_folder_are_reported_and_not_followed(tree):
    found = _walk(tree)
    assert {k for k, v in found.items() if v is None} == {"a.txt", "sub/b.txt", "to-a.txt"}  # to-sub: quietly
    assert set(found) == {"a.txt", "sub/b.txt", "to-a.txt", "to-outside", "to-secret.txt"}
    assert OUTSIDE in found["to-outside"] and "--follow-symlinks" in found["to-secret.txt"]


def test_following_links_reads_outside_and_ends_loops(tree):
    (tree / "sub" / "loop").symlink_to(tree)
    (tree / "self").symlink_to(tree / "self")
    found = _walk(tree, follow_symlinks=True)
    assert found["to-secret.txt"] is None and found["to-outside/secret.txt"] is None
    assert "already walked" in found["to-sub"] and "already walked" in found["sub/loop"]
    assert "links back to itself" in found["self"]
    assert sorted(k for k, v in found.items() if v is None) == [
        "a.txt", "sub/b.txt", "to-a.txt", "to-outside/secret.txt", "to-secret.txt"]


def test_pipes_are_reported_and_never_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    assert _walk(tmp_path) == {"pipe.txt": "not a regular file (a pipe, socket or device): not read"}
    with pytest.raises(UnreadableFileError, match="not a regular file"):
        read_file(tmp_path / "pipe.txt", limits=Limits())  # would block forever if it were opened


def test_names_that_cannot_be_shown_are_reported(tmp_path):
    (tmp_path / "ok.txt").write_text(TEXT)
    (tmp_path / os.fsdecode(b"bad-\xff.txt")).write_text(TEXT)
    (tmp_path / "two\nlines.txt").write_text(TEXT)
    found = _walk(tmp_path)
    assert found["ok.txt"] is None
    refused = "the name is not valid UTF-8 or holds control characters: rename it to index it"
    assert [v for k, v in found.items() if k != "ok.txt"] == [refused, refused]


def _walk_and_read(root: str) -> dict[str, str | None]:
    """``{entry: None when read, else why not}`` for everything the walk finds under ``root``."""
    found = {}
    for entry in walk_files(Path(root)):
        name = entry.path.relative_to(root).as_posix()
        found[name] = entry.skip
        if entry.skip is None:
            try:
                read_file(entry.path, limits=Limits())
            except UnreadableFileError as exc:
                found[name] = str(exc)
    return found


def _without_privileges(root: Path) -> dict:
    """``_walk_and_read(root)`` where file permissions apply: here, or as root in a child dropped to ``nobody``.

    A root process reads a file whatever its mode, so chmod 000 tests nothing
    there; a forked child that gives up root (no new interpreter, which
    ``nobody`` could not start from root's home) is bound by the modes.
    """
    if os.geteuid() != 0:
        return _walk_and_read(str(root))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody, report, and leave without running pytest's exit handlers
        try:
            os.setgid(65534)
            os.setuid(65534)
            payload = _walk_and_read(str(root))
        except BaseException as exc:  # noqa: BLE001 - whatever happens, the parent must hear of it
            payload = {"cannot drop privileges": repr(exc)}
        with os.fdopen(write_end, "w") as out:
            json.dump(payload, out)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        result = json.load(answer)
    os.waitpid(pid, 0)
    if "cannot drop privileges" in result:
        pytest.skip(f"running as root, where chmod 000 does not block reads, and {result['cannot drop privileges']}")
    return result


@pytest.fixture
def open_folder():
    """A folder any user may enter (tmp_path is root's alone), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="kb-paths-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def test_unreadable_files_and_folders_are_reported(open_folder):
    (open_folder / "ok.txt").write_text(TEXT)
    (open_folder / "ok.txt").chmod(0o644)
    (open_folder / "closed.txt").write_text(TEXT)
    (open_folder / "closed.txt").chmod(0o000)
    (open_folder / "locked").mkdir()
    (open_folder / "locked" / "inside.txt").write_text(TEXT)
    (open_folder / "locked").chmod(0o000)
    assert _without_privileges(open_folder) == {"closed.txt": "cannot read: Permission denied",
                                                "locked": "cannot open the folder: Permission denied",
                                                "ok.txt": None}


# --- through an indexing run and the command line ---------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of everything under ``folder`` but the index's own ``home``."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")
            if p.relative_to(folder).parts[0] != "home"}


def test_an_indexing_run_reads_and_writes_nothing_outside_the_paths_given(tree, tmp_path):
    kb = fake_kb_at(tmp_path / "home")
    before = _snapshot(tree.parent)
    report = index_paths(kb, [tree])
    outcome = {f.source: (f.status, f.reason) for f in report.files}
    assert outcome["to-secret.txt"][0] == "skipped" and OUTSIDE in outcome["to-secret.txt"][1]
    assert outcome["to-outside"][0] == "skipped"
    texts = " ".join(c["text"] for d in kb.store.documents.listing() for c in kb.store.chunks.of_document(d["id"]))
    assert "BÍ MẬT" not in texts and "chuyển đổi số" in texts
    assert _snapshot(tree.parent) == before
    assert {f["source"] for f in json.loads(kb.store.db.get_meta("last_run"))["problems"]} == {"to-secret.txt",
                                                                                             "to-outside"}


def _kb_index(tree: Path, home: Path, *options: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "kb", "index", str(tree), "--dry-run", "--json", "--home", str(home),
                           *options], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {f["source"]: f["status"] for f in json.loads(done.stdout)["files"]}


def test_kb_index_follows_links_only_when_asked(tree, tmp_path):
    assert _kb_index(tree, tmp_path / "home")["to-secret.txt"] == "skipped"
    followed = _kb_index(tree, tmp_path / "home", "--follow-symlinks")
    assert followed["to-secret.txt"] == "indexed" and followed["to-outside/secret.txt"] == "indexed"


def test_file_names_in_any_unicode_form_are_indexed_and_found(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    nfc = unicodedata.normalize("NFC", "Kế hoạch số 1.txt")
    nfd = unicodedata.normalize("NFD", "Quyết định số 2.txt")
    (docs / nfc).write_text(TEXT)
    (docs / nfd).write_text("QUYẾT ĐỊNH\nvề việc thành lập ban chỉ đạo phòng chống thiên tai của tỉnh\n")
    (docs / os.fsdecode(b"h\xe1\xbb\x8fng-\xff.txt")).write_text(TEXT)
    kb = fake_kb_at(tmp_path / "home")
    report = index_paths(kb, [docs])
    outcome = {f.source: f.status for f in report.files}
    assert outcome[nfc] == "indexed" and outcome[nfd] == "indexed" and outcome["hỏng-\ufffd.txt"] == "skipped"
    found = search(kb, "phòng chống thiên tai").results
    assert found[0].document.source == nfd
    assert json.loads(kb.store.db.get_meta("last_run"))["problems"][0]["source"] == "hỏng-\ufffd.txt"
