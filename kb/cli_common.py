"""What every ``kb`` command shares: its consoles, its common options, how it opens the index, prints JSON
and words counts, and how its errors are shown."""

from __future__ import annotations

import errno
import json
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from kb.access.keys import DEFAULT_LEVEL
from kb.access.levels import LEVELS, Level
from kb.config import load_settings
from kb.errors import KbError, NoIndexError, ServeError
from kb.knowledge_base import KnowledgeBase

__all__ = ["DEFAULT_KEY_LEVEL", "EVERY_LEVEL", "HomeOption", "JsonOption", "KbGroup", "ModelOption", "PROJECT_INDEX",
           "ViewOption", "console", "err", "listening_socket", "open_index", "plural", "print_json"]

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


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``1 copy``, ``3 copies`` (give ``words`` when an ``s`` does not make it)."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` for the server, or ``ServeError`` saying why not, before anything is loaded.

    Bound and listening here rather than in uvicorn, whose failure is a
    traceback after the app has started, and handed to it, so no other process can take the port between.
    The socket names its protocol (TCP), as uvicorn's own do: asyncio turns Nagle's algorithm off
    (``TCP_NODELAY``) only on connections of such a socket, and with it on every answer sent in
    two writes waits for the client's delayed acknowledgement, 40 ms on Linux.
    """
    try:
        family, kind, protocol = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][:3]
        sock = socket.socket(family, kind, protocol)
    except (socket.gaierror, OSError) as exc:
        raise ServeError(f"Cannot listen on {host}: {exc.strerror or exc}. Give --host an address of this machine "
                         "(127.0.0.1, or 0.0.0.0 for every one).") from exc
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a port just freed is usable
    try:
        sock.bind((host, port))
        sock.listen()  # now, not when uvicorn starts: until a socket listens, another may bind the port too
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"Port {port} on {host} is already in use (another kb serve?): stop that server, "
                             "or choose another port with --port.") from exc
        raise ServeError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    return sock


class KbGroup(TyperGroup):
    """The ``kb`` command: every error ends in one message and a non-zero exit code, never a traceback of ours.

    Errors kb raises on purpose (``KbError``) exit 1, bad usage exits 2 (click's).
    Under ``--json`` each is a JSON object on stdout, where the command's
    answer would have been, so a script reads stdout alone and checks the exit
    code: ``{"error": "NotFoundError", "message": "…", "exit_code": 1}``.
    Without it, a red line on stderr.  Here rather than in ``main`` so that
    ``CliRunner`` (the tests) sees what users see.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in (argv[:argv.index("--")] if "--" in argv else argv)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        except KbError as exc:
            _fail(type(exc).__name__, str(exc), 1, as_json)
        except typer.Abort:
            _fail("Aborted", "Stopped.", 1, as_json)
        except typer.TyperException as exc:  # click's errors: bad usage (an unknown option, a value out of its choices)
            if not as_json:
                exc.show()  # type: ignore[attr-defined]
                sys.exit(exc.exit_code)
            _fail(type(exc).__name__, exc.format_message(), exc.exit_code, as_json)
        except Exception as exc:
            if not as_json:
                raise  # a bug: its traceback is what a report needs
            logging.getLogger("kb").exception("internal error")  # the traceback on stderr, the JSON on stdout
            _fail(type(exc).__name__, f"internal error: {exc}", 1, as_json)
        sys.exit(code if isinstance(code, int) else 0)


def _fail(kind: str, message: str, code: int, as_json: bool) -> NoReturn:
    if as_json:
        print_json({"error": kind, "message": message, "exit_code": code})
    else:
        err.print(f"[red]Error:[/] {escape(message)}")
    sys.exit(code)
