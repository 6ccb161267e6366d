"""Questions about a document itself: who signed it, which body issued it, when, what it is about.

Its card and its frame answer those, whatever its body says ("Luật Người cao
tuổi ra đời ngày nào" is not about the Day of the Elderly), so the ranking reads
them apart from questions about what documents say (``kb.retrieval.arrange``).
The patterns match folded text, so a question typed without accents reads the
same; English questions are matched by their own words.
"""

from __future__ import annotations

import re

from kb.retrieval.intent import TYPE_NAMES

__all__ = ["ASKS_ITSELF", "SIGNED_OR_ISSUED", "WHEN_SIGNED", "WHO_SIGNED"]

# "thực hiện" asks when something is done ("… thực hiện vào ngày nào"), unless a kind follows it: then it is the
# document's title ("kế hoạch thực hiện kết luận … ngày nào").
_THUC_HIEN_NOT_IN_A_TITLE = rf"thuc hien(?! (?:{TYPE_NAMES})\b)"

# What a document sets a date for, which a question may ask the date of ("Kế hoạch … ra quân ngày nào"): not its own.
_EVENT = r"(?:to chuc|dien ra|bat dau|ket thuc|khai mac|be mac|hoan thanh|ra quan|phat dong|khai giang)"
# The date a question asks at its end: "… vào ngày nào", "… khi nào", "… bao giờ".
_DATE_ASKED = r"(?:(?:ngay|hom|thoi gian|thoi diem) (?:nao|may)|ngay bao nhieu|khi nao|luc nao|bao gio)"

# A document's kind in English, which a question about its date names it by ("What date is the Lam Thanh record of …").
_KIND_IN_ENGLISH = (r"(?:directive|decision|plan|resolution|guidance|guideline|instruction|report|letter|notice"
                    r"|notification|conclusion|regulation|rule|programme|program|bulletin|document|dispatch|telegram"
                    r"|submission|circular|decree|law|record|minutes|invitation|announcement|proposal)")

# Who signed or issued a document, or when: its card and header say it, whatever its body says. "ký" is not the
# "kỳ" of "định kỳ", "học kỳ" ("tiếp công dân định kì vào ngày nào" asks what a document says).
# "Lãnh đạo nào của UBND tỉnh Vĩnh Long ký báo cáo …": who, the body between ("nhiệm kỳ", "định kỳ" are no signing).
_LEADER_SIGNED = r"(?:dong chi|lanh dao) nao(?: (?!dinh |hoc |thoi |nhiem )\w+){0,6}? (?:da )?k[iy]"
_SIGNED = (r"(?:ai|nguoi|nao)(?: da)? k[iy]|k[iy] boi|\bra (?:vao )?(?:ngay|hom) (?:nao|bao nhieu|may)"
           r"|la cua (?:co quan|don vi) nao"
           r"|(?:(?<!dinh )(?<!hoc )(?<!thoi )k[iy]|ban hanh|phat hanh|thong qua|ra doi)(?: vao)?"
           r" (?:(?:ngay|hom|khi|luc|nam|thang|thoi gian|thoi diem)(?: thang)?(?: nam)?) (?:nao|bao nhieu|may)"
           r"|(?:k[iy]|ban hanh)(?: vao| tu)? bao gio|bao gio (?:k[iy]|ban hanh)|(?:ngay|thoi diem) (?:k[iy]|ban hanh)"
           rf"|ngay ra (?:van ban )?(?:{TYPE_NAMES})\b"
           # "ban hành kế hoạch chuyển đổi phao xốp … vào ngày nào", "thông qua nghị quyết về BHYT toàn dân vào ngày nào": a
           # document of a kind named, its subject between
           rf"|(?:ban hanh|phat hanh|thong qua|\bra|gui|(?<!dinh )(?<!hoc )\bk[iy]) (?:{TYPE_NAMES}|van ban)\b"
           # "trước" ends its gap only as a deadline ("… nộp trước ngày nào"); "… trước bầu cử vào ngày nào" is its subject
           rf"(?:\W+(?!tu (?:ngay|thang|nam|khi)|ap dung|hieu luc|het |{_THUC_HIEN_NOT_IN_A_TITLE}|hoan thanh|xong"
           rf"|truoc {_DATE_ASKED}|cham nhat )\w+){{0,20}}? (?:vao )?{_DATE_ASKED}"
           # "Ban Thường vụ Tỉnh ủy Đồng Tháp kết luận về … (vào) ngày nào", "Khối dân vận xã … báo cáo … ngày nào", "Chủ
           # tịch UBND xã … quyết định thành lập … ngày bao nhiêu", "Văn phòng Điều phối NTM tỉnh Quảng Trị hướng dẫn …
           # vào ngày nào": a body, then its document's kind as its act; not what the act sets a date for ("UBND xã quyết
           # định tổ chức lễ hội vào ngày nào")
           rf"|(?:uy|vu|ubnd|nhan dan|dan van|mttq|to quoc|van phong|so|trung tam|cong an|chi bo|dang bo|ban(?! hanh)|bql"
           rf"|qlda|hoi dong|hoi)(?:(?: -)? \w+){{0,6}}?"
           r" (?:ket luan|bao cao|thong bao|chi thi|huong dan|to trinh|co y kien|quyet dinh"
           # "UBND xã … trình tỉnh xin kinh phí …": a submission up, not "trình hồ sơ" by a deadline
           r"|trinh (?:len )?(?:tinh|thanh pho|huyen|ubnd|hdnd|uy ban|hoi dong|cap tren|so|bo|ban|dang uy|thuong truc))\b"
           rf"(?:\W+(?!(?:{_EVENT}|tu|den|truoc|han|thoi han|cham nhat)\b)\w+){{0,18}}?"
           r" (?:vao )?(?:ngay|hom|thoi gian|thoi diem) (?:nao|bao nhieu|may)"
           r"|\bde ngay(?: thang)? (?:nao|bao nhieu|may)"  # "Công văn … đề ngày (tháng) nào": the date it is dated
           # "HĐND xã … thông qua dự toán … ở kỳ họp nào": the session that passed it, which its closing prints
           r"|\bky hop (?:thu )?(?:nao|may|bao nhieu)|\b(?:at|in|during) (?:which|what) (?:council )?session"
           # "Nghị quyết phục hồi vườn bưởi … của Đảng ủy xã Hương Khê ngày nào?": a document named by its kind and
           # subject, then only its date asked; not what it sets a date for ("Kế hoạch tổ chức lễ hội vào ngày nào")
           # ("từ", "đến", "trước" only as the date's own: "… từ ngày nào", not "tư tưởng", "đến trường"); never past a
           # colon: "Kế hoạch 934/KH-UBND Búng Lao: kéo co, đẩy gậy thi đấu ngày nào?" asks what follows it
           rf"|^(?:{TYPE_NAMES})\b(?:[^\w:]+(?!(?:{_EVENT}|(?:truoc|tu|den) (?:ngay|hom|thang|nam|khi|luc)|hieu luc|ap dung"
           rf"|{_THUC_HIEN_NOT_IN_A_TITLE}"
           # ("giao" of a task, not "giáo dục", "giao thông"; "hạn", not "Hàn Quốc")
           r"|trien khai|yeu cau|de nghi|giao(?! (?:duc|thong|luu|dich|vien))|nop|bao cao|han(?! quoc)|moc|thoi han"
           r"|vao)\b)\w+){1,25}"
           r" (?:ngay|hom) (?:nao|bao nhieu|may)(?=\W*$)"
           # "Công văn đôn đốc hoàn thành … gửi ngày nào": the document's own sending, whatever the words between
           rf"|^(?:{TYPE_NAMES})\b.* (?:gui|k[iy]|ban hanh|phat hanh)(?: di)? (?:vao )?ngay (?:nao|bao nhieu|may)(?=\W*$)"
           r"|(?:(?:co quan|don vi|cap|noi) nao|ai|noi)(?: da)? ban hanh|ban hanh boi|(?:(?:co quan|don vi) nao|ai)(?: da)? gui"
           # "Đảng ủy nào ở Phú Thọ ban hành kế hoạch …", "Cơ quan nào ra hướng dẫn …": the body asked, a place between
           rf"|(?:co quan|don vi|dang uy|cap uy|to chuc) nao(?: (?!chiu |co |tham |duoc |phai )\w+){{0,4}}?"
           rf" (?:da )?(?:ban hanh|ra (?:{TYPE_NAMES}))|{_LEADER_SIGNED}"
           r"|signed|signs|signer|signatory|issued by|who issued|(?:who|which (?:body|agency|office|department)) sent"
           r"|(?:which|what)(?: \w+){0,2} (?:body|agency|authority|office|department|organ|organi[sz]ation|committee"
           r"|council|ministry) (?:issued|adopted|promulgated)"
           r"|(?:when|(?:what|which) (?:date|day|year)) (?:did|were|was)\b[^?]*\b(?:issu|sign|adopt|pass|promulgat|enact"
           r"|publish|send|sent|submit|set up|establish|approv|put out|releas)\w*"
           r"|(?:issued|adopted|passed|promulgated) (?:on|in) (?:what|which) (?:date|day|year)|when (?:is|was)\b[^?]*\bdated"
           # "When did Lý Nhân commune report on …": a body, then its document's kind as its act (not "ask … to report");
           # "… write to its cells about …", "… ask for money to build …", "… make its plan to …"
           r"|(?:when|on what (?:day|date)) did (?:(?!to |ask|tell|told|requir|want)[\w']+ ){1,9}?"
           r"(?:(?:report|conclude|instruct|notify|decide|set|confirm|assign|allocate|guide|direct|propose"
           r"|write) (?:on|about|how|that|what|who|which|its|their|the|to)|announce|ask (?:(?!to )[\w']+ ){0,3}?for"
           # "… warn about fake jobs", "… answer Nghi Xuan about loans": a letter's act, its addressee between
           r"|(?:warn|remind|urge|answer|reply|respond|invite) (?:[\w']+ ){0,3}?(?:on|about|of|that|regarding)"
           r"|(?:make|draw up|draft|adopt) (?:its|their|a|the) (?:[\w']+ ){0,2}?(?:plan|programme|program|directive"
           r"|resolution|notice|guidance|instruction))|what date is (?:on|of)"
           # "What is the date of the Tua Chua guidance on …": a document's date, not "the date of the elections"
           rf"|what(?:(?: is|'s) the date (?:of|on)| date is the) (?:\S+ ){{0,8}}?{_KIND_IN_ENGLISH}s?\b"
           # "Ngày nào UBKT Tỉnh ủy ra thông báo kết luận …": the date asked first, then the document's making
           rf"|^(?:vao )?(?:ngay|hom) nao(?: \w+){{0,12}}? (?:ra|ban hanh|phat hanh|k[iy]|gui) (?:{TYPE_NAMES}|van ban)\b"
           # "Date of the Loc Thanh commune Party resolution on …": its owner's words between
           rf"|date of (?:the )?(?:[\w']+ ){{0,6}}?{_KIND_IN_ENGLISH}s?"
           # "Kế hoạch tổ chức Ngày Chủ nhật xanh … của Ban Thường trực MTTQ phường … ngày tháng năm nào": a document named
           # first, then its full date asked, whatever event its subject names
           rf"|^(?:{TYPE_NAMES})\b.* ngay thang(?: nam)? (?:nao|bao nhieu|may)(?=\W*$)")

SIGNED_OR_ISSUED = re.compile(rf"\b(?:{_SIGNED})\b")

# Of those, the questions that ask who signed: the signature in the closing shows the signer as printed, the
# header (organ, number, place and date) does not.
WHO_SIGNED = re.compile(rf"\b(?:(?:ai|nguoi) (?:da )?k[iy]|k[iy] boi|(?:ong|ba) nao (?:da )?k[iy]|{_LEADER_SIGNED}"
                        r"|who signed|who signs|signer|signatory|signed by)\b")

# Of those, the questions that ask when as well ("ký ngày nào, ai ký?"): the card says both, the header's place-and-date
# line one and the signature the other.
WHEN_SIGNED = re.compile(rf"\b(?:{_DATE_ASKED}|when|what date|which date|on what day)\b")

# A question about the document itself, which its card answers, not its body: who signed it, when, which body,
# what it is about (its subject, "về việc …": "nói về vấn đề gì", "What is Decision 210/2025 about?").
ASKS_ITSELF = re.compile(rf"\b(?:{_SIGNED}"
                         r"|noi ve (?:van de |viec )?gi|ve (?:van de|viec) gi|trich yeu"
                         r"|when was|what date|which (?:body|agency|authority|office))\b"
                         r"|\bwhat is\b[^?]*\babout\W*$")
