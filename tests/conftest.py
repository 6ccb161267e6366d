"""Shared fixtures: the real model (converted once per session) and the sample corpus indexed once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kb.config import load_settings
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.model_convert import ensure_default_model

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


@pytest.fixture(scope="session")
def server(corpus_kb, model_path) -> str:
    """A real `kb serve` (uvicorn) on 127.0.0.1 over the indexed corpus; yields its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "kb", "serve", "--port", str(port),
               "--home", str(corpus_kb.settings.home), "--model", str(model_path)]
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
    yield url
    process.terminate()
    process.wait(timeout=20)
