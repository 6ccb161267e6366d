"""Fuzz every reader kb indexes with: mutate real files, and hold each reader to its contract.

    .venv/bin/python bench/fuzz_readers.py --seconds 60 [--only docx,pdf] [--out DIR] [--seed N]

The contract (``indexer/read.py``): whatever the bytes, ``read_file`` returns
text or raises ``UnreadableFileError`` (``LimitExceededError`` for a file over
a limit), and never hangs.  Any other exception is a crash; an input that
runs longer than ``--hang`` seconds is a hang.

Each target is one reader fed one kind of file: plain text in every encoding
kb reads (UTF-8, UTF-16 with and without BOM, NFD, TCVN3, VNI, VISCII,
Windows-1258), Markdown saved from the legal site, Word, PDF and HTML.  Seeds
are real files (``corpus/``, ``../shared/data/encodings``, a few Word and PDF
files of ``../shared/data/docx-pdf`` and saved pages of ``admin-docs``) and
pages built from them; each input is a seed with one to four mutations
stacked: bit flips, interesting bytes, truncation, chunks deleted, repeated
or inserted, numbers swapped for extreme ones, a 200,000-character line,
random bytes; in Word files a part of the zip is unpacked, mutated (bytes or
WordprocessingML fragments) and packed again, or dropped; in PDF files the
body is mutated between the header and ``%%EOF``; in HTML tags, deep nesting
and ``<meta charset>`` with any codec name are inserted.  ``tests/
test_fuzz_readers.py`` runs the same mutations under hypothesis, which
shrinks what it finds.

Each target runs in a child process under a 4 GiB address-space limit, so a
memory blow-up is a ``MemoryError`` crash, and a watchdog kills a child stuck
on one input (C code, such as PDFium or a regular expression, cannot be
interrupted from inside).  Each new crash is shrunk (chunks deleted while the
same exception at the same place recurs) and saved under ``--out`` with the
slowest input of each target.  Printed per target: inputs tried, how many
returned text and how many were refused, crashes (distinct), hangs, the
slowest input and the mean time per input.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import multiprocessing
import random
import re
import resource
import sys
import tempfile
import time
import traceback
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from encodings.aliases import aliases
from pathlib import Path

import pypdfium2 as pdfium
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.errors import UnreadableFileError  # noqa: E402
from indexer.legacy_encodings import (
    _VISCII_TABLE,  # noqa: E402 - the decoding table, inverted to make VISCII seeds
)
from indexer.read import read_file  # noqa: E402
from kb.config import Limits  # noqa: E402

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


# --- running one target --------------------------------------------------------

LIMITS = Limits()
MEMORY_LIMIT = 4 << 30


def outcome(path: Path) -> tuple[str, str | None]:
    """``("text", None)``, ``("refused", None)``, or ``("crash", signature)`` for reading ``path``."""
    try:
        read_file(path, limits=LIMITS)
    except UnreadableFileError:
        return "refused", None
    except Exception as exc:  # noqa: BLE001 - anything else breaks the contract: that is what is sought
        return "crash", signature(exc)
    return "text", None


def signature(exc: BaseException) -> str:
    """The exception's type and where it was raised: in kb's code, and innermost."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/site-packages/" not in f.filename and f.filename.startswith(str(ROOT))]
    where = [f"{Path(f.filename).name}:{f.lineno}" for f in (ours[-1:] + frames[-1:])]
    return f"{type(exc).__name__} at {' / '.join(dict.fromkeys(where))}: {str(exc)[:120]}"


def shrink(data: bytes, path: Path, wanted: str, seconds: float = 20.0) -> bytes:
    """Delete chunks of ``data`` while reading it still crashes at the same place (the message may change)."""
    place = wanted.split(":", 2)[:2]
    deadline = time.monotonic() + seconds
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        start, smaller = 0, False
        while start < len(data) and time.monotonic() < deadline:
            candidate = data[:start] + data[start + chunk:]
            path.write_bytes(candidate)
            kind, found = outcome(path)
            if kind == "crash" and found.split(":", 2)[:2] == place:
                data, smaller = candidate, True
            else:
                start += chunk
        if not smaller:
            chunk //= 2
    return data


@dataclass
class Figures:
    """What one target's run found."""

    target: str
    inputs: int = 0
    text: int = 0
    refused: int = 0
    crashes: int = 0
    hangs: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_file: str = ""
    distinct: dict[str, str] = field(default_factory=dict)  # signature -> saved input


def _worker(target: Target, seconds: float, seed: int, work: Path, out: Path, started, conn) -> None:
    """Fuzz ``target`` for ``seconds``; send its ``Figures`` back. ``started`` holds the current input's start."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    rng, seeds = random.Random(seed), target.seeds()
    figures = Figures(target.name)
    path, slowest = work / f"input{target.suffix}", b""
    deadline = time.monotonic() + seconds
    while seeds and time.monotonic() < deadline:
        data = mutate(rng.choice(seeds), rng, target)
        path.write_bytes(data)
        started.value = time.monotonic()
        begun = time.perf_counter()
        kind, found = outcome(path)
        elapsed = time.perf_counter() - begun
        started.value = 0.0
        figures.inputs += 1
        figures.seconds += elapsed
        if elapsed > figures.slowest:
            figures.slowest, slowest = elapsed, data
        if kind != "crash":
            setattr(figures, kind, getattr(figures, kind) + 1)
            continue
        figures.crashes += 1
        if found not in figures.distinct:
            saved = out / f"{target.name}-crash-{len(figures.distinct) + 1}{target.suffix}"
            saved.write_bytes(shrink(data, path, found))
            figures.distinct[found] = str(saved)
    if slowest:
        figures.slowest_file = str(out / f"{target.name}-slowest{target.suffix}")
        Path(figures.slowest_file).write_bytes(slowest)
    conn.send(figures)


def run_target(target: Target, seconds: float, seed: int, out: Path, hang: float) -> Figures:
    """Fuzz one target in child processes; a child stuck on one input for ``hang`` seconds is killed and restarted."""
    context = multiprocessing.get_context("fork")
    total = Figures(target.name)
    deadline = time.monotonic() + seconds
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as work:
        while (left := deadline - time.monotonic()) > 1:
            started = context.Value("d", 0.0)
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_worker, args=(target, left, seed, Path(work), out, started, send))
            child.start()
            result = _watch(child, receive, started, hang, left)
            if isinstance(result, Figures):
                _add(total, result)
            else:  # keep the input it was reading when it hung or died
                number = len(total.distinct) + 1
                saved = out / f"{target.name}-{result.split()[0]}-{number}{target.suffix}"
                stuck = next(Path(work).glob("input*"), None)
                saved.write_bytes(stuck.read_bytes() if stuck else b"")
                total.hangs += result.startswith("hang")
                total.crashes += result.startswith("died")
                total.distinct[f"{result} #{number}"] = str(saved)
            seed += 1
    return total


def _watch(child, receive, started, hang: float, budget: float) -> Figures | str:
    """The child's figures, or why it was lost: a hang on one input, a death, or overrunning its budget."""
    end = time.monotonic() + budget + hang + 30  # shrinking a last crash may run past the budget
    why = "overran its budget (mutating or shrinking, not reading)"
    while time.monotonic() < end:
        if receive.poll(0.5):
            result = receive.recv()
            child.join()
            return result
        if not child.is_alive():
            return f"died with exit code {child.exitcode} (a crash in C code, or out of memory)"
        if started.value and time.monotonic() - started.value > hang:
            why = f"hang: over {hang:g} s on one input"
            break
    child.kill()
    child.join()
    return why


def _add(total: Figures, part: Figures) -> None:
    for name in ("inputs", "text", "refused", "crashes", "hangs", "seconds"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    if part.slowest > total.slowest:
        total.slowest, total.slowest_file = part.slowest, part.slowest_file
    for found, saved in part.distinct.items():
        total.distinct.setdefault(found, saved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="time budget per target")
    parser.add_argument("--only", default="", help="comma-separated target names (default: all)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kb-fuzz",
                        help="where the crashing, hanging and slowest inputs are saved")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hang", type=float, default=20, help="seconds on one input that count as a hang")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    chosen = [t for t in TARGETS if not args.only or t.name in args.only.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for target in chosen:
        if not target.seeds():
            print(f"{target.name}: no seed files (is ../shared/data here?); skipped", file=sys.stderr)
            continue
        figures = run_target(target, args.seconds, args.seed, args.out, args.hang)
        results.append(figures)
        print(f"{target.name}: {figures.inputs} inputs, {len(figures.distinct)} distinct problems", file=sys.stderr)
    if args.json:
        print(json.dumps([asdict(f) for f in results], indent=2, ensure_ascii=False))
    else:
        _print_table(results, args.out)
    return 1 if any(f.crashes or f.hangs for f in results) else 0


def _print_table(results: list[Figures], out: Path) -> None:
    print(f"{'target':<11} {'inputs':>7} {'text':>6} {'refused':>7} {'crashes':>7} {'hangs':>5} "
          f"{'slowest s':>9} {'mean ms':>7}")
    for f in results:
        mean = 1000 * f.seconds / max(f.inputs, 1)
        print(f"{f.target:<11} {f.inputs:>7} {f.text:>6} {f.refused:>7} {f.crashes:>7} {f.hangs:>5} "
              f"{f.slowest:>9.3f} {mean:>7.1f}")
    for f in results:
        for found, saved in f.distinct.items():
            print(f"  {f.target}: {found}\n    input: {saved}")
    print(f"Inputs kept in {out}")


if __name__ == "__main__":
    raise SystemExit(main())
