"""The filters a page offers (type, issuer, year) as typed in its URL, and the facet links that set them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from indexer.analyzer import fold
from kb.access.levels import LEVELS
from kb.errors import UnknownFilterError
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.filters import resolve_filters, resolve_type
from kb.storage.facets import FacetCounts
from kb.storage.filters import DocumentFilters
from kb.storage.issuers import issuer_key

from .messages import message

__all__ = ["FacetGroup", "FacetItem", "PageFilters", "facet_groups"]

MAX_FILTER_CHARS = {"type": 100, "issuer": 200}   # the API's limits
FACET_LABELS = {"type": "Loại văn bản", "issuer": "Cơ quan ban hành", "year": "Năm ban hành"}
FACET_SHOWN = 8          # values of one facet listed before "Xem thêm"
_YEAR = re.compile(r"^\d{4}$")
_KEYS: dict[str, Callable[[str], str]] = {"issuer": issuer_key}  # how a facet's values compare (else folded)


@dataclass(frozen=True)
class PageFilters:
    """The filters a page offers, as typed in its URL, and the caller's level (not in URLs)."""

    type: str = ""
    issuer: str = ""
    year: str = ""
    access: str = LEVELS[-1]

    @classmethod
    def parse(cls, kb: KnowledgeBase, doc_type: str | None, issuer: str | None, year: str | None,
              access: str = LEVELS[-1]) -> tuple[PageFilters, list[str]]:
        """Filters and the Vietnamese messages for the ones that cannot be used (those are dropped); a type
        typed as a code or without accents (``KH``, ``ke hoach``) is kept under its name, as its facet shows it."""
        values = {"type": (doc_type or "").strip(), "issuer": (issuer or "").strip(), "year": (year or "").strip()}
        errors = []
        for name, limit in MAX_FILTER_CHARS.items():
            if len(values[name]) > limit:
                errors.append(message("filter_too_long", {"limit": limit}))
                values[name] = ""
        if values["year"] and not _YEAR.match(values["year"]):
            errors.append(message("bad_year", {"year": values["year"]}))
            values["year"] = ""
        if values["type"]:
            try:
                values["type"] = resolve_type(kb, values["type"], access)
            except UnknownFilterError as error:
                errors.append(message("unknown_type", {"type": values["type"], "known": ", ".join(error.known)}))
                values["type"] = ""
        return cls(**values, access=access), errors

    def engine(self, kb: KnowledgeBase) -> DocumentFilters:
        """The same filters for ``kb``: a year is the range from its first to its last day."""
        year = self.year or None
        return resolve_filters(kb, self.type, self.issuer, year, year, access=self.access)

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("type", self.type), ("issuer", self.issuer), ("year", self.year)) if v}

    def __bool__(self) -> bool:
        return bool(self.params())


@dataclass
class FacetItem:
    label: str
    count: int | None  # None: a value typed into the URL that is not one of the known ones
    url: str
    active: bool = False


@dataclass
class FacetGroup:
    name: str
    label: str
    items: list[FacetItem] = field(default_factory=list)
    clear_url: str | None = None

    def split(self, shown: int = FACET_SHOWN) -> tuple[list[FacetItem], list[FacetItem]]:
        """The values listed at once and those folded under "Xem thêm": a long list of issuers
        would push the other facets off the screen.  The active value is always listed."""
        first = self.items[:shown] + [i for i in self.items[shown:] if i.active]
        return first, [i for i in self.items[shown:] if not i.active]


def facet_groups(counts: FacetCounts, filters: PageFilters, url: Callable[[PageFilters], str]) -> list[FacetGroup]:
    """Facets as links (counts from ``Store.facets``): each value's link sets that filter, or clears it when active."""
    groups = []
    for name, label in FACET_LABELS.items():
        active = getattr(filters, name)
        key = _KEYS.get(name, fold)
        values: list[tuple[str, int | None]] = list(counts.get(name, []))
        if active and all(key(v) != key(active) for v, _ in values):
            values.insert(0, (active, None))  # typed into the URL, not a known value: shown so it can be removed
        group = FacetGroup(name, label, clear_url=url(replace(filters, **{name: ""})) if active else None)
        for value, count in values:
            chosen = bool(active) and key(value) == key(active)
            group.items.append(FacetItem(value, count, url(replace(filters, **{name: "" if chosen else value})), chosen))
        groups.append(group)
    return groups
