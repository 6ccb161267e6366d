"""Highlighting: the query's phrases, not its lone syllables; the excerpt around the best one."""

from conftest import BULLETIN

from kb.retrieval.highlight import excerpt, highlight_spans, mark
from kb.retrieval.search import search


def _marked(text: str, query: str, restored: str | None = None) -> list[str]:
    return [text[a:b] for a, b in highlight_spans(text, query, restored)]


def test_an_accented_phrase_lights_up_as_one_and_other_tones_stay_dark():
    text = "Chỉ thị số 05 về học tập và làm theo Hồ Chí Minh"
    assert _marked(text, "Chỉ thị 05") == ["Chỉ thị số 05"]


def test_lone_syllables_of_an_unaccented_query_are_not_highlighted():
    text = "Hồ Chí Minh thì nói về đô thị; Chỉ thị 05 yêu cầu"
    assert _marked(text, "chi thi 05") == ["Chỉ thị 05"]  # typed without accents: the phrase, folded
    assert _marked(text, "chi thi 05", "chỉ thị 05") == ["Chỉ thị 05"]


def test_the_restored_query_tells_apart_phrases_that_fold_alike():
    text = "Chí thì vậy, còn Chỉ thị 05 là khác"
    assert _marked(text, "chi thi", "chỉ thị") == ["Chỉ thị"]
    assert _marked(text, "chi thi") == ["Chí thì", "Chỉ thị"]  # without it, both fold to the phrase


def test_a_wrong_restoration_falls_back_to_the_words_as_typed():
    assert _marked("Chỉ thị 05 của Bộ Chính trị", "chi thi 05", "chí thì 05") == ["Chỉ thị 05"]


def test_a_repeated_word_begins_another_phrase_and_one_word_queries_mark_single_words():
    assert _marked("Đại hội đại biểu và Đại hội Đảng", "đại hội") == ["Đại hội", "Đại hội"]
    assert _marked("Kế hoạch và kế hoạch", "ke hoach") == ["Kế hoạch", "kế hoạch"]
    assert _marked("Tỉnh ủy, tỉnh ủy", "tỉnh") == ["Tỉnh", "tỉnh"]


def test_tone_mark_conventions_match_each_other():
    assert _marked("công tác thủy lợi", "thuỷ lợi") == ["thủy lợi"]


def test_question_words_are_not_highlighted():
    assert _marked("Chỉ thị 05 là gì thì", "Chỉ thị 05 yêu cầu gì thì") == ["Chỉ thị 05"]


def test_mark_wraps_and_escapes():
    assert mark("a<Chỉ thị>b", "chỉ thị", "[", "]", lambda s: s.replace("<", "&lt;")) == "a&lt;[Chỉ thị]>b"


def test_the_excerpt_is_centred_on_the_best_match_not_the_first_syllable():
    text = ("Hồ Chí Minh thì nói về đô thị. " * 20 + "Năm nay tiếp tục thực hiện Chỉ thị số 05 của Bộ Chính trị. "
            + "Phần sau. " * 60)
    shown = excerpt(text, "chi thi 05", "chỉ thị 05", limit=300)
    assert shown.cut and shown.text.startswith("… Năm nay tiếp tục") and shown.text.endswith(" …")
    assert [shown.text[a:b] for a, b in shown.spans] == ["Chỉ thị số 05"] and len(shown.text) <= 304
    assert shown.marked("[", "]").count("[") == 1


def test_a_short_passage_is_shown_whole():
    shown = excerpt("Ngắn gọn, Chỉ thị 05.", "chi thi 05")
    assert not shown.cut and shown.text == "Ngắn gọn, Chỉ thị 05." and shown.spans == [(10, 20)]


def test_unaccented_chi_thi_05_in_the_corpus_highlights_the_directive_not_chi_or_thi(fake_kb):
    response = search(fake_kb, "chi thi 05", 10)
    assert response.restored == "chỉ thị 05"
    phrases = ("Chỉ thị 05", "Chỉ thị số 05")
    naming = [hit for hit in response.results if any(p in hit.text for p in phrases)]
    assert len(naming) >= 3 and {hit.document.source for hit in naming} >= {BULLETIN}
    for hit in response.results:
        shown = excerpt(hit.text, "chi thi 05", response.restored)
        marked = {shown.text[a:b] for a, b in shown.spans}
        assert marked <= {*phrases, "Chỉ thị"}, marked  # never Chí (Hồ Chí Minh), thì, the thị of đô thị
        if hit in naming:  # the excerpt is centred on the phrase, which is marked whole
            assert marked & set(phrases), shown.text
