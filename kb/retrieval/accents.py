"""Accents put back on Vietnamese typed without them, learned from the index's own passages.

People type ``chi thi 05 yeu cau gi`` for ``Chỉ thị 05 yêu cầu gì``.  The folded
lexical column matches such a query, but the embedding model reads it poorly, and
the accented column and the phrase pairs miss it.  Each folded syllable stands for
a handful of accented ones (``tu``: tu, tư, tù, tú, từ, tử, tự, …); which one was
meant is read from its neighbours, as the passages of the index use them.

The model is a syllable trigram model with interpolated Kneser–Ney smoothing
(Chen and Goodman, 1998) over the index's passages; a query is decoded by Viterbi
over the accented forms, seen in the passages, of each typed syllable.  Only
trigram counts are kept: every lower order is derived from them (each token is the
last of exactly one trigram, sentences being padded with two starts), so adding
passages is adding counts, and the file is one sorted array of keys and one of
counts beside the vocabulary.

A syllable typed with marks keeps them: only forms agreeing with every mark typed
are candidates (``đang`` may become ``đảng``, never ``dạng``).  Numbers and
document codes (``05``, ``131-KH/TU``) are kept as typed and read as one token,
``<num>``, so that ``dieu 5`` still reads ``Điều 5``.  ``suggest`` also considers
the syllables of the index one edit away from each typed one, at a cost, for the
"did you mean" line.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from string import ascii_lowercase

import numpy as np

from indexer.analyzer import fold, nfc, normalize
from kb.retrieval.asking import questions
from kb.retrieval.snapshot import read_snapshot, write_snapshot

__all__ = ["AccentRestorer", "FORMAT", "ORDER"]

FORMAT = 2  # of accents.npz; raise it when the arrays, the tokenizer or what every model counts change
ORDER = 3  # trigrams: whole sentences restored 87% held out, 84% with bigrams (bench/accent_accuracy.py)
EDIT_COST = 9.0  # natural-log penalty of one typing error in ``suggest``: the context must make it that much likelier
VIETNAMESE_SHARE = 0.75  # of a text's words the index must know as syllables for it to be read as Vietnamese
ACCENTED_SHARE = 0.5  # past this share of syllables typed with marks, the bare ones were typed bare on purpose
MAX_FORMS = 24  # forms a syllable may stand for, cheapest then most frequent: decoding costs their cube
MIN_EDIT_LENGTH = 3  # shorter syllables have too many neighbours one edit away to guess a typo from
_BITS = 21  # per syllable id in a trigram key: 2 million syllables, three of them in 63 bits
_MASK = np.uint64((1 << _BITS) - 1)
_LIMIT = 1 << _BITS
BOS, EOS, NUM, UNK = 0, 1, 2, 3  # a sentence's two starts, its end, any number or code, syllables past the limit
_RESERVED = ["<s>", "</s>", "<num>", "<unk>"]
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below (decomposed)
_STOP_TONES = "\u0301\u0323"  # the tones a syllable ending in a stop takes: acute, dot below


# One pass reads a text as tokens: a number or code (a piece holding a digit or a slash, kept whole),
# a syllable (a run of letters), or a stop that ends a sentence.  Commas and hyphens only separate.
_PIECE = re.compile(r"(\S*[\d/]\S*)|([^\W\d_]+)|([.!?;:\n|()\[\]\"“”…]+)")


@dataclass(frozen=True)
class _Level:
    """One order of the smoothed model: its n-grams' counts and, per context, their sum and number."""

    keys: np.ndarray  # uint64 n-gram keys, sorted
    values: np.ndarray  # raw counts at the top order, continuation counts (distinct left neighbours) below
    contexts: np.ndarray  # uint64 context keys (the n-gram without its last syllable), sorted, unique
    totals: np.ndarray  # sum of values per context
    types: np.ndarray  # distinct next syllables per context
    discount: float

    @classmethod
    def of(cls, keys: np.ndarray, values: np.ndarray) -> _Level:
        contexts = keys >> np.uint64(_BITS)
        starts = np.flatnonzero(np.r_[True, contexts[1:] != contexts[:-1]]) if len(keys) else np.zeros(0, np.int64)
        ones, twos = int((values == 1).sum()), int((values == 2).sum())
        discount = min(max(ones / (ones + 2 * twos), 0.1), 0.9) if ones + twos else 0.5
        return cls(keys, values.astype(np.float64), contexts[starts],
                   np.add.reduceat(values, starts).astype(np.float64) if len(keys) else np.zeros(0),
                   np.diff(np.r_[starts, len(keys)]).astype(np.float64), discount)

    def smooth(self, context: np.ndarray, key: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """P(w | context), interpolated with the lower order's ``lower``; where the context is unseen, ``lower``."""
        if not len(self.contexts):  # an index whose passages were all removed
            return lower
        at = np.minimum(np.searchsorted(self.contexts, context), len(self.contexts) - 1)
        seen = self.contexts[at] == context
        where = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        value = np.where(self.keys[where] == key, self.values[where], 0.0)
        total = np.where(seen, self.totals[at], 1.0)
        smoothed = (np.maximum(value - self.discount, 0.0) + self.discount * self.types[at] * lower) / total
        return np.where(seen, smoothed, lower)


class AccentRestorer:
    """Trigram counts of a set of passages, the vocabulary they use, and what was read from an index."""

    def __init__(self, order: int = ORDER) -> None:
        if order not in (1, 2, 3):
            raise ValueError(f"order {order}: the model holds trigrams, so 1, 2 or 3")
        self.order = order
        self.vocabulary: dict[str, int] = {w: i for i, w in enumerate(_RESERVED)}
        self.keys = np.zeros(0, np.uint64)  # trigram keys, sorted, unique
        self.counts = np.zeros(0, np.uint32)
        self.passages = 0  # passages counted
        self.database = ""  # where the passages came from, for ``kb.retrieval.accents_sync``
        self.last_chunk = 0
        self.last_deletion = 0
        self.stale = 0  # passages counted that the index has deleted since (counts cannot be taken back)

    @classmethod
    def for_index(cls) -> AccentRestorer:
        """An index's model before its passages: the questions of ``kb.retrieval.asking`` counted, and no passage.

        Passages state; people ask.  Without them a bare question word is read as
        the index's passages spell its syllables most often ("bao nhieu" as "báo
        nhiều", "do ai ky" as "đó ai kỳ"), and the accented legs search for that.
        """
        restorer = cls()
        restorer._count(questions())
        return restorer

    @classmethod
    def from_texts(cls, texts: Iterable[str], order: int = ORDER, batch: int = 20_000) -> AccentRestorer:
        restorer = cls(order)
        for part in _batches(texts, batch):
            restorer.add(part)
        return restorer

    # -- counting -------------------------------------------------------------------------
    def add(self, texts: Iterable[str], *, normalized: bool = False) -> int:
        """Count the trigrams of these passages; how many passages.

        Texts are normalised first unless ``normalized`` says they already are,
        lower-cased (the chunks' ``accented`` column): normalising is half the cost.
        """
        added = self._count(texts, normalized)
        self.passages += added
        return added

    def _count(self, texts: Iterable[str], normalized: bool = False) -> int:
        ids = array("I")  # a Python list of a batch's ids would take five times the memory
        added = 0
        for text in texts:
            self._read(text if normalized else normalize(text).lower(), ids)
            added += 1
        if len(ids) > 2:
            tokens = np.frombuffer(ids, np.uint32).astype(np.uint64)
            keep = tokens[2:] != BOS  # a trigram ending on a start would straddle two sentences
            keys = ((tokens[:-2] << np.uint64(2 * _BITS)) | (tokens[1:-1] << np.uint64(_BITS)) | tokens[2:])[keep]
            self._merge(*np.unique(keys, return_counts=True))
        return added

    def _read(self, text: str, out: array[int]) -> None:
        """Append the text's sentences as syllable ids, each after two starts and before an end."""
        vocabulary, inside = self.vocabulary, False
        for number, word, stop in _PIECE.findall(text):
            if stop:
                if inside:
                    out.append(EOS)
                inside = False
                continue
            if not inside:
                out.extend((BOS, BOS))
                inside = True
            if number:
                out.append(NUM)
                continue
            found = vocabulary.get(word)
            if found is None:
                found = len(vocabulary) if len(vocabulary) < _LIMIT else UNK
                if found != UNK:
                    vocabulary[word] = found
            out.append(found)
        if inside:
            out.append(EOS)

    def _merge(self, keys: np.ndarray, counts: np.ndarray) -> None:
        if len(self.keys):
            keys, inverse = np.unique(np.concatenate([self.keys, keys]), return_inverse=True)
            counts = np.bincount(inverse, np.concatenate([self.counts, counts]).astype(np.float64), len(keys))
        self.keys, self.counts = keys, counts.astype(np.uint32)
        for derived in ("_levels", "_forms", "_words", "frequencies"):
            self.__dict__.pop(derived, None)

    # -- the smoothed model ------------------------------------------------------------------
    @cached_property
    def _levels(self) -> list[_Level]:
        """Orders 1 to ``order``: the top one from raw counts, each below from the distinct n-grams above it."""
        keys, values = self._suffix_counts(self.order)
        levels = [_Level.of(keys, values)]
        for order in range(self.order - 1, 0, -1):
            keys, values = np.unique(keys & _low(order), return_counts=True)
            levels.append(_Level.of(keys, values))
        return levels[::-1]

    def _suffix_counts(self, order: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw counts of the ``order``-grams: each occurrence is the end of exactly one trigram."""
        if order == 3:
            return self.keys, self.counts
        keys, inverse = np.unique(self.keys & _low(order), return_inverse=True)
        return keys, np.bincount(inverse, self.counts.astype(np.float64), len(keys)).astype(np.int64)

    def probability(self, before2: np.ndarray, before: np.ndarray, word: np.ndarray) -> np.ndarray:
        """P(word | before2 before), element-wise over arrays of syllable ids."""
        p = np.full(len(word), 1.0 / max(len(self.vocabulary), 1))
        history = [np.zeros(len(word), np.uint64), before, (before2 << np.uint64(_BITS)) | before]
        for n, level in enumerate(self._levels):
            p = level.smooth(history[n], (history[n] << np.uint64(_BITS)) | word, p)
        return p

    @cached_property
    def frequencies(self) -> np.ndarray:
        """How often each syllable id occurs in the passages counted."""
        keys, counts = self._suffix_counts(1)
        frequency = np.zeros(len(self.vocabulary), np.int64)
        frequency[keys.astype(np.int64)] = counts
        return frequency

    @cached_property
    def _forms(self) -> dict[str, np.ndarray]:
        """The accented syllables of each folded one, most frequent first."""
        grouped: dict[str, list[int]] = {}
        for word, i in self.vocabulary.items():
            if i >= len(_RESERVED):
                grouped.setdefault(fold(word), []).append(i)
        frequency = self.frequencies
        return {f: np.array(sorted(ids, key=lambda i: -frequency[i]), np.uint64) for f, ids in grouped.items()}

    @cached_property
    def _words(self) -> list[str]:
        return list(self.vocabulary)

    # -- reading a query ---------------------------------------------------------------------
    def restore(self, text: str) -> str:
        """The text with accents put on its unaccented syllables; marks typed, numbers, codes and punctuation kept."""
        return self._decode(text, edits=_nowhere)

    def suggest(self, text: str) -> str | None:
        """The text with typing errors mended and accents restored, if that differs from what was typed.

        A syllable may become one of the index's syllables one edit away (a letter
        left out, added, changed or two swapped), when its neighbours make that
        ``EDIT_COST`` likelier than what was typed.
        """
        suggestion = self._decode(text, edits=_everywhere)
        return suggestion if normalize(suggestion) != normalize(text) else None

    def mend(self, text: str) -> str | None:
        """The text restored, each syllable the index never saw mended as ``suggest`` would ("nhữg", "bao nhiu",
        "quyết địh"): None if it holds none.  The others keep what was typed, and so does an abbreviation ("ĐVTN",
        "CCB"): in a search, unlike in a suggestion, a syllable the index knows was typed as meant."""
        if not any(self._unknown(piece) for piece in _PIECE.finditer(nfc(text))):
            return None
        return self._decode(text, edits=self._unknown)

    def _unknown(self, piece: re.Match[str]) -> bool:
        """Whether a ``_PIECE`` is a word, no syllable of the index as typed, nor an abbreviation."""
        word = piece.group(2)
        if not word or (len(word) > 1 and word.isupper()):
            return False
        typed = normalize(word).lower()
        return typed not in self.vocabulary and not (typed == fold(typed) and typed in self._forms)

    def _decode(self, text: str, edits: Callable[[re.Match[str]], bool]) -> str:
        """Each sentence of the text decoded whole; a stop or a syllable the index never saw starts a new one."""
        text = nfc(text)
        words = [w for w in _PIECE.findall(text) if w[1]]
        folded = [fold(w[1]) for w in words]
        if sum(f in self._forms for f in folded) < VIETNAMESE_SHARE * len(words):
            return text  # English, or names the index does not hold: nothing to read them by
        marked = sum(normalize(w[1]).lower() != f for w, f in zip(words, folded))
        keep_bare = marked > ACCENTED_SHARE * len(words)
        chosen: dict[int, tuple[int, str]] = {}  # start → (end, replacement)
        sentence: list[_Slot] = []
        for match in _PIECE.finditer(text):
            number, word, _ = match.groups()
            slot = _Slot(match, np.array([NUM], np.uint64), np.zeros(1)) if number else (
                self._slot(match, edits, keep_bare) if word else None)
            if slot is not None:
                sentence.append(slot)
                continue
            self._choose(sentence, chosen)
            sentence = []
        self._choose(sentence, chosen)
        pieces: list[str] = []
        at = 0
        for start in sorted(chosen):
            end, replacement = chosen[start]
            pieces += (text[at:start], replacement)
            at = end
        return "".join(pieces) + text[at:]

    def _slot(self, match: re.Match[str], edits: Callable[[re.Match[str]], bool], keep_bare: bool) -> _Slot | None:
        """The forms a typed syllable may stand for, and what each costs; ``None`` if the index knows none.

        ``keep_bare``: the text is mostly accented, so every syllable was typed as meant, bare ones too
        (``Vĩnh Long``); ``suggest`` may still change them, at a cost.
        """
        folded, typed = fold(match.group()), normalize(match.group()).lower()
        forms = self._forms.get(folded, _NO_FORMS)
        agrees = [self._words[i] == typed if keep_bare else _agrees(typed, folded, self._words[i]) for i in forms]
        if keep_bare and _toneless_stop(typed, folded):  # "doanh nghiêp", "lý lich": its tone was left out
            agrees = [_agrees(typed, folded, self._words[i]) for i in forms]
        costs = np.where(agrees, 0.0, np.inf)
        if edits(match) and len(folded) >= MIN_EDIT_LENGTH:
            costs = np.minimum(costs, EDIT_COST)  # marks typed wrong are a typing error too
            near = [self._forms[f] for f in _one_edit(folded) if f in self._forms]
            forms = np.concatenate([forms, *near])
            costs = np.r_[costs, np.full(len(forms) - len(costs), EDIT_COST)]
        keep = np.lexsort((-self.frequencies[forms.astype(np.int64)], costs))[:MAX_FORMS]
        keep = keep[np.isfinite(costs[keep])]
        return _Slot(match, forms[keep], costs[keep]) if len(keep) else None

    def _choose(self, sentence: list[_Slot], chosen: dict[int, tuple[int, str]]) -> None:
        if not sentence:
            return
        for slot, pick in zip(sentence, self._viterbi([s.forms for s in sentence], [s.costs for s in sentence])):
            if slot.forms[pick] != NUM:
                typed = slot.match.group()
                chosen[slot.match.start()] = (slot.match.end(), _with_case(typed, self._words[int(slot.forms[pick])]))

    def _viterbi(self, options: list[np.ndarray], costs: list[np.ndarray]) -> list[int]:
        """The likeliest choice at each position under the trigram model, less the choices' costs.

        A state is the choice at the last two positions; the sentence starts
        after two starts and must be able to end.  With one form at each position
        (a question typed with its accents: ``keep_bare``) there is nothing to weigh.
        """
        if all(len(forms) == 1 for forms in options):
            return [0] * len(options)
        steps = [np.array([BOS], np.uint64)] * 2 + options + [np.array([EOS], np.uint64)]
        step_costs = [np.zeros(1)] * 2 + costs + [np.zeros(1)]
        score = np.zeros((1, 1))  # over (choice two back, choice one back)
        back: list[np.ndarray] = []
        for t in range(2, len(steps)):
            a, b, c = steps[t - 2], steps[t - 1], steps[t]
            grid = np.log(self.probability(np.repeat(a, len(b) * len(c)), np.tile(np.repeat(b, len(c)), len(a)),
                                           np.tile(c, len(a) * len(b)))).reshape(len(a), len(b), len(c))
            grid += score[:, :, None] - step_costs[t][None, None, :]
            back.append(grid.argmax(0))
            score = grid.max(0)
        path = [0, int(score[:, 0].argmax())]  # the end, the choice before it
        for pointers in back[:0:-1]:
            path.append(int(pointers[path[-1], path[-2]]))
        return path[::-1][1:-1]

    # -- the file ----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model to ``path`` whole, via a temporary name."""
        meta = {"format": FORMAT, "order": self.order, "passages": self.passages, "database": self.database,
                "last_chunk": self.last_chunk, "last_deletion": self.last_deletion, "stale": self.stale}
        write_snapshot(path, meta, self.vocabulary, {"keys": self.keys, "counts": self.counts}, compressed=True)

    @classmethod
    def load(cls, path: Path) -> AccentRestorer:
        """Read a saved model; ``ValueError`` if it is not one this version wrote, ``FileNotFoundError`` if none."""
        with read_snapshot(path, FORMAT) as (meta, words, data):
            restorer = cls(meta["order"])
            for field in ("passages", "database", "last_chunk", "last_deletion", "stale"):
                setattr(restorer, field, meta[field])
            restorer.vocabulary = {w: i for i, w in enumerate(words)}
            restorer.keys, restorer.counts = data["keys"], data["counts"]
        return restorer


@dataclass(frozen=True)
class _Slot:
    """A typed token of a sentence being decoded: the syllable ids it may stand for, and what each costs."""

    match: re.Match[str]
    forms: np.ndarray
    costs: np.ndarray


_NO_FORMS = np.zeros(0, np.uint64)


def _low(order: int) -> np.uint64:
    """The mask keeping the last ``order`` syllables of a trigram key."""
    return np.uint64((1 << (_BITS * order)) - 1)


def _nowhere(piece: re.Match[str]) -> bool:
    """Where ``restore`` tries a syllable's edits: at none."""
    return False


def _everywhere(piece: re.Match[str]) -> bool:
    """Where ``suggest`` tries them: at every syllable, those the index holds too."""
    return True


def _agrees(typed: str, folded: str, form: str) -> bool:
    """Whether ``form`` carries every mark typed: a letter typed bare may take any, one typed with its hat, horn or
    breve any tone ("nghiêp" may be "nghiệp")."""
    return len(form) == len(typed) and all(t == f or t == b or t == _toneless(f) for t, b, f in zip(typed, folded, form))


def _toneless_stop(typed: str, folded: str) -> bool:
    """Whether a syllable was typed without the tone it must have: one ending in p, t, c or ch takes an acute or a dot
    below ("nghiệp", "lịch"), never none ("nghiêp", "lich")."""
    return folded.endswith(("p", "t", "c", "ch")) and not any(
        mark in unicodedata.normalize("NFD", typed) for mark in _STOP_TONES)


@cache
def _toneless(letter: str) -> str:
    """A letter without its tone mark, its hat, horn or breve kept: "ệ" → "ê", "ợ" → "ơ", "á" → "a"."""
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", letter) if c not in _TONES))


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion of a letter away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in ascii_lowercase}
            | {a + c + b for a, b in splits for c in ascii_lowercase}) - {word}


def _with_case(typed: str, form: str) -> str:
    """``form`` in the case the syllable was typed in: letter by letter, or as a whole if the lengths differ."""
    if len(typed) == len(form):
        return "".join(f.upper() if t.isupper() else f for t, f in zip(typed, form))
    if typed.isupper() and len(typed) > 1:
        return form.upper()
    return form[:1].upper() + form[1:] if typed[:1].isupper() else form


def _batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
