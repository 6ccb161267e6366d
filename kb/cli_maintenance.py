"""``kb check``, ``kb backup`` and ``kb restore``: the commands over ``kb.maintenance``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kb.cli_common import HomeOption, JsonOption, ModelOption, console, plural, print_json
from kb.config import load_settings
from kb.maintenance.check import CheckReport

__all__ = ["backup", "check_index", "restore"]


def check_index(
    repair: Annotated[bool, typer.Option("--repair", help="Mend what can be rebuilt from kb.sqlite "
                                                           "(takes the write lock).")] = False,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Verify the index folder (SQLite, full-text index, vectors, model, leftovers); exit 1 on any problem."""
    from kb.maintenance.check import check

    _print_check(check(load_settings(home, model), repair=repair), as_json)


def _print_check(report: CheckReport, as_json: bool) -> None:
    """Each finding on a line, then exit 1 unless all are sound: the check's (and a restore's) output."""
    if as_json:
        print_json(report.as_dict())
    else:
        console.print(f"[bold]{escape(report.home)}[/]")
        for f in report.findings:
            state = "[green]repaired[/]" if f.repaired else "[green]ok[/]" if f.ok else "[red]PROBLEM[/]"
            detail = f"{f.detail} (was: {f.repaired})" if f.repaired else f.detail
            hint = f" [dim]→ --repair: {f.fix}[/]" if not f.ok and f.fix else ""
            console.print(f"  {state:<20} {f.name:<11} {escape(detail)}{hint}", highlight=False, soft_wrap=True)
        console.print("Sound." if report.ok else f"[red]{plural(len(report.problems), 'problem')}.[/]")
    if not report.ok:
        raise typer.Exit(1)


def backup(
    destination: Annotated[Path, typer.Argument(help="A new folder for the snapshot.")],
    home: HomeOption = None,
) -> None:
    """Copy the index (database, vectors, model record) consistently while it keeps serving (pg_dump on postgres)."""
    from kb.maintenance.backup import backup as run_backup

    report = run_backup(load_settings(home), destination)
    sizes = ", ".join(f"{name} {size:,} B" for name, size in report.files.items())
    console.print(f"Backed up {escape(report.source)} to {escape(report.destination)}: {escape(sizes)}", soft_wrap=True)


def restore(
    source: Annotated[Path, typer.Argument(help="A folder made by `kb backup`.")],
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Replace the index with a snapshot, after checking it; refused while a writer holds the folder.
    On a postgres store: load it into the empty database the settings name, then check it."""
    from kb.maintenance.backup import restore as run_restore

    settings = load_settings(home, model)
    report = run_restore(settings, source)
    if not as_json:
        target = ("the database settings.json names (point every kb serve and kb worker at it)"
                  if settings.store.backend == "postgres" else report.home)
        console.print(f"Restored {escape(str(source))} into {escape(target)}; restart `kb serve` if it runs.")
    _print_check(report, as_json)
