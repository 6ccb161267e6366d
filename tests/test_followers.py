"""Asked which documents carry out one it describes without its number, the documents citing it come first.

The question finds the described document by its subject (its card first); the documents whose citations resolve
to it (``Documents.citing``) are what it asks for.  A real SQLite index of ``RELATED`` with the test embedder.
"""

from __future__ import annotations

import pytest
from conftest import fake_kb_at, write_tree

from indexer.analyzer import fold
from indexer.parse import frame_part
from kb.indexing import index_paths
from kb.retrieval import intent as intents
from kb.retrieval.arrange import followers_first
from kb.retrieval.query import understand
from kb.retrieval.search import legs

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


PLAN = """ĐẢNG BỘ TỈNH HƯNG YÊN
ĐẢNG ỦY XÃ TIÊN LỮ
Số 80-KH/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Tiên Lữ, ngày 02 tháng 10 năm 2025

KẾ HOẠCH
thực hiện Chỉ thị số 70-CT/TU về tăng cường quản lý đất đai

Thực hiện Chỉ thị số 70-CT/TU ngày 12/8/2025 của Ban Thường vụ Tỉnh ủy Hưng Yên về tăng cường quản lý đất đai, \
xử lý vi phạm trên đất công ích, Đảng ủy xã ban hành Kế hoạch thực hiện như sau:
1. Rà soát toàn bộ quỹ đất công ích trên địa bàn xã trước ngày 30/11/2025.
"""
REPORT = """ĐẢNG BỘ TỈNH HƯNG YÊN
ĐẢNG ỦY XÃ ĐÔNG HƯNG
Số 104-BC/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Đông Hưng, ngày 15 tháng 12 năm 2025

BÁO CÁO
kết quả bốn tháng quản lý đất đai, đất công ích

1. Ngay sau khi Chỉ thị 70-CT/TU ngày 12/8/2025 được ban hành, Ban Thường vụ Đảng ủy xã đã quán triệt đến các chi bộ.
2. Xã đã học tập cách làm theo Kế hoạch số 80-KH/ĐU của Đảng ủy xã Tiên Lữ về rà soát quỹ đất công ích.
"""
INSPECTION = """ĐOÀN KIỂM TRA XÃ TIÊN LỮ
Số 12/BB-ĐKT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Tiên Lữ, ngày 20 tháng 11 năm 2025

BIÊN BẢN
kiểm tra hiện trạng sử dụng đất công ích

Thực hiện Kế hoạch số 80-KH/ĐU ngày 02/10/2025 của Đảng ủy xã, đoàn kiểm tra đã kiểm tra quỹ đất công ích thôn Đông.
"""


def _indexed(tmp_path_factory, files: dict[str, str]):
    """A real index of ``files`` (a name to its text) with the test embedder."""
    docs = tmp_path_factory.mktemp("followers") / "docs"
    write_tree(docs, files)
    kb = fake_kb_at(docs.parent / "home")
    assert index_paths(kb, [docs]).count("indexed") == len(files)
    return kb


@pytest.fixture(scope="module")
def unindexed_kb(tmp_path_factory):
    """A plan and a report carrying out a provincial directive that was never indexed, and a record carrying out
    the plan."""
    kb = _indexed(tmp_path_factory, {"ke-hoach-80.txt": PLAN, "bao-cao-104.txt": REPORT, "bien-ban-12.txt": INSPECTION})
    yield kb
    kb.close()


def test_the_documents_citing_a_directive_never_indexed_are_its_followers(unindexed_kb):
    """The record ranks first and cites the plan, which is in the index and cited, but the question describes a
    directive: the plan and the report that cite the unindexed 70-CT/TU come first, the record after them."""
    kb = unindexed_kb
    files = {d["id"]: d["source"].rsplit("/", 1)[-1] for d in kb.store.documents.listing()}
    by_file = {name: doc for doc, name in files.items()}
    first_two = [row["id"] for name in ("bien-ban-12.txt", "bao-cao-104.txt")
                 for row in kb.store.chunks.of_document(by_file[name])]
    fused = [(chunk, 1.0 - 0.01 * i) for i, chunk in enumerate(first_two)]
    question = "Which documents carry out the provincial Party standing committee's directive on land management?"
    ranked = followers_first(kb, fused, understand(question), None)
    owners = kb.store.chunks.documents_of([chunk for chunk, _ in ranked])
    first = [files[owners[chunk]] for chunk, _ in ranked[:2]]
    assert set(first) == {"ke-hoach-80.txt", "bao-cao-104.txt"}
    assert "70-CT/TU" in kb.store.chunks.hits([ranked[0][0]])[ranked[0][0]]["text"]


WARD_DIRECTIVE = """ĐẢNG BỘ TỈNH HƯNG YÊN
ĐẢNG ỦY XÃ TIÊN LỮ
Số 55-CT/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Tiên Lữ, ngày 20 tháng 8 năm 2025

CHỈ THỊ
về tăng cường quản lý đất đai, đất công ích trên địa bàn xã

Thực hiện Chỉ thị số 70-CT/TU ngày 12/8/2025 của Ban Thường vụ Tỉnh ủy Hưng Yên về tăng cường quản lý đất đai, \
Ban Thường vụ Đảng ủy xã yêu cầu các chi bộ rà soát đất công ích của thôn trước ngày 30/10/2025.
"""
WARD_CHECK = """ĐẢNG ỦY XÃ TIÊN LỮ
CHI BỘ THÔN ĐÔNG
Số 07-BC/CB
ĐẢNG CỘNG SẢN VIỆT NAM
Tiên Lữ, ngày 05 tháng 11 năm 2025

BÁO CÁO
kết quả rà soát đất công ích thôn Đông

Thực hiện Chỉ thị số 55-CT/ĐU ngày 20/8/2025 của Ban Thường vụ Đảng ủy xã, chi bộ đã rà soát 12 thửa đất công ích.
"""


@pytest.fixture(scope="module")
def levels_kb(tmp_path_factory):
    """A commune's directive carrying out a provincial one that was never indexed, a cell's report carrying out the
    commune's, and a plan carrying out the provincial one."""
    kb = _indexed(tmp_path_factory, {"chi-thi-55.txt": WARD_DIRECTIVE, "bao-cao-07.txt": WARD_CHECK,
                                     "ke-hoach-80.txt": PLAN})
    yield kb
    kb.close()


def _after_the_directive(kb, question: str) -> list[str]:
    """The commune's directive's passages ranked first, then arranged for ``question``: the file of each passage."""
    files = {d["id"]: d["source"].rsplit("/", 1)[-1] for d in kb.store.documents.listing()}
    directive = next(doc for doc, name in files.items() if name == "chi-thi-55.txt")
    fused = [(row["id"], 1.0 - 0.01 * i) for i, row in enumerate(kb.store.chunks.of_document(directive))]
    ranked = followers_first(kb, fused, understand(question), None)
    owners = kb.store.chunks.documents_of([chunk for chunk, _ in ranked])
    return [files[owners[chunk]] for chunk, _ in ranked]


@pytest.mark.parametrize("question", [
    "Which documents carry out the provincial Party standing committee's directive on land management?",
    "Những văn bản nào triển khai chỉ thị của Ban Thường vụ Tỉnh ủy về quản lý đất đai?",
])
def test_a_commune_s_document_is_not_the_province_s_the_question_describes(levels_kb, question):
    """The commune's directive ranks first, is a directive and is cited, but the question names the province's:
    the documents citing the unindexed 70-CT/TU come first (the commune's directive among them), not the cell's
    report, which cites only the commune's."""
    ranked = _after_the_directive(levels_kb, question)
    assert set(ranked[:2]) == {"chi-thi-55.txt", "ke-hoach-80.txt"} and "bao-cao-07.txt" not in ranked


def test_a_commune_s_document_is_the_one_a_question_about_the_commune_describes(levels_kb):
    question = "Những văn bản nào triển khai chỉ thị của Ban Thường vụ Đảng ủy xã về quản lý đất công ích?"
    assert _after_the_directive(levels_kb, question)[0] == "bao-cao-07.txt"


@pytest.mark.parametrize("question", [
    "What documents were issued on the basis of the commune's plan on land?",
    "Which plans were issued under the provincial directive on floods?",
    "which documents were issued pursuant to Decree 15",
])
def test_issued_on_the_basis_of_asks_for_followers(question):
    assert intents.intent(fold(question)) == intents.FOLLOWERS


@pytest.mark.parametrize("question", ["What does the plan say under section 2?",
                                      "How much can a household borrow under the scheme?"])
def test_under_alone_asks_for_no_followers(question):
    assert intents.intent(fold(question)) != intents.FOLLOWERS


SEALED_NOTICE = """ĐẢNG BỘ TỈNH QUẢNG TRỊ ĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY XÃ TÀ RỤT
Tà Rụt, ngày 08 tháng 10 năm 2025
Số 2-TB/ĐU

THÔNG BÁO KẾT LUẬN
của Thường trực Đảng ủy xã về công tác xóa mù chữ và Trung tâm học tập cộng đồng

1. Mở hai lớp xóa mù chữ tại các thôn vùng cao trước ngày 15/11/2025.
"""
LITERACY_PLAN = """ỦY BAN NHÂN DÂN XÃ TÀ RỤT
TRUNG TÂM HỌC TẬP CỘNG ĐỒNG
Số: 553/KH-TTHTCĐ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Tà Rụt, ngày 20 tháng 10 năm 2025

KẾ HOẠCH
mở lớp xóa mù chữ năm học 2025 - 2026

Thực hiện Thông báo kết luận số 542-TB/ĐU ngày 08/10/2025 của Thường trực Đảng ủy xã về công tác xóa mù chữ, \
Trung tâm mở hai lớp tại thôn A Vao và thôn Ba Lòng.
"""


@pytest.fixture(scope="module")
def sealed_kb(tmp_path_factory):
    """A scanned notice whose number a seal cut to "2-TB/ĐU", and the plan that cites it as 542-TB/ĐU with its date."""
    kb = _indexed(tmp_path_factory, {"thong-bao-542.txt": SEALED_NOTICE, "ke-hoach-553.txt": LITERACY_PLAN})
    yield kb
    kb.close()


def test_a_notice_whose_number_a_seal_cut_is_named_by_its_citers_date(sealed_kb):
    """The plan cites no document kb read a number for; the notice of its kind, dated the date the plan prints, is
    the one it cites (``Documents.cited_by_its_date``), and the plan comes first for a question describing it."""
    kb = sealed_kb
    files = {d["id"]: d["source"].rsplit("/", 1)[-1] for d in kb.store.documents.listing()}
    by_file = {name: doc for doc, name in files.items()}
    assert kb.store.documents.cited_by_its_date(by_file["thong-bao-542.txt"]) == (
        "TB:542", "TB:542:ĐU", {by_file["ke-hoach-553.txt"]})
    assert kb.store.documents.cited_by_its_date(by_file["ke-hoach-553.txt"]) is None
    notice = [row["id"] for row in kb.store.chunks.of_document(by_file["thong-bao-542.txt"])]
    fused = [(chunk, 1.0 - 0.01 * i) for i, chunk in enumerate(notice)]
    question = "Văn bản nào triển khai thông báo kết luận của Thường trực Đảng ủy xã Tà Rụt về xóa mù chữ?"
    ranked = followers_first(kb, fused, understand(question), None)
    owners = kb.store.chunks.documents_of([chunk for chunk, _ in ranked])
    assert files[owners[ranked[0][0]]] == "ke-hoach-553.txt"



def test_a_document_only_named_by_number_leads_its_reference_leg_by_its_card_then_what_it_is_for(related_kb):
    query = understand("Chỉ thị 05-CT/TW")
    leg = [chunk for chunk, _ in legs(related_kb, query, None)["reference"]]
    owners = related_kb.store.chunks.documents_of(leg)
    files = {d["id"]: d["source"].rsplit("/", 1)[-1] for d in related_kb.store.documents.listing()}
    rows = {row["id"]: row for row in related_kb.store.chunks.of_document(owners[leg[0]])}
    assert files[owners[leg[0]]] == "chi-thi-05-bo-chinh-tri.txt" and rows[leg[0]]["kind"] == "card"
    # then what it is for: its text, not its header nor the plans that cite it
    assert leg[1] in rows and rows[leg[1]]["kind"] == "body" and frame_part(rows[leg[1]]["section"]) is None
    assert "ke-hoach-12-tinh-uy.txt" in {files[owners[chunk]] for chunk in leg}
