"""Run the embedding model as an int8 ONNX Runtime graph: the fast way to index on a CPU.

Measured on this project's 2-core machine, on our own passages (~200 tokens each), this runs
about 3× the passages per second of fp32 PyTorch with cosine ≥ 0.99 to the fp32 vectors
(``bench/bench_embedding.py`` prints the figures; retrieval quality is checked by ``kb eval``).

Why it is built this way:

* sentence-transformers' own ONNX backend goes through ``optimum``, whose releases pin
  ``transformers`` below the version kb runs on; so the graph is exported here with
  ``torch.onnx``, fused with onnxruntime's BERT optimizer and quantised with onnxruntime's
  dynamic int8 quantiser (weights per channel).  All offline, from the local model folder.
* Passages run one at a time on a pool of single-threaded runs, one per core.  One at a time
  wastes nothing on padding, and it keeps every vector a function of its own text alone:
  dynamic quantisation scales activations per tensor, so in a batch a passage's vector would
  depend on its batch-mates (cosine 0.993 between the two).  One thread per run beats two
  threads per run because the matrices of one passage are too small to split well.
* The graph is built once and kept beside the model (or under ``models_dir`` when the model
  folder is read-only) with the fingerprint of the weights it came from, so a changed model is
  exported again rather than silently mixed with an old graph.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.embedding.embedder import model_shape
from kb.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["OnnxInt8Runner", "ensure_int8_graph"]

RECIPE = "bert-fused-dynamic-int8-per-channel-v1"  # part of the vector fingerprint: change it with the recipe
_GRAPH_NAME = "model_qint8.onnx"
_POOLING = {"mean", "cls"}


class OnnxInt8Runner:
    """Embeds texts with the int8 graph; returns unit vectors (the kb.embedding.embedder.Runner protocol)."""

    def __init__(self, model: SentenceTransformer, graph: Path, threads: int | None = None) -> None:
        import onnxruntime

        self._pooling = _pooling_mode(model)
        self._tokenizer = model.tokenizer
        self._max_length = model_shape(model)[1]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the optimizer's notes about fused nodes are not for users
        self._session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self._input_names = {node.name for node in self._session.get_inputs()}
        self._pool = ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1, thread_name_prefix="kb-embed")

    def encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        prompted = [(prompt or "") + text for text in texts]
        if len(prompted) == 1:  # a query: no thread hop
            return self._one(prompted[0])[None, :]
        return np.stack(list(self._pool.map(self._one, prompted)))

    def _one(self, text: str) -> np.ndarray:
        encoded = self._tokenizer(text, truncation=True, max_length=self._max_length, return_tensors="np")
        feed = {name: encoded[name].astype(np.int64) for name in self._input_names}
        hidden = self._session.run(None, feed)[0][0]
        vector = hidden[0] if self._pooling == "cls" else hidden.mean(axis=0)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def ensure_int8_graph(model: SentenceTransformer, folder: Path, fingerprint: str, models_dir: Path) -> Path:
    """The int8 graph of the model in ``folder``, exported now if missing or built from other weights."""
    _pooling_mode(model)  # refuse unsupported models before spending a minute exporting
    for home in (Path(folder) / "onnx", Path(models_dir) / "onnx" / fingerprint[:16]):
        graph, record = home / _GRAPH_NAME, home / "source.json"
        if graph.is_file() and _recorded(record) == {"fingerprint": fingerprint, "recipe": RECIPE}:
            return graph
        if _writable(home):  # a read-only model folder: the graph goes under models_dir instead
            _export(model, graph)
            _write_json(record, {"fingerprint": fingerprint, "recipe": RECIPE})
            return graph
    raise ModelError(f"cannot write the int8 graph of {folder} under {folder}/onnx or {models_dir}/onnx")


def _export(model: SentenceTransformer, target: Path) -> None:
    """torch → ONNX (eager attention, so the optimizer recognises it) → fused → int8; renamed in last."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    transformer: Any = model[0].auto_model  # a transformers model; torch types a module's attributes as Tensor | Module
    config = transformer.config
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as work:
        work_dir = Path(work)
        plain, fused, quantised = work_dir / "plain.onnx", work_dir / "fused.onnx", work_dir / _GRAPH_NAME
        sample = model.tokenizer(["xin chào"], return_tensors="pt")
        names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
        wrapper = _last_hidden_state(transformer, names)
        previous = transformer.config._attn_implementation
        transformer.set_attn_implementation("eager")
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer notes about Python branches: the shapes are dynamic
                torch.onnx.export(
                    wrapper, tuple(sample[name] for name in names), str(plain),
                    input_names=names, output_names=["last_hidden_state"],
                    dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
                    opset_version=17, dynamo=False,
                )
        except Exception as exc:  # the exporter fails in many ways on unusual architectures
            raise ModelError(f"cannot export the model to ONNX ({exc}); use the torch backend") from exc
        finally:
            transformer.set_attn_implementation(previous)
        optimized = optimizer.optimize_model(
            str(plain), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        optimized.save_model_to_file(str(fused))
        with _root_logging_muted():  # it advises on the root logger, which would then print kb's own logs too
            quantize_dynamic(
                str(fused), str(quantised), weight_type=QuantType.QInt8, per_channel=True,
                extra_options={"DefaultTensorType": 1},  # fused nodes lack shape inference: their tensors are float
            )
        os.replace(quantised, target)


@contextmanager
def _root_logging_muted() -> Iterator[None]:
    """Silence ``logging.warning`` calls, and keep them from installing a root handler (basicConfig)."""
    root, guard = logging.getLogger(), logging.NullHandler()
    root.addHandler(guard)
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        root.removeHandler(guard)


def _last_hidden_state(transformer, names: list[str]):
    """Positional inputs in, the last hidden state out: the signature ``torch.onnx.export`` traces."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):
            return self.transformer(**dict(zip(names, inputs))).last_hidden_state

    return LastHiddenState()


def _pooling_mode(model: SentenceTransformer) -> str:
    """Only Transformer → Pooling (mean or CLS, prompt included) [→ Normalize] is reproduced here."""
    kinds = [type(module).__name__ for module in model]
    pooling = model[1] if len(kinds) > 1 else None
    mode = getattr(pooling, "pooling_mode", None)
    if (
        kinds[:2] != ["Transformer", "Pooling"]
        or kinds[2:] not in ([], ["Normalize"])
        or mode not in _POOLING
        or not getattr(pooling, "include_prompt", True)
    ):
        raise ModelError(
            f"the onnx-int8 backend handles Transformer + mean/CLS pooling models, not {kinds} "
            f"(pooling {mode!r}); set \"backend\": \"torch\" in settings.json or KB_BACKEND=torch"
        )
    return mode


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _recorded(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, value: dict) -> None:
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, indent=1), encoding="utf-8")
    os.replace(temporary, path)
