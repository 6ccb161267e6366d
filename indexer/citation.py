"""A document's citation as staff write it in a Căn cứ line: type, number, date, issuer, subject, in that order.

``Chỉ thị số 05-CT/TW ngày 15 tháng 5 năm 2016 của Bộ Chính trị về đẩy mạnh …``,
``Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư``,
``Luật Cư trú số 68/2020/QH14``.  The conventions are those the real Căn cứ lines of
``../shared/data`` follow most (counted in docs/citation.md): the date in words, the day
written with two digits and the month with one (but January and February with two,
as Nghị định 30/2020/NĐ-CP asks of a document's own date); a law, code or ordinance
by its name and number, without its date or the legislature; anything else ``của``
its issuer, then its subject: as printed when it opens with ``về`` or with the verb
of an act (``quy định``, ``ban hành``, ``phê duyệt`` …), else after ``về``; a letter's
``V/v`` subject after ``về việc``.

A part the document does not give is left out, words and all: no ``số`` without a
number, no ``ngày`` without a date.  Pure text in, text out: the API, the pages, the
command line and drafting help all cite with this one function.
"""

from __future__ import annotations

import re

__all__ = ["citation", "citation_date"]

# Documents cited by their name ("Luật Cư trú số 68/2020/QH14"), not "của" their issuer.
NAMED_TYPES = ("Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh")
# A subject opening with the verb of the act reads on from the issuer without "về":
# "… của Chính phủ quy định chi tiết …", "… của Thủ tướng Chính phủ phê duyệt Đề án …".
_ACT_VERBS = re.compile(
    r"^(quy định|ban hành|phê duyệt|công bố|bãi bỏ|sửa đổi|bổ sung|hướng dẫn|phân cấp|giao|thành lập|kiện toàn"
    r"|ủy quyền|điều chỉnh|phục vụ)\b")
_LETTER = "V/v"
_TRAILING = " .;,:"


def citation_date(iso: str | None) -> str | None:
    """``2016-05-15`` as cited: ``ngày 15 tháng 5 năm 2016``; ``2020-12`` as ``tháng 12 năm 2020``."""
    if not iso:
        return None
    parts = iso.split("-")
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
        return None
    year = f"năm {parts[0]}"
    if len(parts) == 1:
        return year
    month = int(parts[1])
    month_text = f"tháng {month:02d}" if month <= 2 else f"tháng {month}"
    if len(parts) == 2:
        return f"{month_text} {year}"
    return f"ngày {int(parts[2]):02d} {month_text} {year}"


def _lower_first(text: str) -> str:
    """The first word in small letters when it is a capitalised common word ("Về", "Quy"), kept when it is
    an acronym or in capitals throughout ("ASEAN", "COVID-19")."""
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:] == first[1:].lower():
        return first.lower() + text[len(first):]
    return text


def _about(subject: str, letter: bool) -> str:
    """The subject as it follows the issuer: ``về …``, ``về việc …`` for a letter, or the act's own verb."""
    subject = _lower_first(subject)
    if subject.startswith(("về ", "của ")):
        return subject
    if letter:
        return f"về việc {subject}"
    return subject if _ACT_VERBS.match(subject) else f"về {subject}"


def _named(doc_type: str, number: str | None, date: str | None, subject: str | None) -> str:
    """A law by its name: ``Luật Cư trú số 68/2020/QH14``; its date only when it has no number."""
    name = doc_type
    if subject:
        name += " " + subject[:1].upper() + subject[1:]
    if number:
        return f"{name} số {number}"
    when = citation_date(date)
    return f"{name} {when}" if when else name


def citation(doc_type: str | None, number: str | None, date: str | None, issuer: str | None,
             subject: str | None, title: str | None = None) -> str | None:
    """The citation of a document from its metadata, or ``None`` when it has neither a type nor a number.

    ``date`` is ISO 8601 (``2016-05-15`` or ``2016-05``); ``title`` tells a letter (``V/v …``), whose
    subject reads ``về việc …``.  A document of no known type but with a number is a ``Văn bản``.
    """
    number = (number or "").strip() or None
    subject = " ".join((subject or "").split()).strip(_TRAILING) or None
    doc_type = (doc_type or "").strip() or ("Văn bản" if number else None)
    if doc_type is None:
        return None
    if doc_type in NAMED_TYPES:
        return _named(doc_type, number, date, subject)
    parts = [doc_type, number and f"số {number}", citation_date(date)]
    if issuer and not (subject and subject.lower().startswith("của ")):
        parts.append(f"của {issuer.strip()}")
    if subject:
        parts.append(_about(subject, letter=bool(title and title.startswith(_LETTER))))
    return " ".join(p for p in parts if p)
