"""The ``kb`` command: each command opens the index, calls one kb function, prints.

Errors kb raises on purpose (``KbError``) become one red line and exit code 1;
bad usage is typer's exit code 2.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import load_settings
from .errors import KbError
from .highlight import mark
from .knowledge_base import KnowledgeBase

app = typer.Typer(help="kb: find what Vietnamese directives, resolutions, plans and bulletins say.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
err = Console(stderr=True)

HomeOption = Annotated[Optional[Path], typer.Option("--home", envvar="KB_HOME",
                                                    help="Index folder (default: ~/.local/share/kb).")]
ModelOption = Annotated[Optional[str], typer.Option("--model", envvar="KB_MODEL",
                                                    help="sentence-transformers model name or path.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a listing.")]


def _open(home: Path | None, model: str | None = None) -> KnowledgeBase:
    return KnowledgeBase(load_settings(home, model))


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


@app.command()
def index(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and parse only: report, embed and write nothing.")] = False,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Index files and folders; unchanged files are skipped, changed ones replaced."""
    from .indexing import index_paths, report_dict

    kb = _open(home, model)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=as_json) as progress:
        task = progress.add_task("Indexing", total=None)
        report = index_paths(kb, paths, dry_run=dry_run, on_file=lambda o, done, total: progress.update(
            task, completed=done, total=total, description=f"Indexing {o.source[-40:]}"))
    if as_json:
        _print_json(report_dict(report))
        return
    s = report.summary()
    if dry_run:
        console.print("[bold]Dry run[/]: nothing was embedded or written.")
    console.print(f"[bold]{s['files']}[/] files: {s['indexed']} indexed, {s['unchanged']} unchanged, "
                  f"{s['skipped']} skipped, {s['errors']} errors; {s['chunks']} chunks; "
                  f"{s['garbled_chars_dropped']:,} garbled characters dropped")
    console.print("Time: " + ", ".join(f"{k} {v:.2f}s" for k, v in s["seconds"].items()))
    if len(s["by_format"]) > 1:
        table = Table("type", "indexed", "unchanged", "skipped", "errors")
        for suffix, row in s["by_format"].items():
            table.add_row(suffix, *(str(row[k]) for k in ("indexed", "unchanged", "skipped", "error")))
        console.print(table)
    for problem in s["problems"]:
        console.print(f"  [yellow]{problem['status']}[/] {escape(problem['source'])}: {escape(problem['reason'])}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, with or without accents.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 10,
    doc_type: Annotated[Optional[str], typer.Option("--type", help="Document type, e.g. 'Kế hoạch'.")] = None,
    issuer: Annotated[Optional[str], typer.Option("--issuer", help="Issuing body (part of its name).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Issued on or after (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Issued on or before (YYYY[-MM[-DD]]).")] = None,
    number: Annotated[Optional[str], typer.Option(help="Document number, e.g. 131-KH/TU.")] = None,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Search passages; each comes with its document, number, date and issuing body."""
    from .search import search as run_search
    from .store import DocumentFilters

    kb = _open(home, model)
    response = run_search(kb, query, k, DocumentFilters(doc_type, issuer, since, until, number))
    if as_json:
        _print_json(response)
        return
    if not response["results"]:
        console.print("No passage found.")
    for result in response["results"]:
        _print_result(result, query)


def _print_result(result: dict, query: str) -> None:
    doc = result["document"]
    title = " · ".join(escape(str(v)) for v in (doc["doc_type"], doc["number"], doc["date"]) if v)
    console.print(f"[bold cyan]{result['rank']}.[/] [bold]{escape(doc['title'] or doc['source'])}[/]  {title}")
    console.print(f"   [green]{escape(result['issuer'] or '')}[/]  [dim]{escape(result['section'])}[/]")
    text = result["text"] if len(result["text"]) < 700 else result["text"][:700] + "…"
    console.print("   " + mark(text, query, "[bold yellow]", "[/]", escape), highlight=False)
    console.print(f"   [dim]{escape(doc['source'])} [{result['char_start']}:{result['char_end']}] "
                  f"doc {doc['id']} score {result['score']}[/]\n")


@app.command()
def show(doc_id: int, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show one document: its metadata, references and passages."""
    from .documents import document_detail

    detail = document_detail(_open(home), doc_id)
    if as_json:
        _print_json(detail)
        return
    for name in ("title", "doc_type", "number", "issuer", "issuer_parent", "date", "place", "signer",
                 "signer_position", "subject", "source"):
        if detail.get(name):
            console.print(f"[bold]{name}[/]: {escape(str(detail[name]))}")
    refs = ", ".join(r["printed"] for r in detail["references"])
    console.print(f"[bold]references[/]: {escape(refs) or '-'}\n")
    for chunk in detail["chunks"]:
        console.print(f"[dim]#{chunk['id']} {escape(chunk['section'])} — {escape(chunk['issuer'] or '')}[/]")
        console.print(escape(chunk["text"]) + "\n")


@app.command()
def documents(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List the indexed documents."""
    rows = _open(home).store.documents()
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "type", "number", "date", "issuer", "title", "chunks", "source")
    for r in rows:
        table.add_row(*(escape(str(r[c] or "")) for c in
                        ("id", "doc_type", "number", "date", "issuer", "title", "chunks", "source")))
    console.print(table)


@app.command()
def remove(doc_id: int, home: HomeOption = None, model: ModelOption = None) -> None:
    """Remove a document, its passages and their vectors from the index."""
    from .indexing import remove_document

    document = remove_document(_open(home, model), doc_id)
    console.print(f"Removed document {doc_id}: {escape(document['title'] or document['source'])}")


@app.command()
def stats(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Counts of documents, passages and references, and the last indexing run's problems."""
    kb = _open(home)
    figures = kb.store.stats() | {"home": str(kb.settings.home), "model": kb.recorded_model}
    if as_json:
        _print_json(figures)
        return
    for name, value in figures.items():
        console.print(f"[bold]{name}[/]: {escape(json.dumps(value, ensure_ascii=False))}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    home: HomeOption = None, model: ModelOption = None,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from service.app import create_app

    uvicorn.run(create_app(load_settings(home, model)), host=host, port=port, log_level="info")


@app.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Questions: our JSONL (query, kind, relevant[].doc/.contains) "
                                              "or an ALQAC questions file (train.json).")],
    variants: Annotated[str, typer.Option(help="Query forms besides as typed: 'all' or a list of "
                                               "unaccented,half-accented,lowercase,typos.")] = "typed",
    passages: Annotated[Optional[Path], typer.Option(help="ALQAC passages file (default: legal_passages.json "
                                                          "beside FILE).")] = None,
    api: Annotated[Optional[str], typer.Option(help="Ask a running server (e.g. http://127.0.0.1:8000).")] = None,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Measure retrieval quality, kb beside a plain BM25: hit@1/5/10, MRR@10, nDCG@10, recall@10, latency."""
    from .evaluate import evaluate_file, format_report
    from .variants import parse_variants

    report = evaluate_file(file, load_settings(home, model), api=api, variants=parse_variants(variants),
                           passages=passages, progress=lambda line: err.print(line, highlight=False))
    if as_json:
        _print_json(report)
    else:
        print(format_report(report))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="kb: %(message)s")
    try:
        app()
    except KbError as exc:
        err.print(f"[red]Error:[/] {escape(str(exc))}")
        raise SystemExit(1) from None
