"""What every ``kb`` command shares: its consoles, its common options, how it opens the index and prints JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from kb.access.keys import DEFAULT_LEVEL
from kb.access.levels import LEVELS, Level
from kb.config import load_settings
from kb.errors import NoIndexError
from kb.knowledge_base import KnowledgeBase

__all__ = ["DEFAULT_KEY_LEVEL", "EVERY_LEVEL", "HomeOption", "JsonOption", "ModelOption", "PROJECT_INDEX", "ViewOption",
           "console", "err", "open_index", "print_json"]

console = Console()
err = Console(stderr=True)

HomeOption = Annotated[Optional[Path], typer.Option("--home", envvar="KB_HOME",
                                                    help="Index folder (default: ~/.local/share/kb).")]
ModelOption = Annotated[Optional[str], typer.Option("--model", envvar="KB_MODEL",
                                                    help="sentence-transformers model name or path.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a listing.")]
EVERY_LEVEL: Level = LEVELS[-1]  # the command line sees everything unless told --access
DEFAULT_KEY_LEVEL: Level = DEFAULT_LEVEL
ViewOption = Annotated[Level, typer.Option(
    "--access",
    help="See the index as a caller allowed this level sees it (default: everything).")]


PROJECT_INDEX = Path(".kb")  # where `make run` indexes the bundled corpus, in the project folder


def open_index(home: Path | None, model: str | None = None, *, create: bool = False) -> KnowledgeBase:
    """The index folder; only a write (``create=True``: ``kb index``, ``kb keys add``) makes a new one.

    Run in the project folder without ``KB_HOME``, the index `make run` built is one ``--home`` away: say so.
    """
    try:
        return KnowledgeBase(load_settings(home, model), create=create)
    except NoIndexError as exc:
        if (PROJECT_INDEX / "kb.sqlite").is_file():
            raise NoIndexError(f"{exc} The index `make run` built is in {PROJECT_INDEX.resolve()}: "
                               f"KB_HOME=.kb .venv/bin/kb ... (or --home .kb).") from None
        raise


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


