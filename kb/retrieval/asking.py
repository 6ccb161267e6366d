"""How staff word a question (``question_phrases.txt`` beside this module), read once.

Two readers need the words of asking apart from the words of the subject: the
accent model counts the questions so that "bao nhieu" is read "bao nhiêu", and
the refusal leaves their word pairs out of what a passage must hold, since
passages state and do not ask ("bao nhiêu", "như thế nào" are in few of them).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from indexer.analyzer import fold, pairs

__all__ = ["QUESTIONS", "asking_pairs", "questions"]

QUESTIONS = "question_phrases.txt"


@cache
def questions() -> tuple[str, ...]:
    """The questions of the file, one a line, without its comments."""
    text = resources.files("kb.retrieval").joinpath(QUESTIONS).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line and line[0] != "#")


@cache
def asking_pairs() -> frozenset[tuple[str, str]]:
    """Every pair of adjacent syllables of the questions, folded: "bao nhieu", "nhu the", "the nao", "quy dinh"."""
    return frozenset(pair for line in questions() for pair in pairs(fold(line)))
