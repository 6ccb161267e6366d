"""How long an index takes to read its citations' kinds again when the relation rules change.

Works on a copy: give it the ``kb.sqlite`` of a private copy of an index
folder, never a shared one (the first open migrates an older database).  It
opens the database once (migrating it if need be), then three times with an
older rules version recorded, as a kb with new rules would find it, and prints
each open's time (see ``kb.storage.relation_rules``).

Run: ``cp /tmp/cv-devset/kb.sqlite /tmp/me/kb.sqlite && .venv/bin/python bench/reread_kinds.py /tmp/me/kb.sqlite``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.relations import RULES_VERSION  # noqa: E402
from kb.storage.database import SqliteDatabase  # noqa: E402
from kb.storage.relation_rules import RULES_KEY  # noqa: E402

_KINDS = "SELECT kind, count(*) FROM chunk_refs WHERE is_self = 0 GROUP BY kind ORDER BY kind"


def _open(path: Path) -> tuple[SqliteDatabase, float]:
    started = time.perf_counter()
    db = SqliteDatabase(path)
    return db, time.perf_counter() - started


def main() -> None:
    path = Path(sys.argv[1])
    db, took = _open(path)
    print(f"first open (migrations, if any, and kinds read): {took:.2f} s")
    counts = [db.execute(f"SELECT count({what}) FROM {table}").fetchone()[0] for what, table in
              (("*", "chunks"), ("DISTINCT chunk_id", "chunk_refs WHERE is_self = 0"), ("*", "chunk_refs WHERE is_self = 0"))]
    print("passages {}, passages that cite, {}, citations {}".format(*counts))
    print("kinds:", dict(db.execute(_KINDS).fetchall()))
    for _ in range(3):
        db.set_meta(RULES_KEY, str(RULES_VERSION - 1))
        db.close()
        db, took = _open(path)
        print(f"open with rules {RULES_VERSION - 1} recorded: {took:.2f} s")
    db.close()
    db, took = _open(path)
    print(f"open with the rules current: {took * 1000:.1f} ms")


if __name__ == "__main__":
    main()
