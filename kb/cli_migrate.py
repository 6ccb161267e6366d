"""``kb migrate --to postgres DSN``: the command over ``kb.migration``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kb.cli_common import HomeOption, JsonOption, ModelOption, console, err, open_index, plural, print_json
from kb.errors import ConfigError

if TYPE_CHECKING:
    from kb.migration.verify import Verification

__all__ = ["migrate"]


def migrate(
    dsn: Annotated[str, typer.Argument(help="The PostgreSQL database, as libpq reads it "
                                            "(postgresql://kb@db.example/kb or 'host=… dbname=…').")],
    to: Annotated[str, typer.Option("--to", help="The store to copy into: postgres.")] = "postgres",
    queries: Annotated[Optional[list[Path]], typer.Option(
        "--queries", help="Questions to search on both afterwards: kb eval's sets (JSON lines, ALQAC train.json) "
                          "or one per line; repeatable (default: document titles).")] = None,
    sample: Annotated[int, typer.Option("--sample", help="How many questions to compare, from each file.")] = 25,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Copy this SQLite index (rows, ids and vectors; no re-embedding) into PostgreSQL, then verify the copy.

    Resumes an interrupted run; refuses a database holding anything else. Exit 1 if a count differs.
    """
    from kb.migration.transfer import migrate as run_migrate
    from kb.migration.verify import question_file, sample_titles, verify

    if to != "postgres":
        raise ConfigError(f"kb migrate copies into 'postgres', not {to!r}.")
    kb = open_index(home, model)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=as_json) as progress:
        task = progress.add_task("Migrating", total=None)
        done = run_migrate(kb, dsn, lambda what, n, total: progress.update(
            task, description=what, completed=n, total=total))
    asked = [q for path in queries or [] for q in question_file(path, sample)] or sample_titles(kb, sample)
    checked = verify(kb, dsn, asked)
    if as_json:
        print_json({"copied": done.copied, "resumed": done.resumed, "seconds": done.seconds | checked.seconds,
                    "counts": checked.counts, "without_vector": checked.without_vector, "sound": checked.sound,
                    "searches": len(checked.searches),
                    "differing": [vars(c) for c in checked.differing]})
    else:
        _print(done.copied, done.resumed, done.seconds | checked.seconds, checked, dsn, kb.settings.home)
    if not checked.sound:
        raise typer.Exit(1)


def _print(copied: dict[str, int], resumed: bool, seconds: dict[str, float], checked: Verification, dsn: str,
           home: Path) -> None:
    console.print(("Resumed: " if resumed else "") + "copied " + ", ".join(
        f"{name} {count:,}" for name, count in copied.items()), highlight=False)
    console.print("Time: " + ", ".join(f"{name} {s:.1f}s" for name, s in seconds.items()), highlight=False)
    for name, (lite, pg) in checked.counts.items():
        state = "[green]ok[/]" if lite == pg else "[red]DIFFERS[/]"
        console.print(f"  {state:<18} {name:<17} SQLite {lite:>10,}  PostgreSQL {pg:>10,}", highlight=False)
    if checked.without_vector:
        console.print(f"[red]{plural(checked.without_vector, 'passage')} without a vector.[/]")
    differing = checked.differing
    console.print(f"Searches: {len(checked.searches) - len(differing)} of {len(checked.searches)} "
                  "return the same top 10 on both.", highlight=False)
    for c in differing:
        console.print(f"  differs ({c.overlap}/10 in common): {escape(c.query[:80])}", highlight=False)
    if checked.sound:
        console.print(f"To serve from PostgreSQL, put {escape(repr(dsn))} in {escape(str(home / 'settings.json'))}: "
                      f'{{"store": {{"backend": "postgres", "dsn": "…"}}}} (docs/postgres.md).', highlight=False)
    else:
        console.print("[red]The copy is incomplete: run kb migrate again to resume it.[/]")
