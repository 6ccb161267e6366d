"""A query's tokens from the few vocabulary pieces it can contain, not the model's 250,000.

Loading e5's whole Unigram vocabulary (``tokenizer.json``) and freeing it again costs most of
a one-off ``kb search``'s time.  A Unigram tokenizer splits a word by the best-scoring path
through the pieces that occur in it, so a tokenizer whose vocabulary holds just the pieces that
are substrings of the query gives the same split: the same pieces, the same scores, and the
same penalty for an unknown character (it derives from the vocabulary's lowest score, whose
piece is always kept).  The pieces live in a small SQLite table beside the graph, looked up by
every substring of the normalised query; the tokens found are mapped back to the model's ids.

A text that contains a special token's spelling (``<mask>``) goes to the whole tokenizer: those
are matched before normalisation, which the candidate substrings do not model.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PieceTokenizer", "write_piece_table"]

TABLE_NAME = "pieces.sqlite"
_SPACE = "▁"  # how the Metaspace pre-tokenizer writes a space
_BATCH = 500  # SQLite's parameters per statement stay far below its limit


def write_piece_table(tokenizer_json: str, home: Path) -> None:
    """Write the vocabulary of a Unigram ``tokenizer.json`` as the table ``PieceTokenizer`` reads."""
    spec = json.loads(tokenizer_json)
    model = spec["model"]
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        return  # other tokenizers are loaded whole
    vocab: list[list[Any]] = model["vocab"]
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
    unk_id = model["unk_id"]
    kept = sorted({*range(unk_id + 1), lowest})  # the special tokens up to <unk> keep their ids; the lowest score
    model["vocab"] = [vocab[i] for i in kept]
    meta = {"template": json.dumps(spec, ensure_ascii=False), "kept": kept,
            "longest": max(len(piece) for piece, _ in vocab),
            "specials": [token["content"] for token in spec.get("added_tokens", [])]}
    with sqlite3.connect(home / TABLE_NAME) as db:
        db.execute("CREATE TABLE pieces (piece TEXT PRIMARY KEY, id INTEGER NOT NULL, score REAL NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT OR IGNORE INTO pieces VALUES (?, ?, ?)", ((p, i, s) for i, (p, s) in enumerate(vocab)))
        db.execute("CREATE TABLE meta (value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES (?)", (json.dumps(meta, ensure_ascii=False),))
    with sqlite3.connect(home / TABLE_NAME) as db:
        db.execute("VACUUM")


class PieceTokenizer:
    """Token ids of one text as the model's whole tokenizer gives them, truncated to ``max_length``."""

    def __init__(self, home: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self._db = sqlite3.connect(f"file:{home / TABLE_NAME}?mode=ro", uri=True, check_same_thread=False)
        meta = json.loads(self._db.execute("SELECT value FROM meta").fetchone()[0])
        self._template: str = meta["template"]
        self._normalizer = Tokenizer.from_str(self._template).normalizer
        model = json.loads(self._template)["model"]
        self._kept_ids: list[int] = meta["kept"]
        self._kept = [(piece, score) for piece, score in model["vocab"]]
        self._unk: int = model["unk_id"]
        self._longest: int = meta["longest"]
        self._specials: list[str] = meta["specials"]
        self._max_length = max_length

    @staticmethod
    def available(home: Path) -> bool:
        return (home / TABLE_NAME).is_file()

    def handles(self, text: str) -> bool:
        return not any(special in text for special in self._specials)

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """ids, attention mask and token types, as ``tokenizers.Encoding`` gives them for the whole vocabulary."""
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        found = self._lookup(self._candidates(text))
        vocab = self._kept + [(piece, score) for piece, _, score in found]
        ids = np.asarray(self._kept_ids + [model_id for _, model_id, _ in found], dtype=np.int64)
        tokenizer = Tokenizer.from_str(self._template)  # the whole pipeline: normaliser, pre-tokenizer, special tokens
        tokenizer.model = Unigram(vocab, self._unk, False)
        tokenizer.enable_truncation(self._max_length)
        encoding = tokenizer.encode(text)
        return (ids[np.asarray(encoding.ids, dtype=np.int64)], np.asarray(encoding.attention_mask, dtype=np.int64),
                np.asarray(encoding.type_ids, dtype=np.int64))

    def _candidates(self, text: str) -> set[str]:
        """Every substring a piece of the text could be: of the normalised text, spaces as "▁", with and without a "▁" before."""
        normalized = self._normalizer.normalize_str(text) if self._normalizer is not None else text
        spaced = _SPACE + normalized.replace(" ", _SPACE)
        found: set[str] = set()
        for start in range(len(spaced)):
            for end in range(start + 1, min(len(spaced), start + self._longest) + 1):
                found.add(spaced[start:end])
                found.add(_SPACE + spaced[start:end])
        return found

    def _lookup(self, candidates: set[str]) -> list[tuple[str, int, float]]:
        wanted, found = sorted(candidates), []
        for start in range(0, len(wanted), _BATCH):
            part = wanted[start:start + _BATCH]
            found += self._db.execute(
                f"SELECT piece, id, score FROM pieces WHERE piece IN ({','.join('?' * len(part))})", part).fetchall()
        kept = set(self._kept_ids)
        return [row for row in found if row[1] not in kept]
