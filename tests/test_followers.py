"""Asked which documents carry out one it describes without its number, the documents citing it come first.

The question finds the described document by its subject (its card first); the documents whose citations resolve
to it (``Documents.citing``) are what it asks for.  A real SQLite index of ``RELATED`` with the test embedder.
"""

from __future__ import annotations

import pytest

from kb.retrieval.query import understand
from kb.retrieval.search import followers_first

FOLLOWERS = "Những văn bản nào triển khai chỉ thị của Bộ Chính trị về học tập và làm theo tư tưởng Hồ Chí Minh?"


def _arranged(kb, question: str) -> list[str]:
    """The directive's card and its text ranked first, then arranged: the file of each passage, in order."""
    directive = next(d["id"] for d in kb.store.documents.listing() if d["number"] == "05-CT/TW")
    own = [row["id"] for row in kb.store.chunks.of_document(directive)]
    fused = [(chunk, 1.0 - 0.1 * i) for i, chunk in enumerate(own)]
    ranked = followers_first(kb, fused, understand(question), None)
    owners = kb.store.chunks.documents_of([chunk for chunk, _ in ranked])
    files = {d["id"]: d["source"].rsplit("/", 1)[-1] for d in kb.store.documents.listing()}
    return [files[owners[chunk]] for chunk, _ in ranked]


def test_the_documents_citing_the_one_described_come_before_it(related_kb):
    ranked = _arranged(related_kb, FOLLOWERS)
    first = ranked[: ranked.index("chi-thi-05-bo-chinh-tri.txt")]
    assert {"ke-hoach-12-tinh-uy.txt", "ke-hoach-20-dang-uy-mat.txt"} <= set(first)
    assert len(first) == len(set(first))  # one passage a citing document


@pytest.mark.parametrize("question", [
    "Những văn bản nào triển khai Chỉ thị 05-CT/TW?",  # named by number: the reference leg's
    "Chỉ thị của Bộ Chính trị về học tập và làm theo tư tưởng Hồ Chí Minh yêu cầu gì?",  # asks what it says
])
def test_other_questions_leave_the_ranking(related_kb, question):
    assert set(_arranged(related_kb, question)) == {"chi-thi-05-bo-chinh-tri.txt"}
