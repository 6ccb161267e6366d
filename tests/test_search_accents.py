"""Queries typed without accents, or with some, searched with them put back by the index's own accent model."""

from __future__ import annotations

from urllib.parse import quote_plus

import numpy as np
import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at

from indexer.analyzer import strip_accents
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import check_kb
from kb.retrieval.search import read_query, search

BILINGUAL_DECREE = CORPUS.parent.parent / "shared" / "data" / "docx-pdf" / "court-docs" / "nghi_dinh" / \
    "nghi_dinh_99_2022_ND_CP.docx"
QUESTIONS = ["Chỉ thị 05 yêu cầu những việc", "công tác kiểm tra, giám sát của Đảng bộ tỉnh",
             "tuyên truyền trên pa nô, áp phích", "học tập và làm theo tư tưởng đạo đức phong cách Hồ Chí Minh"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_typed_bare_is_searched_as_if_typed_with_accents(fake_kb, question):
    bare = strip_accents(question)
    typed, restored = search(fake_kb, question, 5), search(fake_kb, bare, 5)
    assert restored.restored == question and restored.query == bare
    assert typed.restored is None
    assert [r.chunk_id for r in restored.results[:1]] == [r.chunk_id for r in typed.results[:1]]


def test_the_restored_query_keeps_the_typed_folded_terms_and_document_names(fake_kb):
    query, reading = read_query(fake_kb, "chi thi 05-CT/TW yeu cau gi")
    assert reading.restored.startswith("chỉ thị 05-CT/TW yêu cầu")
    assert query.text == "chi thi 05-CT/TW yeu cau gi" and query.has_accents and not query.unaccented_vietnamese
    assert query.keys == ["CT:5"] and query.full_keys == ["CT:5:TW"]
    assert ("accented", ("yêu",)) in query.syllables() and ("folded", ("yeu",)) in query.syllables()


def test_a_syllable_the_index_never_saw_is_searched_mended(fake_kb):
    """"tuyên truyn" is searched as "tuyên truyền", and finds what the question typed right finds."""
    typo, right = search(fake_kb, "công tác tuyên truyn đại hội", 5), search(fake_kb, "công tác tuyên truyền đại hội", 5)
    assert typo.restored == "công tác tuyên truyền đại hội" and right.restored is None
    assert [r.chunk_id for r in typo.results[:3]] == [r.chunk_id for r in right.results[:3]]


def test_a_number_named_only_once_a_typo_is_mended_is_not_taken_for_a_missing_one(fake_kb):
    """The references are read from what was typed: "quyết địh 999" names none, and is no document the index lacks."""
    query, _ = read_query(fake_kb, "quyết địh 999 về tuyên truyền đại hội")
    assert query.normalized.startswith("quyết định 999")
    assert query.keys == [] and query.numbers == ()


def test_english_and_accented_queries_are_searched_as_typed(fake_kb):
    for text in ("What does the plan say about the congress?", "Kế hoạch tuyên truyền Đại hội"):
        response = search(fake_kb, text, 3)
        assert response.restored is None and response.suggestion is None


@pytest.mark.skipif(not BILINGUAL_DECREE.exists(), reason="needs ../shared/data")
def test_an_english_question_is_not_restored_in_an_index_that_prints_english(tmp_path):
    """Decree 99/2022's forms print English beside the Vietnamese: "which", "day", "who" are the model's
    syllables, and it read "Which day is" as "Which đây is" and "Who signed" as "Hộ signed"."""
    kb = fake_kb_at(tmp_path / "home")
    try:
        index_paths(kb, [BILINGUAL_DECREE])
        for question in ("Which day is Vietnam's Consumer Rights Day?", "Who signed the decree?"):
            query, reading = read_query(kb, question, suggest=True)
            assert reading.restored == question and reading.suggestion is None
            assert query.translation is not None and not query.has_accents
    finally:
        kb.close()


def test_a_typo_is_mended_in_the_suggestion_of_the_api_and_the_page(client):
    body = client.get("/api/search", params={"q": "tuyen truyn dai hoi", "suggest": "true"}).json()
    assert body["suggestion"] == "tuyên truyền đại hội"
    assert client.get("/api/search", params={"q": "tuyen truyn dai hoi"}).json()["suggestion"] is None, "when asked"
    assert client.get("/api/search", params={"q": "Kế hoạch tuyên truyền", "suggest": "true"}).json()["suggestion"] is None
    html = client.get("/", params={"q": "kiem tar giam sat", "type": "Kế hoạch"}).text
    assert "Có phải bạn muốn tìm" in html
    assert f'href="/?q={quote_plus("kiểm tra giám sát")}&amp;type={quote_plus("Kế hoạch")}"' in html
    assert "Có phải bạn muốn tìm" not in client.get("/", params={"q": "Kế hoạch tuyên truyền"}).text


def test_indexing_writes_the_accent_model_and_check_repairs_it(tmp_path):
    kb = fake_kb_at(tmp_path / "home")
    try:
        index_paths(kb, [CORPUS])
        assert kb.accents.path.exists()  # written by the run: the first search need not count every passage
        assert kb.accents.read_snapshot().last_chunk == max(kb.store.chunks.all_ids())
        kb.accents.path.write_bytes(b"half a file")
        report = check_kb(kb)
        assert [f.name for f in report.problems] == ["accents"]
        repaired = check_kb(kb, repair=True)
        assert repaired.ok and [f.name for f in repaired.findings if f.repaired] == ["accents"]
        assert search(kb, "tuyen truyen dai hoi", 3).restored == "tuyên truyền đại hội"
    finally:
        kb.close()


class _Reading(HashingEmbedder):
    """The test model, noting each text it is asked to read (a query's texts, in order)."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def encode_query(self, text: str) -> np.ndarray:
        self.read.append(text)
        return super().encode_query(text)

    def encode_queries(self, texts: tuple[str, ...]) -> np.ndarray:
        self.read.extend(texts)
        return super().encode_queries(texts)


@pytest.fixture
def reading_kb(fake_kb):
    """The sample corpus's index, read through a model that notes what it reads."""
    kb = KnowledgeBase(fake_kb.settings, embedder=_Reading(), create=False)
    yield kb
    kb.close()


def test_the_model_reads_a_question_typed_with_accents_once_as_typed(reading_kb):
    response = search(reading_kb, "Kế hoạch tuyên truyền Đại hội", 3)
    assert response.restored is None and response.results
    assert reading_kb.open_embedder().read == ["Kế hoạch tuyên truyền Đại hội"]



def test_the_model_never_reads_a_bare_question_as_typed(reading_kb):
    response = search(reading_kb, "chi thi 05 yeu cau gi", 3)
    assert response.restored == "chỉ thị 05 yêu cầu gì"
    assert reading_kb.open_embedder().read == ["chỉ thị 05 yêu cầu gì"]


def test_a_half_accented_question_begun_as_typed_is_searched_as_restored(reading_kb):
    """The model begins it as typed, before the accent model has read it; that vector is given up, and the dense
    leg searches with the restored text's, as every other leg does."""
    response = search(reading_kb, "Chỉ thị 05 yeu cau gi", 3)
    assert response.restored == "Chỉ thị 05 yêu cầu gì"
    read = reading_kb.open_embedder().read
    assert read[-1] == "Chỉ thị 05 yêu cầu gì" and set(read) <= {"Chỉ thị 05 yeu cau gi", "Chỉ thị 05 yêu cầu gì"}
