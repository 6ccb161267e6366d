"""``kb related FILE``: drafting help over ``kb.retrieval.related`` (the căn cứ of a draft, the passages nearest
its parts, its citations to check)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kb.cli_common import EVERY_LEVEL, HomeOption, JsonOption, ModelOption, ViewOption, console, open_index, print_json
from kb.retrieval.results import DocumentRef
from kb.storage.backend import reading_at

__all__ = ["related_draft"]

STATUS = {"unresolved": "not in the index", "ambiguous": "names several indexed documents:",
          "replaced": "no longer in force:"}


def _ended(doc: DocumentRef) -> str:
    """``131-KH/TU replaced by 20-KH/TU``: a document's status, and the document that ended it when known."""
    status = doc.status
    by = status.replaced_by if status else None
    return f"{doc.number or doc.id} {status.status if status else ''}" + (f" by {by.number or by.id}" if by else "")


def related_draft(
    file: Annotated[str, typer.Argument(help="The draft: a .docx, .pdf, .txt, .md or .html file, or - for text on stdin.")],
    k: Annotated[int, typer.Option("-k", help="How many căn cứ to suggest.")] = 10,
    per_part: Annotated[int, typer.Option("--per-part", min=0, max=10,
                                          help="Passages shown for each part of the draft.")] = 3,
    access: ViewOption = EVERY_LEVEL,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Read a draft (never stored) and suggest the căn cứ it should cite, the earlier passages nearest each of its
    parts, and its citations that name nothing indexed or a replaced document."""
    from kb.retrieval.drafts import draft_from_file, draft_from_text
    from kb.retrieval.related import related

    kb = open_index(home, model)
    limits = kb.settings.limits
    draft = draft_from_text(sys.stdin.read(), limits) if file == "-" else draft_from_file(Path(file), limits)
    with reading_at(access):
        response = related(kb, draft, access, k=k, per_part=per_part)
    if as_json:
        print_json(asdict(response))
        return
    console.print("[bold]Căn cứ[/] (by date; #rank)")
    for s in response.basis:
        console.print(f"  #{s.rank} {escape(s.citation or s.document.source)} [dim](doc {s.document.id})[/]",
                      highlight=False, soft_wrap=True)
        console.print(f"     [dim]{escape('; '.join(s.reasons))}[/]", highlight=False)
        if not s.in_force:
            console.print(f"     [red]{escape(_ended(s.document))}[/]", highlight=False)
    if not response.basis:
        console.print("  none found")
    console.print("\n[bold]Citations to check[/]")
    for p in response.problems:
        named = "; ".join(_ended(d) if p.status == "replaced" else d.number or str(d.id) for d in p.documents)
        console.print(f"  {escape(p.printed)}: {STATUS[p.status]} {escape(named)}", highlight=False)
    if not response.problems:
        console.print("  none")
    console.print("\n[bold]Nearest passages[/]")
    for part in response.parts:
        console.print(f"  [cyan]{escape(part.section)}[/] {escape(' '.join(part.text.split())[:120])}…", highlight=False)
        for hit in part.passages:
            doc = hit.document
            console.print(f"     [dim]{escape(doc.number or doc.title or doc.source)} › {escape(hit.section)}[/] "
                          f"{escape(' '.join(hit.text.split())[:160])}…", highlight=False)
