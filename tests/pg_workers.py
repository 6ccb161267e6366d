"""Worker processes for ``tests/test_pg_workers.py``: ``kb worker``'s loop with the model's stand-in.

Not a test module.  Each worker runs in a process of its own (``spawn``), so a
test can kill it with SIGKILL as a crash would; it embeds with
``HashingEmbedder`` slowed to ``seconds_per_file`` (a model's time, so that a
job is still running when the test acts) and appends each job it takes to
``taken`` (one id a line), so a test can tell which worker ran what.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import numpy as np

from kb.access.keys import create_key
from kb.jobs.worker import QueueWorker, run_until_signalled
from kb.storage.pg_database import PgDatabase
from kb.storage.store import Store


def settings_file(home: Path, dsn: str, **store: object) -> None:
    """An index folder whose store is the PostgreSQL database ``dsn`` (with more ``store`` settings)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.json").write_text(json.dumps({"store": {"backend": "postgres", "dsn": dsn, **store}}))


def folders_on(dsn: str, homes: list[Path], **store: object) -> Store:
    """Index folders ``homes`` whose settings name ``dsn`` (with more ``store`` settings); the store, opened."""
    for home in homes:
        settings_file(home, dsn, **store)
    return Store(PgDatabase(dsn))


def api_and_worker(dsn: str, folder: Path) -> tuple[Store, Path, Path, str]:
    """An API node's and a worker's index folders on ``dsn`` (``folder``/api, ``folder``/worker), the store
    opened, and an editor's key to upload with."""
    api, worker = folder / "api", folder / "worker"
    store = folders_on(dsn, [api, worker])
    return store, api, worker, create_key(store, "editor", "editor")[1]


def text_files(count: int, tag: str = "") -> list[tuple[str, bytes]]:
    """``count`` small plain-text resolutions, each of its own content."""
    return [(f"nghi-quyet-{tag}{n:03d}.txt",
             (f"NGHỊ QUYẾT\nSố {n}-NQ/TU{tag}\nVề công tác chuyển đổi số năm {2000 + n}\n\n"
              f"Ban Thường vụ Tỉnh ủy giao nhiệm vụ {n} cho các huyện ủy {tag}: rà soát hồ sơ, "
              f"báo cáo kết quả thực hiện trước ngày {n % 28 + 1} hằng tháng.\n").encode()) for n in range(count)]


class _Recorded(QueueWorker):
    """A worker that writes down each job it takes before running it."""

    taken: Path

    def _take(self, job: dict) -> None:
        with self.taken.open("a") as out:
            out.write(job["id"] + "\n")
        super()._take(job)


def _run(home: str, lease: float, seconds_per_file: float, taken: str) -> None:
    from conftest import HashingEmbedder, fake_settings

    class Slow(HashingEmbedder):
        def encode_passages(self, texts: list[str]) -> np.ndarray:
            time.sleep(seconds_per_file)
            return super().encode_passages(texts)

    settings = fake_settings(Path(home))
    worker = _Recorded(settings, 0.1, embedder=Slow(), lease=lease)
    worker.taken = Path(taken)
    run_until_signalled(worker)  # as `kb worker` runs it: SIGTERM hands the job back


def start_worker(home: Path, *, lease: float, seconds_per_file: float = 0.0) -> tuple[BaseProcess, Path]:
    """A worker process on ``home``'s store; its process and the file listing the jobs it took."""
    taken = home / f"taken-{time.monotonic_ns()}.txt"
    taken.touch()
    process = multiprocessing.get_context("spawn").Process(
        target=_run, args=(str(home), lease, seconds_per_file, str(taken)), daemon=True)
    process.start()
    return process, taken
