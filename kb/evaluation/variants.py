"""Query variants: the same questions as people really type them, derived from any question set.

Users type without accents, with some accents, in lower case and with typos.
A question set written with care measures none of that, so ``kb eval`` derives
these forms from each question and reports every one beside the typed form.
Every variant is deterministic (the typos come from a generator seeded with
the query itself), so two runs, or two systems in one run, see the same text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from indexer.analyzer import WORD, strip_accents
from kb.errors import InvalidQueryError

__all__ = ["VARIANTS", "half_accents", "with_typos", "parse_variants"]

TYPO_SEED = 2023
TYPO_SHARE = 4  # one word in this many (of the eligible ones) gets a typo
TYPO_MIN_LENGTH = 4


def half_accents(text: str) -> str:
    """Accents removed from every other syllable (the 1st, 3rd, ...; numbers are not syllables)."""
    count = iter(range(1 << 30))

    def alternate(match: re.Match[str]) -> str:
        word = match.group()
        return word if word.isdigit() or next(count) % 2 else strip_accents(word)

    return WORD.sub(alternate, text)


def _typo(word: str, rng: random.Random) -> str:
    """One adjacent-character swap (where the two differ) or one dropped letter."""
    swaps = [i for i in range(len(word) - 1) if word[i] != word[i + 1]]
    if swaps and rng.random() < 0.5:
        i = rng.choice(swaps)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    i = rng.randrange(len(word))
    return word[:i] + word[i + 1:]


def with_typos(text: str, seed: int = TYPO_SEED) -> str:
    """About one word in four of four letters or more gets a typo; at least one if any qualifies.

    Seeded with the text itself, so a question always gets the same typos.
    """
    words = list(WORD.finditer(text))
    eligible = [i for i, m in enumerate(words) if len(m.group()) >= TYPO_MIN_LENGTH and not m.group().isdigit()]
    if not eligible:
        return text
    rng = random.Random(f"{seed}:{text}")
    chosen = set(rng.sample(eligible, max(1, round(len(eligible) / TYPO_SHARE))))
    pieces, last = [], 0
    for i, match in enumerate(words):
        if i in chosen:
            pieces += [text[last:match.start()], _typo(match.group(), rng)]
            last = match.end()
    return "".join(pieces) + text[last:]


VARIANTS: dict[str, Callable[[str], str]] = {
    "typed": lambda text: text,
    "unaccented": strip_accents,
    "half-accented": half_accents,
    "lowercase": str.lower,
    "typos": with_typos,
}


def parse_variants(spec: str) -> list[str]:
    """``all``, or a comma-separated list of variant names; ``typed`` always comes first."""
    names = list(VARIANTS) if spec.strip() == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise InvalidQueryError(f"Unknown query variant(s) {unknown}; known: {', '.join(VARIANTS)} or 'all'.")
    return ["typed"] + [n for n in names if n != "typed"]
