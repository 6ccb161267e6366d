"""``kb keys``: the service's API keys, made, listed and revoked from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kb.access.keys import Role
from kb.access.levels import Level
from kb.cli_common import DEFAULT_KEY_LEVEL, HomeOption, JsonOption, console, err, open_index, print_json

__all__ = ["keys_app"]

keys_app = typer.Typer(help="API keys for `kb serve`: writes need an editor key, key management an admin key.",
                       no_args_is_help=True)


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who or what the key is for, e.g. 'van-phong'.")],
    role: Annotated[Role, typer.Option("--role",
                                      help="reader: search and read; editor: also add and remove documents; "
                                           "admin: also manage keys.")],
    level: Annotated[Level, typer.Option("--level",
                                       help="The highest document level the key sees.")] = DEFAULT_KEY_LEVEL,
    home: HomeOption = None, as_json: JsonOption = False,
) -> None:
    """Make a key and print its secret, this once: only its hash is kept."""
    from dataclasses import asdict

    from kb.access.keys import create_key

    key, secret = create_key(open_index(home, create=True).store, name, role, level)
    if as_json:
        print_json({"key": asdict(key), "secret": secret})
        return
    err.print(f"Key [bold]{escape(name)}[/] ({role}, sees documents up to {level}). "
              "Copy the secret now: it is not shown again.")
    print(secret)


@keys_app.command("list")
def keys_list(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List the keys (never their secrets), revoked ones last."""
    from dataclasses import asdict

    from kb.access.keys import list_keys

    keys = list_keys(open_index(home).store)
    if as_json:
        print_json([asdict(k) for k in keys])
        return
    table = Table("name", "prefix", "role", "level", "created", "revoked")
    for k in keys:
        table.add_row(escape(k.name), k.prefix, k.role, k.level, k.created_at, k.revoked_at or "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")], home: HomeOption = None) -> None:
    """Revoke a key: the service refuses it from the next request on."""
    from kb.access.keys import revoke_key

    revoke_key(open_index(home).store, name)
    console.print(f"Revoked the key {escape(name)}.")
