"""Local issuers told apart by name: every province has an Ủy ban nhân dân that numbers its decisions QĐ-UBND.

A number's issuer code says ``UBND`` or ``HĐND`` for all sixty-three
provinces, and a department's code (``SGDĐT``) or a provincial Party
committee's (``TU``) is no better, so two provinces' "Quyết định
15/2021/QĐ-UBND" are two documents that only the issuer's name tells apart.
``local_issuer_key`` reduces such a name, as a header or a citation prints it
("UBND tỉnh Bình Dương", "Ủy ban nhân dân tỉnh Bình Dương", "Sở Y tế tỉnh
Quảng Ninh", "Tỉnh ủy Quảng Ninh"), to one folded key that keeps the body and
its place; a name that is no local body, or names no place, has none.  The
organ words come from the codes data (``generic_organs``,
``local_departments``, ``parent_heads``, ``localities``).
"""

from __future__ import annotations

import re
from functools import cache

from indexer.analyzer import fold, nfc
from indexer.codes import word_list

__all__ = ["local_issuer_key", "same_local_issuer"]

# Abbreviations of organ and locality words, spelled out before anything is compared.
_ABBREVIATIONS = ((re.compile(r"(?<!\w)UBND(?!\w)", re.IGNORECASE), "Ủy ban nhân dân"),
                  (re.compile(r"(?<!\w)(?:HĐND|HDND)(?!\w)", re.IGNORECASE), "Hội đồng nhân dân"),
                  (re.compile(r"(?<!\w)TP\.?\s*(?=\w)", re.IGNORECASE), "thành phố "))
_MAX_DEPARTMENT_WORDS = 8  # "Sở Lao động - Thương binh và Xã hội" before its "tỉnh"
_MAX_PLACE_WORDS = 5  # "Bà Rịa - Vũng Tàu"
_DASHES = ("-", "–")
_EDGES = re.compile(r"^[^\w-]+|[^\w-]+$")  # quotes, brackets, stars, commas around a word


def _phrases(list_name: str) -> list[tuple[str, ...]]:
    return [tuple(fold(phrase).split()) for phrase in word_list(list_name)]


@cache
def _heads() -> tuple[tuple[tuple[str, ...], str], ...]:
    """Folded organ heads, longest first, each with its kind: ``generic`` (a committee or council, then its
    locality), ``department`` (a name, then its locality) or ``party`` (its place, no locality word)."""
    kinds = {**{h: "generic" for h in _phrases("generic_organs")}, **{h: "department" for h in _phrases("local_departments")},
             **{h: "party" for h in _phrases("parent_heads")}}
    return tuple(sorted(kinds.items(), key=lambda item: -len(item[0])))


@cache
def _localities() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted(set(_phrases("localities")), key=len, reverse=True))


def _phrase_at(folded: list[str], at: int, phrases: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    return next((p for p in phrases if tuple(folded[at:at + len(p)]) == p), None)


def _place(printed: list[str]) -> list[str]:
    """The capitalised words at the start of ``printed`` ("Bình Dương", "Bà Rịa - Vũng Tàu"), folded;
    a punctuation mark ends it ("tỉnh Bình Dương; Quyết định …")."""
    place: list[str] = []
    for raw in printed[:_MAX_PLACE_WORDS]:
        word = _EDGES.sub("", raw)
        if not word or not (word[:1].isupper() or (word in _DASHES and place)):
            break
        place.append(word)
        if word != raw:
            break
    while place and place[-1] in _DASHES:
        place.pop()
    return [fold(w) for w in place if w not in _DASHES]


def local_issuer_key(name: str | None) -> str | None:
    """The folded key of a local body's name, its place included (``uy ban nhan dan tinh binh duong``);
    ``None`` when ``name`` does not begin with a local body and its place.

    Text may follow the name ("UBND tỉnh Bình Dương về việc …"): the place
    ends at the first word not capitalised, so the name must be printed in
    its ordinary casing (as in running text and in a document's metadata).
    """
    if not name:
        return None
    text = nfc(name)
    for pattern, spelled in _ABBREVIATIONS:
        text = pattern.sub(spelled, text)
    printed = text.replace("–", " – ").split()
    folded = [fold(_EDGES.sub("", w)) for w in printed]
    found = next(((h, kind) for h, kind in _heads() if tuple(folded[:len(h)]) == h), None)
    if found is None:
        return None
    head, kind = found
    at = len(head)
    department: list[str] = []
    while kind == "department" and at < len(folded) and len(department) < _MAX_DEPARTMENT_WORDS \
            and not _phrase_at(folded, at, _localities()):
        department.append(folded[at])
        at += 1
    locality = _phrase_at(folded, at, _localities())
    if locality is None and kind != "party":
        return None  # "UBND" alone, "Sở Y tế" alone: no place, no key
    at += len(locality or ())
    # "của Ủy ban nhân dân tỉnh, Ủy ban nhân dân xã …": a mark after the locality ends the name without a place
    place = _place(printed[at:]) if not (locality and _EDGES.search(printed[at - 1])) else []
    if not place or (kind == "department" and not department):
        return None
    return " ".join((*head, *department, *(locality or ()), *place))


def same_local_issuer(cited: str, own: str | None) -> bool:
    """Whether a citation's local body (a key) is the document's own (its issuer's key).

    In running text the place may run into a capitalised word after it ("của
    UBND tỉnh Bắc Giang Ban hành …" keys as ``… tinh bac giang ban``), so the
    citation's key may go on past the document's, a word or more, never stop short of it.
    """
    return own is not None and (cited == own or cited.startswith(own + " "))
