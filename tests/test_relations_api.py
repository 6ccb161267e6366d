"""GET /api/documents/{id}/relations: both directions, grouped by kind and ordered by date, with what the caller may
see only; in process over ``related_kb`` (tests/data/relations and tests/data/citations)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kb.access.keys import create_key
from kb.knowledge_base import KnowledgeBase


@pytest.fixture(scope="module")
def secret(related_kb: KnowledgeBase) -> str:
    """A reader key of the restricted level."""
    return create_key(related_kb.store, "relations-restricted", "reader", "restricted")[1]


@pytest.fixture(scope="module")
def api(related_client: TestClient) -> TestClient:
    return related_client


@pytest.fixture(scope="module")
def ids(api: TestClient, secret: str) -> dict[str, int]:
    """Document ids by number (or source file, for the unnumbered ones)."""
    items = api.get("/api/documents", params={"per_page": 100}, headers={"X-API-Key": secret}).json()["items"]
    return {d["number"] or d["source"]: d["id"] for d in items}


def _relations(api: TestClient, doc_id: int, key: str | None = None) -> dict:
    response = api.get(f"/api/documents/{doc_id}/relations", headers={"X-API-Key": key} if key else {})
    assert response.status_code == 200, response.text
    return response.json()


def _kinds(groups: list[dict]) -> list[str]:
    return [group["kind"] for group in groups]


def _numbers(group: dict) -> list[str | None]:
    return [d["number"] for d in group["documents"]]


def test_relations_of_a_directive_list_what_carries_it_out_by_kind_and_date(api, ids):
    body = _relations(api, ids["05-CT/TW"])
    assert (body["id"], body["doc_type"], body["number"], body["date"]) == (ids["05-CT/TW"], "Chỉ thị", "05-CT/TW",
                                                                            "2016-05-15")
    assert body["relies_on"] == []
    assert _kinds(body["relied_on_by"]) == ["implements", "basis"]
    implementing = body["relied_on_by"][0]
    assert _numbers(implementing) == ["12-KH/TU", "30-KH/TU"]  # oldest first
    plan = implementing["documents"][0]
    assert plan | {"sentence": None, "chunk_id": None} == {
        "kind": "implements", "found": "held", "id": ids["12-KH/TU"], "doc_type": "Kế hoạch", "number": "12-KH/TU",
        "date": "2016-07-20", "issuer": "Tỉnh ủy Hà Tĩnh", "title": "Kế hoạch thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị",
        "subject": None, "printed": "Chỉ thị số 05-CT/TW", "sentence": None, "chunk_id": None, "places": 2,
        "candidates": []}
    assert "Chỉ thị số 05-CT/TW" in plan["sentence"]
    passages = {c["id"]: c["text"] for c in api.get(f"/api/documents/{plan['id']}").json()["chunks"]}
    assert plan["sentence"] in passages[plan["chunk_id"]]  # the passage is the citing plan's
    assert _numbers(body["relied_on_by"][1]) == ["08-HD/BTGTU"]


def test_relations_take_the_strongest_kind_first_both_ways(api, ids):
    body = _relations(api, ids["12-KH/TU"])
    assert _kinds(body["relies_on"]) == ["implements", "basis"]
    assert _kinds(body["relied_on_by"]) == ["replaces", "basis"]
    replacing = body["relied_on_by"][0]["documents"][0]
    assert (replacing["number"], replacing["date"]) == ("30-KH/TU", "2021-03-10")
    assert replacing["sentence"].startswith("Kế hoạch này thay thế Kế hoạch số 12-KH/TU")
    # and the replacing plan, seen from its side
    assert _kinds(_relations(api, ids["30-KH/TU"])["relies_on"]) == ["replaces", "implements"]


def test_incoming_relations_are_the_documents_that_cite_it(api, ids):
    for number in ("05-CT/TW", "12-KH/TU"):
        relied = {d["id"] for g in _relations(api, ids[number])["relied_on_by"] for d in g["documents"]}
        assert relied == {d["id"] for d in api.get(f"/api/documents/{ids[number]}").json()["cited_by"]}


def test_a_document_not_held_is_described_as_printed(api, ids):
    basis = _relations(api, ids["12-KH/TU"])["relies_on"][1]["documents"]
    assert [(d["found"], d["id"], d["doc_type"], d["number"], d["date"], d["issuer"], d["subject"]) for d in basis] == [
        ("not_held", None, "Quy định", "01-QĐ/TU", "2016-01-10", "Tỉnh ủy", "chế độ làm việc của Ban Thường vụ Tỉnh ủy")]
    assert basis[0]["sentence"].startswith("Căn cứ Quy định số 01-QĐ/TU")


def test_an_ambiguous_citation_lists_its_candidates(api, ids):
    body = _relations(api, ids["8/KH-SCT"])
    decision = next(d for g in body["relies_on"] for d in g["documents"] if d["number"] == "15/2021/QĐ-UBND")
    assert (decision["found"], decision["id"], decision["date"]) == ("ambiguous", None, "2021-03-12")
    assert [(c["number"], c["issuer"]) for c in decision["candidates"]] == [
        ("15/2021/QĐ-UBND", "Ủy ban nhân dân tỉnh Bình Dương"), ("15/2021/QĐ-UBND", "Ủy ban nhân dân tỉnh Quảng Ninh")]


def test_a_document_above_the_callers_level_is_never_shown(api, ids, secret):
    restricted = ids["20-KH/ĐU"]
    assert api.get(f"/api/documents/{restricted}/relations").status_code == 404
    public = api.get(f"/api/documents/{ids['05-CT/TW']}/relations")
    assert "20-KH/ĐU" not in public.text and f'"id":{restricted}' not in public.text.replace(" ", "")
    seen = _relations(api, ids["05-CT/TW"], secret)["relied_on_by"][0]
    assert _numbers(seen) == ["12-KH/TU", "20-KH/ĐU", "30-KH/TU"]
    assert seen["documents"][1]["issuer"] == "Đảng ủy Khối Các cơ quan tỉnh Hà Tĩnh"  # named with its place
    assert _relations(api, restricted, secret)["relies_on"][0]["documents"][0]["id"] == ids["05-CT/TW"]


def test_unknown_document_is_404_and_the_route_is_documented(api):
    missing = api.get("/api/documents/999999/relations")
    assert missing.status_code == 404 and set(missing.json()) == {"message", "status"}
    assert api.get("/api/documents/0/relations").status_code == 422
    operation = api.get("/openapi.json").json()["paths"]["/api/documents/{doc_id}/relations"]["get"]
    assert operation["tags"] == ["documents"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/DocumentRelations")
