"""Training pairs from the index's own structure: no question is ever needed, or used.

Three kinds of pair, each a query-like text and a passage that answers to it:

* ``heading``: a passage's own heading (``Điều 8. Quyền của công dân về cư trú``
  without ``Điều 8.``) and the passage under it, with the rest of its heading
  path in front as the index embeds it.  The heading is left out of the
  passage, or the pair would be matched by copying words;
* ``title``: a document's title and a few of its passages, sampled;
* ``citation``: the sentence of a passage that cites another indexed document,
  and that document's first passage.

A share of the documents is held out: none of their passages is an anchor or a
positive, so they can tell whether what was learnt carries over to text the
model never saw.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from indexer.analyzer import matching_text
from indexer.parse import in_frame
from kb.storage.store import Store

__all__ = ["HEADING", "TITLE", "CITATION", "Pair", "PairSet", "build_pairs", "heading_words"]

HEADING, TITLE, CITATION = "heading", "title", "citation"
SEPARATOR = " › "  # between the levels of a heading path (indexer.structure)
MIN_ANCHOR_WORDS = 2
MAX_ANCHOR_WORDS = 60
_NUMBERING = re.compile(
    r"^\s*(?:(?:Phần|Chương|Mục|Điều|Khoản|Điểm|Tiết)\s+)?(?:[0-9IVXLC]+[a-zđ]?|[a-zđ])\s*[.):\-–]\s*", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.;!?\n]+[.;!?]?")


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    kind: str
    documents: tuple[int, ...]  # whose text it holds: the citing and the cited document for a citation


@dataclass(frozen=True)
class PairSet:
    train: list[Pair]
    held_out: list[Pair]  # pairs of the held-out documents: never trained on
    held_out_documents: list[int]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for pair in self.train:
            counts[pair.kind] += 1
        return dict(counts)

    def fingerprint(self) -> str:
        """What a checkpoint was trained on: a resumed run must see the same pairs."""
        digest = hashlib.sha256()
        for pair in self.train:
            digest.update(f"{pair.anchor}\0{pair.positive}\n".encode())
        return digest.hexdigest()


def heading_words(heading: str) -> str:
    """A heading without its numbering (``Điều 8.``, ``II.``, ``3.``, ``a)``): what a person would ask about."""
    return _NUMBERING.sub("", heading, count=1).strip()


def build_pairs(store: Store, held_out_share: float = 0.1, titles_per_document: int = 2, seed: int = 13,
                max_pairs: int | None = None, held_out: Iterable[int] | None = None) -> PairSet:
    """The pairs of every body passage of the index, deduplicated, with a share of the documents held out.

    ``held_out`` names the documents to hold out instead (a benchmark holds out those its questions are on).
    """
    # The header and the closing are names and numbers (the title again, recipients, a signature), not content.
    rows = [row for row in store.chunks.with_titles() if not in_frame(row["section"])]
    documents = sorted({row["document_id"] for row in rows})
    rng = random.Random(seed)
    shuffled = documents[:]
    rng.shuffle(shuffled)
    held = set(shuffled[: round(len(documents) * held_out_share)]) if len(documents) > 1 else set()
    if held_out is not None:
        held = set(held_out)
    by_document: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_document[row["document_id"]].append(row)
    pairs = [*_heading_pairs(rows), *_title_pairs(by_document, titles_per_document, rng),
             *_citation_pairs(store, by_document)]
    unique = list({(p.anchor, p.positive): p for p in pairs}.values())
    train = [p for p in unique if held.isdisjoint(p.documents)]
    if max_pairs is not None and len(train) > max_pairs:
        train = rng.sample(train, max_pairs)
    return PairSet(train, [p for p in unique if not held.isdisjoint(p.documents)], sorted(held))


def _anchor_ok(anchor: str, positive: str) -> bool:
    words = anchor.split()
    return MIN_ANCHOR_WORDS <= len(words) <= MAX_ANCHOR_WORDS and len(positive.split()) >= 2 * MIN_ANCHOR_WORDS


def _heading_pairs(rows: list[dict[str, Any]]) -> list[Pair]:
    pairs = []
    for row in rows:
        *parents, last = row["section"].split(SEPARATOR) if row["section"] else [""]
        anchor = heading_words(last)
        positive = matching_text(SEPARATOR.join(parents), row["text"])
        if _anchor_ok(anchor, row["text"]):
            pairs.append(Pair(anchor, positive, HEADING, (row["document_id"],)))
    return pairs


def _title_pairs(by_document: dict[int, list[dict[str, Any]]], per_document: int, rng: random.Random) -> list[Pair]:
    pairs = []
    for doc_id, rows in sorted(by_document.items()):
        title = (rows[0]["title"] or "").strip()
        for row in rng.sample(rows, min(per_document, len(rows))):
            if _anchor_ok(title, row["text"]):
                pairs.append(Pair(title, matching_text(row["section"], row["text"]), TITLE, (doc_id,)))
    return pairs


def _citation_pairs(store: Store, by_document: dict[int, list[dict[str, Any]]]) -> list[Pair]:
    """The sentence that cites a document, and the cited document's first passage; resolved citations only."""
    pairs = []
    for doc_id, rows in sorted(by_document.items()):
        for reference in store.documents.references_of(doc_id):
            cited = by_document.get(reference.get("document_id") or -1)
            sentence = _citing_sentence(rows, reference["printed"])
            if cited and sentence and _anchor_ok(sentence, cited[0]["text"]):
                pairs.append(Pair(sentence, matching_text(cited[0]["section"], cited[0]["text"]), CITATION,
                                  (doc_id, cited[0]["document_id"])))
    return pairs


def _citing_sentence(rows: list[dict[str, Any]], printed: str) -> str | None:
    for row in rows:
        at = row["text"].find(printed)
        if at >= 0:
            for match in _SENTENCE.finditer(row["text"]):
                if match.start() <= at < match.end():
                    return " ".join(match.group().split()[:MAX_ANCHOR_WORDS])
    return None
