"""Reading names in headers and signatures: casing, bodies and people.

The rules here read the word lists of ``data/codes.json`` (organ heads,
positions, proper phrases) through ``indexer.codes``; metadata extraction
calls them to turn ``BAN THƯỜNG VỤ`` into ``Ban Thường vụ`` and to find a
signer's name under a position line.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from indexer.analyzer import fold, nfc, normalize
from indexer.codes import issuers, word_list

__all__ = ["proper_case", "starts_with", "surnames", "starts_with_spelled", "complete_body", "committee_under",
           "full_issuer", "header_issuer", "lowered_list",
           "mostly_capitals", "person_name", "AUTHORITY", "SIGNED_MARK"]


# Words after which a locality name follows; these stop it ("tỉnh Bắc Ninh năm 2026").
_NOT_A_PLACE = {"và", "về", "năm", "giai", "đoạn", "trong", "theo", "cho", "của", "các", "lần", "thứ", "nhiệm", "kỳ",
                "đến", "tại", "trên", "địa", "bàn", "đối", "với", "khóa", "hội", "nhà", "-", "–"}
# The words before "ủy" in a local Party committee, whose place name follows: "Tỉnh ủy Quảng Ninh".
_LOCAL_COMMITTEES = {"tỉnh", "thành", "huyện", "quận", "thị"}
# After "Đảng ủy", "Đảng bộ": words of a level or a kind of organisation, not a body's name ("Đảng bộ các cơ quan",
# "Đảng ủy cấp trên", "Đảng bộ tp Hồ Chí Minh"); the levels themselves are the data's ``localities``.
_LEVEL_WORDS = frozenset({"các", "cơ", "cấp", "tp", "tp."})
# After a Party organisation, no body's name opens on these: its level ("Đảng ủy các cơ quan") or a function word
# ("Nghị quyết của Chi bộ về công tác").
_NO_BODY_AFTER_ORGANISATION = _LEVEL_WORDS | _NOT_A_PLACE
# A syllable's opening consonants, which OCR or a spaced heading may leave alone ("TRƯ Ở NG"): not an abbreviation.
_CONSONANT_CLUSTERS = frozenset({"ng", "ngh", "nh", "ch", "tr", "gh", "kh", "ph", "th", "gi", "qu"})
# Roman numerals are kept only after the words that introduce them ("khóa XII", "lần thứ XIII", "khu vực II", "Khu Quản
# lý đường bộ I").
_ROMAN_BEFORE = {"khóa", "khoá", "thứ", "hội", "phần", "chương", "mục", "vực", "bộ"}


@cache
def _phrase_casing() -> tuple[re.Pattern[str], dict[str, str]]:
    phrases = [*word_list("proper_phrases"), *word_list("positions"), *(i.name for i in issuers())]
    table = {p.lower(): p for p in sorted(phrases, key=len)}
    alternation = "|".join(re.escape(p) for p in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), table


@cache
def _acronyms() -> frozenset[str]:
    return frozenset(nfc(s).upper() for i in issuers() for s in (i.code, *i.symbols) if len(s) >= 3)


def _unpronounced(word: str) -> bool:
    """Capitals with no vowel, which no Vietnamese syllable is: an abbreviation ("LĐLĐ", "CCB", "TNHH"), not a
    syllable's consonants cut from it ("TRƯ Ở NG BAN")."""
    return (len(word) >= 2 and word.isalpha() and word.isupper() and not re.search(r"[aeiouy]", fold(word))
            and fold(word) not in _CONSONANT_CLUSTERS)


@cache
def lowered_list(name: str) -> frozenset[str]:
    """A data word list in small letters, as ``proper_case`` compares the words it lowers."""
    return frozenset(w.lower() for w in word_list(name))


@cache
def _name_openers() -> tuple[str, ...]:
    """``name_openers`` in small letters, as ``str.endswith`` takes them."""
    return tuple(lowered_list("name_openers"))


def mostly_capitals(text: str) -> bool:
    """Printed in capitals; a stray small letter ("TTg", "CT.08") is tolerated."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _capitalise(word: str) -> str:
    """The word with its first letter in capitals, and the first after an apostrophe: a place of the Highlands
    ("B'Lao", "R'Lấp")."""
    for i, char in enumerate(word):
        if char.isalpha():
            head, apostrophe, rest = (word[:i] + char.upper() + word[i + 1 :]).partition("'")
            return head + apostrophe + (_capitalise(rest) if apostrophe else "")
    return word


def _phrase_words(lowered: str, pattern: re.Pattern[str]) -> set[int]:
    """Indexes of the words of ``lowered`` inside a known phrase: their casing is the table's."""
    return {i for m in pattern.finditer(lowered) for i in range(lowered.count(" ", 0, m.start()),
                                                                 lowered.count(" ", 0, m.end()) + 1)}


def proper_case(text: str, is_name: bool = True) -> str:
    """Sentence case for a line printed in capitals, keeping names capitalised.

    ``ĐẢNG ỦY KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH`` → ``Đảng ủy Khối Cơ quan -
    Doanh nghiệp tỉnh``; ``ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH`` → ``Ủy ban nhân dân
    tỉnh Hà Tĩnh``; ``PHÓ BÍ THƯ`` → ``Phó Bí thư``.  Known names come from
    the data file; the name after ``Ban``/``Bộ``/``Khối`` and a place after
    ``tỉnh``/``huyện`` are capitalised.  A name (``is_name``) also starts
    with a capital and capitalises after a dash ("Cơ quan - Doanh nghiệp"),
    which a phrase does not ("kinh tế - xã hội").  Mixed-case text is
    returned as printed: someone already chose its capitals.
    """
    if not mostly_capitals(text):
        return text
    pattern, table = _phrase_casing()
    fixed = _phrase_words(text.lower(), pattern)
    words = pattern.sub(lambda m: table[m.group().lower()], text.lower()).split(" ")
    originals = text.split(" ")
    heads, localities = lowered_list("name_heads"), lowered_list("localities")
    place_left = 0
    for i, word in enumerate(words):
        bare = word.strip(".,;:()").lower()
        previous = words[i - 1].lower() if i else ""
        two_before = f"{words[i - 2].lower()} {previous}" if i > 1 else ""
        # "Bộ Tài chính", "Khối Cơ quan", "Bệnh viện Đa khoa": only a head that itself opens a name ("của bộ máy",
        # "Đảng bộ tỉnh"), outside a known phrase ("Phó Cục trưởng")
        opens_name = i not in fixed and ((previous in heads and words[i - 1][:1].isupper())
                                         or (two_before in heads and words[i - 2][:1].isupper()))
        # "Đảng ủy Công an tỉnh", "Đảng đoàn Hội …": the Party organisation of a body, not of a level ("Đảng ủy xã")
        following = words[i + 1].strip(".,;:()").lower() if i + 1 < len(words) else ""
        opens_name |= (two_before in lowered_list("party_organisations") and i not in fixed
                       and not {bare, f"{bare} {following}"} & localities and bare not in _NO_BODY_AFTER_ORGANISATION)
        # "Thành ủy Hội An", "Đảng ủy phường Hội Phú": right after a committee or a ward, "hội" names its place ("xã
        # hội" after "xã" does not)
        names_place = bare == "hội" and (previous in ("ủy", "uỷ", "phường")) and place_left == 3 \
            and words[i + 1:i + 2] != ["nghị"]
        if (bare in _NOT_A_PLACE and not names_place) or any(c.isdigit() for c in word) \
                or previous[-1:] in (",", ";", ")"):
            place_left = 0
        printed = nfc(originals[i]).strip(".,;:()") if i < len(originals) else ""
        acronym = (printed in _acronyms() and not place_left) or _unpronounced(printed)
        if acronym or i < len(originals) and any(c.isdigit() for c in word):  # a place's syllable: "XÃ THU LŨM"
            words[i] = originals[i]
        elif re.fullmatch(r"[ivxlc]+", bare) and previous in _ROMAN_BEFORE:
            words[i] = word.upper()
        elif ((i == 0 or previous in ("-", "–")) and is_name) or opens_name or place_left:
            words[i] = _capitalise(word)
        place_left = max(place_left - 1, 0)
        local = (bare in localities or f"{previous} {bare}" in localities) and i not in fixed
        committee = bare in ("ủy", "uỷ") and previous in _LOCAL_COMMITTEES  # "Tỉnh ủy Quảng Ninh"
        if (local or committee) and word == word.strip(",;"):
            place_left = 3
        if is_name and f"{two_before} {bare}".endswith(_name_openers()) and word == word.strip(",;"):
            place_left = 6  # "Trường Đại học Hồng Đức", "Công ty TNHH Một thành viên Thủy lợi Bắc Nghệ An": a name follows
    return " ".join(_province_at_end(words) if is_name else words)


@cache
def _provinces_longest_first() -> tuple[str, ...]:
    """``provinces`` in small letters, the longest first."""
    return tuple(sorted(lowered_list("provinces"), key=len, reverse=True))


def _province_at_end(words: list[str]) -> list[str]:
    """A body's province printed after its name with no word to introduce it ("SỞ Y TẾ HÀ TĨNH"), capitalised; the
    longest name first ("Thừa Thiên Huế", not "Huế")."""
    for province in _provinces_longest_first():
        size = province.count(" ") + 1
        if " ".join(words[-size:]).lower().strip(".,;:()") == province:
            return words[:-size] + [_capitalise(word) for word in words[-size:]]
    return words


@cache
def _opening(list_name: str, spelled: bool) -> re.Pattern[str]:
    """The phrases of a data word list at the start of a text: folded, or ``spelled`` (accents kept, lower case,
    and the phrase must go on as a name: no comma or stop right after it).  Folded, the list leaves out its phrases
    that fold like common words (``matched_as_spelled``), which ``_spelled_only`` reads."""
    phrases = word_list(list_name)
    return _phrases_at_start(phrases if spelled else [p for p in phrases if p not in _matched_as_spelled()], spelled)


@cache
def _spelled_only(list_name: str) -> re.Pattern[str] | None:
    """A data word list's phrases that fold like common words, read as spelled ("Đội", not "đổi"); None if it has none."""
    phrases = [p for p in word_list(list_name) if p in _matched_as_spelled()]
    return _phrases_at_start(phrases, True) if phrases else None


@cache
def _matched_as_spelled() -> frozenset[str]:
    return frozenset(word_list("matched_as_spelled"))


def _phrases_at_start(phrases: list[str] | tuple[str, ...], spelled: bool) -> re.Pattern[str]:
    key = (lambda word: normalize(word).lower()) if spelled else fold
    words = sorted(map(key, phrases), key=len, reverse=True)
    end = r"(?!\w)(?!\s*[,;.:])" if spelled else r"(?!\w)"
    return re.compile(rf"^(?:{'|'.join(map(re.escape, words))}){end}")


def starts_with(list_name: str, text: str) -> bool:
    """Whether ``text`` opens with a phrase of a data word list, accents and case ignored; a phrase that folds like a
    common word only as spelled ("ĐỘI QUẢN LÝ THỊ TRƯỜNG" opens with "Đội", "ĐỔI SỐ" does not)."""
    spelled_only = _spelled_only(list_name)
    return bool(_opening(list_name, False).match(fold(text))
                or spelled_only is not None and spelled_only.match(normalize(text).lower()))


def starts_with_spelled(list_name: str, text: str) -> bool:
    """Whether ``text`` opens with a phrase of a data word list as spelled, case ignored, and goes on as a name.

    A title wrapped in capitals puts a syllable that folds like an organ at the head of a line
    ("CÔNG" / "BỐ DANH MỤC …", "BÃI" / "BỎ QUYẾT ĐỊNH …", "QUY TRÌNH NỘI" / "BỘ, ĐIỆN TỬ …"):
    only the accents tell "BỐ" and "BỎ" from "BỘ", and a comma after it ends a phrase, not a name.
    """
    return bool(_opening(list_name, True).match(normalize(text).lower()))


# "… của Ban Thường vụ Tỉnh ủy": the committee authored a cited document, it is not the speaker.
_AUTHORSHIP_BEFORE = re.compile(r"(?:của|do)\s+(?:\S+\s+){0,3}$", re.IGNORECASE)


def _committee_mentions(text: str) -> list[str]:
    """Party committees named in ``text`` other than as authors of cited documents,
    each with the rest of its name ("Đảng ủy Khối các cơ quan tỉnh")."""
    continuations = {fold(w) for w in word_list("name_continuations")}
    heads = "|".join(re.escape(h) for h in sorted(word_list("parent_heads"), key=len, reverse=True))
    mentions = []
    for match in re.finditer(rf"(?<!\w)(?:{heads})(?!\w)", text, re.IGNORECASE):
        if _AUTHORSHIP_BEFORE.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        words = [match.group()]
        for token in text[match.end() :].split("\n", 1)[0].split()[:8]:
            word = token.rstrip(".,;:)")
            if not word or not (word[0].isupper() or fold(word) in continuations):
                break
            words.append(word)
            if word != token:
                break
        while words[-1] in ("-", "các"):
            words.pop()
        mentions.append(" ".join(words))
    return mentions


def complete_body(body: str, text: str) -> str:
    """``Ban Thường vụ`` alone names no one: add the committee that ``text``
    speaks for, the one it mentions most (a longer name absorbs its prefixes:
    "Đảng ủy Khối" counts for "Đảng ủy Khối các cơ quan tỉnh")."""
    if fold(body) not in {fold(b) for b in word_list("bodies_needing_parent")}:
        return body
    mentions = _committee_mentions(text)
    if not mentions:
        return body

    def support(name: str) -> tuple[int, int]:
        key = fold(name)
        return sum(key.startswith(fold(m)) or fold(m).startswith(key) for m in mentions), len(name)

    return f"{body} {max(set(mentions), key=support)}"


# A province's or a city's Party organisation, which issues nothing: its committees do.
_PARTY_ORGANISATION = re.compile(r"^dang bo (?:tinh|thanh pho)\b")
# The committees a document of a commune, a ward, a district or a province is issued by, the longest first.
_LOCAL_COMMITTEES_LONGEST_FIRST = ("đảng ủy xã", "đảng ủy phường", "đảng ủy thị trấn", "đảng ủy đặc khu", "huyện ủy",
                                   "quận ủy", "thị ủy", "thành ủy", "tỉnh ủy", "đảng ủy")


def committee_under(organisation: str, place: str | None, text: str) -> tuple[str, str] | None:
    """The committee that issued a document whose header OCR read as its Party organisation alone, and that
    organisation: "Đảng bộ tỉnh Đồng Tháp", the committee's line under it garbled by a seal.  The committee is
    the one printed after it on its line ("ĐẢNG BỘ TỈNH BẮC NINH -ĐẢNG ỦY XÃ NHÃ NAM"), else the one ``text``
    names most, at ``place``, where its date line says it sits ("Huyện ủy" at "Minh Hóa"); None for any other
    issuer."""
    if not _PARTY_ORGANISATION.match(fold(organisation)):
        return None
    printed = normalize(organisation)
    lowered = printed.lower()
    for head in _LOCAL_COMMITTEES_LONGEST_FIRST:
        if (at := lowered.find(head, 1)) > 0:
            return printed[at:].strip(" .,;:-_"), printed[:at].strip(" .,;:-_")
    if not place:
        return None
    named = (normalize(mention).lower() for mention in _committee_mentions(text))
    heads = Counter(committee for mention in named
                    if (committee := next((h for h in _LOCAL_COMMITTEES_LONGEST_FIRST if mention.startswith(h)), None)))
    if not heads:
        return None
    # "Đảng ủy" alone counts for the commune's or the ward's committee the text names with its level
    best = max(heads, key=lambda head: (heads[head] + (heads["đảng ủy"] if head.startswith("đảng ủy ") else 0),
                                        head != "đảng ủy"))
    return f"{best[:1].upper()}{best[1:]} {place}", printed.strip(" .,;:-_")


# "(Đã ký)", "(ký tên, đóng dấu)", "Đã ký:", image placeholders and an e-signature stamp ("ePas: 179676") printed where
# the signature was.
SIGNED_MARK = re.compile(r"\((?=[^()]{0,40}\bký\b)[^()]{0,40}\)|\(?\s*đã\s+ký\s*:?\s*\)?|\[[^\]]*\]"
                         r"|\b[^\W\d_]+\s*:\s*\d+\b", re.IGNORECASE)
# Signing for someone: thay mặt (T/M, TM.), ký thay (K/T, KT.), thừa lệnh (T/L, TL.), thừa ủy quyền (T/UQ, TUQ.),
# quyền (Q.).  Party documents write the slash (Hướng dẫn 36-HD/VPTW), state documents the dot (Nghị định 30/2020).
AUTHORITY = re.compile(r"^(?P<kind>T/?M|K/?T|T/?L|T/?UQ|Q)(?:\s*[./]\s*|\s+)(?P<rest>\S.*)$")
# One syllable of a person's name.
# One syllable, or two joined by an apostrophe as Ê Đê and Gia Rai names write them ("H'Lim Niê", "Y'Bih").
_NAME_WORD = re.compile(r"^[^\W\d_]{1,7}(?:['’][^\W\d_]{1,7})?$")
_APOSTROPHE = re.compile(r"['’]")
_NAME_LETTERS = 3  # a line with fewer letters under a position is a signature's strokes read as marks ("/N 7)")
_STROKE = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")  # a signature's stroke across a name, read "Nguyễn-Văn Tâm"


@cache
def surnames() -> frozenset[str]:
    """The data file's ``surnames``, folded."""
    return frozenset(fold(surname) for surname in word_list("surnames"))


def _without_rank(text: str) -> str:
    """A name without the rank or title before it ("Đại tá", "TS.", "Ông").  "Ông" is a surname too: "Ông Văn
    Thuận" is a name whole, and "Ông" before a surname ("Ông Nguyễn Văn An") is the title."""
    for prefix in sorted(word_list("name_prefixes"), key=len, reverse=True):
        if not text.lower().startswith(prefix.lower() + " "):
            continue
        rest = text[len(prefix) :].strip()
        if fold(prefix) not in surnames() or not rest or fold(rest.split()[0]) in surnames():
            text = rest
    return text


def _name_words(text: str) -> list[str] | None:
    """The syllables of (part of) a name, rank and "(Đã ký)" removed; None
    unless every word is one capitalised syllable ("Lê Thanh Giang", "Y Bih Niê") or two joined by an
    apostrophe ("H'Lim")."""
    text = _without_rank(_STROKE.sub(" ", SIGNED_MARK.sub(" ", text)).strip(" .,"))
    words = text.split()
    if not 1 <= len(words) <= 6 or not all(_NAME_WORD.match(w) and re.search("[aeiouy]", fold(w)) for w in words):
        return None  # every syllable has a vowel: "TRƯ Ở NG BAN" is debris, not a name
    syllables = [_APOSTROPHE.split(w) for w in words]
    if all(w.isupper() for w in words):
        titled = starts_with("positions", text) or starts_with("organ_heads", text)
        return None if titled or len(words) < 2 else ["'".join(s.capitalize() for s in word) for word in syllables]
    capitalised = all(s[:1].isupper() and s[1:] == s[1:].lower() for word in syllables for s in word)  # "Y", "H'Lim"
    return words if capitalised else None


def person_name(lines: list[str]) -> str | None:
    """A signer's name from the lines under the position.  A web page may wrap
    it ("Trần" / "Chí Hùng"), so up to three short lines are joined; a line in
    capitals after a name is the annex title that follows it ("PHỤ LỤC").  Words
    in capitals with a position under them are the end of a wrapped organ
    ("TM. ỦY BAN" / "NHÂN DÂN" / "KT. CHỦ TỊCH"): the signer signs under the position."""
    kept = [_before_capitals(line) for line in lines if not SIGNED_MARK.fullmatch(line.strip())
            and sum(c.isalpha() for c in line) >= _NAME_LETTERS][:3]
    words: list[str] = []
    used = 0
    for line in kept:
        part = _name_words(line)
        if part is None or (words and (mostly_capitals(line) or len(words) >= 3)) or len(words) + len(part) > 6:
            break
        words += part
        used += 1
    if len(words) < 2:
        return None
    if mostly_capitals(kept[0]) and any(starts_with("positions", _signed_for(line)) for line in kept[used:]):
        return None
    return " ".join(words)


def _before_capitals(line: str) -> str:
    """A name with the annex title a PDF ran into its line cut off ("Nông Văn Quỳnh DANH SÁCH ĐẢNG VIÊN …"): the
    words before two in capitals, when two or more precede them."""
    words = line.split()
    cut = next((i for i in range(2, len(words) - 1)
                if all(len(w) > 1 and w.isupper() for w in words[i:i + 2])), len(words))
    return " ".join(words[:cut]) if cut < len(words) and not mostly_capitals(" ".join(words[:cut])) else line


def _signed_for(line: str) -> str:
    """A line without the authority it opens with: "KT. CHỦ TỊCH" → "CHỦ TỊCH"."""
    authority = AUTHORITY.match(line.strip())
    return authority.group("rest") if authority else line


def header_issuer(organs: list[str]) -> tuple[str | None, str | None]:
    """The issuer and its parent from the header's organ lines, the issuer printed last.

    Two lines that together are one known issuer's name are that issuer, the
    lower line its parent: "HỘI ĐỒNG THẨM PHÁN / TÒA ÁN NHÂN DÂN TỐI CAO" is
    the council of the court, not the court."""
    if not organs:
        return None, None
    if len(organs) > 2 and all(starts_with("local_departments", organ) for organ in organs[-2:]):
        # a joint plan of two departments under their province: both issue it ("Sở Giáo dục và Đào tạo" and
        # "Sở Văn hóa, Thể thao và Du lịch" under "UBND tỉnh Bắc Ninh"), neither is the other's parent
        return " – ".join(full_issuer(organ, organs[-3]) for organ in organs[-2:]), organs[-3]
    if len(organs) > 1:
        joined = fold(f"{organs[-2]} {organs[-1]}")
        known = next((i.name for i in issuers() if any(fold(name) == joined for name in i.names)), None)
        if known:
            return known, organs[-1]
    parent = organs[-2] if len(organs) > 1 else None
    return full_issuer(organs[-1], parent), parent


def full_issuer(issuer: str, parent: str | None) -> str:
    """The issuer's name as it is cited, where the header prints it under its parent:
    "Ban Tổ chức" under "Ban Chấp hành Trung ương" is the "Ban Tổ chức Trung ương" (a
    known issuer of the data file), "Sở Giáo dục và Đào tạo" under "UBND tỉnh Quảng Ninh"
    the "Sở Giáo dục và Đào tạo tỉnh Quảng Ninh"."""
    if not parent:
        return issuer
    if fold(issuer) in {fold(b) for b in word_list("bodies_needing_parent")}:
        return f"{issuer} {parent}"  # "Ban Chấp hành" / "Đảng bộ tỉnh Thanh Hóa"
    if fold(parent).endswith("trung uong"):
        central = (i.name for i in issuers() if fold(i.name).startswith(fold(f"{issuer} Trung ương")))
        return next(central, issuer)
    generic = next((g for g in word_list("generic_organs") if fold(parent).startswith(fold(g) + " ")), None)
    if generic and starts_with("local_departments", issuer) and not fold(issuer).endswith(fold(parent[len(generic):])):
        return f"{issuer} {parent[len(generic):].strip()}"
    return _party_issuer(issuer, parent)


# The committee a Party organisation of each level elects, whose boards a header may print under the organisation.
_COMMITTEE_OF_LEVEL = {"tinh": "Tỉnh ủy", "thanh pho": "Thành ủy", "huyen": "Huyện ủy", "quan": "Quận ủy",
                       "thi xa": "Thị ủy"}
_LEVELLED = frozenset(fold(committee) for committee in _COMMITTEE_OF_LEVEL.values())  # the name says its level
# A committee's boards, named with it on one line: "BAN TUYÊN GIÁO VÀ DÂN VẬN TỈNH ỦY", "VĂN PHÒNG THÀNH ỦY".
_BOARDS = ("ban ", "van phong", "uy ban kiem tra")
_STANDING = ("ban chap hanh", "ban thuong vu")  # no boards: the committee itself, or its standing body


def board_of_committee(name: str) -> bool:
    """Whether a name is a board and the committee it serves: "Ban Dân vận Tỉnh ủy", "Văn phòng Thành ủy"."""
    folded = fold(name)
    return folded.startswith(_BOARDS) and any(folded.endswith(f" {committee}") for committee in _LEVELLED)


@cache
def _party_organisation() -> re.Pattern[str]:
    """"Đảng bộ tỉnh Lào Cai": a Party organisation, its level (``localities``) and its place."""
    levels = "|".join(map(re.escape, sorted(word_list("localities"), key=len, reverse=True)))
    return re.compile(rf"^đảng bộ (?P<level>{levels}) (?P<place>.+)$", re.IGNORECASE)


def _party_issuer(issuer: str, parent: str) -> str:
    """A Party body as it is cited, where the header prints it under its parent: "Tỉnh ủy" (or "Ban Thường vụ
    Tỉnh ủy") under "Đảng bộ tỉnh Lào Cai" is the "Tỉnh ủy Lào Cai", "Đảng ủy" under "Đảng bộ xã Sen Thủy" the
    "Đảng ủy xã Sen Thủy"; a board ("Ban Tổ chức", "Văn phòng") under "Tỉnh ủy Thanh Hóa" is the "Ban Tổ chức
    Tỉnh ủy Thanh Hóa".  Without its place, every province's committee would be one "Tỉnh ủy"."""
    committee = fold(issuer).removeprefix("ban thuong vu ")
    organisation = _party_organisation().match(parent)
    if organisation and committee in {fold(head) for head in word_list("parent_heads")}:
        place = organisation["place"] if committee in _LEVELLED else f"{organisation['level']} {organisation['place']}"
        return f"{issuer} {place}"
    if organisation and fold(issuer).endswith(f" {fold(organisation['level'])}"):
        # "Chi bộ Công an xã" under "Đảng bộ xã Gia Bình": the cell of that commune's police, its place left unprinted
        return f"{issuer} {organisation['place']}"
    if organisation and board_of_committee(issuer):  # "Ban Dân vận Tỉnh ủy" under "Đảng bộ tỉnh Phú Thọ"
        return f"{issuer} {organisation['place']}"
    serving = _COMMITTEE_OF_LEVEL.get(fold(organisation["level"])) if organisation else None
    if organisation and serving and fold(issuer).startswith(_BOARDS) and not fold(issuer).startswith(_STANDING):
        # "Ban Tuyên giáo và Dân vận" printed alone under "Đảng bộ tỉnh Vĩnh Long": the board of the Tỉnh ủy
        return f"{issuer} {serving} {organisation['place']}"
    under_committee = starts_with("parent_heads", parent) and len(parent.split()) > 2
    if under_committee and fold(issuer).startswith(("ban ", "van phong")) and not fold(issuer).endswith(fold(parent)):
        return f"{issuer} {parent}"
    return issuer


def issuer_matches(catalogued: str, issuer: str | None, parent: str | None = None) -> bool:
    """Whether a catalogue's name for the issuer ("Tỉnh Hà Tĩnh", "Cục Thuế")
    names the body a document's header gave ("Ủy ban nhân dân tỉnh Hà Tĩnh").

    Catalogues file a people's committee or council under its locality, and a
    department with its locality, so the generic organ words (data list
    ``generic_organs``) are dropped from our names before comparing, accents
    and case ignored.  The parent alone is not the issuer ("Bộ Tài chính" did
    not write what its "Cục Thuế" signed)."""
    generic = sorted((fold(w) for w in word_list("generic_organs")), key=len, reverse=True)

    def bare(name: str) -> str:
        return re.sub(rf"^(?:{'|'.join(map(re.escape, generic))})\s+", "", fold(name))

    names = [issuer] if issuer else []
    if issuer and parent:
        names.append(f"{issuer} {bare(parent)}")  # "Sở Giáo dục và Đào tạo" of "thành phố Hồ Chí Minh"
    return fold(catalogued) in {form for name in names for form in (fold(name), bare(name))}
