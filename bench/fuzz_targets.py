"""What ``fuzz_readers.py`` feeds the readers: real files as seeds, the mutations made of them, a target per reader.

Kept apart from the runner so that ``tests/test_fuzz_readers.py`` drives the
same targets under hypothesis without the runner's processes and watchdog.
Adding a reader means adding its target to ``TARGETS`` here.
"""

from __future__ import annotations

import copy
import io
import random
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from encodings.aliases import aliases
from pathlib import Path

import pypdfium2 as pdfium
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.legacy_encodings import (
    _VISCII_TABLE,  # noqa: E402 - the decoding table, inverted to make VISCII seeds
)

SHARED = ROOT.parent / "shared" / "data"
ENCODINGS = SHARED / "encodings"
Mutator = Callable[[bytes, random.Random], bytes]

# --- seeds ---------------------------------------------------------------------


def _files(folder: Path, pattern: str, count: int | None = None) -> list[bytes]:
    """The contents of the files matching ``pattern`` (the smallest ``count`` of them), or none."""
    paths = sorted(folder.glob(pattern), key=lambda p: (p.stat().st_size, p.name)) if folder.is_dir() else []
    return [p.read_bytes() for p in paths[:count]]


def _utf8_texts() -> list[str]:
    texts = [data.decode("utf-8") for data in _files(ENCODINGS, "*.utf8.txt")]
    return texts or [(ROOT / "corpus" / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md").read_text(encoding="utf-8")]


def encode_viscii(text: str) -> bytes:
    """VISCII bytes of NFC ``text`` (kb only decodes VISCII; this inverts its table to make samples)."""
    table = {char: byte for byte, char in enumerate(_VISCII_TABLE)}
    return bytes(table.get(char, ord("?")) for char in unicodedata.normalize("NFC", text))


def html_page(text: str, charset: str = "utf-8") -> bytes:
    """A saved web page around ``text``: menus, a header table, paragraphs, a footer, as the sites print them."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:60]
    body = "\n".join(f"<p>{line}</p>" for line in lines)
    page = (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{lines[0]}</title>'
            "<style>p{margin:0}</style><script>var a=1;</script></head><body>"
            '<nav class="menu"><a href="/">Trang chủ</a><a href="/vb">Văn bản</a></nav>'
            '<div class="login">Đăng nhập</div><main><article>'
            "<table><tr><td>BỘ NỘI VỤ<br>Số: 12/2024/TT-BNV</td><td>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</td></tr>"
            "<tr><th>Số hiệu</th><th>Ngày</th><th>Loại</th></tr></table>"
            f"{body}</article></main><footer>© Bản quyền thuộc về cơ quan</footer></body></html>")
    return page.encode(charset, errors="replace")


def _text_seeds(variant: str) -> Callable[[], list[bytes]]:
    return lambda: _files(ENCODINGS, f"*.{variant}")


def _utf8_seeds() -> list[bytes]:
    return [*_files(ENCODINGS, "*.utf8.txt"), (ROOT / "corpus" / "thong-tin-sinh-hoat-noi-bo-2020-12.txt").read_bytes()]


def _utf16_seeds() -> list[bytes]:
    texts = _utf8_texts()[:2]
    return [*_files(ENCODINGS, "*.utf16le_bom.txt"), *(t.encode("utf-16-le") for t in texts),
            *(t.encode("utf-16-be") for t in texts)]


def _markdown_seeds() -> list[bytes]:
    return [(ROOT / "corpus" / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md").read_bytes(),
            *_files(SHARED / "admin-docs" / "docs", "*.md", 3)]


def _html_seeds() -> list[bytes]:
    """Pages around the UTF-8 samples, one in UTF-16, and one in Windows-1258 (its bytes as the sample has them)."""
    texts = _utf8_texts()[:2]
    legacy = [data.decode("cp1258") for data in _files(ENCODINGS, "*.cp1258.txt", 1)]
    return [*(html_page(t) for t in texts), html_page(texts[-1], "utf-16"),
            *(html_page(t, "windows-1258") for t in legacy)]


def _docx_seeds() -> list[bytes]:
    return [*_files(ENCODINGS, "*.docx"), *_files(SHARED / "docx-pdf" / "laws-docx", "*.docx", 2),
            *_files(SHARED / "docx-pdf" / "court-docs" / "an_le", "*.docx")]


def _pdf_seeds() -> list[bytes]:
    """Two real PDFs, and the first page of each on its own, which is read faster."""
    whole = _files(SHARED / "docx-pdf" / "court-docs" / "an_le", "*.pdf", 2)
    return [*whole, *(first_page(data) for data in whole)]


def first_page(data: bytes) -> bytes:
    """A PDF of the first page of ``data``, fonts and all, as PDFium writes it."""
    source, single = pdfium.PdfDocument(data), pdfium.PdfDocument.new()
    single.import_pages(source, [0])
    buffer = io.BytesIO()
    single.save(buffer)
    return buffer.getvalue()


# --- mutations -----------------------------------------------------------------

MAX_INPUT_BYTES = 8 << 20  # stacked repetitions would otherwise grow inputs without end
INTERESTING_BYTES = b"\x00\x01\x0a\x0d\x1b\x20\x22\x25\x26\x2f\x3c\x3e\x5c\x7f\x80\xa0\xbf\xc0\xc3\xe1\xef\xfe\xff"
INTERESTING_NUMBERS = (b"0", b"-1", b"1", b"255", b"256", b"65535", b"2147483647", b"2147483648",
                       b"4294967296", b"99999999999999999999", b"1e308", b"NaN")


def _span(data: bytes, rng: random.Random) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.choice((1, 4, 16, 256, 4096)))


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8) if buffer else 0):
        buffer[rng.randrange(len(buffer))] ^= 1 << rng.randrange(8)
    return bytes(buffer)


def set_bytes(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8) if buffer else 0):
        buffer[rng.randrange(len(buffer))] = rng.choice(INTERESTING_BYTES)
    return bytes(buffer)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:start] + data[end:]


def repeat_chunk(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:end] + data[start:end] * rng.choice((2, 16, 256)) + data[end:]


def insert_random(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.choice((1, 8, 64, 1024))) + data[at:]


def swap_number(data: bytes, rng: random.Random) -> bytes:
    numbers = list(re.finditer(rb"-?\d+", data[:200_000]))
    if not numbers:
        return insert_random(data, rng)
    match = rng.choice(numbers)
    return data[: match.start()] + rng.choice(INTERESTING_NUMBERS) + data[match.end():]


def long_line(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice((b"a", b"\xc3\xa1 ", b"x" * 7 + b" ")) * 200_000 + data[at:]


def prepend_bom(data: bytes, rng: random.Random) -> bytes:
    """A byte-order mark that may not match the bytes after it."""
    return rng.choice((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) + data


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((0, 1, 2, 16, 512, 4096)))


BYTE_MUTATORS: tuple[Mutator, ...] = (flip_bits, set_bytes, truncate, delete_chunk, repeat_chunk,
                                      insert_random, swap_number)

_WORD_FRAGMENTS = (
    b"<w:p>", b"</w:p>", b"<w:r><w:t>\xc4\x90i\xe1\xbb\x81u 1.</w:t></w:r>", b"<w:tbl><w:tr><w:tc>",
    b"</w:tc></w:tr></w:tbl>", b"<w:sdt><w:sdtContent>", b"</w:sdtContent></w:sdt>", b"<w:hyperlink>",
    b'<w:numPr><w:ilvl w:val="8"/><w:numId w:val="1"/></w:numPr>', b'<w:rFonts w:ascii=".VnTime" w:hAnsi=".VnTime"/>',
    b'<w:rFonts w:hAnsi="VNI-Times"/>', b'<w:lvlText w:val="%1.%9%0"/>', b'<w:numFmt w:val="upperRoman"/>',
    b'<w:start w:val="99999999999"/>', b'<w:basedOn w:val="Normal"/>', b"<w:br/>", b"<w:tab/>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", b"<![CDATA[", b"]]>", b"\xff\xfe",
)


def _insert_fragment(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(_WORD_FRAGMENTS) * rng.choice((1, 1, 3, 300)) + data[at:]


def mutate_xml_tree(data: bytes, rng: random.Random) -> bytes:
    """A well-formed change to an XML part, which gets past the parser to the code reading the tree.

    An element is deleted, repeated, moved into another, nested hundreds deep,
    renamed to another tag of the part, or given an extreme attribute value.
    """
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
    except (etree.LxmlError, ValueError):
        return _insert_fragment(data, rng)
    elements = list(root.iter())
    element = rng.choice(elements)
    parent = element.getparent()
    choice = rng.randrange(6)
    if choice == 0 and parent is not None:
        parent.remove(element)
    elif choice == 1 and parent is not None:
        size = len(etree.tostring(element))
        for _ in range(min(rng.choice((1, 10, 300)), MAX_INPUT_BYTES // 4 // max(size, 1))):
            parent.append(copy.deepcopy(element))
    elif choice == 2:
        host = rng.choice(elements)
        if host is not element and element not in host.iterancestors() and parent is not None:
            host.append(element)
    elif choice == 3:
        inner = element
        for _ in range(rng.choice((10, 100, 240))):
            wrapper = etree.SubElement(inner, rng.choice(elements).tag)
            inner = wrapper
    elif choice == 4:
        element.tag = rng.choice(elements).tag
    elif element.attrib:
        name = rng.choice(list(element.attrib))
        element.set(name, rng.choice(INTERESTING_NUMBERS).decode() + rng.choice(("", "x", "%1", "%9")))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def mutate_zip_part(data: bytes, rng: random.Random) -> bytes:
    """Unpack one part of a Word package, mutate it (bytes or WordprocessingML), pack everything again."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = [(info, package.read(info)) for info in package.infolist()]
    except Exception:  # noqa: BLE001 - an earlier mutation broke the zip: mutate its bytes instead
        return flip_bits(data, rng)
    xml = [i for i, (info, _) in enumerate(parts) if info.filename.endswith(".xml") or info.filename.endswith(".rels")]
    target = rng.choice(xml or range(len(parts))) if parts else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for i, (info, content) in enumerate(parts):
            if i == target:
                if rng.random() < 0.1:
                    continue  # the part goes missing
                mutator = rng.choice((*BYTE_MUTATORS, _insert_fragment, *(mutate_xml_tree,) * 8))
                content = mutator(content, rng)
            package.writestr(info.filename, content)
    return buffer.getvalue()


def mutate_pdf_body(data: bytes, rng: random.Random) -> bytes:
    """A byte mutation between the header and the trailer, which the cheap checks up front would refuse."""
    head, tail = min(len(data), 16), max(16, len(data) - 64)
    if tail <= head:
        return flip_bits(data, rng)
    mutator = rng.choice((flip_bits, set_bytes, delete_chunk, repeat_chunk, insert_random, swap_number, swap_number))
    return data[:head] + mutator(data[head:tail], rng) + data[tail:]


_HTML_FRAGMENTS = (b"<div>", b"</div>", b"<table><tr><td>", b"<tr>", b"<td>", b"<th>", b"</table>", b"<br>",
                   b"<article>", b"<main>", b"<header>", b"<footer>", b"<script>", b"<!--", b"-->", b"<p hidden>",
                   b'<div class="menu">', b'<div style="display:none">', b"<svg><foreignObject>", b"&#0;",
                   b"&#xD800;", b"&nbsp;", b"<?xml version='1.0'?>")
_CODECS = sorted(set(aliases) | set(aliases.values()) | {"rot13", "idna", "punycode", "utf-7", "base64", "x"})


def mutate_html(data: bytes, rng: random.Random) -> bytes:
    """Tags in odd places, nesting hundreds deep, or the page's charset swapped for any codec name."""
    at = rng.randrange(len(data) + 1)
    choice = rng.random()
    if choice < 0.3:
        charset = rng.choice(_CODECS).encode("ascii")
        return re.sub(rb"charset=\"?[\w-]*", b'charset="' + charset, data, count=1) if b"charset" in data \
            else b'<meta charset="' + charset + b'">' + data
    if choice < 0.5:
        depth = rng.choice((100, 255, 257, 600, 3000))
        return data[:at] + b"<div>" * depth + b"\xc4\x90i\xe1\xbb\x81u 1" + b"</div>" * depth + data[at:]
    return data[:at] + rng.choice(_HTML_FRAGMENTS) * rng.choice((1, 2, 50)) + data[at:]


# --- targets -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One reader, the real files it starts from and the mutations made of them."""

    name: str
    suffix: str
    seeds: Callable[[], list[bytes]]
    mutators: tuple[Mutator, ...]


_TEXT = (*BYTE_MUTATORS, long_line, prepend_bom, random_bytes)
TARGETS = (
    Target("txt-utf8", ".txt", _utf8_seeds, _TEXT),
    Target("txt-utf16", ".txt", _utf16_seeds, _TEXT),
    Target("txt-nfd", ".txt", _text_seeds("nfd.txt"), _TEXT),
    Target("txt-tcvn3", ".txt", _text_seeds("tcvn3.txt"), _TEXT),
    Target("txt-vni", ".txt", _text_seeds("vni.txt"), _TEXT),
    Target("txt-viscii", ".txt", lambda: [encode_viscii(t) for t in _utf8_texts()], _TEXT),
    Target("txt-cp1258", ".txt", _text_seeds("cp1258.txt"), _TEXT),
    Target("md-web", ".md", _markdown_seeds, _TEXT),
    Target("docx", ".docx", _docx_seeds, (*BYTE_MUTATORS, random_bytes, *(mutate_zip_part,) * 6)),
    Target("pdf", ".pdf", _pdf_seeds, (*BYTE_MUTATORS, random_bytes, *(mutate_pdf_body,) * 6)),
    Target("html", ".html", _html_seeds, (*_TEXT, *(mutate_html,) * 4)),
)


def mutate(seed: bytes, rng: random.Random, target: Target) -> bytes:
    """The seed with one to four of the target's mutations applied in turn, kept under ``MAX_INPUT_BYTES``."""
    data = seed
    for _ in range(rng.choice((1, 1, 2, 3, 4))):
        mutated = rng.choice(target.mutators)(data, rng)
        data = mutated if len(mutated) <= MAX_INPUT_BYTES else data
    return data
