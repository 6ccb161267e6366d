"""The files kb keeps beside the index and can always rebuild from SQLite: the lexicon, the accent model.

Both are one numpy ``.npz``: a JSON ``meta`` (with the writer's format version),
the ``vocabulary`` as newline-joined UTF-8, and named arrays.  A file is written
whole under a temporary name and renamed, so a reader sees the old file or the
new one, never half of one; anything but a file this version wrote reads as
``ValueError``, so the caller rebuilds rather than serve a broken model.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EarlierFormat", "write_snapshot", "read_snapshot"]


class EarlierFormat(ValueError):
    """A file an earlier kb wrote (a lower format): a cache to build again after an upgrade, not a fault."""


def write_snapshot(path: Path, meta: dict[str, Any], vocabulary: Iterable[str], arrays: dict[str, np.ndarray],
                   *, compressed: bool = False) -> None:
    """Write ``path`` whole: temporary file, fsync, rename (two threads or processes never share a temporary)."""
    contents = {"meta": np.frombuffer(json.dumps(meta).encode(), np.uint8),
                "vocabulary": np.frombuffer("\n".join(vocabulary).encode("utf-8"), np.uint8), **arrays}
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    save = np.savez_compressed if compressed else np.savez
    try:
        with open(temporary, "wb") as handle:
            save(handle, **contents)  # type: ignore[arg-type]  # numpy's stub reads **contents as allow_pickle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def read_snapshot(path: Path, version: int) -> Iterator[tuple[dict[str, Any], list[str], Any]]:
    """``(meta, vocabulary, arrays)`` of a file ``write_snapshot`` wrote with ``meta["format"] == version``.

    Whatever goes wrong inside the ``with`` block too (a missing array or meta
    field) is a ``ValueError``; ``FileNotFoundError`` when there is no file.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes())
            written = meta.get("format")
            if written != version:
                earlier = isinstance(written, int) and written < version
                raise (EarlierFormat if earlier else ValueError)(f"format {written}, not {version}")
            words = data["vocabulary"].tobytes().decode("utf-8")
            yield meta, words.split("\n") if words else [], data
    except FileNotFoundError:
        raise
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, TypeError) as exc:
        raise ValueError(f"{path.name} cannot be read: {exc}") from exc
