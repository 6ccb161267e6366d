"""How well ``extract_metadata`` reads real documents, field by field.

Two corpora under ``../shared/data``:

* ``admin-docs/``: 202 pages saved from a legal web site, with the site's own
  catalogue entry in ``metadata.json`` (number, type, issuer, signer, date).
  The page furniture, *including the site's metadata table, summary and
  caption lines*, is removed first (``read_saved_page``, as the web reader
  does).  Scored twice: the document's own text alone ("own", what the
  header and closing block say), and as kb indexes it ("indexed"), where the
  site's table fills what the own text left empty (``Catalogue``).  A field
  filled that way agrees by construction (the table and ``metadata.json``
  are the same site's), so "own" is the reading to tune; "filled" counts the
  documents the table completed, by field, and "of read" those among them
  that hold text (a page the site had not published is refused by the
  reader and never indexed; here it is scored, with an empty text).
* the held-out truth ``bench/truth/heldout_metadata.json``: files of ``docx-pdf/``,
  ``laws-txt/`` and ``encodings/`` chosen by ``bench/heldout_split.py`` before any
  result was seen and never tuned on; every field, signer's position and title
  included, read through the same readers as indexing (Word tables, PDF pages).
* ``laws-txt/``: 208 laws; no catalogue, so we count how many yield a number,
  issuer, date and title, check the issuer is the legislature and the number
  against the one in the file name when the name carries it.

Prints per-field accuracy and every disagreement (file, field, site, ours).
Run: ``.venv/bin/python bench/metadata_accuracy.py [--data DIR] [--quiet]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.analyzer import normalize
from indexer.limits import ReadingLimits
from indexer.metadata import extract_metadata
from indexer.model import DocumentMeta
from indexer.names import issuer_matches
from indexer.read import read_file
from indexer.readers.web_furniture import read_saved_page
from indexer.references import canonical_symbol

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
HELD_OUT = Path(__file__).resolve().parent / "truth" / "heldout_metadata.json"
TRUTH_FIELDS = ("number", "type", "issuer", "signer", "position", "date", "title")
FIELDS = ("number", "type", "issuer", "signer", "date")
TARGETS = {"number": 0.95, "type": 0.95, "issuer": 0.90, "signer": 0.95, "date": 0.95}
LEGISLATURES = ("Quốc hội", "Ủy ban Thường vụ Quốc hội")


def _iso(site_date: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", site_date.strip())
    return match and f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"


def _same_text(a: str | None, b: str | None) -> bool:
    if not (a and b):
        return False
    return normalize(a).casefold() == normalize(b).casefold()


@dataclass
class Miss:
    file: str
    field: str
    site: str | None
    ours: str | None


def _admin_misses(entry: dict, meta: DocumentMeta) -> list[Miss]:
    """The fields where our reading and the site's disagree."""
    site_number = canonical_symbol(entry["so_hieu"]) or entry["so_hieu"]
    checks = {
        "number": (site_number, meta.number, site_number == meta.number),
        "type": (entry["loai"], meta.doc_type, _same_text(entry["loai"], meta.doc_type)),
        "issuer": (entry["noi"], _issuer_shown(meta), issuer_matches(entry["noi"], meta.issuer, meta.issuer_parent)),
        "signer": (entry["ky"], meta.signer, _same_text(entry["ky"], meta.signer)),
        "date": (_iso(entry["ngay"]), meta.date, _iso(entry["ngay"]) == meta.date),
    }
    return [Miss(entry["file"], f, site, ours) for f, (site, ours, ok) in checks.items() if not ok]


def _issuer_shown(meta: DocumentMeta) -> str | None:
    return meta.issuer and (f"{meta.issuer} ‹ {meta.issuer_parent}" if meta.issuer_parent else meta.issuer)


def _shown_fields(meta: DocumentMeta) -> dict[str, str | None]:
    return {"number": meta.number, "type": meta.doc_type, "issuer": meta.issuer, "signer": meta.signer,
            "date": meta.date}


def admin_docs(root: Path, quiet: bool) -> dict[str, float]:
    """Scores of the own reading (the targets are set on it); the indexed reading and the fields filled beside."""
    entries = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    misses: list[Miss] = []  # the own text's
    indexed_misses: list[Miss] = []  # with the site's table filling the gaps, as kb stores it
    filled = dict.fromkeys(FIELDS, 0)
    filled_read = dict.fromkeys(FIELDS, 0)  # on pages the reader does not refuse
    found = dict.fromkeys(("position", "title"), 0)  # the catalogue gives neither: only counted when found
    started = time.perf_counter()
    for entry in entries:
        page = read_saved_page((root / "docs" / entry["file"]).read_text(encoding="utf-8"))
        own, meta = extract_metadata(page.text), extract_metadata(page.text, page.catalogue)
        misses += _admin_misses(entry, own)
        indexed_misses += _admin_misses(entry, meta)
        mine, stored = _shown_fields(own), _shown_fields(meta)
        for field in FIELDS:
            gap_filled = not mine[field] and bool(stored[field])
            filled[field] += gap_filled
            filled_read[field] += gap_filled and bool(page.text.strip())
        found["position"] += bool(own.signer_position)
        found["title"] += bool(own.title)
    elapsed = time.perf_counter() - started
    n = len(entries)
    scores = {f: 1 - sum(m.field == f for m in misses) / n for f in FIELDS}
    print(f"admin-docs: {n} documents, {elapsed:.1f} s")
    print(f"{'field':<8} {'own':>7} {'':>6} {'target':>7} {'indexed':>8} {'filled':>7} {'of read':>8}")
    for field in FIELDS:
        agree = round(scores[field] * n)
        indexed = n - sum(m.field == field for m in indexed_misses)
        print(f"{field:<8} {agree:>3}/{n} {scores[field]:>6.1%} {TARGETS[field]:>6.0%} "
              f"{indexed:>4}/{n} {filled[field]:>6} {filled_read[field]:>8}")
    print("  found (not in the catalogue): " + ", ".join(f"{f} {k}/{n}" for f, k in found.items()))
    if not quiet:
        print("  own-text disagreements (* where the site's table fills the field as indexed):")
        left = {(m.file, m.field) for m in indexed_misses}
        for m in sorted(misses, key=lambda m: (m.field, m.file)):
            mark = " " if (m.file, m.field) in left else "*"
            print(f" {mark} {m.file}  {m.field:<7} site={m.site!r}  ours={m.ours!r}")
    return scores


def _title_key(title: str | None) -> str | None:
    """A title compared without case, spacing or the number it may repeat ("Án lệ số 26/2018/AL về …")."""
    if not title:
        return None
    return re.sub(r"\s+số\s*:?\s*\S*\d\S*(?=\s)", "", " " + normalize(title).casefold() + " ").strip()


def _ours(meta: DocumentMeta) -> dict[str, str | None]:
    return {"number": meta.number, "type": meta.doc_type, "issuer": meta.issuer, "signer": meta.signer,
            "position": meta.signer_position, "date": meta.date, "title": meta.title}


def _agrees(field: str, truth: str | None, ours: str | None, meta: DocumentMeta) -> bool:
    """A null truth wants nothing found; text fields ignore case and spacing."""
    if truth is None or ours is None:
        return truth is None and ours is None
    if field == "issuer":
        return _same_text(truth, ours) or issuer_matches(truth, meta.issuer, meta.issuer_parent)
    if field == "title":
        return _title_key(truth) == _title_key(ours)
    return _same_text(truth, ours) if field in ("type", "signer", "position") else truth == ours


def held_out(data: Path, truth_file: Path, quiet: bool) -> dict[str, float]:
    """Every field of the held-out files against the truth written for them; a field the truth
    leaves out is not scored (an adoption spread over several days has no one date)."""
    entries = json.loads(truth_file.read_text(encoding="utf-8"))["documents"]
    scored = dict.fromkeys(TRUTH_FIELDS, 0)
    misses: list[Miss] = []
    for entry in entries:
        meta = extract_metadata(read_file(data / entry["file"], limits=ReadingLimits()).text)
        ours = _ours(meta)
        for field in (f for f in TRUTH_FIELDS if f in entry):
            scored[field] += 1
            if not _agrees(field, entry[field], ours[field], meta):
                misses.append(Miss(entry["file"], field, entry[field], ours[field]))
    print(f"\nheld-out truth: {len(entries)} documents ({truth_file.name})")
    scores = {}
    for field in TRUTH_FIELDS:
        agree = scored[field] - sum(m.field == field for m in misses)
        scores[field] = agree / scored[field] if scored[field] else 1.0
        print(f"{field:<8} {agree:>3}/{scored[field]} {scores[field]:>6.1%}")
    if not quiet:
        for m in sorted(misses, key=lambda m: (m.field, m.file)):
            print(f"  {m.file}  {m.field:<8} truth={m.site!r}  ours={m.ours!r}")
    return scores


def _number_in_name(name: str) -> str | None:
    """``Luat-68-2020-QH14-cu-tru-435315.txt`` → ``68/2020/QH14``; most names carry one."""
    match = re.search(r"(?<![\d])(\d{1,3})-((?:19|20)\d\d)-(QH\d{1,2})(?![\d])", name)
    return match and f"{match.group(1)}/{match.group(2)}/{match.group(3)}"


def laws(root: Path, quiet: bool) -> None:
    files = sorted(p for p in root.glob("*.txt") if p.name != "SOURCE.txt")
    have = dict.fromkeys(("number", "issuer", "date", "title"), 0)
    failures: list[str] = []
    started = time.perf_counter()
    for path in files:
        meta = extract_metadata(path.read_text(encoding="utf-8"))
        for field in have:
            have[field] += bool(getattr(meta, field))
        expected = _number_in_name(path.name)
        problems = [f for f in have if not getattr(meta, f)]
        problems += ["issuer≠legislature"] if meta.issuer and meta.issuer not in LEGISLATURES else []
        problems += [f"number≠{expected}"] if expected and meta.number and meta.number != expected else []
        if problems:
            failures.append(f"  {path.name[:70]}  {', '.join(problems)}  "
                            f"[{meta.number} | {meta.issuer} | {meta.date} | {(meta.title or '')[:50]}]")
    elapsed = time.perf_counter() - started
    print(f"\nlaws-txt: {len(files)} laws, {elapsed:.1f} s")
    print("  " + ", ".join(f"{field} {count}/{len(files)}" for field, count in have.items()))
    print(f"  {len(failures)} with a missing or doubtful field" + (":" if failures and not quiet else ""))
    if not quiet:
        print("\n".join(failures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--truth", type=Path, default=HELD_OUT, help="held-out truth JSON (paths relative to --data)")
    parser.add_argument("--quiet", action="store_true", help="scores only, no disagreement list")
    args = parser.parse_args()
    admin_docs(args.data / "admin-docs", args.quiet)
    held_out(args.data, args.truth, args.quiet)
    laws(args.data / "laws-txt", args.quiet)


if __name__ == "__main__":
    main()
