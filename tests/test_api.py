"""The HTTP contract, against the service in this process (one test against a real uvicorn server)."""

import httpx
import pytest
from conftest import BULLETIN

DOCUMENT_FIELDS = {"id", "title", "doc_type", "number", "issuer", "date", "source", "access", "status", "subject",
                   "citation"}
RESULT_FIELDS = {"rank", "score", "chunk_id", "text", "section", "issuer", "kind", "char_start", "char_end", "page", "document"}


def test_health(backend_client):
    body = backend_client.get("/health").json()
    assert body["status"] == "ok" and body["documents"] == 2


def test_search_contract_and_chi_thi_05(backend_client):
    body = backend_client.get("/api/search", params={"q": "Chỉ thị 05 yêu cầu gì", "k": 5}).json()
    assert body["query"] == "Chỉ thị 05 yêu cầu gì"
    first = body["results"][0]
    assert set(first) == RESULT_FIELDS and set(first["document"]) == DOCUMENT_FIELDS
    assert first["document"]["source"] == BULLETIN
    assert first["issuer"] == "Ban Tuyên giáo Tỉnh ủy"
    assert "Chỉ thị" in first["text"] and "05" in first["text"]
    assert [r["rank"] for r in body["results"]] == list(range(1, len(body["results"]) + 1))


def test_search_filters(backend_client):
    body = backend_client.get("/api/search", params={"q": "tuyên truyền", "type": "Kế hoạch"}).json()
    assert body["results"] and {r["document"]["doc_type"] for r in body["results"]} == {"Kế hoạch"}
    body = backend_client.get("/api/search", params={"q": "tuyên truyền", "since": "2030"}).json()
    assert body["results"] == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x", "k": 0}, {"q": "x", "k": 101},
                                    {"q": "x", "since": "17/03/2020"}, {"q": "x" * 1001}])
def test_search_bad_parameters_are_422_json(backend_client, params):
    response = backend_client.get("/api/search", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422 and body["message"] and "Traceback" not in response.text


def test_documents_list_and_detail(backend_client):
    page = backend_client.get("/api/documents").json()
    assert (page["total"], page["page"], page["per_page"]) == (2, 1, 20)
    documents = page["items"]
    assert {d["source"] for d in documents} == {BULLETIN, "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"}
    plan = next(d for d in documents if d["doc_type"] == "Kế hoạch")
    detail = backend_client.get(f"/api/documents/{plan['id']}").json()
    assert detail["signer"] == "Lê Thanh Giang" and detail["chunks"]
    assert any(r["key"] == "KH:131" for r in detail["references"])


@pytest.mark.parametrize("path", ["/api/documents/999999", "/api/nothing"])
def test_unknown_is_404_json(backend_client, path):
    response = backend_client.get(f"{path}")
    assert response.status_code == 404 and response.json()["status"] == 404


def test_unknown_page_is_a_vietnamese_html_404(backend_client):
    response = backend_client.get("/khong-co")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_bad_document_id_is_422(backend_client):
    assert backend_client.get("/api/documents/abc").status_code == 422


def test_openapi_describes_the_models(backend_client):
    schema = backend_client.get("/openapi.json").json()
    assert {"SearchResponse", "SearchResult", "DocumentDetail", "ErrorResponse"} <= set(schema["components"]["schemas"])


def test_a_real_server_answers_with_the_real_model(server):
    """One search through uvicorn and the real model: the tests above use neither."""
    assert httpx.get(f"{server}/health").json()["documents"] == 2
    body = httpx.get(f"{server}/api/search", params={"q": "Chỉ thị 05 yêu cầu gì", "k": 5}, timeout=60).json()
    first = body["results"][0]
    assert first["document"]["source"] == BULLETIN and first["issuer"] == "Ban Tuyên giáo Tỉnh ủy"
