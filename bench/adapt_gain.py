"""What `kb adapt` gains on ALQAC-2023: the bundled model against one adapted to the law articles, never to a question.

    PYTHONPATH=. .venv/bin/python bench/adapt_gain.py --home /tmp/adapt-alqac

1. the ALQAC articles are indexed with the bundled model (kb eval's cached index under HOME/eval);
2. pairs are built from that index (heading → article, law → articles) with the laws of ``--hold`` held
   out: none of their articles is trained on;
3. the model is fine-tuned (kb.embedding.finetune, resumable: run the script again) and the articles
   indexed again with it, through the same int8 export;
4. both indexes answer the 76 statements: nDCG@10, hit@5, MRR@10 of kb's fused ranking and of the
   dense leg alone, over all statements, those on trained laws and those on held-out laws.

Prints the time and peak memory of each stage, and the time per 1,000 pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import time
from dataclasses import asdict, replace
from pathlib import Path

from kb.adaptation.pairs import build_pairs
from kb.adaptation.scoring import held_out_mrr
from kb.config import load_settings
from kb.embedding.default_model import ensure_default_model
from kb.embedding.finetune import TrainingOptions, batches, train
from kb.evaluation import alqac
from kb.evaluation.evaluate import score_ranking
from kb.evaluation.questions import QuestionSet
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.search import render, search

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT.parent / "shared" / "data" / "alqac2023" / "train.json"
HOLD = ["Luật Phòng, chống ma túy 2021", "Luật Thanh niên 2020", "Luật Điện ảnh 2022"]
METRICS = ("ndcg@10", "hit@5", "mrr@10")


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def rankings(kb: KnowledgeBase, qset: QuestionSet) -> dict[str, dict[str, dict[str, float]]]:
    """Per system (fused kb, dense leg alone), per question id: its figures."""
    embedder, vectors = kb.open_embedder(), kb.open_vectors()
    out: dict[str, dict[str, dict[str, float]]] = {"kb": {}, "dense": {}}
    for question in qset.questions:
        fused = asdict(search(kb, question.query, qset.fetch))["results"]
        dense = [asdict(hit) for hit in render(kb, vectors.search(embedder.encode_query(question.query), 4 * qset.fetch),
                                                 qset.fetch)]
        for name, results in (("kb", fused), ("dense", dense)):
            out[name][question.id] = score_ranking(qset.ranking(results, question, 10), len(question.gold))
    return out


def table(base: dict, adapted: dict, groups: dict[str, list[str]]) -> list[str]:
    lines = [f"{'group':<22} {'n':>3} {'system':<6} " + " ".join(f"{m:>16}" for m in METRICS)]
    for group, ids in groups.items():
        for system in ("kb", "dense"):
            cells = []
            for metric in METRICS:
                before = statistics.fmean(base[system][i][metric] for i in ids)
                after = statistics.fmean(adapted[system][i][metric] for i in ids)
                cells.append(f"{before:.3f}→{after:.3f} {after - before:+.3f}")
            lines.append(f"{group:<22} {len(ids):>3} {system:<6} " + " ".join(f"{c:>16}" for c in cells))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--hold", nargs="*", default=HOLD, help="laws held out of training")
    parser.add_argument("--max-pairs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    settings = load_settings(args.home)
    qset, passages = alqac.load_questions(args.questions)
    figures: dict[str, object] = {}

    started = time.perf_counter()
    base_kb, built = alqac.open_index(settings, passages, progress=lambda line: None)
    figures["base_index"] = {k: built[k] for k in ("chunks", "seconds", "reused")}
    base = rankings(base_kb, qset)
    figures["base_index_and_questions_s"] = round(time.perf_counter() - started, 1)

    held_ids = [row["id"] for row in base_kb.store.documents.listing() if row["title"] in set(args.hold)]
    pairs = build_pairs(base_kb.store, titles_per_document=2, max_pairs=args.max_pairs, held_out=held_ids)
    options = TrainingOptions(batch_size=args.batch_size, epochs=args.epochs)
    texts = [(p.anchor, p.positive) for p in pairs.train]
    fingerprint = f"{pairs.fingerprint()}:{json.dumps(options.as_dict(), sort_keys=True)}"
    target = args.home / "models" / f"adapted-bench-{hashlib.sha256(fingerprint.encode()).hexdigest()[:12]}"
    figures["pairs"] = pairs.counts() | {"held_out_pairs": len(pairs.held_out), "steps": len(batches(texts, options))}
    print(json.dumps(figures, ensure_ascii=False), flush=True)

    if not (target / "modules.json").is_file():
        started = time.perf_counter()
        last = [time.perf_counter()]

        def on_step(done: int, total: int, loss: float) -> None:
            now = time.perf_counter()
            print(f"step {done}/{total} loss {loss:.3f} {now - last[0]:.1f}s", flush=True)
            last[0] = now

        train(ensure_default_model(settings.models_dir), texts, args.home / "models" / "adapt-work", target, options,
              fingerprint, on_step)
        seconds = time.perf_counter() - started
        figures["training"] = {"seconds": round(seconds, 1), "pairs": len(texts),
                               "seconds_per_1000_pairs": round(seconds / len(texts) * 1000, 1), "peak_mb": peak_mb()}
        print(json.dumps(figures["training"]), flush=True)

    adapted_settings = replace(settings, model=str(target))
    started = time.perf_counter()
    adapted_kb, built = alqac.open_index(adapted_settings, passages, progress=lambda line: None)
    figures["adapted_index"] = {k: built[k] for k in ("chunks", "seconds", "reused")} | {
        "export_and_index_s": round(time.perf_counter() - started, 1), "peak_mb": peak_mb()}
    adapted = rankings(adapted_kb, qset)
    figures["held_out_pairs_mrr@10"] = {"base": held_out_mrr(base_kb.open_embedder(), pairs.held_out),
                                        "adapted": held_out_mrr(adapted_kb.open_embedder(), pairs.held_out)}
    held_laws = set(args.hold)
    groups = {"all": [q.id for q in qset.questions],
              "trained laws": [q.id for q in qset.questions if not {law for law, _ in q.gold} & held_laws],
              "held-out laws": [q.id for q in qset.questions if {law for law, _ in q.gold} <= held_laws]}
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    print("\n".join(table(base, adapted, groups)))


if __name__ == "__main__":
    main()
