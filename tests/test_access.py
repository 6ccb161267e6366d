"""Document access levels: how indexing sets them, and that no reader ever meets a document above its level.

A small library is indexed (SQLite, FAISS, the test embedder) and served in this process
(`kb search` runs as a real process with the real model): the sample plan at the top
(public by default), the sample bulletin in
``noi-bo/`` (``kb.toml``: internal), a directive there whose front matter says public,
and a long plan in ``noi-bo/mat/`` (``kb.toml``: restricted) that the sample plan cites
and that matches "tuyên truyền đại hội" more than anything else.  Every endpoint, page
and command is then asked by each kind of caller, and the answer must hold no trace
(file name, title, signer, count) of what that caller may not see.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from conftest import BACKENDS, BULLETIN, CORPUS, PLAN, app_client, backend_home, fake_kb_at, write_tree
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kb.access.keys import create_key
from kb.access.levels import LEVELS, visible_levels
from kb.cli import app as cli_app
from kb.config import load_settings
from kb.errors import NotFoundError
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.documents import document_detail
from kb.retrieval.lexicon_sync import SyncedLexicon
from kb.retrieval.relations import document_relations
from kb.retrieval.search import search
from kb.storage.backend import reading_at
from kb.storage.filters import DocumentFilters
from kb.storage.store import Store

DIRECTIVE_TEXT = """---
access: public
---
BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 05-CT/TW

ĐẢNG CỘNG SẢN VIỆT NAM
Hà Nội, ngày 15 tháng 5 năm 2016

CHỈ THỊ
CỦA BỘ CHÍNH TRỊ
về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh

Việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh đã đạt được những kết quả quan trọng, \
góp phần nâng cao nhận thức của cán bộ, đảng viên và nhân dân.

Bộ Chính trị yêu cầu các cấp ủy, tổ chức đảng đưa việc học tập thành nội dung sinh hoạt thường xuyên \
của chi bộ, gắn với xây dựng, chỉnh đốn Đảng.

T/M BỘ CHÍNH TRỊ
TỔNG BÍ THƯ
Nguyễn Phú Trọng
"""


def _restricted_plan() -> str:
    """Kế hoạch 131-KH/TU, which the sample plan cites: a hundred items that all say "tuyên truyền đại hội"."""
    items = "\n\n".join(
        f"{n}. Tuyên truyền đại hội đảng bộ cấp cơ sở thứ {n}: tổ chức tuyên truyền đại hội trên báo chí, pa nô, "
        f"áp phích và mạng xã hội; mỗi chi bộ tuyên truyền đại hội đảng bộ các cấp nhiệm kỳ 2020-2025 gắn với "
        f"thực hiện Chỉ thị số 05-CT/TW, tuyên truyền đại hội đến đảng viên ở đơn vị số {n} (mật danh Sông Hồng)."
        for n in range(1, 101))
    return ("TỈNH ỦY BẠC LIÊU\n*\nSố 131-KH/TU\n\nĐẢNG CỘNG SẢN VIỆT NAM\nBạc Liêu, ngày 17 tháng 3 năm 2020\n\n"
            "KẾ HOẠCH\ntuyên truyền đại hội đảng bộ các cấp, mật danh Sông Hồng\n\nI. NỘI DUNG TUYÊN TRUYỀN\n\n"
            f"{items}\n\nT/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\nLê Thị Ái Nam\n")


SOURCES = {
    "plan": PLAN,
    "directive": "noi-bo/chi-thi-05.txt",
    "bulletin": f"noi-bo/{BULLETIN}",
    "secret": "noi-bo/mat/ke-hoach-131.txt",
}
LEVEL_OF = {"plan": "public", "directive": "public", "bulletin": "internal", "secret": "restricted"}
# What would give each document away: its file name, and words found nowhere else.
TRACES = {
    "plan": [PLAN],
    "directive": ["chi-thi-05.txt"],
    "bulletin": [BULLETIN, "Thông tin sinh hoạt nội bộ"],
    "secret": ["ke-hoach-131.txt", "Sông Hồng", "Lê Thị Ái Nam"],
}
CALLERS = ("anonymous", "public", "internal", "restricted")


def _level(caller: str) -> str:
    return "public" if caller == "anonymous" else caller


def _visible(caller: str) -> set[str]:
    return {name for name, level in LEVEL_OF.items() if level in visible_levels(_level(caller))}


def _assert_no_trace(text: str, caller: str) -> None:
    for name in set(LEVEL_OF) - _visible(caller):
        for trace in TRACES[name]:
            assert trace not in text, f"{caller} sees {trace!r} of the {LEVEL_OF[name]} document {name}"


# -- a real index of the library --------------------------------------------------------------------
def _library(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / PLAN, root / PLAN)
    (root / "noi-bo" / "mat").mkdir(parents=True)
    shutil.copy(CORPUS / BULLETIN, root / "noi-bo" / BULLETIN)
    (root / "noi-bo" / "kb.toml").write_text('access = "internal"\n', encoding="utf-8")
    (root / "noi-bo" / "chi-thi-05.txt").write_text(DIRECTIVE_TEXT, encoding="utf-8")
    (root / "noi-bo" / "mat" / "kb.toml").write_text('# Tài liệu mật\naccess = "restricted"\n', encoding="utf-8")
    (root / "noi-bo" / "mat" / "ke-hoach-131.txt").write_text(_restricted_plan(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return _library(tmp_path_factory.mktemp("library") / "thu-vien")


@pytest.fixture(scope="module", params=BACKENDS)
def indexed(request, tmp_path_factory, library):
    """The library indexed on each backend: every test of the levels below runs on SQLite and PostgreSQL."""
    kb = fake_kb_at(backend_home(request, tmp_path_factory.mktemp("access-home"), request.param))
    report = index_paths(kb, [library])
    return kb, report


@pytest.fixture(scope="module")
def access_kb(indexed) -> KnowledgeBase:
    return indexed[0]


@pytest.fixture(scope="module")
def ids(access_kb) -> dict[str, int]:
    by_source = {d["source"]: d["id"] for d in access_kb.store.documents.listing()}
    return {name: by_source[source] for name, source in SOURCES.items()}


@pytest.fixture(scope="module")
def keys(access_kb) -> dict[str, str | None]:
    """A reader key per level (by caller name), none for the anonymous caller."""
    made = {level: create_key(access_kb.store, f"reader-{level}", "reader", level)[1] for level in LEVELS}
    return {"anonymous": None, **made}


@pytest.fixture(scope="module")
def access_client(access_kb, keys) -> Iterator[TestClient]:
    with app_client(access_kb.settings.home) as client:
        yield client


def test_indexing_gives_each_document_its_level(indexed):
    kb, report = indexed
    assert {d["source"]: d["access"] for d in kb.store.documents.listing()} == \
        {SOURCES[name]: level for name, level in LEVEL_OF.items()}
    assert {f.source: f.access for f in report.files} == {SOURCES[name]: level for name, level in LEVEL_OF.items()}
    assert "kb.toml" not in json.dumps(report.summary())  # a folder's settings are not a skipped document
    detail = kb.store.documents.get(kb.store.documents.listing(DocumentFilters(number="05-CT"))[0]["id"])
    assert detail["access"] == "public"


def test_reindexing_follows_a_changed_kb_toml_and_the_flag(tmp_path):
    folder = tmp_path / "docs"
    write_tree(folder, {"chi-thi-05.txt": DIRECTIVE_TEXT.split("---\n", 2)[2]})
    kb = fake_kb_at(tmp_path / "home")
    first = index_paths(kb, [folder], access="internal")
    assert first.files[0].access == "internal" and kb.store.documents.listing()[0]["access"] == "internal"
    (folder / "kb.toml").write_text('access = "restricted"\n', encoding="utf-8")
    again = index_paths(kb, [folder])
    assert again.files[0].status == "unchanged" and kb.store.documents.listing()[0]["access"] == "restricted"


@pytest.mark.parametrize("caller", CALLERS)
def test_search_sees_only_what_the_level_allows_and_hidden_documents_take_no_places(access_kb, caller):
    response = asdict(search(access_kb, "tuyên truyền đại hội", 20, DocumentFilters(access=_level(caller))))
    sources = {r["document"]["source"] for r in response["results"]}
    assert sources <= {SOURCES[name] for name in _visible(caller)}
    assert len(response["results"]) == 20  # the restricted plan's hundred matches never crowd the others out
    if caller == "restricted":
        assert SOURCES["secret"] in sources
    _assert_no_trace(json.dumps(response, ensure_ascii=False), caller)


@pytest.mark.parametrize("query", ["Kế hoạch 131-KH/TU", "mật danh Sông Hồng", "Lê Thị Ái Nam phó bí thư"])
def test_reference_lexical_and_dense_legs_keep_hidden_documents_out(access_kb, query):
    seen_by_all = search(access_kb, query, 10).results
    assert SOURCES["secret"] in {r.document.source for r in seen_by_all[:3]}
    for level in ("public", "internal"):
        results = asdict(search(access_kb, query, 10, DocumentFilters(access=level)))["results"]
        _assert_no_trace(json.dumps(results, ensure_ascii=False), level)


# -- the HTTP API ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_access_kb(request, tmp_path_factory, library) -> KnowledgeBase:
    kb = fake_kb_at(backend_home(request, tmp_path_factory.mktemp("pg-access-home"), "postgres"))
    index_paths(kb, [library])
    return kb


@pytest.mark.e2e
@pytest.mark.parametrize("level", ["public", "internal"])
def test_postgres_holds_a_callers_reads_to_its_level_even_without_a_where(pg_access_kb, level):
    """Each read asked for every level (the default) or with no filter at all, under a caller's level: row-level
    security answers as the caller's ``WHERE`` would, so a query that forgot it still leaks nothing."""
    kb = pg_access_kb
    hidden = {d["id"] for d in kb.store.documents.listing() if d["access"] not in visible_levels(level)}
    assert hidden
    with reading_at(level):
        assert {d["access"] for d in kb.store.documents.listing()} <= set(visible_levels(level))
        for doc_id in hidden:
            for read in (kb.store.documents.get, lambda i: document_detail(kb, i), lambda i: document_relations(kb, i)):
                with pytest.raises(NotFoundError):
                    read(doc_id)
            assert kb.store.chunks.of_document(doc_id) == []
        for query in ("Kế hoạch 131-KH/TU", "mật danh Sông Hồng", "tuyên truyền đại hội"):
            results = asdict(search(kb, query, 20, DocumentFilters()))["results"]
            _assert_no_trace(json.dumps(results, ensure_ascii=False), level)
        summary = kb.store.stats.summary()
        assert set(summary["by_access"]) <= set(visible_levels(level)) and summary["last_run"] is None, summary
    assert len(kb.lexicon.current()) == kb.store.chunks.count()  # caught up at every level, whoever asked


def _get(client: TestClient, path: str, key: str | None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = client.get(path, params=params or None, headers=headers)
    assert "Traceback" not in response.text
    return response


def _all_documents(client: TestClient, key: str | None) -> list[dict]:
    body = _get(client, "/api/documents", key, per_page=100).json()
    return body["items"] if isinstance(body, dict) else body


@pytest.mark.parametrize("caller", CALLERS)
def test_document_list_holds_only_visible_documents_with_their_level(access_client, keys, caller):
    listed = _all_documents(access_client, keys[caller])
    assert {d["source"]: d["access"] for d in listed} == {SOURCES[n]: LEVEL_OF[n] for n in _visible(caller)}


@pytest.mark.parametrize("caller", CALLERS)
def test_hidden_document_is_a_404_like_an_id_that_does_not_exist(access_client, keys, ids, caller):
    missing = max(ids.values()) + 1000
    for name, doc_id in ids.items():
        for path in (f"/api/documents/{doc_id}", f"/api/documents/{doc_id}/text"):
            response = _get(access_client, path, keys[caller])
            if name in _visible(caller):
                assert response.status_code == 200 and response.json()["id"] == doc_id
                continue
            unknown = _get(access_client, path.replace(str(doc_id), str(missing)), keys[caller])
            assert response.status_code == unknown.status_code == 404
            assert response.json() == json.loads(unknown.text.replace(str(missing), str(doc_id)))


@pytest.mark.parametrize("caller", CALLERS)
def test_references_and_citing_documents_show_only_visible_ones(access_client, keys, ids, caller):
    visible = _visible(caller)
    plan = _get(access_client, f"/api/documents/{ids['plan']}", keys[caller]).json()
    cited = {r["full_key"]: r["document_id"] for r in plan["references"]}
    assert cited["KH:131:TU"] == (ids["secret"] if "secret" in visible else None)
    assert cited["CT:5:TW"] == ids["directive"]
    directive = _get(access_client, f"/api/documents/{ids['directive']}", keys[caller]).json()
    citing = {ids[name] for name in ("plan", "bulletin", "secret") if name in visible}
    assert {d["id"] for d in directive["cited_by"]} == citing
    _assert_no_trace(json.dumps([plan, directive], ensure_ascii=False), caller)


@pytest.mark.parametrize("caller", CALLERS)
def test_api_search_stats_and_health_count_only_visible_documents(access_client, keys, access_kb, caller):
    key, level = keys[caller], _level(caller)
    response = _get(access_client, "/api/search", key, q="tuyên truyền đại hội", k=20)
    assert len(response.json()["results"]) == 20
    assert {r["document"]["access"] for r in response.json()["results"]} <= set(visible_levels(level))
    _assert_no_trace(response.text, caller)
    for query in ("Kế hoạch 131-KH/TU", "mật danh Sông Hồng"):  # the answer repeats the query: look at the results
        results = _get(access_client, "/api/search", key, q=query).json()["results"]
        _assert_no_trace(json.dumps(results, ensure_ascii=False), caller)
    expected = access_kb.store.stats.summary(level)
    assert expected["documents"] == len(_visible(caller))
    stats = _get(access_client, "/api/stats", key).json()
    assert (stats["documents"], stats["chunks"], stats["by_access"]) == \
        (expected["documents"], expected["chunks"], expected["by_access"])
    assert set(stats["by_access"]) == {LEVEL_OF[name] for name in _visible(caller)}
    assert (stats["last_run"] is not None) == (level == "restricted")  # a run's report names every file
    health = _get(access_client, "/health", key).json()
    assert (health["documents"], health["chunks"]) == (expected["documents"], expected["chunks"])


# -- the web pages -----------------------------------------------------------------------------------
@pytest.mark.parametrize("caller", CALLERS)
def test_pages_facets_and_counts_show_only_visible_documents(access_client, keys, ids, caller):
    key, visible = keys[caller], _visible(caller)
    pages = {"/": {}, "/?q": {"q": "tuyên truyền đại hội"}, "/?q=131": {"q": "Kế hoạch 131-KH/TU"},
             "/documents": {}, "/documents?type": {"type": "Kế hoạch"}}
    for name, params in pages.items():
        html = _get(access_client, name.split("?")[0], key, **params).text
        _assert_no_trace(html, caller)
    listing = _get(access_client, "/documents", key).text
    assert re.search(rf"Kế hoạch</span>\s*<span class=\"count\">{len(visible & {'plan', 'secret'})}</span>", listing)
    for name, doc_id in ids.items():
        page = _get(access_client, f"/documents/{doc_id}", key)
        assert page.status_code == (200 if name in visible else 404)
        assert page.headers["content-type"].startswith("text/html")
        _assert_no_trace(page.text, caller)
    plan_page = _get(access_client, f"/documents/{ids['plan']}", key).text
    assert "Mức truy cập" in plan_page and "Công khai" in plan_page


# -- the command line: everything by default, a level with --access -------------------------------------
def _kb(home: Path, *args: str) -> Result:
    """``kb`` in this process, for the commands that never open the model."""
    return CliRunner().invoke(cli_app, [*args, "--home", str(home)], env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def model_kb(tmp_path_factory, library, model_path) -> KnowledgeBase:
    """The library indexed with the real model, for the command that searches."""
    kb = KnowledgeBase(load_settings(tmp_path_factory.mktemp("access-model-home"), model=str(model_path)))
    index_paths(kb, [library])
    return kb


@pytest.mark.parametrize("level", [None, *LEVELS])
def test_cli_documents_see_everything_unless_given_a_level(access_kb, level):
    view = ["--access", level] if level else []
    documents = json.loads(_kb(access_kb.settings.home, "documents", "--json", *view).stdout)["items"]
    assert {d["source"] for d in documents} == {SOURCES[name] for name in _visible(level or "restricted")}


@pytest.mark.parametrize("level", [None, *LEVELS])
def test_cli_search_sees_everything_unless_given_a_level(model_kb, model_path, level):
    view = ["--access", level] if level else []
    caller = level or "restricted"
    command = [sys.executable, "-m", "kb", "search", "mật danh Sông Hồng", "-k", "5", "--json", *view,
               "--home", str(model_kb.settings.home)]
    found = subprocess.run(command, capture_output=True, text=True, timeout=300,
                           env=os.environ | {"KB_MODEL": str(model_path)})
    assert found.returncode == 0, found.stderr
    results = json.dumps(json.loads(found.stdout)["results"], ensure_ascii=False)
    _assert_no_trace(results, caller)
    assert (SOURCES["secret"] in results) == (caller == "restricted")


def test_cli_show_treats_a_hidden_document_as_missing(access_kb, ids):
    home = access_kb.settings.home
    shown = _kb(home, "show", str(ids["bulletin"]), "--access", "internal")
    assert shown.exit_code == 0 and "access: internal" in shown.stdout
    hidden = _kb(home, "show", str(ids["bulletin"]), "--access", "public")
    assert hidden.exit_code == 1 and f"No document with id {ids['bulletin']}" in hidden.stderr
    bad = _kb(home, "documents", "--access", "secret")
    assert bad.exit_code == 2 and "secret" in bad.stderr


@pytest.fixture
def hidden_from_the_server(request, access_kb, ids) -> Iterator[int]:
    """On PostgreSQL, the public plan's passages marked restricted behind the triggers' back (``doc_access``, the
    row-level security's own column): a ``WHERE`` on the document still lets them through, the server at
    ``public`` does not.  SQLite has no such column, nothing changes there.  The plan's id; put back after."""
    dsn = access_kb.settings.store.dsn
    if dsn is None:
        yield ids["plan"]
        return
    database, server = dsn.split("dbname=")[1].split()[0], request.getfixturevalue("pg_server")
    mark = ("SET session_replication_role = replica; UPDATE chunks SET doc_access = '{}' "
            f"WHERE document_id = {ids['plan']}")
    server.psql(database, mark.format("restricted"))
    try:
        yield ids["plan"]
    finally:
        server.psql(database, mark.format("public"))


def test_cli_reads_run_at_the_level_given(access_kb, hidden_from_the_server):
    """``--access`` holds the command's reads to the level as a caller's request is: on PostgreSQL the server's
    row-level security then answers too, whatever the query's ``WHERE`` says."""
    home, plan = access_kb.settings.home, hidden_from_the_server
    on_server = access_kb.store.path is None
    everything = json.loads(_kb(home, "show", str(plan), "--json").stdout)["chunks"]
    public = json.loads(_kb(home, "show", str(plan), "--access", "public", "--json").stdout)["chunks"]
    assert everything and public == ([] if on_server else everything)
    listed = json.loads(_kb(home, "documents", "--access", "public", "--json").stdout)["items"]
    assert [d["chunks"] for d in listed if d["id"] == plan] == [0 if on_server else len(everything)]


def test_a_lexicon_snapshot_serves_a_process_whose_first_caller_sees_less(access_kb, tmp_path, caplog):
    """The lexicon holds every passage: a new process's first search, by a public caller, takes the snapshot as it
    is, rather than counting the passages that caller sees, finding fewer and building it all again."""
    path = tmp_path / "lexicon.npz"
    first = SyncedLexicon(access_kb.store, path)
    first.current()
    first.save()
    with reading_at("public"), caplog.at_level(logging.INFO, logger="kb"):
        model = SyncedLexicon(access_kb.store, path).current()
    assert len(model) == access_kb.store.chunks.count() and "again" not in caplog.text and "building" not in caplog.text


def test_cli_index_sets_the_default_level(tmp_path, model_path):
    folder = tmp_path / "docs"
    write_tree(folder, {"a.md": (CORPUS / PLAN).read_text(encoding="utf-8")})
    done = subprocess.run([sys.executable, "-m", "kb", "index", str(folder), "--access", "internal", "--json",
                           "--home", str(tmp_path / "home")], capture_output=True, text=True, timeout=600,
                          env=os.environ | {"KB_MODEL": str(model_path)})
    assert done.returncode == 0, done.stderr
    assert [f["access"] for f in json.loads(done.stdout)["files"]] == ["internal"]
    with pytest.raises(NotFoundError):
        Store(tmp_path / "home" / "kb.sqlite").documents.get(1, "public")
