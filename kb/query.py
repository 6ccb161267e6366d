"""Understanding a query: its matching forms, the documents it names, its full-text expression."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.normalize import fold, normalize
from indexer.references import extract_references

__all__ = ["Query", "understand"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Query:
    text: str  # as typed
    normalized: str  # NFC, one tone-mark convention: what the model embeds
    folded: str
    has_accents: bool
    keys: list[str]  # reference keys: "CT:5"
    full_keys: list[str]  # "CT:5:TW" where the query names the issuer

    def fts_match(self) -> str:
        """An FTS5 expression: any syllable, in the accented column as typed, in the folded one folded.

        Every token is quoted, so user input can never be read as FTS5 syntax.
        """
        accented = _TOKEN.findall(self.normalized.lower())
        folded = _TOKEN.findall(self.folded)
        if not folded:
            return ""
        parts = []
        if self.has_accents:
            parts.append("accented : (" + " OR ".join(f'"{t}"' for t in accented) + ")")
        parts.append("folded : (" + " OR ".join(f'"{t}"' for t in folded) + ")")
        return " OR ".join(parts)


def understand(text: str) -> Query:
    normalized = normalize(text)
    folded = fold(text)
    references = extract_references(normalized)
    return Query(
        text=text,
        normalized=normalized,
        folded=folded,
        has_accents=normalized.lower() != folded,
        keys=sorted({r.key for r in references}),
        full_keys=sorted({r.full_key for r in references}),
    )
