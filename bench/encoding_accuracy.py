"""Character accuracy of kb's reading path on every legacy-encoding sample (a benchmark, not a test).

    .venv/bin/python bench/encoding_accuracy.py [--data ../shared/data/encodings]

Each file of ``MANIFEST.json`` in every form (NFD, Windows-1258, TCVN3, VNI,
UTF-16, and a Word file in ``.VnTime``) is read the way ``kb index`` reads it:
``.txt`` through ``decode_text`` and, when that refuses the bytes, through
``decode_legacy``; ``.docx`` through ``read_docx``.  Accuracy is
1 - edit distance / length of the UTF-8 truth, both sides NFC with LF line ends.
The Word samples hold the truth's first non-blank lines, one paragraph each:
they are compared with as many non-blank lines of the truth as they have
paragraphs (counted in the XML, not by the reader under test).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.decode import decode_text  # noqa: E402
from indexer.errors import UnreadableFileError  # noqa: E402
from indexer.legacy_encodings import decode_legacy  # noqa: E402
from indexer.readers.word import read_docx  # noqa: E402

VARIANTS = ("nfd.txt", "cp1258.txt", "tcvn3.txt", "vni.txt", "utf16le_bom.txt", "tcvn3.docx")


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def read(path: Path) -> tuple[str, str]:
    """The text kb would index from ``path``, and the encoding it detected."""
    if path.suffix == ".docx":
        source = read_docx(path)
        return source.text, source.encoding
    data = path.read_bytes()
    try:
        return decode_text(data)
    except UnreadableFileError:
        return decode_legacy(data)


def expected(path: Path, truth: str) -> str:
    """What reading ``path`` should give: the whole truth, or a Word sample's share of it."""
    if path.suffix != ".docx":
        return truth
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    paragraphs = len(re.findall(r"<w:p[ >]", xml))
    return "\n".join([line for line in truth.split("\n") if line.strip()][:paragraphs])


def differences(truth: str, text: str, limit: int = 5) -> list[str]:
    """The first differing stretches, as ``'expected' -> 'got'``."""
    matcher = difflib.SequenceMatcher(None, truth, text, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    return [f"{truth[i1:i2]!r}->{text[j1:j2]!r}" for _, i1, i2, j1, j2 in changes[:limit]]


def accuracy(truth: str, text: str) -> float:
    """1 - (edit distance / len(truth)), the distance counted on difflib's alignment."""
    if truth == text:
        return 1.0
    matcher = difflib.SequenceMatcher(None, truth, text, autojunk=False)
    edits = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
    return 1 - edits / len(truth)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "encodings")
    args = parser.parse_args()
    manifest = json.loads((args.data / "MANIFEST.json").read_text(encoding="utf-8"))
    worst = 1.0
    print(f"{'file':<48} {'encoding':<12} {'accuracy':>9}")
    for stem in manifest:
        truth = clean((args.data / f"{stem}.utf8.txt").read_text(encoding="utf-8"))
        for variant in VARIANTS:
            path = args.data / f"{stem}.{variant}"
            text, encoding = read(path)
            want = expected(path, truth)
            score = accuracy(want, clean(text))
            worst = min(worst, score)
            print(f"{path.name:<48} {encoding:<12} {score:>8.3%}")
            if score < 1:
                print("    " + "  ".join(differences(want, clean(text))))
    print(f"lowest accuracy: {worst:.3%}")
    return 0 if worst >= 0.995 else 1


if __name__ == "__main__":
    sys.exit(main())
