"""Opening a document's original file: ``GET /api/documents/{id}/file`` and the page's ``/documents/{id}/file``.

A real index folder (the test embedder) over a small library: a public directive with a Vietnamese file name,
an internal plan (its folder's kb.toml), a three-page PDF; reader keys of each level.  The file comes back byte
for byte, only to callers who may see its document, and never from outside the folder it was indexed from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import EditorClient, app_client, fake_kb_at, wait_for_job, write_tree
from fastapi.testclient import TestClient
from test_pdf import make_pdf, report_pages
from typer.testing import CliRunner

from kb.access.keys import create_key
from kb.access.levels import LEVELS
from kb.cli import _print_result as print_result
from kb.cli import app as cli_app
from kb.cli_common import console
from kb.indexing import index_paths
from kb.retrieval.search import search

DIRECTIVE = "chỉ-thị-05.txt"
DIRECTIVE_TEXT = """BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 05-CT/TW

ĐẢNG CỘNG SẢN VIỆT NAM
Hà Nội, ngày 15 tháng 5 năm 2016

CHỈ THỊ
CỦA BỘ CHÍNH TRỊ
về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh

Bộ Chính trị yêu cầu các cấp ủy, tổ chức đảng đưa việc học tập thành nội dung sinh hoạt thường xuyên \
của chi bộ, gắn với xây dựng, chỉnh đốn Đảng.

T/M BỘ CHÍNH TRỊ
TỔNG BÍ THƯ
Nguyễn Phú Trọng
"""
PLAN = "noi-bo/ke-hoach-131.txt"
PLAN_TEXT = """TỈNH ỦY BẠC LIÊU
*
Số 131-KH/TU

ĐẢNG CỘNG SẢN VIỆT NAM
Bạc Liêu, ngày 17 tháng 3 năm 2020

KẾ HOẠCH
tuyên truyền đại hội đảng bộ các cấp

Các chi bộ tổ chức tuyên truyền đại hội đảng bộ trên báo chí, pa nô, áp phích và mạng xã hội.
"""
REPORT = "bao-cao.pdf"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("files") / "thu-vien"
    write_tree(root, {DIRECTIVE: DIRECTIVE_TEXT, PLAN: PLAN_TEXT, "noi-bo/kb.toml": 'access = "internal"\n'})
    make_pdf(root / REPORT, report_pages(3))
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory, library) -> Path:
    home = tmp_path_factory.mktemp("files-home")
    index_paths(fake_kb_at(home), [library])
    return home


@pytest.fixture(scope="module")
def keys(home) -> dict[str, str]:
    store = fake_kb_at(home).store
    return {level: create_key(store, f"reader-{level}", "reader", level)[1] for level in LEVELS}


@pytest.fixture(scope="module")
def http(home) -> Iterator[TestClient]:
    with app_client(home) as client:
        yield client


def _id(http: TestClient, key: str, source: str) -> int:
    items = http.get("/api/documents", headers={"X-API-Key": key}).json()["items"]
    return next(d["id"] for d in items if d["source"] == source)


def test_the_file_comes_back_byte_for_byte_under_its_vietnamese_name(http, keys, library):
    response = http.get(f"/api/documents/{_id(http, keys['public'], DIRECTIVE)}/file")
    assert response.status_code == 200
    assert response.content == (library / DIRECTIVE).read_bytes()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f"inline; filename=\"chi-thi-05.txt\"; filename*=UTF-8''{quote(DIRECTIVE, safe='')}")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("sandbox")


def test_a_pdf_opens_in_the_browser(http, keys, library):
    response = http.get(f"/api/documents/{_id(http, keys['public'], REPORT)}/file")
    assert response.status_code == 200 and response.content == (library / REPORT).read_bytes()
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="bao-cao.pdf"')
    assert "content-security-policy" not in response.headers  # a PDF viewer will not open under a sandbox


def test_a_document_above_the_callers_level_is_not_found(http, keys, library):
    plan = _id(http, keys["internal"], PLAN)
    unknown = http.get("/api/documents/999999/file")
    assert unknown.status_code == 404
    for key in (None, keys["public"]):
        response = http.get(f"/api/documents/{plan}/file", headers={"X-API-Key": key} if key else {})
        assert response.status_code == 404
        assert response.json()["message"] == unknown.json()["message"].replace("999999", str(plan))
    for key in (keys["internal"], keys["restricted"]):
        response = http.get(f"/api/documents/{plan}/file", headers={"X-API-Key": key})
        assert response.status_code == 200 and response.content == (library / PLAN).read_bytes()


def test_search_hits_from_a_pdf_carry_their_page(http):
    # The report is in English: an English question reaches it by its number alone, and the directive, by the
    # glossary's "số", may rank above it; its best passage is the one of page 2.
    body = http.get("/api/search", params={"q": "ment number 2 ends the page", "k": 3}).json()
    first = next(hit for hit in body["results"] if hit["document"]["source"] == REPORT)
    assert first["page"] == 2
    page = http.get("/", params={"q": "ment number 2 ends the page", "view": "passages"}).text
    assert f'href="/documents/{first["document"]["id"]}/file#page=2">trang 2 (tệp gốc)</a>' in page


@pytest.fixture
def lone(tmp_path) -> Iterator[tuple[TestClient, Path, int]]:
    """A folder of one document, indexed, and the service over it: to move its file away."""
    write_tree(tmp_path / "kho", {DIRECTIVE: DIRECTIVE_TEXT})
    kb = fake_kb_at(tmp_path / "home")
    index_paths(kb, [tmp_path / "kho"])
    with app_client(tmp_path / "home") as client:
        yield client, tmp_path / "kho" / DIRECTIVE, client.get("/api/documents").json()["items"][0]["id"]


def test_a_file_moved_away_is_not_found_and_says_so(lone):
    client, path, doc_id = lone
    path.rename(path.with_name("da-chuyen.txt"))
    response = client.get(f"/api/documents/{doc_id}/file")
    assert response.status_code == 404 and "moved or deleted" in response.json()["message"]
    said = client.get(f"/api/documents/{doc_id}/file", headers={"Accept-Language": "vi"}).json()["message"]
    assert said.startswith(f"Tệp gốc «{DIRECTIVE}» của văn bản này không còn ở chỗ đã lập chỉ mục")
    page = client.get(f"/documents/{doc_id}/file")
    assert page.status_code == 404 and "Không còn tệp gốc" in page.text and "Traceback" not in page.text
    assert client.get(f"/api/documents/{doc_id}").status_code == 200  # the document itself stays readable


def test_a_file_swapped_for_a_link_out_of_its_folder_is_not_served(lone, tmp_path):
    client, path, doc_id = lone
    secret = tmp_path / "bi-mat.txt"
    secret.write_text("mật khẩu", encoding="utf-8")
    path.unlink()
    path.symlink_to(secret)
    response = client.get(f"/api/documents/{doc_id}/file")
    assert response.status_code == 404 and "mật khẩu" not in response.text
    assert "leads out of the folder" in response.json()["message"]


def test_an_uploaded_file_is_served_from_where_uploads_are_kept(editor_backend_client: EditorClient):
    """On SQLite from the index folder; on PostgreSQL the API node has no copy, and reads it from the database."""
    client, key = editor_backend_client.client, editor_backend_client.key
    data = PLAN_TEXT.replace("131", "132").encode("utf-8")
    accepted = client.post("/api/documents", headers={"X-API-Key": key},
                           files=[("files", ("Kế hoạch 132.txt", data, "text/plain"))]).json()
    job = wait_for_job(client, key, accepted["job_id"])
    doc_id = job["files"][0]["document_id"]
    try:
        response = client.get(f"/api/documents/{doc_id}/file")
        assert response.status_code == 200 and response.content == data
        assert "filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20132.txt" in response.headers["content-disposition"]
        assert (editor_backend_client.home / "uploads" / accepted["job_id"] / "Kế hoạch 132.txt").read_bytes() == data
    finally:  # the writable service is shared by the session: leave it as found
        assert client.delete(f"/api/documents/{doc_id}", headers={"X-API-Key": key}).status_code == 200


CITATION = ("Chỉ thị số 05-CT/TW ngày 15 tháng 5 năm 2016 của Bộ Chính trị về đẩy mạnh học tập và làm theo "
            "tư tưởng, đạo đức, phong cách Hồ Chí Minh")


def test_the_document_page_cites_the_document_and_links_its_original(http, keys):
    doc_id = _id(http, keys["public"], DIRECTIVE)
    assert http.get(f"/api/documents/{doc_id}").json()["citation"] == CITATION
    page = http.get(f"/documents/{doc_id}").text
    assert f'<span class="citation-text">{CITATION}</span>' in page
    assert f'data-copy="{CITATION}"' in page and 'aria-label="Sao chép trích dẫn văn bản số 05-CT/TW"' in page
    assert f'<a href="/documents/{doc_id}/file">Tải văn bản gốc</a>' in page
    file = http.get(f"/documents/{doc_id}/file")
    assert file.status_code == 200 and file.content == http.get(f"/api/documents/{doc_id}/file").content
    results = http.get("/", params={"q": "đẩy mạnh học tập tư tưởng Hồ Chí Minh"}).text
    assert f'data-copy="{CITATION}"' in results


def test_the_command_line_cites_and_gives_pdf_pages(http, keys, home):
    def kb(*args: str) -> str:
        return CliRunner().invoke(cli_app, [*args, "--home", str(home)], env={"COLUMNS": "400"}).stdout

    doc_id = _id(http, keys["public"], DIRECTIVE)
    assert f"citation: {CITATION}" in " ".join(kb("show", str(doc_id)).split())
    assert json.loads(kb("show", str(doc_id), "--json"))["citation"] == CITATION
    assert CITATION in [d["citation"] for d in json.loads(kb("documents", "--json"))["items"]]
    hit = next(hit for hit in search(fake_kb_at(home), "ment number 2 ends the page", 3).results
               if hit.document.source == REPORT)
    with console.capture() as shown:  # kb search's listing of a hit (the command itself loads the real model)
        print_result(hit, "ment number 2", None)
    assert f"{REPORT} page 2 [" in shown.get()
