"""Filters as staff type them: type codes and names, issuer abbreviations, dates; refused with what is known;
facet counts that follow the query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, PLAN, fake_kb_at
from typer.testing import CliRunner

from kb.cli import app as cli_app
from kb.errors import InvalidQueryError, UnknownFilterError
from kb.indexing import index_paths
from kb.retrieval.filters import resolve_filters, resolve_type
from kb.retrieval.search import search
from kb.storage.filters import DocumentFilters
from kb.storage.issuers import issuer_key, parse_abbreviations

HA_TINH = Path(__file__).resolve().parent / "data" / "filters"  # a Chỉ thị of Ủy ban nhân dân tỉnh Hà Tĩnh


@pytest.mark.parametrize("typed", ["KH", "kh", "Kế hoạch", "KẾ HOẠCH", "ke hoach", "Plan", "plan"])
def test_a_type_is_named_by_its_code_name_or_english_word(fake_kb, typed):
    assert resolve_type(fake_kb, typed) == "Kế hoạch"


def test_a_type_only_the_index_holds_is_known_and_an_unknown_one_is_refused_with_the_known_ones(fake_kb):
    assert resolve_type(fake_kb, "thong tin sinh hoat noi bo") == "Thông tin sinh hoạt nội bộ"
    with pytest.raises(UnknownFilterError) as refused:
        resolve_filters(fake_kb, doc_type="unknowntype")
    assert refused.value.known[:2] in (["Kế hoạch (KH)", "Thông tin sinh hoạt nội bộ"],
                                       ["Thông tin sinh hoạt nội bộ", "Kế hoạch (KH)"])
    assert "Chỉ thị (CT)" in refused.value.known and "unknowntype" in str(refused.value)


@pytest.mark.parametrize("since, until", [("2025-02-30", None), ("2025-13", None), (None, "2024-00"), ("20x5", None),
                                          ("2026", "2025")])
def test_impossible_dates_are_refused(since, until):
    with pytest.raises(InvalidQueryError):
        DocumentFilters(since=since, until=until)


def test_real_dates_pass():
    assert DocumentFilters(since="2024-02-29", until="2024").since == "2024-02-29"


def test_issuer_abbreviations_are_spelt_out_both_ways_and_short_ones_only_in_capitals():
    full = issuer_key("Ủy ban nhân dân tỉnh Hà Tĩnh")
    assert issuer_key("UBND tỉnh Hà Tĩnh") == issuer_key("ubnd tinh ha tinh") == full
    assert issuer_key("Uỷ ban nhân dân Tỉnh Hà Tĩnh") == full  # the other tone-mark convention, another case
    assert issuer_key("BTV TU") == issuer_key("Ban Thường vụ Tỉnh ủy") and issuer_key("HĐND") == issuer_key("HDND")
    assert issuer_key("Bộ Tư pháp") == "bo tu phap" and issuer_key("tu") == "tu"  # TU is Tỉnh ủy in capitals only


def test_a_malformed_abbreviation_line_is_an_error_that_names_it():
    with pytest.raises(ValueError, match="line 2"):
        parse_abbreviations("# comment\nUBND Ủy ban nhân dân\n")


@pytest.fixture(scope="module")
def ha_tinh_kb(tmp_path_factory):
    """The corpus and a Chỉ thị of Ủy ban nhân dân tỉnh Hà Tĩnh."""
    kb = fake_kb_at(tmp_path_factory.mktemp("filters-home"))
    index_paths(kb, [CORPUS, HA_TINH])
    return kb


def test_the_abbreviated_issuer_finds_the_body_printed_in_full(ha_tinh_kb):
    found = search(ha_tinh_kb, "phòng chống lụt bão", 5, resolve_filters(ha_tinh_kb, issuer="UBND tỉnh Hà Tĩnh"))
    assert found.results and {hit.document.issuer for hit in found.results} == {"Ủy ban nhân dân tỉnh Hà Tĩnh"}
    plan = search(ha_tinh_kb, "tuyên truyền", 5, resolve_filters(ha_tinh_kb, issuer="BTV ĐUK các cơ quan tỉnh"))
    assert plan.results and {hit.document.source for hit in plan.results} == {PLAN}


def test_facets_count_the_documents_that_answer_the_query_under_the_other_filters(ha_tinh_kb):
    flood = search(ha_tinh_kb, "lụt bão", 5, facets=True).facets
    assert flood is not None
    assert [(v.value, v.count) for v in flood["type"]] == [("Chỉ thị", 1)]
    assert [v.value for v in flood["issuer"]] == ["Ủy ban nhân dân tỉnh Hà Tĩnh"]
    filtered = search(ha_tinh_kb, "lụt bão", 5, resolve_filters(ha_tinh_kb, doc_type="KH"), facets=True).facets
    assert filtered is not None and [v.value for v in filtered["type"]] == ["Chỉ thị"]  # what choosing it would find
    assert filtered["issuer"] == []  # no Kế hoạch answers
    assert search(ha_tinh_kb, "zzzqqq xxyyk", 5, facets=True).facets == {"type": [], "issuer": [], "year": []}


# -- the API, the page and the command line pass the strings through --------------------------
def test_the_api_takes_type_codes_and_answers_422_with_the_known_types(client):
    for typed in ("KH", "Plan", "ke hoach"):
        body = client.get("/api/search", params={"q": "tuyên truyền", "type": typed}).json()
        assert body["results"] and {r["document"]["doc_type"] for r in body["results"]} == {"Kế hoạch"}
    refused = client.get("/api/search", params={"q": "tuyên truyền", "type": "unknowntype"})
    assert refused.status_code == 422 and "Kế hoạch (KH)" in refused.json()["message"]
    assert client.get("/api/documents", params={"type": "unknowntype"}).status_code == 422
    assert client.get("/api/documents", params={"type": "plan"}).json()["total"] == 1


def test_the_api_refuses_an_impossible_date(client):
    for path in ("/api/search", "/api/documents"):
        response = client.get(path, params={"q": "tuyên truyền", "since": "2025-02-30"})
        assert response.status_code == 422 and "2025-02-30" in response.json()["message"]


def test_the_api_facets_follow_the_query(client):
    body = client.get("/api/search", params={"q": "pa nô áp phích", "facets": "true"}).json()
    assert body["facets"]["type"] == [{"value": "Kế hoạch", "count": 1}]
    assert client.get("/api/search", params={"q": "pa nô áp phích"}).json()["facets"] is None


def test_the_page_says_in_vietnamese_which_types_it_knows(client):
    html = client.get("/", params={"q": "tuyên truyền", "type": "unknowntype"}).text
    assert "Không có loại văn bản «unknowntype»" in html and "Kế hoạch (KH)" in html


def test_the_page_takes_a_code_and_counts_facets_of_the_query(client):
    html = client.get("/", params={"q": "pa nô áp phích", "type": "KH"}).text
    assert "Không có loại văn bản" not in html and "Thông tin sinh hoạt nội bộ" not in html.split("<main")[-1]


def test_the_command_line_refuses_an_unknown_type_and_an_impossible_date(fake_kb):
    home = str(fake_kb.settings.home)
    unknown = CliRunner().invoke(cli_app, ["search", "tuyên truyền", "--type", "unknowntype", "--home", home,
                                           "--json"])
    assert unknown.exit_code == 1 and json.loads(unknown.stdout)["error"] == UnknownFilterError.__name__
    assert "Kế hoạch (KH)" in json.loads(unknown.stdout)["message"]
    bad_date = CliRunner().invoke(cli_app, ["search", "tuyên truyền", "--since", "2025-02-30", "--home", home])
    assert bad_date.exit_code == 1 and bad_date.stdout == "" and "2025-02-30" in bad_date.stderr
