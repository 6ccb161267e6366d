"""A document's frame (card, header, closing, legal bases) ranks below its text for a question about what it says.

The card and the header hold a decision's title and subject, so they share the words of any question about
it; asked how many procedures it publishes, the article that counts them must come first.  Asked who signed
it, the card still does.  A real SQLite file and lexicon, with the test embedder.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import HashingEmbedder, fake_kb_at, fake_settings, write_tree

import kb.retrieval.arrange as arrange_module
from indexer.analyzer import columns, fold, matching_text
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.arrange import (
    answer_follows,
    answers_within,
    asks_of_text,
    cards_first,
    counts_first,
    described_answer_first,
    described_document,
    effect_follows,
    kinds_first,
    placed_first,
)
from kb.retrieval.frames import is_frame
from kb.retrieval.intent import counted
from kb.retrieval.query import understand
from kb.retrieval.search import search

# An article is one line: a line break after its first words would make them its heading.
ARTICLE_1 = ("Điều 1. Công bố kèm theo Quyết định này 07 thủ tục hành chính lĩnh vực chứng thực được sửa đổi, "
             "bổ sung thuộc thẩm quyền giải quyết của Sở Tư pháp và Ủy ban nhân dân cấp xã.")
ARTICLE_3 = ("Điều 3. Quyết định này có hiệu lực thi hành kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân tỉnh, "
             "Giám đốc Sở Tư pháp và Chủ tịch Ủy ban nhân dân các xã chịu trách nhiệm thi hành Quyết định này.")
DECISION = f"""ỦY BAN NHÂN DÂN
TỈNH HÀ TĨNH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 1234/QĐ-UBND
Hà Tĩnh, ngày 10 tháng 6 năm 2025

QUYẾT ĐỊNH
Về việc công bố danh mục thủ tục hành chính lĩnh vực chứng thực được sửa đổi, bổ sung

CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH

Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;
Căn cứ Nghị định số 63/2010/NĐ-CP ngày 08 tháng 6 năm 2010 của Chính phủ về kiểm soát thủ tục hành chính;
Theo đề nghị của Giám đốc Sở Tư pháp.

QUYẾT ĐỊNH:

{ARTICLE_1}

Điều 2. Sở Tư pháp cập nhật nội dung các thủ tục lên Cổng Dịch vụ công quốc gia trong 05 ngày làm việc.

{ARTICLE_3}

Nơi nhận:
- Như Điều 3;
- Lưu: VT, NC.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Hồng Lĩnh
"""
COUNT = "Hà Tĩnh công bố bao nhiêu thủ tục hành chính chứng thực được sửa đổi, bổ sung?"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("frame") / "home"
    documents = home.parent / "docs"
    documents.mkdir()
    (documents / "quyet-dinh-1234-ha-tinh.txt").write_text(DECISION, encoding="utf-8")
    kb = fake_kb_at(home)
    assert index_paths(kb, [documents]).count("indexed") == 1
    kb.close()
    return home


def _first(home, query: str, frame: float | None = None):
    settings = fake_settings(home)
    if frame is not None:
        settings = replace(settings, weights=replace(settings.weights, frame=frame))
    kb = KnowledgeBase(settings, embedder=HashingEmbedder(), create=False)
    try:
        return search(kb, query, 5).results[0]
    finally:
        kb.close()


def test_a_question_about_what_it_says_gets_the_article_first(home, monkeypatch):
    monkeypatch.setattr(arrange_module, "COUNT_SHARE", 1.0)  # the frame rule alone, without the number's
    monkeypatch.setattr(arrange_module, "counted_asked", lambda query: None)
    as_fused = _first(home, COUNT, frame=1.0)  # the header and the card hold the question's words in the title
    assert as_fused.kind == "card" or as_fused.section.endswith("Phần đầu văn bản")
    assert "07 thủ tục" in _first(home, COUNT).text


def test_asked_how_many_the_article_printing_the_number_leads_without_the_frame_rule(home):
    assert "07 thủ tục" in _first(home, COUNT, frame=1.0).text


def test_a_document_named_by_number_and_asked_what_it_says_gets_the_article_first(home, monkeypatch):
    monkeypatch.setattr(arrange_module, "COUNT_SHARE", 1.0)  # the frame rule alone, without the number's
    assert "07 thủ tục" in _first(home, "Quyết định 1234/QĐ-UBND công bố bao nhiêu thủ tục chứng thực?").text


def test_asked_who_signed_its_signature_as_printed_comes_first(home):
    first = _first(home, "Quyết định công bố thủ tục chứng thực của Hà Tĩnh do ai kí?")
    assert first.section.endswith("Phần cuối văn bản") and "PHÓ CHỦ TỊCH" in first.text


@pytest.mark.parametrize(("query", "of_text"), [
    (COUNT, True),
    ("How many notarisation procedures did Ha Tinh publish?", True),
    ("Chủ tịch Quốc hội nào đã ký Luật Quốc tịch?", False),  # who signed: the card answers
    ("Luật Trẻ em ban hành ngày tháng năm nào?", False),
    ("Ban Nội chính Tỉnh ủy tiếp công dân định kì vào ngày nào trong tháng?", True),  # "định kì" is not "ký"
    ("When did the Hanoi People's Council issue its resolution on veterinary staff?", False),
    ("Quyết định 1234/QĐ-UBND công bố bao nhiêu thủ tục?", True),  # named by number, asked what it says
    ("án lệ số 43/2021/AL nói gì?", True),
    ("Tờ trình 3012 lấy ý kiến dân kết quả ra sao", True),  # "ra sao" asks as "thế nào" does
    ("Quyết định 1234/QĐ-UBND về việc gì?", False),  # what it is about: its card says
    ("Quyết định 1234/QĐ-UBND về công bố thủ tục chứng thực", False),  # named with its subject, no question
    ("Khi bão số 15 đến, các tỉnh ven biển phải sơ tán người dân ở những nơi nào?", True),  # a storm's number
    ("văn bản nào quy định mức chi bồi thường?", False),  # which document: its card answers
    ("Which law amended the HIV/AIDS prevention law in 2020?", False),
    ("công bố thủ tục hành chính chứng thực Hà Tĩnh", False),  # no question: a title typed to find the document
])
def test_which_questions_ask_of_the_text(query, of_text):
    assert asks_of_text(understand(query)) is of_text


def test_asked_when_it_was_signed_its_place_and_date_line_leads_its_passages(home):
    """Article 3 holds "hiệu lực thi hành kể từ ngày ký" and every word of the question but "Hà Tĩnh"; the header
    prints the date it was signed."""
    first = _first(home, "Quyết định có hiệu lực thi hành kể từ ngày ký của Hà Tĩnh được ký ngày nào?")
    assert first.section.endswith("Phần đầu văn bản") and "Hà Tĩnh, ngày 10 tháng 6 năm 2025" in first.text


ARTICLE_THEN_CARD = {1: {"doc_id": 7, "kind": "passage"}, 2: {"doc_id": 7, "kind": "card"}}


def _cards_first(question: str, rows: dict[int, dict], fused: list[tuple[int, float]],
                 window: int = 4) -> list[tuple[int, float]]:
    """``cards_first`` over the first ``window`` of ``fused``, its rows looked up in ``rows`` (a body's section by
    default), each document's frames those of ``rows`` that are cards or sit in its header or closing."""
    def frames(documents: list[int]) -> list[int]:
        return [i for i, row in rows.items() if row["doc_id"] in documents
                and (row["kind"] == "card" or row.get("section", "").endswith(("Phần đầu văn bản", "Phần cuối văn bản")))]

    return cards_first(fused, understand(question), lambda ids: {i: {"section": "Điều 1", **rows[i]} for i in ids},
                       frames, window)


def test_a_card_goes_just_above_its_documents_best_passage():
    rows = {1: {"doc_id": 7, "kind": "passage"}, 2: {"doc_id": 8, "kind": "passage"}, 3: {"doc_id": 8, "kind": "card"},
            4: {"doc_id": 7, "kind": "card"}, 5: {"doc_id": 9, "kind": "card"}}
    fused = [(1, 0.9), (2, 0.8), (3, 0.5), (4, 0.1), (5, 0.05)]
    assert [chunk for chunk, _ in _cards_first("Quyết định này do ai ký?", rows, fused)] == [4, 1, 3, 2, 5]
    assert _cards_first("Quyết định này quy định gì?", rows, fused) == fused


@pytest.mark.parametrize(("printed", "order"), [
    ("Số 131-KH/TU\nHải Phòng, ngày 5 tháng 3 năm 2025", [2, 3, 1]),  # the date as printed, then the card
    ("QUỐC HỘI\nLuật số: 102/2016/QH13\nLUẬT TRẺ EM", [3, 2, 1]),  # a law's header has no date: the card says it
])
def test_a_header_that_prints_the_date_leads_its_card(printed, order):
    header = {"doc_id": 7, "kind": "passage", "section": "Kế hoạch 131 › Phần đầu văn bản", "text": printed}
    rows = {1: {"doc_id": 7, "kind": "passage"}, 2: header, 3: {"doc_id": 7, "kind": "card"}}
    fused = [(1, 0.9), (2, 0.3), (3, 0.2)]
    assert [chunk for chunk, _ in _cards_first("Kế hoạch 131 ban hành ngày nào?", rows, fused)] == order


FRAMED_PLAN = {1: {"doc_id": 7, "kind": "passage"}, 2: {"doc_id": 7, "kind": "passage", "section": "KH 131 › Phần đầu văn bản",
                                                           "text": "Hải Phòng, ngày 5 tháng 3 năm 2025"},
               3: {"doc_id": 7, "kind": "card"}, 4: {"doc_id": 7, "kind": "passage", "section": "KH 131 › Phần cuối văn bản"}}


@pytest.mark.parametrize(("question", "order"), [
    ("Ai ký Kế hoạch 131?", [4, 3, 2, 1]), ("Who signed Plan 131?", [4, 3, 2, 1]),  # the signature, as printed
    ("Lãnh đạo nào của Thành ủy ký Kế hoạch 131?", [4, 3, 2, 1]),
    ("Kế hoạch 131 ban hành ngày nào?", [2, 3, 1, 4]),  # the place and date, as printed
    ("Which Party committee issued Plan 131?", [2, 3, 1, 4]),  # the organ, above the place and date
])
def test_the_printed_answer_leads_the_card(question, order):
    fused = [(1, 0.9), (2, 0.3), (3, 0.2), (4, 0.1)]
    assert [chunk for chunk, _ in _cards_first(question, FRAMED_PLAN, fused)] == order


def test_the_first_documents_bring_their_signature_when_the_legs_left_it_out():
    """Asked who signed the plan by its subject, the legs find its text; its closing, ranked far below, comes first."""
    fused = [(1, 0.9), (5, 0.8), (2, 0.3), (6, 0.2), (3, 0.1), (4, 0.05)]
    rows = {**FRAMED_PLAN, 5: {"doc_id": 8, "kind": "passage"}, 6: {"doc_id": 8, "kind": "card"}}
    assert [chunk for chunk, _ in _cards_first("Ai ký kế hoạch chuyển đổi số?", rows, fused, window=2)] == [
        4, 3, 2, 1, 6, 5]


def test_a_closing_without_the_signers_name_stays_below_the_card():
    """A form's blank signature, or recipients cut from the name: the card, which read the name, says who."""
    unsigned = {**FRAMED_PLAN, 4: {**FRAMED_PLAN[4], "text": "Nơi nhận:\n- Lưu VP.", "doc_signer": "Vũ Thanh Tùng"}}
    fused = [(1, 0.9), (2, 0.3), (3, 0.2), (4, 0.1)]
    assert [chunk for chunk, _ in _cards_first("Ai ký Kế hoạch 131?", unsigned, fused)] == [3, 2, 1, 4]
    signed = {**unsigned, 4: {**unsigned[4], "text": "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\nVũ Thanh Tùng"}}
    assert [chunk for chunk, _ in _cards_first("Ai ký Kế hoạch 131?", signed, fused)] == [4, 3, 2, 1]


@pytest.mark.parametrize("question", [
    "Huyện ủy Vân Đồn ban hành kế hoạch chuyển đổi phao xốp trong nuôi biển vào ngày nào?",
    "Cơ quan nào gửi công văn đề nghị doanh nghiệp tạo điều kiện cho tổ chức đảng?", "Who sent the letter on boats?",
    "Quyết định 1234 được ký ban hành vào thời gian nào?", "Kế hoạch 131 ban hành ngày mấy?",
    "Chỉ thị 09 của Tỉnh ủy ký ngày bao nhiêu?", "Chỉ thị 05 do đồng chí nào ký?", "On what date was Directive 05 issued?",
    "What is the date of Directive 05?", "When was Plan 131 signed?", "Ai đã ký Kế hoạch 131?",
    "Kế hoạch 131 ban hành từ bao giờ?", "Kế hoạch 131 là của cơ quan nào?", "Chỉ thị về phòng cháy ra ngày nào?",
    "Tỉnh ủy ra quyết định lập Ban Chỉ đạo vào ngày nào?", "Đảng ủy nào ở Phú Thọ ban hành kế hoạch cam kết?",
    "Cơ quan nào ra hướng dẫn tuyên truyền về điện hạt nhân?", "Which body issued the plan on tourism?",
    "The plan on tourism was issued on which date?", "In which year was the directive on drowning issued?",
    "Công văn của Tỉnh ủy về khai thác cát đề ngày nào?", "Sở Giáo dục gửi văn bản về bữa ăn bán trú ngày nào?",
    "Ban Thường vụ Tỉnh ủy kết luận về mã số vùng trồng vào ngày nào?", "Huyện ủy báo cáo kết quả sắp xếp xã vào ngày nào?",
    "Thông tin sinh hoạt nội bộ số 3 phát hành ngày nào?", "Tỉnh ủy ký chỉ thị về phòng cháy vào ngày nào?",
    "When is the notice on durian codes dated?", "Thời điểm ban hành Kế hoạch tuyên truyền của Tỉnh ủy?",
    "Ngày ra Quyết định thành lập Ban Chỉ đạo là ngày nào?", "When was the April bulletin published?",
    "When did the provincial Party committee send its letter on the quality review?",
    "When did the department submit the mangrove planting project?",
    "Nghị quyết phục hồi vườn bưởi của Đảng ủy xã Hương Khê ngày nào?", "Công văn của Sở về bến bãi cát ngày bao nhiêu?",
    "Đảng ủy xã ra kế hoạch phát triển lúa – tôm vào ngày nào?",  # a dash inside its subject
    "Ban Dân vận ban hành kế hoạch vận động đồng bào không di cư tự do ngày nào?",  # "tự do" is no "từ ngày"
    "Đảng đoàn Hội LHPN tỉnh ra nghị quyết hỗ trợ phụ nữ khởi nghiệp khi nào?",  # "khi nào" as "ngày nào"
    "BTV Thành ủy kết luận về nghề trồng dâu nuôi tằm ngày nào",  # a body's act and its date, without "vào"
    "UBND xã ban hành kế hoạch trồng lại vườn khóm ngày bao nhiêu?", "Ngày ra văn bản kết luận của Ban Thường vụ?",
    "Công văn đôn đốc hoàn thành cập nhật dữ liệu đảng viên gửi ngày nào",  # its own sending, a deadline's words between
    "Hướng dẫn về phản bác quan điểm sai trái trên mạng ra hôm nào?",  # "hôm nào": which day
    "Đảng ủy Chính phủ ra kế hoạch thực hiện kết luận về AI ngày nào",  # "thực hiện" in its title
    "What is the date of the Tua Chua guidance on reviewing and grading Party members?",
    "Ngày nào UBKT Tỉnh ủy Điện Biên ra thông báo kết luận kiểm tra?",  # the date asked first
    "When did Lý Nhân commune report on how its Party cell congresses went?",  # the body's document as its act
    "What date is on the Ham Kiem commune report on electrical safety?",
    "UBND xã ra công văn xử lý tin sai sự thật trên mạng trước bầu cử vào ngày nào?",  # "trước" of its subject
    "Sở Tài chính gửi công văn đôn đốc thu ngân sách quý IV và lập dự toán cấp xã 2026 ngày nào",  # 14 words between
    "Khối dân vận xã báo cáo kết quả phong trào Dân vận khéo năm 2025 vào ngày nào?",  # a mass-mobilisation body
    "HĐND xã Nam Trực thông qua dự toán ngân sách năm 2026 ở kỳ họp nào, ngày nào?",  # the session that passed it
    "At which session of the Hanoi People's Council was the resolution on veterinary staff passed?",
    "What date is the Bằng Thành commune Party letter about village loudspeakers?",
    "When did the An Giang irrigation company put out its sluice gate schedule?",  # "put out": issued
    "Chủ tịch UBND xã quyết định thành lập các tổ tiêm chủng lưu động ngày bao nhiêu?",  # a decision as the act
    "Ban Tuyên giáo và Dân vận Đảng ủy xã gửi công văn vận động chăm lo người cao tuổi ngày nào?",  # "chăm", no "chậm"
    "When did Vinh Hung commune's Party standing committee report on clean water?",  # a possessive in the body's name
    "Văn phòng Điều phối NTM tỉnh Quảng Trị hướng dẫn hồ sơ công nhận xã NTM nâng cao vào ngày nào",  # an office
    "Ban QLDA ĐTXD khu vực Chu Lai báo cáo tiến độ giải ngân các dự án vào ngày nào?",  # a project board
    "BCH Đảng bộ xã Thủ Thừa thông qua nghị quyết về BHYT toàn dân vào ngày nào?",  # adopted
    "Thông báo kết luận của BTV Đảng ủy xã về vụ tranh chấp đất rẫy đề ngày tháng nào?",  # "ngày tháng"
    "Hội đồng Thi đua - Khen thưởng xã thông báo kết quả xét tặng giấy khen ngày nào?",  # a council
    "UBND phường trình thành phố đề nghị hỗ trợ kinh phí làm đường vào ngày nào?",  # a submission up
    "Sở Xây dựng có ý kiến về hồ sơ thiết kế nhà văn hóa xã và việc di dời cột điện trong năm 2026 vào ngày nào?",
    "When did the social insurance office of the new commune report on firms that owe contributions?",  # 7 words
    "Date of the Hoa Binh ward Party resolution on waste sorting?",  # the owner's words between
    "When did the city's Department of Education set the intake quotas for boarding schools?",  # a decision's act
    "On what day did the election board of unit 2 confirm who had won?",  # the record's act
    "Kế hoạch tổ chức hội thi văn nghệ của Ban Thường trực MTTQ xã Phú Lâm ngày tháng năm nào?",  # its full date
    "Thông báo kết luận về tu sửa nghĩa trang liệt sĩ của Đảng ủy xã ra ngày bao nhiêu?",  # "tu sửa" is no "từ ngày"
    "Kết luận của Ban Thường vụ về tư tưởng và vận động học sinh đến trường ngày nào?",  # no "từ", no "đến ngày"
    "When did the district medical centre write about giving out methadone over Tết?",  # a letter as its act
    "On what date did the protection forest board ask for money to build a fire lookout tower?",  # a request
    "When did the veterans' association make its plan to gather information on soldiers' graves?",
    "Kế hoạch bảo đảm trật tự an toàn giao thông dịp Tết của Đảng ủy xã ngày nào?",  # "giao thông" is no task given
    "When did the remains team announce DNA sampling for relatives?",  # a notice as its act
    "When did the Quang Tri home affairs department warn about fake seasonal farm jobs in Korea?",  # a warning
    "On what date did the Social Policy Bank in Ha Tinh answer Nghi Xuan about loans?",  # a reply, its addressee
])
def test_the_ways_of_asking_who_signed_or_when_put_the_card_first(question):
    assert _cards_first(question, ARTICLE_THEN_CARD, [(1, 0.9), (2, 0.2)])[0][0] == 2


@pytest.mark.parametrize("question", ["What is the date of the elections?", "Kế hoạch 131 có hiệu lực từ ngày nào?",
                                      "Tàu thuyền được ra khơi từ ngày nào?",
                                      "Quy chế ban hành kèm theo quyết định áp dụng từ ngày nào?",
                                      "Kế hoạch ban hành yêu cầu hoàn thành vào thời gian nào?",
                                      "Cơ quan nào chịu trách nhiệm ra quyết định xử phạt?",
                                      "Lãnh đạo nào nhiệm kỳ 2020 - 2025 phụ trách du lịch?",
                                      "Các xã gửi báo cáo về huyện trước ngày nào?",
                                      "UBND xã quyết định tổ chức lễ hội vào ngày nào?",  # what the decision sets
                                      "Các chi bộ nộp báo cáo chậm nhất ngày nào?",  # a deadline
                                      "Kế hoạch 349/KH-ĐTN đoàn phường Lê Thanh Nghị ra quân ngày nào",  # its launch
                                      "UBND xã ra công văn yêu cầu nộp báo cáo trước ngày nào?",  # a deadline
                                      "Sở phải gửi báo cáo thiệt hại trước thời gian nào?",
                                      "Kế hoạch tổ chức lễ hội ngày nào?", "Thông báo lịch tiếp công dân vào ngày nào?",
                                      "Kế hoạch tuyên truyền đợt 1 kết thúc ngày nào?",
                                      "Kế hoạch yêu cầu thực hiện xong vào ngày nào?",
                                      "UBND xã quy định thời gian trình hồ sơ vào ngày nào?",  # a deadline
                                      "UBND xã tổ chức chương trình văn nghệ vào ngày nào?",  # an event
                                      "When did the Central Party Office ask provinces to report on drowning?",
                                      "Kế hoạch yêu cầu các chi bộ báo cáo từ ngày nào?",  # from when
                                      "When did the commune ask households to register for the scheme?"])
def test_a_date_in_the_text_is_no_question_of_signing(question):
    assert _cards_first(question, ARTICLE_THEN_CARD, [(1, 0.9), (2, 0.2)])[0][0] == 1


def _articles_after(home, reorder, question: str, first: list[str]) -> list[str]:
    """``reorder(kb, fused, query)`` over the decision's articles ``first`` ("Điều 1"), in that order: the articles
    it returns."""
    kb = KnowledgeBase(fake_settings(home), embedder=HashingEmbedder(), create=False)
    try:
        rows = kb.store.chunks.of_document(kb.store.chunks.documents_of([1])[1])
        article = {row["id"]: row["section"].rpartition(" › ")[2] for row in rows}
        ids = [next(chunk for chunk, name in article.items() if name == wanted) for wanted in first]
        fused = [(chunk, 1.0 - 0.1 * rank) for rank, chunk in enumerate(ids)]
        return [article[chunk] for chunk, _ in reorder(kb, fused, understand(question))]
    finally:
        kb.close()


def _effect_follows(home, question: str, first: list[str]) -> list[str]:
    return _articles_after(home, lambda kb, fused, query: effect_follows(fused, query, kb.store.chunks, 20),
                           question, first)


def _answer_follows(home, question: str, first: list[str]) -> list[str]:
    return _articles_after(home, lambda kb, fused, query: answer_follows(kb, fused, query, 20, answers_within(kb, query)),
                           question, first)


@pytest.mark.parametrize("question", [
    "Việc công bố thủ tục chứng thực của Hà Tĩnh có hiệu lực từ khi nào?", "quyet dinh cong bo thu tuc hieu luc tu ngay nao",
    "When does Ha Tinh's decision on notarisation procedures take effect?", "Ha Tinh's notarisation procedures: from what date?",
    "When do the notarisation procedures come into force?",
])
def test_asked_when_it_takes_effect_its_clause_follows_its_best_passage(home, question):
    assert _effect_follows(home, question, ["Điều 1", "Điều 2"]) == ["Điều 1", "Điều 3", "Điều 2"]


@pytest.mark.parametrize("question", [
    "Hà Tĩnh công bố bao nhiêu thủ tục?", "Quyết định 1234 hết hiệu lực từ ngày nào?",  # what ended it says so
    "Hợp đồng chưa công chứng có hiệu lực không?",
])
def test_other_questions_leave_the_clause_where_it_was(home, question):
    assert _effect_follows(home, question, ["Điều 1", "Điều 2"]) == ["Điều 1", "Điều 2"]


def test_a_clause_ranked_first_already_stays_first(home):
    assert _effect_follows(home, "Quyết định có hiệu lực từ ngày nào?", ["Điều 3", "Điều 1"]) == ["Điều 3", "Điều 1"]


@pytest.mark.parametrize("question", [
    "Hà Tĩnh cập nhật các thủ tục chứng thực lên Cổng Dịch vụ công quốc gia trong mấy ngày?",
    "ha tinh cap nhat thu tuc chung thuc len cong dich vu cong quoc gia trong may ngay",
    "Quyết định 1234 yêu cầu cập nhật thủ tục lên Cổng Dịch vụ công quốc gia trong mấy ngày?",  # named by number
])
def test_the_article_that_answers_leads_its_documents_best_passage(home, question):
    # Asked by its subject, the decision is found by its first article; the one that answers shares little else.
    assert _answer_follows(home, question, ["Điều 1", "Điều 3"]) == ["Điều 2", "Điều 1", "Điều 3"]


def test_asked_in_english_the_article_that_answers_follows_its_documents_best_passage(home):
    question = "Decision 1234: within how many days must the procedures be put on the National Public Service Portal?"
    assert _answer_follows(home, question, ["Điều 1", "Điều 3"]) == ["Điều 1", "Điều 2", "Điều 3"]


@pytest.mark.parametrize(("question", "arranged"), [
    ("Hà Tĩnh dành mấy ngày cho việc rà soát thủ tục chứng thực?", ["Điều 2", "Điều 1", "Điều 3"]),
    ("How many days does Ha Tinh give for reviewing the notarisation procedures?", ["Điều 1", "Điều 2", "Điều 3"]),
])
def test_asked_how_many_the_documents_passage_printing_that_number_is_lifted(home, question, arranged):
    # "rà soát" is nowhere in the decision: of its passages, only Điều 2 prints a number of days ("05 ngày").
    assert _answer_follows(home, question, ["Điều 1", "Điều 3"]) == arranged


@pytest.mark.parametrize("question", [
    "Quyết định công bố thủ tục chứng thực Hà Tĩnh",  # no question: a title typed to find the document
    "Ai ký quyết định công bố thủ tục chứng thực của Hà Tĩnh?",  # its card answers
])
def test_questions_not_asking_what_it_says_leave_the_ranking(home, question):
    assert _answer_follows(home, question, ["Điều 1", "Điều 3"]) == ["Điều 1", "Điều 3"]


def _described(home, question: str, first: str) -> list[str]:
    """The decision's passages ranked ``first`` (its card, or an article), then Điều 1 and Điều 3, arranged by the
    two rules of the document a question describes: the sections in their new order."""
    kb = KnowledgeBase(fake_settings(home), embedder=HashingEmbedder(), create=False)
    try:
        rows = kb.store.chunks.of_document(kb.store.chunks.documents_of([1])[1])
        named = {("card" if row["kind"] == "card" else row["section"].rpartition(" › ")[2]): row["id"] for row in rows}
        section = {chunk: name for name, chunk in named.items()}
        query = understand(question)
        fused = [(named[first], 1.0), (named["Điều 1"], 0.9), (named["Điều 3"], 0.8)]
        described = described_document(fused, query, kb.store.chunks.hits)
        lowered = [pair for pair in fused if pair[0] != named["card"]] + [(named["card"], 0.1)] if described else fused
        return [section[chunk] for chunk, _ in described_answer_first(lowered, query, described, answers_within(kb, query))]
    finally:
        kb.close()


def test_the_document_a_question_describes_by_its_card_answers_first(home):
    # its card matched best, and went below its text: its article that answers goes first
    question = "Hà Tĩnh cập nhật các thủ tục chứng thực lên Cổng Dịch vụ công quốc gia trong mấy ngày?"
    assert _described(home, question, "card")[:2] == ["Điều 2", "Điều 1"]


@pytest.mark.parametrize(("question", "first"), [
    ("Hà Tĩnh cập nhật các thủ tục chứng thực lên Cổng Dịch vụ công quốc gia trong mấy ngày?", "Điều 1"),  # no frame first
    ("Ai ký quyết định công bố thủ tục chứng thực của Hà Tĩnh?", "card"),  # its card answers
])
def test_no_frame_first_or_a_question_its_card_answers_leaves_the_ranking(home, question, first):
    assert _described(home, question, first) == [first, "Điều 1", "Điều 3"]


def test_an_answer_ranked_first_already_stays_first(home):
    question = "Hà Tĩnh cập nhật các thủ tục chứng thực lên Cổng Dịch vụ công quốc gia trong mấy ngày?"
    assert _answer_follows(home, question, ["Điều 2", "Điều 1"]) == ["Điều 2", "Điều 1"]


@pytest.mark.parametrize(("section", "text", "frame"), [
    ("Kế hoạch 215-KH/TU", "Thực hiện Nghị quyết số 42-NQ/TW ngày 24/11/2023 của Ban Chấp hành Trung ương, Ban Thường vụ "
     "Tỉnh ủy ban hành Kế hoạch thực hiện như sau:", True),  # a Party plan's opening: what it is issued on
    ("Kế hoạch 215-KH/TU", "Căn cứ Luật Tổ chức chính quyền địa phương;", True),
    ("Kế hoạch 215-KH/TU › III. NHIỆM VỤ", "Thực hiện tốt công tác tuyên truyền trong đoàn viên, hội viên.", False),
    ("Quyết định 12/QĐ-UBND", "Căn cứ Luật Tổ chức chính quyền địa phương;\nTheo đề nghị của Giám đốc Sở Nội vụ;\n"
     "QUYẾT ĐỊNH:", True),
    ("", "Căn cứ Luật Tổ chức chính quyền địa phương;", True),
    # a notice without parts is one passage: its items after the opening are what it says
    ("Thông báo 25/TB-UBND", "Thực hiện Chỉ thị 29-CT/TU, Ủy ban nhân dân tỉnh thông báo như sau:\n"
     "1. Phát ấn tại 4 điểm: Đền Cố Trạch, Đền Trùng Hoa.\n2. Mỗi người được nhận một tờ ấn.", False),
])
def test_a_plans_opening_is_its_frame_and_its_tasks_are_text(section: str, text: str, frame: bool) -> None:
    folded = columns(matching_text(section, text))[1]
    assert is_frame({"kind": "body", "section": section, "text": text, "folded": folded}) is frame


DIRECTIVE = """TỈNH ỦY THANH HÓA
*
Số 09-CT/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Thanh Hóa, ngày 08 tháng 01 năm 2025
CHỈ THỊ
của Ban Thường vụ Tỉnh ủy về phòng cháy, chữa cháy
Năm 2024, trên địa bàn tỉnh xảy ra 87 vụ cháy, làm 5 người chết, 11 người bị thương, thiệt hại về tài sản ước 46
tỷ đồng; nhiều vụ cháy xảy ra tại nhà ở kết hợp kinh doanh, chung cư mini, cơ sở kinh doanh dịch vụ karaoke.
Để chủ động phòng ngừa, Ban Thường vụ Tỉnh ủy đề ra các việc sau:
1. Các cấp ủy, chính quyền kiểm tra 100% cơ sở kinh doanh karaoke, vũ trường, quán bar trước ngày 30/6/2025.
2. Bảo đảm đến ngày 30/6/2025, 100% nhà ở riêng lẻ kết hợp sản xuất, kinh doanh có lối thoát nạn thứ hai.
3. Công an tỉnh chủ trì tuyên truyền, hướng dẫn kỹ năng thoát nạn cho người dân tại các khu dân cư.
Nơi nhận:
- Các ban đảng, đảng ủy trực thuộc (để thực hiện nhiệm vụ),
- Lưu Văn phòng Tỉnh ủy.
T/M BAN THƯỜNG VỤ
BÍ THƯ
(Đã ký)
Lê Xuân Khải
"""


def test_asked_what_a_numbered_directive_requires_its_recipients_are_no_answer(tmp_path):
    """The recipients' "(để thực hiện nhiệm vụ)" held a word that states a requirement, and the closing led."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "chi-thi-09.txt").write_text(DIRECTIVE, encoding="utf-8")
    kb = fake_kb_at(tmp_path / "home")
    try:
        assert index_paths(kb, [tmp_path / "docs"]).count("indexed") == 1
        first = search(kb, "Chỉ thị 09-CT/TU yêu cầu gì", 5).results[0]
        assert "100% cơ sở kinh doanh karaoke" in first.text or "100% nhà ở riêng lẻ" in first.text
    finally:
        kb.close()


PLACED = {1: {"doc_id": 7, "doc_place": "Hưng Yên", "doc_issuer": "Sở Nông nghiệp và Môi trường tỉnh Hưng Yên",
              "doc_issuer_parent": "UBND tỉnh Hưng Yên", "doc_title": "V/v xả nước thải chăn nuôi"},
          2: {"doc_id": 8, "doc_place": "Như Quỳnh", "doc_issuer": "Đảng ủy xã Như Quỳnh", "doc_issuer_parent": None,
              "doc_title": "Kế hoạch canh cống xả thải"},
          3: {"doc_id": 9, "doc_place": "Lạng Sơn", "doc_issuer": "Cục Thuế tỉnh Lạng Sơn", "doc_issuer_parent": None,
              "doc_title": None},
          4: {"doc_id": 10, "doc_place": "Huế", "doc_issuer": "Ủy ban nhân dân thành phố Huế", "doc_issuer_parent": None,
              "doc_title": "Quyết định thưởng bàn giao mặt bằng sớm"}}


def _placed(question: str, fused: list[tuple[int, float]] | None = None) -> list[int]:
    fused = fused or [(1, 1.0), (3, 0.9), (2, 0.7), (4, 0.5)]
    return [chunk for chunk, _ in placed_first(fused, understand(question), lambda ids: {i: PLACED[i] for i in ids}, 4)]


@pytest.mark.parametrize(("question", "order"), [
    ("Ở xã Như Quỳnh, các tổ canh cống xả thải vào khung giờ nào?", [2, 1, 3, 4]),  # the commune's plan first
    ("What bonus does Hue give a family that hands over its land early?", [4, 1, 3, 2]),  # Huế's first; "Thuế" is no "Huế"
    ("Các văn bản nào nhắc tới Kế hoạch 24-KH/ĐU của xã Như Quỳnh?", [1, 3, 2, 4]),  # the place is the cited one's
    ("Ở Cà Mau tàu cá mất kết nối bị xử lý thế nào?", [1, 3, 2, 4]),  # no document of that place among them
])
def test_a_place_the_question_names_keeps_its_documents_passages_above_the_others(question, order):
    assert _placed(question) == order


def test_a_place_named_in_english_weighs_more_than_one_named_in_vietnamese():
    """Huế's decision, well below the others: named in Vietnamese it stays below them (0.6 of 1.0 is 0.6, above
    its 0.3); named in English, the others fall to a tenth and it rises first."""
    fused = [(1, 1.0), (3, 0.9), (4, 0.3), (2, 0.2)]
    assert _placed("Huế thưởng bao nhiêu cho gia đình bàn giao đất sớm?", fused) == [1, 3, 4, 2]
    assert _placed("What bonus does Hue give a family that hands over its land early?", fused) == [4, 1, 3, 2]


def test_a_document_whose_title_names_the_place_is_of_the_place():
    """A district's report on a commune's craft village is issued elsewhere but is about the commune: its title says
    so, and it is not lowered with the documents of other places."""
    rows = {1: {"doc_id": 7, "doc_place": "Bát Tràng", "doc_issuer": "Ủy ban nhân dân xã Bát Tràng",
                "doc_issuer_parent": None, "doc_title": "Kế hoạch phát triển du lịch làng gốm"},
            2: {"doc_id": 8, "doc_place": "Hà Nội", "doc_issuer": "Ủy ban nhân dân huyện Gia Lâm", "doc_issuer_parent": None,
                "doc_title": "Báo cáo chuyển đổi lò nung than tại làng nghề Bát Tràng"},
            3: {"doc_id": 9, "doc_place": "Hà Nội", "doc_issuer": "Sở Công Thương", "doc_issuer_parent": None,
                "doc_title": "Báo cáo chuyển đổi lò nung than"}}
    fused = [(1, 1.0), (3, 0.9), (2, 0.8)]
    moved = placed_first(fused, understand("Vì sao bảy lò than ở Bát Tràng chưa chuyển sang lò ga?"), lambda ids: rows, 3)
    assert [chunk for chunk, _ in moved] == [1, 2, 3]


def test_the_name_an_issuer_ends_with_is_a_place_the_question_names():
    """A commune's school signs its notice in the commune: asked about the school by its name, its notice rises
    above the commune's plan that mentions the school."""
    rows = {1: {"doc_id": 7, "doc_place": "Sơn Hòa", "doc_issuer": "Ủy ban nhân dân xã Sơn Hòa", "doc_issuer_parent": None,
                "doc_title": None},
            2: {"doc_id": 8, "doc_place": "Sơn Hòa", "doc_issuer": "Trường PTDTBT Tiểu học và THCS Ea Chà Rang",
                "doc_issuer_parent": "UBND xã Sơn Hòa", "doc_title": None}}
    fused = [(1, 1.0), (2, 0.7)]
    moved = placed_first(fused, understand("Trường Ea Chà Rang khóa cổng lúc mấy giờ?"), lambda ids: rows, 2)
    assert [chunk for chunk, _ in moved] == [2, 1]
    unnamed = placed_first(fused, understand("Trường khóa cổng lúc mấy giờ?"), lambda ids: rows, 2)
    assert [chunk for chunk, _ in unnamed] == [1, 2]


KINDS = {1: "Kết luận", 2: "Chỉ thị", 3: "Kế hoạch", 4: "Chỉ thị"}


def _kinds(question: str) -> list[int]:
    fused = [(1, 1.0), (3, 0.9), (2, 0.88), (4, 0.5)]
    return [chunk for chunk, _ in kinds_first(fused, understand(question),
                                               lambda ids: {i: {"doc_doc_type": KINDS[i]} for i in ids}, 4)]


@pytest.mark.parametrize(("question", "order"), [
    ("Chỉ thị của Đảng ủy Khối Doanh nghiệp về đạo đức đảng viên ban hành ngày nào?", [2, 1, 3, 4]),  # the directive
    ("Văn bản nào thực hiện chỉ thị của Đảng ủy Khối về đạo đức?", [1, 3, 2, 4]),  # which carry it out: others
    ("Chỉ thị 58-CT/ĐUK ban hành ngày nào?", [1, 3, 2, 4]),  # named by number: the reference leg reads it
    ("Đảng ủy Khối Doanh nghiệp ra chỉ thị về đạo đức ngày nào?", [1, 3, 2, 4]),  # not opening with its kind
    ("Who signed the directive on Party members' ethics?", [2, 1, 3, 4]),  # English: the kind its rendering names
    ("What does the directive on Party members' ethics require?", [1, 3, 2, 4]),  # not who signed it or when
])
def test_a_question_naming_a_kind_keeps_its_documents_passages_above_the_others(question, order):
    assert _kinds(question) == order


COUNTED = {1: "Dự án đi qua 7 phường với 1.386 hộ gia đình bị ảnh hưởng; Thành ủy yêu cầu đẩy nhanh tiến độ.",
           2: "Sở Xây dựng đề xuất bố trí 620 căn hộ tại khu nhà ở tái định cư phường Việt Hưng.",
           3: "Hộ bàn giao mặt bằng trong 30 ngày được thưởng tiến độ 10 triệu đồng/hộ.",
           4: "Công bố công khai phương án bồi thường tại trụ sở Ủy ban nhân dân phường."}


def _counted(question: str) -> list[int]:
    fused = [(4, 1.0), (1, 0.9), (2, 0.7), (3, 0.6)]
    return [chunk for chunk, _ in counts_first(fused, understand(question),
                                                lambda ids: {i: {"folded": fold(COUNTED[i])} for i in ids}, 4)]


@pytest.mark.parametrize(("question", "order"), [
    ("Sở Xây dựng đề xuất bao nhiêu căn hộ tái định cư?", [2, 4, 1, 3]),  # the number of flats, above the rest
    ("Gia đình giao nhà sớm được thưởng bao nhiêu tiền?", [3, 4, 1, 2]),  # money by its unit: "10 triệu đồng"
    ("bao nhieu ho gia dinh bi anh huong", [1, 4, 2, 3]),  # "1.386 hộ" counts households, "10 triệu đồng/hộ" is money
    ("Mức thưởng tiến độ là bao nhiêu?", [4, 1, 2, 3]),  # counts nothing named: unchanged
    ("Dự án có bao nhiêu trạm biến áp?", [4, 1, 2, 3]),  # no passage prints one: unchanged
    ("Máy tính trang bị cho phường mấy năm?", [4, 1, 2, 3]),  # "mấy năm" counts years; none printed
])
def test_asked_how_many_the_passages_printing_that_number_come_first(question, order):
    assert _counted(question) == order


@pytest.mark.parametrize(("question", "answer", "other"), [
    # a sum asked by what it pays for, or by unit, is printed as money
    ("Tỉnh đề nghị điều chuyển bao nhiêu vốn?", "điều chuyển 214 tỷ đồng sang dự án", "giải ngân 12 dự án vốn"),
    ("bo tri bao nhieu kinh phi nam 2026", "bố trí 350 triệu đồng", "năm 2026 có 3 kinh phí"),
    ("thu tiền nước bao nhiêu một khối?", "thu 5.000 đồng/m3", "cấp nước cho 1 khối dân cư"),
    # a length by its unit's symbol, people by what they are
    ("Cấm xây dựng cách mép bờ sông bao nhiêu mét?", "trong phạm vi 30 m tính từ mép bờ sông", "có 2 trạm bơm ven sông"),
    ("Tổ kiểm kê gồm mấy người?", "tổ kiểm kê gồm 7 thành viên", "kiểm kê 7 loại tài sản"),
])
def test_a_count_is_read_in_the_unit_it_is_printed_with(question, answer, other):
    pattern = counted(question.lower(), fold(question))
    assert pattern is not None and pattern.search(fold(answer)) and not pattern.search(fold(other))


def test_a_count_is_read_with_its_magnitude_between():
    pattern = counted("điện biên đón bao nhiêu lượt khách?", "dien bien don bao nhieu luot khach?")
    assert pattern is not None and pattern.search(fold("Đến năm 2030 đón 2,5 triệu lượt khách"))


FRAMES = {1: {"doc_id": 7, "kind": "passage"}, 2: {"doc_id": 7, "kind": "card"},
          3: {"doc_id": 7, "kind": "passage", "section": "Quyết định 12 › Phần cuối văn bản", "text": "KT. CHỦ TỊCH"},
          4: {"doc_id": 7, "kind": "passage", "section": "Quyết định 12 › Phần đầu văn bản",
              "text": "Púng Luông, ngày 06 tháng 10 năm 2025"}}


@pytest.mark.parametrize(("question", "order"), [
    ("Quyết định khen thưởng ngày hội văn hóa xã Púng Luông do ai ký?", [3, 2, 4]),  # who: the signature first
    ("Quyết định khen thưởng ngày hội văn hóa xã Púng Luông ban hành ngày nào?", [4, 2, 1]),  # when: the dated header
    # who and when: the card says both, then the date as printed, then the signature
    ("Quyết định khen thưởng ngày hội văn hóa xã Púng Luông do ai ký, ngày nào?", [2, 4, 3]),
])
def test_asked_who_signed_and_when_the_card_leads_then_the_date_then_the_signature(question, order):
    ranked = _cards_first(question, FRAMES, [(1, 0.9), (2, 0.5), (3, 0.4), (4, 0.3)])
    assert [chunk for chunk, _ in ranked][:3] == order


FESTIVAL_PLAN = """ỦY BAN NHÂN DÂN
TỈNH PHÚ THỌ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 1958/KH-UBND
Phú Thọ, ngày 02 tháng 3 năm 2026

KẾ HOẠCH
Tổ chức Ngày hội Văn hóa, Thể thao và Du lịch các dân tộc tỉnh Phú Thọ lần thứ I

I. MỤC ĐÍCH, YÊU CẦU
Tôn vinh bản sắc văn hóa các dân tộc trong tỉnh qua ngày hội văn hóa, thể thao và du lịch các dân tộc lần thứ I.
II. THỜI GIAN, ĐỊA ĐIỂM
Thời gian: từ ngày 17 đến ngày 19/4/2026. Địa điểm: Quảng trường Hòa Bình và Trung tâm Văn hóa tỉnh.
III. NỘI DUNG
Ngày hội văn hóa, thể thao và du lịch các dân tộc gồm thi bắn nỏ, đẩy gậy, kéo co và trình diễn trang phục dân tộc.
"""


def test_asked_where_the_passage_labelled_with_the_place_leads_the_documents_best(tmp_path):
    """"Tổ chức ở đâu" shares no word with "Địa điểm: Quảng trường …" but the label the answer is printed under."""
    write_tree(tmp_path, {"docs/ke-hoach-1958.txt": FESTIVAL_PLAN})
    kb = fake_kb_at(tmp_path / "home")
    try:
        index_paths(kb, [tmp_path / "docs"])
        rows = kb.store.chunks.of_document(kb.store.documents.listing()[0]["id"])
        place = next(row["id"] for row in rows if "Địa điểm:" in row["text"])
        fused = [(row["id"], 1.0 - 0.1 * i) for i, row in enumerate(rows) if row["id"] != place]
        question = understand("Ngày hội văn hóa, thể thao và du lịch các dân tộc tỉnh Phú Thọ lần thứ I tổ chức ở đâu?")
        assert [chunk for chunk, _ in answer_follows(kb, fused, question, 40, answers_within(kb, question))][0] == place
    finally:
        kb.close()
