"""The passages of a document a question names (by number or by what it is about) that answer it.

Across the index a question's words are everywhere; within the one document it
names they point to the passage that answers.  The reference leg reads them for
a document named by number (``kb.retrieval.search``), the ranking for the
document the legs ranked first (``kb.retrieval.arrange``).
"""

from __future__ import annotations

import re

from indexer.analyzer import fold, normalize, tokens
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.frames import FRAMED, opening_only
from kb.retrieval.intent import QUESTION, unasked
from kb.retrieval.query import Query, understand

__all__ = ["MAX_NAMED", "OWN_PASSAGES", "answering_passages", "leading_passages"]

MAX_NAMED = 3  # more documents of one number than this: the number is too vague to read any one's own passages
LEADING, OWN_PASSAGES = 12, 3  # of a document asked about, its first 12 passages are read for its 3 leading ones

# Of all passages: a word this share of them holds ("của", "chính") says nothing of what a query typed without a
# question word asks of a document it names (``answering_passages``).
COMMON = 0.2

# The label a passage prints before the answer to "ở đâu": "tổ chức ở đâu" is answered by "Địa điểm: Quảng trường …"
# (folded, as ``answering_passages`` reads it).  Not "where" in English ("where can young people find job offers"), nor "khi
# nào", whose answer is as often a deadline ("hạn khi nào": "trước ngày …") as a "Thời gian: …" (docs/ranking.md).
_WHERE = re.compile(r"\b(?:o dau|tai dau|(?:dia diem|noi) nao)\b")
OPENING = 80  # a passage states what it is for by its heading or its opening words, not "hoàn thành nhiệm vụ" in passing
_STATES = re.compile(r"\b(?:yeu cau|nhiem vu|giai phap|pham vi dieu chinh|muc dich|muc tieu|doi tuong ap dung)\b")


def answering_passages(kb: KnowledgeBase, query: Query, documents: list[int], wording: str,
                       counts: re.Pattern[str] | None = None) -> list[int]:
    """The named documents' ``OWN_PASSAGES`` passages that best hold what a question asks of them beyond
    what names them ("Quyết định 98/2025/QĐ-UBND Quảng Ninh có hiệu lực từ ngày nào", "Circular 32/2025 on
    semiconductors: when does it take effect"), by BM25 among those passages alone: across the index
    such words are everywhere, within one document they point to the answer.  Words its card holds (the
    issuer, the subject, "ngày") describe the document, not the question; with nothing else, nothing is asked.
    ``wording`` is what the question asks of them: without the document numbers that name them, if it has any.

    A query typed without a question word asks by its rarer words ("CV 208 Kim Liên hạn chót bàn giao căn hộ nhà
    B7"), and "nội dung chính của Nghị quyết 72/2025/NQ-HĐND Hà Nội" asks by none: ``COMMON`` words say nothing.

    ``counts``: what the question counts, as printed (``intent.counted``): only the passages that print such a number
    are read, and with none of the words asked, the first of them answers.  "Xã Bản Hồ dành bao nhiêu tiền để rà
    soát các homestay?" shares no word with "Kinh phí thực hiện 46 triệu đồng …", the plan's one passage that prints a
    sum (docs/ranking.md, "Stop 57")."""
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
    if not QUESTION.search(query.folded):
        phrases = [(column, words) for column, words in phrases
                   if len(lexicon.holding(tuple(map(fold, words)))) < COMMON * lexicon.rows]
    if not phrases:
        return []
    printing = [row["id"] for row in rows if counts and row["kind"] == "body" and counts.search(fold(row["text"]))]
    passages = set(printing) if printing else {row["id"] for row in rows}
    found = [chunk for chunk, score in lexicon.top(phrases, column_weights, OWN_PASSAGES, passages) if score > 0]
    return found or printing[:1]


def leading_passages(kb: KnowledgeBase, documents: list[int]) -> list[int]:
    """Each document's first ``OWN_PASSAGES`` passages that state what it is for or requires (``_STATES``),
    else its first passages: a directive's demands and a decree's scope open its body.  Never its frame: a
    directive's recipients ("Nơi nhận: … để thực hiện nhiệm vụ") state nothing it requires."""
    chosen: list[int] = []
    by_document: dict[int, list[tuple[int, str]]] = {}
    for chunk, document, folded in kb.store.chunks.bodies(documents, LEADING):
        by_document.setdefault(document, []).append((chunk, folded))
    for passages in by_document.values():
        said = [(chunk, folded) for chunk, folded in passages
                if not (FRAMED.search(folded) or opening_only(folded.split("\n")[1:]))]
        stating = [chunk for chunk, folded in said if _STATES.search(folded[:folded.find("\n") + OPENING])]
        chosen += (stating + [chunk for chunk, _ in said if chunk not in stating])[:OWN_PASSAGES]
    return chosen
