"""What a citation says of the cited document: the kind of relation, read from the sentence around it.

A document relies on what it cites after ``Căn cứ`` (basis), carries out what
follows ``Thực hiện`` / ``Triển khai`` (implements), explains what follows
``hướng dẫn thực hiện`` (guides), changes what follows ``sửa đổi, bổ sung``
(amends), and ends what follows ``thay thế`` (replaces) or ``bãi bỏ``, or what
is said to be ``hết hiệu lực`` (repeals).  Anything else is a plain mention.

The cues are data (``_CUES``), matched on the folded text the citation
patterns already run on (``indexer.references``), so accented and unaccented
spellings meet.  A cue governs a citation when it stands close before it (the
other citations of a list in between do not count: "bãi bỏ Quyết định 42 và
Quyết định 07"), or opens its sentence ("Thực hiện Chỉ thị 05 … và Kế hoạch
12 …, Ban Tuyên giáo …"); a sentence opened by ``Căn cứ`` is a basis whatever
else it says, since what it cites is what the document rests on, even a law
"sửa đổi, bổ sung" another.  A few cues follow the citation ("Quyết định số 15
… hết hiệu lực").

Printed documents wrap their lines anywhere, so a line break ends a sentence
only before a list item, a new clause opened by a cue, or a blank line.

A line that ends in ":" with a cue of its own ("Căn cứ:", "Nghị quyết này bãi
bỏ các Nghị quyết:") and no citation gives that cue to the list under it: each
item ("- Nghị định số …", "a) Nghị quyết số …", lines it wraps onto included)
cites what the line announces.  The list ends at a line that is neither an item
of the first item's kind nor the wrapped rest of one.  Only cues that name what
the document does to a list of documents carry down: "thực hiện" over a list is
mostly a procedure's steps ("Cách thức thực hiện:"), and a line ending "như
sau:" or pointing back ("Căn cứ các quy định nêu trên:") opens new text, not a
list of what it cites.

A bullet item that opens with the document it cites ("- Nghị định số
146/2025/NĐ-CP ngày … của Chính phủ quy định …;"), in a list no such line
announces, cites bases: such lists are the "Căn cứ pháp lý" column of a table
of procedures, which reaches the text with its cell borders gone and its
column heading often in another passage, so no heading is there to carry a cue
down.  A list under a line ending in ":" is that line's, whatever its items.

A cue says what the citing document does to the document it governs, not
to everything cited near it.  A law is cited with its history ("Luật Đầu tư
số 61/2020/QH14 đã được sửa đổi, bổ sung một số điều theo Luật số 72/2020/QH14,
Luật số 03/2022/QH15"): the laws it was amended by are named, not acted on,
so they are mentions (bases on a ``Căn cứ`` line, since what a basis was
amended by is part of it).  Replacing a phrase in a document, or repealing
some of its provisions ("Thay thế cụm từ … tại Điều 5 của Luật …", "Bãi bỏ
khoản 4 Điều 33 của Luật …"), leaves it in force: it amends it, and a
document's validity is read from replaces and repeals.  "thực hiện theo"
and "tiếp tục thực hiện" say what a transitional rule follows, "có căn cứ" is
"has grounds" (so are "ghi rõ căn cứ", "cụ thể căn cứ", "theo căn cứ"), and a
cue inside the name of the cited law, or of a law cited before it in the
sentence ("Luật ký kết, gia nhập và thực hiện điều ước quốc tế số …", "Pháp
lệnh Ký kết và thực hiện thỏa thuận quốc tế số … và Quyết định số …"), is no
cue at all; an amending law named by what it amends ("Luật sửa đổi, bổ sung
Điều 170 của Luật doanh nghiệp số 37/2013/QH13") has its own number there.  A
cue's reach skips what joins the laws of one list ("Luật sửa đổi, bổ sung …
của Luật A số …, Luật B số …, …", a law cited by its year with its amenders
included), however long the list; a ";" before a law's name does not end the
sentence, since preambles list the laws they amend so.

A document's own title names what it does: the line "HƯỚNG DẪN" alone,
followed by its subject ("thực hiện Chỉ thị số 05-CT/TW …"), makes a title
that guides what it carries out.  Cues match across a line break, since a
title wraps anywhere ("THỰC\nHIỆN QUYẾT ĐỊNH SỐ 1899 …").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

__all__ = ["BASIS", "KINDS", "MENTIONS", "RULES_VERSION", "Relation", "relations"]

# Raise with every change to the rules: an index stores the kinds it read, and re-reads them when this differs.
RULES_VERSION = 3

BASIS, IMPLEMENTS, GUIDES, AMENDS, REPLACES, REPEALS, MENTIONS = (
    "basis", "implements", "guides", "amends", "replaces", "repeals", "mentions")
# Strongest first: the order a reader wants a citation's kinds in, and the one a document's summary takes.
KINDS = (REPLACES, REPEALS, AMENDS, GUIDES, IMPLEMENTS, BASIS, MENTIONS)

# (kind, folded phrase as a regex, how far before the citation it may stand): folded characters, other
# citations not counted; room for "có hiệu quả các nội dung của".  "thực hiện" is also an everyday verb
# ("cơ quan thuế thực hiện tính lại … theo Nghị định …"): it must stand closer.  "căn cứ" after "có", "đủ",
# "rõ", "cụ thể" or "theo" is a noun, grounds ("Ghi rõ căn cứ khôi phục …", "theo căn cứ quy định tại …"), but
# not across a line break: a title ending "… NHỮNG NĂM TIẾP THEO" stands over its "Căn cứ" line.  Longer
# phrases first.
_CUES: tuple[tuple[str, str, int], ...] = (
    (GUIDES, r"huong dan (?:thuc hien|thi hanh|trien khai)", 80),
    (BASIS, r"(?<!co\s)(?<!du\s)(?<!ro[^\S\n])(?<!cu\sthe[^\S\n])(?<!theo[^\S\n])can cu", 80),
    (IMPLEMENTS, r"(?<!tuc\s)(?<!duoc\s)(?<!viec\s)(?:(?:trien khai )?thuc hien|trien khai)(?!\s+theo(?!\w))", 40),
    (AMENDS, r"(?<!duoc\s)(?:sua doi,? bo sung|sua doi)", 80),
    (REPLACES, r"thay the", 80),
    (REPEALS, r"bai bo", 80),
)
# After the citation, past its date and issuer: "Quyết định số 15/2019/QĐ-UBND … hết hiệu lực".  Not "bị bãi
# bỏ", "được thay thế", "được sửa đổi": lists of procedures and bases say those of other things.
_AFTER_CUES: tuple[tuple[str, str, int], ...] = (
    (REPEALS, r"het hieu luc|ngung hieu luc", 90),
)
# Cues that count only where they open the sentence: "Bổ sung điểm c vào …", "c) Bỏ cụm từ …" amend a part of
# what they cite; elsewhere "bổ sung" is an everyday verb ("bổ sung hồ sơ theo Nghị định …").
_OPENING_CUES: tuple[tuple[str, str, int], ...] = (
    (AMENDS, r"bo sung (?:cac |mot so )?(?:diem|khoan|dieu|chuong|muc|cum tu|phu luc)"
             r"|bo (?:cac |mot so )?(?:cum tu|tu|diem|khoan|dieu|chuong|muc)", 0),
)
# What a replacing or repealing cue acts on when it is a part of the cited document ("Thay thế cụm từ …
# tại Điều 5 của Luật …", "Bãi bỏ khoản 4 Điều 33 của Luật …"): the document stays in force, amended.
_PART = (r"(?<!\w)(?:(?:dieu|khoan|diem|chuong|muc)\s+(?:\d+|[a-z](?!\w)|[ivxlc]+(?!\w))|(?:mot so |cac )?cum tu"
         r"|tu ngu|phu luc|danh muc|(?:cac|mot so)\s+(?:dieu|khoan|diem|quy dinh))")
# A law cited with its history: "Luật X số A đã được sửa đổi, bổ sung một số điều theo Luật số B, Luật số C
# và Luật số D": B, C and D are named, not acted on.
_DATE = r"ngay\s+\d{1,2}(?:\s+thang\s+\d{1,2}\s+nam\s+\d{4}|\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{4})"
_AMENDED_BY = r"(?:da\s+)?duoc\s+sua\s+doi(?:,?\s+bo\s+sung)?(?:\s+mot\s+so\s+dieu)?\s+(?:theo|boi)(?!\w)"
_CHAIN = rf"(?:\s|,|va(?!\w)|{_DATE})*"
# A cited law's name ends right before its number: a cue inside it ("Luật ký kết, gia nhập và thực hiện điều
# ước quốc tế số 41/2005/QH11") is part of the name, not what the citing document does.
_NAME = r"(?<!phap\s)(?<!\w)(?:bo\s+)?(?:luat|phap\s+lenh)(?!\w)"
_NAME_TAIL = r"\s[^;:.“”\"()]{0,80}?(?<!\w)so\s*"
# An amending law named by what it amends: "Luật sửa đổi, bổ sung Điều 170 của Luật doanh nghiệp số 37/2013/QH13"
# is the amending law's own number, its cue part of its name; not after "ban hành", where it is the citing law's
# own title ("Quốc hội ban hành Luật sửa đổi, bổ sung một số điều của Luật Xây dựng số 50/2014/QH13").
_AMENDING_NAME = r"(?<!ban\shanh\s)luat\s+sua\s+doi[^;:.“”\"()]{0,80}?\scua\s+"
# A law cited by its name and year, not its number, with the laws that amended it: "Luật Dầu khí năm 1993 đã
# được sửa đổi, bổ sung một số điều theo Luật số 19/2000/QH10".
_UNNUMBERED = r"\s[^;:.“”\"()]{0,80}?\snam\s+\d{4}\s+"
# What stands between two citations of one list: a date, the amenders' phrase, "và", the parts cited and the
# next law's name ("…, Luật Công chứng số 53/2014/QH13, Luật Dược số …").  A cue's reach does not count it, so
# a preamble's "Luật sửa đổi, bổ sung … của Luật A, Luật B, …" reaches the last law of a long list.
_JOINER = (rf"(?:\s*,?\s*{_DATE})?(?:\s+{_AMENDED_BY})?\s*[,;]?\s*(?:(?:va|hoac)\s+)?"
           r"(?:(?:cac\s+)?(?:dieu|khoan|diem)\s[^;:.“”\"()]{0,60}?\scua\s+)?"
           rf"(?:{_NAME}(?:{_NAME_TAIL}|{_UNNUMBERED}{_AMENDED_BY}\s*))?")
# A sentence ends at . ; : ! ? before a space, but for a ";" before a law's name on the same line: a preamble's
# list of the laws it amends ("… của Luật Đầu tư công số 39/2019/QH14; Luật Nhà ở số 65/2014/QH13; …") is one
# sentence.  A line break ends one only before a list item, a cue or a blank line.
_LAW_AHEAD = rf"[^\S\n]+{_NAME}{_NAME_TAIL}\d"
_LIST_ITEM = r"(?:[-+•*]|\d{1,3}[.)]|[a-z]\)|dieu \d)"
# The kinds a line ending in ":" carries down to its list, and the endings of such a line that open text instead.
_CARRIED = frozenset({BASIS, AMENDS, REPLACES, REPEALS})
_NOT_A_LEAD = r"nhu sau|neu tren|tren day"
_OPENING = r"[\s\"'“*+•-]*(?:(?:\d{1,3}|[a-z])[.)][\s*]*)*"
# A bullet item that opens with the document it cites: the parts of it cited ("Điểm c, d khoản 4 Điều 31"),
# or a law's name before its number ("Luật Đầu tư số"), may stand before the citation; a word like "Tại" may not.
_DOCUMENT_ITEM = (r"[\s\"'“*_]*[-+•][\s*_]*(?:(?:diem|khoan|dieu)\s[\w\s,./]{0,40}?)?"
                  r"(?:(?:bo\s+)?luat\s[^;:.]{0,60}?)?")
# The document's own type on a line of its own, heading its title.
_OWN_GUIDE = r"[\s*_]*huong\s+dan[\s*_]*"


@dataclass(frozen=True)
class Relation:
    """The kind of one citation and the sentence it stands in, as a span of the text."""

    kind: str
    sentence_start: int
    sentence_end: int


def _any(cues: tuple[tuple[str, str, int], ...]) -> re.Pattern[str]:
    """One pattern for the cues, a group named by each kind."""
    phrases: dict[str, list[str]] = {}
    for kind, phrase, _ in cues:
        phrases.setdefault(kind, []).append(_wrapping(phrase))
    return re.compile("|".join(f"(?P<{kind}>(?<!\\w)(?:{'|'.join(p)})(?!\\w))" for kind, p in phrases.items()))


def _wrapping(phrase: str) -> str:
    """``phrase`` with each space matching any run of spaces and line breaks: "thực\\nhiện" is "thực hiện"."""
    return phrase.replace(" ", r"\s+")


@cache
def _reach() -> dict[str, int]:
    return {kind: gap for kind, _, gap in _CUES + _AFTER_CUES}


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    before = "|".join(_wrapping(phrase) for _, phrase, _ in _CUES)
    return {
        "before": _any(_CUES),
        "after": _any(_AFTER_CUES),
        "opening": re.compile(_OPENING + f"(?:{_any(_CUES + _OPENING_CUES).pattern})"),
        "part": re.compile(_PART),
        "amended_by": re.compile(_AMENDED_BY),
        "chain": re.compile(_CHAIN),
        "name": re.compile(_NAME),
        "name_tail": re.compile(_NAME_TAIL),
        "amending_name": re.compile(_AMENDING_NAME),
        "joiner": re.compile(_JOINER),
        "lead": re.compile(rf"(?P<opens_text>(?<!\w)(?:{_NOT_A_LEAD}))?[\s*_]*:[\s*_]*$"),
        "item": re.compile(r"[\s*_\"'“]*(?:(?P<bullet>[-+•])|(?P<number>\d{1,3}[.)])|(?P<letter>[a-z][.)]))(?=\s|$)"),
        "end": re.compile(rf"(?:[.:!?]|;(?!{_LAW_AHEAD}))(?=\s|$)"
                          rf"|\n(?=\s*\n|\s*{_LIST_ITEM}|\s*(?:{before})(?!\w)|{_OWN_GUIDE}\n)"),
        "document_item": re.compile(_DOCUMENT_ITEM + "$"),
        "own_guide": re.compile(_OWN_GUIDE + "\n"),
    }


def _sentence(folded: str, ends: list[int], start: int, end: int) -> tuple[int, int]:
    """The sentence holding ``[start, end)``: from after the last boundary before it to the next after it."""
    first = max((e for e in ends if e <= start), default=0)
    last = min((e for e in ends if e >= end), default=len(folded))
    while first < last and folded[first].isspace():
        first += 1
    return first, last


def _gap(folded: str, start: int, end: int, citations: Sequence[tuple[int, int]]) -> int:
    """Characters between ``start`` and ``end`` outside every citation."""
    inside = sum(max(0, min(c_end, end) - max(c_start, start)) for c_start, c_end in citations)
    return end - start - inside


def _kind(folded: str, sentence: tuple[int, int], span: tuple[int, int],
          citations: Sequence[tuple[int, int]], covered: Sequence[tuple[int, int]]) -> str:
    """The kind one cue gives: the sentence's opening ``Căn cứ``, else the nearest cue before the citation,
    else the cue opening the sentence, else a cue after it, else a mention.

    A cue with another citation before it in the sentence tells what that one does ("Nghị định 280 sửa
    đổi, bổ sung Nghị định 23"), not the citing document; so does a cue after the citation with one after it
    ("Luật 83/2015 … hết hiệu lực … thay bằng Luật …").  A cue inside the name of the cited law, or of a law
    cited before it in the sentence, is none ("Pháp lệnh Ký kết và thực hiện thỏa thuận quốc tế số 33/2007/…
    và Quyết định số 36/2018/…").
    A cue's reach skips the citations and what joins them in a list (``covered``).
    """
    first, last = sentence
    start, end = span
    opening = _patterns()["opening"].match(folded, first, last)
    opening_kind = _cue_kind(opening)
    if opening_kind == BASIS:
        return BASIS
    names = [(_name_start(folded, first, c_start), c_start) for c_start, _ in citations if first <= c_start < start]
    before = [m for m in _patterns()["before"].finditer(folded, first, _name_start(folded, first, start))
              if not _cited_within(citations, first, m.start())
              and not any(n_start <= m.start() < n_end for n_start, n_end in names)
              and _gap(folded, m.end(), start, covered) <= _reach()[str(m.lastgroup)]]
    if before:
        return _cue_kind(before[-1]) or MENTIONS
    if opening_kind:
        return opening_kind
    after = _patterns()["after"].search(folded, end, last)
    if after and _gap(folded, end, after.start(), covered) <= _reach()[str(after.lastgroup)] \
            and not _cited_within(citations, after.end(), last):
        return _cue_kind(after) or MENTIONS
    return MENTIONS


def _name_start(folded: str, first: int, start: int) -> int:
    """Where the name of the law cited at ``start`` begins ("Luật Đầu tư số …", an amending law's "Luật sửa đổi,
    bổ sung … của Luật Đầu tư số …"), or ``start`` when it has none."""
    names = list(_patterns()["name"].finditer(folded, first, start))
    if not names or not _patterns()["name_tail"].fullmatch(folded, names[-1].end(), start):
        return start
    amending = (n.start() for n in reversed(names[:-1])
                if _patterns()["amending_name"].fullmatch(folded, n.start(), names[-1].start()))
    return next(amending, names[-1].start())


def _joiners(folded: str, citations: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans between consecutive citations that only join them in a list (``_JOINER``), holding no cue but
    in the next law's name."""
    ordered = sorted(citations)
    return [(a_end, b_start) for (_, a_end), (b_start, _) in zip(ordered, ordered[1:])
            if a_end < b_start and _patterns()["joiner"].fullmatch(folded, a_end, b_start)
            and not _patterns()["before"].search(folded, a_end, _name_start(folded, a_end, b_start))]


def _outside(folded: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    """``folded[start:end]`` with each of ``spans`` blanked to spaces."""
    chars = list(folded[start:end])
    for s_start, s_end in spans:
        for i in range(max(s_start, start), min(s_end, end)):
            chars[i - start] = " "
    return "".join(chars)


def _amender(folded: str, sentence: tuple[int, int], span: tuple[int, int],
             citations: Sequence[tuple[int, int]]) -> bool:
    """Whether the citation names only a law that amended the one before it (``_AMENDED_BY``)."""
    return any(_patterns()["chain"].fullmatch(_outside(folded, m.end(), span[0], citations))
               for m in _patterns()["amended_by"].finditer(folded, sentence[0], span[0]))


def _partial(folded: str, sentence: tuple[int, int], span: tuple[int, int],
             citations: Sequence[tuple[int, int]]) -> bool:
    """Whether what the sentence does to the citation is done to a part of it (``_PART``): from its last cue, or
    the citation before it, to its name (an amending law's name names parts of another law)."""
    first = sentence[0]
    name = _name_start(folded, first, span[0])
    cues = [m.end() for m in _patterns()["before"].finditer(folded, first, name)]
    prior = [c_end for c_start, c_end in citations if first <= c_start and c_end <= span[0]]
    origin = max([first, *cues, *prior])
    return bool(_patterns()["part"].search(_outside(folded, origin, name, citations)))


def _cited_within(citations: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(start <= c_start and c_end <= end for c_start, c_end in citations)


def _cue_kind(match: re.Match[str] | None) -> str | None:
    return match.lastgroup if match else None


def _lead_kind(folded: str, ends: list[int], line: tuple[int, int],
               citations: Sequence[tuple[int, int]]) -> str | None:
    """The kind a line ending in ":" gives the list under it: its cue's, read as if a citation stood at the
    colon, when that kind carries down and the line cites nothing itself (then the cue is that citation's)
    and quotes nothing."""
    lead = _patterns()["lead"].search(folded, *line)
    if not lead or lead.group("opens_text"):
        return None
    colon = folded.index(":", lead.start(), line[1])
    first, last = _sentence(folded, ends, colon, colon)
    if _cited_within(citations, first, colon) or any(q in folded[first:colon] for q in '“"'):
        return None  # a cue in quotes is part of a name: "cột “Tên văn bản sửa đổi, thay thế” là văn bản sau đây:"
    kind = _kind(folded, (first, last), (colon, colon), citations, citations)
    return kind if kind in _CARRIED else None


def _lists(folded: str, ends: list[int], citations: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of each list under a line ending in ":", with the kind that line carries down
    (see the module's docstring), or ``MENTIONS`` when it carries none."""
    found: list[tuple[int, int, str]] = []
    kind: str | None = None
    marker: str | None = None  # the first item's kind of marker: "-", "+", "•", "number" or "letter"
    start = previous_end = 0
    wrapped = False  # the line before did not end its sentence, so a line without a marker goes on with it
    offset = 0
    for text in folded.split("\n"):
        line = (offset, offset + len(text))
        offset = line[1] + 1
        if not text.strip():
            wrapped = False
            continue
        item = _patterns()["item"].match(text)
        marked = item and (item.group("bullet") or item.lastgroup)
        if kind and marker is None and marked:
            marker = marked
        if kind and not (marked and marked == marker or not marked and wrapped):
            found.append((start, previous_end, kind))
            kind = None
        if (kind in (None, MENTIONS) or not marked) and text.rstrip(" *_").endswith(":"):
            lead = _lead_kind(folded, ends, line, citations)
            if lead or not kind:
                kind, marker, start = lead or MENTIONS, None, offset
        previous_end, wrapped = line[1], not re.search(r"[.;:!?][\s*_]*$", text)
    if kind:
        found.append((start, previous_end, kind))
    return found


def _document_item(folded: str, sentence: tuple[int, int], citations: Sequence[tuple[int, int]]) -> bool:
    """Whether the sentence is a bullet item opening with the document it cites."""
    head = min((c_start for c_start, _ in citations if sentence[0] <= c_start < sentence[1]), default=None)
    return head is not None and bool(_patterns()["document_item"].match(folded, sentence[0], head))


def _ends(folded: str) -> list[int]:
    """Where sentences end, but for the break after a title's own "HƯỚNG DẪN", which its subject goes on."""
    own_guide = _patterns()["own_guide"]
    return [end for end in (m.end() for m in _patterns()["end"].finditer(folded))
            if not (folded[end - 1] == "\n" and own_guide.fullmatch(folded, folded.rfind("\n", 0, end - 1) + 1, end))]


def relations(folded: str, citations: Sequence[tuple[int, int]]) -> list[Relation]:
    """The relation of each citation ``[start, end)`` of ``folded`` (folded text: no diacritics, lower case),
    in the order given, with its sentence as a span of ``folded``.

    A list's carried kind stands in for a mention; a carried basis wins over any kind, as an opening
    ``Căn cứ`` does, and so does the basis of a list of documents no line announces.  In a title headed
    "HƯỚNG DẪN", what the document carries out is what it guides."""
    ends = _ends(folded)
    lists = _lists(folded, ends, citations)
    covered = [*citations, *_joiners(folded, citations)]
    found = []
    for span in citations:
        sentence = _sentence(folded, ends, *span)
        kind = _kind(folded, sentence, span, citations, covered)
        carried = next((k for first, last, k in lists if first <= span[0] < last), None)
        if carried is None and _document_item(folded, sentence, citations):
            carried = BASIS
        if _amender(folded, sentence, span, citations):
            kind = BASIS if BASIS in (kind, carried) else MENTIONS
        elif carried and (kind == MENTIONS or carried == BASIS):
            kind = carried
        if kind in (REPLACES, REPEALS) and _partial(folded, sentence, span, citations):
            kind = AMENDS
        if kind == IMPLEMENTS and _patterns()["own_guide"].match(folded, *sentence):
            kind = GUIDES
        found.append(Relation(kind, *sentence))
    return found
