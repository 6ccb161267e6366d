"""Which files of ``../shared/data`` are held out of metadata tuning, fixed before any result was seen.

A file is held out when the SHA-1 of its key (the file name up to its first dot, so that the
encodings of one text fall on the same side) is divisible by the group's modulus.  The two
Party texts of ``encodings/`` are held out whole: they are the only Party documents in the
shared data besides ``corpus/``, on which the tests were already written.
Run: ``.venv/bin/python bench/heldout_split.py`` lists the held-out files.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
# Group folder → modulus: one key in ``modulus`` is held out.
MODULI = {"docx-pdf/laws-docx": 20, "laws-txt": 20, "docx-pdf/court-docs": 2}
HELD_OUT_TEXTS = ("encodings/party_221-KL-TW_2025.utf8.txt", "encodings/party_221-KL-TW_2025.tcvn3.docx",
                  "encodings/plan_252-KH-BCDQG1237_2013.utf8.txt", "encodings/plan_252-KH-BCDQG1237_2013.tcvn3.docx")
_SUFFIXES = (".txt", ".docx", ".pdf")
_NOT_DOCUMENTS = ("SOURCE.txt", "README.md", "MANIFEST.json")


def is_held_out(key: str, modulus: int) -> bool:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % modulus == 0


def held_out_files(data: Path = DATA) -> list[str]:
    """Paths relative to ``data`` of every held-out file."""
    found = list(HELD_OUT_TEXTS)
    for group, modulus in MODULI.items():
        for path in sorted((data / group).rglob("*")):
            if path.suffix in _SUFFIXES and path.name not in _NOT_DOCUMENTS and is_held_out(path.name.split(".")[0], modulus):
                found.append(str(path.relative_to(data)))
    return found


if __name__ == "__main__":
    print("\n".join(held_out_files(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)))
