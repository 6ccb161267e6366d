"""Filters as people type them, resolved once for every caller: the command line, the API and the pages pass
the strings they were given, and get back ``DocumentFilters`` or an error that says what is known.

A document type is named by its code (``KH``), its name in any case, with or
without accents (``Kế hoạch``, ``ke hoach``), or its English word (``Plan``),
from ``indexer/data/codes.json``; a type the index itself holds is known too.
A type that is none of these is refused (``UnknownFilterError``, with the known
ones) instead of answering nothing, which reads as "there are no such
documents".  An issuer is matched with its abbreviations spelt out
(``kb.storage.issuers``) and dates are checked by ``DocumentFilters`` itself.
"""

from __future__ import annotations

from indexer.analyzer import fold
from indexer.codes import doc_types, type_by_name, type_by_symbol
from kb.access.levels import LEVELS
from kb.errors import UnknownFilterError
from kb.knowledge_base import KnowledgeBase
from kb.storage.filters import DocumentFilters

__all__ = ["known_types", "resolve_filters", "resolve_type"]


def _given(value: str | None) -> str | None:
    """A filter's value, stripped; ``None`` when nothing was typed."""
    return value.strip() or None if value else None


def known_types(kb: KnowledgeBase, access: str = LEVELS[-1]) -> list[str]:
    """Every type a filter accepts, as ``name (code)``: those in the index first (most documents first), then
    the others kb knows, in the data file's order."""
    labels = {fold(t.name): f"{t.name} ({t.code})" if t.code else t.name for t in doc_types()}
    present = kb.store.documents.types(access)
    seen = {fold(name) for name in present}
    return [labels.get(fold(name), name) for name in present] + [label for key, label in labels.items() if key not in seen]


def resolve_type(kb: KnowledgeBase, value: str, access: str = LEVELS[-1]) -> str:
    """The type's name as documents are filed under it: ``KH``, ``ke hoach``, ``Plan`` → ``Kế hoạch``."""
    known = type_by_name(value) or type_by_symbol(value)
    if known:
        return known.name
    held = next((name for name in kb.store.documents.types(access) if fold(name) == fold(value)), None)
    if held is None:
        raise UnknownFilterError("document type", value, known_types(kb, access))
    return held


def resolve_filters(kb: KnowledgeBase, doc_type: str | None = None, issuer: str | None = None,
                    since: str | None = None, until: str | None = None, number: str | None = None,
                    *, access: str = LEVELS[-1]) -> DocumentFilters:
    """The filters as typed, resolved: the type named, the rest stripped; an invalid date or an unknown type
    raises ``InvalidQueryError`` (``UnknownFilterError``)."""
    doc_type = _given(doc_type)
    return DocumentFilters(resolve_type(kb, doc_type, access) if doc_type else None, _given(issuer), _given(since),
                           _given(until), _given(number), access=access)
