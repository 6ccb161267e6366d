"""The ``kb`` command: each command opens the index, calls one kb function, prints.

Errors kb raises on purpose (``KbError``) become one red line and exit code 1,
bad usage is typer's exit code 2, and under ``--json`` either is a JSON object
(``kb.cli_common.KbGroup``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from kb.access.levels import Level
from kb.cli_common import (
    EVERY_LEVEL,
    HomeOption,
    JsonOption,
    KbGroup,
    ModelOption,
    ViewOption,
    console,
    err,
    listening_socket,
    open_index,
    plural,
    print_json,
)
from kb.cli_keys import keys_app
from kb.cli_maintenance import backup, check_index, restore
from kb.cli_migrate import migrate
from kb.cli_refs import refs
from kb.cli_related import related_draft
from kb.cli_status import status, status_line
from kb.cli_watch import watch
from kb.cli_worker import worker
from kb.config import load_settings
from kb.retrieval.highlight import excerpt
from kb.retrieval.results import SearchHit
from kb.storage.backend import reading_at

app = typer.Typer(help="kb: find what Vietnamese directives, resolutions, plans and bulletins say.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=KbGroup)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        print(f"kb {version('kb')}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                                   help="Print kb's version and exit.")] = False) -> None:
    """kb: find what Vietnamese directives, resolutions, plans and bulletins say."""


@app.command()
def index(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and parse only: report, embed and write nothing.")] = False,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks",
        help="Follow symbolic links that leave the folders given (reported and skipped otherwise).")] = False,
    access: Annotated[Optional[Level], typer.Option(
        "--access",
        help="Level of files that neither their front matter nor a kb.toml gives one (default: public).")] = None,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Index files and folders; unchanged files are skipped, changed ones replaced."""
    from kb.indexing import index_paths
    from kb.indexing_report import FURNITURE_REPORT, report_dict

    kb = open_index(home, model, create=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=as_json) as progress:
        task = progress.add_task("Indexing", total=None)
        report = index_paths(
            kb, paths, dry_run=dry_run, follow_symlinks=follow_symlinks, access=access,
            on_file=lambda o, done, total: progress.update(
                task, completed=done, total=total, description=f"Indexing {o.source[-40:]}"))
    if as_json:
        print_json(report_dict(report))
        return
    s = report.summary()
    if dry_run:
        console.print("[bold]Dry run[/]: nothing was embedded or written.")
    console.print(_counts(s))
    if s["furniture_lines_dropped"]:
        where = "" if dry_run else f": see {kb.settings.home / FURNITURE_REPORT}"
        console.print(f"{plural(s['furniture_lines_dropped'], 'line')} left out as site furniture{where}")
    console.print("Time: " + ", ".join(f"{k} {v:.2f}s" for k, v in s["seconds"].items()))
    if len(s["by_format"]) > 1:
        table = Table("type", "indexed", "unchanged", "copies", "skipped", "errors")
        for suffix, row in s["by_format"].items():
            table.add_row(suffix, *(str(row[k]) for k in ("indexed", "unchanged", "copy", "skipped", "error")))
        console.print(table)
    _print_problems(s["problems"])
    _print_copies(s)


def _print_copies(summary: dict) -> None:
    """Each file recognised as a document already indexed, and each whose text took a document's place."""
    for copy in summary["copies_found"]:
        console.print(f"  [cyan]copy[/] {escape(copy['source'])}: of document {copy['document_id']} "
                      f"({escape(copy['of'])}), not stored again")
    for version in summary["replaced"]:
        console.print(f"  [cyan]replaced[/] {escape(version['source'])}: now the text of document "
                      f"{version['document_id']}, in place of {escape(version['in_place_of'])}")


def _counts(summary: dict) -> str:
    """One line of an indexing run's counts, from its summary (``IndexReport.summary`` or the stored last run)."""
    return (f"{plural(summary['files'], 'file')}: {summary['indexed']} indexed, {summary['unchanged']} unchanged, "
            f"{plural(summary.get('copies', 0), 'copy', 'copies')}, {summary['skipped']} skipped, "
            f"{plural(summary['errors'], 'error')}; {plural(summary['chunks'], 'passage')}; "
            f"{plural(summary['garbled_chars_dropped'], 'garbled character')} dropped")


def _print_problems(problems: list[dict]) -> None:
    """Each file a run skipped or could not read, by name, with the reason."""
    for problem in problems:
        console.print(f"  [yellow]{problem['status']}[/] {escape(problem['source'])}: {escape(problem['reason'])}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, with or without accents.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 10,
    doc_type: Annotated[Optional[str], typer.Option(
        "--type", help="Document type: name, code or English word, e.g. 'Kế hoạch', KH, Plan.")] = None,
    issuer: Annotated[Optional[str], typer.Option(
        "--issuer", help="Issuing body (part of its name; UBND, BTV, TU… spelt out).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Issued on or after (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Issued on or before (YYYY[-MM[-DD]]).")] = None,
    number: Annotated[Optional[str], typer.Option(help="Document number, e.g. 131-KH/TU.")] = None,
    access: ViewOption = EVERY_LEVEL,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Search passages; each comes with its document, number, date and issuing body."""
    from kb.retrieval.filters import resolve_filters
    from kb.retrieval.search import search as run_search

    kb = open_index(home, model)
    with reading_at(access):  # as a caller of that level: on PostgreSQL the server holds the reads to it too
        filters = resolve_filters(kb, doc_type, issuer, since, until, number, access=access)
        response = run_search(kb, query, k, filters, suggest=not as_json)  # --json is the API's object: no suggestion
    if as_json:
        print_json(asdict(response))
        return
    if response.restored:
        console.print(f"[dim]Searched for: {escape(response.restored)}[/]")
    if response.suggestion and response.suggestion != response.restored:  # a typo mended, not only the accents
        console.print(f"Did you mean: [bold]{escape(response.suggestion)}[/]")
    if response.reason:  # nothing in the index answers: say why rather than show the least bad passages
        console.print(f"[yellow]No answer in the index.[/] {escape(response.reason)}")
    elif not response.results:
        console.print("No passage found.")
    for result in response.results:
        _print_result(result, query, response.restored)


def _print_result(result: SearchHit, query: str, restored: str | None) -> None:
    doc = result.document
    title = " · ".join(escape(str(v)) for v in (doc.doc_type, doc.number, doc.date) if v)
    console.print(f"[bold cyan]{result.rank}.[/] [bold]{escape(doc.title or doc.source)}[/]  {title}")
    console.print(f"   [green]{escape(result.issuer or '')}[/]  [dim]{escape(result.section)}[/]")
    shown = excerpt(result.text, query, restored, limit=700)  # around the best match, as on the page
    console.print("   " + shown.marked("[bold yellow]", "[/]", escape), highlight=False)
    page = f" page {result.page}" if result.page else ""  # a PDF's printed page, to find the passage in the file
    console.print(f"   [dim]{escape(doc.source)}{page} [{result.char_start}:{result.char_end}] "
                  f"doc {doc.id} score {result.score}[/]\n")


@app.command()
def show(doc_id: int, access: ViewOption = EVERY_LEVEL, home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show one document: its metadata, references and passages."""
    from kb.retrieval.documents import document_detail

    kb = open_index(home)
    with reading_at(access):
        detail = document_detail(kb, doc_id, access)
    if as_json:
        print_json(asdict(detail))
        return
    for name in ("title", "doc_type", "number", "issuer", "issuer_parent", "date", "place", "signer",
                 "signer_position", "subject", "citation", "source", "access"):
        if getattr(detail, name):
            console.print(f"[bold]{name}[/]: {escape(str(getattr(detail, name)))}")
    if detail.status is not None:
        console.print(f"[bold]status[/]: {escape(status_line(detail.status))}", soft_wrap=True)
    for file in detail.sources:
        console.print(f"[bold]{file.role}[/]: {escape(file.source)} [dim]({escape(file.encoding or file.format or '')})[/]")
    refs = ", ".join(r.printed for r in detail.references)
    console.print(f"[bold]references[/]: {escape(refs) or '-'}\n")
    for chunk in detail.chunks:
        page = f" (page {chunk.page})" if chunk.page else ""
        console.print(f"[dim]#{chunk.id} {escape(chunk.section)}{page} — {escape(chunk.issuer or '')}[/]")
        console.print(escape(chunk.text) + "\n")


@app.command()
def documents(
    doc_type: Annotated[Optional[str], typer.Option("--type", help="Document type, e.g. 'Kế hoạch'.")] = None,
    issuer: Annotated[Optional[str], typer.Option("--issuer", help="Issuing body (part of its name).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Issued on or after (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Issued on or before (YYYY[-MM[-DD]]).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Part of the title or number, accents optional "
                                                                "(the API's q).")] = None,
    page: Annotated[int, typer.Option(min=1, help="Page number, from 1.")] = 1,
    per_page: Annotated[int, typer.Option(min=1, help="Documents a page.")] = 20,
    access: ViewOption = EVERY_LEVEL, home: HomeOption = None, as_json: JsonOption = False,
) -> None:
    """List the indexed documents, newest first, a page at a time (as GET /api/documents)."""
    from kb.retrieval.documents import document_page
    from kb.retrieval.filters import resolve_filters

    kb = open_index(home)
    with reading_at(access):
        listing = document_page(kb, resolve_filters(kb, doc_type, issuer, since, until, access=access),
                                text=title, page=page, per_page=per_page)
    if as_json:
        print_json(asdict(listing))
        return
    table = Table("id", "type", "number", "date", "issuer", "title", "passages", "access", "status", "source")
    for d in listing.items:
        table.add_row(*(escape(str(v or "")) for v in
                        (d.id, d.doc_type, d.number, d.date, d.issuer, d.title, d.chunks, d.access,
                         d.status.status if d.status else "", d.source)))
    console.print(table)
    pages = max(1, -(-listing.total // per_page))
    console.print(f"Page {page} of {pages}: {plural(len(listing.items), 'document')} of {listing.total:,}"
                  + (" (--page for the others)" if pages > 1 else ""))


@app.command()
def remove(doc_id: int, home: HomeOption = None, model: ModelOption = None) -> None:
    """Remove a document, its passages and their vectors from the index."""
    document = open_index(home, model).remove_document(doc_id)
    console.print(f"Removed document {doc_id}: {escape(document['title'] or document['source'])}")


@app.command()
def stats(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Counts of documents, passages and references, and the last indexing run's problems."""
    kb = open_index(home)
    figures = kb.store.stats.summary() | {"home": str(kb.settings.home), "model": kb.read_recorded_model()}
    if as_json:
        print_json(figures)
        return
    table = Table("", "", show_header=False, box=None)
    for label, key in (("documents", "documents"), ("passages", "chunks"), ("document cards", "cards"),
                       ("references", "references"), ("garbled characters dropped", "garbled_chars")):
        table.add_row(label, f"{figures[key]:,}")
    for group, label in (("by_type", "type"), ("by_access", "access")):
        for name, count in figures[group].items():
            table.add_row(f"  {label} {escape(name)}", f"{count:,}")
    model = figures["model"]
    table.add_row("model", escape(f"{model['model']} ({model.get('backend', 'torch')}, {model['dimension']} dimensions)")
                  if model else "none yet (no passages)")
    table.add_row("index folder", escape(figures["home"]))
    console.print(table)
    if figures["last_run"]:
        console.print("Last indexing run: " + _counts(figures["last_run"]))
        _print_problems(figures["last_run"]["problems"])


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    home: HomeOption = None, model: ModelOption = None,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from service.app import create_app

    sock = listening_socket(host, port)  # a port in use fails here, at once, in one line
    server = uvicorn.Server(uvicorn.Config(create_app(load_settings(home, model)), host=host, port=port,
                                           log_level="info"))
    server.run(sockets=[sock])




@app.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Questions: our JSONL (query, kind, relevant[].doc/.contains) "
                                              "or an ALQAC questions file (train.json).")],
    variants: Annotated[str, typer.Option(help="Query forms besides as typed: 'all' or a list of "
                                               "unaccented,half-accented,lowercase,typos.")] = "typed",
    passages: Annotated[Optional[Path], typer.Option(help="ALQAC passages file (default: legal_passages.json "
                                                          "beside FILE).")] = None,
    api: Annotated[Optional[str], typer.Option(help="Ask a running server (e.g. http://127.0.0.1:8000).")] = None,
    postgres: Annotated[Optional[str], typer.Option(
        help="ALQAC only: copy its index into this PostgreSQL database (its own: empty, or an earlier copy) "
             "and ask there.")] = None,
    home: HomeOption = None, model: ModelOption = None, as_json: JsonOption = False,
) -> None:
    """Measure retrieval quality, kb beside a plain BM25: hit@1/5/10, MRR@10, nDCG@10, recall@10, latency."""
    from kb.evaluation.evaluate import evaluate_file, format_report
    from kb.evaluation.variants import parse_variants

    report = evaluate_file(file, load_settings(home, model), api=api, variants=parse_variants(variants),
                           passages=passages, postgres=postgres, progress=lambda line: err.print(line, highlight=False))
    if as_json:
        print_json(report)
    else:
        print(format_report(report))


@app.command()
def adapt(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count the pairs and time a few steps: "
                                                             "print the estimate, change nothing.")] = False,
    revert: Annotated[bool, typer.Option("--revert", help="Go back to the bundled model (embeds every "
                                                           "passage again).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Switch to the adapted model even if it ranks the "
                                                         "held-out documents no better.")] = False,
    max_pairs: Annotated[int, typer.Option(help="Train on at most this many pairs (sampled).")] = 20_000,
    epochs: Annotated[int, typer.Option(help="Passes over the pairs.")] = 1,
    batch_size: Annotated[int, typer.Option(help="Pairs a step; the others of a batch are its negatives.")] = 32,
    home: HomeOption = None, as_json: JsonOption = False,
) -> None:
    """Fine-tune the bundled model on this index's documents and embed them again with it (resumable)."""
    from kb.adaptation.adapt import AdaptOptions, estimate
    from kb.adaptation.adapt import adapt as run_adapt
    from kb.adaptation.adapt import revert as run_revert
    from kb.embedding.finetune import TrainingOptions

    kb = open_index(home)
    options = AdaptOptions(max_pairs=max_pairs, force=force,
                           training=TrainingOptions(batch_size=batch_size, epochs=epochs))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())
    if dry_run:
        plan = estimate(kb, options)
        if as_json:
            print_json(asdict(plan) | {"seconds": round(plan.seconds)})
            return
        console.print(f"{sum(plan.pairs.values())} training pairs ({plan.pairs}), {plan.held_out_pairs} held out; "
                      f"{plan.steps} steps of {batch_size} at {plan.seconds_per_step:.1f} s; {plan.chunks} passages "
                      f"to embed again at {plan.seconds_per_passage:.2f} s; about {plan.seconds / 60:.0f} min in all.")
        return
    with Progress(*columns, console=err, disable=as_json) as progress:
        bars: dict[str, TaskID] = {}

        def advance(name: str, done: int, total: int) -> None:
            """A bar appears when its stage begins, so its elapsed time and estimate are the stage's own."""
            if name not in bars:
                bars[name] = progress.add_task(name, total=total)
            progress.update(bars[name], completed=done, total=total)

        def embedded(done: int, total: int) -> None:
            advance("Embedding again", done, total)

        if revert:
            chunks = run_revert(kb, embedded)
            console.print(f"Back to the bundled model: {chunks} passages embedded again.")
            return
        report = run_adapt(kb, options, on_stage=lambda stage: progress.console.print(f"[dim]{stage}[/]"),
                           on_step=lambda done, total, _loss: advance("Training", done, total), on_embed=embedded)
    if as_json:
        print_json(report.as_dict())
        return
    held = report.held_out
    if held:
        console.print(f"Held-out documents' pairs, MRR@10: bundled {held['base']:.3f}, adapted {held['adapted']:.3f}.")
    if report.switched:
        console.print(f"The index now uses {escape(report.model)}: {report.chunks} passages embedded again. "
                      "Restart `kb serve` if it runs.")
    else:
        console.print("The adapted model ranks no better: the index keeps the bundled one (--force switches).")
    console.print("Time: " + ", ".join(f"{k} {v:.0f}s" for k, v in report.seconds.items()))


# Commands written in modules of their own, listed after these by `kb --help`.
app.add_typer(keys_app, name="keys")  # kb keys add|list|revoke (kb/cli_keys.py)
app.command()(watch)  # kb watch (kb/cli_watch.py)
app.command()(worker)  # kb worker (kb/cli_worker.py)
app.command(name="check")(check_index)  # kb check, backup, restore (kb/cli_maintenance.py)
app.command()(backup)
app.command()(restore)
app.command()(migrate)  # kb migrate --to postgres DSN (kb/cli_migrate.py)
app.command()(status)  # kb status (kb/cli_status.py)
app.command()(refs)  # kb refs (kb/cli_refs.py)
app.command(name="related")(related_draft)  # kb related (kb/cli_related.py)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="kb: %(message)s")
    app()
