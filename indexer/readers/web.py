"""Saved web pages (``.html``/``.htm``) and Markdown saved from legal web sites.

A page saved from a site carries the site around the document: menus,
scripts, login notices, copyright banners, and on the legal library that
most offices copy from (THƯ VIỆN PHÁP LUẬT) a metadata table of its own
(``Số hiệu`` / ``Loại văn bản`` / ``Nơi ban hành`` …), an editorial summary,
an English translation behind a paywall and lists of related documents.
None of it is the document: it would be indexed as passages, and the site's
metadata table would be read as the document's own number and issuer.

``read_html`` keeps the page's text blocks as lines (table rows as lines),
without the page chrome; ``strip_web_furniture`` cuts the legal site's
furniture from text or Markdown; ``read_web_markdown`` reads a ``.md`` file
and strips it only when it is such a saved page.  Offsets of chunks point
into the returned ``text``; the original file stays on disk.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import lxml.html
from lxml import etree

from indexer.analyzer import nfc
from indexer.decode import decode_text, read_text_file
from indexer.errors import LimitExceededError, UnreadableFileError
from indexer.limits import DEFAULT_LIMITS, ReadingLimits, check_limit
from indexer.model import SourceText

__all__ = ["looks_like_saved_page", "read_html", "read_web_markdown", "strip_web_furniture"]

# --- the legal site's furniture, as it reads in text or Markdown -------------

# Strings only the site's page chrome prints; two of them make a saved page.
_SITE_MARKERS = (
    "THƯ VIỆN PHÁP LUẬT",
    "Đang tải văn bản...",
    "Click vào phần bôi vàng để xem chi tiết",
    "CÁC NỘI DUNG ĐƯỢC SỬA ĐỔI, HƯỚNG DẪN",
    "Văn bản này chưa cập nhật nội dung Tiếng Anh",
)
# Field names of the site's metadata table; ``Tình trạng`` closes it.
_TABLE_LABELS = frozenset({
    "Số hiệu", "Loại văn bản", "Nơi ban hành", "Người ký", "Ngày ban hành", "Ngày hiệu lực",
    "Ngày hợp nhất", "Ngày công báo", "Số công báo", "Tình trạng",
})
_LABEL = re.compile(r"^([^\W\d][\w ]*?)\s*:\s*(.*)$")
_MARKUP = " \t\r*#|"
# Lines that start the trailing furniture (the page after the document).
_TRAILER_LINES = re.compile(
    r"^(?:(?:#+\s*)?Văn bản liên quan\s*$|NỘI DUNG SỬA ĐỔI, HƯỚNG DẪN\s*$|\**FILE ĐƯỢC(?:\s|$)"
    r"|Văn bản này chưa cập nhật nội dung Tiếng Anh)"
)
# The site's note on a page whose text it has not published yet.
_NO_TEXT_YET = "Văn bản này đang cập nhật Nội dung"
# Last line of the site's editorial summary ("Xem chi tiết tại Nghị quyết 08/2025/NQ-CP …").
_SUMMARY_END = re.compile(r"^Xem\b.{0,40}\b(?:chi tiết|thêm)\b")


def _bare(line: str) -> str:
    """A line without Markdown emphasis, heading hashes and table pipes around it."""
    return line.strip(_MARKUP).replace("**", "").strip()


def _is_filler(line: str) -> bool:
    """Blank lines, lone pipes, ``#`` and ``* *``: what the conversion leaves between cells."""
    return not line.strip(_MARKUP)


def looks_like_saved_page(text: str) -> bool:
    """True if ``text`` carries the legal site's page chrome (two of its markers)."""
    return sum(marker in text for marker in _SITE_MARKERS) >= 2


def _label_at(line: str) -> tuple[str, str] | None:
    """``(label, rest of the line)`` if ``line`` starts with one of the table's labels."""
    match = _LABEL.match(_bare(line))
    if match and match.group(1) in _TABLE_LABELS:
        return match.group(1), match.group(2).strip(" \t|")
    return None


def _skip_filler(lines: list[str], i: int) -> int:
    while i < len(lines) and _is_filler(lines[i]):
        i += 1
    return i


def _metadata_table(lines: list[str]) -> tuple[int, dict[str, str]] | None:
    """``(line after the table, fields)`` for the site's metadata table, if the page has one.

    In Markdown each label and value is a line between lone pipes (a label
    may be split after its ``**``); in text read from HTML a row is one
    line of tab-separated cells.  Either way the table is a run of labels
    each followed by one value, and ends at the first line that is neither.
    """
    start = next((i for i, line in enumerate(lines) if _bare(line).startswith("Số hiệu:")), None)
    if start is None:
        return None
    fields: dict[str, str] = {}
    pending: str | None = None
    i = start
    while (i := _skip_filler(lines, i)) < len(lines):
        found = _label_at(lines[i])
        if found is None and pending is None:
            break
        cells = [found[0] + ":", *found[1].split("\t")] if found else [_bare(lines[i])]
        for cell in filter(None, (c.strip() for c in cells)):
            label = _label_at(cell)
            if label:
                pending = label[0]
                cell = label[1]
            if cell and pending:
                fields[pending], pending = cell, None
        i += 1
    return i, fields


def _head_end(lines: list[str]) -> tuple[int, str | None]:
    """Index of the first line after the page's head furniture, and the site's document number."""
    table = _metadata_table(lines)
    if table:
        return table[0], table[1].get("Số hiệu")
    loading = next((i for i, line in enumerate(lines) if line.strip() == "Đang tải văn bản..."), -1)
    return _skip_filler(lines, loading + 1), None


def _summary_end(lines: list[str], i: int) -> int:
    """Skip the site's editorial summary (``## headline`` … ``Xem chi tiết tại …``) at line ``i``."""
    if i >= len(lines) or not lines[i].startswith("## "):
        return i
    for j in range(i + 1, len(lines)):
        if _is_filler(lines[j]) and lines[j].strip():
            return j
        if _SUMMARY_END.match(lines[j]):
            return j + 1
    return i


# The site's title line: a type name, the number, then at least three words of subject.
_TITLE_HEAD = re.compile(r"([^\W\d][\w ]{0,40}?)\s(?:No\.\s*)?")
_TITLE_HEAD_CHARS = 60
_TITLE_TAIL = re.compile(r"(?:\s+\S+){3,}")


def _site_title(line: str, number: str | None) -> bool:
    """The site's own title line: ``Thông tư 109/2025/TT-BTC quy định …``, ``Circular No. 109/2025/TT-BTC dated …``.

    A type name before the number and a subject after it: the document's own
    ``Số: 109/2025/TT-BTC`` line has neither.
    The number comes from the page, so it is looked for as a string, never
    compiled into a pattern: a page whose "number" is a 100,000-character line
    took seconds per line that way.
    """
    if not number:
        return False
    at = line.find(number)
    while 0 < at <= _TITLE_HEAD_CHARS:
        head = _TITLE_HEAD.fullmatch(line, 0, at)
        if head and _TITLE_TAIL.match(line, at + len(number)):
            return head.group(1).split()[0].lower() not in ("số", "no")
        at = line.find(number, at + 1)
    return False


def _trailer_start(lines: list[str], start: int, number: str | None) -> int:
    """First line of the page after the document: titles, translation, related documents."""
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if _NO_TEXT_YET in line:
            return i
        if _TRAILER_LINES.match(line):
            return i - 1 if i > start and _site_title(lines[i - 1], number) else i
        if _site_title(line, number) and i > start and lines[i - 1].strip() and _is_filler(lines[i - 1]):
            return i  # the site's English translation follows
    return len(lines)


def _trim(lines: list[str]) -> list[str]:
    """Drop filler lines left at either end of the document."""
    first = _skip_filler(lines, 0)
    last = len(lines)
    while last > first and _is_filler(lines[last - 1]):
        last -= 1
    return lines[first:last]


def strip_web_furniture(text: str) -> str:
    """The document inside a page saved from the legal site, without the site's furniture.

    Cut: everything up to the site's metadata table and the table itself
    (its number and issuer must not be read as the document's own), the
    editorial summary after it, and everything from the site's closing title
    line on (English translation, related documents, notices).  The
    document's own header (``BỘ TÀI CHÍNH`` / ``Số: 5348/CT-CS`` …) is kept.
    A text without the site's markers is returned unchanged.
    """
    if not looks_like_saved_page(text):
        return text
    lines = text.split("\n")
    start, number = _head_end(lines)
    start = _skip_filler(lines, _summary_end(lines, start))
    end = _trailer_start(lines, start, number)
    return "\n".join(_trim(lines[start:end]))


def read_web_markdown(path: Path) -> SourceText:
    """Read a ``.md`` file; a page saved from the legal site comes back without its furniture."""
    text, encoding = read_text_file(path)
    if not looks_like_saved_page(text):
        return SourceText(path=path, text=text, encoding=encoding, format="markdown")
    stripped = strip_web_furniture(text)
    if not stripped.strip():
        raise UnreadableFileError(
            "a saved web page without the document's text (the site had not published it): "
            "download the document itself"
        )
    return SourceText(path=path, text=stripped, encoding=encoding, format="markdown")


# --- HTML --------------------------------------------------------------------

# Never text: code, styling, embedded objects, forms and the page's navigation.
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
              "form", "button", "input", "select", "textarea", "nav", "aside", "dialog", "menu")
# Class, id or role words that name page chrome on most sites.
_CHROME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|sidebar|breadcrumbs?|login|signin|sign-in"
    r"|banner|cookies?|share|social|advert|ads|popup|modal|toolbar|search|copyright|site-header"
    r"|site-footer|footer|contentinfo|complementary)(?:$|[-_\s])",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "address", "figure", "figcaption",
    "table", "caption", "center", "hr", "body",
})
# Short lines of page chrome that survive without a telling class name.
_CHROME_LINE = re.compile(
    r"^(?:đăng nhập|đăng ký|đăng xuất|quên mật khẩu|log ?in|sign ?in|sign ?up|đang tải văn bản\.*"
    r"|(?:©|copyright\b|bản quyền (?:thuộc|©)).{0,150})$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decode_html(data: bytes) -> tuple[str, str]:
    """Decode by BOM, then the page's declared charset, then as UTF-8/UTF-16."""
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = declared.group(1).decode("ascii").lower()
        try:
            if codecs.lookup(name).name not in ("utf-8", "utf-16"):
                return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _is_chrome(element: etree._Element) -> bool:
    """Hidden elements and elements whose class, id or role names page chrome."""
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if re.search(r"display\s*:\s*none", element.get("style", ""), re.IGNORECASE):
        return True
    names = " ".join(element.get(a, "") for a in ("class", "id", "role"))
    return bool(names.strip()) and _CHROME.search(names) is not None


def _main_root(document: etree._Element) -> etree._Element:
    """The page's ``<main>`` or single ``<article>`` if it marks one, else its body."""
    for query in ("//main", "//*[@role='main']", "//article"):
        found = document.xpath(query)
        if len(found) == 1:
            return found[0]
    body = document.find("body")
    return body if body is not None else document


def _drop_chrome(root: etree._Element) -> None:
    """Remove everything that is never the document from the tree, keeping tails.

    ``<header>`` and ``<footer>`` are the site's unless they sit inside an
    ``<article>``, where they hold the article's own title and signature.
    An element holding most of the page's text is never chrome, whatever
    its class says (``<div class="content has-sidebar">``).
    """
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False)
    total = len(root.text_content())
    for element in list(root.iter()):
        if element is root or not isinstance(element.tag, str):
            continue
        site_block = element.tag in ("header", "footer") and not any(
            a.tag == "article" for a in element.iterancestors())
        if (site_block or _is_chrome(element)) and len(element.text_content()) <= total / 2:
            element.drop_tree()


class _Lines:
    """Collects inline text into lines; a block boundary or ``<br>`` ends a line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def text(self, value: str | None) -> None:
        if value:
            self.buffer.append(value)

    def end_line(self) -> None:
        line = _SPACES.sub(" ", "".join(self.buffer)).strip()
        self.buffer = []
        if line and not _CHROME_LINE.match(line):
            self.lines.append(line)


def _walk(element: etree._Element, out: _Lines) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "br":
        out.end_line()
    elif tag == "tr":
        out.end_line()
        out.lines.extend(_row_lines(element))
    else:
        if tag in _BLOCK_TAGS:
            out.end_line()
        out.text(element.text)
        for child in element:
            _walk(child, out)
        if tag in _BLOCK_TAGS:
            out.end_line()
    out.text(element.tail)


def _row_lines(row: etree._Element) -> list[str]:
    """A data table's row as one line (cells separated by a tab); other rows cell by cell.

    Official documents set their header (issuer beside the national motto,
    number beside place and date) in a two-column table; reading such rows
    cell by cell keeps ``Số: …`` and ``Hà Nội, ngày …`` on lines of their
    own, as the Word and text versions of the same document have them.  A
    row is a data row when it has header cells or at least three cells,
    each holding one line.
    """
    cells, header = [], False
    for cell in row:
        if isinstance(cell.tag, str) and cell.tag in ("td", "th"):
            out = _Lines()
            out.text(cell.text)
            for child in cell:
                _walk(child, out)
            out.end_line()
            cells.append(out.lines)
            header = header or cell.tag == "th"
    if (header or len(cells) >= 3) and all(len(lines) <= 1 for lines in cells):
        line = "\t".join(lines[0] for lines in cells if lines)
        return [line] if line else []
    return [line for lines in cells for line in lines]


def _depth(root: etree._Element) -> int:
    """How deeply elements nest under ``root``, counted without recursion."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse(markup: str, limits: ReadingLimits) -> etree._Element:
    """The page's tree, refused when it nests deeper than the limit.

    libxml2 stops at a fixed depth (256, or 2048 with ``huge_tree``) and
    silently drops the rest of the page; parsing with ``huge_tree`` and
    measuring the depth ourselves turns that into a refusal that names the
    limit, and keeps the recursive walk below within Python's stack.
    """
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        document = lxml.html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableFileError(f"not a readable web page: {exc}") from exc
    beyond = [e.message.strip() for e in parser.error_log if e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT]
    if beyond:
        raise LimitExceededError(f"the web page is past the HTML parser's own limits: {beyond[0]}")
    check_limit(limits, "max_html_depth", _depth(document), "nesting depth of the page's elements")
    return document


def _page_lines(markup: str, limits: ReadingLimits) -> list[str]:
    """The lines of the page's main text, chrome removed."""
    document = _parse(markup, limits)
    root = _main_root(document)
    _drop_chrome(root)
    out = _Lines()
    _walk(root, out)
    out.end_line()
    return out.lines


def read_html(path: Path, limits: ReadingLimits = DEFAULT_LIMITS) -> SourceText:
    """The main text of a saved web page: one line per paragraph, heading, list item or table row."""
    markup, encoding = _decode_html(path.read_bytes())
    text = nfc("\n".join(_page_lines(markup, limits)))
    text = strip_web_furniture(text)
    if not text.strip():
        raise UnreadableFileError("the web page holds no text outside its menus and notices")
    return SourceText(path=path, text=text, encoding=encoding, format="html")
