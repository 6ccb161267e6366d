"""Split a document into sections: header, body under a heading path, closing.

Levels come from the *numbering* of a heading line, never from Markdown ``#``
counts (Word-to-Markdown conversion sets those at random).  The numbering
styles are a table ordered by level, so the legal hierarchy (Phần, Chương,
Mục, Điều, Khoản, Điểm) can be slotted in with its own patterns and ranks.

A numbered line is only a heading if it is shaped like one: short, not a
list item ending in ``;`` or ``,``, one sentence at most, and not one of a
run of consecutive numbered lines (``1. …`` directly followed by ``2. …`` is
an enumeration in the body).  Unnumbered short lines followed by longer text
are subheadings one level below the deepest numbering.

Bulletins end each article with a signature line naming the body that wrote
it (``Ban Tuyên giáo Trung ương``, ``Kim Ngân – Ban Tuyên giáo Tỉnh ủy``);
that line is taken out of the body and becomes ``Section.issuer`` of every
section of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.clean import display_text, find_debris, strip_span
from indexer.garbled import find_garbled
from indexer.model import Section, Span
from indexer.normalize import normalize

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
    "Liên đoàn", "Đoàn", "Công an", "Bộ Chỉ huy", "Quân sự", "Cục", "Tổng cục", "Vụ", "Viện",
    "Tòa án", "Thanh tra", "Chính phủ", "Quốc hội", "Trung ương", "Trường", "Báo", "Đài",
)

MAX_HEADING_WORDS = 40  # numbered headings run long ("4. Một số giải pháp … của Đảng")
MAX_SUBHEADING_WORDS = 15
MAX_SIGNATURE_WORDS = 12
MAX_HEADER_WORDS = 30
MAX_HEADER_LINES = 15
CLOSING_WINDOW = 25  # the closing block is looked for among the last lines only

# Body openers that end the header block (preamble: "Căn cứ …", "Thực hiện …").
_PREAMBLE = re.compile(r"^(?:Căn cứ|Thực hiện|Theo|Để|Nhằm|Qua|Trong|Kính gửi)\b")
_CLOSING = re.compile(r"^(?:Nơi nhận|T/M\b|TM[.\s]|KT[.\s]|TL[.\s]|TUQ[.\s]|Q\.)")
# Enumerations and list items are body text, never headings.
_ENUMERATION = re.compile(
    r"^(?:[-+•–*]\s|\(|(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười)(?: \w+)? là\b|Thứ \w+\s*[,:])"
)
_SENTENCE_BREAK = re.compile(r"[.!?…]\s+[^\W\d_]")
_AUTHOR_DASH = re.compile(r"\s[–—-]\s")


@dataclass
class _Line:
    """A visible line of the document: its span and its cleaned text."""

    span: Span
    clean: str

    @property
    def words(self) -> int:
        return len(self.clean.split())


@dataclass
class _Role:
    """What a line is to the document, decided before sections are built."""

    kind: str  # "header", "closing", "heading", "signature", "body"
    level: int = 0
    issuer: str | None = None


def _subtract(span: Span, holes: list[Span]) -> list[Span]:
    """``span`` minus the garbled ``holes`` that overlap it."""
    pieces, pos = [], span.start
    for hole in holes:
        if hole.end <= pos or hole.start >= span.end:
            continue
        pieces.append(Span(pos, max(pos, hole.start)))
        pos = max(pos, hole.end)
    pieces.append(Span(pos, span.end))
    return [p for p in pieces if p.end > p.start]


def _content_lines(text: str, debris: list[Span], garbled: list[Span]) -> list[_Line]:
    """Lines with something to read: blank, debris-only and garbled text left out."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        for piece in _subtract(Span(pos, pos + len(raw)), garbled):
            span = strip_span(text, piece, debris)
            clean = display_text(text, [span], debris)
            if clean:
                lines.append(_Line(span, clean))
        pos += len(raw) + 1
    return lines


def _numbered_rule(clean: str) -> HeadingRule | None:
    return next((rule for rule in HEADING_RULES if rule.pattern.match(clean)), None)


def heading_level(title: str) -> int:
    """Rank of a heading text: its numbering rule's level, or a subheading's."""
    rule = _numbered_rule(title)
    return rule.level if rule else SUBHEADING_LEVEL


def article_key(path: list[str]) -> tuple[str, ...]:
    """The headings down to article level: sections sharing it are one article."""
    return tuple(h for h in path if heading_level(h) <= ARTICLE_LEVEL)


def _heading_shaped(clean: str, max_words: int) -> bool:
    """Short, one sentence, not a list item ending in ``;`` or ``,``."""
    return (
        len(clean.split()) <= max_words
        and not clean.endswith((";", ","))
        and not _SENTENCE_BREAK.search(clean.rstrip(".!?…"))
    )


def _numbered_levels(lines: list[_Line]) -> list[int | None]:
    """Level of each numbered heading; runs of same-style lines are lists, not headings."""
    rules = [_numbered_rule(line.clean) for line in lines]
    levels: list[int | None] = []
    for i, (line, rule) in enumerate(zip(lines, rules)):
        neighbours = rules[max(i - 1, 0) : i] + rules[i + 1 : i + 2]
        title = rule.pattern.sub("", line.clean, count=1) if rule else ""
        ok = rule is not None and rule not in neighbours and _heading_shaped(title, MAX_HEADING_WORDS)
        levels.append(rule.level if ok else None)
    return levels


def _organ_name(clean: str) -> str | None:
    """The organ a signature line names: the whole line, or the part after ``author –``."""
    parts = [clean] + _AUTHOR_DASH.split(clean, maxsplit=1)[1:]
    for part in parts:
        folded = normalize(part).casefold()
        for word in ORGAN_WORDS:
            w = normalize(word).casefold()
            if folded.startswith(w) and (len(folded) == len(w) or not folded[len(w)].isalnum()):
                return part.strip()
    return None


def _signature_issuer(line: _Line, next_level: int | None, at_end: bool) -> str | None:
    """The issuer if ``line`` signs an article: short, unpunctuated, before a heading or the end."""
    if not (at_end or (next_level is not None and next_level <= ARTICLE_LEVEL)):
        return None
    if line.words > MAX_SIGNATURE_WORDS or re.search(r"[.;:!?,]", line.clean) or not line.clean[0].isupper():
        return None
    return _organ_name(line.clean)


def _is_subheading(line: _Line, nxt: _Line | None) -> bool:
    """A short unnumbered title line introducing longer text."""
    clean = line.clean
    return (
        nxt is not None
        and nxt.words > line.words
        and line.words <= MAX_SUBHEADING_WORDS
        and clean[0].isupper()
        and not clean.endswith((".", ";", ",", "!", "?", "…"))
        and not _ENUMERATION.match(clean)
        and _heading_shaped(clean, MAX_SUBHEADING_WORDS)
    )


def _header_end(lines: list[_Line], levels: list[int | None]) -> int:
    """Index of the first line after the header block.

    The header ends at the first heading, long line or preamble opener; when
    none comes within ``MAX_HEADER_LINES`` we cannot tell header from body and
    say there is no header, because header text is not indexed as passages.
    """
    for i, line in enumerate(lines[: MAX_HEADER_LINES + 1]):
        if levels[i] is not None or line.words > MAX_HEADER_WORDS or _PREAMBLE.match(line.clean):
            return i
    return 0


def _closing_start(lines: list[_Line], first: int) -> int:
    """Index of the first line of the closing block (``len(lines)`` when none)."""
    window = range(max(first, len(lines) - CLOSING_WINDOW), len(lines))
    return next((i for i in window if _CLOSING.match(lines[i].clean)), len(lines))


def _body_roles(lines: list[_Line], levels: list[int | None]) -> list[_Role]:
    """Role of each body line: heading (with level), signature (with issuer) or body."""
    roles = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        next_level = levels[i + 1] if nxt else None
        if levels[i] is not None:
            roles.append(_Role("heading", levels[i]))
        elif issuer := _signature_issuer(line, next_level, nxt is None):
            roles.append(_Role("signature", issuer=issuer))
        elif next_level is None and _is_subheading(line, nxt):
            roles.append(_Role("heading", SUBHEADING_LEVEL))
        else:
            roles.append(_Role("body"))
    return roles


def _roles(lines: list[_Line]) -> list[_Role]:
    levels = _numbered_levels(lines)
    head = _header_end(lines, levels)
    tail = _closing_start(lines, head)
    body = _body_roles(lines[head:tail], levels[head:tail])
    return [_Role("header")] * head + body + [_Role("closing")] * (len(lines) - tail)


# A paragraph that does not end on one of these and is followed by a line
# starting in lower case was split mid-sentence by the conversion.
_TERMINAL = (".", ";", ":", "!", "?", "…", '"', "”", ")", "»")


class _Builder:
    """Accumulates sections while walking the classified lines in order."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.article_start = 0  # first section of the current article
        self.current: Section | None = None
        self.last_clean = ""

    def heading(self, line: _Line, level: int) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, line.clean))
        self.current = None
        if level <= ARTICLE_LEVEL:
            self.article_start = len(self.sections)

    def signature(self, issuer: str) -> None:
        """Sign every body section since the article's heading."""
        for section in self.sections[self.article_start :]:
            if section.kind == "body":
                section.issuer = issuer
        self.current = None

    def paragraph(self, line: _Line, kind: str) -> None:
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
    return not previous.endswith(_TERMINAL) and line[0].islower()


def parse_sections(text: str) -> list[Section]:
    """Sections of ``text`` in order: header, body under heading paths, closing.

    Paragraph spans point into ``text``; debris-only lines, blank lines,
    garbled text, heading lines and signature lines are not in any section.
    """
    lines = _content_lines(text, find_debris(text), find_garbled(text))
    builder = _Builder()
    for line, role in zip(lines, _roles(lines)):
        if role.kind == "heading":
            builder.heading(line, role.level)
        elif role.kind == "signature" and role.issuer:
            builder.signature(role.issuer)
        else:
            builder.paragraph(line, role.kind)
    return builder.sections
