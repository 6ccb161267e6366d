"""What a question asks of the documents it names (kb.retrieval.intent), and how the reference leg follows it."""

from __future__ import annotations

import pytest

from indexer.analyzer import fold
from kb.indexing import index_paths
from kb.retrieval.intent import ABOUT, FOLLOWERS, intent
from kb.retrieval.search import search
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
])
def test_the_question_says_whether_it_asks_what_a_document_says_or_what_carries_it_out(question, expected):
    assert intent(fold(question)) == expected


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


@pytest.fixture(scope="module")
def graph_kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("graph-docs")
    for name, text in (("chi-thi-07.txt", DIRECTIVE), ("ke-hoach-15.txt", PLAN), ("bao-cao-40.txt", REPORT)):
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
