"""Turn text into vectors: the one place that decides the model, its prompts and text normalisation.

kb runs offline, so the hub is switched off before sentence-transformers is imported; the
default model is built locally by :mod:`kb.embedding.default_model`, once per machine.  Importing
sentence-transformers (and PyTorch) takes seconds and over a gigabyte, so that happens only on the
torch backend or to export an int8 graph: a built graph runs on ONNX Runtime alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from indexer.analyzer import nfc
from kb.embedding.default_model import DEFAULT_MODEL_NAME, ensure_default_model
from kb.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "Embedder", "ModelSpec", "load_embedder", "model_fingerprint", "spec_of"]

QUERY_CACHE_SIZE = 1024
BACKENDS = ("onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-int8"  # ~3× the indexing pace of fp32 at the same retrieval quality (docs/architecture.md)

# Files that decide what a model computes; READMEs and caches do not.
_WEIGHT_SUFFIXES = {".json", ".safetensors", ".bin", ".model", ".txt", ".pt", ".pth"}
_DIGEST_CACHE = ".kb-digests.json"
_CACHE_ABOVE_BYTES = 1 << 20  # re-hashing small files is cheaper than keeping them in the cache


@dataclass(frozen=True)
class ModelSpec:
    """What turning text into a model's vectors needs besides the weights and the tokenizer."""

    dimension: int
    max_seq_length: int
    query_prompt: str | None
    passage_prompt: str | None


def spec_of(model: SentenceTransformer) -> ModelSpec:
    dimension, max_length = model_shape(model)
    prompts = model.prompts or {}
    # e5 calls documents "passage"; sentence-transformers 6 models call them "document".
    return ModelSpec(dimension, max_length, prompts.get("query"), prompts.get("passage", prompts.get("document")))


class Embedder:
    """Model name, prompts and a runner; texts are NFC-normalised first (the tokenizer loses tone marks on NFD)."""

    def __init__(self, runner: Runner, spec: ModelSpec, name: str, fingerprint: str, backend: str) -> None:
        self.name = name
        self.fingerprint = fingerprint
        self.backend = backend
        self.dimension, self.max_seq_length = spec.dimension, spec.max_seq_length
        self._runner = runner
        self._passage_prompt = spec.passage_prompt
        self._query_prompt = spec.query_prompt
        self._cached_queries = lru_cache(maxsize=QUERY_CACHE_SIZE)(self._embed_queries)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        return self._runner.encode([nfc(text) for text in texts], self._passage_prompt)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed a search query; repeated queries (paging, the service) come from a bounded cache."""
        return self.encode_queries((text,))[0]

    def encode_queries(self, texts: tuple[str, ...]) -> np.ndarray:
        """Embed the texts of one query (``Query.dense_texts``) together, cached as one: the search asks for them
        as one vector (their mean), and a repeated English question then costs nothing for either."""
        return self._cached_queries(tuple(nfc(text) for text in texts)).copy()

    def warm(self) -> None:
        """Ready the model for many queries: a long-running process (the service) pays its loads at start,
        each query then the least it can (``Runner.warm``)."""
        self._runner.warm()
        self.encode_query("khởi động")

    def _embed_queries(self, texts: tuple[str, ...]) -> np.ndarray:
        return self._runner.encode(list(texts), self._query_prompt)


def model_shape(model: SentenceTransformer) -> tuple[int, int]:
    """The model's vector size and the most tokens it reads: a model that leaves either unsaid cannot size the index."""
    dimension, max_length = model.get_embedding_dimension(), model.max_seq_length
    if dimension is None or max_length is None:
        raise ModelError("the model does not declare its vector size and its maximum input length")
    return int(dimension), int(max_length)


class Runner(Protocol):
    def encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        """Unit vectors, one row per text, in the order given."""

    def warm(self) -> None:
        """Load now whatever makes each later query cheaper, where a one-off query would rather not wait for it."""


class TorchRunner:
    """sentence-transformers in fp32 PyTorch: any model it loads, at the pace of plain fp32."""

    def __init__(self, model: SentenceTransformer, batch_size: int = 32) -> None:
        self._model = model
        self._batch_size = batch_size
        self._dimension, self._max_length = model_shape(model)

    def encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        """Batches hold texts of similar token length so little is spent on padding."""
        order = self._longest_first(texts)
        vectors = np.empty((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            vectors[batch] = self._model.encode(
                [texts[i] for i in batch],
                prompt=prompt,
                batch_size=len(batch),
                convert_to_numpy=True,
                normalize_embeddings=True,  # models without a Normalize module still give unit vectors
                show_progress_bar=False,
            )
        return vectors

    def warm(self) -> None:
        """Nothing to load: the model and its tokenizer are in memory from the start."""

    def _longest_first(self, texts: list[str]) -> np.ndarray:
        """Order by token count, not characters: Vietnamese words vary a lot in tokens per letter."""
        encoded = self._model.tokenizer(
            texts, add_special_tokens=False, truncation=True, max_length=self._max_length
        )
        lengths = np.fromiter((len(ids) for ids in encoded["input_ids"]), dtype=np.int64, count=len(texts))
        return np.argsort(-lengths, kind="stable")


def load_embedder(model: str | None, models_dir: Path, backend: str = DEFAULT_BACKEND) -> Embedder:
    """Load the default model (``None``, from the user's model cache) or a sentence-transformers name or folder, offline.

    On the int8 backend a model whose graph is already built loads without PyTorch (see
    :mod:`kb.embedding.onnx_int8`); ``models_dir`` holds the graph of a read-only model folder.

    The fingerprint names the backend too (``…+onnx-int8``): int8 vectors are close to the
    fp32 ones (cosine ≥ 0.99) but not equal, and an index should not silently mix the two.
    """
    if backend not in BACKENDS:
        raise ModelError(f"unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}")
    # Read by huggingface_hub when it is first imported, below: nothing kb does may download.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    if model is None:
        folder, name = ensure_default_model(), DEFAULT_MODEL_NAME
    else:
        folder, name = _local_folder(model), model
    fingerprint = model_fingerprint(folder)
    if backend == "torch":
        sentence_model = _load_sentence_transformer(folder, name)
        return Embedder(TorchRunner(sentence_model), spec_of(sentence_model), name, fingerprint, backend)
    from kb.embedding.onnx_int8 import RECIPE, OnnxInt8Runner, ensure_int8_graph

    graph = ensure_int8_graph(folder, fingerprint, Path(models_dir), lambda: _load_sentence_transformer(folder, name))
    runner = OnnxInt8Runner(graph)
    return Embedder(runner, runner.spec, name, f"{fingerprint}+{RECIPE}", backend)


def _local_folder(model: str) -> Path:
    """A folder as given, or the locally cached snapshot of a hub name; never a download."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    looks_like_repo_id = model.count("/") <= 1 and not model.startswith((".", "~", "/"))
    if path.exists():
        raise ModelError(f"embedding model path {model!r} is not a folder")
    if not looks_like_repo_id:
        raise ModelError(f"embedding model folder {model!r} does not exist")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id=model, local_files_only=True))
    except Exception as exc:  # the hub client raises several unrelated types for "not cached"
        raise ModelError(
            f"embedding model {model!r} is neither a folder nor in the local Hugging Face cache "
            "(kb never downloads models)"
        ) from exc


def _load_sentence_transformer(folder: Path, name: str) -> SentenceTransformer:
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars would clutter CLI output
        return SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    except Exception as exc:  # a broken folder fails in many ways; all mean "cannot load"
        raise ModelError(f"cannot load embedding model {name!r} from {folder}: {exc}") from exc


def model_fingerprint(folder: Path) -> str:
    """Identify what a model computes, so an index can tell whether its vectors still match.

    Hashes every weight/config file of the model and of its sentence-transformers modules;
    large files' digests are cached beside the model keyed by size and mtime, which keeps
    this to a few milliseconds on every open.
    """
    folder = Path(folder)
    cache = _read_digest_cache(folder)
    stale = False
    overall = hashlib.sha256()
    for path in _model_files(folder):
        relative = path.relative_to(folder).as_posix()
        stat = path.stat()
        if stat.st_size <= _CACHE_ABOVE_BYTES:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            entry = cache.get(relative)
            if not isinstance(entry, list) or entry[:2] != [stat.st_size, stat.st_mtime_ns]:
                entry = cache[relative] = [stat.st_size, stat.st_mtime_ns, _sha256_file(path)]
                stale = True
            digest = entry[2]
        overall.update(f"{relative}\0{digest}\n".encode())
    if stale:
        _write_digest_cache(folder, cache)
    return overall.hexdigest()


def _model_files(folder: Path) -> list[Path]:
    """The root folder plus the module folders modules.json names (e.g. 1_Pooling, 2_Dense)."""
    folders = [folder]
    modules = folder / "modules.json"
    if modules.is_file():
        try:
            entries = json.loads(modules.read_text(encoding="utf-8"))
            folders += [folder / entry["path"] for entry in entries if entry.get("path")]
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{modules} is not a valid sentence-transformers modules file: {exc}") from exc
    files = {
        path
        for directory in folders
        if directory.is_dir()
        for path in directory.iterdir()
        if path.is_file() and path.suffix in _WEIGHT_SUFFIXES and not path.name.startswith(".")
    }
    return sorted(files)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_digest_cache(folder: Path) -> dict[str, list]:
    try:
        data = json.loads((folder / _DIGEST_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_digest_cache(folder: Path, digests: dict[str, list]) -> None:
    """Best effort: a read-only model folder only costs re-hashing on the next open."""
    temporary = folder / f"{_DIGEST_CACHE}.{os.getpid()}.tmp"
    try:
        temporary.write_text(json.dumps(digests, indent=1), encoding="utf-8")
        os.replace(temporary, folder / _DIGEST_CACHE)
    except OSError:
        temporary.unlink(missing_ok=True)
