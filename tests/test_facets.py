"""Facet counts from one SQL query (kb.storage.facets), against the documents the filters leave, counted by hand."""

from __future__ import annotations

import pytest

from indexer.analyzer import fold
from kb.storage.filters import DocumentFilters
from kb.storage.store import Store

# (doc_type, issuer, issuer_parent, date, access): spellings that fold alike, parents, missing values
DOCUMENTS = [
    ("Kế hoạch", "Ban Tuyên giáo Tỉnh ủy", "Tỉnh ủy Bạc Liêu", "2020-12-01", "public"),
    ("kế hoạch", "Ban Tuyên giáo", None, "2020-03", "public"),
    ("Chỉ thị", "Tỉnh ủy Bạc Liêu", None, "2019", "public"),
    ("Chỉ thị", "BAN TUYÊN GIÁO", "Tỉnh ủy Bạc Liêu", None, "internal"),
    (None, "", None, "", "public"),
    ("Nghị quyết", None, "Ban Tuyên giáo Trung ương", "2021-01-05", "restricted"),
    ("Kế hoạch", "Ban Tuyên giáo Trung ương", None, "2021", "internal"),
]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "kb.sqlite")
    with store.db.transaction():
        for n, (doc_type, issuer, parent, date, access) in enumerate(DOCUMENTS):
            store.db.insert("documents", {
                "path": f"/d/{n}.txt", "source": f"{n}.txt", "content_hash": str(n), "indexed_at": "2026-01-01",
                "doc_type": doc_type, "issuer": issuer, "issuer_parent": parent, "date": date, "access": access})
    yield store
    store.close()


def _counted_by_hand(store: Store, filters: DocumentFilters) -> dict[str, list[tuple[str, int]]]:
    """Each facet from the listing of what the other filters keep: values that fold alike under their first
    spelling; an issuer counts the documents whose issuer or parent contains it, as its filter does."""
    def listed(**dropped: None) -> list[dict]:
        kept = dict(doc_type=filters.doc_type, issuer=filters.issuer, since=filters.since, until=filters.until)
        return store.documents.listing(DocumentFilters(**(kept | dropped), access=filters.access))

    def tally(values: list[str | None]) -> dict[str, int]:
        labels: dict[str, str] = {}
        counts: dict[str, int] = {}
        for value in filter(None, values):
            label = labels.setdefault(fold(value), value)
            counts[label] = counts.get(label, 0) + 1
        return counts

    rows = listed(issuer=None)
    issuers = {name: sum(fold(name) in fold(r["issuer"] or "") or fold(name) in fold(r["issuer_parent"] or "")
                         for r in rows) for name in tally([r["issuer"] for r in rows])}
    def by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    return {"type": by_count(tally([r["doc_type"] for r in listed(doc_type=None)])), "issuer": by_count(issuers),
            "year": sorted(tally([(r["date"] or "")[:4] for r in listed(since=None, until=None)]).items(), reverse=True)}


def test_counts_group_spellings_and_count_issuers_with_their_parents(store):
    counts = store.facets.counts(DocumentFilters())
    assert counts["type"] == [("Kế hoạch", 3), ("Chỉ thị", 2), ("Nghị quyết", 1)]
    # "BAN TUYÊN GIÁO" joins "Ban Tuyên giáo", which also counts its longer names and a parent body
    assert counts["issuer"] == [("Ban Tuyên giáo", 5), ("Tỉnh ủy Bạc Liêu", 3), ("Ban Tuyên giáo Trung ương", 2),
                                ("Ban Tuyên giáo Tỉnh ủy", 1)]
    assert counts["year"] == [("2021", 2), ("2020", 2), ("2019", 1)]


@pytest.mark.parametrize("filters", [
    DocumentFilters(), DocumentFilters(access="public"), DocumentFilters(access="internal"),
    DocumentFilters("kế hoạch"), DocumentFilters(issuer="tuyen giao"), DocumentFilters(since="2020", until="2020"),
    DocumentFilters("Chỉ thị", "Tỉnh ủy", "2019", "2019", access="internal"), DocumentFilters("không có"),
])
def test_counts_are_those_of_listing_what_the_other_filters_keep(store, filters):
    assert store.facets.counts(filters) == _counted_by_hand(store, filters)


def test_a_facet_ignores_its_own_filter_only(store):
    typed = store.facets.counts(DocumentFilters("Chỉ thị"))
    assert dict(typed["type"]) == {"Kế hoạch": 3, "Chỉ thị": 2, "Nghị quyết": 1}  # every type stays choosable
    assert typed["year"] == [("2019", 1)]  # the undated Chỉ thị has no year
    assert store.facets.counts(DocumentFilters(access="public"))["type"] == [("Kế hoạch", 2), ("Chỉ thị", 1)]
