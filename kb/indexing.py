"""Indexing files into a knowledge base: walk, read, parse, embed, write — and report.

A broken file never stops a run: it is recorded in the report with its
reason and the run goes on.  A file that is a document already indexed (a
copy in another encoding or format, the same upload twice) is recorded as
one of its files and not stored again; a new version of one replaces it
(``kb.copies``).  Each file is written by
``KnowledgeBase.add_document`` (old version out, new version in, one
transaction, then the vectors); the vector file is saved every
``SAVE_EVERY`` files and at the end.  An interrupted run therefore leaves
committed chunks without vectors at worst, which the next open mends.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from indexer import front_matter
from indexer.analyzer import matching_text, text_hash, tokens, words_hash
from indexer.boilerplate import FurnitureLines, find_furniture
from indexer.errors import IndexerError, LimitExceededError
from indexer.limits import check_limit
from indexer.model import DocumentMeta, SourceText
from indexer.parse import PARSING_VERSION, parse_document
from indexer.read import read_file, unsupported_reason, walk_files
from kb.access.levels import FOLDER_FILE, LevelPolicy
from kb.copies import COPY_OF, FULLER_COPY, Match, earlier_twin, find_match
from kb.errors import KbError, NotFoundError, StorageError
from kb.indexing_report import FURNITURE_REPORT, FileOutcome, IndexReport, write_furniture_report
from kb.knowledge_base import KnowledgeBase
from kb.storage.sources import COPY, EARLIER, FILE, SourceFile

__all__ = ["index_paths"]

SAVE_EVERY = 25
FURNITURE_MIN_FILES = 5  # fewer files than this cannot tell a repeated notice from chance
# Characters of text the furniture pass keeps for the indexing pass (about twice that in bytes); past it, files are read again.
KEPT_TEXT_CHARS = 40_000_000
ProgressCallback = Callable[[FileOutcome, int, int], None]


class _Timer:
    def __init__(self, report: IndexReport, stage: str) -> None:
        self.report, self.stage = report, stage

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.report.seconds[self.stage] += time.perf_counter() - self.start


@dataclass(frozen=True)
class _File:
    path: Path
    source: str  # relative to the folder it was found in
    root: Path  # the path given to index_paths it was found under
    skip: str | None = None  # why the walk passed it over (a link leaving the folder, a folder it cannot open)


def _files(paths: Iterable[Path], follow_symlinks: bool, under: Path | None = None) -> list[_File]:
    """Every file to consider (not the folders' ``kb.toml``), with its path relative to the folder it was found in
    (``under``, when the paths are parts of one folder)."""
    found = []
    for root in paths:
        if not root.exists():
            raise NotFoundError(f"No such file or folder: {root}")
        base = under or (root.parent if root.is_file() else root)
        found += [_File(entry.path, _shown(entry.path.relative_to(base)), under or root, entry.skip)
                  for entry in walk_files(root, follow_symlinks=follow_symlinks)
                  if entry.path.name != FOLDER_FILE]  # a folder's settings, not a document
    return found


def _shown(relative: Path) -> str:
    """A path as text that can be stored and printed: bytes of a name that are not UTF-8 become U+FFFD."""
    return relative.as_posix().encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass
class _Run:
    """What every file of one indexing run shares."""

    kb: KnowledgeBase
    report: IndexReport
    dry_run: bool
    levels: LevelPolicy = field(default_factory=LevelPolicy)
    copies: bool = True  # recognise copies and new versions of indexed documents (not when replacing one by hand)
    furniture: frozenset[str] = frozenset()
    kept: _KeptTexts = field(default_factory=lambda: _KeptTexts(KEPT_TEXT_CHARS))

    def timer(self, stage: str) -> _Timer:
        return _Timer(self.report, stage)

    def read(self, path: Path) -> tuple[SourceText, dict[str, str]]:
        """The file's text without its front matter (``.md``, ``.txt``), and the front matter's values;
        read once a run: the furniture pass keeps what it read for the indexing pass, within a budget."""
        kept = self.kept.take(path)
        if kept is not None:
            return kept
        document = read_file(path, limits=self.kb.settings.limits)
        if path.suffix.lower() not in front_matter.SUFFIXES:
            return document, {}
        values, text = front_matter.split_front_matter(document.text)
        return replace(document, text=text), values


class _KeptTexts:
    """What the furniture pass read, kept for the indexing pass so that no file is read (or OCR'd) twice.

    Bounded by the characters kept: past ``budget`` a file is read again
    instead, so a run over a huge folder holds no more than that in memory.
    Each text leaves when the indexing pass takes it.
    """

    def __init__(self, budget: int) -> None:
        self.budget, self.chars = budget, 0
        self.texts: dict[Path, tuple[SourceText, dict[str, str]]] = {}

    def keep(self, path: Path, read: tuple[SourceText, dict[str, str]]) -> None:
        size = len(read[0].text)
        if self.chars + size <= self.budget:
            self.texts[path] = read
            self.chars += size

    def take(self, path: Path) -> tuple[SourceText, dict[str, str]] | None:
        read = self.texts.pop(path, None)
        if read is not None:
            self.chars -= len(read[0].text)
        return read


def _learn_furniture(run: _Run, files: list[_File]) -> frozenset[str]:
    """First pass over the files: lines outside the documents that repeat across many files (site notices).
    What it reads is kept for the indexing pass (``_KeptTexts``)."""
    counter = FurnitureLines()
    with run.timer("reading"):
        for file in files:
            if file.skip is None and unsupported_reason(file.path) is None:
                try:
                    read = run.read(file.path)
                except Exception:  # noqa: BLE001 - whatever it is, the second pass reports it by name
                    continue
                counter.add(read[0].text)
                run.kept.keep(file.path, read)
    return counter.lines()


NO_TEXT = ("no readable text: the file is empty, or holds only spaces, a byte-order mark, symbols or single characters; "
           "not stored")
NO_PASSAGE = "no passage could be made of its text (nothing but a header or unreadable lines); not stored"


def _readable(text: str) -> bool:
    """At least one word of two letters or digits: a lone ``x`` is a stray keystroke, not a document."""
    return any(len(word) > 1 for word in tokens(text))


def _content_hash(text: str) -> str:
    """What makes a file unchanged: its text as read, and the parsing rules it was indexed under."""
    return hashlib.sha256(f"{PARSING_VERSION}\0{text}".encode()).hexdigest()


def _index_file(run: _Run, file: _File) -> FileOutcome:
    kb, path, source = run.kb, file.path, file.source
    with run.timer("reading"):
        document, values = run.read(path)
        access = run.levels.level(path, file.root, values)
        content_hash = _content_hash(document.text)
        key = str(path.resolve())
        known = kb.store.sources.known(key)
    if known and known.content_hash == content_hash:
        outcome = FileOutcome(source, "unchanged", document_id=known.document_id, access=access)
        if not run.dry_run and known.role == FILE:  # the text is the same, its level may not be (a kb.toml changed)
            kb.store.documents.set_access(known.document_id, access)
            if run.copies:
                _join_earlier_twin(run, outcome, known.words_hash)
        return outcome
    replacing = known.document_id if known and known.role == FILE else None  # the document's own file changed
    if not _readable(document.text):
        return FileOutcome(source, "skipped", reason=NO_TEXT, code="no_text", access=access)
    with run.timer("chunking"):
        furniture = find_furniture(document.text, run.furniture)
        parsed = parse_document(document, furniture)
        check_limit(kb.settings.limits, "max_passages", len(parsed.chunks), "passages")
    outcome = FileOutcome(source, "indexed", chunks=sum(1 for c in parsed.chunks if c.kind == "body"),
                          garbled_chars=parsed.garbled_chars, reason="; ".join(document.warnings) or None,
                          code="pages_unread" if document.warnings else None, access=access,
                          furniture=[document.text[s.start : s.end] for s in furniture])
    if not outcome.chunks:
        return replace(outcome, status="skipped", reason=NO_PASSAGE, code="no_passage", chunks=0)
    row = SourceFile(key, source, content_hash, words_hash(document.text), document.format, document.encoding)
    match = _match(run, document.text, row, parsed.meta, access, replacing)
    if match and match.kind == COPY_OF:
        return _copy(run, outcome, row, match)
    if run.dry_run:
        return outcome
    with run.timer("embedding"):
        vectors = _vectors(kb, [matching_text(c.section, c.text) for c in parsed.chunks])
    with kb.deciding() as others_wrote:
        if others_wrote:  # another worker may have stored this text while this one embedded it: look again
            match = _match(run, document.text, row, parsed.meta, access, replacing)
            if match and match.kind == COPY_OF:
                return _copy(run, outcome, row, match)
        with run.timer("writing"):
            outcome.document_id, _ = kb.add_document(
                parsed, path=key, source=source, content_hash=content_hash, access=access, vectors=vectors,
                replacing=replacing, save=False)
            if match:  # a new version of the document, or a fuller copy of its text: it takes the document's place
                kb.replace_document(match.document_id, outcome.document_id, save=False,
                                    old_files=COPY if match.kind == FULLER_COPY else EARLIER)
                outcome.document_id, outcome.replaced = match.document_id, match.of
    return outcome


def _match(run: _Run, text: str, row: SourceFile, meta: DocumentMeta, access: str,
           replacing: int | None) -> Match | None:
    """What the file is to the indexed documents of its level (``kb.copies``); ``None`` when copies are not
    looked for (a replacement, or a file whose own document changes)."""
    if not run.copies or replacing is not None:
        return None
    with run.timer("matching"):
        return find_match(run.kb.store, text, row.words_hash, meta, access)


def _copy(run: _Run, outcome: FileOutcome, row: SourceFile, match: Match) -> FileOutcome:
    """The file recorded as a copy of the document ``match`` names: nothing of it stored but its row."""
    if not run.dry_run:
        run.kb.add_source(match.document_id, row, match.role)
    return replace(outcome, status="copy", chunks=0, document_id=match.document_id, copy_of=match.of,
                   reason=_copy_reason(match), code="copy", params={"document_id": match.document_id, "of": match.of})


def _join_earlier_twin(run: _Run, outcome: FileOutcome, text_words_hash: str) -> None:
    """An unchanged file whose document is a copy of an older one, stored apart: the two become one.

    The older id stays, with the fuller of the two texts; the file's outcome says what it became.
    """
    assert outcome.document_id is not None
    with run.timer("matching"):
        match = earlier_twin(run.kb.store, outcome.document_id, text_words_hash)
    if match is None:
        return
    with run.timer("writing"):
        if match.kind == FULLER_COPY:
            run.kb.replace_document(match.document_id, outcome.document_id, old_files=COPY, save=False)
            outcome.replaced = match.of
        else:
            run.kb.merge_document(outcome.document_id, into=match.document_id, save=False)
            outcome.status, outcome.copy_of, outcome.reason = "copy", match.of, _copy_reason(match)
            outcome.code, outcome.params = "copy", {"document_id": match.document_id, "of": match.of}
    outcome.document_id = match.document_id


def _copy_reason(match: Match) -> str:
    what = "an earlier version" if match.role == EARLIER else "the text"
    return f"a copy of {what} of document {match.document_id} ({match.of}); not stored again"


def _vectors(kb: KnowledgeBase, texts: list[str]) -> np.ndarray:
    """Vectors for these texts, reusing the stored vector of any identical passage already indexed.

    A changed file keeps most of its passages, and the same law arrives as
    .docx and as .txt: only what is new goes through the model.
    """
    hashes = [text_hash(t) for t in texts]
    index = kb.open_vectors()
    present = index.ids()
    known = {h: i for h, i in kb.store.chunks.by_text_hash(sorted(set(hashes))).items() if i in present}
    first_of = {h: n for n, h in reversed(list(enumerate(hashes)))}  # a passage repeated in the file: once
    new = sorted(n for h, n in first_of.items() if h not in known)
    vectors = np.empty((len(texts), index.dimension), dtype="float32")
    if new:
        vectors[new] = kb.open_embedder().encode_passages([texts[n] for n in new])
    copies = [n for n, h in enumerate(hashes) if h not in known and first_of[h] != n]
    vectors[copies] = vectors[[first_of[hashes[n]] for n in copies]]
    reused = [n for n in range(len(texts)) if hashes[n] in known]
    if reused:
        vectors[reused] = index.get([known[hashes[n]] for n in reused])
    return vectors


def _process(run: _Run, file: _File) -> FileOutcome:
    if file.skip:
        return FileOutcome(file.source, "skipped", reason=file.skip, code="passed_over")
    reason = unsupported_reason(file.path)
    if reason:
        return FileOutcome(file.source, "skipped", reason=reason, code="unsupported_type",
                           params={"suffix": file.path.suffix.lower()})
    try:
        return _index_file(run, file)
    except StorageError:
        raise  # the disk, not the file: every later file would fail the same way
    except LimitExceededError as exc:
        return FileOutcome(file.source, "skipped", reason=str(exc), code=exc.code, params=exc.params)
    except (KbError, IndexerError) as exc:
        return FileOutcome(file.source, "error", reason=str(exc), code=exc.code or type(exc).__name__, params=exc.params)
    except Exception as exc:  # noqa: BLE001 - a bug on one odd file must not lose the run: report it by name
        return FileOutcome(file.source, "error", reason=f"internal error: {type(exc).__name__}: {exc}", code="internal")


def _each_file(run: _Run, files: list[_File], on_file: ProgressCallback | None) -> None:
    for done, file in enumerate(files, start=1):
        run.report.files.append(_process(run, file))
        if not run.dry_run and done % SAVE_EVERY == 0:
            run.kb.save_vectors()
        if on_file:
            on_file(run.report.files[-1], done, len(files))


def index_paths(
    kb: KnowledgeBase, paths: Iterable[Path], *, on_file: ProgressCallback | None = None, dry_run: bool = False,
    access: str | None = None, follow_symlinks: bool = False, copies: bool = True, under: Path | None = None,
) -> IndexReport:
    """Index every supported file under ``paths``; ``on_file(outcome, done, total)`` reports progress.

    ``dry_run`` reads and parses every file and reports what would be indexed,
    without embedding or writing anything: a quick check of a large folder.
    ``access`` is the level of files that neither front matter nor a
    ``kb.toml`` gives one (``kb.access.levels``; ``None``: public).
    ``follow_symlinks`` follows links that leave the folders given (never
    followed otherwise; each one is reported).  ``copies=False`` stores every
    file as a document of its own, even a copy (a replacement the caller puts in place itself).
    ``under`` is the folder the paths lie in when they are some of its files (``kb watch``): they are
    named relative to it and its ``kb.toml`` files apply, as when the folder itself is indexed.
    """
    run = _Run(kb, IndexReport(), dry_run, LevelPolicy(access), copies=copies)
    files = _files(paths, follow_symlinks, under)
    if len(files) >= FURNITURE_MIN_FILES:
        run.furniture = _learn_furniture(run, files)
    if dry_run:
        _each_file(run, files, on_file)
        return run.report
    with kb.writing():
        kb.open_vectors()  # opened (and mended) before the first file is written
        try:
            _each_file(run, files, on_file)
        finally:  # also when interrupted (Ctrl-C): the files committed so far keep their vectors
            with run.timer("writing"):
                kb.save_vectors()
        for cache in (kb.lexicon, kb.accents):  # written here, so the next search need not read all this run added
            if run.report.chunks >= cache.save_after or not cache.path.exists():
                with run.timer("writing"):
                    cache.refresh()
        with kb.storing():
            kb.store.db.set_meta("last_run", json.dumps(run.report.summary(), ensure_ascii=False))
        write_furniture_report(kb.settings.home / FURNITURE_REPORT, run.report)
    return run.report
