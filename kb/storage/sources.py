"""The document_sources table: every file a document was read from, or recognised in, and what it is to it.

One document, many files: the same text arrives as UTF-8, VNI and TCVN3
``.txt``, as a ``.docx`` and as an upload sent twice.  Each file is a row,
keyed by its absolute path, with the hash of its text as read (so an
unchanged file is recognised without parsing it) and the hash of its words
(``indexer.analyzer.words_hash``, so a copy in another encoding or format is
recognised).  ``role`` says what the file is to its document:

* ``file``: the document's text was read from it (``documents.path``);
* ``copy``: the same text, not stored again;
* ``earlier``: an earlier version, replaced by the document's present text.

A replaced version's files stay as ``earlier`` rows, so the next ``kb index``
of their folder finds them known rather than new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.storage.database import Database, now

__all__ = ["COPY", "EARLIER", "FILE", "ROLES", "KnownFile", "KnownSource", "SourceFile", "Sources"]

FILE, COPY, EARLIER = "file", "copy", "earlier"
ROLES = (FILE, COPY, EARLIER)
_UPSERT = ("INSERT OR REPLACE INTO document_sources (path, document_id, source, content_hash, words_hash, format, "
           "encoding, role, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True)
class SourceFile:
    """One file as read: where it is, and the two hashes that recognise it and its text."""

    path: str  # absolute: the key
    source: str  # as shown: relative to the folder that was indexed
    content_hash: str  # SHA-256 of the parsing version and the text as read (``kb.indexing``): the file is unchanged
    words_hash: str  # ``indexer.analyzer.words_hash`` of that text: another file holds the same text
    format: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class KnownSource:
    """A file already recorded: its document, what it is to it, and its text's hash when it was seen."""

    document_id: int
    role: str
    content_hash: str
    words_hash: str
    source: str


@dataclass(frozen=True)
class KnownFile:
    """A recorded file by its path: its document and what it is to it."""

    path: str
    document_id: int
    role: str


class Sources:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writes: run them inside ``Database.transaction()`` -------------------------------
    def record(self, doc_id: int, file: SourceFile, role: str) -> None:
        """Record ``file`` as ``role`` of document ``doc_id``, in place of whatever its path was before."""
        assert role in ROLES, role
        self.db.execute(_UPSERT, [file.path, doc_id, file.source, file.content_hash, file.words_hash, file.format,
                                  file.encoding, role, now()])

    def take(self, doc_id: int) -> list[dict[str, Any]]:
        """The rows of a document about to be replaced, removed from it, to be given to its next version."""
        rows = self.db.rows("SELECT * FROM document_sources WHERE document_id = ?", [doc_id])
        self.db.execute("DELETE FROM document_sources WHERE document_id = ?", [doc_id])
        return rows

    def give(self, doc_id: int, rows: list[dict[str, Any]], role: str, *, except_path: str | None = None) -> None:
        """Rows ``take`` returned, now of ``doc_id`` as ``role``; rows that were already ``earlier`` stay so."""
        for row in rows:
            if row["path"] != except_path:
                kept = EARLIER if row["role"] == EARLIER else role
                self.db.execute(_UPSERT, [row["path"], doc_id, row["source"], row["content_hash"], row["words_hash"],
                                          row["format"], row["encoding"], kept, row["seen_at"]])

    def forget(self, path: str) -> None:
        """The file at ``path`` is no longer one of its document's (deleted or moved away)."""
        self.db.execute("DELETE FROM document_sources WHERE path = ?", [path])

    # -- reads ----------------------------------------------------------------------------
    def under(self, path: str) -> list[KnownFile]:
        """The files recorded at ``path`` or, if it is a folder, anywhere below it: a folder deleted is one event."""
        rows = self.db.execute("SELECT path, document_id, role FROM document_sources "
                               "WHERE path = ? OR (path > ? AND path < ?) ORDER BY path",
                               [path, path + "/", path + "0"])  # "0" follows "/": everything that begins with path/
        return [KnownFile(*row) for row in rows]

    def known(self, path: str) -> KnownSource | None:
        """What the file at ``path`` was when last seen, if it was."""
        row = self.db.execute("SELECT document_id, role, content_hash, words_hash, source FROM document_sources "
                              "WHERE path = ?",
                              [path]).fetchone()
        return KnownSource(*row) if row else None

    def with_words(self, words: str, access: str, exclude: int | None = None) -> KnownSource | None:
        """The file recorded first whose text has these words, among documents of level ``access`` but ``exclude``.

        Only documents of the same level: a copy at another level is its own
        document, so that merging never shows a text to callers the file was
        not meant for, nor hides it from those it was.
        """
        row = self.db.execute(
            "SELECT s.document_id, s.role, s.content_hash, s.words_hash, s.source FROM document_sources s "
            "JOIN documents d ON d.id = s.document_id WHERE s.words_hash = ? AND d.access = ? AND d.id IS NOT ? "
            "ORDER BY s.role != 'file', s.rowid LIMIT 1", [words, access, exclude]).fetchone()
        return KnownSource(*row) if row else None

    def of_document(self, doc_id: int) -> list[dict[str, Any]]:
        """A document's files: its own first, then copies, then earlier versions, each in the order seen."""
        return self.db.rows(
            "SELECT path, source, role, format, encoding, seen_at FROM document_sources WHERE document_id = ? "
            "ORDER BY CASE role WHEN 'file' THEN 0 WHEN 'copy' THEN 1 ELSE 2 END, seen_at, rowid", [doc_id])

    def documents_without_their_file(self) -> list[int]:
        """Documents whose own file has no row (``kb check``); ``kb.storage.schema.backfill_sources`` records it."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_sources s "
            "WHERE s.path = d.path AND s.document_id = d.id) ORDER BY id")]

