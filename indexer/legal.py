"""The legal hierarchy of laws, codes and decrees: Phần, Chương, Mục, Điều, Khoản.

A legal text is cited by its units ("khoản 3 Điều 8 Luật Cư trú 2020"), so
the structure pass gives every passage a path that reads like that citation:
``Luật Cư trú 2020 › Chương II. QUYỀN, NGHĨA VỤ … › Điều 8. Quyền của công dân
về cư trú › Khoản 3``.  Labels are written one way whatever the printing
(``CHƯƠNG I:``, ``Chương 1.``, ``ĐIỀU 5``): keyword in sentence case, the
number as printed (Roman numerals in capitals), then ``. `` and the title as
printed; a chapter title printed on the next line is joined to it.

The heading table is data, ordered by level, above the numbering styles of
administrative documents (``indexer.structure``), so both kinds of heading
can stand in one document (a decision's articles and its annex).  Clauses
(``1.``, ``2.``) are boundaries inside an article, not headings: their text
stays in the passage.  Points (``a)``, ``b)``) are plain body text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.codes import doc_types
from indexer.lines import CLOSING, TERMINAL, Line, Role, heading_shaped, tail_line
from indexer.model import DocumentMeta, Span
from indexer.names import SIGNED_MARK, mostly_capitals, person_name

__all__ = [
    "LegalRule", "LEGAL_RULES", "CLAUSE_LEVEL", "match_heading", "heading_label", "clause_label", "legal_level",
    "article_index", "legal_headings", "legal_roles", "closing_block", "annex_roles", "citation_root",
    "short_law_name",
]

_ORDINAL = r"(?i:thứ\s+(?:nhất|hai|ba|tư|bốn|năm|sáu|bảy|tám|chín|mười)(?:\s+(?:một|hai|ba|bốn|tư|lăm|năm|sáu|bảy|tám|chín))?)"
# After the number: punctuation and the title, the end of the line, or (spaced) a capital.
_AFTER = r"(?:\s*[.:\-–]\s*(?P<rest>.*)|\s+(?P<spaced>[^\W\d_].*)|\s*)$"


@dataclass(frozen=True)
class LegalRule:
    """One unit of the legal hierarchy; a lower ``level`` is higher up."""

    kind: str
    level: int
    keyword: str  # as written in a label
    pattern: re.Pattern[str]  # on a cleaned (NFC) line: groups number, rest/spaced


def _rule(kind: str, level: int, keyword: str, printed: str, number: str) -> LegalRule:
    return LegalRule(kind, level, keyword, re.compile(rf"^(?:{printed})(?:\s+(?P<number>{number}))?{_AFTER}"))


LEGAL_RULES: tuple[LegalRule, ...] = (
    _rule("annex", 1, "Phụ lục", r"Phụ lục|PHỤ LỤC", r"(?:số\s+)?(?:[IVXLC]+|\d+[a-z]?)\b"),
    _rule("part", 2, "Phần", r"Phần|PHẦN", rf"{_ORDINAL}|[IVXLC]+\b|\d+\b"),
    _rule("chapter", 4, "Chương", r"Chương|CHƯƠNG", r"[IVXLC]+\b|\d+[a-z]?\b"),
    _rule("section", 6, "Mục", r"Mục|MỤC", r"[IVXLC]+\b|\d+[a-z]?\b"),
    _rule("article", 8, "Điều", r"Điều|ĐIỀU", r"\d+[a-zđ]?\b"),
)
ARTICLE = "article"
CLAUSE_LEVEL = 9  # a clause sits directly under its article
MIN_ARTICLES = 2  # a document with this many "Điều N" headings is read as a legal text
MAX_ARTICLE_TITLE_WORDS = 40  # longer text after "Điều N." is the article itself
MAX_TITLE_LINE_WORDS = 30  # a chapter title printed on the line under "Chương II"
SIGNATURE_LINES = 30  # the signer's name comes within this many lines of "Nơi nhận"
# "1. …", "2) …", and the "1- …" of older laws; only inside an article.
_CLAUSE = re.compile(r"^(?P<number>\d{1,3}[a-zđ]?)\s*[.)\-–]\s*(?=[^\W\d_]|[\"“(])")
# Markdown bold closed right after the label: "**Điều 1. **Công bố …", "**Điều 3**. Quyết định …"
# (the line's span starts after the opening "**").
_BOLD_LABEL = re.compile(r"[^\W\d_]+\s+\d+[a-zđ]?\s*(?:[.:]\s*\*\*|\*\*\s*[.:])\s*[^\W\d_]")
# A label as ``heading_label`` writes it, to read a level back from a path.
_LABEL = re.compile(r"^(?P<keyword>Phụ lục|Phần|Chương|Mục|Điều|Khoản)(?:\s|$)")


@dataclass(frozen=True)
class LegalHeading:
    """A heading line of the legal hierarchy, as found on one line."""

    rule: LegalRule
    number: str | None
    rest: str  # the title (or, for an article, maybe its text) printed after the number
    spaced: bool  # number and title separated by a space only ("Điều 5 Chính sách …")

    @property
    def label(self) -> str:
        number = self.number and (self.number.lower() if self.number.lower().startswith("thứ") else self.number)
        return f"{self.rule.keyword} {' '.join(number.split())}" if number else self.rule.keyword


def match_heading(clean: str) -> LegalHeading | None:
    """The legal heading ``clean`` opens with, if any; the annex alone may go unnumbered."""
    for rule in LEGAL_RULES:
        match = rule.pattern.match(clean)
        spaced = match and match.group("spaced")
        if match and (match.group("number") or rule.kind == "annex") and (not spaced or spaced[0].isupper()):
            return LegalHeading(rule, match.group("number"), (match.group("rest") or spaced or "").strip(), bool(spaced))
    return None


def heading_label(heading: LegalHeading, title: str | None) -> str:
    """``Điều 8. Quyền của công dân về cư trú``; the bare label without a title."""
    title = (title or "").strip().rstrip(":.").strip()
    return f"{heading.label}. {title}" if title else heading.label


def clause_label(clean: str) -> str | None:
    """``Khoản 3`` for a line opening clause 3 of an article."""
    match = _CLAUSE.match(clean)
    return f"Khoản {match.group('number')}" if match else None


_LEVEL_OF = {rule.keyword: rule.level for rule in LEGAL_RULES} | {"Khoản": CLAUSE_LEVEL}


def legal_level(title: str) -> int | None:
    """Level of a heading written by ``heading_label`` (or ``Khoản N``), else None."""
    match = _LABEL.match(title)
    return _LEVEL_OF[match.group("keyword")] if match else None


def article_index(path: list[str]) -> int | None:
    """Index of the article (Điều) heading in ``path``, if the path runs through one."""
    return next((i for i, title in enumerate(path) if legal_level(title) == _LEVEL_OF["Điều"]), None)


def legal_headings(lines: list[Line]) -> list[LegalHeading | None]:
    """The legal heading each line opens with, or ``[]`` when the document has
    too few articles to be a legal text.  A label followed by a mere space
    ("Điều 5 Chính sách …") counts only after a finished line: in text wrapped
    by a web page, "Điều 5 Nghị định số …" continues the sentence above."""
    found: list[LegalHeading | None] = []
    for i, line in enumerate(lines):
        heading = match_heading(line.clean)
        previous = lines[i - 1].clean if i else ""
        if heading and heading.spaced and previous and not (previous.endswith(TERMINAL) or mostly_capitals(previous)):
            heading = None
        found.append(heading)
    return found if sum(h is not None and h.rule.kind == ARTICLE for h in found) >= MIN_ARTICLES else []


def _title_line(line: Line | None, heading: LegalHeading | None) -> bool:
    """Whether ``line`` is the title of the unnumbered-title heading above it."""
    if line is None or heading is not None or clause_label(line.clean):
        return False
    short = line.words <= MAX_TITLE_LINE_WORDS and not line.clean.endswith((".", ";", ","))
    return mostly_capitals(line.clean) or short


def _article_text(text: str, debris: list[Span], lines: list[Line], i: int, heading: LegalHeading) -> Line | None:
    """The text after "Điều N." when it is the article itself, not its title: it
    is all the article holds, or not shaped like a title, or the page set only
    the label in bold ("**Điều 1. **Công bố …")."""
    if not heading.rest:
        return None
    last = i + 1 >= len(lines) or match_heading(lines[i + 1].clean) is not None
    bold_label = _BOLD_LABEL.match(text, lines[i].span.start, lines[i].span.end) is not None
    if not (last or bold_label or not heading_shaped(heading.rest, MAX_ARTICLE_TITLE_WORDS)):
        return None
    return tail_line(text, debris, lines[i], heading.rest)


def legal_roles(text: str, debris: list[Span], lines: list[Line], headings: list[LegalHeading | None]) -> list[Role]:
    """Roles in a legal text: legal headings (a title on the next line joined),
    clauses inside an article, everything else body."""
    roles: list[Role] = []
    in_article = False
    for i, (line, heading) in enumerate(zip(lines, headings)):
        if len(roles) > i:
            continue  # joined to the heading above as its title
        if heading is None:
            label = clause_label(line.clean) if in_article else None
            roles.append(Role("clause", CLAUSE_LEVEL, title=label) if label else Role("body"))
            continue
        in_article = heading.rule.kind == ARTICLE
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        rest = _article_text(text, debris, lines, i, heading) if in_article else None
        title = None if rest else heading.rest
        joined = not title and not in_article and _title_line(nxt, headings[i + 1] if nxt else None)
        label = heading_label(heading, nxt.clean if joined and nxt else title)
        roles.append(Role("heading", heading.rule.level, title=label, rest=rest))
        if joined:
            roles.append(Role("skip"))
    return roles


def closing_block(lines: list[Line], headings: list[LegalHeading | None]) -> tuple[int, int]:
    """``(first, end)`` of the closing block after the document's own last
    article: from the recipients (or a law's passing formula) to the signer's
    name.  What follows the name is an annex, not part of the closing; without
    a name the block runs to the end.  A decision that issues a regulation
    ("Ban hành kèm theo Quyết định này Quy chế …") signs after its own Điều 3,
    and the regulation's articles follow the signature: the first signed block
    with articles after it is the decision's closing."""
    articles = [i for i, h in enumerate(headings) if h is not None and h.rule.kind == ARTICLE]
    texts = [line.clean for line in lines]
    for first in (i for i in range(articles[0] + 1, articles[-1]) if CLOSING.match(texts[i])):
        if (end := _signed(texts, first)) is not None and end <= articles[-1]:
            return first, end
    first = next((i for i in range(articles[-1] + 1, len(lines)) if CLOSING.match(texts[i])), len(lines))
    return first, _signed(texts, first) or len(lines)


def _signed(texts: list[str], first: int) -> int | None:
    """The line after the signer's name that ends a closing block opening at ``first``; None without a name."""
    for i in range(first, min(first + SIGNATURE_LINES, len(texts))):
        if name := person_name(texts[i : i + 3]):
            end = i + 1
            while end < len(texts) and (texts[end] in name or SIGNED_MARK.fullmatch(texts[end])):
                end += 1
            return end
    return None


def annex_roles(text: str, debris: list[Span], lines: list[Line], headings: list[LegalHeading | None]) -> list[Role]:
    """Roles of what follows the signature: annexes, each under a "Phụ lục"
    heading, the first one named by its own first line when it has no label
    (a regulation the decision issues keeps its own: "QUY CHẾ Quản lý …")."""
    roles = legal_roles(text, debris, lines, headings)
    if lines and headings[0] is None:
        nxt = lines[1] if len(lines) > 1 else None
        joined = _title_line(nxt, headings[1] if nxt else None) and roles[1].kind == "body"
        title = " ".join(line.clean for line in lines[: 2 if joined else 1])
        named = title if _names_a_kind(title) else f"{LEGAL_RULES[0].keyword}. {title}"
        heading = Role("heading", LEGAL_RULES[0].level, title=named)
        roles[: 2 if joined else 1] = [heading, Role("skip")] if joined else [heading]
    return roles


def _names_a_kind(title: str) -> bool:
    """Whether a title printed in capitals opens with a kind of document ("QUY CHẾ …", "KẾ HOẠCH …")."""
    return any(f"{title} ".startswith(f"{kind.name.upper()} ") for kind in doc_types())


# Legislation proper, cited by name and year; other documents by type and number.
_NAMED_TYPES = ("Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh")
# In old titles the name follows "về": "LUẬT CỦA QUỐC HỘI … SỐ 16/1999/QH10 VỀ SĨ QUAN …".
_ABOUT = re.compile(r"(?:^của\b|\bsố\s+\S*\d).*?\bvề\s+(?P<name>.+)$", re.IGNORECASE)
# A number, date or session printed inside a title: "thuế sử dụng đất nông nghiệp số 23-L/CTN ngày …",
# "lý lịch tư pháp của Quốc hội khóa XII, kỳ họp thứ 5".
_NUMBER_TAIL = re.compile(r"\s+(?:số\s+\S*\d|ngày\s+\d|của Quốc hội\b).*$", re.IGNORECASE)


def short_law_name(doc_type: str, subject: str) -> str:
    """``Luật`` + ``cư trú`` → ``Luật Cư trú``: the name a law is cited by."""
    name = subject.strip()
    if about := _ABOUT.search(name):
        name = about.group("name")
    name = _NUMBER_TAIL.sub("", name).strip(" .,;:")
    return f"{doc_type} {name[:1].upper()}{name[1:]}" if name else doc_type


def citation_root(meta: DocumentMeta) -> str | None:
    """How the document itself is cited, to head every passage's path.

    ``Luật Cư trú 2020``, ``Bộ luật Dân sự 2015`` for legislation (name and
    year); ``Nghị định 30/2020/NĐ-CP``, ``Quyết định 2873/QĐ-UBND`` for other
    documents with a number; None when neither is known (a bulletin, a plan
    without a number), which leaves paths as they are.
    """
    year = (meta.date or "")[:4] or _number_year(meta.number)
    if meta.doc_type in _NAMED_TYPES and meta.subject:
        name = short_law_name(meta.doc_type, meta.subject)
        return f"{name} {year}" if year and year not in name else name
    if meta.doc_type and meta.number:
        return f"{meta.doc_type} {meta.number}"
    return None


def _number_year(number: str | None) -> str | None:
    match = re.search(r"/((?:19|20)\d\d)/", number or "")
    return match.group(1) if match else None
