"""Search over the saved administrative documents finds every notice citing a decree, by its number.

The legal basis ``Căn cứ Nghị định số 08/2015/NĐ-CP …`` opens ten notices of
the customs office, each wrapped at its own place; it must be in their
passages (not dropped as a line repeated across the folder, nor as a
subheading), and each notice's passage shown although ten say the same
words (they are ten documents, not copies of one), so that the search for it
finds every one.  The notices are found by reading the files, not from a list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import fake_kb_at

from indexer.analyzer import nfc
from kb.indexing import index_paths
from kb.retrieval.search import search

ADMIN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "admin-docs"
QUERY = "Nghị định số 08/2015/NĐ-CP"

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not ADMIN.is_dir(), reason=f"{ADMIN} is absent")]


def _notices_citing(phrase: str) -> set[str]:
    """The notices (Thông báo) whose text, its lines joined, holds ``phrase``."""
    kinds = {d["file"]: d["loai"] for d in json.loads((ADMIN / "metadata.json").read_text(encoding="utf-8"))}
    return {path.name for path in (ADMIN / "docs").glob("*.md") if kinds.get(path.name) == "Thông báo"
            and phrase in re.sub(r"\s+", " ", nfc(path.read_text(encoding="utf-8")))}


@pytest.fixture(scope="module")
def admin_kb(tmp_path_factory):
    """The folder indexed with the test embedder: a number is found by the reference and lexical legs."""
    kb = fake_kb_at(tmp_path_factory.mktemp("admin") / "home")
    report = index_paths(kb, [ADMIN / "docs"])
    assert report.count("indexed") >= 190, report.summary()["problems"]
    yield kb
    kb.close()


def test_search_for_a_decree_finds_every_notice_citing_it(admin_kb):
    expected = _notices_citing(QUERY)
    assert len(expected) >= 5
    found = {hit.document.source for hit in search(admin_kb, QUERY, 100).results}
    assert expected <= found, sorted(expected - found)
