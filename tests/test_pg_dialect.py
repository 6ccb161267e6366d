"""Each rewrite that lets the table modules' SQLite SQL run on PostgreSQL (``kb.storage.pg_dialect``).

Pure string work, no server: the PostgreSQL tests (``tests/test_pg_backend.py``) run the rewritten queries.
"""

from __future__ import annotations

import pytest

from kb.storage.pg_dialect import translate


@pytest.mark.parametrize("sqlite, postgres", [
    ("SELECT a FROM t WHERE b = ? AND c LIKE ?", "SELECT a FROM t WHERE b = %s AND c LIKE %s"),
    ("SELECT coalesce(x, '?'), '5%' FROM t WHERE y = ?", "SELECT coalesce(x, '?'), '5%%' FROM t WHERE y = %s"),
    ("INSERT OR REPLACE INTO document_sources (path, document_id, role) VALUES (?, ?, ?)",
     "INSERT INTO document_sources (path, document_id, role) VALUES (%s, %s, %s) ON CONFLICT (path) DO UPDATE "
     "SET document_id = EXCLUDED.document_id, role = EXCLUDED.role, rowid = EXCLUDED.rowid"),
    ("INSERT OR IGNORE INTO meta (key, value) VALUES ('id', ?)",
     "INSERT INTO meta (key, value) VALUES ('id', %s) ON CONFLICT DO NOTHING"),
    ("SELECT id FROM t ORDER BY id LIMIT ? OFFSET ?", "SELECT id FROM t ORDER BY id LIMIT nullif(%s::bigint, -1) OFFSET %s"),
    ("SELECT 1 FROM d WHERE d.id IS NOT ?", "SELECT 1 FROM d WHERE d.id IS DISTINCT FROM %s"),
    ("SELECT 1 FROM d WHERE TRUE AND +d.access IN (?)", "SELECT 1 FROM d WHERE TRUE AND d.access IN (%s)"),
    ("PRAGMA defer_foreign_keys = ON", "SET CONSTRAINTS ALL DEFERRED"),
    ("SELECT 1 FROM d WHERE d.id IN (SELECT value FROM json_each(?))",
     "SELECT 1 FROM d WHERE d.id IN (SELECT value::bigint FROM json_array_elements_text(%s::json) AS j(value))"),
])
def test_each_form_sqlite_spells_its_own_way(sqlite, postgres):
    assert translate(sqlite) == postgres


def test_nulls_are_ordered_as_sqlite_orders_them_and_keys_keep_their_index_order():
    assert translate("SELECT a FROM t ORDER BY date DESC, title, id LIMIT ?") == (
        "SELECT a FROM t ORDER BY date DESC NULLS LAST, title NULLS FIRST, id LIMIT nullif(%s::bigint, -1)")
    assert translate("SELECT first_value(raw) OVER (PARTITION BY f ORDER BY pos) FROM t ORDER BY CASE role "
                     "WHEN 'file' THEN 0 ELSE 1 END, s.rowid") == (
        "SELECT first_value(raw) OVER (PARTITION BY f ORDER BY pos NULLS FIRST) FROM t ORDER BY CASE role "
        "WHEN 'file' THEN 0 ELSE 1 END NULLS FIRST, s.rowid")
    assert translate("SELECT d FROM t ORDER BY d NULLS LAST") == "SELECT d FROM t ORDER BY d NULLS LAST"
