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
from kb.knowledge_base import KnowledgeBase

__all__ = ["DEFAULT_KEY_LEVEL", "EVERY_LEVEL", "HomeOption", "JsonOption", "ModelOption", "ViewOption", "console",
           "err", "open_index", "print_json"]

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


def open_index(home: Path | None, model: str | None = None) -> KnowledgeBase:
    return KnowledgeBase(load_settings(home, model))


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


