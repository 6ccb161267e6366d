"""A question nothing in the index answers is refused with a reason, in kb.search, the API, the CLI and the page."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import httpx
import pytest
from conftest import BULLETIN, app_client, fake_kb_at, write_tree

from kb.config import Refusal, load_settings
from kb.errors import ConfigError
from kb.indexing import index_paths
from kb.retrieval.lexicon import Lexicon
from kb.retrieval.query import understand
from kb.retrieval.refusal import NO_MATCH, NO_NUMBER, Evidence, gather, judge, printed_unread, subject_pairs
from kb.retrieval.search import legs, read_query, search

GIBBERISH = "zzzzqqq"
MISSING = "Chỉ thị 99-CT/TW yêu cầu gì"
ANSWERABLE = "Chỉ thị 05 yêu cầu gì"


CIRCULAR = """BỘ TÀI CHÍNH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 110/2025/TT-BTC
Hà Nội, ngày 14 tháng 11 năm 2025

THÔNG TƯ
Sửa đổi, bổ sung một số điều của Thông tư số 55/2023/TT-BTC về phí thẩm định

Điều 1. Sửa đổi Điều 4 của Thông tư số 55/2023/TT-BTC như sau: mức thu phí thẩm định là 1.000.000 đồng.

Điều 2. Thông tư này có hiệu lực từ ngày 01 tháng 01 năm 2026.
"""


# -- the rule --------------------------------------------------------------------------------------
def _evidence(coverage: float = 0.0, similarity: float | None = None, references: int = 0,
              numbers: tuple[str, ...] = (), pairs: float | None = None, english: bool = False,
              held: int = 0, searched: float = 1.0, syllables: int = 0) -> Evidence:
    return Evidence(coverage=coverage, similarity=similarity, references=references, numbers=numbers, pairs=pairs,
                    english=english, held=held, searched=searched, syllables=syllables)


def test_a_number_nothing_is_or_cites_is_refused_and_named():
    verdict = judge(_evidence(coverage=1.0, similarity=0.95, numbers=("Chỉ thị 99-CT/TW",)), Refusal())
    assert verdict and verdict.code == NO_NUMBER and verdict.numbers == ("Chỉ thị 99-CT/TW",)
    assert "99-CT/TW" in verdict.reason
    assert judge(_evidence(coverage=1.0, numbers=("Chỉ thị 05",), references=3), Refusal()) is None


def test_words_or_meaning_either_answer_and_neither_is_refused():
    rule = Refusal(coverage=0.5, similarity=0.85)
    assert judge(_evidence(coverage=0.7, similarity=0.80), rule) is None  # the words are there
    assert judge(_evidence(coverage=0.1, similarity=0.90), rule) is None  # the meaning is (English)
    verdict = judge(_evidence(coverage=0.1, similarity=0.80), rule)
    assert verdict and verdict.code == NO_MATCH and verdict.reason
    assert judge(_evidence(coverage=0.1), rule) is not None  # no dense leg (unaccented): the words decide
    assert "filters" in judge(_evidence(), rule, filtered=True).reason  # type: ignore[union-attr]


def test_an_english_question_must_come_closer_in_meaning():
    rule = Refusal(coverage=0.5, similarity=0.8, english=0.85)
    assert judge(_evidence(coverage=0.1, similarity=0.82), rule) is None
    assert judge(_evidence(coverage=0.1, similarity=0.82, english=True), rule) is not None
    assert judge(_evidence(coverage=0.1, similarity=0.86, english=True), rule) is None
    assert judge(_evidence(coverage=0.6, similarity=0.5, english=True), rule) is None  # its words are held


def test_an_english_question_the_legs_cannot_read_is_refused_however_close():
    rule = Refusal(english=0.84, english_read=0.5)
    # "How do I bake sourdough bread at home?": the glossary reads "home" alone, e5 finds it close to a passage
    verdict = judge(_evidence(coverage=0.6, similarity=0.88, english=True, searched=0.25), rule)
    assert verdict and verdict.code == NO_MATCH and "glossary" in verdict.reason
    assert judge(_evidence(coverage=0.6, similarity=0.88, english=True, searched=0.5), rule) is None  # half is read
    assert judge(_evidence(coverage=0.6, similarity=0.88, searched=0.25), rule) is None  # only English is read so


def test_a_vietnamese_question_whose_words_no_passage_holds_together_is_refused():
    rule = Refusal(coverage=0.5, similarity=0.85, pairs=0.2)
    verdict = judge(_evidence(coverage=0.9, similarity=0.95, pairs=0.1), rule)  # each syllable somewhere, close
    assert verdict and verdict.code == NO_MATCH and "together" in verdict.reason
    assert judge(_evidence(coverage=0.9, similarity=0.95, pairs=0.3), rule) is None
    assert judge(_evidence(coverage=0.9, similarity=0.95, pairs=None), rule) is None  # English, or one word
    assert judge(_evidence(coverage=0.9, pairs=0.1, references=2), rule) is None  # a named document is cited


def test_a_long_question_holding_enough_of_its_words_together_in_one_passage_is_answered():
    """A statement of 26 pairs put in other words holds a small share of them in any passage, but several."""
    rule = Refusal(coverage=0.5, similarity=0.85, pairs=0.2, held=4)
    assert judge(_evidence(coverage=0.9, similarity=0.95, pairs=0.1, held=4), rule) is None
    assert judge(_evidence(coverage=0.9, similarity=0.95, pairs=0.1, held=3), rule) is not None
    assert judge(_evidence(coverage=0.9, similarity=0.95, pairs=0.1, held=9), replace(rule, held=0)) is not None


def test_a_statement_is_not_refused_for_its_pairs():
    """"Tôi bị chồng đánh và đang được điều trị ở bệnh viện công, …" (28 syllables) holds 2 of its pairs together in
    the article that answers; the questions without an answer the pairs rule refuses are short."""
    rule = Refusal(coverage=0.375, similarity=0.785, pairs=0.15, held=4, statement=22)
    assert judge(_evidence(coverage=0.48, similarity=0.87, pairs=0.08, held=2, syllables=28), rule) is None
    assert judge(_evidence(coverage=0.48, similarity=0.87, pairs=0.08, held=2, syllables=14), rule) is not None
    assert judge(_evidence(coverage=0.48, similarity=0.87, pairs=0.08, held=2, syllables=28),
                 replace(rule, statement=0)) is not None
    assert judge(_evidence(coverage=0.1, similarity=0.7, pairs=0.08, syllables=28), rule) is not None  # words decide


def test_thresholds_of_zero_never_refuse_for_lack_of_words():
    assert judge(_evidence(), Refusal(coverage=0.0)) is None


def test_refusal_settings_are_checked(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"refusal": {"coverage": 0.4, "similarity": 0.8}}))
    assert load_settings(tmp_path).refusal == Refusal(coverage=0.4, similarity=0.8, numbers=True)
    for bad in ({"coverage": 2}, {"similarity": "high"}, {"numbers": "yes"}, {"threshold": 0.5},
                {"english_read": 1.5}, {"held": -1}, {"statement": 2.5}, {"statement": True}):
        (tmp_path / "settings.json").write_text(json.dumps({"refusal": bad}))
        with pytest.raises(ConfigError):
            load_settings(tmp_path)


def test_coverage_weighs_rare_syllables_and_knows_no_unseen_one():
    lexicon = Lexicon()
    rows = [(1, "thuế tiêu thụ đặc biệt", "thue tieu thu dac biet")] + [
        (i, "quy định chung của nhà nước", "quy dinh chung cua nha nuoc") for i in range(2, 12)]
    lexicon.add(rows)
    full, common, none = lexicon.coverage([("thue",), ("tieu",), ("thu",), ("cua",)], [1, 2, 3])
    assert full > 0.95 and common < 0.05 and none < 0.05  # "cua" is in nearly every passage: it weighs nothing
    assert lexicon.coverage([("zzzzqqq",)], [1, 2]) == [0.0, 0.0]
    assert lexicon.coverage([("cua",), ("nha",)], [2, 1]) == [1.0, 0.0]  # only common words: held all, covered
    assert lexicon.coverage([], [1]) == [0.0]


def test_a_pair_is_held_only_where_its_syllables_stand_side_by_side():
    lexicon = Lexicon()
    lexicon.add([(1, "bún chả hà nội", "bun cha ha noi"), (2, "chả giò và bún bò", "cha gio va bun bo")])
    assert lexicon.coverage([("bun", "cha")], [1, 2]) == [1.0, 0.0]
    assert lexicon.coverage([("bun",), ("cha",)], [1, 2]) == [1.0, 1.0]
    assert lexicon.covered([("bun", "cha"), ("ha", "noi"), ("bun", "bo"), ("bun", "cha")], [1, 2])[1] == [2, 1]


def test_an_english_question_is_covered_by_its_vietnamese_not_its_english_words():
    english = understand("forms of steampunk propaganda and agitation")  # "steampunk": not in the glossary
    assert english.translation is not None
    words = english.evidence_text.split()
    assert {"tuyen", "truyen"} <= set(words) and "propaganda" not in words and "steampunk" in words
    assert understand("Chỉ thị 05 yêu cầu gì").evidence_text == "chi thi 05 yeu cau gi"


# -- each surface, over the indexed sample corpus -----------------------------------------------------
@pytest.mark.e2e
def test_search_refuses_gibberish_and_a_missing_number_and_answers_a_question(corpus_kb):
    gibberish = search(corpus_kb, GIBBERISH)
    assert gibberish.results == [] and gibberish.refused == NO_MATCH and gibberish.reason
    missing = search(corpus_kb, MISSING)
    assert missing.results == [] and missing.refused == NO_NUMBER and missing.missing == ["Chỉ thị 99-CT/TW"]
    answered = search(corpus_kb, ANSWERABLE, 3)
    assert answered.refused is None and answered.reason is None and answered.results[0].document.source == BULLETIN


@pytest.mark.e2e
def test_an_english_question_whose_words_no_passage_holds_is_answered(corpus_kb):
    """Its English words are in no passage; the Vietnamese of "propaganda" is, and the model finds it close."""
    answered = search(corpus_kb, "forms of visual propaganda and agitation", 5)
    assert answered.refused is None and answered.results


@pytest.mark.e2e
def test_an_everyday_english_question_is_refused(corpus_kb):
    """A passage holds a sliver of its words (coverage 0.05), and the model's best cosine (0.82) clears the bar
    of a Vietnamese question, not the higher one of an English question."""
    refused = search(corpus_kb, "What is the boiling point of water on Mount Everest?")
    assert refused.results == [] and refused.refused == NO_MATCH


@pytest.mark.e2e
def test_api_returns_no_results_and_the_reason(server):
    for query, code in ((GIBBERISH, NO_MATCH), (MISSING, NO_NUMBER)):
        body = httpx.get(f"{server}/api/search", params={"q": query}).json()
        assert body["results"] == [] and body["refused"] == code and body["reason"]
    body = httpx.get(f"{server}/api/search", params={"q": ANSWERABLE, "k": 3}).json()
    assert body["results"] and body["refused"] is None and body["reason"] is None and body["missing"] == []


@pytest.mark.e2e
def test_cli_prints_the_reason(corpus_kb, model_path):
    for query, expected in ((GIBBERISH, "no passage holds enough"), (MISSING, "No document numbered Chỉ thị 99-CT/TW")):
        done = subprocess.run([sys.executable, "-m", "kb", "search", query, "--home", str(corpus_kb.settings.home)],
                              capture_output=True, text=True, timeout=300,
                              env=os.environ | {"KB_MODEL": str(model_path), "COLUMNS": "300"})
        assert done.returncode == 0, done.stderr
        assert "No answer in the index." in done.stdout and expected in " ".join(done.stdout.split())


@pytest.mark.e2e
def test_page_says_not_found_with_the_reason_and_suggestions(server):
    html = httpx.get(f"{server}/", params={"q": MISSING}, timeout=60).text
    assert "Không tìm thấy văn bản số Chỉ thị 99-CT/TW" in html and "xem danh sách văn bản" in html
    html = httpx.get(f"{server}/", params={"q": GIBBERISH}, timeout=60).text
    assert "Không tìm thấy nội dung trả lời" in html and "Thử ít từ hơn" in html
    assert '<article class="result">' not in html
    html = httpx.get(f"{server}/", params={"q": ANSWERABLE}, timeout=60).text
    assert "Không tìm thấy" not in html and "đoạn văn phù hợp nhất" in html


@pytest.fixture(scope="module")
def circular_kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("circular")
    (folder / "thong-tu-110.txt").write_text(CIRCULAR, encoding="utf-8")
    kb = fake_kb_at(tmp_path_factory.mktemp("circular-home"))
    index_paths(kb, [folder])
    yield kb
    kb.close()


def test_the_pairs_of_a_question_are_its_subject_not_its_asking_nor_its_typos():
    known = {"muc", "thu", "phi", "tham", "dinh", "la", "bao", "nhieu", "rung", "trong"}
    found = subject_pairs("muc thu phi tham dinh la bao nhieu", known)
    assert ("phi", "tham") in found and ("tham", "dinh") in found
    assert ("la", "bao") not in found and ("bao", "nhieu") not in found  # "là bao nhiêu" asks
    assert subject_pairs("dien tih rung trng", known) == []  # "tih", "trng": typos, weighed as syllables


def test_no_pair_of_a_question_spans_a_clause_mark():
    """ALQAC's "Nhà giáo có vai trò nào sau đây? Trả lời: Đi du học …" was refused for lacking "đây trả" and "lời đi"."""
    known = {"vai", "tro", "sau", "day", "tra", "loi", "di", "du", "hoc", "nuoc", "ngoai", "1", "000", "nguoi"}
    found = subject_pairs("vai tro sau day? tra loi: di du hoc, nuoc ngoai 1.000 nguoi", known)
    assert ("day", "tra") not in found and ("loi", "di") not in found and ("hoc", "nuoc") not in found
    assert ("du", "hoc") in found and ("1", "000") in found  # the point inside a number ends no clause


def test_a_question_s_pairs_are_read_against_the_index(tmp_path):
    write_tree(tmp_path / "docs", {"ngan-sach.txt": "Điều 1. Ngân sách của Nhà nước được lập hằng năm.\n",
                                   "cho.txt": "Bún bò và chả giò được bán ở chợ.\n"})
    kb = fake_kb_at(tmp_path / "home")
    try:
        index_paths(kb, [tmp_path / "docs"])

        def pairs(text: str) -> float | None:
            query, _ = read_query(kb, text)
            return gather(kb, query, legs(kb, query, None)).pairs

        assert pairs("ngân sách nhà nước") is None  # its words in one passage; "sách nhà" is where two meet
        assert pairs("ngan sach nha nuoc") is None  # typed without accents: folded pairs
        assert pairs("bún chả") == 0.0  # "bún" and "chả" are held, apart: not the word
        assert pairs("budget of the state") is None  # English: the glossary's terms, side by side
    finally:
        kb.close()


def test_the_refusal_reads_the_index_its_legs_read(tmp_path):
    """A writer commits "phê duyệt" while a search runs: its legs' candidates never saw it; its evidence must not
    either, or "quyết định phê duyệt" looks unanswered (seen in tests/test_concurrency.py during an upload)."""
    write_tree(tmp_path, {"docs/quyet-dinh.txt": "Điều 1. Quyết định này có hiệu lực từ ngày ký.\n",
                          "later/phe-duyet.txt": "Điều 1. Phê duyệt danh mục thủ tục hành chính.\n"})
    kb = fake_kb_at(tmp_path / "home")
    try:
        index_paths(kb, [tmp_path / "docs"])
        query, _ = read_query(kb, "quyết định phê duyệt")
        upto = kb.lexicon.current().last_chunk
        found = legs(kb, query, None)
        before = gather(kb, query, found, None, upto)
        index_paths(kb, [tmp_path / "later"])  # committed after the legs ran
        assert gather(kb, query, found, None, upto) == before
        assert gather(kb, query, found).pairs != before.pairs  # read at the new state, the pair is known and lacking
    finally:
        kb.close()


@pytest.mark.parametrize(("query", "missing"), [
    ("Thông tư 55/2023/TT-BTC quy định gì về phí thẩm định", None),  # cited, with its year
    ("Thông tư 55/TT-BTC quy định gì về phí thẩm định", None),  # cited; no year typed, any year
    ("Thông tư 110/2025/TT-BTC có hiệu lực từ ngày nào", None),  # held
    ("Thông tư 55/2030/TT-BTC quy định gì về phí thẩm định", "Thông tư 55/2030/TT-BTC"),  # another year's
    ("Thông tư 110/2024/TT-BTC có hiệu lực từ ngày nào", "Thông tư 110/2024/TT-BTC"),
])
def test_a_number_typed_with_its_year_is_that_year_s_document(circular_kb, query, missing):
    response = search(circular_kb, query)
    if missing is None:
        assert response.refused is None and response.results, query
    else:
        assert response.refused == NO_NUMBER and response.missing == [missing], query


# A scan whose seal covers its number: OCR reads neither the number nor the kind beneath it.
SEALED = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ HAO MANG Độc lập - Tự do - Hạnh phúc
Số:3€/TB-UBND _ Khao Mang, ngày 09 tháng 02 năm 2026
Đp của THÔNG BÁO
1ổ chức Lễ hội Gầu Tào xã Khao Mang mừng Xuân Bính Ngọ năm 2026
Lễ hội Gầu Tào là lễ hội truyền thống lớn nhất của đồng bào Mông ở xã Khao Mang.
1. Thời gian: từ ngày 20 đến ngày 22/02/2026.
2. Những điều cấm: không đốt pháo, không tổ chức đánh bạc dưới mọi hình thức trong khu vực lễ hội Gầu Tào.
"""
NUMBERED = """ỦY BAN NHÂN DÂN
XÃ THƯỢNG LÂM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 95/TB-UBND
Thượng Lâm, ngày 10 tháng 01 năm 2026

THÔNG BÁO
Tổ chức Lễ hội Lồng tông xã Thượng Lâm năm 2026

1. Phần hội: ném còn, kéo co, đánh yến, đánh quay, thi đẩy gậy trên sân vận động xã Thượng Lâm.
"""


GARBLED = """CÔNG AN TỈNH HÀ TĨNH
CÔNG AN XÃ NGHI XUÂN
Số: 194/@V-CAX
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Nghi Xuân, ngày 03 tháng 12 năm 2025
V/v cảnh báo lừa đảo tuyển lao động đi nước ngoài

Kính gửi: Trưởng các thôn.
Người dân phát hiện đối tượng lừa đảo báo ngay cho Công an xã theo số điện thoại 0239.3821.194.
"""


@pytest.fixture(scope="module")
def sealed_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("sealed")
    write_tree(root, {"docs/thong-bao-36-khao-mang.txt": SEALED, "docs/thong-bao-95-thuong-lam.txt": NUMBERED,
                      "docs/cong-van-194-nghi-xuan.txt": GARBLED})
    kb = fake_kb_at(root / "home")
    assert index_paths(kb, [root / "docs"]).count("indexed") == 3
    yield kb
    kb.close()


def test_a_number_under_a_seal_does_not_turn_its_document_away(sealed_kb):
    """Nothing is or cites 36/TB-UBND, but the best passage is of a notice whose number could not be read, and the
    rest of the question holds: its passages are shown, the number still reported missing."""
    sealed = next(d for d in sealed_kb.store.documents.listing() if "khao-mang" in d["source"])
    assert sealed["number"] is None and sealed["doc_type"] == "Thông báo"  # as OCR left it: "Số:3€/TB-UBND"
    response = search(sealed_kb, "Thông báo số 36/TB-UBND Khao Mang những điều cấm trong khu vực lễ hội")
    assert response.refused is None and response.missing == ["Thông báo số 36/TB-UBND"]
    assert "khao-mang" in response.results[0].document.source


def test_a_header_that_prints_a_number_kb_could_not_read_vouches_for_it(sealed_kb):
    """"Số: 194/@V-CAX" is no number kb reads, but its digits and stroke are there: "cv 194" is that letter.  A number
    it does not print, or one a numbered document prints, vouches for nothing."""
    chunks = [row["id"] for row in sealed_kb.store.db.rows("SELECT id FROM chunks")]
    letter = next(d for d in sealed_kb.store.documents.listing() if "nghi-xuan" in d["source"])
    assert letter["number"] is None
    assert printed_unread(sealed_kb, ("cv 194",), chunks, None) == 1
    assert printed_unread(sealed_kb, ("Công văn 0194",), chunks, None) == 1  # its zeros aside
    assert printed_unread(sealed_kb, ("cv 195",), chunks, None) == 0
    assert printed_unread(sealed_kb, ("Thông báo 95",), chunks, None) == 0  # 95/TB-UBND was read: it is no scan's


def test_a_missing_number_whose_best_passage_is_of_a_numbered_document_is_refused(sealed_kb):
    response = search(sealed_kb, "Thông báo số 77/TB-UBND Thượng Lâm lễ hội Lồng tông ném còn kéo co")
    assert response.refused == NO_NUMBER and not response.results


def test_the_api_and_the_page_show_the_passages_and_say_the_number_is_missing(sealed_kb):
    query = "Thông báo số 36/TB-UBND Khao Mang những điều cấm trong khu vực lễ hội"
    with app_client(sealed_kb.settings.home) as client:
        answer = client.get("/api/search", params={"q": query}).json()
        page = client.get("/", params={"q": query}).text
    assert answer["results"] and answer["refused"] is None and answer["missing"] == ["Thông báo số 36/TB-UBND"]
    assert "Không có văn bản nào mang số" in page and "đánh bạc" in page


@pytest.mark.parametrize("query", ["Kết luận 95/TB-UBND Thượng Lâm: phần hội có ném còn, kéo co không?",
                                   "conclusion 95/TB-UBND thuong lam: which games are played?"])
def test_a_number_typed_after_another_types_word_is_read_by_its_symbol(sealed_kb, query):
    """A Thông báo kết luận is cited as "Kết luận số …-TB/…": the symbol's TB names the notice the index holds."""
    response = search(sealed_kb, query)
    assert response.refused is None and response.missing == []
    assert any("thuong-lam" in hit.document.source for hit in response.results[:3])
