"""The documents table: a document's metadata, its whole text, and the documents it cites and that cite it.

A document and its chunks are written together (``kb.knowledge_base`` wraps
them in one transaction with the removal of the file's previous version), so
a reader sees either version whole, never a mix.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from indexer.analyzer import normalize, words_hash
from indexer.codes import keys_sharing_numbers, type_by_name
from indexer.local_issuers import local_issuer_key
from indexer.model import ParsedDocument
from indexer.references import extract_references
from indexer.relations import KINDS
from kb.access.levels import LEVELS, check_level, visible_levels
from kb.errors import NotFoundError
from kb.storage.backend import reading_at
from kb.storage.chunks import insert_chunks
from kb.storage.citations import RESOLVED, SELF, UNRESOLVED, Candidate, Cited, Resolution, resolve
from kb.storage.database import Database, marks, now
from kb.storage.filters import DocumentFilters, listing_where
from kb.storage.schema import DOCUMENT_FIELDS
from kb.storage.sources import FILE, SourceFile, Sources

__all__ = ["Documents"]


class Documents:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.sources = Sources(db)

    # -- writes: run them inside ``Database.transaction()`` -------------------------------
    def add(self, parsed: ParsedDocument, *, path: str, source: str, content_hash: str,
            access: str = LEVELS[0]) -> tuple[int, list[int]]:
        """Insert a document, its text, its chunks and its file's row; return its id and its chunk ids in order."""
        row = dict(asdict(parsed.meta))
        row.update(
            path=path, source=source, content_hash=content_hash, format=parsed.source.format,
            encoding=parsed.source.encoding, garbled_chars=parsed.garbled_chars, indexed_at=now(),
            access=check_level(access),
        )
        doc_id = self.db.insert("documents", row)
        self.db.insert("document_texts", {"document_id": doc_id, "text": parsed.source.text})
        self.sources.record(doc_id, SourceFile(path, source, content_hash, words_hash(parsed.source.text),
                                               parsed.source.format, parsed.source.encoding), FILE)
        return doc_id, insert_chunks(self.db, doc_id, parsed.chunks)

    def delete(self, doc_id: int) -> list[int]:
        """Delete a document with its chunks; return the chunk ids whose vectors must go too."""
        chunk_ids = self.chunk_ids(doc_id)
        self.db.execute("DELETE FROM chunks WHERE document_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        return chunk_ids

    def move(self, source_id: int, target_id: int) -> list[int]:
        """Give document ``source_id`` the id ``target_id``, in place of the document that had it.

        A replaced file keeps its document's id, so links to it stay valid.
        Returns the old version's chunk ids, whose vectors must go.
        """
        old_chunks = self.delete(target_id)
        self.db.execute("PRAGMA defer_foreign_keys = ON")  # the chunks follow their document within the transaction
        # The text moves by a delete and an insert: on PostgreSQL row-level security shows a text only beside its
        # document's row, and an update would need it visible under both ids at once.
        text = self.db.execute("SELECT text FROM document_texts WHERE document_id = ?", [source_id]).fetchone()
        self.db.execute("DELETE FROM document_texts WHERE document_id = ?", [source_id])
        for table, column in (("documents", "id"), ("chunks", "document_id"), ("document_sources", "document_id")):
            self.db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [target_id, source_id])
        if text is not None:
            self.db.insert("document_texts", {"document_id": target_id, "text": text[0]})
        return old_chunks

    def set_access(self, doc_id: int, access: str) -> bool:
        """Give an indexed document another level (its folder's ``kb.toml`` changed); whether it changed."""
        with self.db.transaction():
            cursor = self.db.execute("UPDATE documents SET access = ? WHERE id = ? AND access != ?",
                                     [check_level(access), doc_id, access])
        return cursor.rowcount > 0

    # -- reads ----------------------------------------------------------------------------
    def with_identity(self, doc_type: str, number: str, organ: str, date: str, access: str) -> list[int]:
        """Documents of level ``access`` with this type, number, organ and date, oldest first (``kb.copies``)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM documents WHERE number = ? AND doc_type = ? AND COALESCE(NULLIF(issuer_parent, ''), issuer) = ? "
            "AND date = ? AND access = ? ORDER BY id", [number, doc_type, organ, date, access])]

    def chunk_ids(self, doc_id: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE document_id = ? ORDER BY id", [doc_id])]

    def get(self, doc_id: int, access: str = LEVELS[-1]) -> dict[str, Any]:
        """One document's metadata; a document above ``access`` is as unknown as a missing id."""
        where, params = DocumentFilters(access=access).where()
        rows = self.db.rows(f"SELECT {', '.join(DOCUMENT_FIELDS)}, format, encoding, garbled_chars, indexed_at "
                            f"FROM documents WHERE id = ? AND {where}", [doc_id, *params])
        if not rows:
            raise NotFoundError(f"No document with id {doc_id}")
        return rows[0]

    def path_of(self, doc_id: int) -> str | None:
        """The file a document was read from (absolute), or ``None`` if there is no such document."""
        row = self.db.execute("SELECT path FROM documents WHERE id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def text_of(self, doc_id: int, access: str = LEVELS[-1]) -> str:
        where, params = DocumentFilters(access=access).where()
        row = self.db.execute(f"SELECT t.text FROM document_texts t JOIN documents ON documents.id = t.document_id "
                              f"WHERE t.document_id = ? AND {where}", [doc_id, *params]).fetchone()
        if row is None:
            raise NotFoundError(f"No document with id {doc_id}")
        return str(row[0])

    def listing(self, filters: DocumentFilters | None = None, *, text: str | None = None,
             limit: int = -1, offset: int = 0) -> list[dict[str, Any]]:
        """Documents the filters keep, newest first (undated last); ``limit`` -1 for all of them.

        ``text`` is part of the title or the number, matched with or without accents.
        """
        where, params = listing_where(filters, text)
        return self.db.rows(
            f"SELECT {', '.join(DOCUMENT_FIELDS)}, "
            "(SELECT count(*) FROM chunks WHERE chunks.document_id = documents.id AND kind = 'body') AS chunks "
            f"FROM documents WHERE {where} ORDER BY date DESC, id LIMIT ? OFFSET ?", [*params, limit, offset])

    def count(self, filters: DocumentFilters | None = None, *, text: str | None = None) -> int:
        """How many documents ``listing()`` would give without a limit: a page's total."""
        where, params = listing_where(filters, text)
        return int(self.db.execute(f"SELECT count(*) FROM documents WHERE {where}", params).fetchone()[0])

    def types(self, access: str = LEVELS[-1]) -> list[str]:
        """The document types of the documents a caller at ``access`` sees, each spelling once, most common first."""
        where, params = DocumentFilters(access=access).where()
        return [r[0] for r in self.db.execute(
            f"SELECT doc_type FROM documents WHERE {where} AND coalesce(doc_type, '') != '' "
            "GROUP BY doc_type ORDER BY count(*) DESC, doc_type", params)]

    def subjects(self, doc_types: tuple[str, ...], filters: DocumentFilters | None = None) -> list[tuple[int, str]]:
        """``(id, subject)`` of the documents of these types the filters keep: how a law is named without its number."""
        where, params = (filters or DocumentFilters()).where()
        return [(r[0], r[1]) for r in self.db.execute(
            f"SELECT id, subject FROM documents WHERE doc_type IN ({marks(doc_types)}) "
            f"AND coalesce(subject, '') != '' AND {where} ORDER BY id", [*doc_types, *params])]

    def hides_any(self, access: str) -> bool:
        """Whether any document is above ``access``: if none is, a search at that level needs no filter."""
        hidden = [level for level in LEVELS if level not in visible_levels(access)]
        # "IN (the levels above)" rather than "NOT IN (those below)": only the former can use documents_access.
        # Asked of every level, whoever's request plans the search: held to the caller's, it would always say no.
        with reading_at(LEVELS[-1]):
            return bool(hidden) and self.db.execute(
                f"SELECT EXISTS (SELECT 1 FROM documents WHERE access IN ({marks(hidden)}))", hidden).fetchone()[0] == 1

    # -- citations: both directions through kb.storage.citations.resolve, so they agree ------------
    def references_of(self, doc_id: int, access: str = LEVELS[-1]) -> list[dict[str, Any]]:
        """What this document cites, each citation once, with how it was printed first and what it names.

        ``status`` is ``resolved`` (``document_id`` is the cited document,
        ``candidates`` it and its copies), ``ambiguous`` (``candidates``: the
        documents it may name) or ``unresolved``; mentions of its own number
        are left out.  Only documents visible at ``access`` are candidates.
        """
        cited = self.db.rows(
            "SELECT r.key, r.full_key, r.year, r.date, r.issuer_name, min(r.printed) AS printed, count(*) AS mentions "
            "FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id WHERE c.document_id = ? AND r.is_self = 0 "
            "GROUP BY r.key, r.full_key, r.year, r.date, r.issuer_name ORDER BY min(c.ordinal), r.full_key", [doc_id])
        candidates = self._numbers("r.key", keys_sharing_numbers({row["key"] for row in cited}), access)
        citing = self._own(doc_id)
        relations = self._relations(doc_id)
        references = []
        for row in cited:
            group = (row["full_key"], row["year"], row["date"], row["issuer_name"])
            cited_as = Cited.from_keys(row["key"], row["full_key"], row["year"], row["date"],
                                       row.pop("issuer_name"))
            found = resolve(cited_as, candidates, doc_id, citing)
            if found.status != SELF:
                row.update(status=found.status, candidates=list(found.documents),
                           document_id=found.documents[0] if found.status == RESOLVED else None,
                           relations=relations.get(group, []))
                row["kinds"] = [kind for kind in KINDS if any(r["kind"] == kind for r in row["relations"])]
                references.append(row)
        return references

    def _relations(self, doc_id: int) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        """Each citation of the document, by the fields ``references_of`` groups them by, in reading order:
        its kind, the passage it stands in and its sentence there (the whole passage if none was kept)."""
        rows = self.db.execute(
            "SELECT r.full_key, r.year, r.date, r.issuer_name, r.kind, c.id, c.text, r.sentence_start, "
            "r.sentence_end FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            "WHERE c.document_id = ? AND r.is_self = 0 ORDER BY c.ordinal, r.sentence_start, r.rowid", [doc_id])
        found: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for *group, kind, chunk_id, text, start, end in rows.fetchall():
            start, end = (0, len(text)) if start is None or end is None else (start, end)
            found.setdefault(tuple(group), []).append(
                {"kind": kind, "chunk_id": chunk_id, "sentence": text[start:end], "sentence_start": start,
                 "sentence_end": end})
        return found

    def citing(self, doc_id: int, access: str = LEVELS[-1], kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Other visible documents with a citation that names this one (``references_of`` read backwards);
        with ``kinds``, only citations of those kinds (``kb.storage.status``: what replaces it)."""
        own = self._own(doc_id)
        if own is None:
            return []
        own_keys = keys_sharing_numbers([own.own.key])
        where, params = DocumentFilters(access=access).where("d")
        if kinds:
            where, params = f"{where} AND r.kind IN ({marks(kinds)})", [*params, *kinds]
        cited = self.db.execute(
            "SELECT DISTINCT c.document_id, r.key, r.full_key, r.year, r.date, r.issuer_name FROM chunk_refs r "
            "JOIN chunks c ON c.id = r.chunk_id JOIN documents d ON d.id = c.document_id "
            f"WHERE r.is_self = 0 AND r.key IN ({marks(own_keys)}) AND d.id != ? AND {where}",
            [*own_keys, doc_id, *params]).fetchall()
        candidates = self._numbers("r.key", own_keys, access)
        owners = {c.doc_id: c for c in self._numbers("c.document_id", sorted({row[0] for row in cited}))}
        citers = sorted({citer for citer, *keys in cited
                         if doc_id in _named(resolve(Cited.from_keys(*keys), candidates, citer, owners.get(citer)))})
        return self.db.rows(f"SELECT id, title, doc_type, number, date FROM documents WHERE id IN ({marks(citers)}) "
                            "ORDER BY date, id", citers)

    def cited_by_its_date(self, doc_id: int, access: str = LEVELS[-1]) -> tuple[str, str, set[int]] | None:
        """The number other documents cite this one by, when they cite none of its kind by the number it was read
        with: citations of a document of its kind dated its date (and of its issuer's code, if its number as read
        has one) that name no document in the index, all of one number (its key, full key, and the documents citing
        it).  A seal over a scan's number may take a digit ("2-TB/ĐU" for 542-TB/ĐU): its citers still print it
        whole, with the date ("Thông báo kết luận số 542-TB/ĐU ngày 08/10/2025")."""
        row = self.db.execute("SELECT doc_type, date FROM documents WHERE id = ?", [doc_id]).fetchone()
        kind = type_by_name(row[0]) if row is not None and row[0] else None
        if kind is None or not kind.code or not row[1]:
            return None
        where, params = DocumentFilters(access=access).where("d")
        cited = self.db.execute(
            "SELECT DISTINCT c.document_id, r.key, r.full_key FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            "JOIN documents d ON d.id = c.document_id WHERE r.is_self = 0 AND r.date = ? AND r.key LIKE ? "
            f"AND d.id != ? AND {where}", [row[1], f"{kind.code}:%", doc_id, *params]).fetchall()
        if not cited:
            return None
        named = {candidate.own.key for candidate in self._numbers("r.key", sorted({key for _, key, _ in cited}))}
        own = self._own(doc_id)  # the number as read: its issuer's code, if it has one, is the citation's
        issuer = own.own.issuer if own is not None else None
        unnamed = [(citer, key, full_key) for citer, key, full_key in cited if key not in named
                   and issuer in (None, Cited.from_keys(key, full_key, None).issuer)]
        if len({key for _, key, _ in unnamed}) != 1:
            return None
        return unnamed[0][1], unnamed[0][2], {citer for citer, _, _ in unnamed}

    def named(self, printed: str, access: str = LEVELS[-1]) -> Resolution:
        """The visible documents a number as typed names ("05-CT/TW", "Chỉ thị 05"), as a citation of it would
        (``kb.storage.citations.resolve``): one document and its copies, the candidates, or none."""
        refs = extract_references(normalize(printed))
        if not refs:
            return Resolution(UNRESOLVED)
        ref = refs[0]
        cited = Cited.from_keys(ref.key, ref.full_key, ref.year, ref.date, ref.issuer_name)
        return resolve(cited, self._numbers("r.key", keys_sharing_numbers([ref.key]), access), 0)

    def labels(self, ids: list[int], access: str = LEVELS[-1]) -> list[dict[str, Any]]:
        """Number, issuer, date, title and subject of the visible documents among ``ids``: the candidates of a
        citation."""
        where, params = DocumentFilters(access=access).where()
        return self.db.rows(f"SELECT id, title, doc_type, number, issuer, date, source, access, subject FROM documents "
                            f"WHERE id IN ({marks(ids)}) AND {where} ORDER BY date, id", [*ids, *params])

    def resolve_printed(self, cited: list[Cited], own: Candidate | None = None,
                        access: str = LEVELS[-1]) -> list[Resolution]:
        """What each citation of a text outside the index (a draft) names among the visible documents, by the
        rules ``references_of`` follows; ``own`` is the text's own number (with ``doc_id`` 0), if it has one."""
        candidates = self._numbers("r.key", keys_sharing_numbers({c.key for c in cited}), access)
        return [resolve(c, candidates, 0, own) for c in cited]

    def _own(self, doc_id: int) -> Candidate | None:
        """A document's own number, as a candidate."""
        return next(iter(self._numbers("c.document_id", [doc_id])), None)

    def _numbers(self, column: str, values: list[Any], access: str = LEVELS[-1]) -> list[Candidate]:
        """The own numbers of the visible documents whose ``column`` (``r.key``, ``c.document_id``) is in ``values``."""
        where, params = DocumentFilters(access=access).where("d")
        rows = self.db.execute(
            "SELECT c.document_id, r.key, r.full_key, r.year, d.date, d.issuer FROM chunk_refs r "
            "JOIN chunks c ON c.id = r.chunk_id JOIN documents d ON d.id = c.document_id "
            f"WHERE r.is_self = 1 AND {column} IN ({marks(values)}) AND {where}", [*values, *params]).fetchall()
        return [Candidate(doc_id, Cited.from_keys(key, full_key, year, issuer_name=local_issuer_key(issuer)), date)
                for doc_id, key, full_key, year, date, issuer in rows]


def _named(found: Resolution) -> tuple[int, ...]:
    """The documents a citation names: none unless it resolved."""
    return found.documents if found.status == RESOLVED else ()
