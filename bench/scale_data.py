"""The scale benchmark's data: passages synthesised from real texts, and their vectors from the real model.

Not a benchmark itself; ``bench/bench_scale.py`` uses it.  Everything is kept under a data
folder outside the repository (default ``/work/bench-data``) and made once:

* ``passages.txt`` — one passage a line, its sentences separated by tabs: 1–3 real
  sentences drawn at random (fixed seed) from ``../shared/data`` (laws-txt, admin-docs,
  ALQAC articles), 25–60 syllables each, the length of a short passage, so the real model
  can embed 200,000 of them in hours;
* ``vectors/NNNNNN.npy`` — the int8 ONNX model's passage vectors (``load_embedder(None, …)``),
  ``PART`` rows a file, each file written whole (temporary name, then rename): an interrupted
  run resumes at the first missing part;
* ``derived vectors`` for sizes past the real ones (2,000,000) are computed on the fly,
  see ``derived_vectors``.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.analyzer import nfc

SHARED = ROOT.parent / "shared"
SEED = 20251124
PART = 2000  # vectors per cached file
BLEND = (0.1, 0.4)  # a derived vector's share of its random partner, drawn uniformly in this range

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")
_FURNITURE = re.compile(r"[|*#_\[\]]|https?:|THƯ VIỆN PHÁP LUẬT|Đang tải|Click|copyright", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


def _texts() -> Iterator[str]:
    """The real texts, as paragraphs (line breaks inside the saved pages' paragraphs mended)."""
    data = SHARED / "data"
    for path in sorted((data / "laws-txt").glob("*.txt")):
        yield from nfc(path.read_text(encoding="utf-8")).splitlines()
    for path in sorted((data / "admin-docs" / "docs").glob("*.md")):
        yield from re.split(r"\n\s*\n|\|", nfc(path.read_text(encoding="utf-8")).replace("\n", " \n"))
    for law in json.loads((data / "alqac2023" / "legal_passages.json").read_text(encoding="utf-8")):
        for article in law["articles"]:
            yield from nfc(article["text"]).splitlines()


def sentences() -> list[str]:
    """Distinct real sentences of 6–40 syllables, without page furniture or repeated boilerplate."""
    found: Counter[str] = Counter()
    for paragraph in _texts():
        for sentence in _SENTENCE_END.split(" ".join(paragraph.split())):
            words = _WORD.findall(sentence)
            if 6 <= len(words) <= 40 and not _FURNITURE.search(sentence) and sum(w.isalpha() for w in words) > 0.7 * len(words):
                found[sentence] += 1
    return sorted(s for s, n in found.items() if n <= 3)


def synthesise(count: int, seed: int = SEED) -> list[list[str]]:
    """``count`` passages of 1–3 shuffled real sentences, 25–60 syllables each, as their sentences."""
    pool = sentences()
    rng = random.Random(seed)
    passages = []
    while len(passages) < count:
        picked: list[str] = []
        length = 0
        target = rng.randint(25, 60)
        while length < 25 and len(picked) < 3:
            sentence = rng.choice(pool)
            if picked and length + len(_WORD.findall(sentence)) > target + 15:
                break
            picked.append(sentence)
            length += len(_WORD.findall(sentence))
        if length >= 12:
            passages.append(picked)
    return passages


def passage_sentences(folder: Path, count: int) -> list[list[str]]:
    """The cached passages as their sentences (made on first use, made longer when more are asked for: ``synthesise``
    draws the same first passages whatever the count, so the vectors of those already embedded stay theirs); the
    first ``count`` of them."""
    path = folder / "passages.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if len(lines) < count:
        made = ["\t".join(p) for p in synthesise(count)]
        if made[: len(lines)] != lines:
            raise SystemExit(f"{path} was drawn from other data than ../shared holds now: delete it to make it again")
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(line + "\n" for line in made), encoding="utf-8")
        tmp.replace(path)
        lines = made
    return [line.split("\t") for line in lines[:count]]


def passages(folder: Path, count: int) -> list[str]:
    """The cached passages' texts: what was embedded."""
    return [" ".join(sentences) for sentences in passage_sentences(folder, count)]


def derived_sentences(real: list[list[str]], row: int) -> list[str]:
    """Passage ``row`` of a corpus larger than the real passages, as its sentences: real passage
    ``row % len(real)``, its sentences in an order shuffled by the row number (the first copy keeps the order)."""
    sentences = list(real[row % len(real)])
    if row >= len(real):
        random.Random(row).shuffle(sentences)
    return sentences


def derived_passage(real: list[list[str]], row: int) -> str:
    return " ".join(derived_sentences(real, row))


def embed(folder: Path, count: int, models_dir: Path) -> None:
    """Embed the first ``count`` passages with the real model, resuming at the first missing part."""
    from kb.embedding.embedder import load_embedder

    texts = passages(folder, count)
    parts = folder / "vectors"
    parts.mkdir(exist_ok=True)
    embedder = load_embedder(None, models_dir)
    info = {"model": embedder.name, "backend": embedder.backend, "fingerprint": embedder.fingerprint,
            "passages": count, "part": PART}
    (folder / "vectors.json").write_text(json.dumps(info, indent=1))
    for start in range(0, count, PART):
        target = parts / f"{start // PART:06d}.npy"
        if target.exists():
            continue
        began = time.perf_counter()
        vectors = embedder.encode_passages(texts[start : start + PART])
        tmp = target.with_suffix(".tmp.npy")
        np.save(tmp, vectors.astype(np.float32))
        tmp.replace(target)
        rate = len(vectors) / (time.perf_counter() - began)
        print(f"{time.strftime('%H:%M:%S')} part {start // PART}: {start + len(vectors)}/{count} "
              f"({rate:.1f} passages/s)", flush=True)


def real_vectors(folder: Path, count: int) -> np.ndarray:
    """The first ``count`` real vectors (float32, unit length); all their parts must exist."""
    rows, needed = [], -(-count // PART)
    for part in range(needed):
        path = folder / "vectors" / f"{part:06d}.npy"
        if not path.exists():
            raise SystemExit(f"{path} is missing: run `bench/bench_scale.py prepare` until it finishes")
        rows.append(np.load(path))
    return np.vstack(rows)[:count]


def available(folder: Path) -> int:
    """How many real vectors are cached, counting whole parts from the first."""
    part = 0
    while (folder / "vectors" / f"{part:06d}.npy").exists():
        part += 1
    return part * PART


def derived_vectors(real: np.ndarray, start: int, stop: int, seed: int = SEED) -> np.ndarray:
    """Rows ``start:stop`` of a corpus larger than the real vectors: copy ``i`` of real vector ``j``.

    Row ``n`` is real row ``n % len(real)`` for the first ``len(real)`` rows; past them, that
    real row blended with another real row drawn at random (its share ``BLEND``, seeded by
    the batch), re-normalised: cosine 0.97–0.99 to its source, so each real passage gets
    near neighbours the way a large corpus of similar documents has them, and every vector
    stays among the model's (Gaussian noise instead pushed the copies off them, into a few
    IVF lists: median list 11 vectors, mean 1,754).
    """
    base = real[np.arange(start, stop) % len(real)].copy()
    derived = np.arange(start, stop) >= len(real)
    if derived.any():
        rng = np.random.default_rng([seed, start])
        count = int(derived.sum())
        partners = real[rng.integers(0, len(real), count)]
        share = rng.uniform(*BLEND, size=(count, 1)).astype(np.float32)
        base[derived] = (1 - share) * base[derived] + share * partners
        base /= np.linalg.norm(base, axis=1, keepdims=True)
    return base
