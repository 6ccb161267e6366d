"""The table modules' SQL, written for SQLite, rewritten for PostgreSQL: the few forms the two spell differently.

Keeping one set of queries (``kb.storage.backend``) means the differences
live here, each a small rewrite that a test checks:

* placeholders: ``?`` becomes ``%s`` (and a literal ``%`` becomes ``%%``);
* ``INSERT OR REPLACE`` / ``OR IGNORE`` become ``ON CONFLICT … DO UPDATE`` / ``DO NOTHING``; a
  replaced row takes a new ``rowid``, as SQLite's delete-and-insert gives it one;
* ``LIMIT ?`` takes SQLite's ``-1`` for "no limit" (PostgreSQL's is NULL);
* ``x IS NOT ?`` (SQLite's null-safe comparison) is ``IS DISTINCT FROM``;
* ``+d.access`` (SQLite's way to keep the planner off an index) loses its ``+``;
* ``PRAGMA defer_foreign_keys = ON`` is ``SET CONSTRAINTS ALL DEFERRED``;
* ``json_each(?)`` over a JSON list of ids is ``json_array_elements_text``;
* ``ORDER BY`` puts NULLs where SQLite does: first going up, last going down
  (an undated document is listed after the dated ones).

What PostgreSQL lacks as a function (``instr``, ``kb_fold``, ``kb_issuer``)
is defined by ``kb.storage.pg_schema`` instead.  Text inside quotes is never
rewritten.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["CONFLICT_KEYS", "translate"]

# The unique key an INSERT OR REPLACE / OR IGNORE of each table collides on.
CONFLICT_KEYS = {"document_sources": "path", "meta": "key"}
# Tables with an explicit ``rowid`` column in PostgreSQL (SQLite's is implicit), which a replace renews.
ROWID_TABLES = frozenset({"document_sources", "chunk_refs", "jobs"})

_QUOTED = re.compile(r"('(?:[^']|'')*')")
_REPLACE = re.compile(r"^\s*INSERT OR REPLACE INTO (\w+) \(([^)]*)\)(.*)$", re.S)
_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO (\w+)(.*)$", re.S)
_SIMPLE = (
    (re.compile(r"\bLIMIT %s"), "LIMIT nullif(%s::bigint, -1)"),
    (re.compile(r"\bIS NOT %s"), "IS DISTINCT FROM %s"),
    (re.compile(r"(?<![\w)])\+(?=\w+\.access\b)"), ""),
    (re.compile(r"PRAGMA defer_foreign_keys = ON"), "SET CONSTRAINTS ALL DEFERRED"),
    (re.compile(r"SELECT value FROM json_each\(%s\)"),
     "SELECT value::bigint FROM json_array_elements_text(%s::json) AS j(value)"),
)
# Keys that are never NULL: left bare, so an index on them still gives the order.
_NEVER_NULL = re.compile(r"(?:^|[\s.])(id|rowid|seq)$")
_ORDER_END = re.compile(r"\b(LIMIT|OFFSET|UNION|ROWS|RANGE)\b")


def _upsert(sql: str) -> str:
    found = _REPLACE.match(sql)
    if found:
        table, columns, rest = found.groups()
        key = CONFLICT_KEYS[table]
        names = [c.strip() for c in columns.split(",")]
        updates = [f"{c} = EXCLUDED.{c}" for c in names if c != key]
        if table in ROWID_TABLES:
            updates.append("rowid = EXCLUDED.rowid")
        return f"INSERT INTO {table} ({columns}){rest} ON CONFLICT ({key}) DO UPDATE SET {', '.join(updates)}"
    found = _IGNORE.match(sql)
    if found:
        return f"INSERT INTO {found[1]}{found[2]} ON CONFLICT DO NOTHING"
    return sql


def _split_top(text: str) -> list[str]:
    """``text`` cut at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for n, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:n])
            start = n + 1
    return [*parts, text[start:]]


def _nulls_as_sqlite(sql: str) -> str:
    """Every ``ORDER BY`` item told where NULLs go: SQLite holds them the smallest of values."""
    out, pos = [], 0
    for found in re.finditer(r"\bORDER BY\b", sql):
        if found.start() < pos:
            continue
        start, depth, end = found.end(), 0, len(sql)
        for n in range(start, len(sql)):
            char = sql[n]
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth < 0 or (depth == 0 and _ORDER_END.match(sql, n) and sql[n - 1] in " \n"):
                end = n
                break
        items = []
        for item in _split_top(sql[start:end]):
            bare = item.rstrip()
            if not bare.strip() or "NULLS" in bare.upper().split()[-2:] or _NEVER_NULL.search(bare):
                items.append(item)
                continue
            nulls = " NULLS LAST" if re.search(r"\bDESC$", bare) else " NULLS FIRST"
            items.append(bare + nulls + item[len(bare):])
        out.append(sql[pos:start] + ",".join(items))
        pos = end
    return "".join(out) + sql[pos:]


@lru_cache(maxsize=4096)  # the same few hundred statements run again and again
def translate(sql: str) -> str:
    """``sql`` as PostgreSQL reads it (see the module's list); quoted text is left as it is."""
    quoted: list[str] = []

    def hide(found: re.Match[str]) -> str:
        quoted.append(found[0].replace("%", "%%"))  # psycopg reads % inside quotes too
        return f"\x00{len(quoted) - 1}\x00"

    bare = _QUOTED.sub(hide, sql).replace("%", "%%").replace("?", "%s")
    bare = _upsert(bare)
    for pattern, replacement in _SIMPLE:
        bare = pattern.sub(replacement, bare)
    return re.sub("\x00(\\d+)\x00", lambda found: quoted[int(found[1])], _nulls_as_sqlite(bare))
