"""API keys: stored only hashed, checked on every request, with roles; `kb keys` and /api/keys.

The HTTP tests run a real `kb serve` over a folder whose settings close reads
(``{"service": {"open_reads": false}}``), so every route has to be earned with a key.
"""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from click.testing import Result
from conftest import app_client
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kb.access.keys import (
    ROLES,
    KeyRequestError,
    authenticate,
    create_key,
    has_role,
    list_keys,
    revoke_key,
)
from kb.cli import app as cli_app
from kb.config import load_settings
from kb.errors import ConfigError, InvalidQueryError, NotFoundError
from kb.storage.store import Store


@pytest.fixture
def store(store_backend):
    store = Store(store_backend())
    yield store
    store.close()


# -- kb.keys ------------------------------------------------------------------------------------------
def test_only_the_hash_of_a_key_is_stored(store):
    key, secret = create_key(store, "van-phong", "editor")
    assert secret.startswith(f"kb_{key.prefix}_") and len(secret) == 3 + 8 + 1 + 43
    assert (key.role, key.level, key.revoked_at) == ("editor", "internal", None)
    row = tuple(store.db.rows("SELECT * FROM api_keys")[0].values())
    assert secret not in row and secret[len("kb_12345678_"):] not in json.dumps(row)
    assert hashlib.sha256(secret.encode()).hexdigest() in row
    assert "secret" not in json.dumps([k.__dict__ for k in list_keys(store)])


def test_a_key_is_accepted_only_as_made(store):
    key, secret = create_key(store, "a", "reader", "restricted")
    assert authenticate(store, secret) == key and authenticate(store, f" {secret}\n") == key
    other_prefix = secret[:3] + ("0" if secret[3] != "0" else "1") + secret[4:]
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), other_prefix, secret[:-1], "", "kb_",
                  secret.replace("kb_", "kc_"), "x" * 56):
        assert authenticate(store, wrong) is None


def test_revoked_key_is_refused_and_its_name_free_again(store):
    _, secret = create_key(store, "a", "admin")
    with pytest.raises(KeyRequestError, match="exists already"):
        create_key(store, "a", "reader")
    revoke_key(store, "a")
    assert authenticate(store, secret) is None
    with pytest.raises(NotFoundError, match="No active key named 'a'"):
        revoke_key(store, "a")
    _, again = create_key(store, "a", "reader")
    assert authenticate(store, again).role == "reader"
    assert [(k.name, k.revoked_at is None) for k in list_keys(store)] == [("a", True), ("a", False)]


@pytest.mark.parametrize("name, role, level, message", [("a b", "reader", "public", "key name"),
                                                        ("x" * 65, "reader", "public", "key name"),
                                                        ("a", "owner", "public", "Unknown role"),
                                                        ("a", "reader", "secret", "Unknown access level")])
def test_bad_key_requests_are_named(store, name, role, level, message):
    with pytest.raises(InvalidQueryError, match=message):  # 422 in the service, exit 1 on the command line
        create_key(store, name, role, level)


def test_roles_include_the_ones_below():
    assert ROLES == ("reader", "editor", "admin")
    assert has_role("admin", "editor") and has_role("editor", "editor") and not has_role("reader", "editor")
    assert not has_role(None, "reader")


@pytest.mark.parametrize("service", [{"open_reads": "no"}, {"open": False}])
def test_bad_service_settings_are_named(tmp_path, service):
    (tmp_path / "settings.json").write_text(json.dumps({"service": service}))
    with pytest.raises(ConfigError):
        load_settings(tmp_path)
    (tmp_path / "settings.json").write_text(json.dumps({"service": {"open_reads": False}}))
    assert load_settings(tmp_path).service.open_reads is False


# -- kb keys ------------------------------------------------------------------------------------------
def _kb(home, *args: str) -> Result:
    """``kb keys`` in this process (the one-line error of a real process is tested in test_cli)."""
    return CliRunner().invoke(cli_app, ["keys", *args, "--home", str(home)], env={"COLUMNS": "200"})


def test_cli_adds_lists_and_revokes_keys(tmp_path):
    added = _kb(tmp_path, "add", "van-phong", "--role", "editor", "--level", "restricted")
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip()  # the secret alone on stdout, the explanation on stderr
    assert "not shown again" in added.stderr
    assert authenticate(Store(tmp_path / "kb.sqlite"), secret).level == "restricted"
    listed = _kb(tmp_path, "list")
    assert "van-phong" in listed.stdout and "editor" in listed.stdout and secret not in listed.stdout
    assert _kb(tmp_path, "add", "van-phong", "--role", "reader").exit_code == 1
    assert _kb(tmp_path, "add", "khac", "--role", "owner").exit_code == 2
    assert _kb(tmp_path, "revoke", "van-phong").exit_code == 0
    again = _kb(tmp_path, "revoke", "van-phong")
    assert again.exit_code == 1 and "No active key" in again.stderr
    keys = json.loads(_kb(tmp_path, "list", "--json").stdout)
    assert [(k["name"], k["role"], k["level"], bool(k["revoked_at"])) for k in keys] == \
        [("van-phong", "editor", "restricted", True)]
    assert authenticate(Store(tmp_path / "kb.sqlite"), secret) is None


# -- the service, with reads closed -------------------------------------------------------------------
@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """The service, needing a key for everything, in this process; its client and a key per role (admins see every level)."""
    home = tmp_path_factory.mktemp("closed")
    (home / "settings.json").write_text(json.dumps({"service": {"open_reads": False}}))
    store = Store(home / "kb.sqlite")
    made = {role: create_key(store, role, role, "restricted" if role == "admin" else "internal")[1] for role in ROLES}
    made["admin-internal"] = create_key(store, "admin-internal", "admin", "internal")[1]
    made["revoked"] = create_key(store, "revoked", "admin", "restricted")[1]
    revoke_key(store, "revoked")
    store.close()
    with app_client(home) as client:
        yield client, made


def _call(client: TestClient, method: str, path: str, key: str | None = None, header: str = "bearer",
          **kwargs) -> httpx.Response:
    headers = {}
    if key is not None:
        headers = {"Authorization": f"Bearer {key}"} if header == "bearer" else {"X-API-Key": key}
    response = client.request(method, path, headers=headers, **kwargs)
    assert "Traceback" not in response.text
    return response


def _json_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["status"] == status and response.json()["message"]


def test_closed_reads_need_a_key(closed):
    client, keys = closed
    for path in ("/api/search?q=chỉ thị", "/api/documents", "/api/documents/1", "/api/stats"):
        response = _call(client, "GET", path)
        _json_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    page = _call(client, "GET", "/")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "khóa truy cập" in page.text
    assert _call(client, "GET", "/health").json() == {"status": "ok", "documents": None, "chunks": None}
    assert _call(client, "GET", "/health", keys["reader"]).json()["documents"] == 0


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_key_reads_through_either_header(closed, header):
    client, keys = closed
    response = _call(client, "GET", "/api/search", keys["reader"], header, params={"q": "chỉ thị"})
    assert response.status_code == 200 and response.json()["results"] == []
    assert _call(client, "GET", "/", keys["reader"], header).status_code == 200


@pytest.mark.parametrize("key", ["kb_00000000_" + "A" * 43, "revoked", "not-a-key"])
def test_unknown_revoked_or_malformed_keys_are_401(closed, key):
    client, keys = closed
    _json_error(_call(client, "GET", "/api/documents", keys.get(key, key)), 401)
    _json_error(_call(client, "GET", "/api/documents", keys.get(key, key), "x-api-key"), 401)
    basic = client.get("/api/documents", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    _json_error(basic, 401)


def test_writes_need_an_editor(closed):
    client, keys = closed
    _json_error(_call(client, "POST", "/api/documents", keys["reader"]), 403)
    _json_error(_call(client, "DELETE", "/api/documents/1", keys["reader"]), 403)
    _json_error(_call(client, "GET", "/api/jobs/" + "0" * 32, keys["reader"]), 403)
    _json_error(_call(client, "POST", "/api/documents", None), 401)
    _json_error(_call(client, "POST", "/api/documents", keys["editor"]), 422)  # let in: no files sent
    _json_error(_call(client, "DELETE", "/api/documents/1", keys["admin"]), 404)  # let in: no such document


def test_key_management_needs_an_admin(closed):
    client, keys = closed
    for role in ("reader", "editor"):
        _json_error(_call(client, "GET", "/api/keys", keys[role]), 403)
        _json_error(_call(client, "POST", "/api/keys", keys[role], json={"name": "x", "role": "reader"}), 403)
        _json_error(_call(client, "DELETE", "/api/keys/reader", keys[role]), 403)
    _json_error(_call(client, "GET", "/api/keys"), 401)
    listed = _call(client, "GET", "/api/keys", keys["admin"])
    assert listed.status_code == 200
    assert {k["name"]: (k["role"], k["level"]) for k in listed.json() if not k["revoked_at"]} == {
        "reader": ("reader", "internal"), "editor": ("editor", "internal"), "admin": ("admin", "restricted"),
        "admin-internal": ("admin", "internal")}
    assert not any(secret in listed.text for secret in keys.values())
    assert all(set(k) == {"name", "prefix", "role", "level", "created_at", "revoked_at"} for k in listed.json())


def test_admin_makes_and_revokes_a_key_over_http(closed):
    client, keys = closed
    made = _call(client, "POST", "/api/keys", keys["admin"], json={"name": "so-noi-vu", "role": "reader"})
    assert made.status_code == 201 and made.json()["level"] == "internal"
    secret = made.json()["secret"]
    assert _call(client, "GET", "/api/documents", secret).status_code == 200
    assert secret not in _call(client, "GET", "/api/keys", keys["admin"]).text
    _json_error(_call(client, "POST", "/api/keys", keys["admin"], json={"name": "so-noi-vu", "role": "reader"}), 422)
    _json_error(_call(client, "POST", "/api/keys", keys["admin"], json={"name": "x", "role": "owner"}), 422)
    _json_error(_call(client, "POST", "/api/keys", keys["admin"], json={"name": "a b", "role": "reader"}), 422)
    assert _call(client, "DELETE", "/api/keys/so-noi-vu", keys["admin"]).status_code == 204
    _json_error(_call(client, "GET", "/api/documents", secret), 401)
    _json_error(_call(client, "DELETE", "/api/keys/so-noi-vu", keys["admin"]), 404)


def test_an_admin_cannot_make_a_key_that_sees_more_than_itself(closed):
    client, keys = closed
    wider = {"name": "rong-hon", "role": "reader", "level": "restricted"}
    _json_error(_call(client, "POST", "/api/keys", keys["admin-internal"], json=wider), 403)
    assert _call(client, "POST", "/api/keys", keys["admin"], json=wider).status_code == 201
