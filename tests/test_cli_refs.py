"""`kb refs NUMBER`: a document found by its number in any spelling, its relations both ways; in this process over
``related_kb`` (tests/data/relations and tests/data/citations)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from kb.cli import app as cli_app
from kb.knowledge_base import KnowledgeBase


def refs(kb: KnowledgeBase, *args: str) -> Result:
    return CliRunner().invoke(cli_app, ["refs", *args, "--home", str(kb.settings.home)], env={"COLUMNS": "250"})


@pytest.mark.parametrize("spelling", ["05-CT/TW", "Chỉ thị 05", "chi thi 05", "CT 05", "Chỉ thị số 5"])
def test_refs_finds_the_directive_in_any_spelling(related_kb, spelling):
    done = refs(related_kb, spelling, "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["number"] == "05-CT/TW"


def test_refs_json_is_the_api_object(related_kb, related_client):
    done = json.loads(refs(related_kb, "12-KH/TU", "--json", "--access", "public").stdout)
    assert done == related_client.get(f"/api/documents/{done['id']}/relations").json()


def test_refs_lists_both_directions_by_kind_with_dates_and_issuers(related_kb):
    out = refs(related_kb, "KH 12").stdout
    lines = [line.strip() for line in out.splitlines()]
    assert lines.index("Relies on") < lines.index("implements") < lines.index("based on") < lines.index("Relied on by")
    assert lines.index("Relied on by") < lines.index("replace it") < lines.index("based on it")
    assert any(line.startswith("2016-05-15  Chỉ thị 05-CT/TW  Bộ Chính trị  doc ") for line in lines)
    assert "2016-01-10  Quy định 01-QĐ/TU  Tỉnh ủy  not in the index" in lines
    assert "chế độ làm việc của Ban Thường vụ Tỉnh ủy" in lines
    assert any(line.startswith("2021-03-10  Kế hoạch 30-KH/TU  Tỉnh ủy Hà Tĩnh  doc ") for line in lines)


def test_refs_shows_a_restricted_plan_only_at_its_level(related_kb):
    assert "20-KH/ĐU" in refs(related_kb, "05-CT/TW").stdout  # the command line sees everything
    assert "20-KH/ĐU" not in refs(related_kb, "05-CT/TW", "--access", "public").stdout
    hidden = refs(related_kb, "20-KH/ĐU", "--access", "public", "--json")
    assert hidden.exit_code == 1 and json.loads(hidden.stdout)["error"] == "NotFoundError"


def test_refs_lists_the_documents_of_one_number_and_asks_for_the_id(related_kb):
    done = refs(related_kb, "Quyết định 15/2021/QĐ-UBND")
    assert done.exit_code == 1
    assert "2 documents are numbered Quyết định 15/2021/QĐ-UBND: run kb refs with the id of one." in " ".join(done.stderr.split())
    as_json = json.loads(refs(related_kb, "15/2021/QĐ-UBND", "--json").stdout)
    assert as_json["error"] == "AmbiguousNumber"
    assert sorted(m["issuer"] for m in as_json["matches"]) == ["Ủy ban nhân dân tỉnh Bình Dương",
                                                                "Ủy ban nhân dân tỉnh Quảng Ninh"]
    # the table (wrapped to the console's width, fixed when kb.cli_common was first imported) lists both ids
    rows = [line for line in done.stdout.splitlines() if line.startswith("│ ")]
    assert {str(m["id"]) for m in as_json["matches"]} <= {line.split("│")[1].strip() for line in rows}
    quang_ninh = next(m["id"] for m in as_json["matches"] if m["issuer"].endswith("Quảng Ninh"))
    chosen = json.loads(refs(related_kb, str(quang_ninh), "--json").stdout)
    assert [(g["kind"], [d["found"] for d in g["documents"]]) for g in chosen["relied_on_by"]] == [
        ("implements", ["held"])]  # the plan naming Quảng Ninh; the one naming no province may mean either


@pytest.mark.parametrize(("typed", "error"), [("Kế hoạch 99", "NotFoundError"), ("hello", "InvalidQueryError")])
def test_refs_of_no_document_is_an_error(related_kb, typed, error):
    done = refs(related_kb, typed, "--json")
    assert done.exit_code == 1 and json.loads(done.stdout)["error"] == error
