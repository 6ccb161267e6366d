"""SQLite, the source of truth: documents, chunks, references, and what the lexicon catches up from.

All SQL lives here.  Chunk ids are ``INTEGER PRIMARY KEY AUTOINCREMENT`` so an
id is never reused after a delete: the FAISS file and the lexicon key by the same id.

Each chunk keeps the two forms its terms are taken from (``kb.lexicon``), both
with the section path in front of the passage (a passage that begins without
its heading otherwise loses to the preamble): ``accented`` (NFC, one tone-mark
convention, lower case) and ``folded`` (no diacritics, ``đ`` → ``d``), so that
an accented query can prefer accented matches and an unaccented one still finds
them.  A trigger logs every deleted chunk id in ``chunk_deletions``, so a
lexicon can drop exactly those.  (Versions before 4 kept an FTS5 table; its
``bm25()`` ranked every matching row, 500 ms a query at 200,000 passages.)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from indexer.analyzer import fold, normalize
from indexer.model import Chunk, ParsedDocument
from kb.access.levels import LEVELS, check_level, visible_levels
from kb.errors import IndexInconsistentError, NotFoundError

__all__ = ["Store", "DocumentFilters", "copy_database"]

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
    indexed_at TEXT NOT NULL,
    access TEXT NOT NULL DEFAULT 'public'
);
CREATE INDEX IF NOT EXISTS documents_access ON documents(access);
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
DROP INDEX IF EXISTS chunks_document;
CREATE INDEX IF NOT EXISTS chunks_document_kind ON chunks(document_id, kind);
CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS chunk_refs (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    full_key TEXT NOT NULL,
    printed TEXT NOT NULL,
    is_self INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunk_refs_key ON chunk_refs(key);
CREATE INDEX IF NOT EXISTS chunk_refs_full_key ON chunk_refs(full_key);
CREATE INDEX IF NOT EXISTS chunk_refs_chunk ON chunk_refs(chunk_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    level TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT,
    target_document INTEGER,
    access TEXT,
    files TEXT NOT NULL,
    files_done INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    worker INTEGER,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
CREATE TABLE IF NOT EXISTS chunk_deletions (seq INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS chunks_deletion_log AFTER DELETE ON chunks BEGIN
    INSERT INTO chunk_deletions(chunk_id) VALUES (old.id);
END;
"""

_DOCUMENT_FIELDS = (
    "id", "title", "doc_type", "number", "issuer", "issuer_parent", "signer",
    "signer_position", "place", "date", "subject", "source", "access",
)


def matching_text(section: str, text: str) -> str:
    """What the lexical and dense legs see of a chunk: its heading path, then the passage."""
    return f"{section}\n{text}" if section else text


def text_hash(matching: str) -> str:
    """Identifies what a vector was computed from, so identical passages are embedded once."""
    return hashlib.sha1(normalize(matching).encode("utf-8")).hexdigest()


class DocumentFilters:
    """Metadata filters and the caller's access level, shared by every read; builds one SQL WHERE clause.

    ``access`` is the highest level the caller may see (``kb.access``); the
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
        self.doc_type, self.issuer, self.since, self.until, self.number = doc_type, issuer, since, until, number
        self.access = check_level(access)

    def __bool__(self) -> bool:
        """Whether these filters may leave documents out: a metadata filter, or a level below the top."""
        return self.by_metadata or self.access != LEVELS[-1]

    @property
    def by_metadata(self) -> bool:
        return any((self.doc_type, self.issuer, self.since, self.until, self.number))

    def where(self, doc: str = "documents", chunk: str | None = None) -> tuple[str, list[str]]:
        """SQL conditions on ``doc`` (and, for the issuer, on the chunk's own issuer)."""
        clauses, params = ["1"], []
        if self.access != LEVELS[-1]:
            levels = visible_levels(self.access)
            # "+" keeps the planner off documents_access here: most documents pass, so driving a
            # query from that index would visit every visible document (hides_documents uses it).
            clauses.append(f"+{doc}.access IN ({_marks(levels)})")
            params += levels
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


# PRAGMA user_version; raise it with every change to _SCHEMA's tables.  An added table, trigger or
# index needs no new version: every open runs the script, whose CREATE … IF NOT EXISTS adds it.
SCHEMA_VERSION = 4


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database of an older version to this one, a step at a time, in one transaction.

    2 → 3: each document gets an access level, public for all (what version 2 served).
    3 → 4: the FTS5 table and its triggers go (``kb.lexicon`` ranks instead).
    New tables need nothing here: ``Store`` runs the schema script right after.
    The version is read again under the write lock, so two processes opening
    the same old file migrate it once.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 2:
            conn.execute("ALTER TABLE documents ADD COLUMN access TEXT NOT NULL DEFAULT 'public'")
        if version in (2, 3):
            for statement in ("DROP TRIGGER IF EXISTS chunks_ai", "DROP TRIGGER IF EXISTS chunks_ad",
                              "DROP TABLE IF EXISTS chunks_fts"):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Migrate a database of the previous version; refuse any other, with what to do about it."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    empty = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'documents'").fetchone()[0] == 0
    if empty:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif version in (2, 3):
        _migrate(conn)
    elif version != SCHEMA_VERSION:
        raise IndexInconsistentError(
            f"{path} was written by another version of kb (schema {version}, this kb reads {SCHEMA_VERSION}). "
            f"Index into a new folder (--home), or delete {path.parent} and run `kb index` again.")


class Store:
    """The SQLite side of an index folder.

    Every thread has its own connection, opened on first use: the service
    answers many requests at once while a job thread writes, and in WAL mode
    readers never wait for the one writer nor see its uncommitted rows.  A
    connection lives as long as its thread (the server's worker threads come
    and go); ``close`` closes those still open.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._open: weakref.WeakSet[sqlite_utils.Database] = weakref.WeakSet()
        conn = self.db.conn
        _check_schema(conn, path)
        conn.executescript(_SCHEMA)
        if self.get_meta("database_id") is None:  # tells a lexicon snapshot which database it was built from
            self.set_meta("database_id", uuid.uuid4().hex)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite_utils.Database(_connect(self.path))
            self._open.add(db)
        return db

    def close(self) -> None:
        for db in list(self._open):
            db.conn.close()
        self._open.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all; nested, it joins the open transaction.

        The explicit BEGIN matters: sqlite-utils commits each insert on its own
        unless a transaction is already open, and a crash between those commits
        left a document without its passages, which the next run skipped as unchanged.
        """
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        with conn:
            conn.execute("BEGIN IMMEDIATE")
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

    def add_document(self, parsed: ParsedDocument, *, path: str, source: str, content_hash: str,
                     access: str = LEVELS[0]) -> tuple[int, list[int]]:
        """Insert a document and its chunks; return its id and its chunk ids in order.

        The caller wraps this in ``transaction()`` together with the removal of
        the file's previous version, so a re-index replaces it atomically.
        """
        row = {k: v for k, v in asdict(parsed.meta).items()}
        row.update(
            path=path, source=source, content_hash=content_hash, format=parsed.source.format,
            encoding=parsed.source.encoding, garbled_chars=parsed.garbled_chars,
            indexed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), access=check_level(access),
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

    def set_access(self, doc_id: int, access: str) -> bool:
        """Give an indexed document another level (its folder's ``kb.toml`` changed); whether it changed."""
        with self.transaction():
            cursor = self.db.execute("UPDATE documents SET access = ? WHERE id = ? AND access != ?",
                                     [check_level(access), doc_id, access])
        return cursor.rowcount > 0

    def delete_document(self, doc_id: int) -> list[int]:
        """Delete a document with its chunks; return the chunk ids whose vectors must go too."""
        chunk_ids = self.chunk_ids_of(doc_id)
        self.db.execute("DELETE FROM chunks WHERE document_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        return chunk_ids

    # -- reads --------------------------------------------------------------------------
    def chunk_ids_of(self, doc_id: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE document_id = ? ORDER BY id", [doc_id])]

    def existing_chunk_ids(self, ids: list[int], filters: DocumentFilters | None = None) -> set[int]:
        """Those of ``ids`` that are chunks in the database now (of documents ``filters`` keep).

        Looked up by primary key, so a search checks its few candidates instead
        of listing every chunk the filters keep.
        """
        if not filters:
            return {r[0] for r in self.db.execute(f"SELECT id FROM chunks WHERE id IN ({_marks(ids)})", ids)}
        where, params = filters.where("d", "c")
        return {r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({_marks(ids)}) "
            f"AND {where}", [*ids, *params])}

    # -- what the lexicon (kb.lexicon) catches up from ---------------------------------------
    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads inside see one committed state, however many statements they take."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def lexicon_state(self) -> tuple[str, int, int]:
        """This database's id, its highest chunk id and its last chunk deletion: what changed since a look."""
        database = self.get_meta("database_id") or ""
        last_chunk = self.db.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0]
        last_deletion = self.db.execute("SELECT coalesce(max(seq), 0) FROM chunk_deletions").fetchone()[0]
        return database, last_chunk, last_deletion

    def deleted_chunks(self, after: int, upto: int) -> list[int]:
        return [r[0] for r in self.db.execute(
            "SELECT chunk_id FROM chunk_deletions WHERE seq > ? AND seq <= ?", [after, upto])]

    def chunk_columns(self, after: int, upto: int, batch: int = 20_000) -> Iterator[list[tuple[int, str, str]]]:
        """``(id, accented, folded)`` of the chunks with ids in (after, upto], ascending, ``batch`` at a time."""
        while after < upto:
            rows = self.db.execute("SELECT id, accented, folded FROM chunks WHERE id > ? AND id <= ? ORDER BY id "
                                   "LIMIT ?", [after, upto, batch]).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

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

    def document(self, doc_id: int, access: str = LEVELS[-1]) -> dict:
        """One document's metadata; a document above ``access`` is as unknown as a missing id."""
        where, params = DocumentFilters(access=access).where()
        rows = self._rows(f"SELECT {', '.join(_DOCUMENT_FIELDS)}, format, encoding, garbled_chars, indexed_at "
                          f"FROM documents WHERE id = ? AND {where}", [doc_id, *params])
        if not rows:
            raise NotFoundError(f"No document with id {doc_id}")
        return rows[0]

    def document_path(self, doc_id: int) -> str | None:
        """The file a document was read from (absolute), or ``None`` if there is no such document."""
        row = self.db.execute("SELECT path FROM documents WHERE id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def document_text(self, doc_id: int, access: str = LEVELS[-1]) -> str:
        where, params = DocumentFilters(access=access).where()
        row = self.db.execute(f"SELECT t.text FROM document_texts t JOIN documents ON documents.id = t.document_id "
                              f"WHERE t.document_id = ? AND {where}", [doc_id, *params]).fetchone()
        if row is None:
            raise NotFoundError(f"No document with id {doc_id}")
        return row[0]

    def documents(self, filters: DocumentFilters | None = None, *, text: str | None = None,
                  limit: int = -1, offset: int = 0) -> list[dict]:
        """Documents the filters keep, newest first (undated last); ``limit`` -1 for all of them.

        ``text`` is part of the title or the number, matched with or without accents.
        """
        where, params = _listing(filters, text)
        return self._rows(
            f"SELECT {', '.join(_DOCUMENT_FIELDS)}, "
            "(SELECT count(*) FROM chunks WHERE chunks.document_id = documents.id AND kind = 'body') AS chunks "
            f"FROM documents WHERE {where} ORDER BY date DESC, id LIMIT ? OFFSET ?", [*params, limit, offset])

    def count_documents(self, filters: DocumentFilters | None = None, *, text: str | None = None) -> int:
        """How many documents ``documents()`` would list without a limit: a page's total."""
        where, params = _listing(filters, text)
        return self.db.execute(f"SELECT count(*) FROM documents WHERE {where}", params).fetchone()[0]

    def chunks_of(self, doc_id: int, access: str = LEVELS[-1]) -> list[dict]:
        where, params = DocumentFilters(access=access).where()
        return self._rows("SELECT c.id, c.ordinal, c.kind, c.section, c.text, c.issuer, c.char_start, c.char_end, "
                          "c.page FROM chunks c JOIN documents ON documents.id = c.document_id "
                          f"WHERE c.document_id = ? AND {where} ORDER BY c.ordinal", [doc_id, *params])

    def references_of(self, doc_id: int) -> list[dict]:
        """Documents this one cites, each key once, with how it was printed first."""
        return self._rows(
            "SELECT r.key, r.full_key, min(r.printed) AS printed, count(*) AS mentions "
            "FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            "WHERE c.document_id = ? AND r.is_self = 0 GROUP BY r.full_key ORDER BY min(c.ordinal)", [doc_id])

    def documents_by_key(self, keys: list[str], access: str = LEVELS[-1]) -> dict[str, int]:
        """Visible documents whose own number has one of these reference keys (key and full key → id)."""
        where, params = DocumentFilters(access=access).where("d")
        rows = self.db.execute(
            f"SELECT r.key, r.full_key, c.document_id FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            f"JOIN documents d ON d.id = c.document_id WHERE r.is_self = 1 AND r.key IN ({_marks(keys)}) AND {where}",
            [*keys, *params]).fetchall()
        return {k: doc for key, full_key, doc in rows for k in (key, full_key)}

    def citing_documents(self, doc_id: int, access: str = LEVELS[-1]) -> list[dict]:
        """Other visible documents whose passages cite this one by number."""
        where, params = DocumentFilters(access=access).where("d")
        return self._rows(
            "SELECT DISTINCT d.id, d.title, d.doc_type, d.number, d.date FROM chunk_refs own "
            "JOIN chunks oc ON oc.id = own.chunk_id AND oc.document_id = ? "
            "JOIN chunk_refs r ON r.is_self = 0 AND (r.full_key = own.full_key OR r.full_key = own.key) "
            "JOIN chunks c ON c.id = r.chunk_id JOIN documents d ON d.id = c.document_id "
            f"WHERE own.is_self = 1 AND d.id != ? AND {where} ORDER BY d.date", [doc_id, doc_id, *params])

    def hits(self, ids: list[int], access: str = LEVELS[-1]) -> dict[int, dict]:
        """Visible chunks with their documents, for rendering results."""
        doc_cols = ", ".join(f"d.{f} AS doc_{f}" for f in _DOCUMENT_FIELDS)
        where, params = DocumentFilters(access=access).where("d")
        rows = self._rows(
            f"SELECT c.id, c.kind, c.section, c.text, c.issuer, c.char_start, c.char_end, c.page, {doc_cols} "
            f"FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({_marks(ids)}) AND {where}",
            [*ids, *params])
        return {r["id"]: r for r in rows}

    def hides_documents(self, access: str) -> bool:
        """Whether any document is above ``access``: if none is, a search at that level needs no filter."""
        hidden = [level for level in LEVELS if level not in visible_levels(access)]
        # "IN (the levels above)" rather than "NOT IN (those below)": only the former can use documents_access.
        return bool(hidden) and self.db.execute(
            f"SELECT EXISTS (SELECT 1 FROM documents WHERE access IN ({_marks(hidden)}))", hidden).fetchone()[0] == 1

    def filtered_chunk_ids(self, filters: DocumentFilters) -> set[int]:
        where, params = filters.where("d", "c")
        return {r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE {where}", params)}

    def reference_hits(self, keys: list[str], full_keys: list[str],
                       filters: DocumentFilters | None = None) -> list[tuple[int, float]]:
        """Chunks the filters keep that cite (or, for cards, are) the named documents.

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
        where, params = (filters or DocumentFilters()).where("d", "c")
        rows = self.db.execute(
            # The citations in the same section are counted by a window, in one pass over the matches
            # (a correlated count per match grew with the square of a much-cited document's citations).
            "WITH matched AS (SELECT r.chunk_id, r.full_key, r.is_self, "
            "count(*) OVER (PARTITION BY c.document_id, c.section) AS in_section "
            "FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id JOIN documents d ON d.id = c.document_id "
            f"WHERE (r.key IN ({_marks(bare)}) OR r.full_key IN ({_marks(accepted)})) AND {where}) "
            f"SELECT chunk_id, 0.8 + 0.2 * coalesce(max(full_key IN ({_marks(named)})), 0) + 0.2 * max(is_self) "
            "+ 0.05 * min(max(in_section) - 1, 4) FROM matched GROUP BY chunk_id",
            [*bare, *accepted, *params, *named])
        return sorted(((r[0], r[1]) for r in rows), key=lambda h: (-h[1], h[0]))

    def counts(self, access: str = LEVELS[-1]) -> dict[str, int]:
        """Documents and passages visible at ``access``: what ``/health`` reports, so it must stay cheap."""
        where, params = DocumentFilters(access=access).where("d")
        documents = self.db.execute(f"SELECT count(*) FROM documents d WHERE {where}", params).fetchone()[0]
        return {"documents": documents, "chunks": self._passages("body", access)}

    def _passages(self, kind: str, access: str) -> int:
        """Counted per visible document on the (document_id, kind) index: 0.1 s at 2,000,000 passages,
        where joining every chunk to its document took 0.7 s."""
        where, params = DocumentFilters(access=access).where("d")
        return self.db.execute(
            "SELECT coalesce(sum((SELECT count(*) FROM chunks c WHERE c.document_id = d.id AND c.kind = ?)), 0) "
            f"FROM documents d WHERE {where}", [kind, *params]).fetchone()[0]

    def stats(self, access: str = LEVELS[-1]) -> dict:
        """Counts over the documents visible at ``access``.

        The last indexing run's report names files of every level, so only a
        caller who sees every level gets it.
        """
        where, params = DocumentFilters(access=access).where("d")
        docs = f"FROM documents d WHERE {where}"
        one = lambda sql: self.db.execute(sql, params).fetchone()[0]  # noqa: E731
        grouped = lambda sql: dict(self.db.execute(sql, params).fetchall())  # noqa: E731
        return {
            **self.counts(access),
            "cards": self._passages("card", access),
            "references": one("SELECT count(*) FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
                              f"JOIN documents d ON d.id = c.document_id WHERE {where} AND r.is_self = 0"),
            "garbled_chars": one(f"SELECT coalesce(sum(d.garbled_chars), 0) {docs}"),
            "by_type": grouped(f"SELECT coalesce(d.doc_type, '?'), count(*) {docs} GROUP BY 1 ORDER BY 2 DESC"),
            "by_access": grouped(f"SELECT d.access, count(*) {docs} GROUP BY 1 ORDER BY 1"),
            "last_run": json.loads(self.get_meta("last_run") or "null") if access == LEVELS[-1] else None,
        }

    # -- API keys (kb.keys decides; this only stores) -------------------------------------
    _KEY_FIELDS = "name, prefix, role, level, created_at, revoked_at"

    def add_api_key(self, *, name: str, prefix: str, secret_hash: str, role: str, level: str) -> dict:
        """Store a key; ``sqlite3.IntegrityError`` if an active key has the name or the prefix is taken."""
        with self.transaction():
            self.db.execute("INSERT INTO api_keys (name, prefix, secret_hash, role, level, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [name, prefix, secret_hash, role, level, _now()])
        return self._rows(f"SELECT {self._KEY_FIELDS} FROM api_keys WHERE prefix = ?", [prefix])[0]

    def api_keys(self) -> list[dict]:
        """Every key, revoked ones included, without their hashes; active first, then by name."""
        return self._rows(f"SELECT {self._KEY_FIELDS} FROM api_keys "
                          "ORDER BY revoked_at IS NOT NULL, name, created_at", [])

    def active_api_key(self, prefix: str) -> dict | None:
        """The active key with this prefix, with its hash, or ``None``."""
        rows = self._rows(f"SELECT {self._KEY_FIELDS}, secret_hash FROM api_keys "
                          "WHERE prefix = ? AND revoked_at IS NULL", [prefix])
        return rows[0] if rows else None

    def revoke_api_key(self, name: str) -> bool:
        """Revoke the active key of this name; whether there was one."""
        with self.transaction():
            cursor = self.db.execute("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                                     [_now(), name])
        return cursor.rowcount > 0

    # -- indexing jobs (kb.jobs runs them; this only stores) ------------------------------
    _JOB_COLUMNS = frozenset({"status", "files", "files_done", "error", "started_at", "finished_at"})

    def add_job(self, *, job_id: str, kind: str, created_by: str | None, files: list[dict],
                target_document: int | None = None, access: str | None = None) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO jobs (id, kind, status, created_by, target_document, access, files, created_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)",
                [job_id, kind, created_by, target_document, access, json.dumps(files, ensure_ascii=False), _now()])

    def job(self, job_id: str) -> dict | None:
        rows = self._rows("SELECT * FROM jobs WHERE id = ?", [job_id])
        return {**rows[0], "files": json.loads(rows[0]["files"])} if rows else None

    def claim_job(self, worker: int) -> dict | None:
        """The oldest queued job, marked running by ``worker``; ``None`` when none waits.

        One statement, so two processes polling the same table never both take a job.
        """
        with self.transaction():
            row = self.db.execute(
                "UPDATE jobs SET status = 'running', worker = ?, started_at = ? WHERE status = 'queued' AND id = "
                "(SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1) RETURNING id",
                [worker, _now()]).fetchone()
        return self.job(row[0]) if row else None

    def update_job(self, job_id: str, **values: object) -> None:
        """Set some of ``_JOB_COLUMNS``; ``files`` is given as a list and stored as JSON."""
        assert set(values) <= self._JOB_COLUMNS, set(values) - self._JOB_COLUMNS
        if "files" in values:
            values["files"] = json.dumps(values["files"], ensure_ascii=False)
        with self.transaction():
            self.db.execute(f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                            [*values.values(), job_id])

    def queued_jobs(self) -> int:
        return self.db.execute("SELECT count(*) FROM jobs WHERE status = 'queued'").fetchone()[0]

    def running_jobs(self) -> list[dict]:
        return self._rows("SELECT id, worker FROM jobs WHERE status = 'running'", [])

    def move_document(self, source_id: int, target_id: int) -> list[int]:
        """Give document ``source_id`` the id ``target_id``, in place of the document that had it.

        A replaced file keeps its document's id, so links to it stay valid.  Run
        inside ``transaction()``: readers see the old version or the new one under
        that id, never both.  Returns the old version's chunk ids, whose vectors must go.
        """
        old_chunks = self.delete_document(target_id)
        self.db.execute("PRAGMA defer_foreign_keys = ON")  # the chunks follow their document within the transaction
        for table, column in (("documents", "id"), ("chunks", "document_id"), ("document_texts", "document_id")):
            self.db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [target_id, source_id])
        return old_chunks

    # -- checking and repair (kb.check) ---------------------------------------------------
    def integrity_problems(self, quick: bool = False) -> list[str]:
        """What SQLite's own check finds wrong with the file; empty when it is sound.

        ``quick`` (``quick_check``) skips comparing every index with its table.
        """
        rows = [r[0] for r in self.db.execute(f"PRAGMA {'quick_check' if quick else 'integrity_check'}")]
        return [] if rows == ["ok"] else rows

    def reindex(self) -> None:
        """Rebuild every SQL index from its table: mends damage confined to index pages."""
        with self.transaction():
            self.db.execute("REINDEX")

    def orphans(self) -> dict[str, list[int]]:
        """Rows whose parent row is gone, as rowids by table.

        ``foreign_key_check`` reads the declared ``REFERENCES``, so every table
        the schema has or will have is covered, not a fixed list.
        """
        found: dict[str, list[int]] = {}
        for table, rowid, _parent, _key in self.db.execute("PRAGMA foreign_key_check"):
            found.setdefault(table, []).append(rowid)
        return found

    def delete_orphans(self) -> int:
        """Delete every orphan row (their dependants go by cascade); how many."""
        orphans = self.orphans()
        with self.transaction():
            for table, rowids in orphans.items():
                self.db.execute(f'DELETE FROM "{table}" WHERE rowid IN ({_marks(rowids)})', rowids)
        return sum(len(rowids) for rowids in orphans.values())

    def incomplete_documents(self) -> list[int]:
        """Documents without their text or without any passage (every document has one, if only its card).

        Left by a write interrupted between its inserts, before ``transaction`` made them one.
        """
        return [r[0] for r in self.db.execute(
            "SELECT id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_texts t WHERE t.document_id = d.id) "
            "OR NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id) ORDER BY id")]

    def _rows(self, sql: str, params: list) -> list[dict]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def _listing(filters: DocumentFilters | None, text: str | None) -> tuple[str, list]:
    """The WHERE clause of a document listing: the filters, and ``text`` within the title or number."""
    where, params = (filters or DocumentFilters()).where()
    if text:
        pattern = "%" + fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where += (" AND (kb_fold(documents.title) LIKE ? ESCAPE '\\' "
                  "OR kb_fold(documents.number) LIKE ? ESCAPE '\\')")
        params = [*params, pattern, pattern]
    return where, params


def copy_database(source: Path, target: Path) -> None:
    """Copy a database with SQLite's online backup API: one consistent snapshot even while others write.

    A plain file copy could catch half a transaction or leave the write-ahead log behind.
    """
    reader, writer = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode that waits up to 30 s for a lock instead of failing at once."""
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.create_function("kb_fold", 1, lambda v: fold(v) if v else "", deterministic=True)
    return conn


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _marks(values: Iterable) -> str:
    return ", ".join("?" for _ in values) or "NULL"
