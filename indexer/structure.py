"""Split a document into sections: header, body under a heading path, closing.

Levels come from the *numbering* of a heading line, never from Markdown ``#``
counts (Word-to-Markdown conversion sets those at random).  The numbering
styles are a table ordered by level; the legal hierarchy (``indexer.legal``)
ranks above them.

A numbered line is only a heading if it is shaped like one: short, not a
list item ending in ``;`` or ``,``, one sentence at most, and not one of a
run of consecutive numbered lines (``1. …`` directly followed by ``2. …`` is
an enumeration in the body).  Unnumbered short lines followed by longer text
are subheadings one level below the deepest numbering.

Bulletins end each article with a signature line naming the body that wrote
it (``Ban Tuyên giáo Trung ương``, ``Kim Ngân – Ban Tuyên giáo Tỉnh ủy``);
that line becomes ``Section.issuer`` of every section of the article, and
stays printed at the end of its last one, where the reader saw it.

A document with articles (``Điều 1.`` …) is read as a legal text: the
headings of ``indexer.legal`` (Phần, Chương, Mục, Điều, Phụ lục) take over
and the numbering styles above are plain text, since inside an article
``1.`` is a clause and ``a)`` a point.  A clause starts a section of its own
(path ``… › Điều 8. … › Khoản 3``) but its line stays in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.analyzer import normalize
from indexer.clean import find_debris
from indexer.garbled import find_garbled
from indexer.legal import (
    annex_roles,
    article_index,
    closing_block,
    legal_headings,
    legal_level,
    legal_roles,
)
from indexer.lines import BULLETIN_MARKS, CLOSING, TERMINAL, Line, Role, content_lines, heading_shaped
from indexer.model import Section, Span
from indexer.names import proper_case

__all__ = ["parse_sections", "heading_level", "article_key", "HEADING_RULES", "ORGAN_WORDS"]


@dataclass(frozen=True)
class HeadingRule:
    """One numbering style; a lower ``level`` is higher in the hierarchy."""

    name: str
    level: int
    pattern: re.Pattern[str]


# Ordered by level.  Gaps in the ranks leave room for Phần/Chương/Mục/Điều/...
HEADING_RULES: tuple[HeadingRule, ...] = (
    HeadingRule("part", 10, re.compile(r"^[IVX]{1,5}\s*[.\-–:)]\s*(?=[^\d\s])")),
    HeadingRule("section", 20, re.compile(r"^\d{1,3}\s*[.\-–)]\s*(?=[^\d\s])")),
    HeadingRule("point", 30, re.compile(r"^[a-zđ]\s*[.)]\s+(?=\S)")),
)
ARTICLE_LEVEL = 20  # a bulletin's article is a numbered section under a part
SUBHEADING_LEVEL = 40  # unnumbered subheadings sit below every numbering

# Words that open the name of an organ of the Party or the State: a signature
# line is (author –) one of these followed by the rest of the name.
ORGAN_WORDS: tuple[str, ...] = (
    "Ban", "Đảng ủy", "Đảng bộ", "Chi bộ", "Tỉnh ủy", "Huyện ủy", "Thành ủy", "Quận ủy", "Thị ủy",
    "Sở", "Bộ", "Ủy ban", "UBND", "HĐND", "Hội đồng", "Văn phòng", "Mặt trận", "MTTQ", "Hội",
    "Liên đoàn", "Đoàn", "Tỉnh đoàn", "Thành đoàn", "Huyện đoàn", "Công an", "Bộ Chỉ huy", "Quân sự", "Cục",
    "Tổng cục", "Vụ", "Viện",
    "Tòa án", "Thanh tra", "Chính phủ", "Quốc hội", "Trung ương", "Trường", "Báo", "Đài",
)

MAX_HEADING_WORDS = 40  # numbered headings run long ("4. Một số giải pháp … của Đảng")
MAX_SUBHEADING_WORDS = 15
MAX_SIGNATURE_WORDS = 12
MIN_TITLE_LETTERS = 8  # a capital title is more than an abbreviation ("UBND", "HĐND TỈNH")
MAX_HEADER_WORDS = 30
MAX_HEADER_LINES = 15
MAX_CONTENTS_LINES = 30  # a bulletin's contents: up to fifteen titles, each with its page
CLOSING_WINDOW = 25  # the closing block is looked for among the last lines only

# Body openers that end the header block (preamble: "Căn cứ …", "Thực hiện …").
_PREAMBLE = re.compile(r"^(?:Căn cứ|Thực hiện|Theo|Để|Nhằm|Qua|Trong|Kính gửi)\b")
# Enumerations and list items are body text, never headings.
_ENUMERATION = re.compile(
    r"^(?:[-+•–*]\s|\(|(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười)(?: \w+)? là\b|Thứ \w+\s*[,:])"
)
# "Kính gửi:" above a letter's recipients addresses them: no heading of the text under it.
_ADDRESSED = re.compile(r"^(?:Đồng )?[Kk]ính gửi\b")
_AUTHOR_DASH = re.compile(r"\s[–—-]\s")
# An annex printed after the signature ("PHỤ LỤC Số hộ bị ảnh hưởng …", "Phụ lục I"): text again, not the closing.
_ANNEX = re.compile(r"^(?:PHỤ LỤC|Phụ lục(?= +[IVX\d]+\b| *$))")
# Lines of a bulletin's header that are printed in capitals and are no article's title.
_BULLETIN_NAME = re.compile(r"^(?:THÔNG TIN|BẢN TIN) SINH HOẠT\b", re.IGNORECASE)


_POINT = next(rule.pattern for rule in HEADING_RULES if rule.name == "point")


_CONTENTS = re.compile(r"^(?:TRONG SỐ NÀY|MỤC LỤC)$", re.IGNORECASE)


def _numbered_rule(clean: str) -> HeadingRule | None:
    return next((rule for rule in HEADING_RULES if rule.pattern.match(clean)), None)


def heading_level(title: str) -> int:
    """Rank of a heading text: its legal or numbering rule's level, or a subheading's."""
    legal = legal_level(title)
    rule = _numbered_rule(title)
    return legal if legal is not None else rule.level if rule else SUBHEADING_LEVEL


def article_key(path: list[str]) -> tuple[str, ...]:
    """The headings down to article level: sections sharing it are one article.
    In a legal text the article is the Điều, whatever its clauses."""
    article = article_index(path)
    if article is not None:
        return tuple(path[: article + 1])
    return tuple(h for h in path if heading_level(h) <= ARTICLE_LEVEL)


def _numbered_levels(lines: list[Line]) -> list[int | None]:
    """Level of each numbered heading; runs of same-style lines are lists, not headings."""
    rules = [_numbered_rule(line.clean) for line in lines]
    levels: list[int | None] = []
    for i, (line, rule) in enumerate(zip(lines, rules)):
        neighbours = rules[max(i - 1, 0) : i] + rules[i + 1 : i + 2]
        title = rule.pattern.sub("", line.clean, count=1) if rule else ""
        ok = rule is not None and rule not in neighbours and heading_shaped(title, MAX_HEADING_WORDS)
        levels.append(rule.level if ok and rule else None)
    return levels


def _organ_name(clean: str) -> str | None:
    """The organ a signature line names: the whole line, or the part after ``author –``."""
    parts = [clean] + _AUTHOR_DASH.split(clean, maxsplit=1)[1:]
    for part in parts:
        folded = normalize(part).casefold()
        for word in ORGAN_WORDS:
            w = normalize(word).casefold()
            if folded.startswith(w) and (len(folded) == len(w) or not folded[len(w)].isalnum()):
                return proper_case(part.strip())  # "BAN TUYÊN GIÁO TỈNH ỦY" as "Ban Tuyên giáo Tỉnh ủy"
    return None


def _signature_issuer(line: Line, next_level: int | None, at_end: bool) -> str | None:
    """The issuer if ``line`` signs an article: short, unpunctuated, before a heading or the end."""
    if not (at_end or (next_level is not None and next_level <= ARTICLE_LEVEL)):
        return None
    return _signature_shaped(line)


def _signature_shaped(line: Line) -> str | None:
    """The organ ``line`` names if it is shaped like a signature: short, unpunctuated, an organ's name."""
    # a comma inside an organ's name is its own ("Sở Văn hóa, Thể thao và Du lịch"), not one that ends the line
    if line.words > MAX_SIGNATURE_WORDS or re.search(r"[.;:!?]|,$", line.clean) or not line.clean[0].isupper():
        return None
    return _organ_name(line.clean)


def _is_subheading(line: Line, nxt: Line | None) -> bool:
    """A short unnumbered title line introducing longer text (not the first line of a wrapped
    sentence: ``Căn cứ Nghị định số 08/2015/NĐ-CP ngày 21 tháng 01`` / ``năm 2015 của Chính phủ…``)."""
    clean = line.clean
    return (
        nxt is not None
        and not nxt.clean[0].islower()
        and nxt.words > line.words
        and line.words <= MAX_SUBHEADING_WORDS
        and clean[0].isupper()
        and not clean.endswith((".", ";", ",", "!", "?", "…"))
        and not _ENUMERATION.match(clean)
        and not _ADDRESSED.match(clean)
        and heading_shaped(clean, MAX_SUBHEADING_WORDS)
    )


def _header_end(lines: list[Line], levels: list[int | None]) -> int:
    """Index of the first line after the header block.

    The header ends at the first heading, long line or preamble opener; when
    none comes within ``MAX_HEADER_LINES`` we cannot tell header from body and
    say there is no header, because header text is not indexed as passages.
    A bulletin's contents ("TRONG SỐ NÀY", each article's title and page) are
    part of its header, and may take ``MAX_CONTENTS_LINES`` more.
    """
    limit = MAX_HEADER_LINES
    for i, line in enumerate(lines):
        if i > limit:
            break
        if _CONTENTS.match(line.clean):
            limit = i + MAX_CONTENTS_LINES
        if levels[i] is not None or line.words > MAX_HEADER_WORDS or _PREAMBLE.match(line.clean):
            return i
    return 0


def _closing_start(lines: list[Line], first: int, annexes: list[int]) -> int:
    """Index of the first line of the closing block (``len(lines)`` when none): among the last lines, or else
    among those before an annex (``annexes``: its heading lines from ``first`` on), whose table may run longer
    than the window (a plan's list of sites after its signature)."""
    for end in (len(lines), *annexes):
        window = range(max(first, end - CLOSING_WINDOW), end)
        found = next((i for i in window if CLOSING.match(lines[i].clean)), None)
        if found is not None:
            return found
    return len(lines)


def _is_capital_title(line: Line, continuing: bool = False) -> bool:
    """A title printed in capitals without a number: a bulletin's article ("CHỦ ĐỘNG PHÒNG, CHỐNG SỐT XUẤT
    HUYẾT"), which a narrow column wraps over two lines or more; ``continuing`` one, its line may be a word
    ("MƯA", "KỲ 2025 - 2030")."""
    letters = [c for c in line.clean if c.isalpha()]
    long_enough = bool(letters) if continuing else len(letters) >= MIN_TITLE_LETTERS and line.words >= 2
    return (long_enough and all(c.isupper() for c in letters) and heading_shaped(line.clean, MAX_HEADING_WORDS)
            and not CLOSING.match(line.clean) and not _ENUMERATION.match(line.clean))


def _ends_an_article(lines: list[Line], i: int) -> bool:
    """Whether line ``i`` signs the article above it: a signature's shape after a paragraph that ends a
    sentence (an organ's name in a header read as text follows no such paragraph)."""
    return (i >= 1 and _signature_shaped(lines[i]) is not None and lines[i - 1].words > MAX_SUBHEADING_WORDS
            and lines[i - 1].clean.endswith(TERMINAL))


def _titled_levels(lines: list[Line], levels: list[int | None]) -> tuple[list[int | None], list[str | None]]:
    """``levels`` with each run of unnumbered capital lines that follows an article's signature as the next
    article's heading, its title joined: a bulletin whose articles are titled in capitals, not numbered.
    Elsewhere capital lines are what they were (an appendix's title, a header read as text).

    The run's later lines get the level ``None`` and the title "": they are part of the first line's title.
    """
    titled = list(levels)
    titles: list[str | None] = [None] * len(lines)
    i = 1
    while i < len(lines):
        if levels[i] is None and _is_capital_title(lines[i]) and _ends_an_article(lines, i - 1):
            end = i + 1
            while end < len(lines) and levels[end] is None and _is_capital_title(lines[end], continuing=True):
                end += 1
            titled[i], titles[i] = ARTICLE_LEVEL, " ".join(line.clean for line in lines[i:end])
            titles[i + 1 : end] = [""] * (end - i - 1)
            i = end
        else:
            i += 1
    return titled, titles


def _bulletin_furniture(clean: str) -> bool:
    """A line of a bulletin's header printed in capitals that is no article's title: its name, its marks."""
    return bool(BULLETIN_MARKS.match(clean) or _BULLETIN_NAME.match(clean))


def _first_title_start(lines: list[Line], head: int) -> int:
    """Where the run of capital lines that ends the header starts: a bulletin prints its first article's
    title there, under the issue line, "LƯU HÀNH NỘI BỘ" or the contents.  ``head`` when there is no such run,
    or when it reaches the organ or the bulletin's name (nothing then tells the title from the header)."""
    start = head
    while start > 0 and _is_capital_title(lines[start - 1], continuing=start < head):
        if _bulletin_furniture(lines[start - 1].clean) or _organ_name(lines[start - 1].clean):
            break
        start -= 1
    if start in (head, 0) or not _is_capital_title(lines[start]):
        return head
    above = lines[start - 1]  # the furniture or a line in small letters (the issue line), not another capital line
    return start if _bulletin_furniture(above.clean) or not _is_capital_title(above) else head


def _body_roles(lines: list[Line], levels: list[int | None]) -> list[Role]:
    """Role of each body line: heading (with level), signature (with issuer) or body."""
    levels, titles = _titled_levels(lines, levels)
    roles = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        next_level = levels[i + 1] if nxt else None
        if titles[i] == "":
            roles.append(Role("skip"))  # a capital title's later line, joined to its first
        elif (level := levels[i]) is not None:
            roles.append(Role("heading", level, title=titles[i]))
        elif issuer := _signature_issuer(line, next_level, nxt is None):
            roles.append(Role("signature", issuer=issuer))
        elif next_level is None and _is_subheading(line, nxt):
            roles.append(Role("heading", SUBHEADING_LEVEL))
        else:
            roles.append(Role("body"))
    return roles


def _roles(text: str, debris: list[Span], lines: list[Line]) -> list[Role]:
    legal = legal_headings(lines)
    levels = [h.rule.level if h else None for h in legal] if legal else _numbered_levels(lines)
    head = _header_end(lines, levels)
    if legal:
        first, end = closing_block(lines, legal)
        body = legal_roles(text, debris, lines[head:first], legal[head:first])
        annex = annex_roles(text, debris, lines[end:], legal[end:])
        return [Role("header")] * head + body + [Role("closing")] * (end - first) + annex
    annexes = [i for i in range(head, len(lines)) if _ANNEX.match(lines[i].clean)]
    tail = _closing_start(lines, head, annexes)
    annex_at = next((i for i in annexes if i >= tail), len(lines))
    body = _body_roles(lines[head:tail], levels[head:tail])
    titled = any(role.kind == "heading" and role.title for role in body)  # a bulletin of titled articles
    start = _first_title_start(lines, head) if titled else head
    first_title: list[Role] = []
    if start < head:  # the first article's title, its lines joined
        joined = " ".join(line.clean for line in lines[start:head])
        first_title = [Role("heading", ARTICLE_LEVEL, title=joined), *[Role("skip")] * (head - start - 1)]
    annexed: list[Role] = []
    if annex_at < len(lines):  # the annex's first line is its heading
        annexed = [Role("heading", HEADING_RULES[0].level), *_body_roles(lines[annex_at + 1:], levels[annex_at + 1:])]
    return [Role("header")] * start + first_title + body + [Role("closing")] * (annex_at - tail) + annexed


class _Builder:
    """Accumulates sections while walking the classified lines in order."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.article_start = 0  # first section of the current article
        self.current: Section | None = None
        self.last_clean = ""

    def heading(self, title: str, level: int) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        self.current = None
        if level <= ARTICLE_LEVEL:
            self.article_start = len(self.sections)

    def signature(self, line: Line, issuer: str) -> None:
        """Sign every body section since the article's heading, and end the last with the line as printed
        under the article, so that the author's name is read with the article's text, not the next one's."""
        signed = [section for section in self.sections[self.article_start :] if section.kind == "body"]
        for section in signed:
            section.issuer = issuer
        if signed:
            signed[-1].paragraphs.append(line.span)
        self.current = None

    def paragraph(self, line: Line, kind: str) -> None:
        if self.current is None or self.current.kind != kind:
            path = [title for _, title in self.stack] if kind == "body" else []
            self.current = Section(heading_path=path, paragraphs=[], kind=kind)
            self.sections.append(self.current)
        paragraphs = self.current.paragraphs
        if kind == "body" and paragraphs and _continues(self.last_clean, line.clean):
            paragraphs[-1] = Span(paragraphs[-1].start, line.span.end)
            self.last_clean += " " + line.clean
        else:
            paragraphs.append(line.span)
            self.last_clean = line.clean


def _continues(previous: str, line: str) -> bool:
    """A line in small letters goes on with the sentence before, unless it opens an item ("a) Mỗi câu lạc bộ …"
    under "2.1. Tổ chức câu lạc bộ", a line of its own in the file)."""
    return not previous.endswith(TERMINAL) and line[0].islower() and not _POINT.match(line)


def parse_sections(text: str) -> list[Section]:
    """Sections of ``text`` in order: header, body under heading paths, closing.

    Paragraph spans point into ``text``; debris-only lines, blank lines,
    garbled text and heading lines are not in any section; an article's
    signature line ends its last section.
    """
    debris = find_debris(text)
    lines = content_lines(text, debris, find_garbled(text))
    builder = _Builder()
    for line, role in zip(lines, _roles(text, debris, lines)):
        if role.kind in ("heading", "clause"):
            builder.heading(role.title or line.clean, role.level)
        if role.kind == "signature" and role.issuer:
            builder.signature(line, role.issuer)
        elif role.kind == "clause" or role.rest:
            builder.paragraph(role.rest or line, "body")  # a clause, or an article's text after its number
        elif role.kind not in ("heading", "skip"):
            builder.paragraph(line, role.kind)
    return builder.sections
