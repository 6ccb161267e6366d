"""Text normalisation for matching Vietnamese text.

Two forms are derived from every piece of text that is indexed or queried:

* ``normalize(text)`` — NFC, one tone-mark convention, folded whitespace.
  Used for the accented full-text column and for the embedding model (whose
  tokenizer loses tone marks on NFD input).
* ``fold(text)`` — ``normalize`` without any diacritics, ``đ`` → ``d``,
  lower-cased.  Used for the accent-insensitive full-text column, so that
  ``chi thi 05`` finds ``Chỉ thị 05``.

The original text is never replaced by these forms: it stays for display.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "fold", "nfc", "fold_char_map"]

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

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")


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


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base.lower()


def fold(text: str) -> str:
    """Accent-free, lower-case form: ``Đảng ủy`` → ``dang uy``."""
    return "".join(_fold_char(c) for c in normalize(text))


def fold_char_map(text: str) -> str:
    """Fold character by character, keeping the length of the NFC input.

    Highlighting needs positions in the displayed text to match positions in
    the folded text; ``fold`` may change length (whitespace), this does not.
    """
    return "".join(_fold_char(c)[:1] or c for c in nfc(text))
