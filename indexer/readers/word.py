"""Word (.docx) files: body paragraphs and tables in reading order, legacy fonts decoded.

Vietnamese documents keep their header block (issuer, number, place and date)
in a borderless table, so tables are read where they stand and every cell's
paragraphs become lines: metadata extraction then sees ``Số: 68/2020/QH14``
and ``QUỐC HỘI`` before ``Điều 1`` as in a text file.  Article and clause
numbers that Word numbers by itself (``Điều %1.``) are written out, or the
structure pass would find no article.  Old files were typed in ``.VnTime``
(TCVN3) or ``VNI-Times`` fonts, whose characters are legacy bytes stored as
Latin-1; each run's font decides how its text is decoded.  A footnote is read
on its own line after the paragraph that cites it, numbered as printed
(``(1) Theo số liệu của Cục Thống kê …``): offices put sources and the
documents a sentence rests on there.  A text box is read after the paragraph
it is anchored to: offices box slogans, a note or the whole header block that
way, and Word keeps an older drawing of the same box as its fallback, which is
not read twice.  Footers and comments are not read: they hold page furniture
and remarks on the draft.  So do page
headers, but for one: a template may print the document's own header block
(issuer, number, place and date) in the first page's header, which is then
read ahead of the body (``_printed_header``).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TypeAlias, TypeVar

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import OpcError
from docx.oxml import parse_xml
from docx.oxml.ns import nsmap, qn
from lxml import etree

from indexer.errors import UnreadableFileError
from indexer.legacy_encodings import (
    MIN_SCORE,
    decode_font_run,
    font_encoding,
    looks_vietnamese,
)
from indexer.limits import DEFAULT_LIMITS, ReadingLimits, check_limit
from indexer.model import SourceText

__all__ = ["read_docx"]

_T = TypeVar("_T")
_Element: TypeAlias = etree._Element

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLD_WORD_STREAM = "WordDocument".encode("utf-16-le")
# RuntimeError: a part encrypted with a zip password; NotImplementedError: an unknown compression method;
# AttributeError and TypeError: python-docx meeting a part that is not of the kind the package says
# (it gives such a part a generic class, or reads None where an attribute is missing, and fails on first use).
_BROKEN_PACKAGE = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OpcError, etree.LxmlError,
                   RuntimeError, NotImplementedError, AttributeError, TypeError)
# A part smaller than this cannot fill memory, whatever its compression ratio.
_RATIO_FROM_BYTES = 1 << 20
_UNZIP_STEP = 1 << 20

_P, _TBL, _TR, _TC, _R, _T_TEXT = (qn(f"w:{t}") for t in ("p", "tbl", "tr", "tc", "r", "t"))
# A table is a grid of data when this many rows fill this many columns; a layout table fills two at most.
_GRID_COLUMNS, _GRID_ROWS = 3, 2
_DOCUMENT, _BODY = qn("w:document"), qn("w:body")
_FOOTNOTE, _FOOTNOTE_REFERENCE, _ID = qn("w:footnote"), qn("w:footnoteReference"), qn("w:id")
_TEXT_BOX = qn("w:txbxContent")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_FOOTNOTES_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_PPR, _RPR, _RFONTS, _NUMPR, _VAL = (qn(f"w:{t}") for t in ("pPr", "rPr", "rFonts", "numPr", "val"))
_FONT_NAMES = etree.XPath(".//w:rFonts/@w:hAnsi | .//w:rFonts/@w:ascii", namespaces={"w": nsmap["w"]})
# Run children that stand for characters besides w:t, as in Word's own plain-text export.
_RUN_CHARS = {qn("w:tab"): "\t", qn("w:ptab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
# Elements that wrap runs or blocks without changing what they say; deleted
# text (w:del, w:moveFrom) is left out.
_RUN_WRAPPERS = frozenset(qn(f"w:{t}") for t in ("hyperlink", "ins", "smartTag", "fldSimple", "sdt",
                                                  "sdtContent", "customXml", "moveTo", "dir", "bdo"))
_BLOCK_WRAPPERS = frozenset(qn(f"w:{t}") for t in ("sdt", "sdtContent", "customXml"))

# Latin-1 characters that are not Vietnamese letters: in a paragraph without a
# legacy font they betray TCVN3 or VNI text whose font was lost (``§iÒu`` for ``Điều``).
_SUSPICIOUS = re.compile("[\u00a1-\u00bf\u00c4-\u00c7\u00cb\u00ce-\u00d1\u00d6-\u00d8\u00db\u00dc\u00de\u00df"
                         "\u00e4-\u00e7\u00eb\u00ee-\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff]")
# Text decoded without a font saying so must look this much more Vietnamese than as it is.
_UNMARKED_MARGIN = 0.2
_UNMARKED_FONTS = {"tcvn3": ".VnTime", "vni": "VNI-Times"}
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def read_docx(path: Path, limits: ReadingLimits = DEFAULT_LIMITS) -> SourceText:
    """Read a Word file into one line per paragraph (table cells included), NFC."""
    parts = _open(path, limits)
    reader = _BodyReader(parts)
    lines = [line.strip() for line in reader.blocks(parts.body)]
    lines = _printed_header(reader, parts.page_header, lines) + lines
    text = unicodedata.normalize("NFC", "\n".join(line for line in lines if line))
    if not text:
        raise UnreadableFileError("the Word file holds no text (only images, e.g. a scan?): run OCR first")
    encoding = "+".join(["docx", *sorted(reader.encodings)])
    return SourceText(path=path, text=text, encoding=encoding, format="docx")


@dataclass(frozen=True)
class _Parts:
    """The parts of a Word file the reader uses, each checked to be of its kind."""

    body: _Element
    styles: _Element
    numbering: _Element | None
    page_header: _Element | None  # the first page's header (``_first_page_header``)
    footnotes: dict[str, _Element]  # each footnote by its id


def _open(path: Path, limits: ReadingLimits) -> _Parts:
    """The document's parts, or ``UnreadableFileError`` saying what kind of file it really is."""
    with path.open("rb") as file:
        if file.read(len(_OLE_MAGIC)) == _OLE_MAGIC:
            raise _ole_error(file.read())
    try:
        _check_package(path, limits)
        document = docx.Document(str(path))
        body = document.element.find(_BODY) if document.element.tag == _DOCUMENT else None
        if body is None:
            raise UnreadableFileError("not a valid Word file: its main part holds no document body")
        return _Parts(body, document.styles.element, _numbering_xml(document), _first_page_header(document),
                      _footnotes(document))
    except _BROKEN_PACKAGE as exc:
        raise UnreadableFileError(f"not a valid Word file: {_reason(exc)}") from exc


def _first_page_header(document: WordDocument) -> _Element | None:
    """The header printed on the first page: the first section's own first-page header when it has one, else its
    default header; None when the file has no section or that header is none of its own."""
    if not document.sections:
        return None
    section = document.sections[0]
    header = section.first_page_header if section.different_first_page_header_footer else section.header
    return None if header.is_linked_to_previous else header._element


# What only a document's own header block prints: its number line ("Số: 178/KH-UBND", "Số 45-KH/TU") or the
# national motto (state) or the Party's name (Party) on a line of its own.
_HEADER_BLOCK = re.compile(r"^(?:Số:?\s*\d+\s*[/-]\s*\w|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM$|ĐẢNG CỘNG SẢN VIỆT NAM$)",
                           re.IGNORECASE)
_BODY_LINES_CHECKED = 12  # a body that opens with its own header block within this many lines has no need of one


def _printed_header(reader: _BodyReader, header: _Element | None, body: list[str]) -> list[str]:
    """The lines of the first page's header when they are the document's header block and the body opens
    without one: a template that prints issuer, number and date at the top of the first page only (a running
    title on the pages after) would leave the document without them.  Any other page header (a running title,
    a page number, a logo) is furniture, and so is a copy of a block the body holds too."""
    if header is None:
        return []
    lines = [line.strip() for line in reader.blocks(header)]
    if not any(_HEADER_BLOCK.match(line) for line in lines):
        return []
    opening = [line for line in body if line][:_BODY_LINES_CHECKED]
    if any(_HEADER_BLOCK.match(line) for line in opening):
        return []
    return lines


def _check_package(path: Path, limits: ReadingLimits) -> None:
    """Refuse a zip bomb from the zip's directory, then prove the directory true before python-docx unzips.

    The directory gives each part's size, so a package that would unzip to
    more than the limit, or a part inflating implausibly, is refused before
    anything is unzipped.  But the directory can lie: ``zipfile`` cuts a part
    at its declared size only after inflating what one read asked for, and
    python-docx asks for whole parts.  Unzipping every part here in 1 MiB
    steps (``zipfile`` stops at the declared size, and the CRC check fails on
    a part that was longer) proves the sizes with bounded memory.
    """
    with zipfile.ZipFile(path) as package:
        parts = package.infolist()
        check_limit(limits, "max_docx_unzipped_bytes", sum(p.file_size for p in parts), "size once unzipped (bytes)")
        for part in parts:
            if part.file_size >= _RATIO_FROM_BYTES:
                ratio = part.file_size / max(part.compress_size, 1)
                check_limit(limits, "max_docx_ratio", round(ratio, 1), f"compression ratio of {part.filename}")
        for part in parts:
            with package.open(part) as stream:
                while stream.read(_UNZIP_STEP):
                    pass


def _ole_error(rest: bytes) -> UnreadableFileError:
    """An OLE container named .docx is an old .doc file, or a .docx encrypted with a password."""
    if _OLD_WORD_STREAM in rest:
        return UnreadableFileError(
            "an old Word (.doc) file named .docx: convert it with LibreOffice "
            "(soffice --headless --convert-to docx) and index again"
        )
    return UnreadableFileError("password-protected Word file: remove the password and index again")


def _reason(exc: Exception) -> str:
    if isinstance(exc, (zipfile.BadZipFile, OpcError, zlib.error, EOFError)):
        return "not a zip archive, or a damaged or truncated one"
    if isinstance(exc, KeyError):
        return f"a part is missing ({exc})"
    if isinstance(exc, (AttributeError, TypeError)):
        return "a part is not of the kind the package says it is"
    return str(exc) or type(exc).__name__


class _Styles:
    """Properties paragraphs and runs inherit from their style and its ``basedOn`` ancestors."""

    def __init__(self, styles: _Element) -> None:
        self._by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
        defaults = [s for s in self._by_id.values()
                    if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")]
        self.default_paragraph = defaults[0].get(qn("w:styleId")) if defaults else None
        self.default_font = _rfonts(styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{_RPR}"))
        self._cache: dict[tuple[str, str | None], object] = {}

    def inherited(self, style_id: str | None, find: Callable[[_Element], _T | None]) -> _T | None:
        """``find`` on the style, else on the style it is based on, and so on (cycles end it)."""
        key = (find.__name__, style_id)
        if key not in self._cache:
            self._cache[key] = None  # a basedOn cycle comes back here and stops
            style = self._by_id.get(style_id)
            if style is not None:
                found = find(style)
                self._cache[key] = found if found is not None else self.inherited(_val(style, "w:basedOn"), find)
        return self._cache[key]  # type: ignore[return-value]


class _Numbering:
    """The labels Word draws in front of auto-numbered paragraphs (``Điều 1.``, ``2.``, ``a)``)."""

    def __init__(self, numbering: _Element | None) -> None:
        children = [] if numbering is None else list(numbering)
        self._abstract = {e.get(qn("w:abstractNumId")): e for e in children if e.tag == qn("w:abstractNum")}
        self._nums = {e.get(qn("w:numId")): e for e in children if e.tag == qn("w:num")}
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self._counters: dict[str, dict[int, int]] = {}

    def label(self, num_id: str, level: int) -> str:
        """The next label of list ``num_id`` at ``level``; deeper levels start again."""
        levels = self._levels.setdefault(num_id, self._read_levels(num_id))
        if level not in levels:
            return ""
        counters = self._counters.setdefault(num_id, {})
        counters[level] = counters[level] + 1 if level in counters else levels[level][0]
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        _, fmt, text = levels[level]
        if fmt == "bullet":
            return "-"

        def number(match: re.Match[str]) -> str:
            shown = int(match.group(1)) - 1
            start, shown_fmt, _ = levels.get(shown, (1, "decimal", ""))
            return _format_number(counters.get(shown, start), shown_fmt)

        return re.sub(r"%([1-9])", number, text)

    def _read_levels(self, num_id: str) -> dict[int, tuple[int, str, str]]:
        """(start, format, label text) per level: the abstract list's, then the list's overrides."""
        num = self._nums.get(num_id)
        if num is None:
            return {}
        abstract = self._abstract.get(_val(num, "w:abstractNumId"))
        levels = {} if abstract is None else _levels_of(abstract)
        for override in num.iterchildren(qn("w:lvlOverride")):
            level = _int(override.get(qn("w:ilvl")), 0)
            levels.update(_levels_of(override))
            start = _val(override, "w:startOverride")
            if start is not None and level in levels:
                levels[level] = (_int(start, 1), *levels[level][1:])
        return levels


def _levels_of(parent: _Element) -> dict[int, tuple[int, str, str]]:
    levels = {}
    for lvl in parent.iterchildren(qn("w:lvl")):
        levels[_int(lvl.get(qn("w:ilvl")), 0)] = (
            _int(_val(lvl, "w:start"), 1),
            _val(lvl, "w:numFmt") or "decimal",
            _val(lvl, "w:lvlText") or "",
        )
    return levels


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman if fmt == "lowerRoman" else roman.upper()
    if fmt == "none":
        return ""
    return f"{n:02d}" if fmt == "decimalZero" else str(n)


def _roman(n: int) -> str:
    digits = []
    for value, symbol in _ROMAN:
        count, n = divmod(n, value)
        digits.append(symbol * count)
    return "".join(digits)


class _BodyReader:
    """Turns body XML into lines, with the styles and lists that give paragraphs their fonts and numbers."""

    def __init__(self, parts: _Parts) -> None:
        self.encodings: set[str] = set()
        self._styles = _Styles(parts.styles)
        self._numbering = _Numbering(parts.numbering)
        self._footnotes = parts.footnotes
        self._notes_read = 0  # footnotes are numbered in the order the text cites them
        # Most files name no legacy font at all: then no run's font needs resolving.
        named = {*_FONT_NAMES(parts.styles), *_FONT_NAMES(parts.body)}
        self._has_legacy_fonts = any(map(font_encoding, named))

    def blocks(self, container: _Element) -> Iterator[str]:
        """Lines of the paragraphs and tables directly in ``container``, in document order."""
        for child in container.iterchildren():
            if child.tag == _P:
                yield from self._paragraph(child).split("\n")
                yield from self._cited_notes(child)
                yield from self._text_boxes(child)
            elif child.tag == _TBL:
                yield from self._table(child)
            elif child.tag in _BLOCK_WRAPPERS:
                yield from self.blocks(child)

    def _table(self, table: _Element) -> Iterator[str]:
        """A grid of data, one line a row, its cells joined by `` | ``: a row reads as one statement
        ("Thời gian thông quan … | 3 giờ/xe | 2 giờ/xe | Sở Công Thương") and is never cut between passages.
        A layout table (the header block, the recipients beside the signature) gives each cell's lines, row by
        row, since the header rules read one element a line.  A cell merged across columns appears once."""
        rows = [[[line for line in self.blocks(cell) if line.strip()] for cell in row.iterchildren(_TC)]
                for row in table.iterchildren(_TR)]
        if sum(sum(1 for cell in row if cell) >= _GRID_COLUMNS for row in rows) < _GRID_ROWS:
            yield from (line for row in rows for cell in row for line in cell)
            return
        for row in rows:
            if line := " | ".join(" ".join(line.strip() for line in cell) for cell in row if cell):
                yield line

    def _cited_notes(self, paragraph: _Element) -> Iterator[str]:
        """The footnotes ``paragraph`` cites, a line each, numbered as printed."""
        for reference in paragraph.iter(_FOOTNOTE_REFERENCE):
            note = self._footnotes.get(reference.get(_ID) or "")
            if note is not None:
                self._notes_read += 1
                text = " ".join(line.strip() for line in self.blocks(note) if line.strip())
                yield f"({self._notes_read}) {text}"

    def _text_boxes(self, paragraph: _Element) -> Iterator[str]:
        """The lines of the text boxes anchored in ``paragraph``: each box once (not its fallback drawing), and a
        box inside a box through the outer box's own paragraphs."""
        for box in paragraph.iter(_TEXT_BOX):
            if _anchored_in(box, paragraph):
                yield from self.blocks(box)

    def _paragraph(self, paragraph: _Element) -> str:
        properties = paragraph.find(_PPR)
        style = _val(properties, "w:pStyle") or self._styles.default_paragraph
        text = self._runs_text(paragraph, style)
        label = self._label(properties, style)
        return f"{label} {text}" if label and text else text

    def _runs_text(self, paragraph: _Element, style: str | None) -> str:
        """The paragraph's text, each stretch of runs in a legacy font decoded as that font says."""
        pieces, fonts = [], set()
        for font, runs in groupby(_runs(paragraph), key=lambda run: self._legacy_font(run, style)):
            text = "".join(map(_run_text, runs))
            if font:
                fonts.add(font)
                text = decode_font_run(text, font)
            pieces.append(text)
        self.encodings.update(encoding for font in fonts if (encoding := font_encoding(font)))
        text = unicodedata.normalize("NFC", "".join(pieces).strip())
        if not fonts and _SUSPICIOUS.search(text):
            return self._unmarked(text)
        return text

    def _unmarked(self, text: str) -> str:
        """Decode legacy text whose font was lost, when decoding clearly makes it Vietnamese."""
        best, best_score = text, looks_vietnamese(text) + _UNMARKED_MARGIN
        for encoding, font in _UNMARKED_FONTS.items():
            decoded = decode_font_run(text, font)
            score = looks_vietnamese(decoded)
            if score > best_score and score >= MIN_SCORE:
                best, best_score = decoded, score
                self.encodings.add(encoding)
        return best

    def _label(self, properties: _Element | None, style: str | None) -> str:
        """The paragraph's list label, from its own numbering or its style's."""
        numbering = properties.find(_NUMPR) if properties is not None else None
        if numbering is None:
            numbering = self._styles.inherited(style, _style_numbering)
        num_id = _val(numbering, "w:numId")
        if not num_id or num_id == "0":
            return ""
        return self._numbering.label(num_id, _int(_val(numbering, "w:ilvl"), 0))

    def _legacy_font(self, run: _Element, paragraph_style: str | None) -> str | None:
        """The run's font if it is a legacy Vietnamese one: own, character style, paragraph style, default."""
        if not self._has_legacy_fonts:
            return None
        properties = run.find(_RPR)
        font = (_rfonts(properties)
                or self._styles.inherited(_val(properties, "w:rStyle"), _style_font)
                or self._styles.inherited(paragraph_style, _style_font)
                or self._styles.default_font)
        return font if font_encoding(font) else None


def _footnotes(document: WordDocument) -> dict[str, _Element]:
    """The file's footnotes by id; the separators Word keeps among them are cited by no paragraph.  A damaged
    footnotes part gives none: the body is still the document."""
    part = next((rel.target_part for rel in document.part.rels.values()
                 if rel.reltype == _FOOTNOTES_RELATION and not rel.is_external), None)
    if part is None:
        return {}
    try:
        notes = parse_xml(part.blob)
    except (etree.LxmlError, ValueError):
        return {}
    return {note.get(_ID): note for note in notes.iterchildren(_FOOTNOTE) if note.get(_ID)}


def _numbering_xml(document: WordDocument) -> _Element | None:
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return None


def _anchored_in(box: _Element, paragraph: _Element) -> bool:
    """Whether ``box`` belongs to ``paragraph`` itself: not a fallback copy, not a box inside another box."""
    for ancestor in box.iterancestors():
        if ancestor is paragraph:
            return True
        if ancestor.tag in (_FALLBACK, _TEXT_BOX):
            return False
    return True


def _runs(container: _Element) -> Iterator[_Element]:
    """The runs of a paragraph, including those inside links, insertions and content controls."""
    for child in container.iterchildren():
        if child.tag == _R:
            yield child
        elif child.tag in _RUN_WRAPPERS:
            yield from _runs(child)


def _run_text(run: _Element) -> str:
    return "".join(child.text or "" if child.tag == _T_TEXT else _RUN_CHARS.get(child.tag, "") for child in run)


def _rfonts(properties: _Element | None) -> str | None:
    """The font for non-ASCII text in run properties: legacy bytes (>= 0x80) use ``w:hAnsi``."""
    fonts = properties.find(_RFONTS) if properties is not None else None
    if fonts is None:
        return None
    return fonts.get(qn("w:hAnsi")) or fonts.get(qn("w:ascii")) or None


def _style_font(style: _Element) -> str | None:
    return _rfonts(style.find(_RPR))


def _style_numbering(style: _Element) -> _Element | None:
    properties = style.find(_PPR)
    return properties.find(_NUMPR) if properties is not None else None


def _int(text: str | None, default: int) -> int:
    """A number attribute, or ``default`` when a damaged file holds something else."""
    return int(text) if text and text.isdigit() else default


def _val(parent: _Element | None, tag: str) -> str | None:
    """The ``w:val`` of ``parent``'s child ``tag``, if both exist."""
    element = parent.find(qn(tag)) if parent is not None else None
    return None if element is None else element.get(_VAL)
