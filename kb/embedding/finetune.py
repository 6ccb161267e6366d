"""Contrastive fine-tuning of the embedding model on (query-like, passage) pairs, on a CPU, resumably.

The loss is sentence-transformers' MultipleNegativesRankingLoss written out (a
plain torch loop: its trainer needs ``datasets`` and ``accelerate``, which kb
does not install): each anchor, embedded with the model's query prompt, must
score its own passage above the other passages of its batch.  Batches never
hold one anchor or one passage twice, or a pair would be told its own
positive is a negative.

What keeps it affordable on two cores (figures in docs/performance.md): the
embeddings (250,000 tokens × 384, four fifths of e5-small's weights) and the
lower half of the layers are frozen, so the backward pass stops halfway and
neither gradients nor optimiser state exist for them; texts are cut at 128
tokens while training (a heading's answer opens its passage).

The adapted model is the base model's folder with new weights: every other
file (prompts, how many tokens it reads, tokenizer, licence notice) is copied
as it was.

A run is resumable: every ``checkpoint_every`` steps the trainable weights,
the optimiser and the scheduler go to ``work/checkpoint.pt`` (written whole,
then renamed), and the batches are a function of the pairs and the seed, so
a resumed run skips the steps already taken and goes on with the same batches.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["TrainingOptions", "batches", "time_steps", "train"]

_CHECKPOINT = "checkpoint.pt"
_SCALE = 20.0  # MultipleNegativesRankingLoss's default: cosine similarities × 20 as logits


@dataclass(frozen=True)
class TrainingOptions:
    batch_size: int = 32
    epochs: int = 1
    learning_rate: float = 2e-5
    warmup_share: float = 0.1
    max_seq_length: int = 128  # while training only
    trainable_layers: int = 6  # the top layers that learn; those below and the embeddings stay as they were
    checkpoint_every: int = 20
    seed: int = 13

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Pair = tuple[str, str]  # (anchor, positive)
OnStep = Callable[[int, int, float], None]  # steps done, steps in all, the last step's loss


def batches(pairs: Sequence[Pair], options: TrainingOptions) -> list[list[int]]:
    """Every epoch's batches of pair indices, in order: shuffled by the seed, no anchor or passage twice in one."""
    rng = random.Random(options.seed)
    out: list[list[int]] = []
    for _ in range(options.epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        open_batches: list[tuple[list[int], set[str]]] = []
        for index in order:
            texts = set(pairs[index])
            home = next((b for b in open_batches if not texts & b[1]), None)
            if home is None:
                home = ([], set())
                open_batches.append(home)
            home[0].append(index)
            home[1].update(texts)
            if len(home[0]) == options.batch_size:
                out.append(home[0])
                open_batches.remove(home)
        out += [b[0] for b in open_batches if len(b[0]) > 1]  # a batch of one has no negative to learn from
    return out


def _load(base: Path, options: TrainingOptions) -> SentenceTransformer:
    """The model with its lower part frozen, reading ``options.max_seq_length`` tokens."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    os.environ["HF_HUB_OFFLINE"] = "1"
    transformers_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    except Exception as exc:  # a broken folder fails in many ways; all mean "cannot load"
        raise ModelError(f"cannot load the model to adapt from {base}: {exc}") from exc
    model.max_seq_length = min(options.max_seq_length, model.max_seq_length or options.max_seq_length)
    transformer: Any = model[0].auto_model  # a transformers model; torch types a module's attributes as Tensor | Module
    layers = transformer.encoder.layer
    for module in [transformer.embeddings, *layers[: max(0, len(layers) - options.trainable_layers)]]:
        module.requires_grad_(False)
    return model


class _Step:
    """One optimisation step over a batch of pairs: the in-batch-negatives loss, backward, update."""

    def __init__(self, model: SentenceTransformer, options: TrainingOptions, total_steps: int) -> None:
        import torch
        from transformers import get_linear_schedule_with_warmup

        self.model = model
        prompts = model.prompts or {}
        self.query_prompt: str = prompts.get("query") or ""
        self.passage_prompt: str = prompts.get("passage") or prompts.get("document") or ""
        self.trainable = {name: p for name, p in model.named_parameters() if p.requires_grad}
        self.optimizer = torch.optim.AdamW(self.trainable.values(), lr=options.learning_rate)
        self.scheduler = get_linear_schedule_with_warmup(
            self.optimizer, int(total_steps * options.warmup_share), max(1, total_steps))

    def __call__(self, pairs: Sequence[Pair]) -> float:
        import torch

        self.model.train()
        anchors = self._embed([self.query_prompt + a for a, _ in pairs])
        positives = self._embed([self.passage_prompt + p for _, p in pairs])
        scores = anchors @ positives.T * _SCALE
        loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(pairs)))
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    def _embed(self, texts: list[str]):
        import torch

        features = self.model.preprocess(texts)
        return torch.nn.functional.normalize(self.model(features)["sentence_embedding"], dim=-1)

    def state(self, step: int, fingerprint: str) -> dict[str, Any]:
        return {"step": step, "fingerprint": fingerprint,
                "trainable": {name: p.detach().clone() for name, p in self.trainable.items()},
                "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict()}

    def restore(self, state: dict[str, Any]) -> int:
        import torch

        with torch.no_grad():
            for name, value in state["trainable"].items():
                self.trainable[name].copy_(value)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        return int(state["step"])


def train(base: Path, pairs: Sequence[Pair], work: Path, target: Path, options: TrainingOptions,
          fingerprint: str, on_step: OnStep = lambda *_: None) -> Path:
    """Fine-tune the model in ``base`` on ``pairs`` and save it as a sentence-transformers folder at ``target``.

    ``fingerprint`` names the pairs and options: a checkpoint made for others is
    not resumed.  The folder is written beside ``target`` and renamed in last.
    """
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    plan = batches(pairs, options)
    if not plan:
        raise ModelError("too few training pairs for one batch")
    model = _load(base, options)
    step = _Step(model, options, len(plan))
    checkpoint = work / _CHECKPOINT
    done = 0
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("fingerprint") == fingerprint:
            done = step.restore(state)
    on_step(done, len(plan), float("nan"))
    for number in range(done, len(plan)):
        loss = step([pairs[i] for i in plan[number]])
        if (number + 1) % options.checkpoint_every == 0 and number + 1 < len(plan):
            _save_checkpoint(step.state(number + 1, fingerprint), checkpoint)
        on_step(number + 1, len(plan), loss)
    _save(model, base, target)
    checkpoint.unlink(missing_ok=True)
    return target


def _save(model: SentenceTransformer, base: Path, target: Path) -> None:
    """``base``'s folder with the trained weights, written beside ``target`` and renamed in last."""
    from safetensors.torch import save_file

    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(base, partial, ignore=shutil.ignore_patterns("onnx", ".*", "model.safetensors"))
    transformer: Any = model[0].auto_model
    save_file({name: tensor.detach().contiguous() for name, tensor in transformer.state_dict().items()},
              str(partial / "model.safetensors"), metadata={"format": "pt"})
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)


def time_steps(base: Path, pairs: Sequence[Pair], options: TrainingOptions, steps: int = 2) -> float:
    """Seconds one training step takes here, measured on real batches (the first step's warm-up left out)."""
    plan = batches(pairs, options)[: steps + 1]
    if not plan:
        raise ModelError("too few training pairs for one batch")
    model = _load(base, options)
    step = _Step(model, options, len(plan))
    timings = []
    for batch in plan:
        started = time.perf_counter()
        step([pairs[i] for i in batch])
        timings.append(time.perf_counter() - started)
    measured = timings[1:] or timings
    return sum(measured) / len(measured)


def _save_checkpoint(state: dict[str, Any], path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)
