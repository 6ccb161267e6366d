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
    """How the retrieval legs are fused.

    Chosen by measurement with ``bench/tune_fusion.py`` on ``../shared/eval/dev.jsonl``,
    questions as typed and with accents stripped (README, "Ranking"): weighted
    reciprocal-rank fusion matched the best weighted sums on typed questions and
    beat them on unaccented ones, where the dense leg's scores are unreliable.
    """

    method: str = "rrf"  # "rrf" (reciprocal rank) or "sum" (weighted sum of min-max scaled scores)
    dense: float = 1.0
    dense_unaccented: float = 1.0  # the dense leg's weight for a query typed without any accent
    lexical: float = 1.0
    phrase: float = 0.0  # the leg of adjacent-syllable phrases ("chỉ thị"); 0 leaves it out
    reference: float = 2.0
    accented_column: float = 1.0  # FTS5 weight of the accented column against the folded one (1)
    rrf_k: int = 60
    candidates: int = 50  # how many hits each leg contributes before fusion

    def dense_weight(self, has_accents: bool) -> float:
        return self.dense if has_accents else self.dense_unaccented

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
