from kb.retrieval.highlight import highlight_spans, mark


def _words(text: str, query: str) -> list[str]:
    return [text[a:b] for a, b in highlight_spans(text, query)]


def test_accented_query_words_do_not_light_up_other_tones():
    text = "Chỉ thị số 05 về học tập và làm theo Hồ Chí Minh"
    assert _words(text, "Chỉ thị 05") == ["Chỉ", "thị", "05"]
    assert "Chí" in _words(text, "chi thi 05")  # typed without accents: every form


def test_tone_mark_conventions_match_each_other():
    assert _words("công tác thủy lợi", "thuỷ lợi") == ["thủy", "lợi"]


def test_question_words_are_not_highlighted_but_their_look_alikes_are():
    assert _words("Chỉ thị 05 là gì thì", "Chỉ thị 05 yêu cầu gì thì") == ["Chỉ", "thị", "05"]


def test_mark_wraps_and_escapes():
    assert mark("a<Chỉ>b", "chỉ", "[", "]", lambda s: s.replace("<", "&lt;")) == "a&lt;[Chỉ]>b"
