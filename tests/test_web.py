"""The web pages: pure helpers, then HTTP against the service in this process (the browser: test_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from conftest import BULLETIN, PLAN, app_client, fake_kb_at
from fastapi.testclient import TestClient

from kb.indexing import index_paths
from kb.retrieval.results import DocumentSummary, Passage
from service.filters import FacetGroup, FacetItem, PageFilters
from service.views import highlight, passages_view, sort_documents, vn_date

QUESTION = "Chỉ thị 05 yêu cầu gì"
CITATIONS = Path(__file__).resolve().parent / "data" / "citations"  # two provinces' 15/2021/QĐ-UBND, cited


# -- helpers, no server -------------------------------------------------------------------------
@pytest.mark.parametrize("iso, shown", [("2020-03-17", "17/03/2020"), ("2020-12", "12/2020"), ("2020", "2020"),
                                        (None, ""), ("", "")])
def test_dates_are_shown_the_vietnamese_way(iso, shown):
    assert vn_date(iso) == shown


def test_highlight_escapes_and_marks():
    assert str(highlight("<b>Chỉ thị</b> & Hồ Chí Minh", "chỉ thị")) == \
        "&lt;b&gt;<mark>Chỉ thị</mark>&lt;/b&gt; &amp; Hồ Chí Minh"
    html = str(highlight("<script>x</script> Chỉ thị 05", "<script> chỉ thị"))
    assert html == "&lt;script&gt;x&lt;/script&gt; <mark>Chỉ thị</mark> 05"


def test_the_page_of_a_document_citing_two_provinces_decisions(tmp_path):
    home = tmp_path / "home"
    index_paths(fake_kb_at(home), [CITATIONS])
    with app_client(home) as client:
        ids = {d["source"]: d["id"] for d in client.get("/api/documents").json()["items"]}
        vague = _get(client, f"/documents/{ids['ke-hoach-names-no-one.txt']}").text
        named = _get(client, f"/documents/{ids['ke-hoach-names-quang-ninh.txt']}").text
    line = vague.split('class="relation relation-ambiguous"')[1].split('class="relation-sentence')[0]
    assert "có 2 văn bản cùng số" in line
    for source, province in (("quyet-dinh-binh-duong.txt", "Bình Dương"), ("quyet-dinh-quang-ninh.txt", "Quảng Ninh")):
        assert f'href="/documents/{ids[source]}"' in line and f"Ủy ban nhân dân tỉnh {province}" in line
    linked = named.split('class="relation relation-held"')[1].split("</li>")[0]
    assert f'<a href="/documents/{ids["quyet-dinh-quang-ninh.txt"]}">Quyết định 15/2021/QĐ-UBND</a>' in linked
    assert "relation-ambiguous" not in named


def test_passages_open_only_the_headings_that_change():
    chunks = [Passage(id=i, ordinal=i, kind="body", section=s, text="x", issuer=None, char_start=0, char_end=1, page=None)
              for i, s in enumerate(["", "I › 1", "I › 1", "I › 2", "II"])]
    assert [p["headings"] for p in passages_view(chunks, "", None)] == \
        [[], [(0, "I"), (1, "1")], [], [(1, "2")], [(0, "II")]]


def test_documents_sort_by_date_with_undated_last():
    blank = dict.fromkeys(("title", "doc_type", "number", "issuer", "issuer_parent", "signer", "signer_position", "place",
                           "subject"))
    rows = [DocumentSummary(id=i, date=date, source=f"{i}.txt", access="public", chunks=1, **blank)
            for i, date in ((1, None), (2, "2019-05-01"), (3, "2020-12"))]
    assert [r.id for r in sort_documents(rows, "newest")] == [3, 2, 1]
    assert [r.id for r in sort_documents(rows, "oldest")] == [2, 3, 1]


def test_long_facets_fold_the_rest_but_keep_the_active_value_listed():
    group = FacetGroup("issuer", "Cơ quan ban hành", [FacetItem(f"Ban {i}", 1, "#", i == 10) for i in range(12)])
    shown, more = group.split(8)
    assert [i.label for i in shown] == [f"Ban {i}" for i in (*range(8), 10)]
    assert [i.label for i in more] == ["Ban 8", "Ban 9", "Ban 11"]


def test_facet_counts_are_documents_left_by_the_other_filters(fake_kb):
    counts = fake_kb.store.facets.counts(PageFilters().engine(fake_kb))
    assert dict(counts["type"]) == {"Kế hoạch": 1, "Thông tin sinh hoạt nội bộ": 1} and counts["year"] == [("2020", 1)]
    assert ("Ban Tuyên giáo Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh", 1) in counts["issuer"]
    planned = fake_kb.store.facets.counts(PageFilters(type="kế hoạch").engine(fake_kb))  # folded, as the store filters
    assert planned["year"] == [] and dict(planned["type"])["Thông tin sinh hoạt nội bộ"] == 1
    assert PageFilters.parse(fake_kb, "Kế hoạch", "", "20x0")[1]
    assert PageFilters.parse(fake_kb, "", "", "2020")[0].engine(fake_kb).since == "2020"


# -- HTTP ---------------------------------------------------------------------------------------
def _get(client: TestClient, path: str, **params) -> httpx.Response:
    response = client.get(path, params=params or None)
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    assert "Traceback" not in response.text
    return response


def _results(html: str) -> list[str]:
    return re.split(r'<article class="result[ "]', html)[1:]  # a passage, or a document's group of them


def _doc_id(client: TestClient, source: str) -> int:
    return next(d["id"] for d in client.get("/api/documents").json()["items"] if d["source"] == source)


def test_home_page_renders_with_facets_and_recent_documents(client):
    html = _get(client, "/").text
    assert 'placeholder="Ví dụ: Chỉ thị 05 yêu cầu gì?"' in html and '<html lang="vi">' in html
    assert ">Tìm kiếm</a>" in html and ">Văn bản</a>" in html
    for facet in ("Loại văn bản", "Cơ quan ban hành", "Năm ban hành"):
        assert facet in html
    assert re.search(r"Kế hoạch</span>\s*<span class=\"count\">1</span>", html)
    assert "Văn bản mới nhất" in html and "Tháng 12/2020" in html
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert client.get("/static/style.css").status_code == 200


def test_search_lists_the_bulletin_passage_with_marks_and_its_issuer(client):
    html = _get(client, "/", q=QUESTION).text
    first = _results(html)[0]
    assert "Thông tin sinh hoạt nội bộ" in first and "Tháng 12/2020" in first
    assert "Cơ quan ban hành: <strong>Ban Tuyên giáo Tỉnh ủy</strong>" in first
    assert re.search(r"<mark>Chỉ thị (số )?05</mark>", first)
    assert "3. Kết quả 01 năm thực hiện chuyên đề" in first  # the section path
    link = re.search(r'href="(/documents/(\d+)\?chunk=(\d+)&amp;q=[^"]+#chunk-\3)"', first)
    assert link and int(link.group(2)) == _doc_id(client, BULLETIN)
    assert f"value=\"{QUESTION}\"" in html and "đoạn văn phù hợp nhất" in html


def test_user_input_is_escaped_everywhere(client):
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    pages = [_get(client, "/", q=evil, type=evil, issuer=evil), _get(client, "/documents", type=evil, issuer=evil),
             _get(client, f"/documents/{_doc_id(client, PLAN)}", q=evil, chunk=evil), _get(client, "/", q=evil * 40)]
    for response in pages:
        assert "<script>alert" not in response.text and "<img src=x" not in response.text
        assert "&lt;script&gt;" in response.text or "%3Cscript%3E" in response.text


def test_filters_narrow_results(client):
    def types(html: str) -> set[str]:
        return set(re.findall(r'<span class="tag">([^<]+)</span>', "".join(_results(html))))

    assert types(_get(client, "/", q="tuyên truyền").text) == {"Kế hoạch", "Thông tin sinh hoạt nội bộ"}
    narrowed = _get(client, "/", q="tuyên truyền", type="Kế hoạch").text
    assert types(narrowed) == {"Kế hoạch"} and "Loại văn bản: Kế hoạch" in narrowed
    assert types(_get(client, "/", q="tuyên truyền", year="2020").text) == {"Thông tin sinh hoạt nội bộ"}
    empty = _get(client, "/", q="tuyên truyền", year="2019").text
    assert not _results(empty) and "Không tìm thấy đoạn văn nào" in empty and "Tìm lại không dùng bộ lọc" in empty
    listed = _get(client, "/documents", type="Kế hoạch").text
    assert listed.count('<article class="doc-card">') == 1 and "1 / 2 văn bản" in listed


def test_bad_filters_and_long_queries_get_friendly_messages(client):
    response = _get(client, "/", q="x" * 1001)
    assert response.status_code == 422 and "Câu hỏi quá dài (1.001 ký tự)" in response.text
    assert "Năm «20x0» không hợp lệ" in _get(client, "/", q="tuyên truyền", year="20x0").text


def test_document_list_sorts_by_date(client):
    newest = _get(client, "/documents").text
    oldest = _get(client, "/documents", sort="oldest").text
    assert newest.index("Thông tin sinh hoạt") < newest.index("Kế hoạch tuyên truyền")
    assert 'class="sort-link is-active" aria-current="true">Cũ nhất trước' in oldest


def test_document_view_shows_metadata_references_and_passages(client):
    html = _get(client, f"/documents/{_doc_id(client, PLAN)}").text
    for text in ("Lê Thanh Giang, Phó Bí thư", "Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh", PLAN,
                 "Quan hệ văn bản", "Kế hoạch 131-KH/TU", "I- MỤC ĐÍCH, YÊU CẦU", "1. Mục đích"):
        assert text in html
    assert html.index("1. Mục đích") < html.index("2. Yêu cầu") and 'id="chunk-' in html


def test_document_view_opens_at_the_passage_with_the_query_marked(client):
    first = _results(_get(client, "/", q=QUESTION, view="passages").text)[0]
    path = re.search(r'href="(/documents/[^"#]+)', first).group(1).replace("&amp;", "&")
    chunk = re.search(r"chunk=(\d+)", path).group(1)
    html = _get(client, path).text
    target = html.split(f'id="chunk-{chunk}"')[1].split('</div>')[0]
    assert target.startswith(' class="chunk is-target"') and re.search(r"<mark>Chỉ thị (số )?05</mark>", target)
    assert "Quay lại kết quả tìm kiếm" in html


@pytest.mark.parametrize("path", ["/documents/999999", "/documents/abc"])
def test_unknown_document_is_an_html_404(client, path):
    response = _get(client, path)
    assert response.status_code == 404 and "Không tìm thấy văn bản" in response.text and "<!doctype html>" in response.text


def test_api_errors_stay_json_and_pages_stay_out_of_the_openapi_docs(client):
    assert client.get("/api/documents/999999").json()["status"] == 404
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/documents" not in paths and "/api/search" in paths


def test_api_docs_load_nothing_from_elsewhere(client):
    html = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert all(client.get(s).status_code == 200 for s in sources)
