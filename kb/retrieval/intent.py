"""What a question asks of the documents it names: what they say, or which documents carry them out.

"Chỉ thị 05 yêu cầu gì" wants the directive's own requirements, and the
reference leg alone gives its card and every passage that cites it, which
for a much-cited directive buries what it says under what others say of it.
"Văn bản nào triển khai Chỉ thị 05" wants the documents that implement it,
where a plain mention of the number ranks as high as a plan built on it.
"Văn bản nào sửa đổi Luật 37/2018/QH14" and "Quyết định 14/2025/QĐ-UBND bị bãi bỏ
bởi văn bản nào" want the documents that change or end it: the citations the
indexer read as amending, replacing or repealing it (``indexer.relations``).
The words that tell these apart are few and fixed, matched on folded text
so that a question typed without accents reads the same.
"""

from __future__ import annotations

import re

from indexer.analyzer import fold
from indexer.codes import doc_types
from kb.retrieval.glossary import glossary

__all__ = ["ABOUT", "FOLLOWERS", "FOLLOWING_KINDS", "QUESTION", "TYPE_NAMES", "asks_for_document", "asks_when_in_force",
           "counted", "counted_in_english", "followed_kind", "following", "intent", "states_own_effect", "unasked"]

ABOUT, FOLLOWERS = "about", "followers"
# A question, not a document named with its subject ("Nghị quyết 08/2025/NQ-CP về casino", which its card answers)
# nor a passage of a draft that cites it (``kb.retrieval.related``): a question mark, a question word, "… không" last.
QUESTION = re.compile(r"\?|\b(?:gi|nao|may|bao nhieu|bao lau|bao gio|ai|tai sao|vi sao|ra sao|o dau|what|which|when|who|whom|how"
                      r"|where|why)\b|\b(?:khong|chua)\W*$")
FOLLOWING_KINDS = ("basis", "implements", "guides")  # a document built on the one asked about
# A document that changes or ends the one asked about, by the verb that asks for it.
_CHANGING = (("amends", r"sua doi|bo sung|dieu chinh"), ("replaces", r"thay the"),
             ("repeals", r"bai bo|huy bo|het hieu luc"))
_CHANGE = "|".join(verbs for _, verbs in _CHANGING)

_VERB = (r"trien khai|thuc hien|can cu|huong dan|vien dan|dan chieu|trich dan|dan lai|nhac (?:toi|den|lai)"
         r"|de cap (?:toi|den)"
         r"|ap dung|cu the hoa|quan triet|lam theo|so ket|tong ket"
         r"|implement(?:s|ed|ing)?|cit(?:e|es|ed|ing)|based on|guid(?:e|es|ed|ing)|carr(?:y|ies) (?:out|on)"
         r"|continu(?:e|es|ing)"
         r"|act(?:s|ed|ing)? (?:up)?on")
_KINDS = (r"(?:van ban|quyet dinh|nghi quyet|nghi dinh|thong tu|luat|phap lenh|chi thi|ke hoach|cong van"
          r"|huong dan|ket luan|quy dinh|thong bao|an le)")
# Documents named by their kind and what they do to another, in English: "documents implementing Directive 05",
# "plans that carry out Resolution 18" (not "the decree guiding the Civil Code", which names one document).
_ENGLISH_KIND = (r"(?:document|paper|text|plan|decision|resolution|directive|instruction|decree|circular|programme"
                 r"|program|letter|report|notice)")
_ENGLISH_KINDS = rf"{_ENGLISH_KIND}s"
_CARRY_OUT = (r"implement\w*|carr(?:y|ies|ying|ied) (?:out|on)|continu(?:e|es|ing)|(?:are |is )?based on"
              r"|refer(?:s|red|ring)? (?:back )?to|mention(?:s|ed|ing)?|cit(?:e|es|ed|ing)|follow(?:s|ed|ing)?(?: up)?"
              r"|act(?:s|ed|ing)? (?:up)?on|buil(?:d|ds|t|ding) on"
              r"|(?:(?:issued|made|written|drawn up) )?(?:on the basis of|pursuant to)"
              r"|(?:issued|made|written|drawn up) (?:in line with|under)"
              r"|put(?:s|ting)? (?:\w+ ){0,6}?into (?:practice|effect|action)")
# "Giao huyện nào xây dựng kế hoạch thực hiện": a place asked for, not the documents that carry one out ("các đơn vị
# nào cụ thể hóa" asks for those: their plans).
_NOT_A_PLACE = "".join(rf"(?<!\b{word} )" for word in ("huyen", "tinh", "xa", "phuong", "quan"))
# A document asked for by its kind: "văn bản nào", "quyết định nào" ("trường hợp nào được bổ sung" is no such question).
_WHICH_DOCUMENT = rf"{_KINDS} nao"
# "Văn bản nào triển khai …", "Quyết định nào bãi bỏ …", the passive asked last: "… được sửa đổi bởi văn bản nào",
# "… được UBND xã cụ thể hóa bằng văn bản nào" (its doer between), the documents listed by their kind: "các kế
# hoạch thực hiện Nghị quyết 18", and what was done: "tỉnh đã làm gì để thực hiện …" ("phải làm gì để thực hiện"
# asks what a document requires), "what has the province done to implement …", "có xã nào thực hiện … không".
_FOLLOWERS = re.compile(rf"{_NOT_A_PLACE}\b(?:nao|which|what)\b.*\b(?:{_VERB})\b|\b{_WHICH_DOCUMENT}\b.*\b(?:{_CHANGE})\b"
                        rf"|\b(?:duoc|bi)\s+(?:\w+\s+){{0,4}}?(?:{_VERB}|{_CHANGE})\b.*\b{_WHICH_DOCUMENT}\b"
                        # "… được văn bản nào dẫn lại", "UBND xã cụ thể hóa Nghị quyết 365 bằng văn bản nào" (not "theo
                        # văn bản nào": the one it follows)
                        rf"|\b(?:duoc|bi)\s+{_WHICH_DOCUMENT}\s+(?:\w+\s+){{0,2}}?(?:{_VERB}|{_CHANGE})\b"
                        rf"|\b(?:{_VERB})\b.*\b(?:bang|qua) {_WHICH_DOCUMENT}\b"
                        rf"|\b(?:cac|nhung)\s+{_KINDS}\s+(?:{_VERB}|{_CHANGE})\b"
                        rf"|\bban hanh (?:(?:nhung |cac )?{_KINDS} )?gi\b.*\b(?:{_VERB})\b"
                        rf"|\b{_ENGLISH_KINDS}\s+(?:that |which )?(?:(?:are|were|have been|had been) )?(?:{_CARRY_OUT})\b"
                        # "Is there a commune plan that follows …", "Has any ward carried out …": whether one did
                        rf"|\b(?:is|are) there (?:any |an? )?(?:\w+ ){{0,3}}?{_ENGLISH_KIND}s?\s+(?:that |which )?"
                        rf"(?:{_CARRY_OUT})\b"
                        rf"|\b(?:has|have|did) any (?:\w+ ){{1,3}}?(?:{_CARRY_OUT})\b"
                        # "What was issued to follow up the party conclusion …", "what was issued under the guidance …"
                        rf"|\bwhat (?:\w+ )?(?:was|were|has been|have been|had been) (?:issued|sent out|drawn up)"
                        rf" (?:to (?:{_CARRY_OUT})|under|in response to|following)\b"
                        rf"|\bda lam (?:nhung )?gi (?:de )?(?:{_VERB})\b|\b(?:done|did\b.*\bdo) to (?:{_CARRY_OUT})\b"
                        # "Có xã nào thực hiện công văn … không?": whether any commune did, by its documents
                        rf"|\bco (?:xa|phuong|huyen|tinh|don vi|dia phuong|co quan) nao\b.*\b(?:{_VERB})\b")
# "Which Party document does the letter … implement?": the one a document carries out, not those that carry it out.
_WHAT_IT_FOLLOWS = re.compile(rf"\b(?:does|do|did)\b.*\b(?:{_CARRY_OUT})\W*$")
# A document asked for, in either language: "văn bản nào quy định …", "which law amended …".
_FOR_DOCUMENT = re.compile(rf"\b{_WHICH_DOCUMENT}\b|\bwhich (?:law|decree|decision|circular|document|resolution"
                           r"|directive|plan|precedent|notice|regulation|instruction|conclusion|ordinance)s?\b")
# "What does it say": a verb of saying (a document type's own among them: a conclusion "kết luận", a notice
# "thông báo", a plan "đề ra"), then "gì", or a subject word and "gì" / "nào": "yêu cầu những gì",
# "kết luận những gì", "nói về vấn đề gì", "đề ra những nhiệm vụ nào", "về việc gì".
_SAYS = (r"yeu cau|quy dinh|noi dung|de cap|chi dao|huong dan|noi|sua doi|bo sung|giao|ket luan|thong bao"
         r"|quyet dinh|de ra|de nghi|neu|xac dinh|dat ra|nhan manh|ban")
_WHAT = r"(?: (?:nhung|cac|ve|den))*(?: (?:van de|noi dung|nhiem vu|giai phap|viec) (?:gi|nao)| dieu gi| gi)"
_ABOUT = re.compile(rf"\b(?:(?:{_SAYS}){_WHAT}|ve (?:viec|van de) gi"
                    r"|noi dung (?:chinh|co ban)|tom tat|what does|what do|requires?|say about|provide for"
                    r"|summari[sz]e|summary|main points|key points|overview)\b")


# When a document takes effect: "có hiệu lực từ ngày nào", "hiệu lực khi nào", "áp dụng từ khi nào", "when does it take
# effect", "come into force", "from what date". Not "hết hiệu lực": what ended it is another document's words.
_IN_FORCE = re.compile(r"(?<!het )\bhieu luc\b(?: \w+){0,4} (?:nao|bao gio|chua)\b|(?<!het )\bhieu luc\W*$"
                       r"|\bap dung tu (?:ngay |khi |luc )?(?:nao|bao gio)\b|\bbat dau co hieu luc\b"
                       r"|\b(?:take|takes|took|taken|taking) effect\b|\b(?:come|comes|came|enter|enters|entered) into"
                       r" (?:force|effect)\b|\beffective (?:date|from|as of)\b|\b(?:from|as of|since) what date\b"
                       r"|\bin force from\b")
# The kinds of document by name, folded, as a pattern's alternatives ("chi thi|cong van|…").
TYPE_NAMES = "|".join(sorted({fold(kind.name) for kind in doc_types()}))
# The kind a verb of carrying out governs, a few words after it ("thực hiện tỉnh đảng ban thường vụ chỉ thị …": an
# English question's rendering keeps its order, the owner's words before the kind).
_FOLLOWED_KIND = re.compile(rf"\b(?:{_VERB})\b(?:\W+\w+){{0,8}}?\W+({TYPE_NAMES})\b")
# A document's own clause on when it takes effect, "Quyết định này có hiệu lực kể từ ngày …", by its kind's name (an
# "Điều lệ" has no number of its own; "văn bản này" is any kind).
_OWN_EFFECT = re.compile(rf"\b(?:{TYPE_NAMES}|dieu le|van ban) nay co hieu luc\b")


def intent(folded: str) -> str | None:
    """``FOLLOWERS``, ``ABOUT`` or ``None`` for a folded question (lower case, no accents)."""
    if _FOLLOWERS.search(folded) and not _WHAT_IT_FOLLOWS.search(folded):
        return FOLLOWERS
    if _ABOUT.search(folded):
        return ABOUT
    return None


def asks_for_document(folded: str) -> bool:
    """Whether a folded question asks which document (of a kind) does something: its card answers."""
    return bool(_FOR_DOCUMENT.search(folded))


def asks_when_in_force(folded: str) -> bool:
    """Whether a folded question asks from when a document takes effect: its own closing clause answers."""
    return bool(_IN_FORCE.search(folded))


def states_own_effect(folded: str) -> bool:
    """Whether a folded passage holds its own document's clause on when it takes effect."""
    return bool(_OWN_EFFECT.search(folded))


def unasked(folded: str) -> str:
    """A folded question without the words that ask what a document says ("quy định gì", "what does"):
    what is left names what it is asked about, if anything."""
    return " ".join(_ABOUT.sub(" ", folded).split())


def followed_kind(folded: str) -> str | None:
    """The folded kind of the document a ``FOLLOWERS`` question describes, the first its verb governs: "văn bản
    nào triển khai chỉ thị của Ban Thường vụ Tỉnh ủy về …" → "chi thi" (a question in English, by its glossary
    rendering: "documents that carry out the provincial standing committee's directive on …")."""
    match = _FOLLOWED_KIND.search(folded)
    return match.group(1) if match else None


def following(folded: str) -> tuple[str, ...]:
    """The citation kinds a ``FOLLOWERS`` question asks for: those that change or end the document
    when it names such a verb ("sửa đổi", "thay thế", "bãi bỏ"), else those that build on it."""
    changing = tuple(kind for kind, verbs in _CHANGING if re.search(rf"\b(?:{verbs})\b", folded))
    return changing or FOLLOWING_KINDS


# "bao nhiêu căn hộ", "mấy năm", "bao nhieu ho dan": what a question counts, the word after it.  "mấy" only with its
# tone marks: folded, it is "máy" (a machine) too.
_HOW_MANY = re.compile(r"\b(?:bao nhiêu|bao nhieu|mấy) (\w+)(?: (\w+))?")
# A sum of money or a share is printed with its unit, not with the word that asks for it.
_MONEY, _PERCENT = r"dong|trieu|ty|nghin|ngan|usd", r"%"  # matched in folded text
_MAGNITUDE = r"nghin|ngan|trieu|ty"  # "2,5 triệu lượt khách": the count's magnitude between it and what it counts
_HOW_MANY_ENGLISH = re.compile(r"\bhow (many|much) (\w+)")  # "how many households", "how much money"
# "how long … valid", "how quickly must staff check", "how far from a school gate": a duration or a distance, printed
# with its unit (folded)
_HOW_LONG_ENGLISH = re.compile(r"\bhow (long|quickly|soon|far)\b")
_DURATION, _DISTANCE = r"nam|thang|tuan|ngay|gio|phut", r"m|met|km"
# "how much salt", "how much land", "how much water": an amount, printed with its unit of weight, area or volume
_AMOUNT = r"tan|kg|ta|yen|ha|m2|m²|m3|m³|lit|km2"
_NOT_A_THING = r"does|do|did|is|are|was|were|will|would|can|could|should|has|have|had|of|more|less|longer"
# Asked as a sum ("bao nhiêu vốn", "bao nhiêu kinh phí", "bao nhiêu ngân sách") or a price ("bao nhiêu một khối",
# "bao nhiêu mỗi ca"): answered by a sum of money, as "bao nhiêu tiền" is (the folded word after "bao nhiêu", or two).
_SUMS = {"tien", "von", "kinh phi", "ngan sach", "mot", "moi"}
# "được thưởng bao nhiêu?", "bị phạt bao nhiêu", "mỗi hộ đóng góp bao nhiêu": a sum, asked by the verb that pays it,
# "bao nhiêu" ending the clause (folded)
_PAID = re.compile(r"\b(?:thuong|phat|ho tro|tro cap|boi thuong|chi tra|nop|dong gop|ung ho|thu phi)"
                   r" bao nhieu(?!\s*\w)")
# "bao lâu", "trong bao lâu", "bao lâu một lần": a duration (folded)
_HOW_LONG = re.compile(r"\bbao lau\b")
# A length or a volume is printed with its unit's symbol: "bao nhiêu mét" → "100 m", "bao nhiêu khối" → "5 m3".
_PRINTED_AS = {"met": _DISTANCE, "khoi": r"m3|m³|khoi"}
# People are counted by what they are: "gồm mấy người" → "7 thành viên", "07 đồng chí", "40 học sinh".
_COUNTED_AS = {"nguoi": r"nguoi|thanh vien|dong chi|can bo|hoc sinh|giao vien|dang vien|cu tri|cong dan|luot nguoi"}


def counted_in_english(folded: str) -> re.Pattern[str] | None:
    """``counted`` for a question in English: "how many households" → a number before "hộ" (of "hộ gia đình", "hộ"),
    a number before the first syllable of each Vietnamese sense the glossary gives the thing counted; "how much money"
    → a sum of money, "how much salt" → an amount in a unit of weight, area or volume; "how long", "how quickly", "how
    soon" → a number of years, months, weeks, days, hours or minutes, "how far" → of metres or kilometres.  None for
    "how much does …"."""
    if lasting := _HOW_LONG_ENGLISH.search(folded):
        return _number_before(_DISTANCE if lasting.group(1) == "far" else _DURATION)
    match = _HOW_MANY_ENGLISH.search(folded)
    if match is None:
        return None
    if match.group(1) == "much":
        if match.group(2) in ("money", "funding", "cash"):
            return _number_before(_MONEY)
        return None if re.fullmatch(_NOT_A_THING, match.group(2)) else _number_before(_AMOUNT)
    senses = glossary().translate(match.group(2)).terms
    heads = sorted({fold(sense).split()[0] for sense in senses if sense.strip()} - {"bao", "so"})
    return _counted_things("|".join(map(re.escape, heads))) if heads else None


def _number_before(units: str) -> re.Pattern[str]:
    """A number printed with one of ``units`` (a pattern's alternatives) after it: "24 tháng", "486.000.000 đồng"."""
    return re.compile(rf"\d[\d.,]*\s*(?:{units})\b")


def _counted_things(things: str) -> re.Pattern[str]:
    """A count of ``things`` (a pattern's alternatives), its magnitude between: "46 hộ", "2,5 triệu lượt"."""
    return re.compile(rf"\d[\d.,]*\s*(?:(?:{_MAGNITUDE})\s+)?(?:{things})\b")


def counted(question: str, folded: str) -> re.Pattern[str] | None:
    """What a question (lower case, with or without tone marks; ``folded``, the same folded, as ``Query.folded``
    holds it) asks the number of, as a pattern of that number printed in a folded passage: "bao nhiêu căn hộ" → a
    number before "can", "bao nhiêu tiền" → a number before a unit of money, "bao nhiêu phần trăm" → a percentage,
    "được thưởng bao nhiêu?" → a sum (the verb before it pays), "bao lâu" → a duration.  None when it counts
    nothing."""
    if _HOW_LONG.search(folded):
        return _number_before(_DURATION)
    if _PAID.search(folded):
        return _number_before(_MONEY)
    match = _HOW_MANY.search(question)
    if match is None:
        return None
    word, after = fold(match.group(1)), fold(match.group(2) or "")
    if word in _SUMS or f"{word} {after}" in _SUMS:
        return _number_before(_MONEY)
    if (word, after) in (("phan", "tram"), ("ty", "le")):
        return re.compile(rf"\d[\d.,]*\s*{_PERCENT}")
    if word in _PRINTED_AS:
        return _number_before(_PRINTED_AS[word])
    return _counted_things(_COUNTED_AS.get(word, re.escape(word)))
