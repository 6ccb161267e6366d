"""Shared fixtures: the real model (converted once per session) and the sample corpus indexed once."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from kb.access.keys import create_key
from kb.config import load_settings
from kb.embedding.default_model import ensure_default_model
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
BULLETIN = "thong-tin-sinh-hoat-noi-bo-2020-12.txt"
PLAN = "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    return ensure_default_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory, model_path) -> KnowledgeBase:
    kb = KnowledgeBase(load_settings(tmp_path_factory.mktemp("home"), model=str(model_path)))
    index_paths(kb, [CORPUS])
    return kb


def open_kb(home: Path, model_path: Path) -> KnowledgeBase:
    return KnowledgeBase(load_settings(home, model=str(model_path)))


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
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=os.environ | {"HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited: {process.stderr.read().decode()[-2000:]}")
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
        process.terminate()
        process.wait(timeout=20)


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


def wait_for_job(url: str, key: str, job_id: str, timeout: float = 180) -> dict:
    """Poll a job until it is done or failed; its last state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/api/jobs/{job_id}", headers={"X-API-Key": key}, timeout=30).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


def say_out_loud(request: pytest.FixtureRequest, line: str) -> None:
    """Print past pytest's output capture: these lines matter even when every test passes."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\n{line}", flush=True)


def skip_out_loud(request: pytest.FixtureRequest, reason: str) -> None:
    """Skip, printing the reason even without ``-rs``: a missing tool is never silent."""
    say_out_loud(request, f"SKIPPING: {reason}")
    pytest.skip(reason)
