"""``kb backup`` and ``kb restore``: a consistent copy of an index folder, and putting one back.

A snapshot is the part of the folder that must match: ``kb.sqlite``, copied
with SQLite's online backup API (readers and ``kb serve`` go on meanwhile), and
``vectors.faiss`` and ``config.json`` copied under the write lock, so that no
indexing run changes one between the copies; ``settings.json`` when there is
one.  The converted model (``models/``) is not part of it: it is rebuilt from
its package, and a restore keeps the one the folder has.

Both write into a hidden folder beside their target and rename it into place
when it is complete, so a folder under the target's name is always whole.  A
restore also runs ``kb check`` on its copy before the swap and refuses a
snapshot that fails it; it refuses while a writer holds the folder.  The swap
is two renames (the old folder aside, the new one in) and then the old one is
deleted; a crash between the two renames leaves both beside the target under
hidden names.  A running ``kb serve`` keeps the files it had open: restart it
after a restore.

On a PostgreSQL store the database is the index: ``kb.maintenance.pg_backup``
dumps it with ``pg_dump`` into the snapshot folder, and a restore loads it into
an empty database and checks it there.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from kb.config import Settings
from kb.embedding.embedder import Embedder
from kb.errors import NotFoundError, SnapshotError
from kb.knowledge_base import write_lock
from kb.maintenance.check import CheckReport, check
from kb.storage.database import copy_database

__all__ = ["BackupReport", "backup", "restore"]

DATABASE = "kb.sqlite"
COPIED = ("vectors.faiss", "config.json", "settings.json")  # beside the database, when present
# What belongs to the index itself; everything else in a folder being restored (models/...) is kept.
_REPLACED = {DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal", "vectors.faiss", "config.json",
             "lexicon.npz", "accents.npz", "write.lock"}  # the .npz: caches, not backed up; the first search rebuilds them


@dataclass
class BackupReport:
    source: str
    destination: str
    files: dict[str, int]  # name → bytes


def backup(settings: Settings, destination: Path) -> BackupReport:
    """Copy the index folder ``settings.home`` into ``destination``, a new (or empty) folder."""
    home, destination = settings.home, destination.expanduser().resolve()
    on_server = settings.store.backend == "postgres"
    if not on_server:
        _require_index(home)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise SnapshotError(f"{destination} already exists and is not empty; give a new folder for the backup.")
    if destination == home or home in destination.parents:
        raise SnapshotError(f"The backup cannot go inside the index folder {home}.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = _beside(destination, "partial")
    try:
        if on_server:  # the database is the index: pg_dump's snapshot, taken while it serves and is written
            from kb.maintenance.pg_backup import dump

            assert settings.store.dsn is not None  # StoreSettings checked it
            dump(settings.store.dsn, staging)
        else:
            with write_lock(home):
                _copy_snapshot(home, staging)
        _sync(staging)
        os.replace(staging, destination)
        _sync_folder(destination.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = {p.name: p.stat().st_size for p in sorted(destination.iterdir())}
    return BackupReport(str(home), str(destination), files)


def restore(settings: Settings, source: Path, *, embedder: Embedder | None = None) -> CheckReport:
    """Replace the index folder ``settings.home`` with the snapshot ``source``; return the snapshot's check.

    ``embedder`` replaces the configured model in that check (tests give a deterministic one).

    Raises ``SnapshotError`` (leaving the folder as it was) when the snapshot
    fails the check, ``IndexBusyError`` while another process writes.
    """
    home, source = settings.home, source.expanduser().resolve()
    if settings.store.backend == "postgres":
        return _restore_database(settings, source, embedder)
    _require_index(source)
    if source == home:
        raise SnapshotError(f"{source} is the index folder itself.")
    home.mkdir(parents=True, exist_ok=True)
    with write_lock(home):
        staging = _beside(home, "restore")
        staging.chmod(stat.S_IMODE(home.stat().st_mode))  # who may read the folder stays as it was
        try:
            report = _prepare(settings, source, staging, embedder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _swap(staging, home)
    report.home = str(home)
    return report


def _restore_database(settings: Settings, source: Path, embedder: Embedder | None) -> CheckReport:
    """Load a PostgreSQL store's snapshot into the (empty) database the settings name, and check it there."""
    from kb.maintenance.pg_backup import load

    load(settings, source)
    report = check(settings, embedder=embedder)
    if not report.ok:
        problems = "; ".join(f"{f.name}: {f.detail}" for f in report.problems)
        raise SnapshotError(f"The snapshot {source} was loaded into the store's database but fails the check: "
                            f"{problems}. Drop that database, or mend it with kb check --repair.")
    return report


def _prepare(settings: Settings, source: Path, staging: Path, embedder: Embedder | None) -> CheckReport:
    """Fill ``staging`` with the snapshot and what the folder keeps, then check it; on failure, all goes back."""
    _copy_snapshot(source, staging)
    kept = _move_kept(settings.home, staging)
    try:
        report = check(replace(settings, home=staging), embedder=embedder)
        if not report.ok:
            problems = "; ".join(f"{f.name}: {f.detail}" for f in report.problems)
            raise SnapshotError(f"The snapshot {source} fails the check, so {settings.home} was left as it was: "
                                f"{problems}")
        _sync(staging)
    except BaseException:
        _move_back(kept, staging, settings.home)
        raise
    return report


def _require_index(folder: Path) -> None:
    if not (folder / DATABASE).is_file():
        raise NotFoundError(f"No index at {folder} (no {DATABASE}).")


def _beside(target: Path, purpose: str) -> Path:
    """A new hidden folder next to ``target``: on the same file system, so renaming it is atomic."""
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.{purpose}-", dir=target.parent))


def _copy_snapshot(source: Path, target: Path) -> None:
    copy_database(source / DATABASE, target / DATABASE)
    for name in COPIED:
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)


def _move_kept(home: Path, staging: Path) -> list[str]:
    """Move what the folder holds besides its index (the converted model...) into the new folder."""
    kept = [entry.name for entry in home.iterdir()
            if entry.name not in _REPLACED and not entry.name.endswith(".tmp") and not (staging / entry.name).exists()]
    for name in kept:
        os.replace(home / name, staging / name)
    return kept


def _move_back(kept: list[str], staging: Path, home: Path) -> None:
    for name in kept:
        os.replace(staging / name, home / name)


def _swap(staging: Path, home: Path) -> None:
    aside = _beside(home, "replaced")
    os.replace(home, aside)  # onto the empty folder just made
    os.replace(staging, home)
    _sync_folder(home.parent)
    shutil.rmtree(aside)


def _sync(folder: Path) -> None:
    """Flush every file of ``folder`` and the folder itself, so a rename never publishes unwritten data."""
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
