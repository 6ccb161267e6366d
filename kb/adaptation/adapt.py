"""``kb adapt``: fine-tune the bundled model on the index's own documents, then re-embed the index with it.

The steps, each resumable by running the command again:

1. the pairs (``kb.adaptation.pairs``) are built once and kept in
   ``models/adapt-work/pairs.json``, so a resumed run trains on the same ones
   even if documents were added meanwhile;
2. training (``kb.embedding.finetune``) checkpoints into ``models/adapt-work``;
   it ends in a model folder ``models/adapted-<pairs>``;
3. the model is exported to int8 the way the bundled one is (``load_embedder``);
4. the held-out documents' pairs are ranked by the bundled model and by the
   adapted one: unless the adapted one ranks them better (or ``force``), the
   index stays as it is and the report says so;
5. ``settings.json`` names the adapted model, then every passage is embedded
   again into a new vector file that replaces the old one whole
   (``KnowledgeBase.switch_model``).  A crash between the two leaves an index
   whose config.json names the old model: opening it is refused, and
   ``kb adapt`` again finishes the switch.

Training always starts from the bundled model, never from an adapted one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kb.adaptation.pairs import Pair, PairSet, build_pairs
from kb.adaptation.scoring import held_out_mrr
from kb.config import save_model_setting
from kb.embedding.default_model import ensure_default_model
from kb.embedding.embedder import Embedder, load_embedder
from kb.embedding.finetune import TrainingOptions, batches, time_steps, train
from kb.errors import ModelError
from kb.knowledge_base import KnowledgeBase

__all__ = ["AdaptOptions", "AdaptReport", "Estimate", "adapt", "estimate", "revert"]

WORK = "adapt-work"
PREFIX = "adapted-"
_EMBED_SAMPLE = 32  # passages timed to estimate the re-embedding
_EXPORT_SECONDS = 60  # the int8 export, measured once (docs/architecture.md): too slow to time on every estimate

OnStep = Callable[[int, int, float], None]
OnEmbed = Callable[[int, int], None]


@dataclass(frozen=True)
class AdaptOptions:
    held_out_share: float = 0.1
    titles_per_document: int = 2
    max_pairs: int | None = 20_000
    force: bool = False  # switch even if the held-out pairs do not rank better
    training: TrainingOptions = field(default_factory=TrainingOptions)


@dataclass
class Estimate:
    pairs: dict[str, int]
    held_out_pairs: int
    steps: int
    chunks: int
    seconds_per_step: float
    seconds_per_passage: float

    @property
    def seconds(self) -> float:
        """Training, the export, then re-embedding every passage (and the held-out check, twice its pairs)."""
        return (self.steps * self.seconds_per_step + _EXPORT_SECONDS
                + (self.chunks + 4 * min(self.held_out_pairs, 300)) * self.seconds_per_passage)


@dataclass
class AdaptReport:
    model: str
    pairs: dict[str, int]
    steps: int
    held_out: dict[str, float]  # MRR@10 of the held-out pairs: "base", "adapted" (empty: none held out)
    switched: bool
    chunks: int
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _work(kb: KnowledgeBase) -> Path:
    return kb.settings.models_dir / WORK


def _pairs(kb: KnowledgeBase, options: AdaptOptions) -> PairSet:
    """The pairs of an unfinished run, else new ones (kept for a resumed run)."""
    record = _work(kb) / "pairs.json"
    wanted = {"held_out_share": options.held_out_share, "titles_per_document": options.titles_per_document,
              "max_pairs": options.max_pairs, "seed": options.training.seed}
    if record.is_file():
        stored = json.loads(record.read_text(encoding="utf-8"))
        if stored["options"] == wanted:
            return PairSet([Pair(p[0], p[1], p[2], tuple(p[3])) for p in stored["train"]],
                           [Pair(p[0], p[1], p[2], tuple(p[3])) for p in stored["held_out"]],
                           stored["held_out_documents"])
    pairs = _build(kb, options)
    record.parent.mkdir(parents=True, exist_ok=True)
    temporary = record.with_suffix(".tmp")
    temporary.write_text(json.dumps({
        "options": wanted, "held_out_documents": pairs.held_out_documents,
        "train": [[p.anchor, p.positive, p.kind, list(p.documents)] for p in pairs.train],
        "held_out": [[p.anchor, p.positive, p.kind, list(p.documents)] for p in pairs.held_out]},
        ensure_ascii=False), encoding="utf-8")
    temporary.replace(record)
    return pairs


def _build(kb: KnowledgeBase, options: AdaptOptions) -> PairSet:
    return build_pairs(kb.store, options.held_out_share, options.titles_per_document, options.training.seed,
                       options.max_pairs)


def estimate(kb: KnowledgeBase, options: AdaptOptions) -> Estimate:
    """How many pairs and steps, and how long a run would take here: a few steps and passages timed on this machine.

    Writes nothing: the pairs of an unfinished run if there is one, else those a run would build now.
    """
    record = _work(kb) / "pairs.json"
    pairs = _pairs(kb, options) if record.is_file() else _build(kb, options)
    texts = [(p.anchor, p.positive) for p in pairs.train]
    steps = len(batches(texts, options.training))
    per_step = time_steps(ensure_default_model(), texts, options.training) if steps else 0.0
    sample = [text for _, text in kb.store.chunks.all_texts()[:_EMBED_SAMPLE]]
    embedder = _bundled(kb)
    started = time.perf_counter()
    embedder.encode_passages(sample)
    per_passage = (time.perf_counter() - started) / max(1, len(sample))
    return Estimate(pairs.counts(), len(pairs.held_out), steps, kb.store.chunks.count(), per_step, per_passage)


def _bundled(kb: KnowledgeBase) -> Embedder:
    return load_embedder(None, kb.settings.models_dir, kb.settings.backend)


def adapt(kb: KnowledgeBase, options: AdaptOptions, on_stage: Callable[[str], None] = lambda _: None,
          on_step: OnStep = lambda *_: None, on_embed: OnEmbed = lambda *_: None) -> AdaptReport:
    """Train (or resume), export, check on the held-out documents, and switch the index if it helps."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    pairs = _pairs(kb, options)
    if not pairs.train:
        raise ModelError("the index holds no passage with a heading or a titled document to learn from")
    texts = [(p.anchor, p.positive) for p in pairs.train]
    fingerprint = f"{pairs.fingerprint()}:{json.dumps(options.training.as_dict(), sort_keys=True)}"
    target = kb.settings.models_dir / f"{PREFIX}{hashlib.sha256(fingerprint.encode()).hexdigest()[:12]}"
    seconds["pairs"] = time.perf_counter() - started
    if not (target / "modules.json").is_file():
        on_stage("training")
        started = time.perf_counter()
        train(ensure_default_model(), texts, _work(kb), target, options.training,
              fingerprint, on_step)
        seconds["training"] = time.perf_counter() - started
    on_stage("exporting the adapted model to int8")
    started = time.perf_counter()
    adapted = load_embedder(str(target), kb.settings.models_dir, kb.settings.backend)
    seconds["export"] = time.perf_counter() - started
    on_stage("ranking the held-out documents' pairs with both models" if pairs.held_out else
             "no document held out (too few documents): switching without a check")
    started = time.perf_counter()
    held_out = {"base": held_out_mrr(_bundled(kb), pairs.held_out),
                "adapted": held_out_mrr(adapted, pairs.held_out)} if pairs.held_out else {}
    seconds["held_out_check"] = time.perf_counter() - started
    steps = len(batches(texts, options.training))
    switched = options.force or not held_out or held_out["adapted"] > held_out["base"]
    chunks = 0
    if switched:
        on_stage("embedding every passage with the adapted model")
        started = time.perf_counter()
        save_model_setting(kb.settings.home, str(target))
        chunks = kb.switch_model(adapted, on_embed)
        seconds["embedding"] = time.perf_counter() - started
        _remove_other_models(kb.settings.models_dir, keep=target)
    shutil.rmtree(_work(kb), ignore_errors=True)
    return AdaptReport(str(target), pairs.counts(), steps, held_out, switched, chunks,
                       {k: round(v, 1) for k, v in seconds.items()})


def revert(kb: KnowledgeBase, on_embed: OnEmbed = lambda *_: None) -> int:
    """Back to the bundled model: settings.json forgets the adapted one and every passage is embedded again."""
    bundled = _bundled(kb)
    save_model_setting(kb.settings.home, None)
    chunks = kb.switch_model(bundled, on_embed)
    _remove_other_models(kb.settings.models_dir, keep=None)
    shutil.rmtree(_work(kb), ignore_errors=True)
    return chunks


def _remove_other_models(models_dir: Path, keep: Path | None) -> None:
    """Adapted models the index no longer uses: each holds a full copy of the weights."""
    for folder in models_dir.glob(f"{PREFIX}*"):
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)
