"""Facet counts: documents per type, issuer and year, each among the documents the *other* filters keep.

A count is what choosing that value would leave, so no facet link leads to an
empty list.  Values the filters treat as one (the same folded form) are counted
together under their first spelling in the list's order (newest first).  An
issuer's count is that of its filter: documents whose issuer or parent body
contains the name (``Ban Tuyên giáo`` also counts ``Ban Tuyên giáo Tỉnh ủy``).
All three come from one query, grouped in SQL, instead of listing the documents
once per facet.
"""

from __future__ import annotations

from kb.storage.database import Database
from kb.storage.filters import DocumentFilters

__all__ = ["Facets", "FacetCounts"]

FacetCounts = dict[str, list[tuple[str, int]]]  # facet ("type", "issuer", "year") → (value, documents)

_FIRST = "ORDER BY date DESC, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"  # the listing's order

_SQL = f"""
WITH by_type AS (SELECT id, date, doc_type FROM documents WHERE {{type}}),
by_issuer AS (SELECT id, date, issuer, kb_fold(coalesce(issuer, '')) AS folded,
                     kb_fold(coalesce(issuer_parent, '')) AS parent FROM documents WHERE {{issuer}}),
by_year AS (SELECT substr(date, 1, 4) AS year FROM documents WHERE {{year}}),
issuers AS (SELECT DISTINCT folded, first_value(issuer) OVER (PARTITION BY folded {_FIRST}) AS label
            FROM by_issuer WHERE coalesce(issuer, '') != '')
SELECT 'type', label, count(*) FROM (
    SELECT kb_fold(doc_type) AS folded, first_value(doc_type) OVER (PARTITION BY kb_fold(doc_type) {_FIRST}) AS label
    FROM by_type WHERE coalesce(doc_type, '') != '') GROUP BY folded
UNION ALL
SELECT 'issuer', issuers.label, count(*) FROM issuers JOIN by_issuer d
    ON instr(d.folded, issuers.folded) > 0 OR instr(d.parent, issuers.folded) > 0 GROUP BY issuers.folded
UNION ALL
SELECT 'year', year, count(*) FROM by_year WHERE coalesce(year, '') != '' GROUP BY year
"""


def _without(filters: DocumentFilters, facet: str) -> DocumentFilters:
    """The filters with the facet's own filter dropped (the year facet is the since–until range)."""
    kept = {"doc_type": filters.doc_type, "issuer": filters.issuer, "since": filters.since, "until": filters.until,
            "number": filters.number}
    dropped = {"type": ("doc_type",), "issuer": ("issuer",), "year": ("since", "until")}[facet]
    return DocumentFilters(**{name: None if name in dropped else value for name, value in kept.items()},
                           access=filters.access)


class Facets:
    def __init__(self, db: Database) -> None:
        self.db = db

    def counts(self, filters: DocumentFilters) -> FacetCounts:
        """Types and issuers by count (most first, then by name), years newest first."""
        clauses, params = {}, []
        for facet in ("type", "issuer", "year"):
            clauses[facet], facet_params = _without(filters, facet).where()
            params += facet_params
        counts: FacetCounts = {"type": [], "issuer": [], "year": []}
        for facet, value, count in self.db.execute(_SQL.format(**clauses), params):
            counts[facet].append((value, count))
        for facet in ("type", "issuer"):
            counts[facet].sort(key=lambda kv: (-kv[1], kv[0]))
        counts["year"].sort(reverse=True)
        return counts
