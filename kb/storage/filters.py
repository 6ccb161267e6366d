"""What a read may see: metadata filters and the caller's access level, as one SQL WHERE clause."""

from __future__ import annotations

import re
from datetime import date

from indexer.analyzer import fold
from kb.access.levels import LEVELS, check_level, visible_levels
from kb.errors import InvalidQueryError
from kb.storage.database import marks
from kb.storage.issuers import issuer_key

__all__ = ["DocumentFilters", "check_date", "listing_where"]

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def check_date(name: str, value: str | None) -> str | None:
    """``value`` if it is a real date as YYYY, YYYY-MM or YYYY-MM-DD (dates are stored so and compared as
    text); else ``InvalidQueryError``: ``2025-02-30`` ignored would answer as if no date had been given."""
    if not value:
        return None
    found = _DATE.match(value)
    try:
        if not found:
            raise ValueError
        date(int(found[1]), int(found[2] or 1), int(found[3] or 1))
    except ValueError:
        raise InvalidQueryError(f"{name}: {value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD") from None
    return value


class DocumentFilters:
    """Metadata filters and the caller's access level, shared by every read; builds one SQL WHERE clause.

    ``access`` is the highest level the caller may see (``kb.access.levels``); the
    default, ``restricted``, sees everything (the command line, the indexer).
    """

    def __init__(
        self,
        doc_type: str | None = None,
        issuer: str | None = None,
        since: str | None = None,
        until: str | None = None,
        number: str | None = None,
        *,
        access: str = LEVELS[-1],
    ) -> None:
        self.doc_type, self.issuer, self.number = doc_type, issuer, number
        self.since, self.until = check_date("since", since), check_date("until", until)
        if since and until and since[: len(until)] > until:
            raise InvalidQueryError(f"since ({since}) is after until ({until}): no document can be in between")
        self.access = check_level(access)

    def __bool__(self) -> bool:
        """Whether these filters may leave documents out: a metadata filter, or a level below the top."""
        return self.by_metadata or self.access != LEVELS[-1]

    @property
    def by_metadata(self) -> bool:
        return any((self.doc_type, self.issuer, self.since, self.until, self.number))

    def where(self, doc: str = "documents", chunk: str | None = None) -> tuple[str, list[str]]:
        """SQL conditions on ``doc`` (and, for the issuer, on the chunk's own issuer)."""
        clauses: list[str] = ["TRUE"]
        params: list[str] = []
        if self.access != LEVELS[-1]:
            levels = visible_levels(self.access)
            # "+" keeps the planner off documents_access here: most documents pass, so driving a
            # query from that index would visit every visible document (``Documents.hides_any`` uses it).
            clauses.append(f"+{doc}.access IN ({marks(levels)})")
            params += levels
        if self.doc_type:
            clauses.append(f"kb_fold({doc}.doc_type) = ?")
            params.append(fold(self.doc_type))
        if self.issuer:
            issuers = [f"{doc}.issuer", f"{doc}.issuer_parent"] + ([f"{chunk}.issuer"] if chunk else [])
            # The keys are words and spaces only, so the pattern needs no escaping.
            clauses.append("(" + " OR ".join(f"kb_issuer({c}) LIKE ?" for c in issuers) + ")")
            params += [f"%{issuer_key(self.issuer)}%"] * len(issuers)
        if self.since:
            clauses.append(f"{doc}.date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"substr({doc}.date, 1, {len(self.until)}) <= ?")
            params.append(self.until)
        if self.number:
            clauses.append(f"kb_fold({doc}.number) LIKE ?")
            params.append(f"%{fold(self.number)}%")
        return " AND ".join(clauses), params


def listing_where(filters: DocumentFilters | None, text: str | None) -> tuple[str, list]:
    """The WHERE clause of a document listing: the filters, and ``text`` within the title or number."""
    where, params = (filters or DocumentFilters()).where()
    if text:
        pattern = "%" + fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where += (" AND (kb_fold(documents.title) LIKE ? ESCAPE '\\' "
                  "OR kb_fold(documents.number) LIKE ? ESCAPE '\\')")
        params = [*params, pattern, pattern]
    return where, params
