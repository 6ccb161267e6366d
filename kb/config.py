"""Where kb keeps its data and how it ranks, from the environment and a settings file.

Precedence, lowest first: built-in defaults, ``$KB_HOME/settings.json``, then
environment variables (``KB_MODEL``).  The CLI's ``--home``/``--model``
options override both by passing explicit values to ``load_settings``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError

__all__ = ["Weights", "Limits", "Settings", "default_home", "load_settings"]


@dataclass(frozen=True)
class Weights:
    """How the retrieval legs are fused, and how the lexical legs weigh the accented column.

    Chosen by measurement (``bench/tune_fusion.py``; ``kb eval --variants all``)
    on both question sets, ``../shared/eval/dev.jsonl`` (11 questions on
    corpus/) and ALQAC-2023 ``train.json`` (76 statements, 2,256 articles), each
    as typed, without accents, half-accented and with typos; the objective was
    the mean of nDCG@10 and MRR@10 over those eight cells, each set weighing
    the same.  What decided (nDCG@10 ALQAC typed / unaccented; MRR@10 dev typed):

    * the phrase leg (adjacent syllables as FTS5 phrases): 0.906/0.845/0.882
      without it, 0.932/0.909/0.932 with it; it matters most without accents,
      where single folded syllables merge words that differ by accent;
    * the dense leg dropped for Vietnamese typed without accents (e5 reads it
      as noise: 0.045 nDCG alone on ALQAC): 0.59 → 0.91 on ALQAC unaccented;
      kept for English, which the lexical legs barely match;
    * a min-max weighted sum beat weighted RRF (best RRF 0.926/0.909/0.871);
    * the accented column six times the folded one (1 → 6: 0.926 → 0.932),
      30 candidates a leg (20–50 within 0.005).
    Adding syllable triples as a leg lifts ALQAC typed to 0.939 but drops dev
    to 0.811 (a plan's preamble and card hold its title words; its passages
    do not), so it is left out.
    """

    method: str = "sum"  # "sum" (weighted sum of min-max scaled scores) or "rrf" (reciprocal rank)
    dense: float = 0.5
    dense_unaccented: float = 0.0  # the dense leg's weight for Vietnamese typed without accents
    lexical: float = 0.2
    phrase: float = 0.5  # the leg of adjacent-syllable phrases ("chỉ thị"); 0 leaves it out
    reference: float = 1.0
    accented_column: float = 6.0  # FTS5 weight of the accented column against the folded one (1)
    rrf_k: int = 60
    candidates: int = 30  # how many hits each leg contributes before fusion

    def dense_weight(self, unaccented_vietnamese: bool) -> float:
        return self.dense_unaccented if unaccented_vietnamese else self.dense

    def __post_init__(self) -> None:
        if self.method not in ("rrf", "sum"):
            raise ConfigError(f"Unknown fusion method {self.method!r} in settings: use 'rrf' or 'sum'.")


@dataclass(frozen=True)
class Limits:
    """Input size limits: a request or file above them is refused with a clear error."""

    max_file_bytes: int = 60 * 1024 * 1024
    max_query_chars: int = 1000
    max_k: int = 100


@dataclass(frozen=True)
class Settings:
    home: Path
    model: str | None = None  # None: the bundled multilingual-e5-small, converted at first use
    weights: Weights = field(default_factory=Weights)
    limits: Limits = field(default_factory=Limits)

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def default_home() -> Path:
    """``$KB_HOME``, else ``$XDG_DATA_HOME/kb``, else ``~/.local/share/kb``."""
    if os.environ.get("KB_HOME"):
        return Path(os.environ["KB_HOME"]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "kb"


def _from_file(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the settings file {path}: {exc}") from exc


def _section(cls: type, values: dict) -> object:
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"Unknown setting(s) {sorted(unknown)} for {cls.__name__}; known: {sorted(known)}")
    return cls(**values)


def load_settings(home: Path | None = None, model: str | None = None) -> Settings:
    home = (home or default_home()).expanduser().resolve()
    stored = _from_file(home / "settings.json")
    settings = Settings(
        home=home,
        model=stored.get("model"),
        weights=_section(Weights, stored.get("weights", {})),
        limits=_section(Limits, stored.get("limits", {})),
    )
    chosen_model = model or os.environ.get("KB_MODEL") or settings.model
    return replace(settings, model=chosen_model)
