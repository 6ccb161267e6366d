"""Hybrid search: lexical (BM25, kb.lexicon.current()) + dense (FAISS) + reference legs, fused, filtered.

A query typed without accents, or with some, is searched with them put back
by the index's own accent model (``kb.accents``): the accented column, the
phrase pairs and the embedding model all read the restored text, the folded
column still the typed one.

The result is a ``kb.retrieval.results.SearchResponse``: the CLI's ``--json``,
the API and the web page all show that same object.  Before fusing, the legs'
evidence decides whether anything answers at all (``kb.retrieval.refusal``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from itertools import islice

import numpy as np

from indexer.analyzer import tokens
from indexer.codes import type_by_name
from kb.access.levels import LEVELS
from kb.config import Weights
from kb.errors import InvalidQueryError
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.accents_sync import Reading
from kb.retrieval.answering import MAX_NAMED, answering_passages, leading_passages
from kb.retrieval.arrange import FRAME_WINDOW, arranged
from kb.retrieval.fusion import reciprocal_rank, weighted_sum
from kb.retrieval.intent import ABOUT, FOLLOWERS, QUESTION, following, intent
from kb.retrieval.lexicon import Phrase
from kb.retrieval.order import ORDERED, order_model, reordered
from kb.retrieval.query import Query, understand
from kb.retrieval.refusal import NO_NUMBER, Evidence, gather, judge, printed_unread
from kb.retrieval.results import DocumentGroup, DocumentRef, FacetValue, SearchHit, SearchResponse
from kb.retrieval.signing import ASKS_ITSELF
from kb.retrieval.validity import with_status
from kb.retrieval.vector_store import FilteredVectors
from kb.storage.backend import reading_replicas
from kb.storage.filters import DocumentFilters

__all__ = ["facet_counts", "fuse", "group_by_document", "legs", "narrowing", "passage_key", "read_query", "render",
           "search", "weights_for"]

OVERSAMPLE = (2, 10)  # with filters, a leg fetches this many times its candidates, then that many, and keeps those that pass
UNREAD_WINDOW = 30  # the first passages whose documents' headers may print a number named that kb could not read


def read_query(kb: KnowledgeBase, text: str, suggest: bool = False,
               typed: Query | None = None) -> tuple[Query, Reading]:
    """What is searched for ``text``: the query with its accents restored, if the accent model put any back.

    ``typed`` is ``understand(text)`` when the caller has it already.  A question in English is not
    Vietnamese to restore: in an index whose forms print English beside the Vietnamese, its words are
    the model's syllables too, and "Which day is" came back "Which đây is", accented, no longer English,
    its glossary lost.
    """
    typed = typed if typed is not None else understand(text)
    if typed.translation is not None:
        return typed, Reading(text, None)
    reading = kb.accents.read(text, suggest)
    return (typed.restored(reading.restored) if reading.restored != text else typed), reading


def legs(kb: KnowledgeBase, query: Query, filters: DocumentFilters | None,
         dense: Future[list[tuple[int, float]]] | None = None) -> dict[str, list[tuple[int, float]]]:
    """Each leg's hits, best first: syllables and syllable pairs (BM25), the model (FAISS), references.

    Every leg keeps only chunks of documents the filters (and the caller's
    level) keep, before its candidates are cut, so what is filtered out never
    shortens the list.  The dense leg runs on a thread of its own meanwhile:
    embedding the query (ONNX Runtime) and searching the graph (FAISS) leave
    Python's lock free, so on two cores they cost nothing while the lexical
    legs, which hold it, take longer (at 2,000,000 passages about 30 ms against 10).
    ``dense`` is the dense leg under way already (``_dense_begun``), if the search began it before the accents
    were checked.
    """
    weights = kb.settings.weights
    n = weights.candidates
    if dense is None:
        dense = _dense_beside(kb, query, filters)
    found = {"lexical": _lexical(kb, query.syllables(), n, filters)}
    if weights.phrase:
        found["phrase"] = _lexical(kb, query.pairs(), n, filters)
    reference = _reference(kb, query, filters)  # while the dense leg, nearly always the longest, runs on
    if dense is not None:
        found["dense"] = dense.result()
    found["reference"] = reference
    return found


def _reference(kb: KnowledgeBase, query: Query, filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """Passages that are or cite the documents the query names, strongest first.

    What the question asks of them (``kb.retrieval.intent``) reorders the leg:
    asking which documents carry one out lifts the citations that build on it
    above plain mentions; asking what one says puts its own leading passages
    (its scope, purpose, requirements) first, above the passages that cite it
    (its own appendices' forms among them); naming one and asking nothing puts
    its card before those (docs/ranking.md, "Stop 61").
    """
    asked = intent(query.folded) if query.keys else None
    cited = kb.store.chunks.citing(query.keys, query.full_keys, filters,
                                   following(query.folded) if asked == FOLLOWERS else (), query.years)
    named = kb.store.chunks.named_documents(query.keys, query.full_keys, filters, query.years)
    if asked == FOLLOWERS and cited:
        return _others_first(kb, cited, named)
    if not named or len(named) > MAX_NAMED or ASKS_ITSELF.search(query.folded):
        return cited
    chunks = answering_passages(kb, query, named, query.asked) or (leading_passages(kb, named) if asked == ABOUT else [])
    if not chunks and not QUESTION.search(query.folded):
        # Only named ("Báo cáo số 1150/BC-UBND"): its card, then what it is for, before the documents that cite it.
        cards = [row["id"] for document in named for row in kb.store.chunks.of_document(document) if row["kind"] == "card"]
        chunks = cards + leading_passages(kb, named)
    if not chunks:
        return cited
    top = max((score for _, score in cited), default=1.0)
    own = [(chunk, top * 2 - 0.01 * i) for i, chunk in enumerate(chunks)]
    mine = {chunk for chunk, _ in own}
    return sorted(own + [hit for hit in cited if hit[0] not in mine], key=lambda h: -h[1])


def _others_first(kb: KnowledgeBase, cited: list[tuple[int, float]], named: list[int]) -> list[tuple[int, float]]:
    """The citing passages of other documents above the named documents' own (their card, their header,
    the places where they repeat their own number): "which documents carry out X" asks for others than X.
    X's own passages stay in the leg, below the weakest citation of another document."""
    if not named:
        return cited
    owner = kb.store.chunks.documents_of([chunk for chunk, _ in cited])
    own = [hit for hit in cited if owner.get(hit[0]) in named]
    others = [hit for hit in cited if owner.get(hit[0]) not in named]
    if not own or not others:
        return cited
    floor = min(score for _, score in others)
    return others + [(chunk, floor - 0.1 - 0.001 * i) for i, (chunk, _) in enumerate(own)]


def _lexical(kb: KnowledgeBase, phrases: list[Phrase], n: int,
             filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """The ``n`` chunks with the best BM25 scores for these terms that the filters keep."""
    if not phrases:
        return []
    lexicon, column_weights = kb.lexicon.current(), {"accented": kb.settings.weights.accented_column, "folded": 1.0}
    return _passing(kb, lambda count, among=None: lexicon.top(phrases, column_weights, count, among), n, filters)


def _dense(kb: KnowledgeBase, query: Query, n: int, filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """The ``n`` nearest chunks the filters keep (in the vectors' own query when they can filter, as PostgreSQL can)."""
    vector = _query_vector(kb, query.dense_texts)
    index = kb.open_vectors()
    if isinstance(index, FilteredVectors):
        return index.search_filtered(vector, n, filters)
    return _passing(kb, lambda count, among=None: index.search(vector, count, among), n, filters)


def _query_vector(kb: KnowledgeBase, texts: tuple[str, ...]) -> np.ndarray:
    """One vector for what the model reads of the query (``Query.dense_texts``): the mean of each text's
    vector, of unit length again, so that the leg's scores stay cosines.  Its nearest passages are those
    nearest to all its texts together: for English, to the question and to its Vietnamese."""
    embedder = kb.open_embedder()
    if len(texts) == 1:
        return embedder.encode_query(texts[0])
    mean = embedder.encode_queries(texts).mean(axis=0)
    return mean / np.linalg.norm(mean)


def _dense_beside(kb: KnowledgeBase, query: Query, filters: DocumentFilters | None,
                  ) -> Future[list[tuple[int, float]]] | None:
    """The dense leg begun on a thread of its own, unless it weighs nothing for this query."""
    weights = kb.settings.weights
    if not weights.dense_weight(query.unaccented_vietnamese):
        return None
    return kb.beside(_dense, kb, query, weights.candidates, filters)


def _dense_begun(kb: KnowledgeBase, typed: Query, filters: DocumentFilters | None,
                 ) -> Future[list[tuple[int, float]]] | None:
    """The dense leg of a query as typed, begun on the second core while its accents are checked.

    A query typed with its accents, or in English, is nearly always searched as
    typed (100 of bench_scale's 107 accented office questions, every English one
    and every ALQAC statement), and until the legs start the second core is idle:
    the dense leg (its embedding alone about 10 ms of a search's 25) no longer waits
    for the restoration.
    One typed without accents is nearly always restored, so it is not begun.
    ``_matching`` keeps it only if the query searched is the one it read.
    """
    return None if typed.unaccented_vietnamese else _dense_beside(kb, typed, filters)


def _matching(early: Future[list[tuple[int, float]]] | None, typed: Query,
              query: Query) -> Future[list[tuple[int, float]]] | None:
    """``early`` if the model read what ``query`` searches (its accents left as typed), else ``None`` (given up)."""
    if early is None or query.dense_texts == typed.dense_texts:
        return early
    early.cancel()
    return None


def _passing(kb: KnowledgeBase, best: Callable[..., list[tuple[int, float]]], n: int,
             filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """The first ``n`` of a leg's ranking (``best(count, among=None)``) that are chunks the filters keep.

    With filters, the best 2 × ``n`` are fetched and checked by id, then if
    fewer than ``n`` of them pass, the best 10 × ``n``: the first ``n`` that
    pass are exactly the ``n`` best that pass, at the cost of lookups by
    primary key, where listing every chunk the filters keep would cost a
    scan of the corpus on every search.  Most filters hide little (an
    anonymous caller misses a few internal documents), and a lexical leg
    ranks its best 60 faster than its best 300.  Only a narrow filter (fewer
    than ``n`` of the 10 × ``n`` pass) falls back to that list.  Without
    filters the check still runs: the vector file and the lexicon trail
    SQLite by a moment while another thread or process writes, and a
    passage deleted since is not a hit.
    """
    for factor in OVERSAMPLE if filters else (1,):
        hits = best(n * factor)
        kept = kb.store.chunks.existing([i for i, _ in hits], filters)
        found = [h for h in hits if h[0] in kept]
        if len(found) >= n or len(hits) < n * factor or not filters:  # enough, every hit the leg has, or no filter
            return found[:n]
    assert filters is not None  # without filters the loop's one pass has returned
    return best(n, kb.store.chunks.filtered_ids(filters))[:n]


def narrowing(kb: KnowledgeBase, filters: DocumentFilters) -> DocumentFilters | None:
    """The filters if they can leave anything out, else ``None``: a caller below the top level
    searches unfiltered (and fast) when no document is above its level."""
    return filters if filters.by_metadata or kb.store.documents.hides_any(filters.access) else None


def fuse(found: dict[str, list[tuple[int, float]]], weights: Weights, unaccented: bool) -> list[tuple[int, float]]:
    """The legs fused by the configured method; the dense leg weighs less for Vietnamese typed without accents
    (that the accent model could not restore)."""
    per_leg = {"lexical": weights.lexical, "phrase": weights.phrase, "dense": weights.dense_weight(unaccented),
               "reference": weights.reference}
    if weights.method == "rrf":
        return reciprocal_rank(found, per_leg, k=weights.rrf_k)
    return weighted_sum(found, per_leg)


def weights_for(kb: KnowledgeBase, query: Query) -> Weights:
    """The fusion weights for ``query``: for a question in English, the lexical legs weigh their English weights
    (``Weights.english_lexical``, ``english_phrase``) times the share of its words they search, those the glossary
    read and the names the index holds.

    The rest of the question (words the glossary does not know: "mediation",
    "digitised") reaches the model alone.  A question half of whose words the
    legs cannot search is half answered by the few they can ("how many", "fee"),
    which every document holds; the model reads all of it.  Chosen on folds of
    the English sets (docs/ranking.md).
    """
    weights, translation = kb.settings.weights, query.translation
    if translation is None:
        return weights
    share = translation.searched(kb.lexicon.current().vocabulary)
    return replace(weights, lexical=weights.english_lexical * share, phrase=weights.english_phrase * share)


def _hit(rank: int, score: float, row: dict) -> SearchHit:
    """A result from a row of ``Chunks.hits`` (the document's columns are prefixed ``doc_``)."""
    document = DocumentRef.from_row({name.removeprefix("doc_"): value for name, value in row.items()
                                     if name.startswith("doc_")})
    return SearchHit(rank=rank, score=round(score, 4), chunk_id=row["id"], text=row["text"], section=row["section"],
                     issuer=row["issuer"] or document.issuer, kind=row["kind"], char_start=row["char_start"],
                     char_end=row["char_end"], page=row["page"], document=document)


def facet_counts(kb: KnowledgeBase, query: Query, found: dict[str, list[tuple[int, float]]],
                 filters: DocumentFilters, answered: bool) -> dict[str, list[FacetValue]]:
    """Types, issuers and years among the documents that answer ``query``, each counted under the other
    filters (``kb.storage.facets``): what choosing a value would leave of this search, not of the whole index.

    A document answers when one of its candidate passages holds enough of the
    query's informative syllables (the refusal's coverage, ``kb.retrieval.refusal``)
    or is or cites a document the query names; a leg's candidates alone would not
    do, since the model's nearest passages and a common syllable's postings reach
    every document of a small index.  Only when no passage holds enough (a question
    in English) do the model's nearest count.  ``found`` is what the legs found
    under ``filters``; with a metadata filter they run again without it, so the
    other values of a facet still count what they would find.  A query nothing
    answers, unfiltered, counts nothing.
    """
    if filters.by_metadata:
        found = legs(kb, query, narrowing(kb, DocumentFilters(access=filters.access)))
    elif not answered:
        return {"type": [], "issuer": [], "year": []}
    candidates = sorted({chunk for leg in ("lexical", "phrase") for chunk, _ in found.get(leg, [])})
    coverage = kb.lexicon.current().coverage([(word,) for word in tokens(query.folded)], candidates)
    chunks = [chunk for chunk, share in zip(candidates, coverage) if share >= kb.settings.refusal.coverage]
    chunks += [chunk for chunk, _ in found.get("reference", [])]
    documents = set(kb.store.chunks.documents_of(chunks or [chunk for chunk, _ in found.get("dense", [])]).values())
    return {facet: [FacetValue(value, count) for value, count in values]
            for facet, values in kb.store.facets.counts(filters, among=documents).items()}


@reading_replicas()  # a search only reads: replicas may answer it (kb.storage.pg_replicas)
def search(kb: KnowledgeBase, text: str, k: int = 10, filters: DocumentFilters | None = None, *,
           group: bool = False, suggest: bool = False, facets: bool = False) -> SearchResponse:
    """Answer a query with up to ``k`` passages, each with its document and issuing body;
    with ``group``, also those passages by document (``group_by_document``); with ``suggest``,
    the "Có phải bạn muốn tìm" line (typos mended), which costs more than the search itself;
    with ``facets``, the facet counts of this search (``facet_counts``)."""
    text = text.strip()
    if not text:
        raise InvalidQueryError("The query is empty.")
    kb.settings.limits.check_query(text)
    kb.settings.limits.check_k(k)
    filters = filters if filters is not None else DocumentFilters()
    typed = understand(text)
    narrowed = narrowing(kb, filters)
    early = _dense_begun(kb, typed, narrowed)
    query, reading = read_query(kb, text, suggest, typed)
    upto = kb.lexicon.current().last_chunk  # what the legs read, for the refusal to read the same (``gather``)
    found = legs(kb, query, narrowed, _matching(early, typed, query))
    restored = reading.restored if reading.restored != text else None
    # Filters that leave no passage at all are the answer's reason, not the index's lack of one.
    evidence = gather(kb, query, found, narrowed, upto) if any(found.values()) else None
    verdict = judge(evidence, kb.settings.refusal, filters.by_metadata) if evidence is not None else None
    fused = fuse(found, weights_for(kb, query), query.unaccented_vietnamese)
    unread = evidence is not None and verdict is not None and verdict.code == NO_NUMBER \
        and _unread_number_answers(kb, query, fused, evidence, narrowed)
    verdict = None if unread else verdict
    counts = facet_counts(kb, query, found, filters, verdict is None and any(found.values())) if facets else None
    if verdict:
        return SearchResponse(query=text, results=[], restored=restored, suggestion=reading.suggestion,
                              refused=verdict.code, reason=verdict.reason, missing=list(verdict.numbers), facets=counts)
    fused = arranged(kb, fused, query, kb.settings.weights.frame, kb.store.chunks.hits, narrowed, k * FRAME_WINDOW)
    results = render(kb, fused, max(k, ORDERED), filters.access)
    if kb.settings.weights.learned_order:
        results = reordered(kb, query, typed, found, results, order_model())
    results = results[:k]
    return SearchResponse(query=text, results=results, restored=restored, suggestion=reading.suggestion,
                          missing=list(query.numbers) if unread else [],
                          groups=group_by_document(results) if group else None, facets=counts)


def _unread_number_answers(kb: KnowledgeBase, query: Query, fused: list[tuple[int, float]], evidence: Evidence,
                           filters: DocumentFilters | None) -> bool:
    """Whether a query naming a number no document is or cites may still be answered by a document whose own
    number could not be read, when the rest of the query passes the evidence rule: the best passage is of a document
    with no number, of the kind named or of none read; or the header of such a document among the first passages
    prints the number's digits on its number line (``printed_unread``).  A scan's seal over its number ("Số:
    3€/TB-UBND") must not turn "Thông báo số 36/TB-UBND Khao Mang những điều cấm …" away, nor a letter's "Số:
    194/€V-CAX" "cv 194 cax nghi xuân số điện thoại báo tin lừa đảo"; the response still says the number is
    missing."""
    if judge(replace(evidence, numbers=()), kb.settings.refusal) is not None:
        return False
    best = kb.store.chunks.hits([fused[0][0]]).get(fused[0][0]) if fused else None
    named = {key.split(":")[0] for key in query.keys}
    kind = type_by_name(best["doc_doc_type"]) if best is not None and best["doc_doc_type"] else None
    if best is not None and not best["doc_number"] and (kind is None or kind.code in named):
        return True
    return printed_unread(kb, query.numbers, [chunk for chunk, _ in fused[:UNREAD_WINDOW]], filters) > 0


def passage_key(hashed: str, number: str | None, title: str | None) -> tuple[str | None, str | None, str]:
    """What makes two passages the same for a reader: their words, folded (case, accents, punctuation
    aside; ``hashed`` is ``indexer.analyzer.folded_hash`` of the text, stored with each chunk), in
    documents of the same number and title (copies of one document)."""
    return number, title, hashed


def group_by_document(results: list[SearchHit]) -> list[DocumentGroup]:
    """The results by document, best document first, each one's passages best first under it.

    A person reads a document's answer in one place rather than the same
    title several times down the list; the ranking itself is unchanged.
    """
    groups: dict[int, DocumentGroup] = {}
    for hit in results:
        if hit.document.id not in groups:
            groups[hit.document.id] = DocumentGroup(hit.document, hit.rank, [])
        groups[hit.document.id].results.append(hit)
    return list(groups.values())


def render(kb: KnowledgeBase, ranked: list[tuple[int, float]], k: int, access: str = LEVELS[-1]) -> list[SearchHit]:
    """The first ``k`` of ranked chunk ids as results; the evaluation's BM25 baseline shows its hits the same way.

    ``access`` is checked again here, so no ranking can show what its caller
    may not see.  A passage already shown from a document of the same number
    and title is left out (``passage_key``): copies of one document kept apart
    (indexed at two access levels, a copy whose legacy encoding lost some tone
    marks) hold the same passages, and the first, best ranked, is enough.  The
    same words in two different documents (the legal basis ten notices open
    with) are each shown: each answers for its own document.  Each hit's
    document carries its status, so a passage of a replaced document is flagged.
    """
    shown = islice(_distinct(kb, ranked, k * 2, access), k)
    hits = [_hit(rank, score, row) for rank, (score, row) in enumerate(shown, 1)]
    documents = {d.id: d for d in with_status(kb, list({hit.document.id: hit.document for hit in hits}.values()), access)}
    return [replace(hit, document=documents[hit.document.id]) for hit in hits]


def _distinct(kb: KnowledgeBase, ranked: list[tuple[int, float]], window: int, access: str) -> Iterator[tuple[float, dict]]:
    """The visible chunks' rows in rank order, each passage's words once, read ``window`` ids at a time (most need one)."""
    seen: set[tuple[str | None, str | None, str]] = set()
    for start in range(0, len(ranked), window):
        part = ranked[start : start + window]
        hits = kb.store.chunks.hits([chunk_id for chunk_id, _ in part], access)
        for chunk_id, score in part:
            row = hits.get(chunk_id)
            if row is not None and (key := passage_key(row["folded_hash"], row["doc_number"], row["doc_title"])) not in seen:
                seen.add(key)
                yield score, row
