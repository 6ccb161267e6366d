"""Shared fixtures: a deterministic stand-in for the model, the sample corpus indexed once, in-process apps.

Most tests run kb in this process with ``HashingEmbedder`` (``fake_kb``, ``client``,
``editor_client``): they test kb's plumbing, not the model's judgement.  The tests
marked ``e2e`` use the real model, a real ``kb serve`` (uvicorn) or a subprocess,
over the same corpus (``corpus_kb``, ``server``, ``editor_server``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from pg_bouncer import pg_bouncer  # noqa: F401  (PostgreSQL behind a transaction pool)
from pg_store import BACKENDS, backend_home, pg_server, store_backend  # noqa: F401  (the store on both engines)

from indexer.analyzer import fold, pairs, tokens
from kb.access.keys import create_key
from kb.config import Settings, load_settings
from kb.embedding.default_model import ensure_default_model
from kb.indexing import index_paths
from kb.jobs.worker import QueueWorker
from kb.knowledge_base import KnowledgeBase
from kb.storage.store import Store
from service.app import create_app

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
BULLETIN = "thong-tin-sinh-hoat-noi-bo-2020-12.txt"
PLAN = "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"
# A directive, the plans and guide that carry it out, a plan that replaces one, one restricted plan (tests/data/relations),
# and two provinces' decisions of one number with the plans citing them (tests/data/citations): every kind of link.
RELATED = [ROOT / "tests" / "data" / "relations", ROOT / "tests" / "data" / "citations"]


# Fixtures that bring in the real model, a real server or a browser: a test using one is end-to-end.
END_TO_END_FIXTURES = {"model_path", "corpus_kb", "server", "editor_server", "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``e2e`` every test that uses an end-to-end fixture, so the fast run never loads the model."""
    for item in items:
        if END_TO_END_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


class HashingEmbedder:
    """The model's stand-in: folded syllables and syllable pairs hashed into a unit vector.

    Deterministic and instant, so indexing the corpus takes a second; texts that
    share words are near, which is all a test of kb's plumbing (legs, fusion,
    filters, the API) needs from a dense leg.
    """

    name = "hashing-test-embedder"
    backend = "hashing"
    dimension = 64
    fingerprint = "hashing-test-embedder-64"

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts]) if texts else np.empty((0, self.dimension), "float32")

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def encode_queries(self, texts: tuple[str, ...]) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts])

    def warm(self) -> None:
        """Nothing to load."""

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, "float32")
        folded = fold(text)
        for term in [(word,) for word in tokens(folded)] + list(pairs(folded)):
            digest = hashlib.blake2b(" ".join(term).encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dimension] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


def fake_settings(home: Path) -> Settings:
    """Settings of ``home`` that name ``HashingEmbedder`` as its model, as config.json records it.

    The refusal's cosine thresholds are on e5's scale, not the test embedder's: here only a query no
    passage shares a syllable with, or naming a number nothing holds, is refused (tests/test_refusal.py
    tests the rule with the real model).  So are the learned order's weights (``kb.retrieval.order``), which
    read the dense leg's ranks and scores: here the rules' order stands (tests/test_order.py tests the
    learned one, with the real model too).
    """
    settings = replace(load_settings(home, model=HashingEmbedder.name), backend=HashingEmbedder.backend)
    return replace(settings, refusal=replace(settings.refusal, similarity=0.0, english=0.0),
                   weights=replace(settings.weights, learned_order=False))


@contextlib.contextmanager
def bench_module(name: str) -> Iterator[ModuleType]:
    """The script ``bench/<name>.py`` imported as a module, for tests of its pure parts; registered in
    ``sys.modules`` while in use, where dataclasses look their module up."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def fake_kb_at(home: Path) -> KnowledgeBase:
    """A knowledge base over ``home`` that embeds with ``HashingEmbedder``."""
    return KnowledgeBase(fake_settings(home), embedder=HashingEmbedder())


@pytest.fixture(scope="session")
def fake_kb(tmp_path_factory) -> KnowledgeBase:
    """The sample corpus indexed once with ``HashingEmbedder``: for reads only."""
    kb = fake_kb_at(tmp_path_factory.mktemp("fake-home"))
    index_paths(kb, [CORPUS])
    return kb


@pytest.fixture(scope="session")
def related_kb(tmp_path_factory) -> KnowledgeBase:
    """``RELATED`` indexed once with ``HashingEmbedder``: for reads only."""
    kb = fake_kb_at(tmp_path_factory.mktemp("related-home"))
    index_paths(kb, RELATED)
    return kb


@contextlib.contextmanager
def app_client(home: Path) -> Iterator[TestClient]:
    """The service over ``home`` in this process (lifespan and job thread included), with ``HashingEmbedder``."""
    with TestClient(create_app(fake_settings(home), embedder=HashingEmbedder())) as client:
        yield client


@pytest.fixture(scope="session")
def related_client(related_kb) -> Iterator[TestClient]:
    """The service in this process over ``RELATED`` (``related_kb``), for reads only."""
    with app_client(related_kb.settings.home) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def client(fake_kb) -> Iterator[TestClient]:
    """The service in this process over the corpus (``fake_kb``), for reads only."""
    with app_client(fake_kb.settings.home) as test_client:
        yield test_client


@pytest.fixture(scope="session", params=BACKENDS)
def backend_kb(request, tmp_path_factory) -> KnowledgeBase:
    """``fake_kb`` itself, and the same corpus indexed into PostgreSQL (an e2e case): for reads only."""
    if request.param == "sqlite":
        return request.getfixturevalue("fake_kb")
    kb = fake_kb_at(backend_home(request, tmp_path_factory.mktemp("pg-home"), request.param))
    index_paths(kb, [CORPUS])
    return kb


@pytest.fixture(scope="session")
def backend_client(request, backend_kb) -> Iterator[TestClient]:
    """``client``, and the service over the corpus in PostgreSQL (``backend_kb``): for reads only."""
    if backend_kb.store.path is not None:
        yield request.getfixturevalue("client")
        return
    with app_client(backend_kb.settings.home) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The machine's model cache, as kb uses it: built by the first session on a machine, then reused.

    Building it (from the bundled file, then its int8 graph) is itself tested in test_embedding and
    test_model_cache, in folders of their own.
    """
    return ensure_default_model()


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory, model_path) -> KnowledgeBase:
    kb = KnowledgeBase(load_settings(tmp_path_factory.mktemp("home"), model=str(model_path)))
    index_paths(kb, [CORPUS])
    return kb


def open_kb(home: Path, model_path: Path) -> KnowledgeBase:
    return KnowledgeBase(load_settings(home, model=str(model_path)))


def light_copy(folder: Path, target: Path) -> Path:
    """Copy the small files and link the large ones: a second model folder without 250 MB of I/O."""
    for source in sorted(folder.rglob("*")):
        destination = target / source.relative_to(folder)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            destination.mkdir(exist_ok=True)
        elif source.stat().st_size > 1 << 20:
            destination.symlink_to(source)
        else:
            shutil.copy2(source, destination)
    return target


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (a path under ``root`` to its text), making folders as needed."""
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(home: Path, model_path: Path) -> Iterator[str]:
    """A real `kb serve` (uvicorn) on 127.0.0.1 over ``home``, stopped on exit; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "kb", "serve", "--port", str(port),
               "--home", str(home), "--model", str(model_path)]
    # Its log goes to a file: a pipe nobody reads fills up (64 KiB) and blocks the server's next write.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log,
                               env=os.environ | {"HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"kb serve exited: {log.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("kb serve did not answer /health within 120 s")
    try:
        yield url
    finally:
        process.terminate()  # a job being indexed ends its file first: on a busy machine, tens of seconds
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError("kb serve did not stop within 90 s of SIGTERM") from None
        finally:
            log.seek(0)
            logged = log.read().decode(errors="replace")
            log.close()
            if "Traceback" in logged:  # pytest shows it beside a failing test: the server's side of a 500
                sys.stderr.write(f"kb serve logged an error:\n{logged[logged.index('Traceback'):][:6000]}\n")


@pytest.fixture(scope="session")
def server(corpus_kb, model_path) -> str:
    """A real `kb serve` over the indexed corpus, for reads only; yields its base URL."""
    with running_server(corpus_kb.settings.home, model_path) as url:
        yield url


class Writable(NamedTuple):
    """A server tests may write to: its URL, an editor key and its index folder."""

    url: str
    key: str
    home: Path


# Small upload limits on the writable server, so tests can exceed them with small files.
EDITOR_LIMITS = {"max_upload_files": 5, "max_upload_file_bytes": 200_000, "max_upload_request_bytes": 600_000,
                 "max_per_page": 50}


def writable_copy(corpus_kb: KnowledgeBase, home: Path, limits: dict | None = None) -> str:
    """Copy the indexed corpus into ``home`` for tests to write to; return an editor key made for it."""
    home.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(home / "kb.sqlite") as target:
        corpus_kb.store.db.connection().conn.backup(target)
    for name in ("vectors.faiss", "config.json"):
        shutil.copy2(corpus_kb.settings.home / name, home / name)
    if limits:
        (home / "settings.json").write_text(json.dumps({"limits": limits}))
    store = Store(home / "kb.sqlite")
    _, secret = create_key(store, "editor", "editor")
    store.close()
    return secret


@pytest.fixture(scope="session")
def editor_server(corpus_kb, model_path, tmp_path_factory) -> Writable:
    """A real `kb serve` over a writable copy of the corpus, with ``EDITOR_LIMITS`` and an editor key."""
    home = tmp_path_factory.mktemp("writable")
    key = writable_copy(corpus_kb, home, EDITOR_LIMITS)
    with running_server(home, model_path) as url:
        yield Writable(url, key, home)


class EditorClient(NamedTuple):
    """The service in this process over a writable copy of the corpus: its client, an editor key, its folder."""

    client: TestClient
    key: str
    home: Path


@pytest.fixture(scope="session")
def editor_client(fake_kb, tmp_path_factory) -> Iterator[EditorClient]:
    """The service in this process over a writable copy of ``fake_kb``, with ``EDITOR_LIMITS`` and an editor key."""
    home = tmp_path_factory.mktemp("fake-writable")
    key = writable_copy(fake_kb, home, EDITOR_LIMITS)
    with app_client(home) as test_client:
        yield EditorClient(test_client, key, home)


@pytest.fixture(scope="session", params=BACKENDS)
def editor_backend_client(request, tmp_path_factory) -> Iterator[EditorClient]:
    """``editor_client``, and the same on PostgreSQL (an e2e case): the corpus in a database of its own, the
    service over it as an API node that only queues uploads, and a ``kb worker`` that indexes them (a
    ``QueueWorker`` in a thread of this process, on a folder of its own: the ``home`` given, where its
    uploads' files go)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("editor_client")
        return
    api, worker_home = tmp_path_factory.mktemp("pg-editor"), tmp_path_factory.mktemp("pg-editor-worker")
    backend_home(request, api, request.param)
    settings = json.loads((api / "settings.json").read_text()) | {"limits": EDITOR_LIMITS}
    for home in (api, worker_home):
        (home / "settings.json").write_text(json.dumps(settings))
    kb = fake_kb_at(api)
    index_paths(kb, [CORPUS])
    _, key = create_key(kb.store, "editor", "editor")
    kb.close()
    worker = QueueWorker(fake_settings(worker_home), 0.1, embedder=HashingEmbedder())
    worker.start()
    try:
        with app_client(api) as test_client:
            yield EditorClient(test_client, key, worker_home)
    finally:
        worker.stop()


def wait_for_job(http: httpx.Client, key: str, job_id: str, timeout: float = 180) -> dict:
    """Poll a job through ``http`` (an in-process TestClient or a client of a real server) until it is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/api/jobs/{job_id}", headers={"X-API-Key": key}).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


def finished_job(store: Store, job_id: str, timeout: float = 120) -> dict:
    """Wait for a job run by a ``JobRunner`` of this process to end; its last state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.jobs.get(job_id)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {store.jobs.get(job_id)}")


def say_out_loud(request: pytest.FixtureRequest, line: str) -> None:
    """Print past pytest's output capture: these lines matter even when every test passes."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\n{line}", flush=True)


def skip_out_loud(request: pytest.FixtureRequest, reason: str) -> None:
    """Skip, printing the reason even without ``-rs``: a missing tool is never silent."""
    say_out_loud(request, f"SKIPPING: {reason}")
    pytest.skip(reason)
