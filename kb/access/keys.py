"""API keys: who may write to the service, manage keys, and see which documents.

A key is ``kb_<prefix>_<secret>``: ``prefix`` (8 hex digits) is not secret
and finds the key's row; ``secret`` is ``secrets.token_urlsafe(32)``.  Only
the SHA-256 of the whole key is stored, so a copy of the database gives no
usable key; the secret is shown once, when the key is made.  A fast hash is
enough here: the secret has 256 random bits, nothing to guess a dictionary
of.  Hashes are compared in constant time.

Each key has a role (``reader`` < ``editor`` < ``admin``: reads, writes, key
management) and an access level (``kb.access.levels``), chosen separately: the
level says which documents it sees, the role what it may do.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Literal, get_args

from kb.access.levels import Level, check_level
from kb.errors import InvalidQueryError, NotFoundError
from kb.storage.store import Store

__all__ = ["Role", "ROLES", "DEFAULT_LEVEL", "ApiKey", "KeyRequestError", "check_role", "has_role", "create_key", "list_keys",
           "revoke_key", "authenticate"]

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)  # each may do what the ones before it may
DEFAULT_LEVEL: Level = "internal"  # staff keys see internal documents; restricted ones only when asked for
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_KEY = re.compile(r"^kb_([0-9a-f]{8})_([\w-]{43})$")


class KeyRequestError(InvalidQueryError):
    """A key request that cannot be done: a bad name or role, or a name already in use (422 in the service)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key as it may be shown: never its secret or hash."""

    name: str
    prefix: str
    role: str
    level: str
    created_at: str
    revoked_at: str | None = None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise KeyRequestError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    return role


def has_role(role: str | None, required: str) -> bool:
    """Whether ``role`` (``None``: no key) includes what ``required`` may do."""
    return role is not None and ROLES.index(role) >= ROLES.index(check_role(required))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(store: Store, name: str, role: str, level: str = DEFAULT_LEVEL) -> tuple[ApiKey, str]:
    """Make a key; return it and its secret, which is shown this once and stored only hashed."""
    if not _NAME.match(name):
        raise KeyRequestError(f"A key name is 1 to 64 letters, digits or . _ @ -, not {name!r}.")
    check_role(role)
    check_level(level)
    prefix = secrets.token_hex(4)
    secret = f"kb_{prefix}_{secrets.token_urlsafe(32)}"
    try:
        row = store.keys.add(name=name, prefix=prefix, secret_hash=_hash(secret), role=role, level=level)
    except sqlite3.IntegrityError as exc:
        raise KeyRequestError(f"A key named {name!r} exists already: revoke it first, or choose another name.") from exc
    return ApiKey(**row), secret


def list_keys(store: Store) -> list[ApiKey]:
    return [ApiKey(**row) for row in store.keys.all()]


def revoke_key(store: Store, name: str) -> None:
    """Revoke the active key of this name: from now on it is refused like an unknown key."""
    if not store.keys.revoke(name):
        raise NotFoundError(f"No active key named {name!r}.")


def authenticate(store: Store, presented: str) -> ApiKey | None:
    """The active key ``presented`` is, or ``None`` for anything else (malformed, unknown, revoked)."""
    match = _KEY.match(presented.strip())
    if not match:
        return None
    row = store.keys.active(match.group(1))
    if row is None or not hmac.compare_digest(row.pop("secret_hash"), _hash(presented.strip())):
        return None
    return ApiKey(**row)

