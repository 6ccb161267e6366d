"""Results by document (the API's option, the page's default), and a passage's words shown once."""


import pytest
from conftest import fake_kb_at

from indexer.analyzer import fold, tokens
from kb.indexing import index_paths
from kb.retrieval.search import search

PLAN = """KẾ HOẠCH
tuyên truyền chuyển đổi số năm 2024

I. MỤC ĐÍCH
Tuyên truyền chuyển đổi số trên pa nô, áp phích tại các xã, phường, thị trấn.

II. NỘI DUNG
Tổ chức hội nghị quán triệt về chuyển đổi số cho cán bộ, đảng viên toàn tỉnh.
"""
# A copy of the plan kept apart (another access level), its commas lost; and a report, another
# document, one of whose passages says the plan's words.
COPY = PLAN.replace(", ", " ").replace(",", "")
REPORT = """BÁO CÁO
kết quả công tác tuyên giáo quý I

1. Kết quả
Tuyên truyền chuyển đổi số trên pa nô áp phích tại các xã phường thị trấn.

2. Tồn tại
Một số chi bộ chưa sinh hoạt chuyên đề đúng kỳ, chất lượng sinh hoạt còn thấp.
"""


def _words(text: str) -> str:
    return " ".join(tokens(fold(text)))


@pytest.fixture
def kb(tmp_path):
    (tmp_path / "docs" / "noi-bo").mkdir(parents=True)
    (tmp_path / "docs" / "ke-hoach.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "docs" / "noi-bo" / "ke-hoach-ban-sao.txt").write_text(COPY, encoding="utf-8")
    (tmp_path / "docs" / "bao-cao.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "docs" / "noi-bo" / "kb.toml").write_text('access = "internal"\n', encoding="utf-8")
    kb = fake_kb_at(tmp_path / "home")
    index_paths(kb, [tmp_path / "docs"])
    yield kb
    kb.close()


def test_a_passage_of_copies_is_shown_once_and_of_two_documents_twice(kb):
    assert len(kb.store.documents.listing()) == 3
    results = search(kb, "chuyển đổi số trên pa nô áp phích", 10).results
    saying = [hit for hit in results if "pa no ap phich" in _words(hit.text)]
    assert sorted(hit.document.doc_type for hit in saying) == ["Báo cáo", "Kế hoạch"], "the plan or its copy, once"


def test_groups_hold_the_results_by_document_best_document_first(fake_kb):
    response = search(fake_kb, "cán bộ đảng viên", 10, group=True)
    groups = response.groups
    assert groups and len({g.document.id for g in groups}) == len(groups) == 2
    assert [g.best_rank for g in groups] == sorted(g.best_rank for g in groups)
    assert groups[0].best_rank == 1
    for group in groups:
        assert group.results[0].rank == group.best_rank
        assert [h.rank for h in group.results] == sorted(h.rank for h in group.results)
        assert {h.document.id for h in group.results} == {group.document.id}
    assert sorted(h.rank for g in groups for h in g.results) == [h.rank for h in response.results]
    assert search(fake_kb, "cán bộ đảng viên", 10).groups is None


def test_the_api_groups_when_asked(client):
    grouped = client.get("/api/search", params={"q": "cán bộ đảng viên", "group": "document"}).json()
    assert [g["document"]["id"] for g in grouped["groups"]] == list(dict.fromkeys(
        r["document"]["id"] for r in grouped["results"]))
    assert client.get("/api/search", params={"q": "cán bộ đảng viên"}).json()["groups"] is None
    assert client.get("/api/search", params={"q": "tuyên truyền", "group": "chapter"}).status_code == 422


def test_the_page_groups_by_default_and_lists_passages_on_request(client):
    grouped = client.get("/", params={"q": "cán bộ đảng viên"}).text
    assert grouped.count('class="result result-group"') == 2 and "trong 2 văn bản" in grouped
    assert "Xem từng đoạn theo thứ tự" in grouped
    listed = client.get("/", params={"q": "cán bộ đảng viên", "view": "passages"}).text
    assert "result-group" not in listed and listed.count('<article class="result">') == 10
    assert "Nhóm theo văn bản" in listed
