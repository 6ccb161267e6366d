"""A law named in English by its name ("the Law on Prices", "the Press Law"): the laws whose subject it names.

Staff who ask in English name a law as its English title reads, not by its number.  The reference leg
reads numbers only, and the glossary puts the name's words in English order ("network information
security" → "mạng thông tin an ninh"), which the phrase leg's pairs do not find in "an toàn thông tin
mạng".  So each phrase of the name is looked for in the subjects of the index's laws, in any order; the
laws whose subject holds a sense of every phrase (of a name of three phrases or more, all but one), with
the fewest of its words left over, are the laws the question names, and their passages among the first
of the ranking go first (``kb.retrieval.arrange.titled_first``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from indexer.analyzer import fold, tokens
from kb.retrieval.glossary import glossary

__all__ = ["LAW_TYPES", "law_name", "titled_laws"]

LAW_TYPES = ("Luật", "Bộ luật")
_STOP = (r"what|which|who|whom|when|where|how|why|does|do|did|is|are|was|were|must|can|could|may|might|should"
         r"|shall|will|would|has|have|had|if|from|to|for|by|about|under|say|says|said|define|defines|require|requires")
# "the Law on Network Information Security, …", "the Law on Thrift Practice and Waste Prevention": its words in
# capitals, and the small words between them.
_TITLED = re.compile(r"\b(?:Law|Code) (?:on|of) (?P<name>[A-Z][\w'-]*(?:\s+(?:[A-Z][\w'-]*|and|of|on|for|the))*)")
# "the law on network information security" typed in lower case: up to a question's word or a stop.
_LOWER = re.compile(rf"\b(?:law|code) (?:on|of) (?P<name>.+?)(?=\s*[,.?;:!()]|\s*$|\s(?:{_STOP})\b)")
# "the Press Law", "the Labor Code", "the Food Safety Law".
_BEFORE = re.compile(r"\b(?P<name>(?:[A-Z][\w'-]*\s+){1,4})(?:Law|Code)\b")
_CONNECTORS = {"and", "of", "on", "for", "the", "no", "no."}  # and "No." of "Law on X No. 42/2013"


def law_name(text: str) -> str | None:
    """The English name of the law ``text`` names ("Network Information Security"), if it names one so."""
    for pattern in (_TITLED, _BEFORE, _LOWER):
        if match := pattern.search(text):
            words = match["name"].split()
            while words and words[-1].lower() in _CONNECTORS:
                words.pop()
            if words and not (pattern is _BEFORE and words[0].lower() in {"the", "this", "that", "which", "what"}):
                return " ".join(words)
    return None


def titled_laws(text: str, subjects: Callable[[], list[tuple[int, str]]], most: int) -> list[int]:
    """The laws of ``subjects()`` (``(id, subject)``, read only if ``text`` names a law) that ``text`` names by
    its English name; none if it names none, or more than ``most`` fit it equally."""
    name = law_name(text)
    if name is None:
        return []
    senses = [[" ".join(tokens(fold(term))) for term in sense] for sense in glossary().translate(name).senses]
    if not senses:
        return []
    fits: dict[int, tuple[int, float]] = {}
    for doc_id, subject in subjects():
        words = tokens(fold(subject))
        spaced = f" {' '.join(words)} "
        held = [term for sense in senses if (term := next((t for t in sense if f" {t} " in spaced), None))]
        if words and len(held) >= len(senses) - (len(senses) >= 3):  # a long name may miss one word
            fits[doc_id] = (len(held), sum(len(term.split()) for term in held) / len(words))
    best = max(fits.values(), default=None)
    chosen = [doc_id for doc_id, fit in fits.items() if fit == best]
    return chosen if 0 < len(chosen) <= most else []
