"""Document access levels: who may see a document, and how a file's level is decided when it is indexed.

Three levels, ordered: ``public`` < ``internal`` < ``restricted``.  A caller
allowed a level sees the documents at that level and below; anonymous callers
of the service see ``public`` only, the command line (the index's owner)
sees everything unless told ``--access``.

A file's level, most specific first (the first that is set wins):

1. front matter at the top of a ``.md``/``.txt`` file (``---\\naccess: restricted\\n---``);
2. ``access = "internal"`` in the nearest ``kb.toml`` from the file's folder up
   to the folder given to ``kb index`` (for a file given by name: its own
   folder only), so nothing outside the given paths is read;
3. ``kb index --access LEVEL``;
4. ``public``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from kb.errors import ConfigError, InvalidQueryError

__all__ = ["Level", "LEVELS", "FOLDER_FILE", "UnknownLevelError", "visible_levels", "check_level", "LevelPolicy"]

Level = Literal["public", "internal", "restricted"]
LEVELS: tuple[Level, ...] = get_args(Level)  # lowest first
FOLDER_FILE = "kb.toml"


class UnknownLevelError(InvalidQueryError):
    """An access level that is not one of ``LEVELS`` (a 422 in the service, exit 1 on the command line)."""


def check_level(value: str) -> str:
    """``value`` if it names a level, else ``UnknownLevelError`` saying which levels exist."""
    if value not in LEVELS:
        raise UnknownLevelError(f"Unknown access level {value!r}: use one of {', '.join(LEVELS)}.")
    return value


def visible_levels(level: str) -> tuple[str, ...]:
    """The levels a caller allowed ``level`` may see: that level and every lower one."""
    return LEVELS[: LEVELS.index(check_level(level)) + 1]


@dataclass
class LevelPolicy:
    """Decides the level of each file of one indexing run; reads each ``kb.toml`` once.

    ``default`` is the run's ``--access`` (``None``: public).  Roots are the
    paths given to ``kb index``; a ``kb.toml`` is looked for only inside them.
    """

    default: str | None = None
    _folders: dict[Path, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default is not None:
            check_level(self.default)

    def level(self, path: Path, root: Path, front_matter: dict[str, str]) -> str:
        """The level of ``path`` (found under ``root``, as the walk names it), given its front matter.

        Folders are climbed by name, not resolved: a linked folder inside the
        tree is governed by the ``kb.toml`` files around where it appears.
        """
        if "access" in front_matter:
            return _checked(front_matter["access"], f"the front matter of {path.name}")
        boundary = root if root.is_dir() else root.parent
        folder = path.parent
        while folder.is_relative_to(boundary):
            found = self._folder_level(folder, boundary)
            if found:
                return found
            if folder == boundary:
                break
            folder = folder.parent
        return self.default or LEVELS[0]

    def _folder_level(self, folder: Path, boundary: Path) -> str | None:
        if folder not in self._folders:
            self._folders[folder] = _read_folder_file(folder / FOLDER_FILE, boundary)
        return self._folders[folder]


def _read_folder_file(path: Path, boundary: Path) -> str | None:
    """The ``access`` of a folder's ``kb.toml``, or ``None`` when there is no file or it sets no level.

    A ``kb.toml`` that links outside the indexed folder is an error, not
    skipped: skipping it could leave its folder's files public.
    """
    if not path.is_file():
        return None
    if path.is_symlink() and not path.resolve().is_relative_to(boundary.resolve()):
        raise ConfigError(f"{path} is a symbolic link to outside the indexed folder: not read.")
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from exc
    value = settings.get("access")
    return None if value is None else _checked(value, str(path))


def _checked(value: object, where: str) -> str:
    if value not in LEVELS:
        raise UnknownLevelError(f"Unknown access level {value!r} in {where}: use one of {', '.join(LEVELS)}.")
    return str(value)
