"""The chunks table: passages with their heading path, issuer and offsets, and the citations they carry.

What the lexical leg ranks and the vector file embeds is each chunk's
*matching text* (its heading path, then the passage: a passage that begins
without its heading otherwise loses to the preamble), in the two forms the
analyzer gives (``indexer.analyzer``).  The lexicon catches up from here:
chunks above the last id it saw, and the deletions logged since.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import product
from typing import Any

from indexer.analyzer import columns, folded_hash, matching_text, text_hash
from indexer.model import Chunk
from indexer.parse import FRAME_SECTIONS
from kb.access.levels import LEVELS
from kb.storage.database import Database, marks
from kb.storage.filters import DocumentFilters
from kb.storage.schema import DOCUMENT_FIELDS

__all__ = ["Chunks", "insert_chunks"]

MAX_DD = 3  # of the D's of an issuer code typed in a query, how many may stand for an Đ (2³ spellings at most)


def insert_chunks(db: Database, doc_id: int, chunks: list[Chunk]) -> list[int]:
    """Insert a document's chunks (and their citations) in order; their ids."""
    return [_insert_chunk(db, doc_id, ordinal, chunk) for ordinal, chunk in enumerate(chunks)]


def _insert_chunk(db: Database, doc_id: int, ordinal: int, chunk: Chunk) -> int:
    text_for_matching = matching_text(chunk.section, chunk.text)
    accented, folded = columns(text_for_matching)
    chunk_id = db.insert("chunks", {
        "document_id": doc_id, "ordinal": ordinal, "kind": chunk.kind, "section": chunk.section,
        "text": chunk.text, "issuer": chunk.issuer, "char_start": chunk.char_start,
        "char_end": chunk.char_end, "page": chunk.page, "text_hash": text_hash(text_for_matching),
        "accented": accented, "folded": folded, "folded_hash": folded_hash(chunk.text),
    })
    refs = [
        {"chunk_id": chunk_id, "key": r.key, "full_key": r.full_key, "printed": r.text,
         "is_self": int(chunk.kind == "card"), "year": r.issued_year,
         "date": r.date, "issuer_name": r.issuer_name, "kind": r.kind,
         # a card's own number is read from the number, not from its text: it has no sentence there
         "sentence_start": r.sentence_start if chunk.kind != "card" else None,
         "sentence_end": r.sentence_end if chunk.kind != "card" else None}
        for r in chunk.references
    ]
    if refs:
        db.insert_all("chunk_refs", refs)
    return chunk_id


class Chunks:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- for a search: check candidates, render hits ------------------------------------------
    def existing(self, ids: list[int], filters: DocumentFilters | None = None) -> set[int]:
        """Those of ``ids`` that are chunks in the database now (of documents ``filters`` keep).

        Looked up by primary key, so a search checks its few candidates instead
        of listing every chunk the filters keep.
        """
        if not filters:
            return {r[0] for r in self.db.execute(f"SELECT id FROM chunks WHERE id IN ({marks(ids)})", ids)}
        where, params = filters.where("d", "c")
        return {r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks(ids)}) "
            f"AND {where}", [*ids, *params])}

    def documents_of(self, ids: list[int]) -> dict[int, int]:
        """Each of these chunks' document: a search that asks which documents cite one sets the one apart."""
        return {r[0]: r[1] for r in self.db.execute(
            f"SELECT id, document_id FROM chunks WHERE id IN ({marks(ids)})", ids)}

    def filtered_ids(self, filters: DocumentFilters) -> set[int]:
        """Every chunk the filters keep: a narrow filter's candidates."""
        where, params = filters.where("d", "c")
        return {r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE {where}", params)}

    def hits(self, ids: list[int], access: str = LEVELS[-1]) -> dict[int, dict[str, Any]]:
        """Visible chunks with their documents (columns ``doc_<field>``), for rendering results; ``folded_hash``
        tells the same passage in copies of one document apart from the rest, and ``folded`` (heading path and
        text) is what the rules after fusion read a passage's words in, folded once when it was indexed."""
        doc_cols = ", ".join(f"d.{f} AS doc_{f}" for f in DOCUMENT_FIELDS)
        where, params = DocumentFilters(access=access).where("d")
        rows = self.db.rows(
            f"SELECT c.id, c.kind, c.section, c.text, c.issuer, c.char_start, c.char_end, c.page, c.folded_hash, c.folded, "
            f"{doc_cols} "
            f"FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks(ids)}) AND {where}",
            [*ids, *params])
        return {r["id"]: r for r in rows}

    def of_document(self, doc_id: int, access: str = LEVELS[-1]) -> list[dict[str, Any]]:
        where, params = DocumentFilters(access=access).where()
        return self.db.rows("SELECT c.id, c.ordinal, c.kind, c.section, c.text, c.issuer, c.char_start, c.char_end, "
                            "c.page FROM chunks c JOIN documents ON documents.id = c.document_id "
                            f"WHERE c.document_id = ? AND {where} ORDER BY c.ordinal", [doc_id, *params])

    def citing(self, keys: list[str], full_keys: list[str], filters: DocumentFilters | None = None,
               following: tuple[str, ...] = (), years: tuple[tuple[str, str], ...] = ()) -> list[tuple[int, float]]:
        """Chunks the filters keep that cite (or, for cards, are) the named documents: the reference leg.

        A query that names the issuer (``05-CT/TW``) accepts citations with that
        issuer or none, not another issuer's ``05-CT/TU``.  An exact issuer match,
        being the document itself (its card), and sitting in a section that cites
        the document again and again (an article about it) score higher; so does
        a citation of one of the ``following`` kinds (a question asking which
        documents are based on or implement the one it names).  ``years``: ``(key, year)`` of the numbers
        the query prints with their year (``_citations_of``).
        """
        named = _citations_of(keys, full_keys, years)
        if named is None:
            return []
        condition, params, exact = named
        where, filter_params = (filters or DocumentFilters()).where("d", "c")
        rows = self.db.execute(
            # The citations in the same section are counted by a window, in one pass over the matches
            # (a correlated count per match grows with the square of a much-cited document's citations).
            "WITH matched AS (SELECT r.chunk_id, r.full_key, r.is_self, r.kind, "
            "count(*) OVER (PARTITION BY c.document_id, c.section) AS in_section "
            "FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id JOIN documents d ON d.id = c.document_id "
            f"WHERE {condition} AND {where}) "
            f"SELECT chunk_id, 0.8 + 0.2 * max(CASE WHEN full_key IN ({marks(exact)}) THEN 1 ELSE 0 END) "
            "+ 0.2 * max(is_self) + 0.05 * (CASE WHEN max(in_section) > 5 THEN 4 ELSE max(in_section) - 1 END) "
            f"+ 0.1 * max(CASE WHEN kind IN ({marks(following)}) THEN 1 ELSE 0 END) "
            "FROM matched GROUP BY chunk_id",
            [*params, *filter_params, *exact, *following])
        return sorted(((r[0], r[1]) for r in rows), key=lambda h: (-h[1], h[0]))

    def named_documents(self, keys: list[str], full_keys: list[str], filters: DocumentFilters | None = None,
                        years: tuple[tuple[str, str], ...] = ()) -> list[int]:
        """The documents the filters keep whose own number (their card's) is one the query names."""
        named = _citations_of(keys, full_keys, years)
        if named is None:
            return []
        condition, params, _ = named
        where, filter_params = (filters or DocumentFilters()).where("d", "c")
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT c.document_id FROM chunk_refs r JOIN chunks c ON c.id = r.chunk_id "
            f"JOIN documents d ON d.id = c.document_id WHERE r.is_self = 1 AND {condition} AND {where} "
            "ORDER BY c.document_id", [*params, *filter_params])]

    def frames(self, doc_ids: list[int], filters: DocumentFilters | None = None) -> list[int]:
        """The cards, headers and closings (``indexer.parse.FRAME_SECTIONS``) of these documents that the filters
        keep: what a document prints about itself, its number, date, organ and signer."""
        names = list(FRAME_SECTIONS.values())
        where, params = (filters or DocumentFilters()).where("d", "c")
        return [r[0] for r in self.db.execute(
            f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id "
            f"WHERE c.document_id IN ({marks(doc_ids)}) AND (c.kind = 'card' OR c.section IN ({marks(names)}) "
            f"OR {' OR '.join(['c.section LIKE ?'] * len(names))}) AND {where} ORDER BY c.document_id, c.ordinal",
            [*doc_ids, *names, *(f"% › {name}" for name in names), *params])]

    def bodies(self, doc_ids: list[int], limit: int) -> list[tuple[int, int, str]]:
        """``(id, document, folded text)`` of the first ``limit`` body passages of each document, in reading order."""
        return [tuple(r) for r in self.db.execute(
            "SELECT id, document_id, folded FROM (SELECT id, document_id, ordinal, folded, row_number() OVER "
            "(PARTITION BY document_id ORDER BY ordinal) AS n FROM chunks "
            f"WHERE document_id IN ({marks(doc_ids)}) AND kind = 'body') WHERE n <= ? ORDER BY document_id, ordinal",
            [*doc_ids, limit])]

    def bodies_holding(self, doc_ids: list[int], folded: str) -> list[tuple[int, int, str]]:
        """``(id, document, folded text)`` of each document's body passages whose folded text holds ``folded``,
        in reading order."""
        return [tuple(r) for r in self.db.execute(
            f"SELECT id, document_id, folded FROM chunks WHERE document_id IN ({marks(doc_ids)}) AND kind = 'body' "
            "AND folded LIKE ? ORDER BY document_id, ordinal", [*doc_ids, f"%{folded}%"])]

    # -- what the lexicon catches up from -------------------------------------------------------
    def lexicon_state(self) -> tuple[str, int, int]:
        """This database's id, the highest chunk id it ever gave and its last chunk deletion: what changed since a look.

        The highest id ever given (``Database.last_id``), not the highest present:
        deleting the newest chunks (a document removed, a copy folded into its
        twin) must not make a lexicon look as if it came from a later state.
        """
        database, last_chunk, last_deletion = self.db.execute(  # one statement: one state, read at once
            "SELECT coalesce((SELECT value FROM meta WHERE key = 'database_id'), ''), "
            f"coalesce({self.db.last_id('chunks')}, 0), "
            "coalesce((SELECT max(seq) FROM chunk_deletions), 0)").fetchone()
        return database, last_chunk, last_deletion

    def deleted(self, after: int, upto: int) -> list[int]:
        """Chunk ids deleted between two entries of the deletion log."""
        return [r[0] for r in self.db.execute(
            "SELECT chunk_id FROM chunk_deletions WHERE seq > ? AND seq <= ?", [after, upto])]

    def columns(self, after: int, upto: int, batch: int = 20_000) -> Iterator[list[tuple[int, str, str]]]:
        """``(id, accented, folded)`` of the chunks with ids in (after, upto], ascending, ``batch`` at a time."""
        while after < upto:
            rows = self.db.execute("SELECT id, accented, folded FROM chunks WHERE id > ? AND id <= ? ORDER BY id "
                                   "LIMIT ?", [after, upto, batch]).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    # -- what the vector file is checked against and embedded from ---------------------------------
    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def all_ids(self) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def by_text_hash(self, hashes: list[str]) -> dict[str, int]:
        """An existing chunk for each known hash: its vector can be reused instead of embedding again."""
        rows = self.db.execute(
            f"SELECT text_hash, max(id) FROM chunks WHERE text_hash IN ({marks(hashes)}) GROUP BY text_hash", hashes)
        return dict(rows.fetchall())

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """Matching text of the given chunks, for re-embedding."""
        ids = list(ids)
        rows = self.db.rows(f"SELECT id, section, text FROM chunks WHERE id IN ({marks(ids)})", ids)
        return {r["id"]: matching_text(r["section"], r["text"]) for r in rows}

    def with_titles(self) -> list[dict[str, Any]]:
        """Every body passage with its heading path and its document's title, in reading order: what adaptation learns from."""
        return self.db.rows("SELECT c.id, c.document_id, c.ordinal, c.section, c.text, d.title FROM chunks c "
                            "JOIN documents d ON d.id = c.document_id WHERE c.kind = 'body' "
                            "ORDER BY c.document_id, c.ordinal")

    def all_texts(self) -> list[tuple[int, str]]:
        """Every chunk's matching text, by id: the passages a baseline ranker is given to compare with kb."""
        rows = self.db.execute("SELECT id, section, text FROM chunks ORDER BY id")
        return [(r[0], matching_text(r[1], r[2])) for r in rows]


def _with_dd(full_key: str) -> list[str]:
    """A key as typed and, if its issuer code holds a D, as printed with each D an Đ: "KH:448:BCD35" typed on a
    keyboard without Đ is "KH:448:BCĐ35", "NQ:131:DU" is "NQ:131:ĐU" (at most ``MAX_DD`` D's are read so)."""
    head, _, issuer = full_key.rpartition(":")
    read_as_dd = [i for i, letter in enumerate(issuer) if letter == "D"][:MAX_DD]
    choices = [("D", "Đ") if i in read_as_dd else (letter,) for i, letter in enumerate(issuer)]
    return [f"{head}:{''.join(letters)}" for letters in product(*choices)]


def _citations_of(keys: list[str], full_keys: list[str],
                  years: tuple[tuple[str, str], ...] = ()) -> tuple[str, list[str], list[str]] | None:
    """The SQL condition on ``chunk_refs r`` for citations of the named documents, its parameters, and the
    keys that name an issuer exactly; ``None`` if the query names nothing.

    A number typed with its year (``55/2030/TT-BTC``) is that year's document: a citation that prints
    another year (``55/2023/TT-BTC``) is not it, one that prints none may be.
    """
    exact = [spelling for k in full_keys if k.count(":") == 2 for spelling in _with_dd(k)]
    bare = [k for k in keys if not any(n.startswith(k + ":") for n in exact)]
    accepted = exact + list(dict.fromkeys(n.rsplit(":", 1)[0] for n in exact))
    if not bare and not accepted:
        return None
    condition, params = f"(r.key IN ({marks(bare)}) OR r.full_key IN ({marks(accepted)}))", [*bare, *accepted]
    typed: dict[str, list[str]] = {}
    for key, year in years:
        typed.setdefault(key, []).append(year)
    for key, printed in typed.items():
        condition += f" AND NOT (r.key = ? AND r.year IS NOT NULL AND r.year NOT IN ({marks(printed)}))"
        params += [key, *printed]
    return condition, params, exact
