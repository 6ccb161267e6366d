"""``kb watch``: the command over ``kb.watching``, printing what each pass did."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from kb.access.levels import Level
from kb.cli_common import HomeOption, ModelOption, console, err, open_index

__all__ = ["watch"]


def watch(
    paths: Annotated[list[Path], typer.Argument(help="Folders (or files) to keep indexed.")],
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="Follow symbolic links that leave the folders given.")] = False,
    access: Annotated[Optional[Level], typer.Option(
        "--access",
        help="Level of files that neither their front matter nor a kb.toml gives one (default: public).")] = None,
    home: HomeOption = None, model: ModelOption = None,
) -> None:
    """Keep the index in step with folders as files are added, changed, renamed or deleted, until Ctrl-C."""
    from kb.watching import Batch, Watcher

    def report(batch: Batch) -> None:
        for outcome in batch.report.files:
            if outcome.status != "unchanged":
                console.print(f"  [cyan]{outcome.status}[/] {escape(outcome.source)}"
                              + (f": {escape(outcome.reason)}" if outcome.reason else ""))
        for path in batch.forgotten:
            console.print(f"  [cyan]removed[/] {escape(path)}")

    kb = open_index(home, model, create=True)
    watcher = Watcher(kb, paths, access=access, follow_symlinks=follow_symlinks, on_batch=report)
    err.print(f"Watching {', '.join(escape(str(p)) for p in watcher.roots)}; Ctrl-C stops.")
    try:
        watcher.run(threading.Event())
    except KeyboardInterrupt:  # during a batch: what was written is kept, the next start catches up the rest
        pass
    err.print("Stopped.")
