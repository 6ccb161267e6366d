"""The tables of an index folder's database, and how a database of an older version is brought up to date.

Chunk ids are ``INTEGER PRIMARY KEY AUTOINCREMENT`` so an id is never reused
after a delete: the vector file and the lexicon key by the same id.  Each
chunk keeps the two forms its terms are taken from (``kb.retrieval.lexicon``),
both with the section path in front of the passage: ``accented`` and
``folded`` (``indexer.analyzer``), so that an accented query can prefer
accented matches and an unaccented one still finds them; and a hash of the
passage's own words folded (``folded_hash``), by which a search shows one of
the same passage in copies of one document.  A trigger logs every
deleted chunk id in ``chunk_deletions``, so a lexicon can drop exactly those.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

from indexer.analyzer import folded_hash, words_hash
from indexer.codes import doc_types
from indexer.references import extract_references
from kb.errors import IndexInconsistentError
from kb.storage.relation_rules import forget_rules, keep_kinds_current

__all__ = ["DOCUMENT_FIELDS", "SCHEMA_VERSION", "backfill_sources", "prepare"]

# A document's metadata as every reader shows it.
DOCUMENT_FIELDS = (
    "id", "title", "doc_type", "number", "issuer", "issuer_parent", "signer",
    "signer_position", "place", "date", "subject", "source", "access",
)

# Every file a document was read from or recognised in (``kb.storage.sources``).
_SOURCES = """
CREATE TABLE IF NOT EXISTS document_sources (
    path TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    words_hash TEXT NOT NULL,
    format TEXT, encoding TEXT,
    role TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS document_sources_document ON document_sources(document_id);
CREATE INDEX IF NOT EXISTS document_sources_words ON document_sources(words_hash);
"""

# Each status an editor set on a document, never updated nor deleted (``kb.storage.status``).
_STATUS = """
CREATE TABLE IF NOT EXISTS document_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    previous TEXT,
    note TEXT,
    replaced_by INTEGER,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS document_status_document ON document_status(document_id, id);
"""

_SCHEMA = _SOURCES + _STATUS + """
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
CREATE INDEX IF NOT EXISTS documents_number ON documents(number);
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
    folded TEXT NOT NULL,
    folded_hash TEXT NOT NULL
);
DROP INDEX IF EXISTS chunks_document;
CREATE INDEX IF NOT EXISTS chunks_document_kind ON chunks(document_id, kind);
CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS chunk_refs (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    full_key TEXT NOT NULL,
    printed TEXT NOT NULL,
    is_self INTEGER NOT NULL DEFAULT 0,
    year TEXT,
    date TEXT,
    issuer_name TEXT,
    kind TEXT NOT NULL DEFAULT 'mentions',
    sentence_start INTEGER,
    sentence_end INTEGER
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


# PRAGMA user_version; raise it with every change to _SCHEMA's tables.  An added table, trigger or
# index needs no new version: every open runs the script, whose CREATE … IF NOT EXISTS adds it.
SCHEMA_VERSION = 10


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database of an older version to this one, a step at a time, in one transaction.

    2 → 3: each document gets an access level, public for all (what version 2 served).
    3 → 4: the FTS5 table and its triggers go (``kb.retrieval.lexicon`` ranks instead).
    4 → 5: each citation gets the year and the date it names (``kb.storage.citations`` links by them);
    the year is read again from the citation as printed; a date printed after it was not kept: unknown.
    5 → 6: each document's file gets its row in ``document_sources`` (``kb.storage.sources``), with the
    hash of its stored text's words; copies indexed before as documents of their own stay so.
    6 → 7: each citation gets the local body named after it (``issuer_name``), read again from its passage;
    a document titled with a type numbered with another's code (a Quy định numbered 47-QĐ/TW) is keyed by its own.
    7 → 8: each chunk gets the hash of its passage's words folded (``folded_hash``), from its text.
    8 → 9: each citation gets the columns of its kind and its sentence (``indexer.relations``), which
    ``prepare`` then fills from its passage (``kb.storage.relation_rules``), as for any change of the rules.
    9 → 10: the ``document_status`` table (``kb.storage.status``), empty: no status was set by hand before it;
    the version says an older kb, which would not show them, should not serve this database.
    Other new tables need nothing here: ``prepare`` runs the schema script right after.
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
        if version in (2, 3, 4):
            _add_citation_years(conn)
        _add_citation_issuer_names(conn)
        _rekey_own_numbers(conn)
        _add_folded_hashes(conn)
        _add_relation_columns(conn)
        for statement in filter(str.strip, (_SOURCES + _STATUS).split(";")):  # executescript would commit the transaction
            conn.execute(statement)
        backfill_sources(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        raise


def _add_citation_years(conn: sqlite3.Connection) -> None:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(chunk_refs)")}
    for column in ("year", "date"):
        if column not in columns:
            conn.execute(f"ALTER TABLE chunk_refs ADD COLUMN {column} TEXT")
    year_of: dict[str, str | None] = {}
    for text in {row[0] for row in conn.execute("SELECT printed FROM chunk_refs")}:
        refs = extract_references(text)
        year_of[text] = refs[0].issued_year if refs else None
    rows = conn.execute("SELECT rowid, printed FROM chunk_refs").fetchall()
    conn.executemany("UPDATE chunk_refs SET year = ? WHERE rowid = ?",
                     [(year_of[text], rowid) for rowid, text in rows if year_of[text]])


def _add_citation_issuer_names(conn: sqlite3.Connection) -> None:
    """Read again the passages that cite something: the local body a citation names follows it, outside
    what ``printed`` kept, and two provinces' 15/2021/QĐ-UBND are told apart by it."""
    if "issuer_name" not in {row[1] for row in conn.execute("PRAGMA table_info(chunk_refs)")}:
        conn.execute("ALTER TABLE chunk_refs ADD COLUMN issuer_name TEXT")
    rows = conn.execute("SELECT id, text FROM chunks WHERE id IN (SELECT chunk_id FROM chunk_refs WHERE is_self = 0)")
    conn.executemany("UPDATE chunk_refs SET issuer_name = ? WHERE chunk_id = ? AND printed = ? AND is_self = 0",
                     [(ref.issuer_name, chunk_id, ref.text) for chunk_id, text in rows.fetchall()
                      for ref in extract_references(text) if ref.issuer_name])


def _rekey_own_numbers(conn: sqlite3.Connection) -> None:
    """A document's own key takes its title's type where its number carries another type's code
    (``indexer.references.own_reference``): the Quy định 47-QĐ/TW is ``QĐi:47``, not ``QĐ:47``."""
    for kind in doc_types():
        for code in kind.numbered_as:
            conn.execute(
                "UPDATE chunk_refs SET key = ? || substr(key, ?), full_key = ? || substr(full_key, ?) "
                "WHERE is_self = 1 AND key LIKE ? AND chunk_id IN (SELECT c.id FROM chunks c "
                "JOIN documents d ON d.id = c.document_id WHERE d.doc_type = ?)",
                [kind.code, len(code) + 1, kind.code, len(code) + 1, f"{code}:%", kind.name])


def _add_folded_hashes(conn: sqlite3.Connection) -> None:
    """Hash every chunk's passage folded (``indexer.analyzer.folded_hash``): what rendering compares copies by."""
    if "folded_hash" not in {row[1] for row in conn.execute("PRAGMA table_info(chunks)")}:
        conn.execute("ALTER TABLE chunks ADD COLUMN folded_hash TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, text FROM chunks WHERE folded_hash = ''").fetchall()
    conn.executemany("UPDATE chunks SET folded_hash = ? WHERE id = ?", [(folded_hash(text), id_) for id_, text in rows])


def _add_relation_columns(conn: sqlite3.Connection) -> None:
    """The columns of a citation's kind and sentence, which the passage around it says (``prepare`` reads them)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(chunk_refs)")}
    if "kind" in columns:
        return
    conn.execute("ALTER TABLE chunk_refs ADD COLUMN kind TEXT NOT NULL DEFAULT 'mentions'")
    for column in ("sentence_start", "sentence_end"):
        conn.execute(f"ALTER TABLE chunk_refs ADD COLUMN {column} INTEGER")
    forget_rules(conn)


def backfill_sources(conn: Any) -> int:
    """Record each document's own file where it has no row (a database from before sources; ``kb check --repair``).

    ``conn`` is a ``sqlite3.Connection`` (the migration) or a ``Database``:
    both ``execute``.  Returns how many rows were recorded.
    """
    rows = conn.execute(
        "SELECT d.id, d.path, d.source, d.content_hash, d.format, d.encoding, d.indexed_at, t.text "
        "FROM documents d JOIN document_texts t ON t.document_id = d.id WHERE NOT EXISTS "
        "(SELECT 1 FROM document_sources s WHERE s.path = d.path AND s.document_id = d.id)").fetchall()
    for doc_id, path, source, content_hash, format_, encoding, seen_at, text in rows:
        conn.execute(
            "INSERT OR REPLACE INTO document_sources (path, document_id, source, content_hash, words_hash, format, "
            "encoding, role, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'file', ?)",
            [path, doc_id, source, content_hash, words_hash(text), format_, encoding, seen_at])
    return len(rows)


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Migrate a database of the previous version; refuse any other, with what to do about it."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    empty = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'documents'").fetchone()[0] == 0
    if empty:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif version in (2, 3, 4, 5, 6, 7, 8, 9):
        _migrate(conn)
    elif version != SCHEMA_VERSION:
        raise IndexInconsistentError(
            f"{path} was written by another version of kb (schema {version}, this kb reads {SCHEMA_VERSION}). "
            f"Index into a new folder (--home), or delete {path.parent} and run `kb index` again.")


def prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Check (and migrate) the database's version, create what is missing, give it an id once, and read the
    citations' kinds again when they were read by other rules than this kb's.

    The id tells a lexicon snapshot which database it was built from.
    """
    _check_schema(conn, path)
    conn.executescript(_SCHEMA)
    keep_kinds_current(conn)
    if conn.execute("SELECT 1 FROM meta WHERE key = 'database_id'").fetchone() is None:
        with conn:
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('database_id', ?)", [uuid.uuid4().hex])
