"""The web pages in real headless Chromium against a real `kb serve` with the real model (end-to-end).

Browser tests need Playwright (``pip install -e '.[test]'`` with ``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1``)
and Debian's Chromium (``.ci/install-browser``); without them they are skipped with the reason printed.
Screenshots go to ``$KB_SCREENSHOTS`` (default: a pytest temporary folder, printed at the end).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from conftest import RELATED, open_kb, running_server, say_out_loud, skip_out_loud

from kb.indexing import index_paths

QUESTION = "Chỉ thị 05 yêu cầu gì"
CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# -- real headless Chromium ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser(request):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_out_loud(request, "browser tests: Playwright is not installed: "
                               "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/pip install -e '.[test]'")
    if not Path(CHROMIUM).is_file():
        skip_out_loud(request, f"browser tests: Chromium not found at {CHROMIUM}: run .ci/install-browser (or set KB_CHROMIUM)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start is a reason to skip, said out loud
        playwright.stop()
        skip_out_loud(request, f"browser tests: Chromium at {CHROMIUM} did not start: {str(exc).splitlines()[0]}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def shots(request, tmp_path_factory) -> Path:
    folder = Path(os.environ.get("KB_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    if any(folder.glob("*.png")):
        say_out_loud(request, f"Screenshots of the web pages: {folder}")


def _page(browser, width: int = 1280, height: int = 900):
    """A page in a fresh context that fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def _offline(context) -> list[str]:
    """Block every request to a host other than 127.0.0.1, as on an office network without internet; the list of them."""
    blocked: list[str] = []

    def route(request_route) -> None:
        if urlparse(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return blocked


def _search(page, server: str, query: str = QUESTION) -> None:
    page.goto(f"{server}/")
    page.fill("#q", query)
    page.press("#q", "Enter")
    page.wait_for_selector("article.result")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_browser_search_and_open_document(browser, server, shots):
    context, page, errors = _page(browser)
    _search(page, server)
    assert "q=" in page.url
    first = page.locator("article.result").first
    assert "Ban Tuyên giáo Tỉnh ủy" in first.inner_text()
    marks = first.locator("blockquote.passage").first.locator("mark").all_inner_texts()
    assert "Chỉ thị 05" in marks  # the query's phrase as one mark
    page.screenshot(path=str(shots / "search.png"))
    page.screenshot(path=str(shots / "search-full.png"), full_page=True)

    first.get_by_role("link", name="Xem đoạn này trong văn bản").first.click()
    page.wait_for_selector(".chunk.is-target")
    assert re.search(r"/documents/\d+\?chunk=\d+.*#chunk-\d+$", page.url)
    target = page.locator(".chunk.is-target")
    box, viewport = target.bounding_box(), page.viewport_size
    assert box and 0 <= box["y"] < viewport["height"], "the passage opened from the result is in view"
    assert "Chỉ thị 05" in target.locator("mark").all_inner_texts()
    page.screenshot(path=str(shots / "document.png"))
    page.locator("text=Quay lại kết quả tìm kiếm").click()
    page.wait_for_selector("article.result")
    assert not errors, errors
    context.close()


def test_browser_copy_citation(browser, server, shots):
    """The copy button puts the document's citation on the clipboard and says so: with the Clipboard API, and
    with the execCommand fallback of a page that has none (served on a LAN address, not a secure context)."""
    context, page, errors = _page(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    _search(page, server)
    card = page.locator("article.result").first
    button = card.get_by_role("button", name=re.compile("^Sao chép trích dẫn văn bản"))
    citation = button.get_attribute("data-copy")
    assert citation and citation == card.locator(".citation-text").inner_text()
    button.click()
    card.locator(".copy-status", has_text="Đã sao chép").wait_for()  # said once the clipboard write resolves
    assert page.evaluate("navigator.clipboard.readText()") == citation
    page.screenshot(path=str(shots / "citation-copied.png"))

    page.evaluate("navigator.clipboard.writeText('')")
    page.get_by_role("link", name="Xem đoạn này trong văn bản").first.click()
    page.wait_for_selector(".doc-header .copy-citation")
    without = context.new_page()
    without.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});")
    without.goto(page.url)
    header = without.locator(".doc-header")
    header.get_by_role("button", name=re.compile("^Sao chép trích dẫn văn bản")).click()
    header.locator(".copy-status", has_text="Đã sao chép").wait_for()  # said once the clipboard write resolves
    assert page.evaluate("navigator.clipboard.readText()") == header.locator(".citation-text").inner_text()
    assert not errors, errors
    context.close()


def test_browser_filters(browser, server, shots):
    context, page, errors = _page(browser)
    _search(page, server, "tuyên truyền")
    page.locator(".facets a.facet-link", has_text="Kế hoạch").click()
    page.wait_for_selector(".chip")
    assert "type=" in page.url and page.locator(".chip").inner_text().startswith("Loại văn bản: Kế hoạch")
    assert set(page.locator("article.result .meta .tag").all_inner_texts()) == {"Kế hoạch"}
    assert page.input_value("#q") == "tuyên truyền"

    page.get_by_role("link", name="Văn bản", exact=True).click()
    page.wait_for_selector("article.doc-card")
    assert page.locator("article.doc-card").count() == 2
    page.screenshot(path=str(shots / "documents.png"))
    page.locator(".facets a.facet-link", has_text="2020").click()
    page.wait_for_selector(".chip")
    assert page.locator("article.doc-card").count() == 1
    page.get_by_role("link", name="Cũ nhất trước").click()
    page.wait_for_url(re.compile(r"sort=oldest"))
    assert "year=2020" in page.url and page.locator("article.doc-card").count() == 1
    assert not errors, errors
    response = page.goto(f"{server}/documents/999999")  # the console reports this 404 itself: expected
    assert response.status == 404 and page.locator("h1").inner_text() == "Không tìm thấy văn bản"
    page.screenshot(path=str(shots / "not-found.png"))
    context.close()


def test_browser_phone_layout_has_no_horizontal_scroll(browser, server, shots):
    context, page, errors = _page(browser, 390, 844)
    page.goto(f"{server}/")
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "phone-home.png"))
    _search(page, server)
    assert _no_horizontal_scroll(page)
    assert page.locator("details.facets").get_attribute("open") is None, "filters start folded on a phone"
    page.screenshot(path=str(shots / "phone-search.png"))
    page.locator("article.result").first.get_by_role("link", name="Xem đoạn này trong văn bản").first.click()
    page.wait_for_selector(".chunk.is-target")
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "phone-document.png"))
    page.goto(f"{server}/documents")
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "phone-documents.png"))
    assert not errors, errors
    context.close()


def test_browser_api_docs_render_offline(browser, server, shots):
    context, page, errors = _page(browser)
    blocked = _offline(context)
    page.goto(f"{server}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/search" in paths and "/api/documents/{doc_id}" in paths and len(paths) >= 10
    page.get_by_text("/api/search", exact=True).click()  # an operation opens: its parameters, from the schema
    page.wait_for_selector(".parameters")
    page.screenshot(path=str(shots / "api-docs.png"))
    assert not blocked and not errors, (blocked, errors)
    context.close()


DROUGHT_PLAN = """KẾ HOẠCH
ứng phó hạn hán và xâm nhập mặn mùa khô năm 2024

I. MỤC ĐÍCH, YÊU CẦU
Chủ động ứng phó hạn hán, xâm nhập mặn vùng ven biển, bảo đảm nước sinh hoạt cho nhân dân.

II. NHIỆM VỤ
Nạo vét kênh mương, tích trữ nước ngọt, vận hành các cống ngăn mặn theo lịch triều.
"""


ENGLISH = re.compile(r"\b(the|file|name|says|limit|raise|unknown|revoked|key|content|rename|settings)\b", re.IGNORECASE)


def test_browser_upload_then_find_the_document(browser, editor_server, shots, tmp_path):
    """A mixed batch: the good file is indexed and found, the bad ones are named with Vietnamese reasons."""
    url, key, home = editor_server
    name = "Kế hoạch ứng phó hạn mặn.txt"
    (tmp_path / name).write_text(DROUGHT_PLAN, encoding="utf-8")
    (tmp_path / "bao-cao.pdf").write_text(DROUGHT_PLAN, encoding="utf-8")  # text named .pdf
    (tmp_path / "cu.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))  # a .doc renamed .docx
    context, page, errors = _page(browser)
    page.goto(f"{url}/upload")
    assert page.locator("h1").inner_text() == "Tải văn bản lên"
    page.fill("#key", key)
    page.check("#remember")
    page.set_input_files("#files", [str(tmp_path / n) for n in (name, "bao-cao.pdf", "cu.docx")])
    page.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    page.wait_for_selector("#job[data-status=done]", timeout=120_000)
    assert page.inner_text("#job-status").startswith("Hoàn tất. 3/3 tệp.")
    good, mismatch, old_word = page.locator(".job-file").all_inner_texts()
    assert name in good and "đã lập chỉ mục" in good
    assert mismatch.startswith("bao-cao.pdf: không nhận") and "nội dung lại là văn bản thuần" in mismatch
    assert old_word.startswith("cu.docx: không nhận") and "soffice --headless --convert-to docx" in old_word
    assert not ENGLISH.search(page.inner_text("#job").replace("soffice --headless --convert-to docx", "")), \
        page.inner_text("#job")
    job_folders = [folder for folder in (home / "uploads").iterdir() if (folder / name).exists()]
    assert [sorted(p.name for p in f.iterdir()) for f in job_folders] == [[name]], "only the good file is stored"
    page.screenshot(path=str(shots / "upload.png"))

    _search(page, url, "cống ngăn mặn theo lịch triều")
    first = page.locator("article.result").first
    assert "vận hành các cống ngăn mặn theo lịch triều" in first.inner_text()
    first.get_by_role("link", name="Xem đoạn này trong văn bản").first.click()
    page.wait_for_selector(".chunk.is-target")
    assert name in page.locator("main").inner_text(), "the document page names the uploaded file"
    page.goto(f"{url}/upload")
    assert page.input_value("#key") == key, "a remembered key is filled in again"
    assert not errors, errors

    page.fill("#key", "kb_00000000_" + "x" * 43)  # the console reports the 401 itself: expected
    page.set_input_files("#files", str(tmp_path / name))
    page.get_by_role("button", name="Tải lên và lập chỉ mục").click()
    page.wait_for_selector("#upload-error:not([hidden])")
    assert page.inner_text("#upload-error") == "Khóa API không đúng hoặc đã bị thu hồi."
    page.screenshot(path=str(shots / "upload-refused.png"))
    context.close()


# -- a document's relations: the lists by kind and the diagram, over tests/data/relations and tests/data/citations --
@pytest.fixture(scope="module")
def related_server(model_path: Path, tmp_path_factory) -> Iterator[str]:
    """A real `kb serve` over ``RELATED`` indexed with the real model, for reads only."""
    home = tmp_path_factory.mktemp("related-server")
    index_paths(open_kb(home, model_path), RELATED)
    with running_server(home, model_path) as url:
        yield url


@pytest.fixture(scope="module")
def ids(related_server: str) -> dict[str, int]:
    items = httpx.get(f"{related_server}/api/documents", params={"per_page": 100}).json()["items"]
    return {d["number"] or d["source"]: d["id"] for d in items}


def test_browser_relations_view_follows_a_directive(browser, related_server, ids, shots):
    context, page, errors = _page(browser)
    blocked = _offline(context)
    page.goto(f"{related_server}/documents/{ids['12-KH/TU']}")
    section = page.locator("section.relations")
    assert section.get_by_role("heading", name="Quan hệ văn bản").is_visible()
    assert [h.strip() for h in section.locator("h4.relation-kind").all_inner_texts()] == [
        "Thực hiện, triển khai (1)", "Căn cứ (1)", "Văn bản thay thế văn bản này (1)", "Văn bản căn cứ vào văn bản này (1)"]
    not_held = section.locator("li.relation-not_held")
    assert "Quy định 01-QĐ/TU" in not_held.inner_text() and "chưa có trong kho" in not_held.inner_text()
    page.screenshot(path=str(shots / "relations-plan.png"), full_page=True)
    section.locator("ul.relation-list a", has_text="Chỉ thị 05-CT/TW").click()  # up to the directive
    page.wait_for_url(f"**/documents/{ids['05-CT/TW']}")
    implementing = page.locator("section.relations h4[data-kind='implements'] + ul > li")
    assert [line.split("\n")[0] for line in implementing.all_inner_texts()] == [
        "Kế hoạch 12-KH/TU · 20/07/2016 · Tỉnh ủy Hà Tĩnh", "Kế hoạch 30-KH/TU · 10/03/2021 · Tỉnh ủy Hà Tĩnh"]  # oldest first
    assert "20-KH/ĐU" not in page.content()  # a restricted plan, not for a caller without a key
    page.screenshot(path=str(shots / "relations-directive.png"), full_page=True)
    assert errors == [] and blocked == []
    context.close()


def test_browser_relation_diagram_links_and_fits_a_phone(browser, related_server, ids, shots):
    context, page, errors = _page(browser)
    page.goto(f"{related_server}/documents/{ids['05-CT/TW']}")
    diagram = page.locator("svg.relation-diagram")
    box = diagram.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    nodes = diagram.locator("a.diagram-link")
    assert nodes.count() == 3  # the two plans and the guide that rely on it
    assert diagram.locator("text", has_text="thực hiện").count() == 2
    nodes.first.click()
    page.wait_for_url(f"**/documents/{ids['12-KH/TU']}")
    assert page.locator("svg.relation-diagram g.diagram-node.not-held").count() == 1  # the Quy định not held
    context.close()
    context, page, errors_phone = _page(browser, width=390, height=800)
    page.goto(f"{related_server}/documents/{ids['12-KH/TU']}")
    page.locator("svg.relation-diagram").scroll_into_view_if_needed()
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "relations-phone.png"), full_page=True)
    assert errors == [] and errors_phone == []
    context.close()
