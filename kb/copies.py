"""Whether a file just read is a document already indexed: a copy of its text, or a new version of it.

The same document reaches an index many ways: one upload sent twice, a plan
as a VNI ``.txt`` and as a TCVN3 ``.docx``, an excerpt of a law beside the
whole.  Stored each time, its passages would come back once per copy.  A file
is the document already indexed (among documents of its own access level) when:

1. its words (``indexer.analyzer.words``: normalised, lower case, without
   layout or punctuation) are exactly those of a file already recorded: a
   **copy**, whatever its encoding or format;
2. or its identity (type, number, issuer and date, all four read from it) is
   a document's, and the two texts are essentially the same (``SAME_TEXT`` of
   the shorter one's runs of ``RUN`` words are in the longer): a **copy** too,
   or a **fuller** copy when it holds clearly more words (``FULLER``), whose
   text then becomes the document's;
3. or its identity is a document's and its text is not the same: a **newer**
   version, which replaces it (the file read later is the newer).

The date is part of the identity: administrative numbering starts again every
year, so one number, type and issuer on two dates are two documents.  A
number reused by another issuer, or of another type, is another document.
A file without all four is matched by its words alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from indexer.analyzer import words
from indexer.model import DocumentMeta
from kb.storage.sources import COPY, EARLIER
from kb.storage.store import Store

__all__ = ["COPY_OF", "FULLER", "FULLER_COPY", "Match", "NEWER", "RUN", "SAME_TEXT", "earlier_twin", "find_match",
           "overlap"]

RUN = 5  # words per run compared: long enough that common phrases do not make two texts alike
SAME_TEXT = 0.9  # share of the shorter text's runs found in the longer: one text, read differently or in part
FULLER = 1.1  # a copy with this many times the words of the stored text replaces it: the fuller text is kept
COPY_OF, FULLER_COPY, NEWER = "copy", "fuller", "newer"


@dataclass(frozen=True)
class Match:
    """What a file is to an indexed document.

    ``kind``: ``copy`` (record the file, store nothing), ``fuller`` (store it,
    in place of the document's text) or ``newer`` (store it, replacing the
    document).  ``role``: what a copy's row is (``copy``, or ``earlier`` for a
    copy of a version already replaced).  ``of``: the file the document was read from.
    """

    kind: str
    document_id: int
    of: str
    role: str = COPY


def overlap(text: str, other: str) -> tuple[float, float]:
    """How much of the shorter text is in the longer (runs of ``RUN`` words), and ``text``'s words per ``other``'s."""
    a, b = words(text), words(other)
    if not a or not b:
        return 0.0, 0.0
    runs_a, runs_b = _runs(a), _runs(b)
    shared = len(runs_a & runs_b) / min(len(runs_a), len(runs_b))
    return shared, len(a) / len(b)


def _runs(text_words: list[str]) -> set[tuple[str, ...]]:
    """Every ``RUN`` consecutive words (the whole text when it is shorter)."""
    size = min(RUN, len(text_words))
    return {tuple(text_words[i : i + size]) for i in range(len(text_words) - size + 1)}


def identity(meta: DocumentMeta) -> tuple[str, str, str, str] | None:
    """Type, number, organ and date, or ``None`` unless all four were read.

    The organ is the body the header names (``issuer_parent`` when the issuer
    is a body under it): a copy that lacks the signature ("T/M BỘ CHÍNH TRỊ")
    only knows the Central Committee its header prints, and is still the same
    document.
    """
    organ = meta.issuer_parent or meta.issuer
    doc_type, number, organ, date = (v.strip() if v else "" for v in (meta.doc_type, meta.number, organ, meta.date))
    return (doc_type, number, organ, date) if doc_type and number and organ and date else None


def find_match(store: Store, text: str, text_words_hash: str, meta: DocumentMeta, access: str) -> Match | None:
    """The indexed document this text is, and how; ``None`` for a document not indexed yet."""
    return _by_words(store, text_words_hash, access) or _by_identity(store, lambda: text, meta, access)


def _by_words(store: Store, text_words_hash: str, access: str, exclude: int | None = None) -> Match | None:
    known = store.sources.with_words(text_words_hash, access, exclude)
    if known is None:
        return None
    return Match(COPY_OF, known.document_id, _file_of(store, known.document_id),
                 EARLIER if known.role == EARLIER else COPY)


def _by_identity(store: Store, text: Callable[[], str], meta: DocumentMeta, access: str,
                 exclude: int | None = None) -> Match | None:
    """The oldest other document with this identity; ``text`` is read only if there is one."""
    key = identity(meta)
    others = [doc_id for doc_id in store.documents.with_identity(*key, access) if doc_id != exclude] if key else []
    if not others:
        return None
    shared, more = overlap(text(), store.documents.text_of(others[0]))
    if shared < SAME_TEXT:
        return Match(NEWER, others[0], _file_of(store, others[0]))
    return Match(FULLER_COPY if more >= FULLER else COPY_OF, others[0], _file_of(store, others[0]))


def earlier_twin(store: Store, doc_id: int, text_words_hash: str) -> Match | None:
    """An older document (lower id) of which this indexed one is a copy, or a fuller copy; ``None`` if none.

    Copies stored as documents of their own (before copies were recognised, or
    in another order) are found when their files are indexed again: the
    newer of two twins is the one that goes, so that the older id, which
    links and bookmarks may use, stays.  New versions are not looked for here.
    ``text_words_hash`` is the stored hash of its text's words: an unchanged
    document's text is read again only when another has its identity.
    """
    document = store.documents.get(doc_id)
    meta = DocumentMeta(**{name: document[name] for name in ("doc_type", "number", "issuer", "date")})
    match = _by_words(store, text_words_hash, document["access"], doc_id) or _by_identity(
        store, lambda: store.documents.text_of(doc_id), meta, document["access"], doc_id)
    return match if match and match.kind != NEWER and match.document_id < doc_id else None


def _file_of(store: Store, doc_id: int) -> str:
    return str(store.documents.get(doc_id)["source"])
