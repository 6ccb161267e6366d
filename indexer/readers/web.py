"""Saved web pages (``.html``/``.htm``) and Markdown or plain text saved from legal web sites.

A page saved from a site carries the site around the document: menus,
scripts, login notices, copyright banners, and on the legal library that
most offices copy from (THƯ VIỆN PHÁP LUẬT) furniture of its own, a metadata
table that would be read as the document's number and issuer among it
(``indexer.readers.web_furniture``).

``read_html`` keeps the page's text blocks as lines (table rows as lines),
without the page chrome, then cuts the legal site's furniture;
``read_web_text`` reads a ``.md`` or ``.txt`` file and strips it only when it is
such a saved page (the site's text copied into a file keeps its furniture too).  Either hands the site's metadata table on as the
``SourceText``'s ``catalogue`` (read for what the document does not say of
itself).  Offsets of chunks point into the returned ``text``; the original
file stays on disk.
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
from indexer.front_matter import split_front_matter
from indexer.limits import DEFAULT_LIMITS, ReadingLimits, check_limit
from indexer.model import SourceText
from indexer.readers.web_furniture import looks_like_saved_page, read_saved_page

__all__ = ["read_html", "read_web_text"]


def read_web_text(path: Path, format: str = "markdown") -> SourceText:
    """Read a ``.md`` (``format`` "markdown") or ``.txt`` ("text") file; a page saved from the legal site comes
    back without its furniture.

    Front matter put on top of a saved page (``access: restricted``) is no
    furniture: it is kept at the top, where indexing takes it out and reads it.
    A saved page comes back in NFC, as ``read_html``'s do: the site's markers are
    composed, and a page copied with decomposed accents must still show them.
    """
    typed, encoding = read_text_file(path)
    text = nfc(typed)
    if not looks_like_saved_page(text):
        return SourceText(path=path, text=typed, encoding=encoding, format=format)
    body = split_front_matter(text)[1]
    page = read_saved_page(body)
    if not page.text.strip():
        raise UnreadableFileError(
            "a saved web page without the document's text (the site had not published it): "
            "download the document itself"
        )
    kept = text[: len(text) - len(body)] + page.text
    return SourceText(path=path, text=kept, encoding=encoding, format=format, catalogue=page.catalogue)


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
# Inside an article, a footer is the article's own: its recipients and signature.
_ARTICLE_FOOTER = re.compile(r"(?:^|[-_\s])footer(?:$|[-_\s])", re.IGNORECASE)
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
    names = _names(element)
    return bool(names.strip()) and _CHROME.search(names) is not None


def _names(element: etree._Element) -> str:
    return " ".join(element.get(a, "") for a in ("class", "id", "role"))


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
    ``<article>``, where they hold the article's own title and signature; so
    is an element classed as a footer (``<table class="vb-footer">``: the
    recipients beside the signature).
    An element holding most of the page's text is never chrome, whatever
    its class says (``<div class="content has-sidebar">``).
    """
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False)
    total = len(root.text_content())
    for element in list(root.iter()):
        if element is root or not isinstance(element.tag, str):
            continue
        in_article = any(a.tag == "article" for a in element.iterancestors())
        site_block = element.tag in ("header", "footer") and not in_article
        chrome = _is_chrome(element) and not (in_article and _ARTICLE_FOOTER.search(_names(element)))
        if (site_block or chrome) and len(element.text_content()) <= total / 2:
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
    page = read_saved_page(nfc("\n".join(_page_lines(markup, limits))))
    if not page.text.strip():
        raise UnreadableFileError("the web page holds no text outside its menus and notices")
    return SourceText(path=path, text=page.text, encoding=encoding, format="html", catalogue=page.catalogue)
