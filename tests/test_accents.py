"""Accent restoration learned from the sample corpus: queries typed bare, half-accented, with codes and typos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.model import Chunk, DocumentMeta, ParsedDocument, SourceText
from kb.config import load_settings
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.accents import AccentRestorer
from kb.retrieval.accents_sync import SyncedAccents

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def restorer() -> AccentRestorer:
    return AccentRestorer.from_texts(p.read_text(encoding="utf-8") for p in sorted(CORPUS.iterdir()))


@pytest.mark.parametrize(("typed", "meant"), [
    ("chi thi 05 yeu cau nhung gi", "chỉ thị 05 yêu cầu những gi"),  # "gì" is not in the corpus
    ("cong tac kiem tra, giam sat", "công tác kiểm tra, giám sát"),
    ("hoc tap va lam theo tu tuong dao duc phong cach Ho Chi Minh",
     "học tập và làm theo tư tưởng đạo đức phong cách Hồ Chí Minh"),
    ("KE HOACH TUYEN TRUYEN", "KẾ HOẠCH TUYÊN TRUYỀN"),
])
def test_restore_typical_admin_queries(restorer, typed, meant):
    assert restorer.restore(typed) == meant


def test_an_index_model_knows_how_questions_are_asked(restorer):
    """Passages state, they seldom ask: the words of asking come from ``question_phrases.txt``."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.iterdir())]
    asking = AccentRestorer.for_index()
    asking.add(texts)
    assert asking.passages == restorer.passages == 2  # the questions are counted, not as passages
    assert restorer.restore("chi thi 05 yeu cau nhung gi") == "chỉ thị 05 yêu cầu những gi"
    assert asking.restore("chi thi 05 yeu cau nhung gi") == "chỉ thị 05 yêu cầu những gì"
    assert asking.restore("ke hoach 131 do ai ky") == "kế hoạch 131 do ai ký"
    assert asking.restore("muc ho tro la bao nhieu") == "mức hỗ trợ là bao nhiêu"


def test_restore_keeps_marks_typed(restorer):
    assert restorer.restore("Đang bo tinh") == "Đảng bộ tỉnh"  # "đ" typed: "đảng", not "dạng"
    assert restorer.restore("dai hoi dạng bo") == "đại hội dạng bộ"  # a whole form typed stays, even unlikely


def test_a_syllable_typed_without_the_tone_its_stop_needs_takes_one_in_an_accented_question(restorer):
    """"kiêm tra" and "giam sát" are possible as typed; "công tac" is not: a syllable ending in c takes an acute or a
    dot below.  Its hat typed stays: "kêt" may be "kết", never "kiệt"."""
    assert restorer.restore("Kế hoạch về công tac kiểm tra, giám sát") == "Kế hoạch về công tác kiểm tra, giám sát"
    assert restorer.restore("Kế hoạch về công tác kiểm tra, giam sát") == "Kế hoạch về công tác kiểm tra, giam sát"


def test_restore_keeps_numbers_codes_and_unknown_words(restorer):
    assert restorer.restore("Ke hoach 131-KH/TU ngay 17/03/2020") == "Kế hoạch 131-KH/TU ngày 17/03/2020"
    assert restorer.restore("covid xyzq (2021)") == "covid xyzq (2021)"


def test_suggest_mends_a_typo_and_is_silent_when_nothing_changes(restorer):
    assert restorer.suggest("tuyen truyn dai hoi") == "tuyên truyền đại hội"
    assert restorer.suggest("kiem tar giam sat") == "kiểm tra giám sát"
    assert restorer.suggest("Chỉ thị 05 yêu cầu") is None
    assert restorer.suggest("chỉ thị 05 yêu cầu") is None


def test_mend_changes_only_the_syllables_the_index_never_saw(restorer):
    """What is searched: "truyn" becomes "truyền"; "dạng", a syllable the index holds, stays as typed (the suggestion
    makes it "đảng"), and so does an abbreviation; a question whose syllables the index all holds is not mended."""
    assert restorer.mend("đại hội dạng bộ tuyên truyn") == "đại hội dạng bộ tuyên truyền"
    assert restorer.suggest("đại hội dạng bộ tuyên truyn") == "đại hội đảng bộ tuyên truyền"
    assert restorer.mend("tuyen truyn dai hoi") == "tuyên truyền đại hội"
    assert restorer.mend("Kế hoạch tuyên truyền đại hội") is None
    assert restorer.mend("chi thi 05 yeu cau nhung gi") is None


def test_counts_added_in_parts_equal_counts_added_at_once():
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.iterdir())]
    whole, parts = AccentRestorer.from_texts(texts), AccentRestorer.from_texts(texts, batch=1)
    assert np.array_equal(whole.keys, parts.keys) and np.array_equal(whole.counts, parts.counts)
    assert whole.vocabulary == parts.vocabulary and whole.passages == parts.passages == 2


def test_save_load_round_trip(restorer, tmp_path):
    path = tmp_path / "accents.npz"
    restorer.save(path)
    loaded = AccentRestorer.load(path)
    assert np.array_equal(loaded.keys, restorer.keys) and loaded.vocabulary == restorer.vocabulary
    assert loaded.restore("tuyen truyen dai hoi dang bo") == "tuyên truyền đại hội đảng bộ"
    path.write_bytes(b"not a model")
    with pytest.raises(ValueError):
        AccentRestorer.load(path)


def _add(kb: KnowledgeBase, title: str, text: str) -> int:
    parsed = ParsedDocument(SourceText(Path(f"{title}.txt"), text, "utf-8", "text"), DocumentMeta(title=title),
                            [Chunk(text, [], 0, len(text))], [])
    with kb.store.db.transaction():
        return kb.store.documents.add(parsed, path=f"/x/{title}", source=title, content_hash=title)[0]


def test_synced_model_follows_the_chunks_and_rebuilds_after_deletions(tmp_path):
    kb = KnowledgeBase(load_settings(tmp_path / "home"))
    try:
        accents = SyncedAccents(kb.store, tmp_path / "home" / "accents.npz")
        first = _add(kb, "a", "Đảng bộ tỉnh tổ chức đại hội")
        assert accents.current().restore("dang bo") == "đảng bộ"
        second = _add(kb, "b", "Cán bộ đăng ký dự đại hội")
        assert accents.current().restore("can bo dang ky du dai hoi") == "cán bộ đăng ký dự đại hội"
        accents.refresh()
        reread = SyncedAccents(kb.store, accents.path).current()
        assert reread.passages == 2 and reread.last_chunk == kb.store.chunks.count()
        with kb.store.db.transaction():
            kb.store.documents.delete(first)
        assert accents.current().passages == 1  # half of what was counted was deleted: built again
        assert "đảng" not in accents.current().restore("dang bo")
        with kb.store.db.transaction():
            kb.store.documents.delete(second)
        empty = accents.current()  # every passage removed: the model still reads a query, and how people ask
        assert empty.passages == 0 and empty.restore("0") == "0" and empty.restore("bao nhieu") == "bao nhiêu"
    finally:
        kb.close()


def test_restore_leaves_accented_and_english_text_alone(restorer):
    assert restorer.restore("Tuyên truyền đại hội ở Vĩnh Long") == "Tuyên truyền đại hội ở Vĩnh Long"
    assert restorer.restore("What does the plan say about the congress?") == (
        "What does the plan say about the congress?")
