"""The one text analyzer: how Vietnamese text is normalised, folded and cut into words, for indexing and queries.

Forms derived from every piece of text that is indexed or queried:

* ``normalize(text)`` — NFC, one tone-mark convention, folded whitespace.
  Used for the accented full-text column and for the embedding model (whose
  tokenizer loses tone marks on NFD input).
* ``fold(text)`` — ``normalize`` without any diacritics, ``đ`` → ``d``,
  lower-cased.  Used for the accent-insensitive full-text column, so that
  ``chi thi 05`` finds ``Chỉ thị 05``.
* ``strip_accents(text)`` — diacritics removed, case and spacing kept: a
  question as someone types it without accents.
* ``tokens(text)`` and ``pairs(text)`` — the lexical index's terms: syllables
  and adjacent pairs of them, as FTS5's ``unicode61`` tokenizer cuts them.

A passage is matched through its *matching text* (``matching_text``: heading
path, then passage), stored in the two ``columns`` the lexicon indexes and
identified by ``text_hash``, which existing indexes store: its value must
never change.  The original text is never replaced by these forms: it stays
for display.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from itertools import pairwise

__all__ = ["normalize", "fold", "nfc", "fold_char_map", "strip_accents", "WORD", "tokens", "pairs", "spellings",
           "matching_text", "columns", "text_hash", "folded_hash",
           "words", "words_hash"]

# Combining tone marks (the five Vietnamese tones); vowel-quality marks such as
# the breve, circumflex and horn are not tones and never move.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_CLASS = f"[{_TONES}]"

# Old-style ("hóa", "thủy") puts the tone on the first vowel of an open
# syllable ending in oa/oe/uy; new-style ("hoá", "thuỷ") on the second.
# We settle on the old style, which these offices use most.  Pattern works on
# NFD text: o|u, then a|e|y carrying a tone, then no further letter.
# "No further letter" also means no further combining mark: in "hoặc" the breve
# follows the dot below in NFD order, and "ặ" is not an "a" that takes the tone.
_END = r"(?![^\W\d_]|[\u0300-\u036f])"
_NEW_STYLE = re.compile(
    rf"(?<![qQ])([oO])([aAeE])({_TONE_CLASS}){_END}"
    rf"|(?<![qQ])([uU])([yY])({_TONE_CLASS}){_END}"
)
# Look-alikes typed for Vietnamese letters: the Icelandic eth for "đ" ("Ðiều 416").
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ"})
# "đ" has no decomposition: it loses its stroke by name.
_D_BAR = {"đ": "d", "Đ": "D"}

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")

# A word as Python's ``\w`` reads it (letters, digits, ``_``): what highlighting lights up and what the
# query variants and the BM25 baseline count.  The lexicon's ``tokens`` split at ``_`` too, as FTS5 does.
WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[^\W_]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _old_style(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + match.group(3) + match.group(2)
    return match.group(4) + match.group(6) + match.group(5)


def normalize(text: str) -> str:
    """NFC text with old-style tone marks and single spaces between words."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LOOKALIKES))
    decomposed = _NEW_STYLE.sub(_old_style, decomposed)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", decomposed)).strip()


# A syllable that ends in i or y after h, k, l, m, s, t or qu is one sound written two ways: "kỳ" and "kì",
# "lý do" and "lí do", "kỹ thuật" and "kĩ thuật", "quy định" and "qui định", "tỷ lệ" and "tỉ lệ".  Offices
# mostly write y, schoolbooks since 1984 i; a question typed one way finds a passage written the other.
_I_Y = str.maketrans("iìíỉĩịIÌÍỈĨỊyỳýỷỹỵYỲÝỶỸỴ", "yỳýỷỹỵYỲÝỶỸỴiìíỉĩịIÌÍỈĨỊ")
_ENDS_IN_I_OR_Y = re.compile(r"(?:[hklmst]|qu)[iìíỉĩịyỳýỷỹỵ]", re.IGNORECASE)


def spellings(syllable: str) -> tuple[str, ...]:
    """``syllable`` and its other spelling, if it has one (``kỳ`` and ``kì``, ``qui`` and ``quy``), NFC
    lower-case syllables accented or folded, as ``tokens`` gives them."""
    if not _ENDS_IN_I_OR_Y.fullmatch(syllable):
        return (syllable,)
    return syllable, syllable[:-1] + syllable[-1].translate(_I_Y)


def _bare(char: str) -> str:
    """The character without its diacritics, case kept; possibly empty (a lone combining mark)."""
    if char in _D_BAR:
        return _D_BAR[char]
    return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))


class _FoldedChars(dict[int, str]):
    """Each character's folded form (``_bare``, lower-case), worked out on its first sight: ``str.translate``
    with it folds a text three times faster than a character at a time in Python, which every search paid for
    the places and titles of the documents it ranks."""

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _bare(chr(codepoint)).lower()
        return folded


_FOLDED_CHARS = _FoldedChars()


def fold(text: str) -> str:
    """Accent-free, lower-case form: ``Đảng ủy`` → ``dang uy``."""
    return normalize(text).translate(_FOLDED_CHARS)


def fold_char_map(text: str) -> str:
    """Fold character by character, keeping the length of the NFC input.

    Highlighting needs positions in the displayed text to match positions in
    the folded text; ``fold`` may change length (whitespace), this does not.
    """
    return "".join(_bare(c).lower()[:1] or c for c in nfc(text))


def strip_accents(text: str) -> str:
    """Every diacritic removed, ``đ`` → ``d``, case, spacing and punctuation kept: ``Chỉ thị`` → ``Chi thi``."""
    return nfc("".join(_bare(c) for c in text))


def tokens(text: str) -> list[str]:
    """Syllables as FTS5's unicode61 tokenizer finds them: runs of letters and digits, in lower case.

    Saved lexicons (``lexicon.npz``) hold these: a change needs the lexicon's ``FORMAT`` raised.
    """
    return _TOKEN.findall(text.lower())


def pairs(text: str) -> list[tuple[str, str]]:
    """Every two adjacent syllables (``chỉ thị``, ``thị 05``): most Vietnamese words are two syllables written apart."""
    return list(pairwise(tokens(text)))


def matching_text(section: str, text: str) -> str:
    """What the lexical and dense legs see of a chunk: its heading path, then the passage.

    A passage that begins without its heading otherwise loses to the preamble.
    """
    return f"{section}\n{text}" if section else text


def columns(matching: str) -> tuple[str, str]:
    """The lexicon's two columns of a matching text: ``accented`` (normalised, lower case) and ``folded``."""
    return normalize(matching).lower(), fold(matching)


def text_hash(matching: str) -> str:
    """Identifies what a vector was computed from, so identical passages are embedded once.

    Stored in every index (``chunks.text_hash``): changing it makes every stored vector look new.
    """
    return hashlib.sha1(normalize(matching).encode("utf-8")).hexdigest()


def folded_hash(text: str) -> str:
    """Identifies a passage's words folded (case, accents and punctuation aside): copies of one document
    (one whose legacy encoding lost some tone marks) hold passages of equal hashes.

    Stored in every index (``chunks.folded_hash``), so a search tells copies apart without folding
    its candidates' text: changing it needs a schema migration that computes it again.
    """
    return hashlib.sha1(" ".join(tokens(fold(text))).encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    """A text's words in order, normalised and lower-cased, without layout or punctuation.

    What stays of a document whatever file it came in: the same text read from
    UTF-8, VNI, TCVN3, NFD or a Word table gives the same words.
    """
    return tokens(normalize(text))


def words_hash(text: str) -> str:
    """Identifies a document's text by its words (``words``): files with equal hashes are copies of one text.

    Stored in every index (``document_sources.words_hash``): changing it makes every copy look new.
    """
    return hashlib.sha1(" ".join(words(text)).encode("utf-8")).hexdigest()
