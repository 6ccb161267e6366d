"""The document page's "Quan hệ văn bản": the lists by kind and the diagram, rendered on the server for what the
caller may see; in process over ``related_kb`` (the browser tests look at the same page in Chromium)."""

from __future__ import annotations

import re

from kb.access.keys import create_key


def _ids(client, key: str) -> dict[str, int]:
    items = client.get("/api/documents", params={"per_page": 100}, headers={"X-API-Key": key}).json()["items"]
    return {d["number"] or d["source"]: d["id"] for d in items}


def test_the_page_lists_relations_by_kind_with_the_diagram(related_client, related_kb):
    key = create_key(related_kb.store, "relations-page", "reader", "restricted")[1]
    ids = _ids(related_client, key)
    page = related_client.get(f"/documents/{ids['12-KH/TU']}").text
    section = page.split('<section class="relations"')[1].split("</section>")[0]
    headings = re.findall(r'data-kind="(\w+)">([^<]+)<', section)
    assert [(kind, text.strip()) for kind, text in headings] == [
        ("implements", "Thực hiện, triển khai"), ("basis", "Căn cứ"),
        ("replaces", "Văn bản thay thế văn bản này"), ("basis", "Văn bản căn cứ vào văn bản này")]
    assert f'<a href="/documents/{ids["05-CT/TW"]}">Chỉ thị 05-CT/TW</a>' in section
    assert "· 10/01/2016 · Tỉnh ủy · chưa có trong kho" in section
    assert section.count("<svg") == 1 and f'href="/documents/{ids["30-KH/TU"]}" class="diagram-link"' in section


def test_the_page_of_a_directive_leaves_out_what_the_caller_may_not_see(related_client, related_kb):
    key = create_key(related_kb.store, "relations-page-hidden", "reader", "restricted")[1]
    ids = _ids(related_client, key)
    public = related_client.get(f"/documents/{ids['05-CT/TW']}").text
    assert "20-KH/ĐU" not in public and "(2)" in public.split('data-kind="implements"')[1].split("</h4>")[0]
    restricted = related_client.get(f"/documents/{ids['05-CT/TW']}", headers={"X-API-Key": key}).text
    assert "20-KH/ĐU" in restricted and "(3)" in restricted.split('data-kind="implements"')[1].split("</h4>")[0]
