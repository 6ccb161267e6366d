"""The status API (``/api/documents/{id}/status``) in process, over five decisions of one province
(``tests/data/validity``): 20/2023 replaces 12/2019, 07/2021 amends it, 03/2024 (internal) repeals 20/2023,
and 02/2018 says it replaces 07/2021, which it cannot, being earlier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import app_client, fake_kb_at
from fastapi.testclient import TestClient

from kb.access.keys import create_key
from kb.indexing import index_paths

DATA = Path(__file__).resolve().parent / "data" / "validity"


class Service(NamedTuple):
    client: TestClient
    ids: dict[str, int]  # by number
    editor: str
    reader: str
    internal_editor: str


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("validity")
    kb = fake_kb_at(home)
    index_paths(kb, [DATA])
    ids = {row["number"]: row["id"] for row in kb.store.documents.listing()}
    _, editor = create_key(kb.store, "bien-tap", "editor", "public")
    _, reader = create_key(kb.store, "doc-gia", "reader")
    _, internal = create_key(kb.store, "van-phong", "editor", "internal")
    kb.close()
    with app_client(home) as client:
        yield Service(client, ids, editor, reader, internal)


def _key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_a_replaced_document_is_derived_from_the_later_one_that_replaces_it(service) -> None:
    old, new, amending = (service.ids[n] for n in ("12/2019/QĐ-UBND", "20/2023/QĐ-UBND", "07/2021/QĐ-UBND"))
    status = service.client.get(f"/api/documents/{old}").json()["status"]
    assert (status["status"], status["source"], status["derived"]) == ("replaced", "derived", "replaced")
    assert status["replaced_by"]["id"] == new and status["replaced_by"]["kind"] == "replaces"
    assert [d["id"] for d in status["amended_by"]] == [amending] and status["manual"] is None
    # amended, it stays in force; an earlier document cannot replace it
    assert service.client.get(f"/api/documents/{amending}/status").json()["status"]["status"] == "in_force"


def test_a_repeal_above_the_callers_level_does_not_end_the_document_for_it(service) -> None:
    repealed, repealing = service.ids["20/2023/QĐ-UBND"], service.ids["03/2024/QĐ-UBND"]
    assert service.client.get(f"/api/documents/{repealed}/status").json()["status"]["status"] == "in_force"
    seen = service.client.get(f"/api/documents/{repealed}/status", headers=_key(service.internal_editor)).json()
    assert seen["status"]["status"] == "repealed" and seen["status"]["replaced_by"]["id"] == repealing


def test_search_hits_and_the_list_carry_the_status(service) -> None:
    old = service.ids["12/2019/QĐ-UBND"]
    hits = service.client.get("/api/search", params={"q": "quản lý chợ báo cáo định kỳ", "k": 10}).json()["results"]
    flagged = {hit["document"]["id"]: hit["document"]["status"]["status"] for hit in hits}
    assert flagged.get(old) == "replaced" and set(flagged.values()) <= {"replaced", "in_force"}
    items = service.client.get("/api/documents").json()["items"]
    assert {item["id"]: item["status"]["status"] for item in items}[old] == "replaced"


def test_setting_a_status_needs_an_editor_key(service) -> None:
    url = f"/api/documents/{service.ids['07/2021/QĐ-UBND']}/status"
    assert service.client.put(url, json={"status": "expired"}).status_code == 401
    refused = service.client.put(url, json={"status": "expired"}, headers=_key(service.reader))
    assert refused.status_code == 403 and "editor" in refused.json()["message"]
    assert service.client.get(url).json()["history"] == []


def test_unknown_documents_statuses_and_replacing_documents_are_refused(service) -> None:
    internal = service.ids["03/2024/QĐ-UBND"]
    target = f"/api/documents/{service.ids['02/2018/QĐ-UBND']}/status"
    headers = _key(service.editor)
    assert service.client.put("/api/documents/999999/status", json={"status": "expired"}, headers=headers).status_code == 404
    assert service.client.put(f"/api/documents/{internal}/status", json={"status": "expired"},
                              headers=headers).status_code == 404  # above the key's level
    bad = service.client.put(target, json={"status": "gone"}, headers=headers)
    assert bad.status_code == 422 and "in_force" in bad.json()["message"]
    said = service.client.put(target, json={"status": "gone"}, headers=headers | {"Accept-Language": "vi"}).json()
    assert said["message"].startswith("Không có trạng thái «gone»")
    hidden = service.client.put(target, json={"status": "replaced", "replaced_by": internal}, headers=headers)
    assert hidden.status_code == 422
    assert service.client.get(target).json()["history"] == []


def test_a_manual_status_overrides_the_derived_one_and_every_change_is_kept(service) -> None:
    old, new = service.ids["12/2019/QĐ-UBND"], service.ids["20/2023/QĐ-UBND"]
    url, headers = f"/api/documents/{new}/status", _key(service.editor)
    first = service.client.put(url, json={"status": "expired", "note": "Hết thời hạn áp dụng"}, headers=headers)
    assert first.status_code == 200
    second = service.client.put(url, json={"status": "replaced", "replaced_by": old, "note": "  "}, headers=headers)
    report = second.json()
    status = report["status"]
    assert (status["status"], status["source"], status["derived"]) == ("replaced", "manual", "in_force")
    assert status["replaced_by"]["id"] == old and status["replaced_by"]["kind"] == "manual"
    assert status["manual"]["set_by"] == "bien-tap" and status["manual"]["set_at"]
    history = [(h["status"], h["previous"], h["note"], h["set_by"]) for h in report["history"]]
    assert history == [("replaced", "expired", None, "bien-tap"), ("expired", None, "Hết thời hạn áp dụng", "bien-tap")]
    assert service.client.get(url).json() == report
    assert service.client.get(f"/api/documents/{new}").json()["status"] == status


def test_pages_show_a_badge_linking_the_replacing_document(service) -> None:
    old, new = service.ids["12/2019/QĐ-UBND"], service.ids["20/2023/QĐ-UBND"]
    badge = f'Đã bị thay thế bởi <a href="/documents/{new}">Quyết định số 20/2023/QĐ-UBND</a>'
    page = service.client.get(f"/documents/{old}").text
    assert badge in page and "Đã được sửa đổi, bổ sung bởi" in page
    assert badge in service.client.get("/", params={"q": "quản lý chợ báo cáo định kỳ"}).text
    assert badge in service.client.get("/documents").text
    # a document in force shows no badge
    assert 'class="status-badge' not in service.client.get(f"/documents/{service.ids['07/2021/QĐ-UBND']}").text
