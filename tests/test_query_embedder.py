"""A query embedded without PyTorch gives the vector the full model's tokenizer gives; the model is built once per machine."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, light_copy

from indexer.analyzer import nfc
from kb.config import load_settings
from kb.embedding.default_model import DEFAULT_MODEL_NAME
from kb.embedding.embedder import Embedder, load_embedder
from kb.knowledge_base import KnowledgeBase

QUERIES = ["Chỉ thị 05 yêu cầu gì", "chi thi 05 yeu cau gi", "what does directive 05 require",
           "Ban Thường vụ Tỉnh ủy  quán triệt 05-CT/TW (2020)…", "北京 😀 ½ ﬁ Ǆ", " ".join(["thu nhập bình quân"] * 200)]
HEAVY = {"torch", "sentence_transformers", "transformers"}


@pytest.fixture(scope="module")
def int8(model_path: Path, tmp_path_factory) -> Embedder:
    return load_embedder(str(model_path), tmp_path_factory.mktemp("unused-models"), "onnx-int8")


def test_query_vector_equals_the_full_tokenizers(int8: Embedder, model_path: Path) -> None:
    """The reference is the int8 graph fed by sentence-transformers' own tokenizer, prompt and pooling."""
    from sentence_transformers import SentenceTransformer

    full = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    runner = int8._runner
    expected = {}
    for query in QUERIES:
        encoded = full.tokenizer(full.prompts["query"] + nfc(query), truncation=True,
                                 max_length=full.max_seq_length, return_tensors="np")
        hidden = runner._session.run(None, {name: encoded[name].astype(np.int64) for name in runner._input_names})[0][0]
        expected[query] = (hidden.mean(axis=0) / np.linalg.norm(hidden.mean(axis=0))).astype(np.float32)
        np.testing.assert_array_equal(int8.encode_query(query), expected[query])
    two = tuple(QUERIES[:2])  # an English question's texts (Query.dense_texts), each embedded alone, on the pool
    np.testing.assert_array_equal(int8.encode_queries(two), np.stack([expected[query] for query in two]))
    assert runner._whole is None  # no query needed the whole vocabulary
    passages = int8.encode_passages(QUERIES[:3])  # the whole tokenizer, as indexing uses it: the same tokens
    np.testing.assert_array_equal(passages, np.stack([runner.encode([text], "passage: ")[0] for text in QUERIES[:3]]))
    int8.warm()  # as the service starts: queries go through the whole vocabulary, to the same vectors
    assert runner._whole is not None
    for query in QUERIES:
        np.testing.assert_array_equal(runner.encode([nfc(query)], full.prompts["query"])[0], expected[query])


def test_query_path_imports_no_torch(int8: Embedder, model_path: Path, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from kb.embedding.embedder import load_embedder\n"
        "load_embedder(sys.argv[1], sys.argv[2], 'onnx-int8').encode_query('Chỉ thị 05 yêu cầu gì')\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(model_path), str(tmp_path)], capture_output=True,
                            text=True, timeout=120, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_second_index_folder_reuses_the_cached_model(int8: Embedder, model_path: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    """The bundled model (``--model`` unset) comes from $XDG_CACHE_HOME/kb/models, built there once for all folders."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached = light_copy(model_path, tmp_path / "cache" / "kb" / "models" / DEFAULT_MODEL_NAME)  # graph included
    caplog.set_level(logging.WARNING, logger="kb")
    fingerprints = []
    for home in ("first", "second"):
        kb = KnowledgeBase(load_settings(tmp_path / home))
        fingerprints.append(kb.open_embedder().fingerprint)
        assert not (tmp_path / home / "models").exists()
    assert fingerprints == [int8.fingerprint] * 2
    assert "building" not in caplog.text
    assert (cached / "onnx" / "model_qint8.onnx").is_symlink()  # the copy's graph, not a new export
