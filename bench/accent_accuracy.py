"""How well ``kb.retrieval.accents`` puts accents back, and what building it costs.

    .venv/bin/python bench/accent_accuracy.py [--sentences 2000] [--skip-build-cost]
    .venv/bin/python bench/accent_accuracy.py --index HOME QUESTIONS.jsonl    # an index folder's own model
    .venv/bin/python bench/accent_accuracy.py --files-of eval/devset.jsonl     # a model of the set's files

The model is built from laws-txt and admin-docs less one file in ten (held out);
it is then given, stripped of their accents (and half-stripped, and with typos):

* ``held-out``: sentences of the held-out files (5–40 syllables, distinct, sampled with a fixed seed);
* ``questions``: the dev questions (``../shared/eval/dev.jsonl`` and ``eval/devset.jsonl``) and ALQAC's
  76 statements.  The dev questions of ``dev.jsonl`` ask about ``corpus/``, which an index
  holding them would also hold: they are read a second time by a model that counted it too.

Syllable accuracy counts each syllable restored exactly (case aside); whole accuracy each
sentence restored without a fault.  Orders 1 (the most frequent accented form of each
syllable), 2 and 3 are compared.  The cost part builds the model from all of laws-txt, cut
into articles, and reports the time, the file's size and the time to restore a question.

``--index`` scores instead the model search uses, the one an index folder keeps of its own passages
(``accents.npz``, built if missing), on the accented questions of the files given, per kind;
``--files-of`` the model an index of the files a question set names would build (each file read and
parsed by the indexer, its passages counted as the index counts them; nothing embedded), on that set.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.analyzer import columns, matching_text, nfc, normalize
from indexer.limits import ReadingLimits
from indexer.parse import parse_document
from indexer.read import read_file
from kb.evaluation.variants import half_accents, strip_accents, with_typos
from kb.retrieval.accents import AccentRestorer
from kb.retrieval.accents_sync import SyncedAccents
from kb.storage.store import Store

SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEED = 20251124
HELD_OUT = 10  # one file in this many
_ARTICLE = re.compile(r"\n(?=Điều \d)")
_SENTENCE = re.compile(r"[.;:!?\n|]+")
_SYLLABLE = re.compile(r"[^\W\d_]+")


def _files() -> list[Path]:
    return sorted((DATA / "laws-txt").glob("*.txt")) + sorted((DATA / "admin-docs" / "docs").glob("*.md"))


def passages(paths: list[Path]) -> Iterator[str]:
    """Each file's articles (a law) or the whole file (an administrative document)."""
    for path in paths:
        yield from _ARTICLE.split(nfc(path.read_text(encoding="utf-8")))


def held_out_sentences(paths: list[Path], count: int) -> list[str]:
    """Distinct sentences of 5–40 syllables, most of them accented (page furniture is not Vietnamese prose)."""
    found: set[str] = set()
    for text in passages(paths):
        for sentence in _SENTENCE.split(normalize(text)):
            words = _SYLLABLE.findall(sentence)
            if 5 <= len(words) <= 40 and sum(strip_accents(w) != w for w in words) >= len(words) / 3:
                found.add(sentence.strip(" ,-*#"))
    return random.Random(SEED).sample(sorted(found), min(count, len(found)))


def questions() -> list[str]:
    """The accented questions of the dev set (and of the new dev set, if written) and ALQAC's statements."""
    asked = []
    for path in (SHARED / "eval" / "dev.jsonl", ROOT / "eval" / "devset.jsonl"):
        if path.exists():
            asked += [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    alqac = json.loads((DATA / "alqac2023" / "train.json").read_text(encoding="utf-8"))
    asked += [nfc(item["statement"]) for item in alqac]
    return [q for q in asked if strip_accents(q) != q]  # the accented Vietnamese ones: the truth to restore


def _syllables(text: str) -> list[str]:
    return [w.lower() for w in _SYLLABLE.findall(normalize(text))]


def score(restore: Callable[[str], str], truths: list[str], typed: Callable[[str], str]) -> tuple[float, float]:
    """Syllable accuracy and whole-sentence accuracy of ``restore`` on the ``typed`` form of each truth."""
    right = total = whole = 0
    for truth in truths:
        want, got = _syllables(truth), _syllables(restore(typed(truth)))
        hits = sum(w == g for w, g in zip(want, got)) if len(want) == len(got) else 0
        right, total, whole = right + hits, total + len(want), whole + (hits == len(want))
    return right / total, whole / len(truths)


def _of_order(model: AccentRestorer, order: int) -> AccentRestorer:
    """The same counts read at another order."""
    other = AccentRestorer(order)
    other.vocabulary, other.keys, other.counts = model.vocabulary, model.keys, model.counts
    return other


def report(name: str, model: AccentRestorer, truths: list[str]) -> None:
    print(f"\n{name}: {len(truths)} sentences, {sum(map(len, map(_syllables, truths)))} syllables")
    print(f"{'order':>5} {'typed as':<12} {'syllables':>9} {'whole':>7}  seconds")
    forms: dict[str, Callable[[str], str]] = {"no accents": strip_accents, "half": half_accents,
                                              "accented": lambda t: t}
    for order in (1, 2, 3):
        restorer = _of_order(model, order)
        for label, typed in forms.items():
            start = time.perf_counter()
            syllables, whole = score(restorer.restore, truths, typed)
            print(f"{order:>5} {label:<12} {syllables:>9.2%} {whole:>7.2%}  {time.perf_counter() - start:.1f}")
    suggest = _of_order(model, 3)
    typo_typed = [with_typos(t) for t in truths]
    fixed = sum(_syllables(suggest.suggest(typed) or typed) == _syllables(truth)
                for typed, truth in zip(typo_typed, truths))
    unchanged = sum(_syllables(typed) == _syllables(truth) for typed, truth in zip(typo_typed, truths))
    print(f"    3 typos (suggest) whole: {fixed / len(truths):.2%} (as typed: {unchanged / len(truths):.2%})")


def build_cost() -> None:
    laws = sorted((DATA / "laws-txt").glob("*.txt"))
    articles = list(passages(laws))
    start = time.perf_counter()
    model = AccentRestorer.from_texts(articles)
    built = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accents.npz"
        model.save(path)
        size = path.stat().st_size
        start = time.perf_counter()
        loaded = AccentRestorer.load(path)
        loaded.restore("chi thi")  # the smoothed tables are derived on first use
        ready = time.perf_counter() - start
    asked = [strip_accents(q) for q in questions()]
    each = {}
    for verb in (loaded.restore, loaded.suggest):
        start = time.perf_counter()
        for question in asked:
            verb(question)
        each[verb.__name__] = (time.perf_counter() - start) / len(asked) * 1000
    print(f"\nlaws-txt: {len(articles)} passages, {model.passages} counted, {len(model.vocabulary)} syllables, "
          f"{len(model.keys)} trigrams; built in {built:.1f} s; accents.npz {size / 1e6:.1f} MB; "
          f"loaded and ready in {ready:.1f} s; restore {each['restore']:.1f} ms, suggest {each['suggest']:.1f} ms "
          "a question")


def _accented_questions(path: Path) -> list[tuple[str, str]]:
    """(kind, query) of a set's questions typed with accents (JSONL, or ALQAC's statements): the truth to restore."""
    if path.suffix == ".json":
        asked = [("alqac", item["statement"]) for item in json.loads(path.read_text(encoding="utf-8"))]
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        asked = [(row.get("kind", "-"), row["query"]) for row in rows]
    return [(kind, nfc(query)) for kind, query in asked if strip_accents(query) != query]


def report_by_kind(name: str, model: AccentRestorer, asked: list[tuple[str, str]]) -> None:
    """Syllable and whole accuracy, typed bare and half-accented, per kind and overall."""
    print(f"\n{name}: {len(asked)} accented questions; model of {model.passages} passages")
    print(f"{'kind':<14} {'n':>4} {'syllables bare':>15} {'whole bare':>11} {'syllables half':>15} {'whole half':>11}")
    for kind in sorted({k for k, _ in asked}) + ["all"]:
        truths = [q for k, q in asked if kind in (k, "all")]
        bare, half = score(model.restore, truths, strip_accents), score(model.restore, truths, half_accents)
        print(f"{kind:<14} {len(truths):>4} {bare[0]:>15.2%} {bare[1]:>11.2%} {half[0]:>15.2%} {half[1]:>11.2%}")


def index_model(home: Path) -> AccentRestorer:
    """The accent model an index folder keeps (built from its chunks if it has none yet)."""
    store = Store(home / "kb.sqlite")
    try:
        return SyncedAccents(store, home / "accents.npz").current()
    finally:
        store.close()


def files_model(question_set: Path) -> AccentRestorer:
    """The model an index of the files the set names would hold: their passages, counted as the index does."""
    rows = [json.loads(line) for line in question_set.read_text(encoding="utf-8").splitlines() if line.strip()]
    names = {Path(item["doc"]).name for row in rows for item in row["relevant"]}
    paths = sorted(p for folder in (DATA, SHARED / "corpus", ROOT / "corpus") if folder.exists()
                   for p in folder.rglob("*") if p.name in names and p.is_file())
    model = AccentRestorer()
    for path in paths:
        parsed = parse_document(read_file(path, limits=ReadingLimits()))
        model.add((columns(matching_text(c.section, c.text))[0] for c in parsed.chunks), normalized=True)
    print(f"{len(paths)} files of the {len(names)} the set names; {model.passages} passages")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--skip-build-cost", action="store_true")
    parser.add_argument("--index", type=Path, help="score this index folder's own model on QUESTIONS")
    parser.add_argument("--files-of", type=Path, help="score a model of the files this set names on the set")
    parser.add_argument("questions", type=Path, nargs="*", help="question files, JSONL or ALQAC's train.json (with --index)")
    args = parser.parse_args()
    if args.index or args.files_of:
        model = index_model(args.index) if args.index else files_model(args.files_of)
        for path in args.questions if args.index else [args.files_of]:
            report_by_kind(str(path), model, _accented_questions(path))
        return
    files = _files()
    train = [p for i, p in enumerate(files) if i % HELD_OUT]
    test = [p for i, p in enumerate(files) if not i % HELD_OUT]
    start = time.perf_counter()
    model = AccentRestorer.from_texts(passages(train))
    print(f"trained on {len(train)} files ({model.passages} passages) in {time.perf_counter() - start:.1f} s; "
          f"{len(test)} held out")
    report("held-out sentences", model, held_out_sentences(test, args.sentences))
    report("questions (laws and admin-docs)", model, questions())
    model.add(passages(sorted((SHARED / "corpus").iterdir())))
    report("questions (with corpus/ counted too)", model, questions())
    if not args.skip_build_cost:
        build_cost()


if __name__ == "__main__":
    main()
