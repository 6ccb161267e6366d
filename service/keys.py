"""Routes for API keys (/api/keys): list, make and revoke keys, for admin keys only.

The same ``kb.keys`` functions as ``kb keys``; a key's secret is in the answer
that makes it and nowhere else.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response

from kb.access.keys import create_key, list_keys, revoke_key
from kb.access.levels import visible_levels

from .auth import Caller, require_role
from .models import ApiKeyCreated, ApiKeyOut, ApiKeyRequest, ErrorResponse

__all__ = ["router"]

router = APIRouter(prefix="/api/keys", tags=["keys"],
                   responses={code: {"model": ErrorResponse} for code in (401, 403, 404, 422, 500)})
Admin = Annotated[Caller, Depends(require_role("admin"))]


@router.get("", response_model=list[ApiKeyOut])
def keys(request: Request, caller: Admin) -> list[dict]:
    """Every key with its role and level, revoked ones last; never a secret."""
    return [asdict(key) for key in list_keys(request.app.state.kb.store)]


@router.post("", status_code=201, response_model=ApiKeyCreated)
def add_key(request: Request, body: ApiKeyRequest, caller: Admin) -> dict:
    """Make a key; the answer holds its secret, which is not stored and cannot be shown again.

    An admin cannot make a key that sees more than it does itself (403).
    """
    if body.level not in visible_levels(caller.level):
        raise HTTPException(403, f"The key {caller.name!r} sees up to {caller.level}; "
                                 f"it cannot make a key that sees {body.level} documents.")
    key, secret = create_key(request.app.state.kb.store, body.name, body.role, body.level)
    return asdict(key) | {"secret": secret}


@router.delete("/{name}", status_code=204, response_class=Response)
def delete_key(request: Request, name: Annotated[str, Path(max_length=64)], caller: Admin) -> Response:
    """Revoke a key: from the next request on it is refused (401) like an unknown one."""
    revoke_key(request.app.state.kb.store, name)
    return Response(status_code=204)
