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

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import chain, islice, takewhile

from indexer.analyzer import fold, normalize, tokens
from indexer.codes import doc_types, type_by_name
from indexer.parse import FRAME_SECTIONS, frame_part, in_frame
from indexer.references import own_reference
from kb.access.levels import LEVELS
from kb.config import Weights
from kb.errors import InvalidQueryError
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.accents_sync import Reading
from kb.retrieval.fusion import reciprocal_rank, weighted_sum
from kb.retrieval.intent import (
    ABOUT,
    FOLLOWERS,
    TYPE_NAMES,
    asks_for_document,
    asks_when_in_force,
    counted,
    counted_in_english,
    followed_kind,
    following,
    intent,
    states_own_effect,
    unasked,
)
from kb.retrieval.lexicon import Phrase
from kb.retrieval.query import Query, understand
from kb.retrieval.refusal import NO_NUMBER, Evidence, gather, judge
from kb.retrieval.results import DocumentGroup, DocumentRef, FacetValue, SearchHit, SearchResponse
from kb.retrieval.titles import LAW_TYPES, titled_laws
from kb.retrieval.validity import with_status
from kb.retrieval.vector_store import FilteredVectors
from kb.storage.backend import reading_replicas
from kb.storage.chunks import Chunks
from kb.storage.filters import DocumentFilters

__all__ = ["answer_follows", "arranged", "asks_of_text", "cards_first", "described_answer_first",
           "described_document", "effect_follows", "facet_counts", "followers_first", "FRAME_WINDOW", "fuse",
           "group_by_document", "is_frame", "kinds_first", "legs", "narrowing", "passage_key", "placed_first",
           "read_query", "render", "search", "text_first", "titled_first", "weights_for"]

# "thực hiện" asks when something is done ("… thực hiện vào ngày nào"), unless a kind follows it: then it is the
# document's title ("kế hoạch thực hiện kết luận … ngày nào").
_THUC_HIEN_NOT_IN_A_TITLE = rf"thuc hien(?! (?:{TYPE_NAMES})\b)"
# The date a question asks at its end: "… vào ngày nào", "… khi nào", "… bao giờ".
_DATE_ASKED = r"(?:(?:ngay|hom|thoi gian|thoi diem) (?:nao|may)|ngay bao nhieu|khi nao|luc nao|bao gio)"
# Who signed or issued a document, or when: its card and header say it, whatever its body says. "ký" is not the
# "kỳ" of "định kỳ", "học kỳ" ("tiếp công dân định kì vào ngày nào" asks what a document says).
# "Lãnh đạo nào của UBND tỉnh Vĩnh Long ký báo cáo …": who, the body between ("nhiệm kỳ", "định kỳ" are no signing).
_LEADER_SIGNED = r"(?:dong chi|lanh dao) nao(?: (?!dinh |hoc |thoi |nhiem )\w+){0,6}? (?:da )?k[iy]"
_SIGNED = (r"(?:ai|nguoi|nao)(?: da)? k[iy]|k[iy] boi|\bra (?:ngay|hom) nao|la cua (?:co quan|don vi) nao"
           r"|(?:(?<!dinh )(?<!hoc )(?<!thoi )k[iy]|ban hanh|phat hanh|thong qua|ra doi)(?: vao)?"
           r" (?:(?:ngay|hom|khi|luc|nam|thang|thoi gian|thoi diem)(?: thang)?(?: nam)?) (?:nao|bao nhieu|may)"
           r"|(?:k[iy]|ban hanh)(?: vao| tu)? bao gio|bao gio (?:k[iy]|ban hanh)|(?:ngay|thoi diem) (?:k[iy]|ban hanh)"
           rf"|ngay ra (?:van ban )?(?:{TYPE_NAMES})\b"
           # "ban hành kế hoạch chuyển đổi phao xốp … vào ngày nào": a document of a kind named, its subject between
           rf"|(?:ban hanh|phat hanh|\bra|gui|(?<!dinh )(?<!hoc )\bk[iy]) (?:{TYPE_NAMES}|van ban)\b"
           # "trước" ends its gap only as a deadline ("… nộp trước ngày nào"); "… trước bầu cử vào ngày nào" is its subject
           rf"(?:\W+(?!tu (?:ngay|thang|nam|khi)|ap dung|hieu luc|het |{_THUC_HIEN_NOT_IN_A_TITLE}|hoan thanh|xong"
           rf"|truoc {_DATE_ASKED}|cham )\w+){{0,20}}? (?:vao )?{_DATE_ASKED}"
           # "Ban Thường vụ Tỉnh ủy Đồng Tháp kết luận về … (vào) ngày nào", "Khối dân vận xã … báo cáo … ngày nào": a body,
           # then its document's kind as its act
           rf"|(?:uy|vu|ubnd|nhan dan|dan van|mttq|to quoc)(?: \w+){{0,4}}?"
           r" (?:ket luan|bao cao|thong bao|chi thi|huong dan|to trinh)\b"
           r"(?:\W+\w+){0,14}? (?:vao )?(?:ngay|hom|thoi gian|thoi diem) nao"
           r"|\bde ngay (?:nao|bao nhieu|may)"  # "Công văn … đề ngày nào": the date it is dated
           # "HĐND xã … thông qua dự toán … ở kỳ họp nào": the session that passed it, which its closing prints
           r"|\bky hop (?:thu )?(?:nao|may|bao nhieu)|\b(?:at|in|during) (?:which|what) (?:council )?session"
           # "Nghị quyết phục hồi vườn bưởi … của Đảng ủy xã Hương Khê ngày nào?": a document named by its kind and
           # subject, then only its date asked; not what it sets a date for ("Kế hoạch tổ chức lễ hội vào ngày nào")
           rf"|^(?:{TYPE_NAMES})\b(?:\W+(?!(?:to chuc|dien ra|bat dau|ket thuc|hoan thanh|truoc|tu|den|hieu luc|ap dung"
           rf"|{_THUC_HIEN_NOT_IN_A_TITLE}|trien khai|khai mac|be mac|yeu cau|de nghi|giao|nop|bao cao|han|moc"
           r"|thoi han|vao)\b)\w+){1,25}"
           r" (?:ngay|hom) (?:nao|bao nhieu|may)(?=\W*$)"
           # "Công văn đôn đốc hoàn thành … gửi ngày nào": the document's own sending, whatever the words between
           rf"|^(?:{TYPE_NAMES})\b.* (?:gui|k[iy]|ban hanh|phat hanh)(?: di)? (?:vao )?ngay (?:nao|bao nhieu|may)(?=\W*$)"
           r"|(?:(?:co quan|don vi|cap|noi) nao|ai|noi)(?: da)? ban hanh|ban hanh boi|(?:(?:co quan|don vi) nao|ai)(?: da)? gui"
           # "Đảng ủy nào ở Phú Thọ ban hành kế hoạch …", "Cơ quan nào ra hướng dẫn …": the body asked, a place between
           rf"|(?:co quan|don vi|dang uy|cap uy|to chuc) nao(?: (?!chiu |co |tham |duoc |phai )\w+){{0,4}}?"
           rf" (?:da )?(?:ban hanh|ra (?:{TYPE_NAMES}))|{_LEADER_SIGNED}"
           r"|signed|signs|signer|signatory|issued by|who issued|(?:who|which (?:body|agency|office|department)) sent"
           r"|(?:which|what)(?: \w+){0,2} (?:body|agency|authority|office|department|organ|organi[sz]ation|committee"
           r"|council|ministry) (?:issued|adopted|promulgated)"
           r"|(?:when|(?:what|which) (?:date|day|year)) (?:did|were|was)\b[^?]*\b(?:issu|sign|adopt|pass|promulgat|enact"
           r"|publish|send|sent|submit|set up|establish|approv|put out|releas)\w*"
           r"|(?:issued|adopted|passed|promulgated) (?:on|in) (?:what|which) (?:date|day|year)|when (?:is|was)\b[^?]*\bdated"
           # "When did Lý Nhân commune report on …": a body, then its document's kind as its act (not "ask … to report")
           r"|when did (?:(?!to |ask|tell|told|requir|want)\w+ ){1,6}?(?:report|conclude|announce|instruct|notify)"
           r" (?:on|about|how|that|what|its|their|the)|what date is (?:on|of)"
           # "What is the date of the Tua Chua guidance on …": a document's date, not "the date of the elections"
           r"|what(?:(?: is|'s) the date (?:of|on)| date is the) (?:\S+ ){0,8}?"
           r"(?:directive|decision|plan|resolution|guidance|guideline"
           r"|instruction|report|letter|notice|notification|conclusion|regulation|rule|programme|program|bulletin"
           r"|document|dispatch|telegram|submission|circular|decree)s?\b"
           # "Ngày nào UBKT Tỉnh ủy ra thông báo kết luận …": the date asked first, then the document's making
           rf"|^(?:vao )?(?:ngay|hom) nao(?: \w+){{0,12}}? (?:ra|ban hanh|phat hanh|k[iy]|gui) (?:{TYPE_NAMES}|van ban)\b"
           r"|date of (?:the )?(?:directive|decision|plan|resolution|decree|circular|law|notice|instruction|regulation"
           r"|conclusion|letter|dispatch|telegram)s?")
_SIGNED_OR_ISSUED = re.compile(rf"\b(?:{_SIGNED})\b")
# Of those, the questions that ask who signed: the signature in the closing shows the signer as printed, the
# header (organ, number, place and date) does not.
_WHO_SIGNED = re.compile(rf"\b(?:(?:ai|nguoi) (?:da )?k[iy]|k[iy] boi|(?:ong|ba) nao (?:da )?k[iy]|{_LEADER_SIGNED}"
                         r"|who signed|who signs|signer|signatory|signed by)\b")
# Of those, the questions that ask when as well ("ký ngày nào, ai ký?"): the card says both, the header's place-and-date
# line one and the signature the other.
_WHEN_SIGNED = re.compile(rf"\b(?:{_DATE_ASKED}|when|what date|which date|on what day)\b")
FOLLOWED_DOCUMENTS = 2  # asked which documents carry out one it describes, the first one of these others cite
ANSWER_DOCUMENTS = 1  # the first document ranked gets the passage that answers within it lifted (docs/ranking.md)
EFFECT_DOCUMENTS = 2  # of the first documents ranked, this many get their clause on taking effect lifted
FRAME_DOCUMENTS = 2  # asked who signed or when, the first documents ranked bring their card, header and closing
# A question about the document itself, which its card answers, not its body: who signed it, when, which body,
# what it is about (its subject, "về việc …": "nói về vấn đề gì", "What is Decision 210/2025 about?").
_ITSELF = re.compile(rf"\b(?:{_SIGNED}"
                     r"|noi ve (?:van de |viec )?gi|ve (?:van de|viec) gi|trich yeu"
                     r"|when was|what date|which (?:body|agency|authority|office))\b"
                     r"|\bwhat is\b[^?]*\babout\W*$")
# A question, not a document named with its subject ("Nghị quyết 08/2025/NQ-CP về casino", which its card answers)
# nor a passage of a draft that cites it (``kb.retrieval.related``): a question mark, a question word, "… không" last.
_QUESTION = re.compile(r"\?|\b(?:gi|nao|may|bao nhieu|bao lau|bao gio|ai|tai sao|vi sao|ra sao|o dau|what|which|when|who|whom|how"
                       r"|where|why)\b|\b(?:khong|chua)\W*$")
FRAME_WINDOW = 4  # the frame rule reorders the first FRAME_WINDOW × k passages of the fused ranking
MAX_NAMED = 3  # more documents of one number than this: the number is too vague to read any one's own passages
LEADING, OWN_PASSAGES = 12, 3  # of a document asked about, its first 12 passages are read for its 3 leading ones
# Of all passages: a word this share of them holds ("của", "chính") says nothing of what a query typed without a
# question word asks of a document it names (``_answering``).
COMMON = 0.2
PLACE_SHARE = 0.6  # of the score of a passage whose document is of no place the question names (placed_first)
COUNT_SHARE = 0.5  # of the score of a passage that prints no number of what the question counts (counts_first)
KIND_SHARE = 0.85  # of the score of a passage of another kind than the one a question opens with (kinds_first)
_KIND = re.compile(rf"\b({TYPE_NAMES})\b")  # a document's kind: a question opening with it names one ("chi thi cua …")
# The label a passage prints before the answer to "ở đâu": "tổ chức ở đâu" is answered by "Địa điểm: Quảng trường …"
# (folded, as ``_answering`` reads it).  Not "where" in English ("where can young people find job offers"), nor "khi
# nào", whose answer is as often a deadline ("hạn khi nào": "trước ngày …") as a "Thời gian: …" (docs/ranking.md).
_WHERE = re.compile(r"\b(?:o dau|tai dau|(?:dia diem|noi) nao)\b")
OPENING = 80  # a passage states what it is for by its heading or its opening words, not "hoàn thành nhiệm vụ" in passing
_STATES = re.compile(r"\b(?:yeu cau|nhiem vu|giai phap|pham vi dieu chinh|muc dich|muc tieu|doi tuong ap dung)\b")
_WORD = re.compile(r"\w+")
# A place-and-date line as printed: "Hưng Yên, ngày 26 tháng 9 năm 2025".
_PRINTED_DATE = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")
# The legal bases and requests a document is issued on, which open it without saying what it says ("Căn cứ …",
# "Theo đề nghị …", a Party plan's "Thực hiện Nghị quyết số 42-NQ/TW …, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch như
# sau:"); matched on a passage's folded text.
_ISSUED_ON = re.compile(r"(?:can cu|theo de nghi|xet de nghi|thuc hien)\b")
_ITEM = re.compile(r"(?:\d{1,2}[.)]|[a-z]\)|[ivx]+\.|[-+•])\s")  # an item of a list, in folded text
# A body passage of the frame, by its section path (the first line of its folded text): the header or the closing
# (recipients, signature).
_FRAMED = re.compile(rf"^[^\n]*› (?:{'|'.join(fold(name) for name in FRAME_SECTIONS.values())})\n")
OVERSAMPLE = (2, 10)  # with filters, a leg fetches this many times its candidates, then that many, and keeps those that pass


def read_query(kb: KnowledgeBase, text: str, suggest: bool = False) -> tuple[Query, Reading]:
    """What is searched for ``text``: the query with its accents restored, if the accent model put any back.

    A question in English is not Vietnamese to restore: in an index whose forms print English beside the
    Vietnamese, its words are the model's syllables too, and "Which day is" came back "Which đây is",
    accented, no longer English, its glossary lost.
    """
    typed = understand(text)
    if typed.translation is not None:
        return typed, Reading(text, None)
    reading = kb.accents.read(text, suggest)
    return (typed.restored(reading.restored) if reading.restored != text else typed), reading


def legs(kb: KnowledgeBase, query: Query, filters: DocumentFilters | None) -> dict[str, list[tuple[int, float]]]:
    """Each leg's hits, best first: syllables and syllable pairs (BM25), the model (FAISS), references.

    Every leg keeps only chunks of documents the filters (and the caller's
    level) keep, before its candidates are cut, so what is filtered out never
    shortens the list.  The dense leg runs on a thread of its own meanwhile:
    embedding the query (ONNX Runtime) and searching the graph (FAISS) leave
    Python's lock free, so on two cores they cost nothing while the lexical
    legs, which hold it, take longer (at 2,000,000 passages about 30 ms against 10).
    """
    weights = kb.settings.weights
    n = weights.candidates
    dense = kb.beside(_dense, kb, query, n, filters) if weights.dense_weight(query.unaccented_vietnamese) else None
    found = {"lexical": _lexical(kb, query.syllables(), n, filters)}
    if weights.phrase:
        found["phrase"] = _lexical(kb, query.pairs(), n, filters)
    if dense is not None:
        found["dense"] = dense.result()
    found["reference"] = _reference(kb, query, filters)
    return found


def _reference(kb: KnowledgeBase, query: Query, filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """Passages that are or cite the documents the query names, strongest first.

    What the question asks of them (``kb.retrieval.intent``) reorders the leg:
    asking which documents carry one out lifts the citations that build on it
    above plain mentions; asking what one says puts its own leading passages
    (its scope, purpose, requirements) first, above the passages that cite it
    (its own appendices' forms among them).
    """
    asked = intent(query.folded) if query.keys else None
    cited = kb.store.chunks.citing(query.keys, query.full_keys, filters,
                                   following(query.folded) if asked == FOLLOWERS else (), query.years)
    named = kb.store.chunks.named_documents(query.keys, query.full_keys, filters, query.years)
    if asked == FOLLOWERS and cited:
        return _others_first(kb, cited, named)
    if not named or len(named) > MAX_NAMED or _ITSELF.search(query.folded):
        return cited
    chunks = _answering(kb, query, named, query.asked) or (_leading(kb, named) if asked == ABOUT else [])
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


def _answering(kb: KnowledgeBase, query: Query, documents: list[int], wording: str) -> list[int]:
    """The named documents' ``OWN_PASSAGES`` passages that best hold what a question asks of them beyond
    what names them ("Quyết định 98/2025/QĐ-UBND Quảng Ninh có hiệu lực từ ngày nào", "Circular 32/2025 on
    semiconductors: when does it take effect"), by BM25 among those passages alone: across the index
    such words are everywhere, within one document they point to the answer.  Words its card holds (the
    issuer, the subject, "ngày") describe the document, not the question; with nothing else, nothing is asked.
    ``wording`` is what the question asks of them: without the document numbers that name them, if it has any.

    A query typed without a question word asks by its rarer words ("CV 208 Kim Liên hạn chót bàn giao căn hộ nhà
    B7"), and "nội dung chính của Nghị quyết 72/2025/NQ-HĐND Hà Nội" asks by none: ``COMMON`` words say nothing."""
    rest = unasked(fold(wording))
    if _WHERE.search(rest):
        rest += " dia diem"
    if len(rest) < 3:
        return []
    rows = [row for document in documents for row in kb.store.chunks.of_document(document)]
    cards = " ".join(row["text"] for row in rows if row["kind"] == "card")
    described = {"accented": set(tokens(normalize(cards))), "folded": set(tokens(fold(cards)))}
    asked = understand(rest)
    if asked.translation is not None:  # an English word the card holds in any of its senses describes the document
        asked = understand(" ".join([term for senses in asked.translation.senses
                                     if not any(set(tokens(sense)) <= described["accented"] for sense in senses)
                                     for term in senses] + tokens(fold(asked.translation.residue))))
    lexicon, column_weights = kb.lexicon.current(), {"accented": kb.settings.weights.accented_column, "folded": 1.0}
    phrases = [(column, words) for column, words in asked.syllables() + asked.pairs()
               if not set(words) <= described[column]]
    if not _QUESTION.search(query.folded):
        phrases = [(column, words) for column, words in phrases
                   if len(lexicon.holding(tuple(map(fold, words)))) < COMMON * lexicon.rows]
    if not phrases:
        return []
    passages = {row["id"] for row in rows}
    return [chunk for chunk, score in lexicon.top(phrases, column_weights, OWN_PASSAGES, passages) if score > 0]


def _leading(kb: KnowledgeBase, documents: list[int]) -> list[int]:
    """Each document's first ``OWN_PASSAGES`` passages that state what it is for or requires (``_STATES``),
    else its first passages: a directive's demands and a decree's scope open its body.  Never its frame: a
    directive's recipients ("Nơi nhận: … để thực hiện nhiệm vụ") state nothing it requires."""
    chosen: list[int] = []
    by_document: dict[int, list[tuple[int, str]]] = {}
    for chunk, document, folded in kb.store.chunks.bodies(documents, LEADING):
        by_document.setdefault(document, []).append((chunk, folded))
    for passages in by_document.values():
        said = [(chunk, folded) for chunk, folded in passages
                if not (_FRAMED.search(folded) or _opening_only(folded.split("\n")[1:]))]
        stating = [chunk for chunk, folded in said if _STATES.search(folded[:folded.find("\n") + OPENING])]
        chosen += (stating + [chunk for chunk, _ in said if chunk not in stating])[:OWN_PASSAGES]
    return chosen


def _lexical(kb: KnowledgeBase, phrases: list[Phrase], n: int,
             filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """The ``n`` chunks with the best BM25 scores for these terms that the filters keep."""
    if not phrases:
        return []
    lexicon, column_weights = kb.lexicon.current(), {"accented": kb.settings.weights.accented_column, "folded": 1.0}
    return _passing(kb, lambda count, among=None: lexicon.top(phrases, column_weights, count, among), n, filters)


def _dense(kb: KnowledgeBase, query: Query, n: int, filters: DocumentFilters | None) -> list[tuple[int, float]]:
    """The ``n`` nearest chunks the filters keep (in the vectors' own query when they can filter, as PostgreSQL can)."""
    vector = kb.open_embedder().encode_query(query.dense_text)
    index = kb.open_vectors()
    if isinstance(index, FilteredVectors):
        return index.search_filtered(vector, n, filters)
    return _passing(kb, lambda count, among=None: index.search(vector, count, among), n, filters)


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
    """The fusion weights for ``query``: for a question in English, the lexical legs weigh the share of its words
    they search, those the glossary read and the names the index holds.

    The rest of the question (words the glossary does not know: "mediation",
    "digitised") reaches the model alone.  A question half of whose words the
    legs cannot search is half answered by the few they can ("how many", "fee"),
    which every document holds; the model reads all of it.  Chosen on folds of
    the English sets (docs/ranking.md).
    """
    weights, translation = kb.settings.weights, query.translation
    if translation is None:
        return weights
    vocabulary = kb.lexicon.current().vocabulary
    searched = translation.read + sum(fold(word) in vocabulary for word in translation.unknown)
    share = searched / max(1, translation.read + len(translation.unknown))
    return replace(weights, lexical=weights.lexical * share, phrase=weights.phrase * share)


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
    fused = described_answer_first(kb, answer_follows(kb, fused, query, window), query, described)
    return followers_first(kb, fused, query, filters)


def _words(text: str) -> str:
    """Folded, lower-case words between spaces, so that a place matches as whole words: " thua thien hue "."""
    return f" {' '.join(_WORD.findall(fold(text)))} "


def placed_first(fused: list[tuple[int, float]], query: Query,
                 rows_among: Callable[[list[int]], dict[int, dict]], window: int) -> list[tuple[int, float]]:
    """The fused ranking with the passages among the first ``window`` of documents of no place the question names
    at ``PLACE_SHARE`` of their score, when it names the place of one of those documents ("Ở xã Như Quỳnh, …",
    "What bonus does Hue give …") or the name its issuer ends with ("Trường … Ea Chà Rang"): its place of issue,
    or its issuer's or parent's name ("Tỉnh ủy Phú Thọ").

    A question about a province's or a commune's document shares its subject words with every document on the
    subject: a department's letter on waste water above the commune's plan, a national law above Huế's decision.
    Not for which documents cite one: the place there is the cited document's ("Ben Tre's 2020 Directive"), and
    those citing it may be elsewhere.  ``PLACE_SHARE`` was chosen by folds of the tuning pool (docs/ranking.md,
    "A place the question names")."""
    if intent(query.folded) == FOLLOWERS:
        return fused
    head = fused[:window]
    rows = rows_among([chunk for chunk, _ in head])
    asked = _words(query.folded)
    named = {place for row in rows.values()
             for place in map(_words, filter(None, (row["doc_place"], *_own_names(row["doc_issuer"] or ""))))
             if place in asked}
    if not named:
        return fused
    where = {row["doc_id"]: _words(" ".join(filter(None, (row["doc_place"], row["doc_issuer"], row["doc_issuer_parent"]))))
             for row in rows.values()}
    of_place = {document for document, words in where.items() if any(place in words for place in named)}
    if len(of_place) == len(where):
        return fused
    return _scaled(fused, window, {chunk for chunk, row in rows.items() if row["doc_id"] not in of_place}, PLACE_SHARE)


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
    if query.translation is None or not _SIGNED_OR_ISSUED.search(query.folded):
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
    pattern = counted(query.normalized.lower()) if query.translation is None else counted_in_english(query.folded)
    if pattern is None:
        return fused
    head = fused[:window]
    rows = rows_among([chunk for chunk, _ in head])
    printing = {chunk for chunk, row in rows.items() if pattern.search(row["folded"])}
    if not printing or len(printing) == len(head):
        return fused
    return _scaled(fused, window, {chunk for chunk, _ in head if chunk not in printing}, COUNT_SHARE)


def _scaled(fused: list[tuple[int, float]], window: int, lowered: set[int], share: float) -> list[tuple[int, float]]:
    """``fused`` with the ``lowered`` passages among its first ``window`` at ``share`` of their score, the window
    sorted again (equal scores keep their order) and the rest as it was: the rules that weigh a passage down."""
    head = fused[:window]
    rescored = [(chunk, score * share if chunk in lowered else score) for chunk, score in head]
    return sorted(rescored, key=lambda hit: -hit[1]) + fused[len(head):]


def asks_of_text(query: Query) -> bool:
    """Whether a question asks what documents say, rather than about one document itself: who signed it or
    when (``_ITSELF``), which documents carry one out or which document does something ("văn bản nào", "which
    law"). A query that is no question (a title typed to find the document, "Nghị quyết 08/2025/NQ-CP về
    casino") is not asking of the text either: the document's card answers all of those.  A question about
    a document named by number is ("KL 39 Huyện ủy Yên Thế trang trại gà phải cách nhà dân bao xa"): its card
    holds the number and the subject, not the distance (docs/ranking.md, "Named by number, asked of its text")."""
    folded = query.folded
    return bool(_QUESTION.search(folded)) and not (_ITSELF.search(folded) or intent(folded) == FOLLOWERS
                                                   or asks_for_document(folded))


def is_frame(row: dict) -> bool:
    """A document's frame, not its text: its card, header and closing (recipients, signature), and a passage
    before its first part or article that opens on the legal bases and requests it is issued on ("Căn cứ …",
    "Theo đề nghị …"; inside an article, "Căn cứ đặc điểm, tính chất hoạt động …" is what a law says)."""
    section = row["section"]
    return (row["kind"] == "card" or in_frame(section)
            or (" › " not in section and _opening_only(row["folded"].split("\n")[1 if section else 0:])))


def _opening_only(lines: list[str]) -> bool:
    """Whether a passage's folded lines are only a document's opening on what it is issued on: the first opens so
    ("can cu …", "thuc hien …") and none is an item of a list.  A notice or a letter without parts is a single
    passage, whose items after "Thực hiện …, thông báo như sau:" ("1. Phát ấn tại 4 điểm …") are its text."""
    return bool(lines) and bool(_ISSUED_ON.match(lines[0])) and not any(map(_ITEM.match, lines))


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
    (``_SIGNED_OR_ISSUED``): asked who signed it, its signature (the closing), its card, its header; asked who and
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
    if not _SIGNED_OR_ISSUED.search(query.folded):
        return fused
    head, rest = fused[:window], fused[window:]
    rows = rows_among([chunk for chunk, _ in head])
    who, when = _WHO_SIGNED.search(query.folded), _WHEN_SIGNED.search(query.folded)
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
    return _below_best(fused, owners, clauses)


def answer_follows(kb: KnowledgeBase, fused: list[tuple[int, float]], query: Query,
                   window: int) -> list[tuple[int, float]]:
    """The fused ranking with the first ``ANSWER_DOCUMENTS`` documents' passage that best holds what the question
    asks beyond what describes the document (``_answering``) just below their best passage.

    A question that names a document by what it is about rather than by its number ("How much funding does Gia
    Lai's forest fire plan have?") finds it by its title words, which its card, header and first article hold;
    the article that answers ("Kinh phí thực hiện Phương án là 8,6 tỷ đồng …") shares only "kinh phí" with it,
    a word of every budget line in the index, and ranked nowhere.  Within the document it is the one passage
    that holds it.
    """
    if not asks_of_text(query):
        return fused
    owners, first = _first_documents(kb.store.chunks, fused[:window], ANSWER_DOCUMENTS)
    answers = {document: passages[0] for document in first
               if (passages := _answering(kb, query, [document], query.normalized))}
    return _below_best(fused, owners, answers)


def described_document(fused: list[tuple[int, float]], query: Query,
                       rows_among: Callable[[list[int]], dict[int, dict]]) -> int | None:
    """The document whose frame (card, header) ranks first for a question about what documents say: the question
    describes it by its title words, its place and its kind ("Phu Quoc clean-up for APEC 2027: what is the
    estimated budget?"), and ``text_first`` is about to put that frame below other documents' text.  Or for a query
    typed without a question word that adds to the words of the document's card its rarer words ("diễn tập tránh lũ
    xã Quảng Ninh tín hiệu kẻng sơ tán khẩn cấp"): its frame stays, the passage that holds them goes above it."""
    keywords = not _QUESTION.search(query.folded) and not query.keys
    if not fused or not (asks_of_text(query) or keywords):
        return None
    row = rows_among([fused[0][0]]).get(fused[0][0])
    return row["doc_id"] if row is not None and is_frame(row) else None


def described_answer_first(kb: KnowledgeBase, fused: list[tuple[int, float]], query: Query,
                           described: int | None) -> list[tuple[int, float]]:
    """The ranking with the passage of the ``described`` document that best holds what the question asks
    (``_answering``) first.

    Its frame went below other documents' text, and with it the document: "Phu Quoc clean-up for APEC 2027: what is
    the estimated budget?" had the plan's card and header first, and once they were lowered, none of its passages in
    the first ten, since its "Tổng kinh phí dự kiến 86 tỷ đồng" shares one word with the question and other places'
    budget lines as many (docs/ranking.md, "The document a question describes answers first").  First, not second
    or third, nor only when that document has lost the first place: chosen by folds of the tuning pool."""
    answers = _answering(kb, query, [described], query.normalized) if described is not None else []
    if not answers or fused[0][0] == answers[0]:
        return fused
    return [(answers[0], fused[0][1]), *(pair for pair in fused if pair[0] != answers[0])]


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
    (``_cited_unindexed``): the directive was never indexed, and its followers are whoever cites it."""
    if query.keys or not fused or intent(query.folded) != FOLLOWERS:
        return fused
    access = filters.access if filters is not None else LEVELS[-1]
    _, first_documents = _first_documents(kb.store.chunks, fused, FOLLOWED_DOCUMENTS)
    cited_by = ((document, {row["id"] for row in kb.store.documents.citing(document, access)})
                for document in _described_candidates(kb, first_documents, access))
    described, followers = next(((document, citers) for document, citers in cited_by if citers), (None, set()))
    document = kb.store.documents.get(described, access) if described is not None else None
    own = own_reference(document["number"], document["doc_type"]) if document and document["number"] else None
    followed: tuple[str, str, set[int] | None] | None = (own.key, own.full_key, followers) if own else None
    kind = followed_kind(fold(query.translation.rendering) if query.translation else query.folded)
    if kind is not None and (document is None or fold(document["doc_type"] or "") != kind):
        followed = _cited_unindexed(kb, first_documents, kind, filters, access) or followed
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


def _below_best(fused: list[tuple[int, float]], owners: dict[int, int],
                lifted: dict[int, int]) -> list[tuple[int, float]]:
    """``fused`` with each passage of ``lifted`` (by document) just below its document's best passage, at its score;
    a passage ranked higher already stays where it is."""
    lifted = dict(lifted)
    ranked: list[tuple[int, float]] = []
    placed: set[int] = set()
    for chunk, score in fused:
        if chunk in placed:
            continue  # placed below its document's best passage already
        ranked.append((chunk, score))
        placed.add(chunk)
        passage = lifted.pop(owners.get(chunk, -1), None)
        if passage is not None and passage not in placed:
            ranked.append((passage, score))
            placed.add(passage)
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
    query, reading = read_query(kb, text, suggest)
    narrowed = narrowing(kb, filters)
    upto = kb.lexicon.current().last_chunk  # what the legs read, for the refusal to read the same (``gather``)
    found = legs(kb, query, narrowed)
    restored = reading.restored if reading.restored != text else None
    # Filters that leave no passage at all are the answer's reason, not the index's lack of one.
    evidence = gather(kb, query, found, narrowed, upto) if any(found.values()) else None
    verdict = judge(evidence, kb.settings.refusal, filters.by_metadata) if evidence is not None else None
    fused = fuse(found, weights_for(kb, query), query.unaccented_vietnamese)
    unread = evidence is not None and verdict is not None and verdict.code == NO_NUMBER \
        and _unread_number_answers(kb, query, fused, evidence)
    verdict = None if unread else verdict
    counts = facet_counts(kb, query, found, filters, verdict is None and any(found.values())) if facets else None
    if verdict:
        return SearchResponse(query=text, results=[], restored=restored, suggestion=reading.suggestion,
                              refused=verdict.code, reason=verdict.reason, missing=list(verdict.numbers), facets=counts)
    fused = arranged(kb, fused, query, kb.settings.weights.frame, kb.store.chunks.hits, narrowed, k * FRAME_WINDOW)
    results = render(kb, fused, k, filters.access)
    return SearchResponse(query=text, results=results, restored=restored, suggestion=reading.suggestion,
                          missing=list(query.numbers) if unread else [],
                          groups=group_by_document(results) if group else None, facets=counts)


def _unread_number_answers(kb: KnowledgeBase, query: Query, fused: list[tuple[int, float]], evidence: Evidence) -> bool:
    """Whether a query naming a number no document is or cites may still be answered by a document whose own
    number could not be read: the best passage is of a document with no number, of the kind named or of none read,
    and the rest of the query passes the evidence rule.  A scan's seal over its number ("Số: 3€/TB-UBND") must not
    turn "Thông báo số 36/TB-UBND Khao Mang những điều cấm …" away; the response still says the number is missing."""
    if judge(replace(evidence, numbers=()), kb.settings.refusal) is not None:
        return False
    best = kb.store.chunks.hits([fused[0][0]]).get(fused[0][0]) if fused else None
    named = {key.split(":")[0] for key in query.keys}
    kind = type_by_name(best["doc_doc_type"]) if best is not None and best["doc_doc_type"] else None
    return best is not None and not best["doc_number"] and (kind is None or kind.code in named)


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
