"""Models built once per machine in the user's cache, shared by every index folder.

Converting the bundled model and exporting its int8 graph takes about a minute; doing it
per index folder made every new folder sit at "Indexing 0/?" for that long.  The cache is
``$XDG_CACHE_HOME/kb/models`` (``~/.cache/kb/models``).  Two processes may ask for the same
model at once (a ``kb serve`` and a ``kb index`` started together), so a build holds a lock
file beside its target, builds into a temporary folder and renames it into place: readers
see a complete model or none, and the second process waits and then uses the first's.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["build_once", "cache_dir"]

log = logging.getLogger("kb")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kb/models``, else ``~/.cache/kb/models``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "kb" / "models"


def build_once(target: Path, is_complete: Callable[[Path], bool], build: Callable[[Path], None], what: str) -> Path:
    """``target`` as ``build`` makes it, built by one process only; the others wait for it.

    ``build`` fills the empty folder it is given; ``is_complete`` says whether a folder holds a
    finished build (checked again under the lock, since another process may just have made it).
    """
    if is_complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another kb process that is building %s in %s", what, target)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if is_complete(target):
                return target
            for leftover in target.parent.glob(f".{target.name}.tmp-*"):  # a builder killed while it held the lock
                shutil.rmtree(leftover, ignore_errors=True)
            log.warning("building %s in %s (once; every index folder then shares it)", what, target)
            building = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
            building.chmod(0o755)  # mkdtemp's 0700 would make a shared cache unreadable to others
            try:
                build(building)
                _move_into_place(building, target)
            except BaseException:
                shutil.rmtree(building, ignore_errors=True)
                raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _move_into_place(built: Path, target: Path) -> None:
    """Swap ``built`` in for ``target`` (an incomplete or outdated one is set aside, then deleted)."""
    graveyard = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    try:
        if target.exists():
            os.replace(target, graveyard / target.name)
        os.replace(built, target)
    finally:
        shutil.rmtree(graveyard, ignore_errors=True)
