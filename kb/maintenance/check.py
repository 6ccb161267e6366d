"""``kb check``: verify an index folder against its source of truth, and mend what can be mended.

``kb.sqlite`` is the source of truth; the rest of the folder is derived from
it: the lexicon's snapshot (``lexicon.npz``, a cache of the chunks' terms), the accent model
(``accents.npz``, a cache of their syllable trigrams) and the
vector file (one vector per chunk, from the stored text by the model that ``config.json`` names).  So a
check compares each derived part with SQLite, and a repair rebuilds it from there:

==========  ==================================================  ==========================================
finding     what is checked                                      ``--repair``
==========  ==================================================  ==========================================
sqlite      ``PRAGMA quick_check`` and ``integrity_check``       ``REINDEX`` (damage in index pages);
                                                                 else none: restore a backup (``kb restore``)
schema      the schema version this kb reads                     none (opening refuses another version)
orphans     rows whose parent row is gone (any foreign key)      deleted
documents   documents without their text or any passage, or      deleted, so ``kb index`` reads them again
            with their card and no passage of text               (and skips those with no readable text)
sources     each document's own file recorded among its files    recorded again from the document's row
relations   citations' kinds read by this kb's rules (SQLite     every kind read again from its passage
            reads them again when it opens the file)
lexicon     snapshot readable, of this database, in step after   rebuilt from the chunks
            catching up (same chunk count)
accents     file readable, of this database, able to catch up    rebuilt from the chunks
            (an earlier kb's lower format: no problem, the next
            search builds it again)
model       config.json readable, fingerprint of the model       every passage embedded again (same model
                                                                 and backend only; another is the user's call)
vectors     file readable, its dimension, ids == chunk ids       stale ones dropped, only the missing ones
                                                                 embedded; unreadable: rebuilt from the text
temp files  ``*.tmp`` and half-converted models left by a kill   removed
==========  ==================================================  ==========================================

With the ``postgres`` store the database is the source of truth and the
vectors are its ``chunk_vectors`` rows; the folder keeps only the lexicon's and
the accent model's snapshots.  The same questions are asked of it through the
store (``kb.storage.pg_integrity``), and ``kb.maintenance.pg_check`` adds what
only a server has; ``sqlite`` becomes ``postgres`` (every index valid, the HNSW
graph present: ``REINDEX`` or built again), ``schema`` compares the schema's
version and its definitions' hash, ``vectors`` the table (the model's dimension,
one vector per passage and none without), and ``jobs`` reports running jobs whose
lease ran out long ago with no worker to take them (none can be repaired here:
start a ``kb worker``).  ``relations`` (both stores) says whether the citations'
kinds were read by this kb's rules (SQLite reads them again when opened; a
server's store when repaired).

A repair holds the write lock and checks again afterwards: what it reports as
repaired was found sound, not assumed.  Nothing is rebuilt from a database
SQLite itself finds damaged: that is mended first (a second round then mends
the rest) or reported.  Without ``--repair`` the check mends nothing and takes
the lock only for a moment, to see whether a writer holds it: while an
indexing run does, vectors it has not saved yet are expected and reported as
such, not as problems.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer.relations import RULES_VERSION
from kb.config import Settings
from kb.embedding.default_model import DEFAULT_MODEL_NAME
from kb.embedding.embedder import Embedder
from kb.errors import (
    IndexBusyError,
    IndexInconsistentError,
    ModelError,
    ModelMismatchError,
    NotFoundError,
    StorageError,
)
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.snapshot import EarlierFormat
from kb.retrieval.synced import OutgrownSnapshot, SyncedFile
from kb.retrieval.vectors import VectorIndex
from kb.storage.relation_rules import RULES_KEY, read_kinds_on
from kb.storage.schema import SCHEMA_VERSION, backfill_sources
from kb.storage.store import Store

__all__ = ["CheckReport", "Finding", "check", "check_kb", "leftover_files"]

# Repairs, in the order they run: rows first (they change which vectors should exist), then what derives from them.
REINDEX, DELETE_ORPHANS, DELETE_INCOMPLETE = "reindex", "delete orphans", "delete incomplete"
RECORD_SOURCES, READ_KINDS = "record sources", "read citations' kinds again"
REBUILD_LEXICON, REBUILD_ACCENTS = "rebuild lexicon", "rebuild accents"
REBUILD_VECTORS, RECONCILE_VECTORS, REMOVE_TEMP = "rebuild vectors", "reconcile vectors", "remove temp files"
_RESTORE = "Restore a backup (kb restore), or index the files again into a new folder (--home)."


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str | None = None  # the repair that mends it; None when none can
    repaired: str | None = None  # what was wrong before a repair mended it


@dataclass
class CheckReport:
    home: str
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def as_dict(self) -> dict:
        return {"home": self.home, "ok": self.ok, "findings": [asdict(f) for f in self.findings]}


def check(settings: Settings, repair: bool = False, *, embedder: Embedder | None = None) -> CheckReport:
    """Check the index folder ``settings.home``; with ``repair``, mend what can be mended first.

    ``embedder`` replaces the configured model (tests give a deterministic one).

    Raises ``NotFoundError`` when there is no index there, ``IndexBusyError``
    when repairing while another process writes.
    """
    home, on_server = settings.home, settings.store.backend == "postgres"
    if not on_server and not (home / "kb.sqlite").is_file():
        raise NotFoundError(f"No index at {home} (no kb.sqlite).")
    try:
        kb = KnowledgeBase(settings, embedder=embedder)
    except IndexInconsistentError as exc:  # another schema version
        return CheckReport(str(home), [Finding("schema", False, str(exc))])
    except sqlite3.DatabaseError as exc:
        return CheckReport(str(home), [Finding("sqlite", False, f"kb.sqlite cannot be opened: {exc}. {_RESTORE}")])
    except StorageError as exc:  # the server cannot be reached
        return CheckReport(str(home), [Finding("postgres", False, str(exc))])
    try:
        return check_kb(kb, repair)
    finally:
        kb.close()


def check_kb(kb: KnowledgeBase, repair: bool = False) -> CheckReport:
    """``check`` of a folder the caller has open: its model, once loaded, serves the checks and the repair."""
    home = str(kb.settings.home)
    if not repair:
        return CheckReport(home, _inspect(kb, writer_active=_writer_active(kb)))
    with kb.writing():
        rounds = [_inspect(kb, writer_active=False)]
        while not all(f.ok for f in rounds[-1]) and len(rounds) < 3:  # a damaged file hides the rest
            _repair(kb, rounds[-1])
            rounds.append(_inspect(kb, writer_active=False))
    return CheckReport(home, _mark_repaired(rounds))


def _writer_active(kb: KnowledgeBase) -> bool:
    try:
        with kb.writing():
            return False
    except IndexBusyError:
        return True


def _inspect(kb: KnowledgeBase, writer_active: bool) -> list[Finding]:
    on_server = kb.store.path is None
    if on_server:
        from kb.maintenance import pg_check  # psycopg is needed only for this backend

        findings = [_guarded("postgres", lambda: pg_check.server(kb))]
    else:
        findings = [_guarded("sqlite", lambda: _sqlite(kb))]
    if not findings[0].ok and (not on_server or findings[0].fix is None):
        return findings  # the rest reads the same damaged file, or a server that cannot be read
    findings.append(pg_check.schema(kb) if on_server else
                    Finding("schema", True, f"version {SCHEMA_VERSION}, the one this kb reads"))
    findings += [_guarded("orphans", lambda: _orphans(kb)), _guarded("documents", lambda: _incomplete(kb)),
                 _guarded("sources", lambda: _sources(kb)), _guarded("relations", lambda: _relations(kb)),
                 _guarded("lexicon", lambda: _cache("lexicon", kb.lexicon, REBUILD_LEXICON)),
                 _guarded("accents", lambda: _cache("accents", kb.accents, REBUILD_ACCENTS))]
    chunk_ids = kb.store.chunks.all_ids()
    recorded, unreadable = _recorded(kb)
    findings.append(_model(kb, recorded, unreadable, bool(chunk_ids)))
    if on_server:
        findings += [pg_check.vectors(kb, recorded, chunk_ids), pg_check.jobs(kb)]
    else:
        findings.append(_vectors(kb, recorded, chunk_ids, writer_active))
    findings.append(_temp_files(kb, writer_active))
    return findings


def _guarded(name: str, inspect: Callable[[], Finding]) -> Finding:
    """A check whose SQL fails on a damaged file (or a server gone) reports that instead of stopping the others."""
    try:
        return inspect()
    except sqlite3.DatabaseError as exc:
        return Finding(name, False, f"SQLite cannot read it: {exc}. {_RESTORE}")
    except StorageError as exc:
        return Finding(name, False, str(exc))


def _sqlite(kb: KnowledgeBase) -> Finding:
    problems = kb.store.integrity.problems(quick=True) or kb.store.integrity.problems()
    lines = [line for problem in problems for line in problem.splitlines() if not line.startswith("***")]
    if lines:
        shown = "; ".join(lines[:3]) + (f" (and {len(lines) - 3} more)" if len(lines) > 3 else "")
        return Finding("sqlite", False, f"SQLite reports damage: {shown}. If --repair cannot mend it: {_RESTORE}",
                       REINDEX)
    return Finding("sqlite", True, "quick_check and integrity_check: ok")


def _orphans(kb: KnowledgeBase) -> Finding:
    orphans = kb.store.integrity.orphans()
    if not orphans:
        return Finding("orphans", True, "no row without its parent")
    counts = ", ".join(f"{len(rows)} in {table}" for table, rows in sorted(orphans.items()))
    return Finding("orphans", False, f"rows whose parent row is gone: {counts}", DELETE_ORPHANS)


def _listed(items: list, shown: int = 10) -> str:
    return ", ".join(map(str, items[:shown])) + (" …" if len(items) > shown else "")


def _incomplete(kb: KnowledgeBase) -> Finding:
    incomplete = kb.store.integrity.incomplete_documents()
    empty = kb.store.integrity.documents_without_passages()
    if not incomplete and not empty:
        return Finding("documents", True, "every document has its text and passages")
    found = []
    if incomplete:
        found.append(f"{len(incomplete)} documents without their text or passages (an interrupted write): "
                     f"{_listed(incomplete)}; repairing deletes them so that kb index reads their files again")
    if empty:
        found.append(f"{len(empty)} documents without a passage, only their card (files with no readable text): "
                     f"{_listed([f'{doc_id} {source}' for doc_id, source in empty])}; repairing deletes them")
    return Finding("documents", False, "; ".join(found), DELETE_INCOMPLETE)


def _sources(kb: KnowledgeBase) -> Finding:
    """Every document's own file has its row: the next ``kb index`` knows the file, and copies of it."""
    missing = kb.store.sources.documents_without_their_file()
    if not missing:
        return Finding("sources", True, "every document's file is recorded")
    return Finding("sources", False, f"{len(missing)} documents whose file is not recorded: {_listed(missing)}; "
                   "repairing records it", RECORD_SOURCES)


def _relations(kb: KnowledgeBase) -> Finding:
    """The citations' kinds were read by this kb's rules (``kb.storage.relation_rules``): an index never mixes two."""
    recorded = kb.store.db.get_meta(RULES_KEY)
    if recorded == str(RULES_VERSION):
        return Finding("relations", True, f"citations' kinds read by this kb's rules (version {RULES_VERSION})")
    return Finding("relations", False, f"citations' kinds read by rules {recorded or 'not recorded'}, this kb's are "
                   f"{RULES_VERSION}: repairing reads every kind again from its passage", READ_KINDS)


def _cache(finding: str, synced: SyncedFile, fix: str) -> Finding:
    """A file derived from the chunks must read, caught up in memory from SQLite, as what SQLite holds."""
    name = synced.path.name
    try:
        synced.read_snapshot()
    except FileNotFoundError:
        return Finding(finding, True, f"no {name} yet: the next search builds it from the chunks")
    except OutgrownSnapshot as exc:
        return Finding(finding, True, str(exc))
    except EarlierFormat as exc:
        return Finding(finding, True, f"{name} was written by an earlier kb ({exc}): the next search builds it again")
    except ValueError as exc:
        return Finding(finding, False, str(exc), fix)
    return Finding(finding, True, f"{name} in step with the {_passages(synced.store)} once caught up")


def _passages(store: Store) -> str:
    """What the chunks are, in the words ``kb index`` and ``kb stats`` use: passages, and a card a document."""
    passages = store.stats.counts()["chunks"]
    return f"{passages:,} passages and {store.chunks.count() - passages:,} document cards"


def _record(kb: KnowledgeBase) -> str:
    """Where the model record lives: config.json in the folder, the ``meta`` row on a database server."""
    return "config.json" if kb.store.path is not None else "meta 'model'"


def _recorded(kb: KnowledgeBase) -> tuple[dict | None, str | None]:
    """The recorded model (config.json's, or the server's ``meta`` row), or why it cannot be read."""
    try:
        recorded = kb.read_recorded_model()
        if recorded is not None:
            recorded = {key: recorded[key] for key in ("model", "dimension", "fingerprint")} | {
                "backend": recorded.get("backend", "torch")}  # indexes from before backends were torch ones
        return recorded, None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"{_record(kb)} cannot be read ({type(exc).__name__}: {exc})"


def _model(kb: KnowledgeBase, recorded: dict | None, unreadable: str | None, has_chunks: bool) -> Finding:
    if unreadable:
        return Finding("model", False, unreadable, REBUILD_VECTORS)
    if recorded is None:
        if not has_chunks:
            return Finding("model", True, "none recorded yet (no passages)")
        return Finding("model", False, f"{_record(kb)} is missing: which model built the vectors is unknown",
                       REBUILD_VECTORS)
    try:
        embedder = kb.open_embedder()
    except ModelMismatchError as exc:
        if (recorded["model"], recorded["backend"]) != (kb.settings.model or DEFAULT_MODEL_NAME, kb.settings.backend):
            return Finding("model", False, str(exc))  # another model: whether to switch is the user's call
        return Finding("model", False, f"{exc} Or let --repair embed every passage again with the configured "
                       "model (its files changed since this index was built).", REBUILD_VECTORS)
    except ModelError as exc:
        return Finding("model", False, str(exc))
    if recorded["dimension"] != embedder.dimension:
        return Finding("model", False, f"{_record(kb)} says {recorded['dimension']} dimensions, the model makes "
                       f"{embedder.dimension}", REBUILD_VECTORS)
    return Finding("model", True, f"{recorded['model']} on {recorded['backend']}: fingerprint "
                   f"{recorded['fingerprint'][:12]} matches, {recorded['dimension']} dimensions")


def _vectors(kb: KnowledgeBase, recorded: dict | None, chunk_ids: set[int], writer_active: bool) -> Finding:
    path = kb.vectors_path
    if recorded is None:
        if chunk_ids or path.exists():
            return Finding("vectors", False, "cannot be verified without a readable config.json", REBUILD_VECTORS)
        return Finding("vectors", True, "none yet (no passages)")
    if not path.exists():
        if chunk_ids:
            return Finding("vectors", False, f"{path.name} is missing: {len(chunk_ids)} chunks without vectors",
                           RECONCILE_VECTORS)
        return Finding("vectors", True, "none yet (no passages)")
    try:
        vectors = VectorIndex(path, recorded["dimension"])
    except ValueError as exc:  # another dimension than config.json's
        return Finding("vectors", False, str(exc), REBUILD_VECTORS)
    except RuntimeError as exc:  # FAISS cannot read it
        reason = str(exc).rsplit("failed: ", 1)[-1]
        return Finding("vectors", False, f"{path.name} cannot be read (truncated or damaged: {reason})",
                       REBUILD_VECTORS)
    return compare_vectors(kb, vectors.ids(), len(vectors), chunk_ids, writer_active)


def compare_vectors(kb: KnowledgeBase, present: set[int], count: int, chunk_ids: set[int],
                    writer_active: bool) -> Finding:
    """The ``vectors`` finding of ``count`` stored vectors with ids ``present``, against the passages' ids:
    one vector each, none without its passage (the file's and the table's alike)."""
    if len(present) != count:
        return Finding("vectors", False, f"{count} vectors for {len(present)} ids: some ids appear twice",
                       REBUILD_VECTORS)
    missing, stale = len(chunk_ids - present), len(present - chunk_ids)
    counts = f"{len(present):,} vectors for {_passages(kb.store)}"
    if not missing and not stale:
        return Finding("vectors", True, counts)
    detail = f"{missing} missing, {stale} stale ({counts})"
    if writer_active:
        return Finding("vectors", True, f"{detail}: an indexing run holds the folder and saves its vectors as it goes")
    return Finding("vectors", False, detail, RECONCILE_VECTORS)


def leftover_files(settings: Settings) -> list[Path]:
    """What interrupted writes leave: ``*.tmp`` in the folder; in models/, half-converted models and graphs."""
    models = settings.models_dir
    found = {*settings.home.glob("*.tmp"), *models.glob(".*.tmp-*"), *models.glob(".*.old-*"),
             *models.rglob(".export-*"), *models.rglob("*.tmp")}
    return sorted(path for path in found if not any(parent in found for parent in path.parents))


def _temp_files(kb: KnowledgeBase, writer_active: bool) -> Finding:
    found = leftover_files(kb.settings)
    if not found:
        return Finding("temp files", True, "none")
    names = ", ".join(p.relative_to(kb.settings.home).as_posix() for p in found)
    if writer_active:
        return Finding("temp files", True, f"{names}: an indexing run holds the folder and may be writing them")
    return Finding("temp files", False, f"left by an interrupted write: {names}", REMOVE_TEMP)


def _repair(kb: KnowledgeBase, findings: list[Finding]) -> None:
    """Apply the fixes the findings call for, rows first; only ``REINDEX`` while SQLite finds the file damaged."""
    fixes = {f.fix for f in findings if not f.ok and f.fix}
    if REINDEX in fixes:
        try:
            if kb.store.path is None:
                from kb.maintenance.pg_check import mend_indexes

                mend_indexes(kb)
            else:
                kb.store.integrity.reindex()
        except sqlite3.DatabaseError:
            pass  # damage in a table, not only in an index: the check after the repair reports it
        return
    if DELETE_ORPHANS in fixes:
        kb.store.integrity.delete_orphans()
    if DELETE_INCOMPLETE in fixes:  # rows only: the vector file may be what is broken; it is mended below
        with kb.store.db.transaction():
            empty = [doc_id for doc_id, _ in kb.store.integrity.documents_without_passages()]
            for doc_id in kb.store.integrity.incomplete_documents() + empty:
                kb.store.documents.delete(doc_id)
    if READ_KINDS in fixes:
        read_kinds_on(kb.store.db)
    if RECORD_SOURCES in fixes:
        with kb.store.db.transaction():
            backfill_sources(kb.store.db)
    if REBUILD_LEXICON in fixes:
        kb.lexicon.rebuild()
    if REBUILD_ACCENTS in fixes:
        kb.accents.rebuild()
    # Vectors need the model that built them; when another one is configured, the user chooses.
    model_usable = not any(f.name == "model" and not f.ok and not f.fix for f in findings)
    if model_usable and REBUILD_VECTORS in fixes:
        kb.rebuild_vectors()
    elif model_usable and fixes & {RECONCILE_VECTORS, DELETE_ORPHANS, DELETE_INCOMPLETE}:
        kb.open_vectors()  # loaded under the write lock, which mends it unless it was loaded before
        kb.reconcile()  # stale vectors dropped, only the missing ones embedded
    if REMOVE_TEMP in fixes:
        for path in leftover_files(kb.settings):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def _mark_repaired(rounds: list[list[Finding]]) -> list[Finding]:
    """The last round's findings; those that were problems in an earlier round and are sound now say what was wrong."""
    problems: dict[str, str] = {}
    for findings in rounds[:-1]:
        for finding in findings:
            if not finding.ok:
                problems.setdefault(finding.name, finding.detail)
    for finding in rounds[-1]:
        if finding.ok and finding.name in problems:
            finding.repaired = problems[finding.name]
    return rounds[-1]
