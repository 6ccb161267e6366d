"""What a question asks of the documents it names (kb.retrieval.intent), and how the reference leg follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.analyzer import fold
from kb.indexing import index_paths
from kb.retrieval.intent import (
    ABOUT,
    FOLLOWERS,
    FOLLOWING_KINDS,
    counted,
    counted_in_english,
    followed_kind,
    following,
    intent,
    states_own_effect,
    unasked,
)
from kb.retrieval.query import understand
from kb.retrieval.search import legs, search
from tests.conftest import fake_kb_at


@pytest.mark.parametrize(("question", "expected"), [
    ("Chỉ thị 05 yêu cầu gì?", ABOUT),
    ("chi thi 05 yeu cau gi", ABOUT),
    ("what does Chỉ thị 05 require", ABOUT),
    ("Hướng dẫn 06-HD/TW hướng dẫn những gì", ABOUT),
    ("Nghị định số 356/2025/NĐ-CP quy định gì", ABOUT),
    ("Văn bản nào triển khai Chỉ thị 05", FOLLOWERS),
    ("van ban nao can cu nghi dinh 186/2025/ND-CP", FOLLOWERS),
    ("Which documents are based on Decree 85/2024/ND-CP?", FOLLOWERS),
    ("Kế hoạch 131-KH/TU", None),
    ("đợt tuyên truyền thứ ba", None),
    ("Luật số 23/2023/QH15 sửa đổi những gì", ABOUT),
    ("tóm tắt Nghị quyết 72/2025/NQ-HĐND", ABOUT),
    ("Văn bản nào sửa đổi Nghị quyết 10/2022/NQ-HĐND", FOLLOWERS),
    ("Quyết định nào bãi bỏ Quyết định 14/2025/QĐ-UBND", FOLLOWERS),
    ("Luật Công an nhân dân 37/2018/QH14 được sửa đổi bởi văn bản nào", FOLLOWERS),
    ("KH 89-KH/ĐU được UBND xã cụ thể hóa bằng văn bản nào", FOLLOWERS),  # its doer between "được" and the verb
    ("Quyết định này được ban hành kèm theo văn bản nào", None),
    ("trường hợp nào được bổ sung hồ sơ theo Nghị định 30", None),
    # a document type's own verb, and a subject word between the verb and "gì" / "nào"
    ("Kết luận 221-KL/TW kết luận những gì", ABOUT),
    ("KL 221 nói về vấn đề gì", ABOUT),
    ("Kế hoạch 131-KH/TU đề ra những nhiệm vụ nào", ABOUT),
    ("Quy định 294-QĐ/TW quy định những nội dung nào", ABOUT),
    ("Nghị quyết 57-NQ/TW về vấn đề gì", ABOUT),
    ("Nghị định 100 quy định những trường hợp nào được miễn", None),  # which cases: asked of its passages
    ("nếu vi phạm thì bị phạt gì", None),
    ("các kế hoạch thực hiện Nghị quyết 18", FOLLOWERS),
    ("những văn bản hướng dẫn Luật 58/2020/QH14", FOLLOWERS),
    ("các văn bản của tỉnh về Chỉ thị 05", None),
    ("Tỉnh ủy đã ban hành gì để thực hiện Chỉ thị 05?", FOLLOWERS),
    ("Huyện ủy ban hành kế hoạch gì để triển khai Kế hoạch 52-KH/TU?", FOLLOWERS),
    ("UBND tỉnh ban hành quyết định gì về giá đất?", ABOUT),
    ("Chỉ thị 05 yêu cầu các cấp ủy làm gì để thực hiện tốt việc học tập?", None),  # asks of its passages
    ("documents implementing Directive 05", FOLLOWERS),
    ("plans that carry out Resolution 18-NQ/TW", FOLLOWERS),
    ("Các văn bản nào nhắc tới Thông báo kết luận 786-TB/TU?", FOLLOWERS),  # mentions it, cites it
    ("Văn bản nào trích dẫn Nghị quyết 10-NQ/TU?", FOLLOWERS),
    ("Which later documents refer back to Directive 15-CT/TU?", FOLLOWERS),
    ("Which documents mention Plan 12-KH/TU?", FOLLOWERS),
    ("which documents follow up Plan 198-KH/TU", FOLLOWERS),
    ("Những văn bản nào làm theo chỉ thị của Quận ủy về trồng lại cây xanh?", FOLLOWERS),  # "làm theo": follow it
    ("Which documents act on the commune Party plan for forest protection?", FOLLOWERS),
    ("Which documents follow the directive on street trees?", FOLLOWERS),
    ("Which documents build on the ward Party decision on the election board?", FOLLOWERS),
    ("which plans put the 2025 resolution of the commune into practice", FOLLOWERS),
    ("Which roads will the commune build on the hill?", None),  # building on land: no document in the verb's place
    ("Which village elders should the ward rely on?", None),  # "rely on" stays a content question
    ("What procedure must farmers follow?", None),
    ("Chỉ thị 05 đề cập đến vấn đề nào?", ABOUT),  # what it mentions: asked of it
    ("What does Directive 05 mention about alcohol?", ABOUT),
    ("Who counts as the secured party under the decree guiding the Civil Code?", None),  # one decree, named
    ("Chỉ thị 05 nhấn mạnh điều gì?", ABOUT),
    ("Nghị quyết 18-NQ/TW bàn về gì?", ABOUT),
    ("Summarize Directive 05", ABOUT),
    ("What are the main points of Conclusion 21-KL/TW?", ABOUT),
    ("Luật 91/2015/QH13 quy định điều nào về thời hiệu?", None),  # which article: asked of its passages
    ("Chỉ thị 17-CT/TU giao huyện nào xây dựng kế hoạch thực hiện?", None),  # which district: asked of its passages
    ("Kế hoạch 08-KH/BCĐ được các đơn vị nào cụ thể hóa?", FOLLOWERS),  # which units: their plans
    ("tỉnh đã làm gì để thực hiện hướng dẫn của Bộ Nội vụ về đánh giá công chức", FOLLOWERS),  # what was done
    ("Hộ dân phải làm gì để thực hiện phân loại rác?", None),  # what must be done: asked of its passages
    ("Có xã nào thực hiện công văn của Sở Dân tộc và Tôn giáo về lễ hội không?", FOLLOWERS),  # whether any did
    ("Có báo cáo nào sơ kết chỉ thị của Ban Thường vụ Đảng ủy xã về giải phóng mặt bằng không?", FOLLOWERS),  # reviews it
    ("What has the province done to implement the guidance on KPI?", FOLLOWERS),
    ("Which Party document does the education department's letter on boarding meals implement?", None),  # reverse
    ("What is the date of the Party board's guidance on langur conservation?", None),  # "guidance" guides nothing
    # whether any document, or any commune, did: one plan named, not several
    ("Is there a commune plan that follows the Nghe An provincial Fatherland Front circular on Unity Day?", FOLLOWERS),
    ("Has any ward carried out the city directive on pavements?", FOLLOWERS),
    ("Are there any documents based on the district plan for flood drills?", FOLLOWERS),
    # what was issued in its wake, asked without a kind of document
    ("What was issued to follow up the Tien Hung party conclusion on loud music at night?", FOLLOWERS),
    ("what was issued under the party guidance on free tuition", FOLLOWERS),
    ("What was issued on 5 May?", None),
    ("What was written under the heading of tasks?", None),
    ("Is there a plan for flood drills in Quang Ninh commune?", None),
    ("UBND xã cụ thể hóa Nghị quyết 12 của Đảng ủy bằng văn bản nào?", FOLLOWERS),  # the document it used
    ("Công văn 45/UBND được văn bản nào dẫn lại?", FOLLOWERS),  # the documents as doers
    ("UBND xã thực hiện việc thu phí theo văn bản nào?", None),  # the one it follows
])
def test_the_question_says_whether_it_asks_what_a_document_says_or_what_carries_it_out(question, expected):
    assert intent(fold(question)) == expected


@pytest.mark.parametrize(("folded", "kind"), [
    ("nhung van ban nao trien khai chi thi cua ban thuong vu tinh uy ve quan ly dat dai", "chi thi"),
    # an English question's rendering: the owner's words between the verb and the kind
    ("van ban thuc hien tinh dang ban thuong vu chi thi dat dai quan ly", "chi thi"),
    ("cac ke hoach thuc hien nghi quyet dai hoi dang bo xa", "nghi quyet"),
    ("van ban nao trien khai cong tac phong chong lu", None),  # no kind named after the verb
])
def test_a_followers_question_names_the_kind_of_the_document_it_describes(folded, kind):
    assert followed_kind(folded) == kind


@pytest.mark.parametrize(("question", "kinds"), [
    ("Văn bản nào triển khai Chỉ thị 05", FOLLOWING_KINDS),
    ("Văn bản nào sửa đổi, bổ sung Luật 37/2018/QH14", ("amends",)),
    ("van ban nao thay the quyet dinh 17/2025", ("replaces",)),
    ("Quyết định 14/2025/QĐ-UBND bị bãi bỏ bởi quyết định nào", ("repeals",)),
])
def test_a_question_for_what_changes_a_document_asks_for_the_citations_that_change_it(question, kinds):
    assert following(fold(question)) == kinds


DIRECTIVE = """TỈNH ỦY BÌNH ĐỊNH
Số 07-CT/TU
Quy Nhơn, ngày 02 tháng 3 năm 2021

CHỈ THỊ
về tăng cường công tác phòng cháy, chữa cháy trong các cơ quan

Thời gian qua, công tác phòng cháy, chữa cháy trong các cơ quan của tỉnh có chuyển biến, song vẫn còn hạn chế.

Để khắc phục hạn chế nói trên, Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng thực hiện tốt nhiệm vụ sau:

1. Kiểm tra định kỳ hệ thống báo cháy mỗi quý một lần và lập biên bản kiểm tra.

2. Mỗi cơ quan bố trí ít nhất hai bình chữa cháy tại mỗi tầng.

T/M BAN THƯỜNG VỤ
BÍ THƯ
Nguyễn Văn A
"""

PLAN = """ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH
Số 15-KH/ĐUK
Quy Nhơn, ngày 20 tháng 3 năm 2021

KẾ HOẠCH
về công tác phòng cháy trong cơ quan khối

Thực hiện Chỉ thị số 07-CT/TU của Ban Thường vụ Tỉnh ủy, Đảng ủy Khối xây dựng kế hoạch như sau:

Các chi bộ tổ chức quán triệt yêu cầu của Chỉ thị số 07-CT/TU đến đảng viên và báo cáo kết quả trước ngày 30/6/2021.
"""

REPORT = """ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH
Số 40-BC/ĐUK
Quy Nhơn, ngày 10 tháng 12 năm 2021

BÁO CÁO
kết quả công tác năm 2021

Trong năm, nhiều văn bản được ban hành, trong đó có nhắc tới Chỉ thị số 07-CT/TU về phòng cháy, chữa cháy.

Các chi bộ hoàn thành nhiệm vụ được giao; văn bản Chỉ thị số 07-CT/TU nêu rõ yêu cầu về phòng cháy.
"""

REPEAL = """TỈNH ỦY BÌNH ĐỊNH
Số 12-QĐ/TU
Quy Nhơn, ngày 05 tháng 01 năm 2024

QUYẾT ĐỊNH
về việc bãi bỏ một số văn bản

Điều 1. Bãi bỏ Chỉ thị số 07-CT/TU ngày 02/3/2021 của Ban Thường vụ Tỉnh ủy.
"""


DECISION = """ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 30/QĐ-UBND
Quy Nhơn, ngày 10 tháng 3 năm 2024

QUYẾT ĐỊNH
Về việc phê duyệt danh mục thủ tục hành chính nội bộ

Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;

Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh.

QUYẾT ĐỊNH:

Điều 1. Phê duyệt kèm theo Quyết định này danh mục 12 thủ tục hành chính nội bộ trong lĩnh vực nội vụ. Khi có thay \
đổi, khi có ý kiến từ các sở, hoặc khi có đề xuất từ người dân, các cơ quan có trách nhiệm báo cáo.

Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
"""


@pytest.fixture(scope="module")
def graph_kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("graph-docs")
    for name, text in (("chi-thi-07.txt", DIRECTIVE), ("ke-hoach-15.txt", PLAN), ("bao-cao-40.txt", REPORT),
                       ("quyet-dinh-12.txt", REPEAL), ("quyet-dinh-30.txt", DECISION)):
        (folder / name).write_text(text, encoding="utf-8")
    kb = fake_kb_at(tmp_path_factory.mktemp("graph-home"))
    index_paths(kb, [folder])
    return kb


def _sources(response):
    return [(hit.document.source.rsplit("/", 1)[-1], hit.kind, hit.text) for hit in response.results]


def test_asking_what_a_directive_requires_brings_its_own_requirements_before_what_others_say_of_it(graph_kb):
    hits = _sources(search(graph_kb, "Chỉ thị 07-CT/TU yêu cầu gì", k=6))
    body = [(source, text) for source, kind, text in hits if kind == "body"]
    assert body[0][0] == "chi-thi-07.txt"
    assert "yêu cầu" in body[0][1]


def test_asking_which_documents_implement_it_puts_the_plan_built_on_it_above_a_mere_mention(graph_kb):
    hits = _sources(search(graph_kb, "Văn bản nào triển khai Chỉ thị 07-CT/TU", k=6))
    citing = [source for source, kind, _ in hits if kind == "body" and source != "chi-thi-07.txt"]
    assert citing.index("ke-hoach-15.txt") < citing.index("bao-cao-40.txt")


def test_asking_which_document_repeals_it_puts_the_repealing_citation_first_in_the_reference_leg(graph_kb):
    # the reference leg alone: the lexical legs find "bãi bỏ" in the decision whatever the question asks
    reference = legs(graph_kb, understand("Văn bản nào bãi bỏ Chỉ thị 07-CT/TU"), None)["reference"]
    hits = graph_kb.store.chunks.hits([chunk for chunk, _ in reference])
    citing = [hits[chunk]["doc_source"].rsplit("/", 1)[-1] for chunk, _ in reference if hits[chunk]["kind"] == "body"]
    citing = [source for source in citing if source != "chi-thi-07.txt"]
    assert citing.index("quyet-dinh-12.txt") < citing.index("ke-hoach-15.txt")


def test_asking_which_documents_implement_it_puts_its_own_card_and_header_below_every_citing_document(graph_kb):
    reference = legs(graph_kb, understand("Văn bản nào triển khai Chỉ thị 07-CT/TU"), None)["reference"]
    hits = graph_kb.store.chunks.hits([chunk for chunk, _ in reference])
    sources = [hits[chunk]["doc_source"].rsplit("/", 1)[-1] for chunk, _ in reference]
    own = [i for i, source in enumerate(sources) if source == "chi-thi-07.txt"]
    others = [i for i, source in enumerate(sources) if source != "chi-thi-07.txt"]
    assert own and others and max(others) < min(own)


def _reference_leg(kb, question):
    reference = legs(kb, understand(question), None)["reference"]
    hits = kb.store.chunks.hits([chunk for chunk, _ in reference])
    return [(hits[chunk]["doc_source"].rsplit("/", 1)[-1], hits[chunk]["kind"], hits[chunk]["text"])
            for chunk, _ in reference]


def test_a_question_about_a_named_document_puts_its_passage_that_answers_first_in_the_reference_leg(graph_kb):
    for question, answer in (("Chỉ thị 07-CT/TU: mỗi tầng bố trí bao nhiêu bình chữa cháy?", "bình chữa cháy"),
                             ("Directive 07-CT/TU: what must be done every quarter?", "mỗi quý"),
                             ("chỉ thị 07 mỗi tầng có mấy bình chữa cháy", "bình chữa cháy"),
                             ("CT 07-CT/TU số bình chữa cháy mỗi tầng", "bình chữa cháy")):  # typed without a question
        source, kind, text = _reference_leg(graph_kb, question)[0]
        assert (source, kind) == ("chi-thi-07.txt", "body") and answer in text, question


def test_a_document_named_with_its_subject_or_asked_who_signed_it_keeps_the_reference_leg_as_it_was(graph_kb):
    for question in ("Chỉ thị 07-CT/TU về phòng cháy chữa cháy", "Chỉ thị 07-CT/TU do ai ký",
                     "Chỉ thị 07-CT/TU nói về vấn đề gì", "What is Directive 07-CT/TU about?"):
        assert _reference_leg(graph_kb, question)[0][1] == "card", question


FRESH_7 = Path(__file__).resolve().parent.parent / "eval" / "fresh-7" / "docs"


@pytest.mark.parametrize("question", [
    "Chỉ thị 09-CT/TU được ký khi nào", "Chỉ thị 09-CT/TU ban hành năm nào", "Chỉ thị 09-CT/TU ký vào bao giờ",
    "Đơn vị nào ban hành Chỉ thị 09-CT/TU", "Chỉ thị 09-CT/TU do ai ban hành", "Who issued Directive 09-CT/TU?",
])
def test_asked_when_or_by_whom_a_directive_was_issued_its_card_leads_the_reference_leg(tmp_path, question):
    """Its body holds "được", "khi", "năm", "nào" too: read as a question about what it says, a passage
    holding them came first and the card, which answers, fell out of the first five."""
    kb = fake_kb_at(tmp_path / "home")
    index_paths(kb, [FRESH_7 / "chi-thi-09-tu-phong-chong-ma-tuy.docx"])
    assert _reference_leg(kb, question)[0][1] == "card"


@pytest.mark.parametrize(("passage", "own"), [
    ("Quyết định này có hiệu lực kể từ ngày 20 tháng 11 năm 2025.", True),
    ("Thông tư liên tịch này có hiệu lực thi hành sau 45 ngày", True),
    ("Điều lệ này có hiệu lực từ ngày ký", True),
    ("Văn bản này có hiệu lực từ ngày ký ban hành", True),
    ("Quyết định số 12/2020/QĐ-UBND hết hiệu lực kể từ ngày Quyết định này có hiệu lực", True),
    ("Nghị định số 15/2020/NĐ-CP có hiệu lực từ ngày 01/4/2020", False),  # another document's
    ("các văn bản đang có hiệu lực", False),
])
def test_a_documents_own_clause_on_taking_effect_names_it_by_its_kind_and_this(passage, own):
    assert states_own_effect(fold(passage).lower()) is own


def test_what_a_question_asks_of_the_documents_it_names_is_what_is_left_without_them():
    assert understand("Quyết định 2916/QĐ-UBND phê duyệt gì").asked == "phê duyệt gì"
    assert understand("Notice 624/TB-VPCP: what does it say about Starlink?").asked.endswith("say about Starlink?")
    assert understand("thủ tục đăng ký tạm trú").asked == ""  # it names no document
    assert unasked(fold("Chỉ thị 05 yêu cầu gì")) == "chi thi 05"


def test_within_a_named_document_a_word_outweighs_its_syllables_scattered(graph_kb):
    """"có hiệu lực từ khi nào": the article holding "hiệu lực" answers, not the one repeating "khi", "có", "từ"."""
    own = [text for source, kind, text in _reference_leg(graph_kb, "Quyết định 30/QĐ-UBND có hiệu lực từ khi nào?")
           if source == "quyet-dinh-30.txt" and kind == "body"]
    assert own[0].startswith("Quyết định này có hiệu lực")


@pytest.mark.parametrize("question", ["Quyết định 30/QĐ-UBND quy định gì", "Quyết định 30/QĐ-UBND quy định những nội dung nào",
                                      "Quyết định 30/QĐ-UBND quyết định những gì"])
def test_asking_what_a_decision_says_reads_its_articles_not_its_header_and_legal_bases(graph_kb, question):
    own = [(source, text) for source, kind, text in _reference_leg(graph_kb, question)
           if source == "quyet-dinh-30.txt" and kind == "body"]
    assert own[0][1].startswith("Phê duyệt kèm theo")  # Điều 1, not the header or the căn cứ


@pytest.mark.parametrize(("question", "passage", "counts"), [
    ("how many households in vinh hau get emergency rice", "ho tro gao cuu doi cho 46 ho voi 168 nhan khau", True),
    ("how many households in vinh hau get emergency rice", "ho tro gao cuu doi cho cac ho bi thiet hai", False),
    ("how many people from dien chau are working abroad", "hien co khoang 2.300 nguoi dang lam viec", True),
    ("how many workers stopped working", "khoang 1.150 trong tong so 1.620 lao dong cua cong ty", True),
    ("how much money did lai vung set aside for the election", "bo tri du toan 486.000.000 dong", True),
    ("how long do conscripts serve in peacetime", "thoi han phuc vu tai ngu la 24 thang", True),
    ("how long do conscripts serve in peacetime", "ha si quan, binh si phuc vu tai ngu", False),
    ("how far from a school gate is selling cigarettes banned", "cach cong truong hoc duoi 100 m", True),
    ("how quickly must commune staff check a report of a child abused", "trong vong 12 gio ke tu khi nhan thong tin", True),
    ("how quickly must commune staff check a report of a child abused", "tiep nhan thong tin tu tong dai", False),
])
def test_an_english_question_counts_what_the_glossary_says_it_counts(question, passage, counts):
    pattern = counted_in_english(question)
    assert pattern is not None and bool(pattern.search(passage)) is counts


@pytest.mark.parametrize(("question", "passage", "counts"), [
    ("người báo tin tìm được hài cốt liệt sĩ thì được thưởng bao nhiêu?", "thưởng 2 triệu đồng cho mỗi thông tin", True),
    ("người báo tin tìm được hài cốt liệt sĩ thì được thưởng bao nhiêu?", "thưởng cho người cung cấp thông tin", False),
    ("nuôi chó không tiêm phòng bị phạt bao nhiêu", "phạt tiền từ 800.000 đồng", True),
    ("me viet nam anh hung duoc kham suc khoe tai nha bao lau mot lan", "kham suc khoe dinh ky 6 thang/lan", True),
    ("phát hiện bom mìn phải báo trong bao lâu", "báo ngay cho xã trong 24 giờ", True),
    ("phát hiện bom mìn phải báo trong bao lâu", "báo ngay cho Ban Chỉ huy quân sự xã", False),
])
def test_a_sum_asked_by_the_verb_that_pays_it_and_a_duration_asked_by_bao_lau(question, passage, counts):
    pattern = counted(question.lower(), fold(question))
    assert pattern is not None and bool(pattern.search(fold(passage))) is counts


def test_how_much_of_a_thing_counts_an_amount_and_how_much_does_counts_nothing():
    pattern = counted_in_english("how much salt did the cooperative harvest in 2025")
    assert pattern is not None and pattern.search("san luong ca vu dat 97.500 tan, tang 8%")
    assert not pattern.search("hop tac xa co 214 thanh vien")
    assert counted_in_english("how much does the collection fee rise") is None
