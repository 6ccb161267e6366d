"""SQLite, the source of truth: documents, chunks, references and the full-text index.

All SQL lives here.  Chunk ids are ``INTEGER PRIMARY KEY AUTOINCREMENT`` so an
id is never reused after a delete: the FAISS file keys vectors by the same id.

The full-text table ``chunks_fts`` indexes two columns of every chunk, both
with the section path in front of the passage (a passage that begins without
its heading otherwise loses to the preamble): ``accented`` (NFC, one tone-mark
convention) and ``folded`` (no diacritics, ``đ`` → ``d``), so that an accented
query can prefer accented matches and an unaccented one still finds them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from indexer.model import Chunk, ParsedDocument
from indexer.normalize import fold, normalize

from .errors import IndexInconsistentError, NotFoundError

__all__ = ["Store", "DocumentFilters"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT, encoding TEXT,
    title TEXT, doc_type TEXT, number TEXT,
    issuer TEXT, issuer_parent TEXT, signer TEXT, signer_position TEXT,
    place TEXT, date TEXT, subject TEXT,
    garbled_chars INTEGER NOT NULL DEFAULT 0,
    indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS document_texts (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    kind TEXT NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    issuer TEXT,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    page INTEGER,
    text_hash TEXT NOT NULL,
    accented TEXT NOT NULL,
    folded TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS chunk_refs (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    full_key TEXT NOT NULL,
    printed TEXT NOT NULL,
    is_self INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunk_refs_key ON chunk_refs(key);
CREATE INDEX IF NOT EXISTS chunk_refs_chunk ON chunk_refs(chunk_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    accented, folded, content='chunks', content_rowid='id',
    tokenize='unicode61 remove_diacritics 0'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, accented, folded) VALUES (new.id, new.accented, new.folded);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, accented, folded)
    VALUES ('delete', old.id, old.accented, old.folded);
END;
"""

_DOCUMENT_FIELDS = (
    "id", "title", "doc_type", "number", "issuer", "issuer_parent", "signer",
    "signer_position", "place", "date", "subject", "source",
)


def matching_text(section: str, text: str) -> str:
    """What the lexical and dense legs see of a chunk: its heading path, then the passage."""
    return f"{section}\n{text}" if section else text


def text_hash(matching: str) -> str:
    """Identifies what a vector was computed from, so identical passages are embedded once."""
    return hashlib.sha1(normalize(matching).encode("utf-8")).hexdigest()


class DocumentFilters:
    """Metadata filters shared by search and the document list; builds one SQL WHERE clause."""

    def __init__(
        self,
        doc_type: str | None = None,
        issuer: str | None = None,
        since: str | None = None,
        until: str | None = None,
        number: str | None = None,
    ) -> None:
        self.doc_type, self.issuer, self.since, self.until, self.number = doc_type, issuer, since, until, number

    def __bool__(self) -> bool:
        return any((self.doc_type, self.issuer, self.since, self.until, self.number))

    def where(self, doc: str = "documents", chunk: str | None = None) -> tuple[str, list[str]]:
        """SQL conditions on ``doc`` (and, for the issuer, on the chunk's own issuer)."""
        clauses, params = ["1"], []
        if self.doc_type:
            clauses.append(f"kb_fold({doc}.doc_type) = ?")
            params.append(fold(self.doc_type))
        if self.issuer:
            issuers = [f"{doc}.issuer", f"{doc}.issuer_parent"] + ([f"{chunk}.issuer"] if chunk else [])
            clauses.append("(" + " OR ".join(f"kb_fold({c}) LIKE ?" for c in issuers) + ")")
            params += [f"%{fold(self.issuer)}%"] * len(issuers)
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


SCHEMA_VERSION = 2  # PRAGMA user_version; raise it with every change to _SCHEMA


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a database written by another version of kb, with what to do about it."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    empty = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'documents'").fetchone()[0] == 0
    if empty:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif version != SCHEMA_VERSION:
        raise IndexInconsistentError(
            f"{path} was written by another version of kb (schema {version}, this kb reads {SCHEMA_VERSION}). "
            f"Index into a new folder (--home), or delete {path.parent} and run `kb index` again.")


class Store:
    """The SQLite side of an index folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.create_function("kb_fold", 1, lambda v: fold(v) if v else "", deterministic=True)
        _check_schema(conn, path)
        conn.executescript(_SCHEMA)
        self.db = sqlite_utils.Database(conn)

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.conn:
            yield

    # -- meta ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    # -- writes -------------------------------------------------------------------------
    def document_hash(self, path: str) -> tuple[int, str] | None:
        row = self.db.execute("SELECT id, content_hash FROM documents WHERE path = ?", [path]).fetchone()
        return (row[0], row[1]) if row else None

    def add_document(self, parsed: ParsedDocument, *, path: str, source: str, content_hash: str) -> tuple[int, list[int]]:
        """Insert a document and its chunks; return its id and its chunk ids in order.

        The caller wraps this in ``transaction()`` together with the removal of
        the file's previous version, so a re-index replaces it atomically.
        """
        row = {k: v for k, v in asdict(parsed.meta).items()}
        row.update(
            path=path, source=source, content_hash=content_hash, format=parsed.source.format,
            encoding=parsed.source.encoding, garbled_chars=parsed.garbled_chars,
            indexed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        doc_id = self.db["documents"].insert(row).last_pk
        self.db["document_texts"].insert({"document_id": doc_id, "text": parsed.source.text})
        chunk_ids = [self._add_chunk(doc_id, ordinal, chunk) for ordinal, chunk in enumerate(parsed.chunks)]
        return doc_id, chunk_ids

    def _add_chunk(self, doc_id: int, ordinal: int, chunk: Chunk) -> int:
        text_for_matching = matching_text(chunk.section, chunk.text)
        chunk_id = self.db["chunks"].insert({
            "document_id": doc_id, "ordinal": ordinal, "kind": chunk.kind, "section": chunk.section,
            "text": chunk.text, "issuer": chunk.issuer, "char_start": chunk.char_start,
            "char_end": chunk.char_end, "page": chunk.page, "text_hash": text_hash(text_for_matching),
            "accented": normalize(text_for_matching).lower(),
            "folded": fold(text_for_matching),
        }).last_pk
        refs = [
            {"chunk_id": chunk_id, "key": r.key, "full_key": r.full_key, "printed": r.text,
             "is_self": int(chunk.kind == "card")}
            for r in chunk.references
        ]
        if refs:
            self.db["chunk_refs"].insert_all(refs)
        return chunk_id

    def delete_document(self, doc_id: int) -> list[int]:
        """Delete a document with its chunks; return the chunk ids whose vectors must go too."""
        chunk_ids = self.chunk_ids_of(doc_id)
        self.db.execute("DELETE FROM chunks WHERE document_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        return chunk_ids

    # -- reads --------------------------------------------------------------------------
    def chunk_ids_of(self, doc_id: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE document_id = ? ORDER BY id", [doc_id])]

    def all_chunk_ids(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def chunks_by_text_hash(self, hashes: list[str]) -> dict[str, int]:
        """An existing chunk for each known hash: its vector can be reused instead of embedding again."""
        rows = self.db.execute(
            f"SELECT text_hash, max(id) FROM chunks WHERE text_hash IN ({_marks(hashes)}) GROUP BY text_hash", hashes)
        return dict(rows.fetchall())

    def chunk_texts(self, ids: Iterable[int]) -> dict[int, str]:
        """Matching text (section + passage, NFC) of the given chunks, for re-embedding."""
        ids = list(ids)
        rows = self._rows(f"SELECT id, section, text FROM chunks WHERE id IN ({_marks(ids)})", ids)
        return {r["id"]: matching_text(r["section"], r["text"]) for r in rows}

    def all_chunk_texts(self) -> list[tuple[int, str]]:
        """Every chunk's matching text, by id: the passages a baseline ranker is given to compare with kb."""
        rows = self.db.execute("SELECT id, section, text FROM chunks ORDER BY id")
        return [(r[0], matching_text(r[1], r[2])) for r in rows]

    def document(self, doc_id: int) -> dict:
        rows = self._rows(f"SELECT {', '.join(_DOCUMENT_FIELDS)}, format, encoding, garbled_chars, indexed_at "
                          "FROM documents WHERE id = ?", [doc_id])
        if not rows:
            raise NotFoundError(f"No document with id {doc_id}")
        return rows[0]

    def document_text(self, doc_id: int) -> str:
        row = self.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [doc_id]).fetchone()
        if row is None:
            raise NotFoundError(f"No document with id {doc_id}")
        return row[0]

    def documents(self, filters: DocumentFilters | None = None) -> list[dict]:
        where, params = (filters or DocumentFilters()).where()
        return self._rows(
            f"SELECT {', '.join(_DOCUMENT_FIELDS)}, "
            "(SELECT count(*) FROM chunks WHERE chunks.document_id = documents.id AND kind = 'body') AS chunks "
            f"FROM documents WHERE {where} ORDER BY date DESC, id", params)

    def chunks_of(self, doc_id: int) -> list[dict]:
        return self._rows("SELECT id, ordinal, kind, section, text, issuer, char_start, char_end, page FROM chunks "
                          "WHERE document_id = ? ORDER BY ordinal", [doc_id])

    def references_of(self, doc_id: int) -> list[dict]:
        """Documents this one cites, each key once, with how it was printed first."""
        return self._rows(
            "SELECT r.key, r.full_key, min(r.printed) AS printed, count(*) AS mentions "
            "FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            "WHERE c.document_id = ? AND r.is_self = 0 GROUP BY r.full_key ORDER BY min(c.ordinal)", [doc_id])

    def documents_by_key(self, keys: list[str]) -> dict[str, int]:
        """Indexed documents whose own number has one of these reference keys (key and full key → id)."""
        rows = self.db.execute(
            f"SELECT r.key, r.full_key, c.document_id FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            f"WHERE r.is_self = 1 AND r.key IN ({_marks(keys)})", keys).fetchall()
        return {k: doc for key, full_key, doc in rows for k in (key, full_key)}

    def citing_documents(self, doc_id: int) -> list[dict]:
        """Other documents whose passages cite this one by number."""
        return self._rows(
            "SELECT DISTINCT d.id, d.title, d.doc_type, d.number, d.date FROM chunk_refs own "
            "JOIN chunks oc ON oc.id = own.chunk_id AND oc.document_id = ? "
            "JOIN chunk_refs r ON r.is_self = 0 AND (r.full_key = own.full_key OR r.full_key = own.key) "
            "JOIN chunks c ON c.id = r.chunk_id JOIN documents d ON d.id = c.document_id "
            "WHERE own.is_self = 1 AND d.id != ? ORDER BY d.date", [doc_id, doc_id])

    def hits(self, ids: list[int]) -> dict[int, dict]:
        """Chunks with their documents, for rendering results."""
        doc_cols = ", ".join(f"d.{f} AS doc_{f}" for f in _DOCUMENT_FIELDS)
        rows = self._rows(
            f"SELECT c.id, c.kind, c.section, c.text, c.issuer, c.char_start, c.char_end, c.page, {doc_cols} "
            f"FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({_marks(ids)})", ids)
        return {r["id"]: r for r in rows}

    def filtered_chunk_ids(self, filters: DocumentFilters) -> set[int]:
        where, params = filters.where("d", "c")
        return {r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE {where}", params)}

    def lexical(self, match: str, limit: int, weights: tuple[float, float] = (1.0, 1.0)) -> list[tuple[int, float]]:
        """FTS5 BM25 hits for a MATCH expression, best first, scores positive (higher is better)."""
        rows = self.db.execute(
            "SELECT rowid, -bm25(chunks_fts, ?, ?) FROM chunks_fts WHERE chunks_fts MATCH ? "
            "ORDER BY bm25(chunks_fts, ?, ?) LIMIT ?", [*weights, match, *weights, limit])
        return [(r[0], r[1]) for r in rows]

    def reference_hits(self, keys: list[str], full_keys: list[str]) -> list[tuple[int, float]]:
        """Chunks that cite (or, for cards, are) the named documents.

        A query that names the issuer (``05-CT/TW``) accepts citations with that
        issuer or none, not another issuer's ``05-CT/TU``.  An exact issuer match,
        being the document itself (its card), and sitting in a section that cites
        the document again and again (an article about it) score higher.
        """
        named = [k for k in full_keys if k.count(":") == 2]
        bare = [k for k in keys if not any(n.startswith(k + ":") for n in named)]
        accepted = named + [n.rsplit(":", 1)[0] for n in named]
        if not bare and not accepted:
            return []
        rows = self.db.execute(
            "WITH matched AS (SELECT r.chunk_id, r.full_key, r.is_self, c.document_id, c.section "
            "FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            f"WHERE r.key IN ({_marks(bare)}) OR r.full_key IN ({_marks(accepted)})) "
            f"SELECT chunk_id, 0.8 + 0.2 * coalesce(max(full_key IN ({_marks(named)})), 0) + 0.2 * max(is_self) "
            "+ 0.05 * min((SELECT count(*) FROM matched o WHERE o.document_id = m.document_id "
            "AND o.section = m.section) - 1, 4) FROM matched m GROUP BY chunk_id",
            [*bare, *accepted, *named])
        return sorted(((r[0], r[1]) for r in rows), key=lambda h: (-h[1], h[0]))

    def stats(self) -> dict:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "documents": one("SELECT count(*) FROM documents"),
            "chunks": one("SELECT count(*) FROM chunks WHERE kind = 'body'"),
            "cards": one("SELECT count(*) FROM chunks WHERE kind = 'card'"),
            "references": one("SELECT count(*) FROM chunk_refs WHERE is_self = 0"),
            "garbled_chars": one("SELECT coalesce(sum(garbled_chars), 0) FROM documents"),
            "by_type": dict(self.db.execute(
                "SELECT coalesce(doc_type, '?'), count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC").fetchall()),
            "last_run": json.loads(self.get_meta("last_run") or "null"),
        }

    def _rows(self, sql: str, params: list) -> list[dict]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _marks(values: Iterable) -> str:
    return ", ".join("?" for _ in values) or "NULL"
