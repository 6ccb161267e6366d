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
* The graph is built once and kept beside the model (the bundled model's in the user's model
  cache, shared by every index folder; under ``models_dir`` when the model folder is
  read-only) with the fingerprint of the weights it came from, so a changed model is exported
  again rather than silently mixed with an old graph.  Beside it go the tokenizer
  sentence-transformers runs and what the vectors need (prompts, pooling, sizes): running it
  then takes only ``tokenizers`` and ONNX Runtime, so a ``kb search`` never imports PyTorch.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.embedding.embedder import ModelSpec, spec_of
from kb.embedding.model_cache import build_once
from kb.embedding.pieces import PieceTokenizer, write_piece_table
from kb.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Encoding, Tokenizer

__all__ = ["RECIPE", "OnnxInt8Runner", "ensure_int8_graph"]

RECIPE = "bert-fused-dynamic-int8-per-channel-v1"  # part of the vector fingerprint: change it with the recipe
_GRAPH_NAME, _TOKENIZER_NAME, _RECORD_NAME = "model_qint8.onnx", "tokenizer.json", "source.json"
_POOLING = {"mean", "cls"}
_SPEC_KEYS = {"pooling", "dimension", "max_seq_length", "query_prompt", "passage_prompt"}
# A query's texts (``Query.dense_texts``: at most two) are tokenized by the pieces they contain until the whole
# vocabulary is loaded: loading it for an English question cost a one-off ``kb search`` 0.9 s.
QUERY_TEXTS = 2


class OnnxInt8Runner:
    """Embeds texts with the int8 graph in ``home``; returns unit vectors (the kb.embedding.embedder.Runner protocol).

    It needs only ``tokenizers`` and ONNX Runtime: no PyTorch, no sentence-transformers.
    """

    def __init__(self, home: Path, threads: int | None = None) -> None:
        import onnxruntime

        record = _recorded(home / _RECORD_NAME) or {}
        self.spec = ModelSpec(int(record["dimension"]), int(record["max_seq_length"]),
                              record["query_prompt"], record["passage_prompt"])
        self._pooling = record["pooling"]
        self._home = home
        self._pieces = PieceTokenizer(home, self.spec.max_seq_length) if PieceTokenizer.available(home) else None
        self._whole: Tokenizer | None = None
        self._whole_lock = threading.Lock()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the optimizer's notes about fused nodes are not for users
        self._session = onnxruntime.InferenceSession(str(home / _GRAPH_NAME), options, providers=["CPUExecutionProvider"])
        self._input_names = [node.name for node in self._session.get_inputs()]
        self._pool = ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1, thread_name_prefix="kb-embed")

    def encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        prompted = [(prompt or "") + text for text in texts]
        if len(prompted) <= QUERY_TEXTS:
            # A query's: only the pieces they contain, tokenized and run one after the other in this thread.  The
            # search's lexical legs hold the other core meanwhile: an English question's two texts on the pool made
            # three busy threads on two cores, 1-2 ms slower a search (docs/performance.md, "Stop 58").
            return np.stack([self._run(self._tokens(text)) for text in prompted])
        whole = self._whole_tokenizer()
        return self._on_pool(prompted, lambda i: self._run(_columns(whole.encode(prompted[i]))))

    def _on_pool(self, texts: list[str], run: Callable[[int], np.ndarray]) -> np.ndarray:
        """``run`` of each text's index on the pool, longest text first, so that the texts end together rather than
        the longest running alone last."""
        started = {i: self._pool.submit(run, i) for i in sorted(range(len(texts)), key=lambda i: -len(texts[i]))}
        return np.stack([started[i].result() for i in range(len(texts))])

    def warm(self) -> None:
        """Load the whole vocabulary now, for a process that answers many queries (the service).

        The piece table spares a one-off search loading all 250,000 pieces, but
        costs each query milliseconds of Python (its lookups and a tokenizer built
        for it), where the whole tokenizer, once loaded, takes microseconds; both
        give the same tokens.
        """
        self._whole_tokenizer()

    def _tokens(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._whole is None and self._pieces is not None and self._pieces.handles(text):
            return self._pieces.encode(text)
        return _columns(self._whole_tokenizer().encode(text))

    def _whole_tokenizer(self) -> Tokenizer:
        """The whole vocabulary, loaded on the first batch: passages need it, a one-off query does not."""
        with self._whole_lock:
            if self._whole is None:
                from tokenizers import Tokenizer

                whole = Tokenizer.from_file(str(self._home / _TOKENIZER_NAME))
                whole.no_padding()
                whole.enable_truncation(self.spec.max_seq_length)
                self._whole = whole
            return self._whole

    def _run(self, tokens: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        columns = dict(zip(("input_ids", "attention_mask", "token_type_ids"), tokens))
        hidden = self._session.run(None, {name: columns[name][None, :] for name in self._input_names})[0][0]
        vector = hidden[0] if self._pooling == "cls" else hidden.mean(axis=0)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def _columns(encoding: Encoding) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.asarray(values, dtype=np.int64)  # type: ignore[return-value]
                 for values in (encoding.ids, encoding.attention_mask, encoding.type_ids))


def ensure_int8_graph(folder: Path, fingerprint: str, models_dir: Path,
                      load_model: Callable[[], SentenceTransformer]) -> Path:
    """The folder holding the int8 graph of the model in ``folder``, exported now if missing or built from other weights.

    ``load_model`` is called only to export: a graph already built needs no PyTorch.
    """
    homes = (Path(folder) / "onnx", Path(models_dir) / "onnx" / fingerprint[:16])
    for home in homes:
        if _is_current(home, fingerprint):
            return home
    for home in homes:
        if _writable(home.parent):  # a read-only model folder: the graph goes under models_dir instead
            return build_once(home, lambda candidate: _is_current(candidate, fingerprint),
                              lambda building: _export(load_model(), building, fingerprint),
                              "the int8 ONNX graph of the embedding model (about a minute)")
    raise ModelError(f"cannot write the int8 graph of {folder} under {folder}/onnx or {models_dir}/onnx")


def _is_current(home: Path, fingerprint: str) -> bool:
    """A finished export of these weights by this recipe, with what the runner needs to embed without the model."""
    record = _recorded(home / _RECORD_NAME)
    return (
        isinstance(record, dict) and record.get("fingerprint") == fingerprint and record.get("recipe") == RECIPE
        and _SPEC_KEYS <= record.keys() and (home / _GRAPH_NAME).is_file() and (home / _TOKENIZER_NAME).is_file()
    )


def _export(model: SentenceTransformer, home: Path, fingerprint: str) -> None:
    """torch → ONNX (eager attention, so the optimizer recognises it) → fused → int8, beside the tokenizer and spec.

    The tokenizer saved is the one sentence-transformers runs (transformers may adjust what
    tokenizer.json says), so the runner's tokens are the model's own.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from tokenizers import Tokenizer

    pooling = _pooling_mode(model)  # refuse unsupported models before spending a minute exporting
    transformer: Any = model[0].auto_model  # a transformers model; torch types a module's attributes as Tensor | Module
    config = transformer.config
    with tempfile.TemporaryDirectory(dir=home, prefix=".export-") as work:
        work_dir = Path(work)
        plain, fused = work_dir / "plain.onnx", work_dir / "fused.onnx"
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
                str(fused), str(home / _GRAPH_NAME), weight_type=QuantType.QInt8, per_channel=True,
                extra_options={"DefaultTensorType": 1},  # fused nodes lack shape inference: their tensors are float
            )
    tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
    tokenizer.no_truncation()  # the runner sets the model's own limit
    tokenizer.no_padding()
    tokenizer.save(str(home / _TOKENIZER_NAME), pretty=False)
    write_piece_table(tokenizer.to_str(), home)
    spec = spec_of(model)
    _write_json(home / _RECORD_NAME, {
        "fingerprint": fingerprint, "recipe": RECIPE, "pooling": pooling, "dimension": spec.dimension,
        "max_seq_length": spec.max_seq_length, "query_prompt": spec.query_prompt, "passage_prompt": spec.passage_prompt,
    })


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
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False), encoding="utf-8")
