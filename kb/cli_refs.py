"""``kb refs``: follow a directive, both ways: what a document relies on and what relies on it (``kb.retrieval.relations``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kb.cli_common import EVERY_LEVEL, HomeOption, JsonOption, ViewOption, console, err, open_index, print_json
from kb.retrieval.relations import RelatedDocument, RelationGroup
from kb.storage.backend import reading_at

__all__ = ["refs"]

# How each kind reads, from the document asked about to the other one and back.
_RELIES_ON = {"basis": "based on", "implements": "implements", "guides": "guides", "amends": "amends",
              "replaces": "replaces", "repeals": "repeals", "mentions": "mentions"}
_RELIED_ON_BY = {"basis": "based on it", "implements": "implement it", "guides": "guide it", "amends": "amend it",
                 "replaces": "replace it", "repeals": "repeal it", "mentions": "mention it"}


def refs(
    number: Annotated[str, typer.Argument(help="The document's number in any spelling (05-CT/TW, 'Chỉ thị 05', "
                                               "'chi thi 05', 'CT 05'), or its id.")],
    access: ViewOption = EVERY_LEVEL, home: HomeOption = None, as_json: JsonOption = False,
) -> None:
    """Follow a document: what it is based on, implements, amends or replaces, and what does so to it."""
    from kb.retrieval.relations import document_relations, documents_numbered

    kb = open_index(home)
    with reading_at(access):  # as a caller of that level: on PostgreSQL the server holds the reads to it too
        found = documents_numbered(kb, number, access)
    if len(found) > 1:
        message = f"{len(found)} documents are numbered {number}: run kb refs with the id of one."
        if as_json:
            print_json({"error": "AmbiguousNumber", "message": message, "exit_code": 1,
                        "matches": [asdict(d) for d in found]})
        else:
            table = Table("id", "type", "number", "date", "issuer", "title")
            for d in found:
                table.add_row(*(escape(str(v or "")) for v in (d.id, d.doc_type, d.number, d.date, d.issuer, d.title)))
            console.print(table)
            err.print(escape(message))
        raise typer.Exit(1)
    with reading_at(access):
        relations = document_relations(kb, found[0].id, access)
    if as_json:
        print_json(asdict(relations))
        return
    heading = " · ".join(escape(str(v)) for v in (relations.doc_type, relations.number, relations.date, relations.issuer) if v)
    console.print(f"[bold]{escape(relations.title or '')}[/]  {heading}  [dim]doc {relations.id}[/]")
    _print_direction("Relies on", relations.relies_on, _RELIES_ON)
    _print_direction("Relied on by", relations.relied_on_by, _RELIED_ON_BY)


def _print_direction(title: str, groups: list[RelationGroup], labels: dict[str, str]) -> None:
    console.print(f"\n[bold underline]{title}[/]" + ("" if groups else ": nothing in the index"))
    for group in groups:
        console.print(f"[bold cyan]{labels[group.kind]}[/]")
        for related in group.documents:
            _print_related(related)


def _print_related(related: RelatedDocument) -> None:
    name = " ".join(escape(v) for v in (related.doc_type, related.number) if v)
    where = f"[dim]doc {related.id}[/]" if related.id else "[yellow]not in the index[/]"
    if related.candidates:
        where = "[yellow]one of docs " + ", ".join(str(c.id) for c in related.candidates) + "[/]"
    console.print(f"  {escape(related.date or '----------')}  [bold]{name}[/]  [green]{escape(related.issuer or '')}[/]  "
                  f"{where}", highlight=False, soft_wrap=True)
    about = related.title or related.subject
    if about:
        console.print(f"      {escape(about)}", highlight=False)
    console.print(f"      [dim]“{escape(' '.join(related.sentence.split()))}” (passage {related.chunk_id})[/]",
                  highlight=False)
