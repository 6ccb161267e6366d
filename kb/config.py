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
from typing import TYPE_CHECKING, TypeVar

from indexer.limits import ReadingLimits
from kb.errors import ConfigError, InvalidQueryError, UploadTooLargeError

__all__ = ["READ_TIMEOUT_S", "Weights", "Refusal", "Limits", "Service", "StoreSettings", "Settings", "default_home",
           "load_settings", "save_model_setting"]


@dataclass(frozen=True)
class Weights:
    """How the retrieval legs are fused, and how the lexical legs weigh the accented column.

    Chosen by measurement (``bench/tune_fusion.py``; ``kb eval --variants all``)
    on both question sets, ``../shared/eval/dev.jsonl`` (11 questions on
    corpus/) and ALQAC-2023 ``train.json`` (76 statements, 2,256 articles), each
    as typed, without accents, half-accented and with typos; the objective was
    the mean of nDCG@10 and MRR@10 over those eight cells, each set weighing
    the same.  What decided (nDCG@10 ALQAC typed / unaccented; MRR@10 dev typed):

    * the phrase leg (pairs of adjacent syllables): 0.906/0.845/0.882
      without it, 0.932/0.909/0.932 with it; it matters most without accents,
      where single folded syllables merge words that differ by accent;
    * the dense leg dropped for Vietnamese typed without accents (e5 reads it
      as noise: 0.045 nDCG alone on ALQAC): 0.59 → 0.91 on ALQAC unaccented.
      Search now puts the accents back first (``kb.retrieval.accents``) and
      weighs the dense leg fully then; ``dense_unaccented`` is left for what
      the index's accent model cannot restore;
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
    accented_column: float = 6.0  # BM25 weight of the accented column against the folded one (1)
    rrf_k: int = 60
    candidates: int = 30  # how many hits each leg contributes before fusion
    # The share of its fused score a document's frame (card, header, closing, legal bases) keeps when a question
    # asks what documents say (kb.retrieval.arrange.asks_of_text); 1 leaves the ranking as fused.  Chosen on folds
    # of the tuning pool: 1, 0.75, 0.5, 0.25, 0.1 tried (docs/ranking.md, "A document's frame below its text").
    frame: float = 0.1
    # The lexical and phrase legs of a question asked in English, before ``kb.retrieval.search.weights_for`` scales
    # them by the share of its words they search.  The syllables the glossary gives match more than their pairs do:
    # "chợ Biên Hòa" is read word by word, and the rendering's pairs ("thị trường biên") are pairs of the English word
    # order.  Chosen on folds of the English questions of the tuning sets (docs/ranking.md, "Stop 53").
    english_lexical: float = 0.3
    english_phrase: float = 0.25
    # The first five passages ordered again by the linear model of their evidence in kb/retrieval/order.tsv
    # (kb.retrieval.order, learned by bench/learn_order.py on folds of the tuning sets); false keeps the rules' order.
    learned_order: bool = True

    def dense_weight(self, unaccented_vietnamese: bool) -> float:
        return self.dense_unaccented if unaccented_vietnamese else self.dense

    def __post_init__(self) -> None:
        if self.method not in ("rrf", "sum"):
            raise ConfigError(f"Unknown fusion method {self.method!r} in settings: use 'rrf' or 'sum'.")


@dataclass(frozen=True)
class Refusal:
    """When a search says that nothing answers, instead of showing its least bad passages.

    Fused scores are min-max scaled within one query, so the best of any
    query is near the top of the scale and cannot tell an answer from
    nothing; the rule reads the legs' own evidence instead (docs/ranking.md):
    a query naming a document number that no passage is or cites is refused,
    and so is one where no candidate passage holds ``coverage`` of its
    informative syllables (IDF-weighted) while the model's best cosine stays
    under ``similarity`` (or no candidate holds any of its syllables: e5 finds
    gibberish close to everything), and a question in Vietnamese none of whose
    candidates holds ``pairs`` of its pairs of adjacent syllables (its words:
    "bún chả", where an index of laws holds "bún" and "chả" apart).  The thresholds
    were chosen by cross-validation, each question as typed and in the four
    variants (``bench/tune_refusal.py --variants all``), so that an answerable
    question typed without accents or with typos is not refused: ``coverage`` and
    ``similarity`` over the folds of eval/devset.jsonl, ``pairs`` beside them over
    those of the devset, fresh-7 and fresh-8 (``--only pairs``), ``held`` over the
    tuning pool and ALQAC's statements (``--only held``: a long statement in other
    words holds a small share of its pairs in the article that answers, but
    several of them); ``coverage: 0``
    and ``pairs: 0`` never refuse for lack of words.  A question in English
    (read through the glossary) has few words the lexical legs can hold, so its
    meaning decides, and it must come closer to a passage: ``english`` in place of
    ``similarity``, chosen over the English questions of the tuning pool
    (``--only english``; docs/ranking.md, "An English question must come closer").
    A statement of ``statement`` syllables or more (ALQAC's, a citizen's account
    of a case) is not refused for its pairs: told in other words, it holds few of
    them together in the article that answers (docs/ranking.md, "Stop 52").
    Nor is an English question answered that the legs cannot read: fewer than
    ``english_read`` of its words known to the glossary or held by the index ("How
    do I bake sourdough bread at home?"), whatever the model finds close.
    """

    coverage: float = 0.375
    similarity: float = 0.785
    pairs: float = 0.15  # a Vietnamese question's pairs of syllables (its words) no candidate holds this share of
    held: int = 4  # ... unless one holds this many of them side by side (0: the share alone decides)
    statement: int = 22  # ... or it is a statement of this many syllables or more (0: none is)
    english: float = 0.84  # the model's best cosine an English question needs when too few of its words are held
    english_read: float = 0.5  # the share of an English question's words the legs must be able to search, at least
    numbers: bool = True  # refuse a query naming a document number that nothing in the index is or cites

    def __post_init__(self) -> None:
        for name in ("coverage", "similarity", "pairs", "english", "english_read"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"refusal.{name} must be a number from 0 to 1, not {value!r}.")
        for name, unit in (("held", "pairs"), ("statement", "syllables")):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ConfigError(f"refusal.{name} must be a whole number of {unit}, 0 or more, not {count!r}.")
        if not isinstance(self.numbers, bool):
            raise ConfigError(f"refusal.numbers must be true or false, not {self.numbers!r}.")


@dataclass(frozen=True)
class Limits(ReadingLimits):
    """Input size limits: a request or file above them is refused with a clear error.

    Set in ``$KB_HOME/settings.json``, e.g. ``{"limits": {"max_upload_files": 20}}``.
    What one file may hold when it is read comes from ``indexer.limits``; the
    rest bound what the service takes.  The service refuses an upload over a
    size limit with 413 before storing anything, and a count, query or page
    size over its limit with 422.  Every limit is checked here, once.
    """

    max_query_chars: int = 1000
    max_k: int = 100
    max_upload_file_bytes: int = 30 * 1024 * 1024
    max_upload_request_bytes: int = 100 * 1024 * 1024
    max_upload_files: int = 100
    max_per_page: int = 100

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"limits.{item.name} must be a positive number, not {value!r}.")
        if self.max_html_depth > 512:
            raise ConfigError(f"limits.max_html_depth is at most 512, not {self.max_html_depth}.")

    # -- the checks every entry point calls (InvalidQueryError: 422, UploadTooLargeError: 413) --------
    def check_query(self, query: str) -> None:
        if len(query) > self.max_query_chars:
            raise InvalidQueryError(f"The query is {len(query)} characters long; the limit is {self.max_query_chars}.")

    def check_k(self, k: int) -> None:
        if not 1 <= k <= self.max_k:
            raise InvalidQueryError(f"k must be at most {self.max_k}." if k > 0 else
                                    f"k must be between 1 and {self.max_k}.")

    def check_per_page(self, per_page: int) -> None:
        if per_page > self.max_per_page:
            raise InvalidQueryError(f"per_page must be at most {self.max_per_page}.")

    def check_upload_files(self, count: int) -> None:
        if count > self.max_upload_files:
            raise InvalidQueryError(f"{count} files in one request; the limit is {self.max_upload_files}.",
                                    code="too_many_files", count=count, limit=self.max_upload_files)

    def check_upload_file(self, name: str, size: int) -> None:
        if size > self.max_upload_file_bytes:
            raise UploadTooLargeError(f"{name}: over the limit of {self.max_upload_file_bytes:,} bytes per file.",
                                      code="file_too_large", name=name, limit_bytes=self.max_upload_file_bytes)

    def check_upload_request(self, size: int) -> None:
        if size > self.max_upload_request_bytes:
            raise UploadTooLargeError(f"The request is {size:,} bytes; the limit is "
                                      f"{self.max_upload_request_bytes:,} bytes per request.",
                                      code="request_too_large", limit_bytes=self.max_upload_request_bytes)


@dataclass(frozen=True)
class Service:
    """How ``kb serve`` treats callers without an API key.

    ``open_reads``: anyone may search and read the public documents without a
    key (the default); ``false`` makes every read need a key (401 without one).
    """

    open_reads: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.open_reads, bool):
            raise ConfigError(f"service.open_reads must be true or false, not {self.open_reads!r}.")


READ_TIMEOUT_S = 5.0  # store.read_timeout's default: a few seconds, well above a search's reads (tens of ms)


@dataclass(frozen=True)
class StoreSettings:
    """Where the index's rows live: ``sqlite`` (the default: ``kb.sqlite`` in the index folder, one machine) or
    ``postgres`` (a PostgreSQL server with pgvector, shared by several machines; docs/postgres.md).

    ``dsn`` names the PostgreSQL database, as libpq reads it
    (``postgresql://kb@db.example/kb`` or ``host=… dbname=…``); a password is
    better kept in ``~/.pgpass`` or ``$PGPASSWORD`` than in the settings file.

    ``serve_jobs``: whether ``kb serve`` runs uploaded files' indexing jobs in a
    thread of its own.  On SQLite it must (the folder has one writer); on
    PostgreSQL it does not unless set, since ``kb worker`` processes take the
    jobs there and an API node should not spend its cores embedding.

    ``pooled``: ``dsn`` names a transaction pool (pgbouncer, ``pool_mode =
    transaction``), which cannot keep prepared statements across its server
    connections: kb then prepares none.  Off by default, since preparing saves
    time on a direct connection (docs/postgres.md).

    ``replicas``: DSNs of the primary's streaming replicas (postgres only).
    Searches and listings then read from them, and from the primary when none
    answers (``kb.storage.pg_replicas``); without it every read goes to ``dsn``.

    ``read_timeout``: seconds a read on a replica may wait for its server
    before the connection is cut and the read goes to the next server
    (``kb.storage.pg_deadline``): a replica stopped or lost after it
    answered is then passed by as a dead one is.  It must exceed the slowest
    legitimate read; writes and the primary's reads are never cut.

    ``job_attempts``: on PostgreSQL, how many workers may take one job and die
    (or lose the server for longer than their lease) before it is ended as
    failed instead of being taken again: a file that crashes every worker
    that reads it must not take the workers down one after another for ever.
    """

    backend: str = "sqlite"
    dsn: str | None = None
    serve_jobs: bool | None = None  # None: yes on sqlite, no on postgres
    pooled: bool = False
    replicas: tuple[str, ...] = ()  # streaming replicas' DSNs, for reads (``kb.storage.pg_replicas``)
    job_attempts: int = 3
    read_timeout: float = READ_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.backend not in ("sqlite", "postgres"):
            raise ConfigError(f"store.backend must be 'sqlite' or 'postgres', not {self.backend!r}.")
        if self.backend == "postgres" and not (isinstance(self.dsn, str) and self.dsn.strip()):
            raise ConfigError("store.backend 'postgres' needs store.dsn, the database to use, "
                              "e.g. \"postgresql://kb@localhost/kb\".")
        if self.serve_jobs is not None and not isinstance(self.serve_jobs, bool):
            raise ConfigError(f"store.serve_jobs must be true or false, not {self.serve_jobs!r}.")
        if self.backend == "sqlite" and self.serve_jobs is False:
            raise ConfigError("store.serve_jobs false is for the postgres store, where `kb worker` takes the jobs; "
                              "on sqlite kb serve is the folder's one writer.")
        if isinstance(self.job_attempts, bool) or not isinstance(self.job_attempts, int) or self.job_attempts < 1:
            raise ConfigError(f"store.job_attempts must be a whole number of 1 or more, not {self.job_attempts!r}.")
        if not isinstance(self.pooled, bool):
            raise ConfigError(f"store.pooled must be true or false, not {self.pooled!r}.")
        if self.backend == "sqlite" and self.pooled:
            raise ConfigError("store.pooled is for store.backend 'postgres' behind a transaction pool (pgbouncer).")
        if self.backend == "sqlite" and self.dsn is not None:
            raise ConfigError("store.dsn is for store.backend 'postgres'; the sqlite store is kb.sqlite in the index folder.")
        if not isinstance(self.replicas, (list, tuple)) or not all(isinstance(r, str) and r.strip() for r in self.replicas):
            raise ConfigError("store.replicas must be a list of DSNs, one per streaming replica, e.g. "
                              f"[\"host=db2 dbname=kb user=kb\"], not {self.replicas!r}.")
        if self.backend == "sqlite" and self.replicas:
            raise ConfigError("store.replicas is for store.backend 'postgres' (its streaming replicas serve reads); "
                              "the sqlite store has none: remove it or set backend 'postgres'.")
        if isinstance(self.read_timeout, bool) or not isinstance(self.read_timeout, (int, float)) \
                or not self.read_timeout > 0:
            raise ConfigError(f"store.read_timeout must be a number of seconds above 0, not {self.read_timeout!r}.")
        object.__setattr__(self, "replicas", tuple(self.replicas))

    @property
    def jobs_in_serve(self) -> bool:
        """Whether ``kb serve`` runs the indexing jobs itself (``serve_jobs``, or its default for the backend)."""
        return self.serve_jobs if self.serve_jobs is not None else self.backend == "sqlite"


@dataclass(frozen=True)
class Settings:
    home: Path
    model: str | None = None  # None: the bundled multilingual-e5-small, converted at first use
    backend: str = "onnx-int8"  # how the model runs: "onnx-int8" (fast) or "torch" (fp32, any model)
    weights: Weights = field(default_factory=Weights)
    refusal: Refusal = field(default_factory=Refusal)
    limits: Limits = field(default_factory=Limits)
    service: Service = field(default_factory=Service)
    store: StoreSettings = field(default_factory=StoreSettings)

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


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Section = TypeVar("_Section", bound="DataclassInstance")


def _section(cls: type[_Section], values: dict) -> _Section:
    known = {f.name for f in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"Unknown setting(s) {sorted(unknown)} for {cls.__name__}; known: {sorted(known)}")
    return cls(**values)


def save_model_setting(home: Path, model: str | None) -> None:
    """Name ``model`` in ``$KB_HOME/settings.json`` (``None``: the bundled model), keeping every other setting."""
    path = home / "settings.json"
    stored = _from_file(path)
    if model is None:
        stored.pop("model", None)
    else:
        stored["model"] = model
    temporary = path.with_name(f"settings.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(stored, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def load_settings(home: Path | None = None, model: str | None = None) -> Settings:
    home = (home or default_home()).expanduser().resolve()
    stored = _from_file(home / "settings.json")
    settings = Settings(
        home=home,
        model=stored.get("model"),
        weights=_section(Weights, stored.get("weights", {})),
        refusal=_section(Refusal, stored.get("refusal", {})),
        limits=_section(Limits, stored.get("limits", {})),
        service=_section(Service, stored.get("service", {})),
        store=_section(StoreSettings, stored.get("store", {})),
    )
    chosen_model = model or os.environ.get("KB_MODEL") or settings.model
    backend = os.environ.get("KB_BACKEND") or stored.get("backend") or settings.backend
    return replace(settings, model=chosen_model, backend=backend)
