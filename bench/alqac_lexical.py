"""Which lexical scoring ranks ALQAC-2023's articles best on statements no setting was chosen on (a benchmark).

    .venv/bin/python bench/alqac_lexical.py [--home KB_HOME] [--segmenter-path DIR] [--folds 5] [--only TEXT]
    .venv/bin/python bench/alqac_lexical.py --devset [--only TEXT]

kb's BM25 baseline (``rank_bm25`` over kb's passages, folded syllables) gives
nDCG@10 0.864 on ALQAC train, where a published comparison reports 0.94 for a
plain BM25: this scores variants of the lexical ranking against the 2,256
articles, each statement judged as ``kb eval`` judges it (the first passage of
an article stands for it; nDCG@10, hit@1, MRR@10).  A variant is a family of
settings (``k1``, ``b``, ...): for each of 5 folds of the 76 statements (the
question id hashed, as ``bench/cross_validate.py`` folds them) the setting
with the best mean of nDCG@10 and MRR@10 on the other four is measured on it;
the held-out rows of all folds make the figures, with bootstrap intervals, and
the difference from the baseline question by question, with its interval.

kb's own lexical legs (the lexicon of the cached ALQAC index under
``--home``'s ``eval/``, which ``kb eval`` builds) are scored beside: the
syllable leg, the phrase leg, and the two fused as kb weighs them.
``--segmenter-path`` names a folder where pyvi is installed (``pip install
--target``): Vietnamese words as pyvi's CRF cuts them become terms too.
``--devset`` scores eval/devset.jsonl instead, lexical only (``devset``).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from indexer.analyzer import columns, fold, matching_text, normalize, tokens  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.evaluation import alqac  # noqa: E402
from kb.evaluation.bootstrap import interval  # noqa: E402
from kb.evaluation.evaluate import score_ranking  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.fusion import weighted_sum  # noqa: E402
from kb.retrieval.lexicon import Lexicon, Phrase  # noqa: E402
from kb.retrieval.query import Query, understand  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "alqac2023"
METRICS = ("hit@1", "mrr@10", "ndcg@10")
DEPTH = 10

Article = tuple[str, str]  # (law id, article id)


@dataclass(frozen=True)
class Unit:
    """One thing BM25 ranks: an article whole or one of kb's passages of it."""

    article: Article
    law: str
    heading: str  # "Điều N. title" (kb's heading of the article)
    text: str


def articles(laws: list[dict]) -> list[Unit]:
    """Each article whole, its heading as kb's passages carry it."""
    units = []
    for law in laws:
        parsed = alqac.law_document(law, DATA / alqac.PASSAGES_NAME)
        headings = {}
        for chunk in parsed.chunks:
            headings.setdefault(alqac.article_of({"section": chunk.section}), chunk.heading_path[-1])
        for article in law["articles"]:
            key = (law["id"], article["id"])
            units.append(Unit(key, law["id"], headings.get(key, f"Điều {article['id']}"), article["text"]))
    return units


def passages(laws: list[dict]) -> list[Unit]:
    """kb's passages of the articles (a long article cut near 200 words), as ``kb eval`` indexes them."""
    units = []
    for law in laws:
        for chunk in alqac.law_document(law, DATA / alqac.PASSAGES_NAME).chunks:
            units.append(Unit(alqac.article_of({"section": chunk.section}), law["id"], chunk.heading_path[-1], chunk.text))
    return units


# -- terms ---------------------------------------------------------------------------------------------
def syllables(text: str, accents: bool) -> list[str]:
    return tokens(normalize(text).lower() if accents else fold(text))


def with_pairs(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def with_triples(words: list[str]) -> list[str]:
    return with_pairs(words) + [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]


class Segmenter:
    """pyvi's word segmentation (syllables of one word joined by ``_``), cached by text."""

    def __init__(self, path: Path) -> None:
        sys.path.insert(0, str(path))
        from pyvi import ViTokenizer  # type: ignore[import-not-found]

        self._tokenize = ViTokenizer.tokenize
        self._cache: dict[str, list[str]] = {}

    def words(self, text: str) -> list[str]:
        if text not in self._cache:
            line = " ".join(normalize(text).lower().split())
            self._cache[text] = [w for w in self._tokenize(line).split() if any(c.isalnum() for c in w)]
        return self._cache[text]


# -- BM25 ------------------------------------------------------------------------------------------------
class Index:
    """BM25 over bags of terms, scored for every unit at once (a sparse term matrix)."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.vocabulary: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, doc in enumerate(docs):
            for term, count in Counter(doc).items():
                rows.append(i)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                vals.append(count)
        self.tf = sparse.csc_matrix((vals, (rows, cols)), shape=(len(docs), len(self.vocabulary)), dtype=np.float64)
        self.lengths = np.array([len(d) for d in docs], np.float64)
        self.df = np.diff(self.tf.indptr)
        self._cache: dict[tuple, sparse.csc_matrix] = {}

    def idf(self, kind: str) -> np.ndarray:
        n, df = len(self.lengths), self.df.astype(np.float64)
        if kind == "lucene":
            return np.log(1 + (n - df + 0.5) / (df + 0.5))
        raw = np.log((n - df + 0.5) / (df + 0.5))  # rank_bm25's BM25Okapi: a negative IDF becomes 0.25 × the mean
        return np.where(raw < 0, 0.25 * raw.mean(), raw)

    def weights(self, k1: float, b: float, idf: str) -> sparse.csc_matrix:
        key = (k1, b, idf)
        if key not in self._cache:
            tf = self.tf.tocoo()
            norm = k1 * (1 - b + b * self.lengths / self.lengths.mean())
            share = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * self.idf(idf)[tf.col]
            self._cache[key] = sparse.csc_matrix((share, (tf.row, tf.col)), shape=tf.shape)
        return self._cache[key]

    def scores(self, query: list[str], k1: float, b: float, idf: str, once: bool, common: float) -> np.ndarray:
        """Every unit's score; ``once``: a term repeated in the query counts once; terms in more than ``common``
        of the units left out (stop words by frequency)."""
        counts = Counter(t for t in query if t in self.vocabulary)
        ids = [self.vocabulary[t] for t in counts if self.df[self.vocabulary[t]] <= common * len(self.lengths)]
        if not ids:
            return np.zeros(len(self.lengths))
        q = np.array([1.0 if once else counts[t] for t in counts if self.df[self.vocabulary[t]] <= common * len(self.lengths)])
        return np.asarray(self.weights(k1, b, idf)[:, ids] @ q).ravel()


def ranked_articles(units: list[Unit], scores: np.ndarray) -> list[Article]:
    """The first ``DEPTH`` articles, each at the rank of its best unit; ties by position (kb's passages ascend by id)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    seen: dict[Article, None] = {}
    for i in order:
        if scores[i] <= 0:
            break
        seen.setdefault(units[i].article, None)
        if len(seen) == DEPTH:
            break
    return list(seen)


def figures(ranking: list[Article], gold: tuple[Article, ...]) -> dict[str, float]:
    return score_ranking([{i for i, g in enumerate(gold) if g == a} for a in ranking], len(gold), DEPTH)


# -- variants ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    """A lexical variant: the units, how a text becomes terms, and the grid of BM25 settings chosen on folds."""

    name: str
    whole: bool  # articles whole (else kb's passages)
    terms: str  # folded | accented | accented+pairs | accented+pairs+triples | folded+pairs | words | words+syllables
    title: str  # none | heading | law+heading (what is put before the text)
    grid: dict[str, tuple]


BASE_GRID = {"k1": (1.5,), "b": (0.75,), "idf": ("okapi",), "once": (False,), "common": (1.0,)}
TUNED = {"k1": (0.6, 0.9, 1.2, 1.5, 2.0), "b": (0.3, 0.5, 0.75, 0.9), "idf": ("okapi", "lucene"),
         "once": (False, True), "common": (1.0,)}


def grid_of(**axes: tuple) -> dict[str, tuple]:
    return BASE_GRID | axes


FAMILIES = [
    Family("baseline: rank_bm25 folded, kb passages", False, "folded", "heading+law", BASE_GRID),
    Family("folded, articles", True, "folded", "heading+law", BASE_GRID),
    Family("accented, kb passages", False, "accented", "heading+law", BASE_GRID),
    Family("accented, articles", True, "accented", "heading+law", BASE_GRID),
    Family("accented, articles, no law", True, "accented", "heading", BASE_GRID),
    Family("accented, articles, no title", True, "accented", "none", BASE_GRID),
    Family("accented, articles, k1/b/idf/once", True, "accented", "heading+law", TUNED),
    Family("accented, articles, stop words by df", True, "accented", "heading+law",
           grid_of(common=(0.1, 0.2, 0.3, 0.5, 1.0))),
    Family("accented+pairs, articles", True, "accented+pairs", "heading+law", BASE_GRID),
    Family("accented+pairs, articles, tuned", True, "accented+pairs", "heading+law", TUNED),
    Family("accented+pairs, kb passages", False, "accented+pairs", "heading+law", BASE_GRID),
    Family("accented+pairs, kb passages, tuned", False, "accented+pairs", "heading+law", TUNED),
    Family("accented+pairs, kb passages, heading×2", False, "accented+pairs", "heading×2", BASE_GRID),
    Family("accented+pairs, articles, heading×2", True, "accented+pairs", "heading×2", BASE_GRID),
    Family("accented+pairs+triples, kb passages", False, "accented+pairs+triples", "heading+law", BASE_GRID),
    Family("accented+pairs+triples, kb passages, tuned", False, "accented+pairs+triples", "heading+law", TUNED),
    Family("accented+pairs+triples, articles, tuned", True, "accented+pairs+triples", "heading+law", TUNED),
    Family("folded+pairs, kb passages", False, "folded+pairs", "heading+law", BASE_GRID),
    Family("folded+pairs, articles", True, "folded+pairs", "heading+law", BASE_GRID),
]
SEGMENTED = [
    Family("pyvi words, articles", True, "words", "heading+law", BASE_GRID),
    Family("pyvi words, articles, tuned", True, "words", "heading+law", TUNED),
    Family("pyvi words+syllables, articles", True, "words+syllables", "heading+law", BASE_GRID),
    Family("pyvi words, kb passages", False, "words", "heading+law", BASE_GRID),
]


def term_maker(kind: str, segmenter: Segmenter | None) -> Callable[[str], list[str]]:
    if kind.startswith("words"):
        assert segmenter is not None
        if kind == "words+syllables":
            return lambda t: segmenter.words(t) + syllables(t, True)
        return segmenter.words
    accents = kind.startswith("accented")
    if kind.endswith("+triples"):
        return lambda t: with_triples(syllables(t, accents))
    if kind.endswith("+pairs"):
        return lambda t: with_pairs(syllables(t, accents))
    return lambda t: syllables(t, accents)


def unit_text(unit: Unit, title: str) -> str:
    """What a unit's field holds: kb's matching text is ``<law> › <heading>`` then the text."""
    if title == "none":
        return unit.text
    if title == "heading":
        return matching_text(unit.heading, unit.text)
    if title.startswith("heading×"):  # the article's heading repeated: a title field weighing more (BM25F-like)
        return matching_text(f"{unit.law} › " + " \n".join([unit.heading] * int(title[-1])), unit.text)
    return matching_text(f"{unit.law} › {unit.heading}", unit.text)


def settings_of(grid: dict[str, tuple]) -> list[dict]:
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def measure(family: Family, laws: list[dict], questions: list, segmenter: Segmenter | None) -> dict[str, list[dict]]:
    """Per setting of the family's grid, one row of figures per question."""
    units = articles(laws) if family.whole else passages(laws)
    make = term_maker(family.terms, segmenter)
    index = Index([make(unit_text(u, family.title)) for u in units])
    queries = [make(q.query) for q in questions]
    out = {}
    for setting in settings_of(family.grid):
        out[repr(setting)] = [{"id": q.id, **figures(ranked_articles(units, index.scores(terms, **setting)), q.gold)}
                              for q, terms in zip(questions, queries, strict=True)]
    return out


KB_SHIPPED = "kb syllable+phrase legs fused, shipped"
KB_LEGS = {"accented_column": (1.0, 2.0, 4.0, 6.0), "k1": (0.6, 0.9, 1.2), "b": (0.5, 0.75)}
ALL_LEGS = {"lexical": (0.1, 0.2, 0.5), "phrase": (0.5, 1.0), "dense": (0.0, 0.25, 0.5, 0.7), "reference": (1.0,)}
SHIPPED_FUSION = {"lexical": 0.2, "phrase": 0.5, "dense": 0.5, "reference": 1.0}
KB_FUSION = {"lexical": (0.0, 0.1, 0.2, 0.5, 1.0), "phrase": (0.5, 1.0), "candidates": (30, 50)}


Judge = Callable[[Any, list[tuple[int, float]]], dict[str, float]]  # (question, ranked chunk ids) → figures


def _constants(lexicon: Lexicon, k1: float, b: float) -> None:
    """kb's BM25 constants (FTS5's 1.2 and 0.75) set for a measurement: ``bm25`` and ``lexicon`` read them, and
    the lexicon computes its length norms again."""
    from kb.retrieval import bm25
    from kb.retrieval import lexicon as module

    bm25.K1 = module.K1 = k1
    bm25.B = module.B = b
    lexicon._norm_state = None


def kb_legs(lexicon: Lexicon, questions: list, queries: list[Query], judge: Judge) -> dict[str, dict[str, list[dict]]]:
    """kb's syllable leg, phrase leg, the two fused as kb fuses them, and both as one bag of terms; each over a
    grid (the accented column's weight, k1, b, and the fusion's weights)."""
    out: dict[str, dict[str, list[dict]]] = {}

    def add(family: str, setting: str, q, hits: list[tuple[int, float]]) -> None:
        out.setdefault(family, {}).setdefault(setting, []).append({"id": q.id, **judge(q, hits)})

    try:
        for lexical in settings_of(KB_LEGS):
            _constants(lexicon, lexical["k1"], lexical["b"])
            columns = {"accented": lexical["accented_column"], "folded": 1.0}

            def top(phrases: list[Phrase]) -> list[tuple[int, float]]:
                return lexicon.top(phrases, columns, 100) if phrases else []  # noqa: B023 (used in this pass)

            shipped = lexical == {"accented_column": 6.0, "k1": 1.2, "b": 0.75}
            for q, query in zip(questions, queries, strict=True):
                found = {"lexical": top(query.syllables()), "phrase": top(query.pairs())}
                bag = top(query.syllables() + query.pairs())
                for name, hits in (("kb syllable leg", found["lexical"]), ("kb phrase leg", found["phrase"]),
                                   ("kb syllables+pairs as one BM25", bag)):
                    if shipped:
                        add(f"{name}, shipped", "", q, hits)
                    add(f"{name}, cv over k1/b/accented", repr(lexical), q, hits)
                for fusion in settings_of(KB_FUSION):
                    fused = weighted_sum({k: v[:fusion["candidates"]] for k, v in found.items()}, fusion)
                    if shipped and fusion == {"lexical": 0.2, "phrase": 0.5, "candidates": 30}:
                        add(KB_SHIPPED, "", q, fused)
                    if lexical["k1"] == 1.2 and lexical["b"] == 0.75:
                        add("kb legs fused, cv over accented/fusion", repr(lexical | fusion), q, fused)
                    add("kb legs fused, cv over all", repr(lexical | fusion), q, fused)
    finally:
        _constants(lexicon, 1.2, 0.75)
    return out


def kb_every_leg(kb: KnowledgeBase, questions: list, queries: list[Query], judge: Judge) -> dict[str, dict[str, list[dict]]]:
    """Every leg of a search (the model's and the references' too) fused over a grid of weights that can leave
    the model out: whether the model earns its weight on questions no weight was chosen on."""
    from kb.retrieval.search import legs

    kb.settings = replace(kb.settings, weights=replace(kb.settings.weights, dense=1.0, candidates=100))
    out: dict[str, dict[str, list[dict]]] = {"kb all legs fused (with dense), shipped": {"": []},
                                             "kb all legs fused, cv over weights (dense 0 allowed)": {}}
    for q, query in zip(questions, queries, strict=True):
        found = legs(kb, query, None)
        for fusion in settings_of(ALL_LEGS):
            row = {"id": q.id, **judge(q, weighted_sum({k: v[:30] for k, v in found.items()}, fusion))}
            if fusion == SHIPPED_FUSION:
                out["kb all legs fused (with dense), shipped"][""].append(row)
            out["kb all legs fused, cv over weights (dense 0 allowed)"].setdefault(repr(fusion), []).append(row)
    return out


def alqac_kb(home: Path, questions: list) -> dict[str, dict[str, list[dict]]]:
    """kb's legs on the cached ALQAC index under ``home``'s ``eval/`` (built if missing), judged by article;
    the questions read as kb reads them (accents restored where the index's accent model can)."""
    from kb.retrieval.search import read_query

    kb, _ = alqac.open_index(replace(load_settings(), home=home), DATA / alqac.PASSAGES_NAME, print)
    article = {i: alqac.article_of({"section": s}) for i, s in kb.store.db.execute("SELECT id, section FROM chunks")}

    def judge(q, hits: list[tuple[int, float]]) -> dict[str, float]:
        return figures(list(dict.fromkeys(article[i] for i, _ in hits))[:DEPTH], q.gold)

    try:
        queries = [read_query(kb, q.query)[0] for q in questions]
        return kb_legs(kb.lexicon.current(), questions, queries, judge) | kb_every_leg(kb, questions, queries, judge)
    finally:
        kb.close()


# -- eval/devset.jsonl: the passages of its 146 files, judged by snippet ---------------------------------
DEVSET_FAMILIES = [
    Family("baseline: rank_bm25 folded, kb passages", False, "folded", "", BASE_GRID),
    Family("accented+pairs, kb passages", False, "accented+pairs", "", BASE_GRID),
    Family("accented+pairs, kb passages, tuned", False, "accented+pairs", "", TUNED),
    Family("accented+pairs+triples, kb passages", False, "accented+pairs+triples", "", BASE_GRID),
    Family("accented+pairs+triples, kb passages, tuned", False, "accented+pairs+triples", "", TUNED),
]


def devset(only: str) -> tuple[dict[str, dict[str, list[dict]]], dict[str, int]]:
    """The devset's answerable questions against the passages of the files it uses, cut as ``kb index`` cuts
    them (``bench/check_devset.py``'s reader; without the document cards kb adds, so signer/date questions
    find little), lexical only, nothing embedded: the term variants and kb's lexical legs (a lexicon built
    from the passages; queries as typed, no accents restored).  And the devset's folds."""
    from check_devset import DATA as SHARED_DATA
    from check_devset import Reader, find_files
    from cross_validate import DEVSET, folds_of

    from kb.evaluation.questions import judge_snippets, load_jsonl

    qset = load_jsonl(DEVSET)
    qset.questions = [q for q in qset.questions if q.gold]
    names, reader = find_files(SHARED_DATA, ROOT / "corpus"), Reader()
    used = sorted({Path(doc).name for q in qset.questions for doc, _ in q.gold})
    units = [{"document": {"source": str(path)}, "text": text, "matching": matching_text(section, text)}
             for name in used for path in names.get(name, []) for section, text in reader.document(path).raw_passages]

    def judge(q, hits: list[tuple[int, float]]) -> dict[str, float]:
        shown = list(dict.fromkeys(i for i, _ in hits))[:DEPTH]  # ids are 1 + a unit's position
        return score_ranking([judge_snippets(units[i - 1], q) for i in shown], len(q.gold), DEPTH)

    results = {}
    for family in DEVSET_FAMILIES:
        if only not in family.name and family is not DEVSET_FAMILIES[0]:
            continue
        make = term_maker(family.terms, None)
        index = Index([make(u["matching"]) for u in units])
        queries = [make(q.query) for q in qset.questions]
        results[family.name] = {}
        for setting in settings_of(family.grid):
            rows = []
            for q, terms in zip(qset.questions, queries, strict=True):
                scores = index.scores(terms, **setting)
                best = np.lexsort((np.arange(len(scores)), -scores))[:100]
                rows.append({"id": q.id, **judge(q, [(int(i) + 1, float(scores[i])) for i in best if scores[i] > 0])})
            results[family.name][repr(setting)] = rows
    lexicon = Lexicon()
    lexicon.add((n, *columns(u["matching"])) for n, u in enumerate(units, start=1))
    results |= kb_legs(lexicon, qset.questions, [understand(q.query) for q in qset.questions], judge)
    return results, folds_of(DEVSET, qset.questions, 5)


# -- cross-validation and report -------------------------------------------------------------------------
def fold_of(question_id: str, folds: int) -> int:
    return int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % folds


def objective(rows: Iterable[dict]) -> float:
    return statistics.fmean((r["ndcg@10"] + r["mrr@10"]) / 2 for r in rows)


def held_out(settings: dict[str, list[dict]], fold: dict[str, int]) -> tuple[list[dict], list[str]]:
    """Each fold's rows under the setting the other folds chose, and those choices."""
    rows, chosen = [], []
    for part in sorted(set(fold.values())):
        best = max(settings, key=lambda s: objective(r for r in settings[s] if fold[r["id"]] != part))
        chosen.append(best)
        rows += [r for r in settings[best] if fold[r["id"]] == part]
    return sorted(rows, key=lambda r: r["id"]), chosen


def cell(values: list[float], signed: bool = False) -> str:
    low, high = interval(values)
    sign = "+" if signed else ""
    return f"{statistics.fmean(values):{sign}.3f} [{low:{sign}.2f}, {high:{sign}.2f}]"




def paired(rows: list[dict], against: list[dict]) -> str:
    return cell([r["ndcg@10"] - a["ndcg@10"] for r, a in zip(rows, against, strict=True)], True)


def report(results: dict[str, dict[str, list[dict]]], fold: dict[str, int]) -> None:
    """Held-out figures of every variant, and its nDCG@10 difference from the baseline (and from kb's lexical legs
    as shipped, when they were measured), question by question."""
    base, _ = held_out(results[FAMILIES[0].name], fold)
    kb = held_out(results[KB_SHIPPED], fold)[0] if KB_SHIPPED in results else None
    print(f"{'variant':<54} " + " ".join(f"{m:>19}" for m in METRICS) + "  Δ nDCG@10, paired: vs baseline"
          + ("     vs kb legs shipped" if kb else ""))
    for name, settings in results.items():
        rows, chosen = held_out(settings, fold)
        print(f"{name:<54} " + " ".join(f"{cell([r[m] for r in rows]):>19}" for m in METRICS)
              + f"  {paired(rows, base):>22}" + (f"  {paired(rows, kb):>22}" if kb else ""))
        if len(settings) > 1:
            print(f"{'':<54} chose: " + "; ".join(sorted(Counter(chosen), key=chosen.index)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, help="KB_HOME whose eval/ holds (or will hold) the ALQAC index")
    parser.add_argument("--devset", action="store_true", help="instead of ALQAC: eval/devset.jsonl, lexical only")
    parser.add_argument("--segmenter-path", type=Path, help="a folder where pyvi is installed (pip install --target)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", default="", help="run the families whose name holds this text")
    args = parser.parse_args()
    if args.devset:
        results, fold = devset(args.only)
        report(results, fold)
        return
    laws = alqac.load_laws(DATA / alqac.PASSAGES_NAME)
    qset, _ = alqac.load_questions(DATA / "train.json")
    questions = qset.questions
    segmenter = Segmenter(args.segmenter_path) if args.segmenter_path else None
    families = FAMILIES + (SEGMENTED if segmenter else [])
    results = {f.name: measure(f, laws, questions, segmenter) for f in families
               if args.only in f.name or f is FAMILIES[0]}
    if args.home:
        results |= alqac_kb(args.home, questions)
    report(results, {q.id: fold_of(q.id, args.folds) for q in questions})


if __name__ == "__main__":
    main()
