"""The index folders ``bench_scale.py`` measures, written directly through Store and VectorIndex.

The corpus is split into documents of ``DOC_SIZE`` passages with metadata taken from admin-docs;
every ``HIDDEN_EVERY``-th document is ``internal``, so the API's anonymous searches run the
filtered path (what the service does whenever a folder holds documents above ``public``).
Each step is done once and resumes: a SQLite file is marked complete in its meta table, the vector
file is made again only when more real vectors exist than it was built from.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_data
from scale_data import SHARED

from indexer.analyzer import fold, folded_hash, normalize
from indexer.model import Chunk, DocumentMeta, ParsedDocument, SourceText
from indexer.references import extract_references
from kb.access.levels import LEVELS
from kb.knowledge_base import INDEX_FORMAT
from kb.retrieval.vectors import VectorIndex
from kb.storage.database import copy_database
from kb.storage.store import Store

REAL = 200_000  # passages embedded by the real model
DOC_SIZE = 50
HIDDEN_EVERY = 20
ADD_BATCH = 100_000  # vectors added to the index at a time while building


@contextmanager
def faiss_threads(count: int) -> Iterator[None]:
    """FAISS builds a graph on ``count`` threads (kb itself keeps to one: it searches one query at a time)."""
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def _documents_metadata() -> list[dict]:
    return json.loads((SHARED / "data" / "admin-docs" / "metadata.json").read_text(encoding="utf-8"))


def synthetic_document(number: int, texts: list[str], catalogue: list[dict]) -> ParsedDocument:
    """A document of these passages; type, number, issuer and date from a real admin-docs entry."""
    entry = catalogue[number % len(catalogue)]
    day, month, _ = entry["ngay"].split("/")
    year = 2015 + number % 11
    chunks, offset = [], 0
    for text in texts:
        chunks.append(Chunk(text=text, heading_path=[], char_start=offset, char_end=offset + len(text),
                            references=extract_references(text)))
        offset += len(text) + 2
    meta = DocumentMeta(title=f"{entry['loai']} {entry['so_hieu']} ({number})", doc_type=entry["loai"],
                        number=entry["so_hieu"], issuer=entry["noi"], signer=entry["ky"],
                        date=f"{year}-{int(month):02d}-{int(day):02d}")
    source = SourceText(path=Path(f"synthetic/{number:07d}.txt"), text="\n\n".join(texts), encoding="utf-8", format=".txt")
    return ParsedDocument(source=source, meta=meta, chunks=chunks, references=[])


def home_of(folder: Path, size: int) -> Path:
    return folder / f"kb-{size}"


def build(folder: Path, size: int) -> None:
    """The SQLite file (marked complete in its meta table), then the vector file: each step once."""
    home = home_of(folder, size)
    if not _complete(home, size):
        build_sqlite(folder, size, home)
    if not (home / "vectors.faiss").exists() or real_used(home) < min(size, REAL, scale_data.available(folder)):
        build_vectors(folder, size, home)  # again when more real vectors have been made since
    print_sizes(home, size)


def real_used(home: Path) -> int:
    """How many real vectors the folder's vector file was built from (the rest derived from them)."""
    record = home / "bench-vectors.json"
    return json.loads(record.read_text())["real"] if record.exists() else 0


def _complete(home: Path, size: int) -> bool:
    """Whether ``home`` holds a SQLite file that a build of ``size`` finished (an interrupted one is made again:
    an extension stopped early holds the copied base, whose mark names the base's size)."""
    if not (home / "kb.sqlite").exists():
        return False
    store = Store(home / "kb.sqlite")
    try:
        return store.db.get_meta("bench_complete") == str(size)
    finally:
        store.close()


def build_sqlite(folder: Path, size: int, home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "models").symlink_to(folder / "models", target_is_directory=True)
    if size <= REAL:
        add_documents(folder, size, home)
    else:
        extend(folder, size, home)


def add_documents(folder: Path, size: int, home: Path) -> None:
    """Every passage through ``store.documents.add``, as the indexer writes them (references extracted)."""
    real = scale_data.passage_sentences(folder, size)
    catalogue = _documents_metadata()
    store = Store(home / "kb.sqlite")
    start = time.perf_counter()
    documents = math.ceil(size / DOC_SIZE)
    for first in range(0, documents, 500):  # one transaction per 500 documents
        with store.db.transaction():
            for number in range(first, min(documents, first + 500)):
                rows = range(number * DOC_SIZE, min(size, (number + 1) * DOC_SIZE))
                parsed = synthetic_document(number, [scale_data.derived_passage(real, r) for r in rows], catalogue)
                access = LEVELS[1] if number % HIDDEN_EVERY == HIDDEN_EVERY - 1 else LEVELS[0]
                _, ids = store.documents.add(parsed, path=str(parsed.source.path), source=str(parsed.source.path),
                                            content_hash=f"synthetic-{number}", access=access)
                assert ids == [r + 1 for r in rows], "chunk ids must follow the rows (a fresh database)"
        if first % 10_000 == 0:
            print(f"  sqlite: {min(size, (first + 500) * DOC_SIZE):>9,} passages  {time.perf_counter() - start:7.1f} s",
                  flush=True)
    store.db.set_meta("bench_complete", str(size))
    seconds = time.perf_counter() - start
    store.close()
    print(f"SQLite {home}: {size:,} passages in {documents:,} documents, {seconds:.0f} s "
          f"({size / seconds:,.0f} passages/s through Store.add_document)")


def extend(folder: Path, size: int, home: Path) -> None:
    """The real-size database copied, then the derived passages bulk-inserted into the same tables.

    Going through ``store.documents.add`` would take an hour at 2,000,000 (it folds every
    character in Python); a derived passage is its source's sentences shuffled, so its
    matching forms are its source sentences' forms in that order, computed once per sentence.
    Its document, document text and references are its source's, under new ids; chunk ids
    still follow the rows.  The lexicon is built from these rows by the first search.
    """
    base = home_of(folder, REAL)
    if not _complete(base, REAL):
        build_sqlite(folder, REAL, base)
    start = time.perf_counter()
    copy_database(base / "kb.sqlite", home / "kb.sqlite")
    real = scale_data.passage_sentences(folder, REAL)
    forms = {sentence: (normalize(sentence), fold(sentence)) for passage in real for sentence in passage}
    store = Store(home / "kb.sqlite")
    db = store.db.connection().conn
    documents = REAL // DOC_SIZE
    assert db.execute("SELECT max(id), count(*) FROM documents").fetchone() == (documents, documents)
    columns = "document_id, ordinal, kind, section, issuer, char_start, char_end, page"
    sources = db.execute(f"SELECT {columns} FROM chunks ORDER BY id").fetchall()
    for first in range(REAL, size, REAL):
        shift = first // REAL
        with store.db.transaction():
            fields = ("format, encoding, title, doc_type, number, issuer, issuer_parent, signer, signer_position, "
                      "place, date, subject, garbled_chars, indexed_at, access")
            db.execute(f"INSERT INTO documents (id, path, source, content_hash, {fields}) "
                       "SELECT id + ?, path || '#' || ?, source, content_hash || '#' || ?, "
                       f"{fields} FROM documents WHERE id <= ?",
                       [shift * documents, shift, shift, documents])
            db.execute("INSERT INTO document_texts (document_id, text) SELECT document_id + ?, text FROM document_texts "
                       "WHERE document_id <= ?", [shift * documents, documents])
            rows = []
            for row in range(first, min(size, first + REAL)):
                source = sources[row % REAL]
                sentences = scale_data.derived_sentences(real, row)
                text = " ".join(sentences)
                normalized = " ".join(forms[s][0] for s in sentences)
                rows.append((row + 1, source[0] + shift * documents, *source[1:], text,
                             hashlib.sha1(normalized.encode("utf-8")).hexdigest(), normalized.lower(),
                             " ".join(forms[s][1] for s in sentences), folded_hash(text)))
            db.executemany(f"INSERT INTO chunks (id, {columns}, text, text_hash, accented, folded, folded_hash) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.execute("INSERT INTO chunk_refs (chunk_id, key, full_key, printed, is_self) "
                       "SELECT chunk_id + ?, key, full_key, printed, is_self FROM chunk_refs "
                       "WHERE chunk_id <= ?", [shift * REAL, REAL])
        print(f"  sqlite: {min(size, first + REAL):>9,} passages  {time.perf_counter() - start:7.1f} s", flush=True)
    store.db.set_meta("bench_complete", str(size))
    store.close()
    seconds = time.perf_counter() - start
    print(f"SQLite {home}: {size:,} passages, {seconds:.0f} s ({size - REAL:,} derived ones bulk-inserted "
          f"after a copy of the {REAL:,}-passage database)")


def build_vectors(folder: Path, size: int, home: Path) -> None:
    info = json.loads((folder / "vectors.json").read_text())
    real_vectors = scale_data.real_vectors(folder, min(size, REAL, scale_data.available(folder)))
    start = time.perf_counter()
    (home / "vectors.faiss").unlink(missing_ok=True)
    vectors = VectorIndex(home / "vectors.faiss", real_vectors.shape[1])
    with faiss_threads(2):
        for first in range(0, size, ADD_BATCH):
            stop = min(size, first + ADD_BATCH)
            vectors.add(list(range(first + 1, stop + 1)), scale_data.derived_vectors(real_vectors, first, stop))
    vectors.save()
    seconds = time.perf_counter() - start
    config = {"format": INDEX_FORMAT, "model": info["model"], "backend": info["backend"],
              "dimension": int(real_vectors.shape[1]), "fingerprint": info["fingerprint"]}
    (home / "config.json").write_text(json.dumps(config, indent=2))
    (home / "bench-vectors.json").write_text(json.dumps({"real": len(real_vectors)}))
    print(f"FAISS {home}: {size:,} vectors ({provenance(len(real_vectors), size)}) in {seconds:.1f} s "
          f"through VectorIndex.add, batches of {ADD_BATCH:,} ({vector_kind(vectors)}, "
          "the switch from exact to the graph included, on 2 threads)")


def provenance(real: int, size: int) -> str:
    if real >= size:
        return "all from the model"
    low, high = scale_data.BLEND
    return (f"{real:,} from the model, the other {size - real:,} each a model vector blended with another "
            f"({low:.0%}–{high:.0%} of it), re-normalised")


def vector_kind(vectors: VectorIndex) -> str:
    if vectors.graph:
        policy = vectors.policy
        return (f"HNSW-SQfp16, {policy.links} links, build breadth {policy.build_breadth}, "
                f"search breadth {policy.search_breadth(len(vectors))}")
    return "exact IndexFlatIP"


def print_sizes(home: Path, size: int) -> None:
    for name in ("kb.sqlite", "vectors.faiss", "lexicon.npz", "accents.npz"):
        if not (home / name).exists():
            continue
        bytes_ = (home / name).stat().st_size
        print(f"  {name:14} {bytes_ / 2**20:9.1f} MiB  {bytes_ / size:7.0f} B/passage")
