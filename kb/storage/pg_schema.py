"""The PostgreSQL tables: SQLite's (``kb.storage.schema``), with what PostgreSQL needs to read the same queries.

Same tables and columns, so the table modules' SQL runs on both
(``kb.storage.pg_dialect``).  What differs, and why:

* text is ``COLLATE "C"``: SQLite compares text byte by byte, and a range over
  paths (``Sources.under``) or an order by name must not change with the
  server's locale;
* the tables SQLite gives an implicit ``rowid`` that queries read
  (``document_sources``, ``chunk_refs``, ``jobs``) have one as a column;
* ``kb_fold`` and ``kb_issuer`` are Python in SQLite (``indexer.analyzer.fold``,
  ``kb.storage.issuers.issuer_key``).  PostgreSQL cannot call them, and a
  re-implementation in SQL would drift from them, so each stored name is folded
  by Python when it is written (``kb_folded``, filled by
  ``kb.storage.pg_database``) and the two functions look it up; filters fold the
  caller's side in Python as before;
* foreign keys are deferrable: a replaced document takes its predecessor's id
  inside one transaction (``Documents.move``);
* chunk ids and deletion entries are given in commit order: a transaction
  that inserts or deletes passages takes a lock (``kb_chunk_commit_order``)
  held until it commits, so another writer's ids and entries come after.  A
  lexicon catching up reads up to the highest id committed, and a sequence
  alone gives ids before commit, out of commit order with several writers
  (``PgDatabase.last_id``);
* access levels are row-level security: a session sees the documents, texts,
  passages and vectors of its ``kb.level`` setting and below, and nothing above
  the lowest level when the setting is missing.  ``FORCE`` applies the
  policies to the tables' owner too (only a superuser bypasses them).  A
  passage and a vector carry their document's level (``doc_access``, kept by
  triggers), so the policy is checked on the row itself.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from indexer.relations import RULES_VERSION
from kb.access.levels import LEVELS, visible_levels
from kb.errors import IndexInconsistentError
from kb.storage.pg_jobs import QUEUE_TABLES
from kb.storage.relation_rules import RULES_KEY

__all__ = ["PG_SCHEMA_VERSION", "VISIBLE", "definitions_fingerprint", "policies", "prepare"]

# Raise with every change to the tables below (``meta.pg_schema_version``).
PG_SCHEMA_VERSION = 1
T = 'text COLLATE "C"'

_TABLES = f"""
CREATE TABLE IF NOT EXISTS documents (
    id bigserial PRIMARY KEY,
    path {T} NOT NULL UNIQUE,
    source {T} NOT NULL,
    content_hash {T} NOT NULL,
    format {T}, encoding {T},
    title {T}, doc_type {T}, number {T},
    issuer {T}, issuer_parent {T}, signer {T}, signer_position {T},
    place {T}, date {T}, subject {T},
    garbled_chars integer NOT NULL DEFAULT 0,
    indexed_at {T} NOT NULL,
    access {T} NOT NULL DEFAULT 'public'
);
CREATE INDEX IF NOT EXISTS documents_access ON documents(access);
CREATE INDEX IF NOT EXISTS documents_number ON documents(number);
CREATE TABLE IF NOT EXISTS document_sources (
    rowid bigserial UNIQUE,
    path {T} PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE DEFERRABLE,
    source {T} NOT NULL,
    content_hash {T} NOT NULL,
    words_hash {T} NOT NULL,
    format {T}, encoding {T},
    role {T} NOT NULL,
    seen_at {T} NOT NULL
);
CREATE INDEX IF NOT EXISTS document_sources_document ON document_sources(document_id);
CREATE INDEX IF NOT EXISTS document_sources_words ON document_sources(words_hash);
CREATE TABLE IF NOT EXISTS document_texts (
    document_id bigint PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE DEFERRABLE,
    text {T} NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id bigserial PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents(id) ON DELETE CASCADE DEFERRABLE,
    ordinal integer NOT NULL,
    kind {T} NOT NULL,
    section {T} NOT NULL,
    text {T} NOT NULL,
    issuer {T},
    char_start integer NOT NULL,
    char_end integer NOT NULL,
    page integer,
    text_hash {T} NOT NULL,
    accented {T} NOT NULL,
    folded {T} NOT NULL,
    folded_hash {T} NOT NULL,
    doc_access {T} NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_document_kind ON chunks(document_id, kind);
CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS chunk_refs (
    rowid bigserial PRIMARY KEY,
    chunk_id bigint NOT NULL REFERENCES chunks(id) ON DELETE CASCADE DEFERRABLE,
    key {T} NOT NULL,
    full_key {T} NOT NULL,
    printed {T} NOT NULL,
    is_self integer NOT NULL DEFAULT 0,
    year {T},
    date {T},
    issuer_name {T},
    kind {T} NOT NULL DEFAULT 'mentions',
    sentence_start integer,
    sentence_end integer
);
CREATE INDEX IF NOT EXISTS chunk_refs_key ON chunk_refs(key);
CREATE INDEX IF NOT EXISTS chunk_refs_full_key ON chunk_refs(full_key);
CREATE INDEX IF NOT EXISTS chunk_refs_chunk ON chunk_refs(chunk_id);
CREATE TABLE IF NOT EXISTS meta (key {T} PRIMARY KEY, value {T} NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    id bigserial PRIMARY KEY,
    name {T} NOT NULL,
    prefix {T} NOT NULL UNIQUE,
    secret_hash {T} NOT NULL,
    role {T} NOT NULL,
    level {T} NOT NULL,
    created_at {T} NOT NULL,
    revoked_at {T}
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS jobs (
    rowid bigserial UNIQUE,
    id {T} PRIMARY KEY,
    kind {T} NOT NULL,
    status {T} NOT NULL,
    created_by {T},
    target_document bigint,
    access {T},
    files {T} NOT NULL,
    files_done integer NOT NULL DEFAULT 0,
    error {T},
    worker integer,
    created_at {T} NOT NULL,
    started_at {T},
    finished_at {T}
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at);
CREATE TABLE IF NOT EXISTS document_status (
    id bigserial PRIMARY KEY,
    document_id bigint NOT NULL,
    status {T} NOT NULL,
    previous {T},
    note {T},
    replaced_by bigint,
    set_by {T} NOT NULL,
    set_at {T} NOT NULL
);
CREATE INDEX IF NOT EXISTS document_status_document ON document_status(document_id, id);
CREATE TABLE IF NOT EXISTS chunk_deletions (seq bigserial PRIMARY KEY, chunk_id bigint NOT NULL);
CREATE INDEX IF NOT EXISTS chunk_deletions_chunk ON chunk_deletions(chunk_id);
CREATE TABLE IF NOT EXISTS kb_folded (raw {T} PRIMARY KEY, folded {T} NOT NULL, issuer {T} NOT NULL);
"""

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION kb_log_chunk_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO chunk_deletions (chunk_id) VALUES (old.id); RETURN old; END $$;
CREATE OR REPLACE TRIGGER chunks_deletion_log AFTER DELETE ON chunks
    FOR EACH ROW EXECUTE FUNCTION kb_log_chunk_deletion();
CREATE OR REPLACE FUNCTION kb_chunk_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock(hashtext('kb.chunks.commit_order')); RETURN NULL; END $$;
CREATE OR REPLACE TRIGGER chunks_commit_order BEFORE INSERT OR DELETE ON chunks
    FOR EACH STATEMENT EXECUTE FUNCTION kb_chunk_commit_order();
CREATE OR REPLACE FUNCTION kb_chunk_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN new.doc_access := (SELECT access FROM documents WHERE id = new.document_id); RETURN new; END $$;
CREATE OR REPLACE TRIGGER chunks_access BEFORE INSERT OR UPDATE OF document_id ON chunks
    FOR EACH ROW EXECUTE FUNCTION kb_chunk_access();
CREATE OR REPLACE FUNCTION kb_vector_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN new.doc_access := (SELECT doc_access FROM chunks WHERE id = new.chunk_id); RETURN new; END $$;
CREATE OR REPLACE FUNCTION kb_document_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chunks SET doc_access = new.access WHERE document_id = new.id;
    IF to_regclass('chunk_vectors') IS NOT NULL THEN
        EXECUTE 'UPDATE chunk_vectors v SET doc_access = $1 FROM chunks c WHERE c.id = v.chunk_id AND c.document_id = $2'
            USING new.access, new.id;
    END IF;
    RETURN new;
END $$;
CREATE OR REPLACE TRIGGER documents_access AFTER UPDATE OF access ON documents
    FOR EACH ROW EXECUTE FUNCTION kb_document_access();
CREATE OR REPLACE FUNCTION kb_fold(value text) RETURNS text STABLE PARALLEL SAFE LANGUAGE sql
    AS $$ SELECT coalesce((SELECT folded FROM kb_folded WHERE raw = value), '') $$;
CREATE OR REPLACE FUNCTION kb_issuer(value text) RETURNS text STABLE PARALLEL SAFE LANGUAGE sql
    AS $$ SELECT coalesce((SELECT issuer FROM kb_folded WHERE raw = value), '') $$;
CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer IMMUTABLE PARALLEL SAFE LANGUAGE sql
    AS $$ SELECT strpos(haystack, needle) $$;
"""


def _levels_function() -> str:
    """``kb_visible_levels()``: the levels the session's ``kb.level`` sees; the lowest alone when unset or unknown."""
    cases = " ".join(f"WHEN '{level}' THEN ARRAY{list(visible_levels(level))}" for level in LEVELS)
    return ("CREATE OR REPLACE FUNCTION kb_visible_levels() RETURNS text[] STABLE PARALLEL SAFE LANGUAGE sql AS $$ "
            f"SELECT CASE current_setting('kb.level', true) {cases} ELSE ARRAY['{LEVELS[0]}'] END::text[] $$;")


# Who may see a row, by table: a document by its level, its text through it, a passage by its document's
# level copied beside it (``doc_access``, kept by triggers): a condition on the row itself, which a search
# checks on each candidate, where a look-up of the document would have the planner list every visible passage.
VISIBLE = "= ANY (kb_visible_levels())"
_VISIBLE = {
    "documents": f"access {VISIBLE}",
    "document_texts": "EXISTS (SELECT 1 FROM documents d WHERE d.id = document_id)",
    "chunks": f"doc_access {VISIBLE}",
}


def policies(visible: dict[str, str]) -> str:
    """Row-level security on each table of ``visible``, for every command; writes are not checked (the writer
    sees every level)."""
    return "".join(
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY; "
        f"DROP POLICY IF EXISTS {table}_level ON {table}; "
        f"CREATE POLICY {table}_level ON {table} USING ({condition}) WITH CHECK (true);\n"
        for table, condition in visible.items())


def _definitions() -> list[str]:
    """Every statement that creates or mends the schema, in order (each may run again)."""
    return [_TABLES, QUEUE_TABLES,  # the workers' claims and the uploads' bytes (kb.storage.pg_jobs)
            _FUNCTIONS + _levels_function(), policies(_VISIBLE)]


def definitions_fingerprint() -> str:
    """The hash of this kb's definitions, which ``prepare`` keeps in ``meta`` (``pg_schema_definitions``)."""
    return hashlib.sha256("\n".join(_definitions()).encode()).hexdigest()


def prepare(conn: Any) -> None:
    """Create what is missing (one transaction, one process at a time), refuse a database of another version,
    give the database its id once, and record the citation rules a new database's kinds are read with
    (``kb.storage.relation_rules``, which ``kb check`` compares with this kb's).  ``conn`` is a
    ``psycopg.Connection`` in autocommit mode.

    The definitions run only when the database does not hold them already (their hash is kept in ``meta``):
    re-creating a table's policies takes its exclusive lock, and a process starting while others search
    would deadlock with them.
    """
    definitions, fingerprint = _definitions(), definitions_fingerprint()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('kb.storage.pg_schema'))")
        exists = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
        version = conn.execute("SELECT value FROM meta WHERE key = 'pg_schema_version'").fetchone() if exists else None
        if version is not None and int(version[0]) != PG_SCHEMA_VERSION:
            raise IndexInconsistentError(
                f"The PostgreSQL database was written by another version of kb (schema {version[0]}, "
                f"this kb reads {PG_SCHEMA_VERSION}). Use a new database, or empty this one.")
        held = conn.execute("SELECT value FROM meta WHERE key = 'pg_schema_definitions'").fetchone() if exists else None
        if held is None or held[0] != fingerprint:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            for statement in definitions:
                conn.execute(statement)
            conn.execute("INSERT INTO meta (key, value) VALUES ('pg_schema_definitions', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [fingerprint])
        conn.execute("INSERT INTO meta (key, value) VALUES ('pg_schema_version', %s), ('database_id', %s) "
                     "ON CONFLICT DO NOTHING", [str(PG_SCHEMA_VERSION), uuid.uuid4().hex])
        if not exists:  # kinds are read by these rules from the first document on (a migration copies its own)
            conn.execute("INSERT INTO meta (key, value) VALUES (%s, %s)", [RULES_KEY, str(RULES_VERSION)])
