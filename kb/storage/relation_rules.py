"""Citations' kinds kept in step with the rules that read them (``indexer.relations``).

A citation's kind and sentence are read from its passage when the document
is indexed, and stored; the rules get better between versions of kb.  The
database records the rules' version (``RULES_VERSION``) its kinds were read
with, in ``meta``; a database opened by a kb whose rules differ has every
citation's kind and sentence read again from the passage it came from, so
that an index never mixes the kinds of two sets of rules, nor keeps the
mistakes of old ones.  The passages are stored, so no file is read again.
"""

from __future__ import annotations

import sqlite3

from indexer.model import Reference
from indexer.references import extract_references
from indexer.relations import MENTIONS, RULES_VERSION
from kb.storage.backend import Database

__all__ = ["RULES_KEY", "forget_rules", "keep_kinds_current", "read_kinds_again", "read_kinds_on"]

RULES_KEY = "relation_rules"


def _recorded(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [RULES_KEY]).fetchone()
    return row[0] if row else None


def keep_kinds_current(conn: sqlite3.Connection) -> None:
    """Read every citation's kind again when the recorded rules are not these, and record these.

    The version is read again under the write lock, as the migrations do, so two
    processes opening the same database read the kinds once.  Cheap when current:
    one read of ``meta``.
    """
    if _recorded(conn) == str(RULES_VERSION):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _recorded(conn) != str(RULES_VERSION):
            read_kinds_again(conn)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [RULES_KEY, str(RULES_VERSION)])
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise


def forget_rules(conn: sqlite3.Connection) -> None:
    """Drop the recorded version (a migration that adds the kind's columns), so the next open reads every kind."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
        conn.execute("DELETE FROM meta WHERE key = ?", [RULES_KEY])


def read_kinds_on(db: Database) -> int:
    """``keep_kinds_current`` for a store that does not on opening (a database server, ``kb check --repair``): every
    kind read again and these rules recorded, in one transaction under the write lock; how many kinds changed."""
    with db.transaction():
        db.lock_writes()
        changed = read_kinds_again(db)
        db.set_meta(RULES_KEY, str(RULES_VERSION))
    return changed


def read_kinds_again(conn: sqlite3.Connection | Database) -> int:
    """Set every citation's kind and sentence from its passage, as indexing it today would; returns how many
    kinds changed.

    A passage's rows and the citations read from it again are paired in order, per
    printed spelling; a row the passage no longer yields (found by an older
    extraction) becomes a plain mention whose sentence is unknown.  Runs inside
    the caller's transaction.
    """
    rows: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for rowid, chunk_id, printed, kind in conn.execute(
            "SELECT rowid, chunk_id, printed, kind FROM chunk_refs WHERE is_self = 0 ORDER BY rowid"):
        rows.setdefault((chunk_id, printed), []).append((rowid, kind))
    updates: list[tuple[str, int | None, int | None, int]] = []
    changed = 0
    owns = _own_numbers(conn)
    for chunk_id, doc_id, text in conn.execute(
            "SELECT id, document_id, text FROM chunks WHERE id IN (SELECT chunk_id FROM chunk_refs WHERE is_self = 0)"):
        for ref in extract_references(text, owns.get(doc_id)):
            waiting = rows.get((chunk_id, ref.text))
            if waiting:
                rowid, kind = waiting.pop(0)
                updates.append((ref.kind, ref.sentence_start, ref.sentence_end, rowid))
                changed += ref.kind != kind
    for waiting in rows.values():
        updates.extend((MENTIONS, None, None, rowid) for rowid, _ in waiting)
        changed += sum(kind != MENTIONS for _, kind in waiting)
    conn.executemany("UPDATE chunk_refs SET kind = ?, sentence_start = ?, sentence_end = ? WHERE rowid = ?", updates)
    return changed


def _own_numbers(conn: sqlite3.Connection | Database) -> dict[int, Reference]:
    """Each document's own number, from its card's citation (``is_self``), as indexing read it: the rules make
    a citation of it a mention."""
    owns = {}
    for doc_id, key, full_key, year in conn.execute(
            "SELECT c.document_id, r.key, r.full_key, r.year FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            "WHERE r.is_self = 1"):
        doc_type, number = key.rsplit(":", 1)
        owns[doc_id] = Reference(doc_type, number, full_key[len(key) + 1:] or None, "", year)
    return owns
