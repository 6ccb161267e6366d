"""Who is calling: the API key of a request, as FastAPI dependencies.

A key comes as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.  No
key is an anonymous caller who sees public documents, unless the settings
close reads (``{"service": {"open_reads": false}}``); a key that is unknown,
malformed or revoked is refused (401), never taken for anonymous, so a
mistyped key is noticed.  A key without the role a route needs is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from kb.access.keys import authenticate, check_role, has_role
from kb.access.levels import LEVELS
from kb.storage.backend import allow_replica_reads, set_read_level

from .errors import Refused

__all__ = ["Caller", "ANONYMOUS", "identify", "reading_caller", "current_caller", "require_role"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """A request's caller: the key's name and role (``None`` when anonymous) and the highest level it sees."""

    name: str | None
    role: str | None
    level: str


ANONYMOUS = Caller(None, None, LEVELS[0])


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else header
    return request.headers.get("x-api-key")


def identify(request: Request) -> Caller | None:
    """The caller, ``None`` for no key while reads are closed; 401 for a key that is not an active one."""
    presented = _presented_key(request)
    kb = request.app.state.kb
    if presented is None:
        return ANONYMOUS if kb.settings.service.open_reads else None
    key = authenticate(kb.store, presented)
    if key is None:
        raise Refused(401, "Unknown or revoked API key.", code="unknown_key", headers=_CHALLENGE)
    return Caller(key.name, key.role, key.level)


async def reading_caller(request: Request, caller: Annotated[Caller | None, Depends(identify)]) -> Caller | None:
    """``identify``, and every read of the request held to the caller's level by the store itself.

    Async on purpose: it runs in the request's own task, whose context the
    endpoint's thread copies, so the level set here (``set_read_level``) is the
    one each of the endpoint's statements runs at (row-level security on
    PostgreSQL), whatever its ``WHERE`` clause says.  A ``GET`` only reads, so
    its queries may be answered by a read replica (``allow_replica_reads``).
    """
    if caller is not None:
        set_read_level(caller.level)
    if request.method in ("GET", "HEAD"):
        allow_replica_reads()
    return caller


async def current_caller(caller: Annotated[Caller | None, Depends(reading_caller)]) -> Caller:
    """The caller of a read: anyone while reads are open, else only a key holder (401)."""
    if caller is None:
        raise Refused(401, "This server needs an API key to read: send it as "
                           "'Authorization: Bearer <key>' or 'X-API-Key: <key>'.", code="key_to_read", headers=_CHALLENGE)
    return caller


def require_role(role: str) -> Callable[[Caller], Caller]:
    """A dependency that lets through only keys with ``role`` or a higher one: 401 without a key, else 403."""
    check_role(role)

    def dependency(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if caller.role is None:
            raise Refused(401, f"This needs an API key with the {role} role.", code="key_needed", role=role,
                          headers=_CHALLENGE)
        if not has_role(caller.role, role):
            raise Refused(403, f"The key {caller.name!r} is a {caller.role}; this needs the {role} role.",
                          code="role_needed", key=caller.name, has=caller.role, role=role)
        return caller

    return dependency
