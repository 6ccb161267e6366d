"""Check eval/devset.jsonl against the documents as kb reads them.

A snippet the judge can never find makes a question unanswerable and the
scores lie, so every ``relevant[].contains`` must occur, after the judge's own
normalisation (``normalize`` + lower case, which keeps line breaks: a quote
must not cross one), inside one *passage* of its file:
the file is read with the indexer's reader, front matter split off as
``kb.indexing`` does, and cut by ``parse_document``.  Web pages are cut with
the boilerplate learned over their folder, as an indexing run over that
folder would.  A snippet found in the text but in no passage straddles a cut
and is reported as such.

Also checks what the judge and the folds rely on: ids unique, every ``doc``
resolving to exactly one file (the judge compares base names only), at least
one gold item per answerable question, none for ``noanswer``, and a fold.

Run: ``.venv/bin/python bench/check_devset.py [--set eval/devset.jsonl] [--data DIR] [--dump DIR | --files]``
(``--dump`` writes each used file's passages to ``DIR/<name>.txt``, to read while writing questions;
``--files`` prints the path of every file the set uses, to index just those).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.analyzer import normalize
from indexer.boilerplate import FurnitureLines, find_furniture
from indexer.errors import UnreadableFileError
from indexer.front_matter import SUFFIXES, split_front_matter
from indexer.limits import ReadingLimits
from indexer.model import SourceText
from indexer.parse import parse_document
from indexer.read import read_file

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FOLDERS = ("admin-docs/docs", "laws-txt", "docx-pdf/laws-docx", "docx-pdf/court-docs", "encodings")
SUFFIXES_READ = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}
FOLDS = 5


def _norm(text: str) -> str:
    return normalize(text).lower()


def _read(path: Path) -> SourceText:
    """The file's text as ``kb.indexing`` reads it: the format's reader, then front matter split off."""
    source = read_file(path, limits=ReadingLimits())
    if path.suffix.lower() in SUFFIXES:
        source.text = split_front_matter(source.text)[1]
    return source


def _boilerplate(folder: Path) -> frozenset[str]:
    """Lines repeated across the folder's web pages (admin-docs), as the first indexing pass learns them."""
    counter = FurnitureLines()
    for path in sorted(folder.glob("*.md")):
        try:
            counter.add(_read(path).text)
        except UnreadableFileError:  # a page without the document: indexing skips it too
            continue
    return counter.lines()


def find_files(data: Path, corpus: Path) -> dict[str, list[Path]]:
    """Every readable file by base name (the judge's key), so a name held twice can be refused."""
    names: dict[str, list[Path]] = {}
    roots = [data / folder for folder in FOLDERS] + [corpus]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() in SUFFIXES_READ and path.name not in ("README.md",):
                names.setdefault(path.name, []).append(path)
    return names


@dataclass
class Document:
    text: str  # normalised, lower-cased whole text
    passages: list[str]  # normalised, lower-cased passages, as the judge sees them
    raw_passages: list[tuple[str, str]]  # (section, display text), for --dump


class Reader:
    """Reads and cuts each file once, learning a folder's boilerplate the first time it is needed."""

    def __init__(self) -> None:
        self._boilerplate: dict[Path, frozenset[str]] = {}
        self._documents: dict[Path, Document] = {}

    def document(self, path: Path) -> Document:
        if path not in self._documents:
            boilerplate = frozenset[str]()
            if path.suffix.lower() == ".md":
                if path.parent not in self._boilerplate:
                    self._boilerplate[path.parent] = _boilerplate(path.parent)
                boilerplate = self._boilerplate[path.parent]
            source = _read(path)
            chunks = parse_document(source, find_furniture(source.text, boilerplate)).chunks
            self._documents[path] = Document(_norm(source.text), [_norm(c.text) for c in chunks],
                                             [(c.section, c.text) for c in chunks])
        return self._documents[path]


def expected_fold(row: dict, noanswer_index: int) -> int:
    """The fold a question belongs to: folds split by *document*, so tuning never sees a test document.

    A question goes with its first gold file (SHA-1 of the base name, mod 5); questions without an
    answer are dealt round-robin in file order.
    """
    if not row["relevant"]:
        return noanswer_index % FOLDS
    name = Path(row["relevant"][0]["doc"]).name
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16) % FOLDS


def _why_missing(snippet: str, document: Document) -> str:
    """Why the judge would not see a snippet: ``normalize`` keeps line breaks, so one inside the quote defeats it."""
    folded = " ".join(snippet.split())
    if any(folded in " ".join(passage.split()) for passage in document.passages):
        return "crosses a line break of the passage"
    return "straddles a passage cut" if folded in " ".join(document.text.split()) else "not in the text"


def check(rows: list[dict], names: dict[str, list[Path]], reader: Reader) -> list[str]:
    """Every problem found, one line each; an empty list means the set is sound."""
    problems = []
    for id_, count in Counter(row["id"] for row in rows).items():
        if count > 1:
            problems.append(f"{id_}: id used {count} times")
    noanswer = 0
    for row in rows:
        id_, relevant = row["id"], row["relevant"]
        if row.get("fold") != expected_fold(row, noanswer):
            problems.append(f"{id_}: fold {row.get('fold')}, the rule gives {expected_fold(row, noanswer)}")
        noanswer += not relevant
        if row["kind"] == "noanswer":
            if relevant:
                problems.append(f"{id_}: a noanswer question with gold items")
            continue
        if not relevant:
            problems.append(f"{id_}: no gold items")
        for item in relevant:
            paths = names.get(Path(item["doc"]).name, [])
            if len(paths) != 1:
                problems.append(f"{id_}: {item['doc']} matches {len(paths)} files")
                continue
            words = len(item["contains"].split())
            if not 5 <= words <= 18:
                problems.append(f"{id_}: snippet of {words} words")
            document, snippet = reader.document(paths[0]), _norm(item["contains"])
            if not any(snippet in passage for passage in document.passages):
                where = _why_missing(snippet, document)
                problems.append(f"{id_}: {item['doc']}: {where}: {item['contains']!r}")
    return problems


def summary(rows: list[dict]) -> str:
    kinds = Counter(row["kind"] for row in rows)
    files = {Path(item["doc"]).name for row in rows for item in row["relevant"]}
    folds = Counter(row["fold"] for row in rows if "fold" in row)
    return (f"{len(rows)} questions; kinds: {dict(sorted(kinds.items()))}; {len(files)} distinct files; "
            f"folds: {dict(sorted(folds.items()))}")


def dump(rows: list[dict], names: dict[str, list[Path]], reader: Reader, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in sorted({Path(item["doc"]).name for row in rows for item in row["relevant"]}):
        for path in names.get(name, [])[:1]:
            passages = reader.document(path).raw_passages
            text = "\n".join(f"### [{i}] {section}\n{body}\n" for i, (section, body) in enumerate(passages))
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "eval" / "devset.jsonl")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--dump", type=Path, help="write the passages of every file the set uses here")
    parser.add_argument("--files", action="store_true", help="only print the path of every file the set uses")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    names, reader = find_files(args.data, args.corpus), Reader()
    if args.files:
        used = sorted({Path(item["doc"]).name for row in rows for item in row["relevant"]})
        print("\n".join(str(path) for name in used for path in names.get(name, [])))
        return 0
    if args.dump:
        dump(rows, names, reader, args.dump)
    problems = check(rows, names, reader)
    print(summary(rows))
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
