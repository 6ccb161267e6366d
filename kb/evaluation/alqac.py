"""ALQAC-2023 as a kb question set: its 2,256 law articles indexed apart, scored by article.

``legal_passages.json`` is ``[{id: law, articles: [{id, text}]}]``; the
questions file (``train.json``) holds statements with their gold
``legal_passages: [{law_id, article_id}]``.  Each law becomes one document
built here directly from the JSON (the text structure parser is for real
documents, and the benchmark already says where every article starts); each
article becomes one chunk, or a few for a long one, all under the heading
``<law> › Điều <id>. <title>`` so a result maps back to its article.

The index is built once into ``$KB_HOME/eval/alqac-<hash>/`` and reused while
the passages file, the model and the way articles are cut stay the same:
embedding the articles takes minutes on a laptop.  It is always an SQLite
folder: in a shared PostgreSQL store its laws would join the office's
documents.  To measure the PostgreSQL backend on it, ``kb eval --postgres DSN``
copies that folder into a database of its own (``kb.migration.transfer``: rows
and vectors, nothing embedded again, an earlier copy resumed) and asks there,
so both stores answer from the same vectors.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from indexer.analyzer import matching_text
from indexer.model import Chunk, DocumentMeta, ParsedDocument, SourceText
from kb.access.levels import LEVELS
from kb.config import Settings, StoreSettings
from kb.embedding.default_model import ensure_default_model
from kb.embedding.embedder import model_fingerprint
from kb.errors import IndexInconsistentError, InvalidQueryError
from kb.evaluation.questions import Question, QuestionSet
from kb.knowledge_base import KnowledgeBase
from kb.storage.schema import SCHEMA_VERSION

__all__ = ["load_laws", "law_document", "load_questions", "article_of", "open_index", "PASSAGES_NAME"]

PASSAGES_NAME = "legal_passages.json"
BUILD_VERSION = 1  # bump when the way articles become chunks changes: cached indexes are then rebuilt
MAX_WORDS = 200  # a longer article is cut into near-equal pieces: e5 reads 512 tokens at most
MAX_TITLE_WORDS = 60
_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")
_ARTICLE = re.compile(r"^Điều (\S+?)\.?$")


def load_laws(path: Path) -> list[dict]:
    try:
        laws = json.loads(path.read_text(encoding="utf-8"))
        assert all(isinstance(a["id"], str) and isinstance(a["text"], str) for law in laws for a in law["articles"])
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise InvalidQueryError(f"{path} is not an ALQAC passages file ([{{id, articles: [{{id, text}}]}}]): {exc}") from exc
    return laws


def _spans(text: str, pattern: re.Pattern[str], start: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in pattern.finditer(text)]


def _title(paragraphs: list[tuple[int, int]], law_text: str) -> str | None:
    """The article's first line when it reads as a title (short, not a sentence) and a body follows."""
    if len(paragraphs) < 2:
        return None
    first = law_text[slice(*paragraphs[0])].strip()
    if len(first.split()) > MAX_TITLE_WORDS or first.endswith((".", ":", ";")):
        return None
    return first


def _pieces(units: list[tuple[int, int]], law_text: str) -> list[list[tuple[int, int]]]:
    """Paragraphs packed into the fewest pieces of at most ~MAX_WORDS words, of near-equal size."""
    sizes = [len(law_text[a:b].split()) for a, b in units]
    target = sum(sizes) / max(1, math.ceil(sum(sizes) / MAX_WORDS))
    pieces: list[list[tuple[int, int]]] = [[]]
    filled = 0
    for unit, size in zip(units, sizes, strict=True):
        if pieces[-1] and filled + size / 2 > target:
            pieces.append([])
            filled = 0
        pieces[-1].append(unit)
        filled += size
    return pieces


def _units(paragraph: tuple[int, int], law_text: str) -> list[tuple[int, int]]:
    """A paragraph, or runs of its words when it alone is longer than a piece."""
    words = _spans(law_text[slice(*paragraph)], _WORD, paragraph[0])
    if len(words) <= MAX_WORDS:
        return [paragraph]
    count = math.ceil(len(words) / MAX_WORDS)
    size = math.ceil(len(words) / count)
    return [(words[i][0], words[min(i + size, len(words)) - 1][1]) for i in range(0, len(words), size)]


def _article_chunks(law_id: str, article_id: str, law_text: str, start: int, end: int) -> list[Chunk]:
    paragraphs = _spans(law_text[start:end], _PARAGRAPH, start)
    title = _title(paragraphs, law_text)
    heading = [law_id, f"Điều {article_id}. {title}" if title else f"Điều {article_id}"]
    body = paragraphs[1:] if title else paragraphs
    units = [unit for paragraph in body for unit in _units(paragraph, law_text)]
    return [Chunk(text=law_text[piece[0][0]:piece[-1][1]], heading_path=heading,
                  char_start=piece[0][0], char_end=piece[-1][1]) for piece in _pieces(units, law_text) if piece]


def law_document(law: dict, source: Path) -> ParsedDocument:
    """One law as a parsed document: its text is its articles, each under an ``Điều N.`` line."""
    parts, bounds, offset = [], [], 0
    for article in law["articles"]:
        header = f"Điều {article['id']}. "
        bounds.append((article["id"], offset + len(header), offset + len(header) + len(article["text"])))
        parts.append(header + article["text"])
        offset += len(parts[-1]) + 2
    text = "\n\n".join(parts)
    chunks = [c for article_id, a, b in bounds for c in _article_chunks(law["id"], article_id, text, a, b)]
    return ParsedDocument(source=SourceText(path=source, text=text, encoding="utf-8", format=".json"),
                          meta=DocumentMeta(title=law["id"]), chunks=chunks, references=[])


def article_of(result: dict) -> tuple[str, str]:
    """A result's article: (law id, article id), read back from its heading ``<law> › Điều <id>. …``."""
    law, _, article = result["section"].partition(" › ")
    match = _ARTICLE.match(article.split(". ", 1)[0])
    return law, match.group(1) if match else article


def _judge(result: dict, question: Question) -> set[int]:
    article = article_of(result)
    return {i for i, gold in enumerate(question.gold) if gold == article}


def load_questions(path: Path, passages: Path | None = None) -> tuple[QuestionSet, Path]:
    """The statements of ``path`` and the passages file they refer to (beside it unless given)."""
    passages = passages or path.with_name(PASSAGES_NAME)
    if not passages.exists():
        raise InvalidQueryError(f"No ALQAC passages file {passages}: put {PASSAGES_NAME} beside {path.name} "
                                "or name it with --passages.")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        questions = [Question(str(r.get("example_id", n)), r["statement"], "statement",
                              tuple((g["law_id"], str(g["article_id"])) for g in r["legal_passages"]))
                     for n, r in enumerate(rows, start=1)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidQueryError(f"{path} is not an ALQAC questions file: {exc}") from exc
    return QuestionSet(path.name, questions, _judge, unit=article_of, fetch=40), passages


def _model_and_key(settings: Settings, passages: Path) -> tuple[str, str]:
    """The model to embed with (a folder) and the key of an index built from these passages by it."""
    model = settings.model or str(ensure_default_model())
    fingerprint = model_fingerprint(Path(model)) if Path(model).is_dir() else model
    digest = hashlib.sha256(passages.read_bytes())
    digest.update(f"\0{fingerprint}\0{SCHEMA_VERSION}\0{BUILD_VERSION}\0{MAX_WORDS}".encode())
    return model, digest.hexdigest()[:16]


def _build(kb: KnowledgeBase, laws: list[dict], passages: Path, progress: Callable[[str], None]) -> None:
    with kb.writing():
        for done, law in enumerate(laws, start=1):
            parsed = law_document(law, passages)
            progress(f"embedding {law['id']} ({len(parsed.chunks)} passages, law {done}/{len(laws)})")
            vectors = kb.open_embedder().encode_passages([matching_text(c.section, c.text) for c in parsed.chunks])
            kb.add_document(parsed, path=f"{passages.name}#{law['id']}", source=law["id"], access=LEVELS[0],
                            content_hash=hashlib.sha256(parsed.source.text.encode()).hexdigest(), vectors=vectors,
                            save=False)
        kb.save_vectors()


def _settings_of(settings: Settings, folder: Path, model: str) -> Settings:
    """The ALQAC index's settings: its own folder, always on SQLite there (a cache of the evaluation's, not a
    part of a shared PostgreSQL store, whose documents it would join)."""
    return replace(settings, home=folder, model=model, store=StoreSettings())


def _open_cached(settings: Settings, folder: Path, model: str) -> KnowledgeBase | None:
    """The index in ``folder`` if it was built to the end and the store still reads it (schema unchanged)."""
    if not (folder / "built.json").exists():
        return None
    try:
        return KnowledgeBase(_settings_of(settings, folder, model))
    except (sqlite3.DatabaseError, IndexInconsistentError):
        return None


def _build_into(folder: Path, settings: Settings, model: str, passages: Path,
                progress: Callable[[str], None]) -> None:
    """Build beside ``folder``, then rename: an interrupted build is never taken for a finished one."""
    laws = load_laws(passages)
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    started = time.perf_counter()
    kb = KnowledgeBase(_settings_of(settings, partial, model))
    _build(kb, laws, passages, progress)
    built = {"seconds": round(time.perf_counter() - started, 1), "laws": len(laws),
             "articles": sum(len(law["articles"]) for law in laws), "chunks": kb.store.stats.summary()["chunks"]}
    kb.close()
    (partial / "built.json").write_text(json.dumps(built))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)


def open_index(settings: Settings, passages: Path, progress: Callable[[str], None] = lambda _: None,
               postgres: str | None = None) -> tuple[KnowledgeBase, dict]:
    """The cached ALQAC index for ``passages``, built first if needed, or its copy in the PostgreSQL database
    ``postgres``; and how long building it took."""
    model, key = _model_and_key(settings, passages)
    folder = settings.home / "eval" / f"alqac-{key}"
    kb = _open_cached(settings, folder, model)
    reused = kb is not None
    if kb is None:
        _build_into(folder, settings, model, passages, progress)
        kb = KnowledgeBase(_settings_of(settings, folder, model))
    built = json.loads((folder / "built.json").read_text()) | {"folder": str(folder), "reused": reused}
    if postgres:
        kb = _copied_to_postgres(kb, postgres, progress)
        built["store"] = "postgres"
    return kb, built


def _copied_to_postgres(kb: KnowledgeBase, dsn: str, progress: Callable[[str], None]) -> KnowledgeBase:
    """``kb`` copied into ``dsn`` (or what an earlier copy lacks), opened there with a cache folder of its own."""
    from kb.migration.transfer import migrate  # psycopg is an extra (kb[postgres])

    try:
        migrate(kb, dsn, lambda what, done, total: progress(f"{what}: {done:,} of {total:,}"))
    finally:
        kb.close()
    caches = kb.settings.home.with_name(f"{kb.settings.home.name}-postgres")  # the lexicon's and accents' files
    caches.mkdir(exist_ok=True)
    return KnowledgeBase(replace(kb.settings, home=caches, store=StoreSettings("postgres", dsn)))
