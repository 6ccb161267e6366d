"""``kb status``: whether a document is still in force, with every change an editor made; and setting it by hand.

The same functions as ``/api/documents/{id}/status`` (``kb.retrieval.validity``);
a change made here is audited under the name of the user who ran it.
"""

from __future__ import annotations

import getpass
from dataclasses import asdict
from typing import Annotated, Optional

import typer
from rich.markup import escape

from kb.cli_common import EVERY_LEVEL, HomeOption, JsonOption, ViewOption, console, open_index, print_json
from kb.retrieval.results import DocumentStatus, StatusLink
from kb.storage.backend import reading_at

__all__ = ["status", "status_line"]


def _link(link: StatusLink) -> str:
    name = " ".join(part for part in (link.doc_type, f"số {link.number}" if link.number else None) if part)
    return f"{name or link.title or 'document'} (id {link.id}{', ' + link.date if link.date else ''})"


def status_line(status: DocumentStatus) -> str:
    """The status in one line (``kb show``, ``kb status``): the one that counts, by whom, and what the relations say."""
    line = status.status + (f" by {_link(status.replaced_by)}" if status.replaced_by else "")
    if status.manual is not None:
        line += f" (set by {status.manual.set_by} on {status.manual.set_at}"
        line += f": {status.manual.note})" if status.manual.note else ")"
        line += f"; the index's relations say {status.derived}"
        line += f" by {_link(status.derived_by)}" if status.derived_by else ""
    else:
        line += " (from the relations of later documents)" if status.derived_by else ""
    if status.amended_by:
        line += "; amended by " + ", ".join(_link(link) for link in status.amended_by)
    return line


def status(
    document: Annotated[str, typer.Argument(help="The document's id, or its number in any spelling (05-CT/TW).")],
    set_to: Annotated[Optional[str], typer.Option(
        "--set", help="Set the status by hand: in_force, replaced, repealed, expired or unknown.")] = None,
    by: Annotated[Optional[str], typer.Option(
        "--by", help="With --set: the replacing document (id or number).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="With --set: why, kept in the history.")] = None,
    access: ViewOption = EVERY_LEVEL, home: HomeOption = None, as_json: JsonOption = False,
) -> None:
    """Show whether a document is still in force and every change made by hand; --set changes it (audited)."""
    from kb.retrieval.validity import find_document, status_report

    if set_to is None and (by is not None or note is not None):
        raise typer.BadParameter("--by and --note go with --set.")
    kb = open_index(home)
    with reading_at(access):  # as an editor of that level is, through the API
        doc_id = find_document(kb, document, access)
        if set_to is not None:
            replacing = find_document(kb, by, access) if by is not None else None
            kb.set_status(doc_id, set_to, set_by=getpass.getuser(), note=note, replaced_by=replacing, access=access)
        report = status_report(kb, doc_id, access)
    if as_json:
        print_json(asdict(report))
        return
    console.print(f"[bold]document {doc_id}[/]: {escape(status_line(report.status))}", soft_wrap=True)
    for change in report.history:
        named = f" (replacing document: id {change.replaced_by})" if change.replaced_by else ""
        said = f": {change.note}" if change.note else ""
        console.print(f"  {escape(change.set_at)} {escape(change.set_by)}: {change.previous or '-'} → "
                      f"{change.status}{escape(named + said)}", soft_wrap=True, highlight=False)
