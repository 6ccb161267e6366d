"""Benchmark (not a test): indexing throughput against plain fp32 sentence-transformers on the same chunks.

    .venv/bin/python bench/bench_indexing.py [--files 60] [--folder ../shared/data/admin-docs] [--torch]

1. ``kb index`` end to end on the folder's first N files into a fresh folder (reading,
   cleaning, chunking, embedding, SQLite, FAISS), with the time of each stage.
2. The passages that run embedded (read back from its database: exactly the same texts), their
   token lengths (what ``max_seq_length`` has to hold), and the raw encoder pace on them:
   fp32 sentence-transformers ``encode`` (batch 32, its own length sorting) — the baseline —
   then kb's int8 ONNX runner, with the cosine between the two.
3. With ``--torch``, ``kb index`` end to end again on the fp32 backend.

It prints the ratios the performance targets are stated in: end-to-end throughput over the fp32
baseline's, and the share of the run that is not embedding.  The machine is shared and noisy:
compare figures from one run (the load average is printed beside them), not across runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.read import walk_files  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.embedding.default_model import ensure_default_model  # noqa: E402
from kb.embedding.embedder import load_embedder  # noqa: E402
from kb.indexing import index_paths  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402


def load() -> str:
    return "load %.2f" % os.getloadavg()[0]


def sample(folder: Path, files: int, workdir: Path) -> Path:
    """The first N files (by name) of the folder, copied into one place so every run reads the same set."""
    chosen = sorted(found.path for found in walk_files(folder) if found.skip is None)[:files]
    target = workdir / "files"
    target.mkdir()
    for n, path in enumerate(chosen):
        shutil.copyfile(path, target / f"{n:04d}-{path.name}")
    return target


def timed(call):
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def index_run(folder: Path, home: Path, model: Path, backend: str) -> tuple[list[str], float]:
    """Index the folder, print the figures, return the passages it embedded."""
    os.environ["KB_BACKEND"] = backend
    kb = KnowledgeBase(load_settings(home, str(model)))
    kb.open_embedder()  # load the model (and build its int8 graph) outside the timing
    report, total = timed(lambda: index_paths(kb, [folder]))
    texts = [text for _, text in kb.store.chunks.all_texts()]
    kb.close()
    stages = report.seconds
    print(f"kb index end to end ({backend:9})          {total:8.1f} s  {len(texts) / total:6.1f} passages/s; "
          f"not embedding {100 * (total - stages['embedding']) / total:.1f} %  [{load()}]")
    print("    " + ", ".join(f"{stage} {value:.1f} s" for stage, value in stages.items())
          + f", other {total - sum(stages.values()):.1f} s; {report.count('indexed')} files indexed, "
          f"{len(report.errors)} errors")
    return texts, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=ROOT.parent / "shared" / "data" / "admin-docs")
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--torch", action="store_true", help="also run kb index on the fp32 torch backend")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kb-bench-indexing-") as work:
        workdir = Path(work)
        model = ensure_default_model(Path.home() / ".cache" / "kb-bench" / "models")
        folder = sample(args.folder, args.files, workdir)
        texts, int8_total = index_run(folder, workdir / "home-int8", model, "onnx-int8")
        fp32 = load_embedder(str(model), workdir / "models", "torch")
        int8 = load_embedder(str(model), workdir / "models", "onnx-int8")
        st = fp32._runner._model
        lengths = [len(ids) for ids in st.tokenizer(["passage: " + t for t in texts])["input_ids"]]
        over = sum(n > fp32.max_seq_length for n in lengths)
        print(f"{len(texts)} passages; tokens p50 {statistics.median(lengths):.0f}, p95 {np.percentile(lengths, 95):.0f}, "
              f"max {max(lengths)}; {over} over max_seq_length {fp32.max_seq_length} ({100 * over / len(texts):.1f} %)")

        baseline, base_s = timed(lambda: st.encode(texts, prompt="passage: ", batch_size=32, normalize_embeddings=True))
        print(f"fp32 sentence-transformers encode (baseline) {base_s:8.1f} s  {len(texts) / base_s:6.1f} passages/s  [{load()}]")
        vectors, int8_s = timed(lambda: int8.encode_passages(texts))
        cosine = np.sum(vectors * baseline, axis=1)
        print(f"int8 ONNX Runtime encoder                    {int8_s:8.1f} s  {len(texts) / int8_s:6.1f} passages/s  "
              f"x{base_s / int8_s:.2f}; cosine to fp32 min {cosine.min():.4f} mean {cosine.mean():.4f}  [{load()}]")
        print(f"=> kb index end to end: x{base_s / int8_total:.2f} the passages/s of the fp32 baseline on the same passages")
        if args.torch:
            _, torch_total = index_run(folder, workdir / "home-torch", model, "torch")
            print(f"=> int8 pipeline x{torch_total / int8_total:.2f} the fp32 pipeline end to end")


if __name__ == "__main__":
    main()
