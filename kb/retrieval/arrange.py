"""The fused ranking in the order shown: rules that read what a question asks, each testable alone.

The legs score passages by the words and the meaning they share with a
question; what the question asks of them (a place or a kind it names, a count,
who signed a document or when, which documents carry one out, the law it names
in English) the legs cannot see.  Each rule reorders the first passages of the
fused ranking for one such reading, and ``arranged`` applies them in turn
(docs/ranking.md gives each rule's reason and the folds that chose its share).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from itertools import chain, takewhile

from indexer.analyzer import fold
from indexer.codes import doc_types
from indexer.parse import frame_part
from indexer.references import own_reference
from kb.access.levels import LEVELS
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.answering import MAX_NAMED, answering_passages
from kb.retrieval.frames import is_frame
from kb.retrieval.intent import (
    FOLLOWERS,
    QUESTION,
    TYPE_NAMES,
    asks_for_document,
    asks_when_in_force,
    counted,
    counted_in_english,
    followed_kind,
    following,
    intent,
    states_own_effect,
)
from kb.retrieval.query import Query
from kb.retrieval.signing import ASKS_ITSELF, SIGNED_OR_ISSUED, WHEN_SIGNED, WHO_SIGNED
from kb.retrieval.titles import LAW_TYPES, titled_laws
from kb.storage.chunks import Chunks
from kb.storage.filters import DocumentFilters

__all__ = ["FRAME_WINDOW", "answer_follows", "answers_within", "arranged", "asks_of_text", "cards_first",
           "counted_asked", "counts_first", "described_answer_first", "described_document", "effect_follows",
           "followers_first", "kinds_first", "placed_first", "text_first", "titled_first"]

FOLLOWED_DOCUMENTS = 2  # asked which documents carry out one it describes, the first one of these others cite
PLACE_DOCUMENTS = 6  # of the first documents ranked, those whose places a question may name (``_description``)
ANSWER_DOCUMENTS = 1  # the first document ranked gets the passage that answers within it lifted (docs/ranking.md)
EFFECT_DOCUMENTS = 2  # of the first documents ranked, this many get their clause on taking effect lifted
FRAME_DOCUMENTS = 2  # asked who signed or when, the first documents ranked bring their card, header and closing
FRAME_WINDOW = 4  # the frame rule reorders the first FRAME_WINDOW × k passages of the fused ranking
PLACE_SHARE = 0.6  # of the score of a passage whose document is of no place the question names (placed_first)
ENGLISH_PLACE_SHARE = 0.1  # the same for a question in English, whose place is most of what the lexical legs can read
COUNT_SHARE = 0.5  # of the score of a passage that prints no number of what the question counts (counts_first)
KIND_SHARE = 0.85  # of the score of a passage of another kind than the one a question opens with (kinds_first)
_KIND = re.compile(rf"\b({TYPE_NAMES})\b")  # a document's kind: a question opening with it names one ("chi thi cua …")
_WORD = re.compile(r"\w+")
# A level of government named with its marks, in any case: the centre's ("Bộ Chính trị", "Ban Bí thư", "Trung ương",
# "Thủ tướng", "Chính phủ", "Quốc hội"), a province's ("tỉnh", "Tỉnh ủy"; "Hà Tĩnh" is a name), a commune's ("xã",
# not "xã hội"; "phường", "thị trấn", "đặc khu").
_LEVELS = {level: re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE) for level, words in (
    ("centre", "bộ chính trị|ban bí thư|trung ương|thủ tướng|chính phủ|quốc hội"),
    ("province", "tỉnh"),
    ("commune", "xã(?! hội)|phường|thị trấn|đặc khu"))}

# A place-and-date line as printed: "Hưng Yên, ngày 26 tháng 9 năm 2025".
_PRINTED_DATE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")


def arranged(kb: KnowledgeBase, fused: list[tuple[int, float]], query: Query, frame_share: float,
             rows_among: Callable[[list[int]], dict[int, dict]], filters: DocumentFilters | None,
             window: int) -> list[tuple[int, float]]:
    """The fused ranking in the order shown: the rules that read what a question asks, among its first ``window``
    passages, one after the other (the documents of a place or a kind it names first, a document's frame below its
    text, its card first when asked who signed it, the law named in English first, the clause on taking effect and
    the passage that answers below their document's best).  ``bench/tune_fusion.py`` scores rankings through this too.

    The first rules read the rows of the same window (each reorders only within it): they are looked up
    once, and only an id outside it is asked for again."""
    window_ids = [chunk for chunk, _ in fused[:window]]
    looked_up, asked = rows_among(window_ids), set(window_ids)

    def rows_of(ids: list[int]) -> dict[int, dict]:
        others = [chunk for chunk in ids if chunk not in asked]
        return {chunk: looked_up[chunk] for chunk in ids if chunk in looked_up} | (rows_among(others) if others else {})

    fused = placed_first(fused, query, rows_of, window)
    fused = kinds_first(fused, query, rows_of, window)
    fused = counts_first(fused, query, rows_of, window)
    described = described_document(fused, query, rows_of)
    fused = text_first(fused, query, frame_share, rows_of, window)
    fused = cards_first(fused, query, rows_of, lambda documents: kb.store.chunks.frames(documents, filters), window)
    fused = titled_first(kb, fused, query, filters, window)
    fused = effect_follows(fused, query, kb.store.chunks, window)
    answers = answers_within(kb, query)
    fused = described_answer_first(answer_follows(kb, fused, query, window, answers), query, described, answers)
    return followers_first(kb, fused, query, filters)


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    """Folded, lower-case words between spaces, so that a place matches as whole words: " thua thien hue ".

    Kept: every search reads the places, issuers and titles of the documents it ranks first, the same ones
    again and again, and folding them anew cost more than a millisecond of each search."""
    return f" {' '.join(_WORD.findall(fold(text)))} "


def placed_first(fused: list[tuple[int, float]], query: Query,
                 rows_among: Callable[[list[int]], dict[int, dict]], window: int) -> list[tuple[int, float]]:
    """The fused ranking with the passages among the first ``window`` of documents of no place the question names
    at ``PLACE_SHARE`` of their score, when it names the place of one of those documents ("Ở xã Như Quỳnh, …",
    "What bonus does Hue give …") or the name its issuer ends with ("Trường … Ea Chà Rang"): its place of issue,
    or its issuer's or parent's name ("Tỉnh ủy Phú Thọ").  A document is of the place when its place, issuer,
    parent or title names it: a district's report on "lò nung than tại làng nghề Bát Tràng" is of Bát Tràng too.

    A question about a province's or a commune's document shares its subject words with every document on the
    subject: a department's letter on waste water above the commune's plan, a national law above Huế's decision.
    Asked in English, it shares with them only the glossary's few words ("Why were seven coal kilns in Bat Trang
    still not switched to gas?" reaches the lexical legs as "than", "lò nung", "chuyển đổi", "khí" and the place:
    words of every kiln document), and the place weighs more: ``ENGLISH_PLACE_SHARE``.  Not for which documents cite
    one: the place there is the cited document's ("Ben Tre's 2020 Directive"), and those citing it may be elsewhere.
    Both shares were chosen by folds of the tuning pool (docs/ranking.md, "A place the question names" and "Stop 50:
    a place named in English weighs more")."""
    if intent(query.folded) == FOLLOWERS:
        return fused
    head = fused[:window]
    rows = rows_among([chunk for chunk, _ in head])
    asked = _words(query.folded)
    named = set().union(*(_named_places(asked, row["doc_place"], row["doc_issuer"]) for row in rows.values()))
    if not named:
        return fused
    where = {row["doc_id"]: _whereabouts(row["doc_place"], row["doc_issuer"], row["doc_issuer_parent"], row["doc_title"])
             for row in rows.values()}
    of_place = {document for document, words in where.items() if any(place in words for place in named)}
    if len(of_place) == len(where):
        return fused
    share = ENGLISH_PLACE_SHARE if query.translation is not None else PLACE_SHARE
    return _scaled(fused, window, {chunk for chunk, row in rows.items() if row["doc_id"] not in of_place}, share)


def _named_places(asked: str, place: str | None, *issuers: str | None) -> set[str]:
    """Those of a document's places a question names (``asked``, its ``_words``): its place of issue, and the names
    its issuers end with (``_own_names``)."""
    names = (name for issuer in issuers for name in _own_names(issuer or ""))
    return {words for words in map(_words, filter(None, (place, *names))) if words in asked}


def _whereabouts(place: str | None, issuer: str | None, parent: str | None, title: str | None) -> str:
    """The words that make a document of a place the question names: its place, its issuer's and parent's names, its
    title ("lò nung than tại làng nghề Bát Tràng" is of Bát Tràng)."""
    return _words(" ".join(filter(None, (place, issuer, parent, title))))


def _own_names(issuer: str) -> list[str]:
    """The proper name an issuer ends with, two capitalised words or more, and its shorter endings: a school's, a
    station's, a commune's ("Trường PTDTBT Tiểu học và THCS Ea Chà Rang" → "Ea Chà Rang"), which a question may name
    where it names no place.  A name read with more capitals than printed ("Trường Cao đẳng Kỹ Thuật Công Nghiệp
    Phong Châu") is named by its last words ("Phong Châu technical college").  Empty if it ends with none."""
    run = list(takewhile(lambda word: word[:1].isupper() and not word.isupper(), reversed(issuer.split())))[::-1]
    return [" ".join(run[start:]) for start in range(len(run) - 1)]


def kinds_first(fused: list[tuple[int, float]], query: Query,
                rows_among: Callable[[list[int]], dict[int, dict]], window: int) -> list[tuple[int, float]]:
    """The fused ranking with the passages among the first ``window`` of documents of another kind than the one a
    question opens with ("Chỉ thị của Đảng ủy Khối Doanh nghiệp Nghệ An về đạo đức … ban hành ngày nào?"), or an
    English one asking who signed it or when names (``_asked_kind``), at ``KIND_SHARE`` of their score, when some of
    them are of that kind.

    Named by its kind and subject, not its number, a directive shares its subject with the conclusion that reviews
    it, the plan that carries it out and the bulletin that reports on it, which the legs ranked above it.  Not for
    which documents carry one out: those are of other kinds.  ``KIND_SHARE`` was chosen by folds of the tuning pool
    (docs/ranking.md, "A question that opens with a document's kind")."""
    kind = _asked_kind(query)
    if kind is None or query.keys or intent(query.folded) == FOLLOWERS:
        return fused
    rows = rows_among([chunk for chunk, _ in fused[:window]])
    other = {chunk for chunk, row in rows.items() if fold(row["doc_doc_type"] or "") != kind}
    if not other or len(other) == len(rows):
        return fused
    return _scaled(fused, window, other, KIND_SHARE)


def _asked_kind(query: Query) -> str | None:
    """The kind of document a question names it by: the kind it opens with, or, asked in English who signed one or
    when ("Who signed the warning decision against …"), the first kind its Vietnamese rendering names."""
    opening = _KIND.match(query.folded)
    if opening is not None:
        return opening.group(1)
    if query.translation is None or not SIGNED_OR_ISSUED.search(query.folded):
        return None
    named = _KIND.search(fold(query.translation.rendering))
    return named.group(1) if named else None


def counts_first(fused: list[tuple[int, float]], query: Query,
                 rows_among: Callable[[list[int]], dict[int, dict]], window: int) -> list[tuple[int, float]]:
    """The fused ranking with the passages among the first ``window`` that print no number of what the question
    counts (``intent.counted``: "bao nhiêu căn hộ", "mấy năm", "bao nhiêu tiền") at ``COUNT_SHARE`` of their score,
    when some of them print one.

    The passage that answers "how many" states a number of it ("Bố trí 620 căn hộ …"), and the legs rank above it
    the passages that share the subject's words without a figure: a conclusion's summary above the plan's target,
    a directive's aim above the table.  ``COUNT_SHARE`` was chosen by folds of the tuning pool (docs/ranking.md,
    "Asked how many, a passage with the number")."""
    pattern = counted_asked(query)
    if pattern is None:
        return fused
    head = fused[:window]
    rows = rows_among([chunk for chunk, _ in head])
    printing = {chunk for chunk, row in rows.items() if pattern.search(row["folded"])}
    if not printing or len(printing) == len(head):
        return fused
    return _scaled(fused, window, {chunk for chunk, _ in head if chunk not in printing}, COUNT_SHARE)


def counted_asked(query: Query) -> re.Pattern[str] | None:
    """What the question counts, as the pattern of its number printed in a folded passage (``intent.counted``)."""
    if query.translation is None:
        return counted(query.normalized.lower(), query.folded)
    return counted_in_english(query.folded)


def _scaled(fused: list[tuple[int, float]], window: int, lowered: set[int], share: float) -> list[tuple[int, float]]:
    """``fused`` with the ``lowered`` passages among its first ``window`` at ``share`` of their score, the window
    sorted again (equal scores keep their order) and the rest as it was: the rules that weigh a passage down."""
    head = fused[:window]
    rescored = [(chunk, score * share if chunk in lowered else score) for chunk, score in head]
    return sorted(rescored, key=lambda hit: -hit[1]) + fused[len(head):]


def asks_of_text(query: Query) -> bool:
    """Whether a question asks what documents say, rather than about one document itself: who signed it or
    when (``ASKS_ITSELF``), which documents carry one out or which document does something ("văn bản nào", "which
    law"). A query that is no question (a title typed to find the document, "Nghị quyết 08/2025/NQ-CP về
    casino") is not asking of the text either: the document's card answers all of those.  A question about
    a document named by number is ("KL 39 Huyện ủy Yên Thế trang trại gà phải cách nhà dân bao xa"): its card
    holds the number and the subject, not the distance (docs/ranking.md, "Named by number, asked of its text")."""
    folded = query.folded
    return bool(QUESTION.search(folded)) and not (ASKS_ITSELF.search(folded) or intent(folded) == FOLLOWERS
                                                   or asks_for_document(folded))


def text_first(fused: list[tuple[int, float]], query: Query, share: float,
               rows_among: Callable[[list[int]], dict[int, dict]], window: int) -> list[tuple[int, float]]:
    """The fused ranking with each document's frame (``is_frame``) among the first ``window`` ids at ``share`` of
    its score, when the question asks what documents say (``asks_of_text``); ``rows_among`` gives the rows
    (``Chunks.hits``) of the ids it is given.

    A card and a header hold the document's title and subject, so they match every question about it, and
    they took places among the first five from the passage that answers: "Hà Tĩnh công bố bao nhiêu thủ tục
    hành chính chứng thực được sửa đổi" had the decision's card first, its article with the count second.
    ``share`` is ``Weights.frame``, chosen on folds of the tuning pool (docs/ranking.md, "A document's frame
    below its text"); ``bench/tune_fusion.py`` scores it the same way.
    """
    if share == 1 or not asks_of_text(query):
        return fused
    rows = rows_among([chunk for chunk, _ in fused[:window]])
    return _scaled(fused, window, {chunk for chunk, row in rows.items() if is_frame(row)}, share)


def cards_first(fused: list[tuple[int, float]], query: Query, rows_among: Callable[[list[int]], dict[int, dict]],
                frames: Callable[[list[int]], list[int]], window: int) -> list[tuple[int, float]]:
    """The fused ranking with each document's printed answer and its card among the first ``window`` ids just
    above that document's best passage, when the question asks who signed or issued a document, or when
    (``SIGNED_OR_ISSUED``): asked who signed it, its signature (the closing), its card, its header; asked who and
    when, its card (which says both), its dated header, its signature; else its header when it prints the place and
    date, then its card (a law's undated header after it).  The first
    ``FRAME_DOCUMENTS`` documents' ``frames`` (card, header, closing) join the window when the legs left them out:
    a question that names a document by its subject shares no word with the line its signer is printed on.

    The card gives the signer and the date of issue whatever else the document says: "Luật Người cao tuổi ra
    đời ngày nào" had the law's article on the Day of the Elderly first and its card fifth (docs/ranking.md,
    "Asked who signed it or when, its card leads").  The document's own print comes before kb's summary of it:
    the place-and-date line and the organ are in the header, the name in the signature, and a reader quotes
    them, not the card (docs/ranking.md, "The document as printed before its card").  Which documents come first is
    unchanged.
    """
    if not SIGNED_OR_ISSUED.search(query.folded):
        return fused
    head, rest = fused[:window], fused[window:]
    rows = rows_among([chunk for chunk, _ in head])
    who, when = WHO_SIGNED.search(query.folded), WHEN_SIGNED.search(query.folded)
    order = ("card", "dated header", "closing", "header") if who and when else ("closing", "card", "header") if who \
        else ("dated header", "card", "header")

    def rank(chunk: int) -> int:
        """The place of a passage's part in ``order``, any other passage last: the order among a document's
        passages lifted to one score.  A header without its date (a law's) does not say when, a closing without
        the name the card read (a form's blank signature, recipients cut from it) does not say who."""
        row = rows.get(chunk)
        if row is None:
            return len(order)
        part = "card" if row["kind"] == "card" else frame_part(row["section"])
        if part == "closing" and row.get("doc_signer") and fold(row["doc_signer"]) not in fold(row["text"]):
            part = None
        if part == "header" and "dated header" in order and _PRINTED_DATE.search(fold(row["text"])):
            part = "dated header"
        return order.index(part) if part in order else len(order)

    first = list(dict.fromkeys(rows[chunk]["doc_id"] for chunk, _ in head if chunk in rows))[:FRAME_DOCUMENTS]
    present = {chunk for chunk, _ in head}
    brought = [chunk for chunk in frames(first) if chunk not in present] if first else []
    if brought:
        rows |= rows_among(brought)
        answering = {chunk for chunk in brought if chunk in rows and rank(chunk) < len(order)}
        head += [(chunk, 0.0) for chunk in brought if chunk in answering]
        rest = [hit for hit in rest if hit[0] not in answering]

    best: dict[int, float] = {}
    for chunk, score in head:
        if chunk in rows:
            best.setdefault(rows[chunk]["doc_id"], score)
    lifted = [(chunk, best[rows[chunk]["doc_id"]] if rank(chunk) < len(order) else score) for chunk, score in head]
    return sorted(lifted, key=lambda hit: (-hit[1], rank(hit[0]))) + rest


def effect_follows(fused: list[tuple[int, float]], query: Query, chunks: Chunks,
                   window: int) -> list[tuple[int, float]]:
    """The fused ranking with the first ``EFFECT_DOCUMENTS`` documents' own clause on when they take effect ("Quyết định
    này có hiệu lực kể từ ngày …") just below their best passage, when the question asks when a document takes
    effect (``intent.asks_when_in_force``).

    Asked by what a document does rather than by its number ("Bac Giang abolished its rules on managing IT
    staff: from what date?"), the legs find the document by its card and its subject, and its closing article
    shares nothing with the question but "hiệu lực" (docs/ranking.md, "Asked when it takes effect").  Two
    documents, since in English the right one is often second; a clause ranked higher already stays.
    """
    if not asks_when_in_force(query.folded):
        return fused
    owners, first = _first_documents(chunks, fused[:window], EFFECT_DOCUMENTS)
    clauses: dict[int, int] = {}
    for chunk, document, folded in chunks.bodies_holding(first, "nay co hieu luc"):
        if states_own_effect(folded):
            clauses.setdefault(document, chunk)
    return _beside_best(fused, owners, clauses)


def answers_within(kb: KnowledgeBase, query: Query) -> Callable[[int], list[int]]:
    """The passages of one document that answer ``query`` (``answering_passages``), each document read once a search:
    ``answer_follows`` and ``described_answer_first`` often ask of the same one (one search in eleven of three tuning
    sets, 2.4 ms each time it was read again)."""
    counts = counted_asked(query)
    return cache(lambda document: answering_passages(kb, query, [document], query.normalized, counts))


def answer_follows(kb: KnowledgeBase, fused: list[tuple[int, float]], query: Query, window: int,
                   answers: Callable[[int], list[int]]) -> list[tuple[int, float]]:
    """The fused ranking with the first ``ANSWER_DOCUMENTS`` documents' passage that best holds what the question
    asks beyond what describes the document (``answering_passages``) just above their best passage, which only shares
    the most words with the question ("Nghị quyết 121-NQ/ĐU đặt mục tiêu gì với thuyền viên tàu cá": its situation
    before its targets); just below it for a question in English, whose rest the glossary reads more loosely (both
    chosen by folds of the tuning sets: docs/ranking.md, "Stop 57").

    A question that names a document by what it is about rather than by its number ("How much funding does Gia
    Lai's forest fire plan have?") finds it by its title words, which its card, header and first article hold;
    the article that answers ("Kinh phí thực hiện Phương án là 8,6 tỷ đồng …") shares only "kinh phí" with it,
    a word of every budget line in the index, and ranked nowhere.  Within the document it is the one passage
    that holds it.
    """
    if not asks_of_text(query):
        return fused
    owners, first = _first_documents(kb.store.chunks, fused[:window], ANSWER_DOCUMENTS)
    lifted = {document: passages[0] for document in first if (passages := answers(document))}
    return _beside_best(fused, owners, lifted, above=query.translation is None)


def described_document(fused: list[tuple[int, float]], query: Query,
                       rows_among: Callable[[list[int]], dict[int, dict]]) -> int | None:
    """The document whose frame (card, header) ranks first for a question about what documents say: the question
    describes it by its title words, its place and its kind ("Phu Quoc clean-up for APEC 2027: what is the
    estimated budget?"), and ``text_first`` is about to put that frame below other documents' text.  Or for a query
    typed without a question word that adds to the words of the document's card its rarer words ("diễn tập tránh lũ
    xã Quảng Ninh tín hiệu kẻng sơ tán khẩn cấp"): its frame stays, the passage that holds them goes above it."""
    keywords = not QUESTION.search(query.folded) and not query.keys
    if not fused or not (asks_of_text(query) or keywords):
        return None
    row = rows_among([fused[0][0]]).get(fused[0][0])
    return row["doc_id"] if row is not None and is_frame(row) else None


def described_answer_first(fused: list[tuple[int, float]], query: Query, described: int | None,
                           answers: Callable[[int], list[int]]) -> list[tuple[int, float]]:
    """The ranking with the passage of the ``described`` document that best holds what the question asks
    (``answers``, from ``answers_within``) first.

    Its frame went below other documents' text, and with it the document: "Phu Quoc clean-up for APEC 2027: what is
    the estimated budget?" had the plan's card and header first, and once they were lowered, none of its passages in
    the first ten, since its "Tổng kinh phí dự kiến 86 tỷ đồng" shares one word with the question and other places'
    budget lines as many (docs/ranking.md, "The document a question describes answers first").  First, not second
    or third, nor only when that document has lost the first place: chosen by folds of the tuning pool."""
    if described is None:
        return fused
    answering = answers(described)
    if not answering or fused[0][0] == answering[0]:
        return fused
    return [(answering[0], fused[0][1]), *(pair for pair in fused if pair[0] != answering[0])]


def followers_first(kb: KnowledgeBase, fused: list[tuple[int, float]], query: Query,
                    filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """The ranking with, for a question asking which documents carry out or cite one it describes without its
    number, each citing document's passage that cites it first, above the document itself.

    "Which documents carry out the June 2023 conclusion of the Cat Hai district Party standing members on tourist
    services in Cat Ba?" finds the conclusion by its subject, its card first; the reference leg, which lifts the
    citing passages of a document named by number, had no number to read.  Of the first ``FOLLOWED_DOCUMENTS``
    documents of the ranking, the first that others cite is the one described (a plan carrying it out may rank
    above it, by the place both name); the documents whose citations resolve to it (``Documents.citing``) are its
    followers.  When that one is not of the kind the question names ("… the provincial standing committee's
    directive on …": a commune's plan that a report among the first documents cites) and the first documents cite
    one of that kind that is not in the index, by a number that other documents cite too, that one is described
    (``_cited_unindexed``): the directive was never indexed, and its followers are whoever cites it.  When none is
    cited, the first document's citers may cite it by a number kb could not read on it, a scan's under a seal
    (``Documents.cited_by_its_date``: of its kind and dated its date)."""
    if query.keys or not fused or intent(query.folded) != FOLLOWERS:
        return fused
    access = filters.access if filters is not None else LEVELS[-1]
    _, placed_documents = _first_documents(kb.store.chunks, fused, PLACE_DOCUMENTS)
    first_documents = placed_documents[:FOLLOWED_DOCUMENTS]
    fits = _description(kb, query, placed_documents, access)
    cited_by = ((document, {row["id"] for row in kb.store.documents.citing(document, access)})
                for document in _described_candidates(kb, first_documents, access) if fits(document))
    described, followers = next(((document, citers) for document, citers in cited_by if citers), (None, set()))
    document = kb.store.documents.get(described, access) if described is not None else None
    own = own_reference(document["number"], document["doc_type"]) if document and document["number"] else None
    followed: tuple[str, str, set[int] | None] | None = (own.key, own.full_key, followers) if own else None
    kind = followed_kind(fold(query.translation.rendering) if query.translation else query.folded)
    if kind is not None and (document is None or fold(document["doc_type"] or "") != kind):
        followed = _cited_unindexed(kb, first_documents, kind, filters, access) or followed
    if followed is None and first_documents and fits(first_documents[0]):
        # a scan whose number a seal garbled: its citers print it whole, with its date
        followed = kb.store.documents.cited_by_its_date(first_documents[0], access)
    if followed is None:
        return fused
    key, full_key, citers = followed
    cited = kb.store.chunks.citing([key], [full_key], filters, following(query.folded))
    rows = kb.store.chunks.hits([chunk for chunk, _ in cited])
    # the strongest citation first, and of equal ones the text's before the card's or the header's, which say less
    cited.sort(key=lambda hit: (-hit[1], hit[0] not in rows or is_frame(rows[hit[0]])))
    owners = {chunk: row["doc_id"] for chunk, row in rows.items()}
    first: dict[int, int] = {}
    for chunk, _ in cited:
        if chunk in owners and (citers is None or owners[chunk] in citers):
            first.setdefault(owners[chunk], chunk)
    lifted = set(first.values())
    if not lifted:
        return fused
    return [(chunk, fused[0][1]) for chunk in first.values()] + [pair for pair in fused if pair[0] not in lifted]


def _description(kb: KnowledgeBase, query: Query, placed_documents: list[int], access: str) -> Callable[[int], bool]:
    """Whether a document may be the one a ``FOLLOWERS`` question describes: of the place it names, if it names the
    place of one of ``placed_documents`` (the first ``PLACE_DOCUMENTS`` ranked: their place, or the names their issuer
    or its parent end with), and of the level it names (``_level``): a province's ("the Quang Tri provincial plan",
    "chỉ thị của Tỉnh ủy") is no commune's or ward's, the Politburo's no province's.

    The first document may share the subject and the kind and be another's: Tuyên Quang's plan on ethnic minority
    education above Quảng Trị's on their jobs, which the index does not hold and three Lao Bảo documents cite; a
    ward's directive on food safety above the provincial one it carries out; a province's programme above the
    Politburo's resolution it carries out.  Skipped, the one the question
    describes is the one the first documents cite (``_cited_unindexed``)."""
    asked = _words(query.folded)
    rows = {document: kb.store.documents.get(document, access) for document in placed_documents}
    named = set().union(*(_named_places(asked, row["place"], row["issuer"], row["issuer_parent"])
                          for row in rows.values()))
    said = query.translation.rendering if query.translation else query.normalized if query.has_accents else ""
    level = _level(said, asked_of=True)

    def fits(document: int) -> bool:
        row = rows[document] if document in rows else kb.store.documents.get(document, access)
        where = _whereabouts(row["place"], row["issuer"], row["issuer_parent"], row["title"])
        return (not named or any(place in where for place in named)) and (
            level is None or _level(row["issuer"] or "") in (level, None))
    return fits


def _level(text: str, asked_of: bool = False) -> str | None:
    """The one level of government an accented text names (``_LEVELS``): "centre", "province" or "commune"; None if
    it names none or more than one.  ``asked_of``: the text is a question, whose communes and wards are where the
    document applies ("the police plan for e-ID accounts at commune level", "hướng dẫn … điểm giao dịch việc làm ở
    xã, phường"), not who issued it: only the centre and a province count."""
    named = [level for level, words in _LEVELS.items() if words.search(text) and not (asked_of and level == "commune")]
    return named[0] if len(named) == 1 else None


def _cited_unindexed(kb: KnowledgeBase, documents: list[int], kind: str, filters: DocumentFilters | None,
                     access: str) -> tuple[str, str, None] | None:
    """The keys of the first citation of a ``kind`` of document that ``documents`` hold, naming no document in the
    index, that passages of two documents or more cite; None for its followers: whoever cites it."""
    code = next((t.code for t in doc_types() if t.code and fold(t.name) == kind), None)
    if code is None:
        return None
    for document in documents:
        for row in kb.store.documents.references_of(document, access):
            if row["status"] == "unresolved" and row["key"].startswith(f"{code}:"):
                citing = kb.store.chunks.citing([row["key"]], [row["full_key"]], filters)
                if len(set(kb.store.chunks.documents_of([chunk for chunk, _ in citing]).values())) >= 2:
                    return row["key"], row["full_key"], None
    return None


def _described_candidates(kb: KnowledgeBase, documents: list[int], access: str) -> Iterator[int]:
    """Each of ``documents``, then the documents it cites that its citations name alone, each once and read only
    when reached: a plan carrying out the one described may rank above it, and another document that others cite
    below ("tỉnh đã làm gì để thực hiện hướng dẫn …": the province's own guidance first)."""
    seen: set[int] = set()
    for document in documents:
        for candidate in chain([document], _resolved_citations(kb, document, access)):
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def _resolved_citations(kb: KnowledgeBase, document: int, access: str) -> Iterator[int]:
    """The documents a document cites that its citations name alone, in the order it first cites them."""
    for row in kb.store.documents.references_of(document, access):
        if row["document_id"] is not None and row["document_id"] != document:
            yield row["document_id"]


def _first_documents(chunks: Chunks, head: list[tuple[int, float]], count: int) -> tuple[dict[int, int], list[int]]:
    """The document of each passage of ``head`` (``Chunks.documents_of``), and the first ``count`` documents it ranks."""
    owners = chunks.documents_of([chunk for chunk, _ in head])
    return owners, list(dict.fromkeys(owners[chunk] for chunk, _ in head if chunk in owners))[:count]


def _beside_best(fused: list[tuple[int, float]], owners: dict[int, int], lifted: dict[int, int],
                 above: bool = False) -> list[tuple[int, float]]:
    """``fused`` with each passage of ``lifted`` (by document) just below its document's best passage (``above``:
    just above it), at its score; a passage ranked higher already stays where it is."""
    lifted = dict(lifted)
    ranked: list[tuple[int, float]] = []
    placed: set[int] = set()
    for chunk, score in fused:
        if chunk in placed:
            continue  # placed beside its document's best passage already
        passage = lifted.pop(owners.get(chunk, -1), None)
        pair = [chunk]
        if passage is not None and passage not in placed and passage != chunk:
            pair = [passage, chunk] if above else [chunk, passage]
        ranked += [(placing, score) for placing in pair]
        placed.update(pair)
    return ranked


def titled_first(kb: KnowledgeBase, fused: list[tuple[int, float]], query: Query, filters: DocumentFilters | None,
                 window: int) -> list[tuple[int, float]]:
    """The fused ranking with the passages among the first ``window`` of the law an English question names by its
    name ("Under the Law on Prices, …", ``kb.retrieval.titles``) first, in their order.

    The legs weigh the name's words like any others, so another law or a plan that shares them ranked
    above the law named (docs/ranking.md, "A law named in English").  Which of its passages answers is
    left to the fused order: reading the law's own passages by BM25 instead, as for a law named by its
    number, lost as many questions as it gained.
    """
    if query.translation is None or query.keys:
        return fused
    named = set(titled_laws(query.normalized, lambda: kb.store.documents.subjects(LAW_TYPES, filters), MAX_NAMED))
    if not named:
        return fused
    head = fused[:window]
    owners = kb.store.chunks.documents_of([chunk for chunk, _ in head])
    own = [hit for hit in head if owners.get(hit[0]) in named]
    return own + [hit for hit in head if owners.get(hit[0]) not in named] + fused[window:]
