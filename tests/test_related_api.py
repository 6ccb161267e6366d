"""``POST /api/related`` and the ``/related`` page, in process: the response's shape, the key it needs when reads are
closed, the size limit, and what an empty or unreadable draft gets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.access.keys import create_key
from kb.indexing import index_paths
from kb.storage.store import Store
from tests.conftest import app_client, fake_kb_at
from tests.test_related import DRAFT, RELATED

LIMIT = 20_000  # max_upload_file_bytes of these tests' index


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("related-api")
    (home / "settings.json").write_text(json.dumps({"limits": {"max_upload_file_bytes": LIMIT}}))
    index_paths(fake_kb_at(home), [RELATED])
    return home


@pytest.fixture(scope="module")
def http(home) -> Iterator[TestClient]:
    with app_client(home) as client:
        yield client


def test_related_api_answers_the_three_parts(http) -> None:
    response = http.post("/api/related", json={"text": DRAFT})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"title", "doc_type", "number", "date", "basis", "parts", "problems"}
    assert body["number"] == "30-KH/ĐU" and body["doc_type"] == "Kế hoạch"
    directive = next(s for s in body["basis"] if s["document"]["number"] == "05-CT/TU")
    assert directive["cited_in_draft"] and directive["citation"].startswith("Chỉ thị số 05-CT/TU ngày 15 tháng 5 năm 2016")
    assert set(directive) == {"rank", "score", "citation", "document", "cited_in_draft", "in_force", "reasons"}
    assert {(p["printed"], p["status"]) for p in body["problems"]} == {
        ("Quyết định số 15/2021/QĐ-UBND", "replaced"), ("Nghị quyết số 99-NQ/TU", "unresolved")}
    assert body["parts"] and set(body["parts"][0]) == {"section", "text", "passages"}


def test_related_api_takes_a_file(http) -> None:
    files = {"file": ("dự thảo.txt", DRAFT.encode("utf-8"), "text/plain")}
    response = http.post("/api/related", files=files, params={"k": 2})
    assert response.status_code == 200
    assert len(response.json()["basis"]) == 2


def test_related_api_an_empty_draft_is_422(http) -> None:
    assert http.post("/api/related", json={"text": "  \n"}).status_code == 422
    assert http.post("/api/related", json={}).status_code == 422
    assert http.post("/api/related", content=b"not json", headers={"Content-Type": "application/json"}).status_code == 422
    assert http.post("/api/related", files={"other": ("a.txt", b"x", "text/plain")}).status_code == 422


def test_related_api_over_the_size_limit_is_413(http) -> None:
    big = DRAFT * (LIMIT // len(DRAFT.encode("utf-8")) + 1)
    assert http.post("/api/related", json={"text": big}).status_code == 413
    files = {"file": ("dự thảo.txt", big.encode("utf-8"), "text/plain")}
    assert http.post("/api/related", files=files).status_code == 413


def test_related_api_a_file_not_what_its_name_says_is_415(http) -> None:
    files = {"file": ("dự thảo.docx", DRAFT.encode("utf-8"), "application/octet-stream")}
    response = http.post("/api/related", files=files, headers={"Accept-Language": "vi"})
    assert response.status_code == 415 and "dự thảo.docx" in response.json()["message"]


def test_related_api_needs_a_key_when_reads_are_closed(tmp_path) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({"service": {"open_reads": False}}))
    index_paths(fake_kb_at(tmp_path), [RELATED])
    store = Store(tmp_path / "kb.sqlite")
    key = create_key(store, "doc", "reader", "public")[1]
    store.close()
    with app_client(tmp_path) as client:
        assert client.post("/api/related", json={"text": DRAFT}).status_code == 401
        assert client.post("/api/related", json={"text": DRAFT}, headers={"X-API-Key": key}).status_code == 200


def test_related_page_shows_the_three_parts(http) -> None:
    form = http.get("/related")
    assert form.status_code == 200 and 'href="/related" aria-current="page"' in form.text
    page = http.post("/related", data={"text": DRAFT})
    assert page.status_code == 200
    assert "Chỉ thị số 05-CT/TU ngày 15 tháng 5 năm 2016 của Tỉnh ủy Quảng Ninh" in page.text
    assert "Nghị quyết số 99-NQ/TU</strong>:\n      không có trong kho" in page.text
    assert "văn bản này không còn hiệu lực" in page.text and 'data-status="replaced"' in page.text
    assert "Đoạn văn tương tự" in page.text
    empty = http.post("/related", data={"text": ""})
    assert empty.status_code == 422 and "Dự thảo không có nội dung." in empty.text
