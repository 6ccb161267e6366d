"""From decoded text to a ``ParsedDocument``: structure, chunks, metadata, references, card.

This is the indexer's only composition step; each stage it calls is a pure
function tested on its own.
"""

from __future__ import annotations

from dataclasses import replace

from indexer.coverage import restore_lost_lines
from indexer.garbled import find_garbled
from indexer.legal import citation_root
from indexer.metadata import document_card, extract_metadata
from indexer.model import Chunk, DocumentMeta, ParsedDocument, Section, SourceText, Span
from indexer.passages import chunk_sections
from indexer.references import extract_references, own_reference
from indexer.structure import parse_sections

__all__ = ["parse_document", "frame_part", "in_frame", "CARD_SECTION", "FRAME_SECTIONS", "PARSING_VERSION"]

# The version of what this step makes of a text (header, metadata, passages, references).  ``kb index``
# skips a file whose text it has already indexed under this version; bumped when a change reads real
# files differently, so that an index made before reads them again (their unchanged passages keep their
# vectors).  3: OCR'd headers, closing tables and dates, the Youth Union's header (docs/reading.md).
# 4: a Party number's unit after its issuer (142-KH/TĐTN-TG), "BCH Đoàn" in an issuer.
# 5: an organ wrapped above the position is no signer ("TM. ỦY BAN / NHÂN DÂN / KT. CHỦ TỊCH").
# 6: "BAN THƯỜNG VỤ TỈNH ỦY" one organ, names with an apostrophe or a one-letter syllable ("H'Lim Niê",
#    "Y Bih Niê"), a plan's subject line that opens "Thực hiện …", a Party body under its parent named with its
#    place ("Tỉnh ủy Lào Cai"; the card prints the parent only when the name lacks it).
# 7: a bulletin whose articles are titled in capitals (wrapped over lines) and signed below them, "BẢN TIN SINH
#    HOẠT CHI BỘ" a bulletin dated by its issue line; a web page's organ lines joined by dashes read apart;
#    "Ban Tuyên giáo và Dân vận", "Sở Nông nghiệp và Môi trường" … cased as named.
# 8: a Word file's header block printed in its first page's header is read (indexer.readers.word).
# 9: a PDF title's last line centred under it joins it whatever its case ("… danh thắng Tràng" / "An").
# 10: a signer's position OCR read without its tone marks is the known one ("PHO CHU TỊCH": "Phó Chủ tịch").
# 11: a signature flattened onto one line, a board named with its committee, a dash before a place, a symbol that
#     stops at a word, a title's subject broken where its author broke it (docs/reading.md, stop 36).
# 12: a bulletin article's author line ends its own passage and its first title heads its first article, "K/T" and
#     "T/L" open the closing, a Word grid of data reads one row a line, Word footnotes follow what cites them, an
#     annex after the signature is text.
# 13: a Word text box is read after the paragraph it is anchored to; a decision signs before the regulation it
#     issues; a PDF title in capitals ends above its text; "Chịu trách nhiệm nội dung" opens a bulletin's
#     imprint; "LƯU HÀNH NỘI BỘ" ends a bulletin's title; "THÀNH ỦY HỘI AN" keeps its place's capitals; a PDF
#     letter's wrapped V/v line no longer hides its number; a date whose day is left blank gives its month.
# 14: a central Party document is issued by the Bộ Chính trị or Ban Bí thư that signs for itself, under the
#     Central Committee its organ line names; a PDF letter's organ and V/v subject wrapped over blank lines
#     ("… VÀ MÔI" / "TRƯỜNG", "… lợn châu" / "Phi") keep its organ and number; "a) …" under an unpunctuated line
#     is an item of its own; a bulletin's contents stay in its header, "ĐẢNG CỘNG SẢN VIỆT NAM: …" there is a title,
#     and "Sở Văn hóa, Thể thao và Du lịch" signs its article; an enacting body above "- Căn cứ …" ends the title;
#     "Kính gửi:" is no heading of a letter's text.
# 15-17: docs/reading.md, "What fresh-23's … files showed" (stop 40) to "What fresh-29's and fresh-30's files showed"
#     (stop 42: rules of em dashes and ornaments, a mass organisation's motto, colour scans' seals and signatures).
# 18: docs/reading.md, "What fresh-33's and fresh-34's files showed" (stop 43: OCR's marks before "Nơi nhận" and a
#     header line, a signature's stroke after the name, commune stations, school names).
# 19: docs/reading.md, "What fresh-37's to fresh-40's files showed" (stop 44: a body named with its place, "ấp" and "khóm"
#     as places, the Front's Thông tri, a seal's specks in a scan's number).
# 20: docs/reading.md, "What fresh-41's to fresh-43's files showed" (stop 45: a letter's subject wrapped at an
#     abbreviation, a head inside a word of an organ's name, the Party's Đề cương).
# 21: docs/reading.md, "What scans' specks showed" (stop 46: a scan's specks before a header's line,
#     its number inside a garbled line, its place and date without a header, an organ of a head and a digit).
# 22: docs/reading.md, "Minutes, invitations, a closing before a long annex" (stop 47: Biên bản, Giấy mời and Thư ngỏ
#     are kinds, a closing is found before an annex longer than the window, a position's words wrapped onto a line end
#     it, a mark of urgency is no organ, "S6" is "Số", a police chief's position).
# 23: docs/reading.md, "The surname Ông" (stop 48: "Ông Văn Thuận" is a name whole, not the title Ông and "Văn Thuận").
# 24: docs/reading.md, "Headers read again" (stop 54: OCR's misread number lines, a ward named An, a place named like an
#     organ's head, an organ's own number, a subject wrapped onto digits, the committee under a garbled Party line, a
#     record's "Hôm nay").
# 25: docs/reading.md, "A euro sign in a number" (stop 55: OCR reads a C after the number's stroke as "€", "194/€V-CAX").
# 26: docs/reading.md, "A seal over a number" (stop 60: a seal over the T of "824-TB/ĐU" reads "824-7B/ĐU" or
#     "555-TP/ĐU", whose citations then named no document: under a title of that kind, its code; "›§ố 610-TB/ĐU" is
#     a number line, "/“THÔNG BÁO KẾT LUẬN" a title).
PARSING_VERSION = 26

CARD_SECTION = "Thông tin văn bản"
# The header (issuing body, number, place and date, title) and the end (recipients, signer) are the
# document's own words: indexed as passages under these names, besides the card that reads them as metadata.
FRAME_SECTIONS = {"header": "Phần đầu văn bản", "closing": "Phần cuối văn bản"}


def frame_part(section: str) -> str | None:
    """``"header"`` or ``"closing"`` when a stored passage's section path (``Chunk.section``) is that part of its
    document's frame, else None."""
    return next((part for part, name in FRAME_SECTIONS.items() if section.rpartition(" › ")[2] == name), None)


def in_frame(section: str) -> bool:
    """Whether a stored passage's section path (``Chunk.section``) is its document's header or closing."""
    return frame_part(section) is not None


def _card(meta: DocumentMeta) -> Chunk:
    """The document card: metadata in words, so "ai ký…" or "ban hành ngày nào" can find it."""
    own = own_reference(meta.number, meta.doc_type) if meta.number else None
    return Chunk(text=document_card(meta), heading_path=[CARD_SECTION], char_start=0, char_end=0,
                 issuer=meta.issuer, kind="card", references=[own] if own else [])


def _with_frame(sections: list[Section]) -> list[Section]:
    """The header and closing sections as body sections of their own, so that no line of the document is
    left out of its passages: a search for a recipient, a signer's title or the issuing body finds them."""
    return [replace(s, heading_path=[FRAME_SECTIONS[s.kind]], kind="body") if s.kind in FRAME_SECTIONS else s
            for s in sections]


def _blank(text: str, spans: list[Span]) -> str:
    """``text`` with the spans turned into spaces: gone for every stage, offsets unchanged."""
    if not spans:
        return text
    pieces, last = [], 0
    for span in spans:
        pieces += [text[last:span.start], " " * (span.end - span.start)]
        last = span.end
    return "".join(pieces) + text[last:]


def parse_document(source: SourceText, furniture: list[Span] | None = None) -> ParsedDocument:
    """Parse one document; the ``furniture`` spans (``indexer.boilerplate.find_furniture``:
    whole lines outside the document, learned over the whole folder) are left out."""
    text = _blank(source.text, furniture or [])
    meta = extract_metadata(text, source.catalogue)
    # Paths read like citations: "Luật Cư trú 2020 › Chương II › Điều 8 › Khoản 3".
    chunks = chunk_sections(text, _with_frame(parse_sections(text)), root=citation_root(meta))
    restore_lost_lines(text, chunks)
    own = own_reference(meta.number, meta.doc_type) if meta.number else None
    for chunk in chunks:
        chunk.issuer = chunk.issuer or meta.issuer
        chunk.references = extract_references(chunk.text, own)
        chunk.page = source.page_at(chunk.char_start)
    chunks.append(_card(meta))
    references = [ref for chunk in chunks if chunk.kind == "body" for ref in chunk.references]
    garbled = sum(span.end - span.start for span in find_garbled(text))
    return ParsedDocument(source=source, meta=meta, chunks=chunks, references=references, garbled_chars=garbled)
