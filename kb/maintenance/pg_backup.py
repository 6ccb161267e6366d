"""``kb backup`` and ``kb restore`` on a PostgreSQL store: ``pg_dump`` and ``pg_restore`` of the database its DSN names.

The database holds the whole index (rows, vectors, the model record in
``meta``); the folder holds only caches.  So a snapshot is one file,
``kb.pgdump`` (``pg_dump --format=custom``: one consistent snapshot of the
database, taken while it keeps serving and being written), and a restore loads
it into an **empty** database (``pg_restore --single-transaction``: all of it or
nothing), then runs ``kb check`` on it.  The folder's lexicon and accent
snapshots are deleted first: they may hold a later state of the database the
dump came from, whose id the restored one keeps.

The programs must be as new as the server (``pg_dump`` refuses an older one's
dump of a newer server, ``pg_restore`` a newer dump): the first of each whose
major version reaches the server's is used, looked up on ``PATH``, then in the
Debian layout ``/usr/lib/postgresql/<version>/bin``, newest first.

The dump runs at the highest access level (``kb.level`` as a startup option)
with row-level security on, as kb's own role: rows are never dumped past the
policies, and none is left out.  Loading needs no level: ``pg_restore`` enables
the policies after the data.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from kb.access.levels import LEVELS
from kb.config import Settings
from kb.errors import SnapshotError
from kb.storage.pg_database import server_facts

__all__ = ["DUMP", "dump", "find_program", "load"]

DUMP = "kb.pgdump"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def _search_path() -> list[Path]:
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                    key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0, reverse=True)
    return [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry] + debian


def _major(program: Path) -> int:
    """``pg_dump --version``'s major version (``pg_dump (PostgreSQL) 18.6`` → 18); 0 if it does not say."""
    try:
        out = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return 0
    found = _VERSION.search(out)
    return int(found.group(1)) if found else 0


def find_program(name: str, server: int, search: list[Path] | None = None) -> Path:
    """The first ``name`` (``pg_dump``, ``pg_restore``) in ``search`` (``PATH``, then Debian's folders) whose major
    version is at least ``server``'s; ``SnapshotError`` saying what was found when none is."""
    older = []
    for folder in _search_path() if search is None else search:
        program = folder / name
        if program.is_file() and os.access(program, os.X_OK):
            major = _major(program)
            if major >= server:
                return program
            older.append(f"{program} ({major or 'version unknown'})")
    if not older:
        raise SnapshotError(f"{name} is not installed (looked on PATH and in /usr/lib/postgresql/*/bin): install "
                            f"PostgreSQL {server}'s client programs (postgresql-client-{server}), or put the folder "
                            f"that holds {name} on PATH.")
    raise SnapshotError(f"The server is PostgreSQL {server}, and {name} must be as new: found only "
                        f"{', '.join(older)}. Install postgresql-client-{server}, or put its folder first on PATH.")


def _run(program: Path, arguments: list[str], what: str) -> None:
    env = os.environ | {"PGOPTIONS": f"-c kb.level={LEVELS[-1]}"}  # kb's role sees every row, as kb itself does
    done = subprocess.run([str(program), *arguments], capture_output=True, text=True, env=env)
    if done.returncode:
        hint = (" The database needs the vector extension, created once by a superuser: CREATE EXTENSION vector."
                if "extension" in done.stderr and "vector" in done.stderr else "")
        raise SnapshotError(f"{what} failed ({program} exited {done.returncode}): {done.stderr.strip()}{hint}")


def dump(dsn: str, folder: Path) -> None:
    """``pg_dump`` of the database ``dsn`` names into ``folder/kb.pgdump`` (custom format: ``pg_restore`` reads it)."""
    server, holds = server_facts(dsn)
    if not holds:
        raise SnapshotError("The database the store names holds no index yet: nothing to back up.")
    _run(find_program("pg_dump", server), ["--format=custom", "--enable-row-security", "--no-owner",
                                           f"--file={folder / DUMP}", f"--dbname={dsn}"], "pg_dump")


def load(settings: Settings, source: Path) -> None:
    """Load the snapshot ``source`` (a folder ``kb backup`` made on a PostgreSQL store) into the store's database,
    which must be empty; the folder's caches of an earlier database go."""
    dsn = settings.store.dsn
    assert dsn is not None  # StoreSettings checked it
    if not (source / DUMP).is_file():
        other = " (it is an SQLite index's: restore it into a folder whose store is sqlite)" if (
            source / "kb.sqlite").is_file() else ""
        raise SnapshotError(f"{source} holds no {DUMP}, so it is not a backup of a PostgreSQL store{other}.")
    server, holds = server_facts(dsn)
    if holds:
        raise SnapshotError("A restore goes into an empty database, and the one the store names holds an index. "
                            "Create a new one (CREATE DATABASE … OWNER kb; CREATE EXTENSION vector, as a superuser) "
                            "and name it in settings.json, then restore again.")
    _run(find_program("pg_restore", server), ["--single-transaction", "--exit-on-error", "--no-owner",
                                              "--no-privileges", "--no-comments", f"--dbname={dsn}",
                                              str(source / DUMP)], "pg_restore")
    for cache in ("lexicon.npz", "accents.npz"):
        (settings.home / cache).unlink(missing_ok=True)
