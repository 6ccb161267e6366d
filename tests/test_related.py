"""Drafting help (``kb.retrieval.related``) on a small index of its own: the căn cứ a draft should cite, the
passages nearest its parts, and its citations that name nothing indexed or a replaced document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app as cli_app
from kb.config import Limits
from kb.errors import InvalidQueryError, UploadTooLargeError
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.drafts import draft_from_bytes, draft_from_text
from kb.retrieval.related import RelatedResponse, related
from tests.conftest import fake_kb_at

RELATED = Path(__file__).parent / "data" / "related"

DRAFT = """ĐẢNG ỦY KHỐI DOANH NGHIỆP TỈNH
*
Số 30-KH/ĐU	ĐẢNG CỘNG SẢN VIỆT NAM
Quảng Ninh, ngày 1 tháng 3 năm 2024
KẾ HOẠCH
học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh năm 2024
Căn cứ Chỉ thị số 05-CT/TU ngày 15/5/2016 của Tỉnh ủy Quảng Ninh về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, \
phong cách Hồ Chí Minh;
Căn cứ Quyết định số 15/2021/QĐ-UBND ngày 12/3/2021 của UBND tỉnh Quảng Ninh;
Căn cứ Nghị quyết số 99-NQ/TU ngày 2/1/2020 của Tỉnh ủy Quảng Ninh,
Đảng ủy Khối xây dựng kế hoạch như sau:
Các chi bộ tổ chức cho đảng viên học tập chuyên đề tư tưởng, đạo đức, phong cách Hồ Chí Minh năm 2024; mỗi đảng viên
đăng ký việc làm theo gương Bác.
T/M BAN THƯỜNG VỤ
BÍ THƯ
Lê Văn C
"""

# The same plan with no căn cứ of its own: its subject alone must lead to the directive.
UNCITED = DRAFT.split("Căn cứ")[0] + """Các chi bộ tổ chức cho đảng viên học tập chuyên đề tư tưởng, đạo đức, phong cách Hồ Chí
Minh; mỗi đảng viên đăng ký việc làm theo gương Bác và kiểm điểm cuối năm.
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    kb = fake_kb_at(tmp_path_factory.mktemp("related"))
    index_paths(kb, [RELATED])
    return kb


def _ids(kb: KnowledgeBase) -> dict[str, int]:
    return {d["number"]: d["id"] for d in kb.store.documents.listing()}


@pytest.fixture(scope="module")
def answer(kb) -> RelatedResponse:
    return related(kb, draft_from_text(DRAFT, kb.settings.limits))


def test_related_a_cited_indexed_document_is_a_basis_first(kb, answer) -> None:
    directive = _ids(kb)["05-CT/TU"]
    first = min(answer.basis, key=lambda s: s.rank)
    cited = {s.document.id: s for s in answer.basis if s.cited_in_draft}
    assert first.cited_in_draft
    assert directive in cited
    assert cited[directive].reasons[0] == "được trích dẫn trong dự thảo (căn cứ)"
    assert cited[directive].citation == ("Chỉ thị số 05-CT/TU ngày 15 tháng 5 năm 2016 của Tỉnh ủy Quảng Ninh về đẩy mạnh "
                                         "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh")


def test_related_basis_is_listed_in_date_order(answer) -> None:
    dates = [s.document.date for s in answer.basis]
    assert dates == sorted(dates)
    assert sorted(s.rank for s in answer.basis) == list(range(1, len(answer.basis) + 1))


def test_related_an_unknown_citation_is_reported(answer) -> None:
    unknown = [p for p in answer.problems if p.status == "unresolved"]
    assert [p.printed for p in unknown] == ["Nghị quyết số 99-NQ/TU"]
    assert unknown[0].kinds == ["basis"]


def test_related_a_replaced_citation_is_flagged(kb, answer) -> None:
    ids = _ids(kb)
    replaced = [p for p in answer.problems if p.status == "replaced"]
    assert [p.documents[0].id for p in replaced] == [ids["15/2021/QĐ-UBND"]]
    status = replaced[0].documents[0].status
    assert status is not None and status.status == "replaced" and status.replaced_by is not None
    assert status.replaced_by.id == ids["20/2023/QĐ-UBND"]
    suggestion = next(s for s in answer.basis if s.document.id == ids["15/2021/QĐ-UBND"])
    assert not suggestion.in_force


def test_related_a_document_that_is_not_replaced_is_not_flagged(kb, answer) -> None:
    directive = next(s for s in answer.basis if s.document.id == _ids(kb)["05-CT/TU"])
    assert directive.in_force and directive.document.status is not None
    assert directive.document.status.status == "in_force"


def test_related_the_subject_alone_finds_what_similar_documents_cite(kb) -> None:
    """No citation in the draft: the plan on the same subject implements the directive, so it is suggested."""
    answer = related(kb, draft_from_text(UNCITED, kb.settings.limits))
    directive = next(s for s in answer.basis if s.document.number == "05-CT/TU")
    assert not directive.cited_in_draft
    assert any(r.startswith("văn bản cùng chủ đề 12-KH/ĐU") for r in directive.reasons)
    assert answer.problems == []


def test_related_each_part_has_its_nearest_passages_without_near_copies(answer) -> None:
    """The parts are the draft's body: its header (its own number) and closing (its signer) are not searched."""
    assert answer.parts and not any("Phần đầu" in p.section or "Phần cuối" in p.section for p in answer.parts)
    for part in answer.parts:
        texts = [hit.text for hit in part.passages]
        assert len(texts) == len(set(texts))
    assert any(hit.document.number == "12-KH/ĐU" for part in answer.parts for hit in part.passages)


def test_related_excluded_documents_are_never_suggested_nor_shown(kb) -> None:
    plan = _ids(kb)["12-KH/ĐU"]
    answer = related(kb, draft_from_text(UNCITED, kb.settings.limits), exclude={plan})
    assert plan not in {s.document.id for s in answer.basis}
    assert plan not in {hit.document.id for part in answer.parts for hit in part.passages}


def test_related_a_caller_sees_only_its_level(tmp_path) -> None:
    kb = fake_kb_at(tmp_path)
    index_paths(kb, [RELATED], access="internal")
    answer = related(kb, draft_from_text(DRAFT, kb.settings.limits), access="public")
    assert answer.basis == [] and all(not part.passages for part in answer.parts)
    assert {p.status for p in answer.problems} == {"unresolved"}


def test_related_reads_a_draft_without_storing_it(kb) -> None:
    before = kb.store.stats.counts()
    related(kb, draft_from_bytes("dự thảo.txt", DRAFT.encode("utf-8"), kb.settings.limits))
    assert kb.store.stats.counts() == before


def test_related_an_empty_or_oversized_draft_is_refused() -> None:
    with pytest.raises(InvalidQueryError):
        draft_from_text(" \n ", Limits())
    with pytest.raises(UploadTooLargeError):
        draft_from_text("x" * 101, Limits(max_upload_file_bytes=100))


def test_kb_related_reads_stdin_and_prints_json(kb) -> None:
    """In process: with the dense leg off (settings.json), the command line never loads a model."""
    (kb.settings.home / "settings.json").write_text('{"weights": {"dense": 0}}', encoding="utf-8")
    try:
        done = CliRunner().invoke(cli_app, ["related", "-", "--json", "--home", str(kb.settings.home)], input=DRAFT)
        listing = CliRunner().invoke(cli_app, ["related", str(RELATED / "ke-hoach-12-kh-du.txt"), "--home",
                                               str(kb.settings.home)], env={"COLUMNS": "250"})
        empty = CliRunner().invoke(cli_app, ["related", "-", "--json", "--home", str(kb.settings.home)], input=" ")
    finally:
        (kb.settings.home / "settings.json").unlink()
    assert done.exit_code == 0, done.output
    answer = json.loads(done.stdout)
    assert {"05-CT/TU", "15/2021/QĐ-UBND"} <= {s["document"]["number"] for s in answer["basis"] if s["cited_in_draft"]}
    assert [p["status"] for p in answer["problems"]] == ["replaced", "unresolved"]
    assert listing.exit_code == 0 and "Chỉ thị số 05-CT/TU ngày 15 tháng 5 năm 2016" in listing.stdout
    assert empty.exit_code == 1 and json.loads(empty.stdout)["error"] == "InvalidQueryError"
