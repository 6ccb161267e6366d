"""English questions through the office glossary: its file, the translation, and what the legs receive."""

import unicodedata

import numpy as np
import pytest
from conftest import PLAN

from kb.retrieval.glossary import FUNCTION_WORD, RESPELLING, GlossaryError, glossary, parse_glossary
from kb.retrieval.query import understand
from kb.retrieval.search import legs, read_query, search, weights_for


def test_glossary_file_loads_with_several_hundred_entries():
    table = glossary()
    assert len(table.entries) > 500 and {"the", "what", "of"} <= table.function_words
    assert table.entries[("provincial", "party", "committee")] == ("tỉnh ủy",)
    assert table.entries[("party", "cell")] == ("chi bộ",)


def test_glossary_file_has_each_english_term_once_and_clean_vietnamese():
    lines = [line.split("\t") for line in glossary_text().splitlines() if line.strip() and not line.startswith("#")]
    english = [fields[0] for fields in lines]
    assert len(english) == len(set(english))
    targets = [fields[1] for fields in lines if fields[1] != FUNCTION_WORD and not fields[1].startswith(RESPELLING)]
    terms = [term.strip() for target in targets for term in target.split("|")]
    assert all(terms) and all(unicodedata.is_normalized("NFC", term) for term in terms)
    table = glossary()
    assert set(table.respellings.values()) <= table.vocabulary  # each British spelling leads to an entry's word


@pytest.mark.parametrize("text", [
    "directive\tchỉ thị\ndirective\tnghị quyết\n",  # the same term twice
    "policy\tchính sách\npolicies\tchính sách\n",  # a plural of an entry
    "labour\t=labor\nlabor\tlao động\nlabour\tlao động\n",  # a respelled entry
    "the\t-\nthe\tcủa\n",  # a function word given a meaning
    "Directive\tchỉ thị\n",  # not lower case
    "directive chỉ thị\n",  # no tab
])
def test_glossary_refuses_duplicate_conflicting_or_malformed_lines(text):
    with pytest.raises(GlossaryError):
        parse_glossary(text)


@pytest.mark.parametrize(("question", "term"), [
    ("What subsidy is paid when a pig dies of disease?", "chết"),  # "dies" is "die", not "dy"
    ("Which policies support farmers?", "chính sách"),  # "policies" is "policy"
    ("How many buffaloes were caught at the border?", "trâu"),  # "-oes" is "-o"
    ("Which buses take pupils to school?", "xe buýt"),  # "-uses" is "-us"
])
def test_a_plural_or_third_person_is_read_by_its_entry(question, term):
    assert term in glossary().translate(question).terms


def test_a_function_phrase_is_read_as_english_with_nothing_to_search():
    table = parse_glossary("own\tsở hữu\ntheir own\t-\nland\tđất đai\nthe\t-\n")
    assert table.translate("their own land").terms == ("đất đai",)  # "their own" says whose, not "sở hữu"
    assert table.translate("their own land").english == 3
    assert table.translate("own the land").terms == ("sở hữu", "đất đai")
    assert "their" not in table.function_words  # only the phrase is read, not each of its words


def test_english_question_reaches_the_reference_and_lexical_legs():
    query = understand("What does Directive 05 require?")
    assert query.keys == understand("Chỉ thị 05").keys == ["CT:5"]
    assert {("accented", ("chỉ",)), ("accented", ("thị",)), ("folded", ("chi",)), ("accented", ("yêu",))} <= set(
        query.syllables())
    assert {("accented", ("chỉ", "thị")), ("accented", ("thị", "05")), ("folded", ("chi", "thi"))} <= set(query.pairs())
    assert ("folded", ("directive",)) not in query.syllables()  # its English words match only English text
    assert query.dense_texts == ("What does Directive 05 require?", "chỉ thị 05 yêu cầu")


def test_the_model_also_reads_the_senses_the_rendering_left_out():
    query = understand("Which action plan implements the instruction?")
    # "instruction" renders as hướng dẫn, its other sense follows; kế hoạch is already in kế hoạch hành động
    vietnamese = "kế hoạch hành động thực hiện hướng dẫn triển khai thi hành chỉ thị"
    assert query.dense_texts == ("Which action plan implements the instruction?", vietnamese)


def test_the_dense_leg_searches_with_the_mean_of_the_question_and_its_vietnamese(fake_kb):
    """Each text embedded apart, a passage is near when it is near all: its score is its cosine to the mean."""
    query, _ = read_query(fake_kb, "What does Directive 05 require about propaganda?")
    total = sum(fake_kb.open_embedder().encode_query(text) for text in query.dense_texts)
    mean = total / np.linalg.norm(total)
    hits = legs(fake_kb, query, None)["dense"]
    vectors = fake_kb.open_vectors().get([chunk for chunk, _ in hits])
    assert hits and [round(score, 5) for _, score in hits] == [round(float(v @ mean), 5) for v in vectors]
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


@pytest.mark.parametrize(("english", "vietnamese"), [
    ("Directive No. 05 of the Secretariat", "Chỉ thị số 05"),
    ("Resolution No. 18-NQ/TW", "Nghị quyết số 18-NQ/TW"),
    ("who signed Decree 08/2015/ND-CP", "Nghị định 08/2015/NĐ-CP"),
    ("Plan 131-KH/TU of the Provincial Party Committee", "Kế hoạch 131-KH/TU"),
    ("Programme No. 05 of the Provincial Party Committee", "Chương trình số 05"),
])
def test_document_numbers_in_english_phrasing_give_the_vietnamese_keys(english, vietnamese):
    assert understand(english).full_keys == understand(vietnamese).full_keys != []


def test_glossary_matches_longest_phrase_first_plurals_and_british_spelling():
    translation = glossary().translate("Guidance of the Central Organisation Commission on party members' fees")
    assert translation.rendering == "hướng dẫn ban tổ chức trung ương đảng viên phí"
    assert translation.english == 10


@pytest.mark.parametrize(("english", "vietnamese"), [
    ("rewarded", "khen thưởng"), ("proposed", "đề xuất"), ("applied", "áp dụng"), ("issued", "ban hành"),
])
def test_a_past_form_without_an_entry_of_its_own_reads_as_its_base(english, vietnamese):
    """"rewarded" reads as "reward"; "issued" keeps its own entry."""
    assert vietnamese in glossary().translate(f"how much can someone be {english}").terms


def test_english_question_keeps_names_and_numbers_as_typed_and_leaves_its_english_out():
    query = understand("Who signed Plan 980/KH-UBND of Quynh Luu in 2025?")
    assert query.translation is not None and {"980/KH-UBND", "quynh", "luu", "2025"} <= set(query.translation.residue.split())
    typed = {terms for column, terms in query.syllables() if column == "folded"}
    assert {("quynh",), ("980",), ("2025",), ("nguoi",), ("ky",)} <= typed
    assert not {("who",), ("signed",), ("plan",)} & typed


@pytest.mark.parametrize(("english", "place"), [
    ("What does Nghe An's plan require?", "nghệ an"), ("Which households in Long An get support?", "long an"),
    ("Who signed the plan of An Giang province?", "an giang"),
    ("Who signed the Dong Thap notice on durian codes?", "đồng tháp"),  # not the currency "đồng"
    ("When did Can Tho's education department set the quotas?", "cần thơ"),  # not the verb "can"
    ("who signed the ha long city plan", "hạ long")])  # typed in lower case, "long" not "dài"
def test_a_place_whose_name_holds_an_english_word_keeps_it(english, place):
    translation = understand(english).translation
    assert translation is not None and (place,) in translation.senses


@pytest.mark.parametrize(("english", "name", "not_meant"), [
    ("What share of the Ban Gioc waterfall fees goes to the fund?", "ban gioc", "cấm"),
    ("Where will Van Don district let tourists harvest oysters?", "van don", "xe"),
    ("How do children in Nam Trà My cross the river?", "nam trà my", "của tôi"),  # "My" after a name goes on with it
])
def test_a_vietnamese_name_typed_without_marks_is_no_english(english, name, not_meant):
    """"Ban", "Dong" and "Van" are English words too: beside a capitalised syllable the glossary lacks, a name."""
    translation = understand(english).translation
    assert translation is not None and name in translation.residue and not_meant not in translation.terms


@pytest.mark.parametrize(("english", "name", "meant"), [
    ("How far from the forest must a drying kiln be in Bát Xát?", "bát xát", "rừng"),
    ("What should a farmer in Tuần Giáo do if his cows fall sick?", "tuần giáo", "nông dân"),
    ("Which documents carry out the Hoàng Su Phì commune resolution?", "hoàng su phì", "nghị quyết"),
])
def test_an_english_question_holding_a_name_typed_with_its_marks_is_english(english, name, meant):
    """Staff type the places they ask about with their marks: the question is no Vietnamese for those, and the
    name is searched whole, as typed ("Bát Xát", not "b t x t")."""
    translation = understand(english).translation
    assert translation is not None and name in translation.residue and meant in translation.terms


@pytest.mark.parametrize("text", ["chi thi 05 yêu cầu gì", "Kế hoạch 38 của UBND xã Hoàng Su Phì giao ai làm gì?",
                                  "UBND tỉnh Quảng Trị ban hành"])
def test_vietnamese_typed_half_without_marks_is_no_english(text):
    assert understand(text).translation is None


def test_an_apostrophe_s_is_joined_where_an_entry_holds_the_word_and_dropped_from_a_name():
    assert glossary().words("Cai's") == ["cai"]
    assert glossary().words("women's") == ["women"]


@pytest.mark.parametrize(("english", "rendering"), [
    ("the Minister of Finance", "bộ trưởng bộ tài chính"),
    ("Minister of National Defence", "bộ trưởng bộ quốc phòng"),
    ("the minister", "bộ trưởng"),  # no ministry named: the title alone
])
def test_minister_of_a_ministry_is_the_ministry_s_minister(english, rendering):
    assert glossary().translate(english).rendering == rendering


@pytest.mark.parametrize("text", [
    "Chỉ thị 05 yêu cầu gì?",
    "chi thi 05 yeu cau gi",
    "an ninh trat tu do cong an the hien",  # unaccented Vietnamese whose syllables fold to English words
    "05-CT/TW",
    "Vinh Long",
])
def test_vietnamese_queries_numbers_and_names_are_not_translated(text):
    query = understand(text)
    assert query.translation is None and query.dense_texts == (query.normalized,)
    assert all(column == "folded" or query.has_accents for column, _ in query.syllables())


def test_english_question_without_a_number_finds_the_vietnamese_plan(fake_kb):
    """The test embedder knows no language: the plan is found by the glossary's words alone
    (without them its first three results are all from the other document)."""
    results = search(fake_kb, "propaganda plan for the party congresses", 3).results
    assert [r.document.source for r in results] == [PLAN] * 3


def test_english_lexical_legs_weigh_the_share_of_the_question_they_search(fake_kb):
    """Read by the glossary or held by the index as a name, a word is searched; "xyzzyq" is neither."""
    full = fake_kb.settings.weights
    assert weights_for(fake_kb, understand("Chỉ thị 05 yêu cầu gì?")) == full
    read_whole = weights_for(fake_kb, understand("propaganda plan of Ben Tre"))
    assert (read_whole.lexical, read_whole.phrase) == (full.english_lexical, full.english_phrase)
    query = understand("propaganda plan xyzzyq")
    assert query.translation is not None and query.translation.read == 2 and query.translation.unknown == ("xyzzyq",)
    weights = weights_for(fake_kb, query)
    assert (weights.lexical, weights.phrase, weights.dense) == pytest.approx(
        (full.english_lexical * 2 / 3, full.english_phrase * 2 / 3, full.dense))


def glossary_text() -> str:
    from importlib import resources

    return resources.files("kb.retrieval").joinpath("glossary.tsv").read_text(encoding="utf-8")


def test_the_terms_of_each_phrase_stay_together_so_a_word_can_be_dropped_with_all_its_senses():
    """kb.retrieval.search drops an English word whose any sense a document's card holds: "approve" is
    "phê duyệt" in the card of a decision that approves, so its "thông qua" says nothing more."""
    assert glossary().translate("What does the plan approve?").senses == (("kế hoạch",), ("phê duyệt", "thông qua"))


@pytest.mark.parametrize(("english", "vietnamese"), [
    ("How many kilometres of village roads have potholes?", ("km", "ổ gà")),  # British spelling, then the plural
    ("Where have parking lots sprung up?", ("mọc lên",)),  # an irregular form, then the phrase it opens
    ("Where can young people find real job offers?", ("tin tuyển dụng",)),  # the phrase before "offer" alone
    ("Which Dao village offers herbal baths?", ("tắm lá thuốc", "cung cấp")),
])
def test_words_of_local_life_read_through_their_forms(english, vietnamese):
    terms = glossary().translate(english).terms
    assert all(term in terms for term in vietnamese), terms


@pytest.mark.parametrize(("english", "unknown"), [
    ("what happens to kids who don't get a place in grade 10", ()),  # "don't" is "do not": no "don", no "t"
    ("they're telling us the shops can't open", ()),  # "'re" goes; "telling" is "tell", a function word
    ("the ferry goes there", ()),  # "goes" is a function word of its own; "go" is none ("Go Dau", "Go Cong")
    ("the ferry stops at Go Dau", ("go", "dau")),  # so "Go Dau" is read by no entry: a name, kept as typed
])
def test_contractions_and_a_function_word_s_forms_are_english_not_unknown(english, unknown):
    assert glossary().translate(english).unknown == unknown


@pytest.mark.parametrize(("english", "vietnamese"), [
    ("Which stall had its awning torn down on Saturday?", ("mái che", "thứ bảy")),
    ("Which ticket is the cheapest, and who was bitten?", ("rẻ", "cắn")),  # a superlative, an irregular form
    ("Is the LED street light cheaper?", ("đèn đường", "rẻ")),  # "LED" stays a code, not "led" as "lead"
])
def test_everyday_words_and_irregular_forms_of_stop_53(english, vietnamese):
    translation = glossary().translate(english)
    assert all(term in translation.terms for term in vietnamese), translation.terms
    assert "lãnh đạo" not in translation.terms


@pytest.mark.parametrize(("english", "vietnamese"), [
    ("how long do they have to hand it in", ("nộp",)),  # "hand in", not "hand" (tay)
    ("what if they can't turn it down", ("từ chối",)),
    ("when must the school pay it back", ("hoàn trả",)),
    ("the commune handed them in late", ("nộp",)),  # a past form, its object between
])
def test_a_phrasal_verb_said_around_its_object_reads_as_the_verb(english, vietnamese):
    translation = glossary().translate(english)
    assert all(term in translation.terms for term in vietnamese), translation.terms
    assert "tay" not in translation.terms


def test_a_particle_after_an_object_that_makes_no_phrasal_verb_stays_where_it_is():
    assert glossary().translate("the fee for it in 2026").terms == glossary().translate("the fee in 2026").terms


@pytest.mark.parametrize(("english", "rendering", "vietnamese"), [
    # the sense a commune's notice prints leads: "túi ni lông" at the "chợ", not packaging in the economy
    ("Can I swap my old plastic bags at the market?", "đổi cũ túi ni lông thị trường", ("túi ni lông", "chợ")),
    ("What share of households sorted their rubbish?", "tỷ lệ hộ gia đình phân loại rác", ("tỷ lệ",)),
    ("Who doesn't have to pay the rubbish fee?", "miễn rác phí", ("miễn",)),  # "does not have to pay"
    ("How many officials will the province train?", "bao nhiêu cán bộ tỉnh đào tạo", ("đào tạo",)),  # the verb first
    ("What happens tomorrow at the bathroom?", "xảy ra ngày mai nhà vệ sinh", ("ngày mai", "nhà vệ sinh")),
])
def test_senses_and_frequent_words_of_stop_56(english, rendering, vietnamese):
    translation = glossary().translate(english)
    assert translation.rendering == rendering
    assert all(term in translation.terms for term in vietnamese), translation.terms


def test_a_village_name_is_no_month():
    """"Buôn Jun" is a village: "Jun" is read by no entry, so it stays in the residue beside the marked word."""
    translation = glossary().translate("What dishes do the Buôn Jun homestays cook?")
    assert "tháng 6" not in translation.terms
    assert "jun" in translation.residue.lower()


@pytest.mark.parametrize(("english", "name"), [
    ("How big is the solar setup planned for the roof of the An Loc ward offices?", "an loc"),
    ("Who signed the My Quy primary school plan?", "my quy"),  # capitalised inside a sentence: only a name's
    ("khanh an whats the most a private boat can charge for water", "khanh an"),  # lower case, after a word it lacks
    ("can kids at dinh my primary buy ice", "dinh my"),
    # two capitalised syllables inside a sentence, each an English word: "Long" no dài, "He" no pronoun
    ("What was issued to follow up the Long He party conclusion on keeping pupils in school?", "long he"),
])
def test_a_place_that_opens_or_ends_with_an_english_function_word_is_searched_whole(english, name):
    assert name in glossary().translate(english).residue


@pytest.mark.parametrize(("english", "residue"), [
    ("In Nam Dinh, who signs the plans?", "nam dinh"),  # "In" opens the sentence: no part of the name
    ("how is my house taxed", ""),  # "my" after a word the glossary reads is English
])
def test_a_function_word_beside_a_name_stays_english_where_a_name_would_not_hold_it(english, residue):
    assert glossary().translate(english).residue == residue


@pytest.mark.parametrize(("english", "rendering"), [
    ("who checks power use", "kiểm tra điện sử dụng"),  # the office's "power" is electricity
    ("the new water meters", "mới đồng hồ nước"),
    ("how much is a night in a homestay", "mức đêm homestay"),
    ("How close to a power line may children fly kites?", "gần đường dây điện trẻ em thả diều"),
    ("how far from the well should a toilet be", "cách giếng nhà vệ sinh"),  # "well" is a noun, "how well" an entry
])
def test_senses_and_words_of_stop_57(english, rendering):
    assert glossary().translate(english).rendering == rendering


@pytest.mark.parametrize(("english", "vietnamese", "not_read"), [
    ("What time are the lights turned off?", "tắt", "chuyển"),  # "turn off", not "turn"
    ("handing in the papers", "nộp", "tay"),  # "hand in", not "hand"
])
def test_a_phrasal_verb_s_past_form_or_gerund_reads_as_the_phrasal_verb(english, vietnamese, not_read):
    terms = glossary().translate(english).terms
    assert vietnamese in terms and not_read not in terms, terms


@pytest.mark.parametrize(("english", "rendering"), [
    ("What birth rate is the city aiming for?", "mức sinh thành phố mục tiêu"),
    ("how is the house-building money paid out", "làm nhà tiền chi trả"),
    ("who inspected the building site", "kiểm tra công trình"),
    ("Who counts as the secured party?", "được coi là bên nhận bảo đảm"),  # a party to a security, not đảng
    ("what do the kids do with their piggy banks", "trẻ em heo đất"),
    ("who keeps an eye on the paperwork", "giám sát giấy tờ"),  # "keeps an eye on": a verb's form before its phrase
    ("how many farmer field school classes will the extension centre open", "bao nhiêu lớp học hiện trường lớp trung "
     "tâm khuyến nông mở"),  # farming's field and extension, not lĩnh vực and gia hạn
])
def test_senses_and_words_of_stop_58(english, rendering):
    assert glossary().translate(english).rendering == rendering


def test_a_scanned_register_is_a_book_digitised():
    """The commune's old registers are books (sổ), and scanning them is digitising them (số hóa)."""
    terms = glossary().translate("how many old registers must be scanned").terms
    assert {"sổ", "số hóa"} <= set(terms), terms


@pytest.mark.parametrize(("english", "rendering"), [
    ("Should the school cook the rice if it is mouldy or has weevils?", "trường nấu ăn lúa ẩm mốc mọt"),
    ("when will the graveyard by the road close", "ngày nghĩa địa đường bộ đóng"),
    ("Until when will the project owner hold back the warranty money?", "ngày chủ đầu tư giữ lại bảo hành tiền"),
    ("from what date should the lakeside pupils board at school", "ngày ven hồ học sinh ở lại trường"),
])
def test_senses_and_words_of_stop_59(english, rendering):
    assert glossary().translate(english).rendering == rendering
