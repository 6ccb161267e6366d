"""Learn the order of the first five passages (``kb/retrieval/order.tsv``) and print its cross-validated gain.

    .venv/bin/python bench/learn_order.py --sets FILE [--write] [--features DUMP]

FILE holds one question set a line, its ``.jsonl`` and the index it is asked of, tab-separated
(``eval/fresh-19.jsonl<TAB>/tmp/idx/fresh-19``).  Each set is searched with the learned order off
(``Weights.learned_order``); for every answerable question that does not ask who signed a document or when,
each pair of a passage among its first five (``ORDERED``) that answers and one that does not gives the difference of their
features (``kb.retrieval.order.passage_features``, weighed again by each flag of the question), and a
logistic regression without intercept, L2-regularised, learns which of the two answers (a pairwise ranker).

Folds are whole sets (CRC-32 of the set's name, mod 5): no fold's weights saw its documents nor its questions.
For each regularisation in ``STRENGTHS`` the out-of-fold MRR@5 and hit@1 are printed beside the rules' order
(the model moves nothing past the first five: its MRR@5 gain is its MRR@10 gain, and hit@5 stays),
with a paired bootstrap interval; the best is fitted on every set and, with ``--write``, written to
``order.tsv``.  ``--features`` keeps the searched features in a JSON file and reads them from it when it exists,
so that trying strengths does not search again.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import load_settings  # noqa: E402
from kb.evaluation.evaluate import load_question_set  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from kb.retrieval.order import FEATURES, FLAGS, ORDERED, named_documents, orders, passage_features, question_flags  # noqa: E402
from kb.retrieval.query import understand  # noqa: E402
from kb.retrieval.search import legs, read_query, search  # noqa: E402

FOLDS = 5
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0)  # C: the inverse of the L2 penalty
ORDER_TSV = Path(__file__).resolve().parent.parent / "kb" / "retrieval" / "order.tsv"


def searched(jsonl: Path, home: Path) -> list[dict]:
    """Each answerable question of a set, with its first five passages' features and which of them answer."""
    qset, _ = load_question_set(jsonl)
    settings = load_settings(home)
    kb = KnowledgeBase(replace(settings, weights=replace(settings.weights, learned_order=False)))
    questions = []
    try:
        for question in qset.questions:
            response = search(kb, question.query, qset.fetch)  # as kb eval asks: the rules' window is the same
            if not question.gold or not response.results:
                continue
            typed = understand(question.query)
            query, _ = read_query(kb, question.query, False, typed)
            if not orders(query):
                continue
            hits = response.results[:ORDERED]
            answers = [qset.judge(asdict(hit), question) for hit in hits]
            named = named_documents(kb, query)
            questions.append({"set": jsonl.stem, "id": question.id, "flags": question_flags(query, typed, named),
                              "answers": [bool(answer) for answer in answers],
                              "features": passage_features(kb, query, legs(kb, query, None), hits, named)})
    finally:
        kb.close()
    return questions


def vectors(question: dict) -> np.ndarray:
    """A row a passage: its features, then each again times each flag of the question."""
    on = [1.0] + [float(question["flags"][flag]) for flag in FLAGS]
    return np.array([[value * o for o in on for value in (features[name] for name in FEATURES)]
                     for features in question["features"]])


def pairs(questions: list[dict]) -> np.ndarray:
    """The differences, answering passage minus other passage, of every such pair of every question."""
    rows = []
    for question in questions:
        x, answers = vectors(question), np.array(question["answers"])
        for good in np.flatnonzero(answers):
            rows.extend(x[good] - x[bad] for bad in np.flatnonzero(~answers))
    return np.array(rows)


def fitted(differences: np.ndarray, strength: float) -> np.ndarray:
    """The weights minimising the pairs' logistic loss plus ``|w|² / 2C``."""
    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = differences @ w
        value = np.logaddexp(0, -margin).sum() + w @ w / (2 * strength)
        gradient = -(differences.T @ (1 / (1 + np.exp(margin)))) + w / strength
        return value, gradient
    return minimize(loss, np.zeros(differences.shape[1]), jac=True, method="L-BFGS-B").x


def first_answer(answers: list[bool]) -> tuple[float, float]:
    """The reciprocal rank of the first of ``ORDERED`` passages that answers (0 if none does), and whether the first
    does: the model moves nothing past them, so its gain in MRR@10 is its gain in this MRR@5."""
    rank = next((at for at, answer in enumerate(answers, 1) if answer), None)
    return (1 / rank if rank else 0.0), float(rank == 1)


def ordered(question: dict, weights: np.ndarray) -> list[bool]:
    scores = vectors(question) @ weights
    return [question["answers"][at] for at in sorted(range(len(scores)), key=lambda at: (-scores[at], at))]


def fold_of(name: str) -> int:
    return zlib.crc32(name.encode()) % FOLDS


def cross_validated(questions: list[dict], strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Each question's (MRR@5, hit@1) in the rules' order and in the order its fold's weights give."""
    before, after = [], []
    for fold in range(FOLDS):
        training = [q for q in questions if fold_of(q["set"]) != fold]
        weights = fitted(pairs([q for q in training if 0 < sum(q["answers"]) < len(q["answers"])]), strength)
        for question in (q for q in questions if fold_of(q["set"]) == fold):
            before.append(first_answer(question["answers"]))
            after.append(first_answer(ordered(question, weights)))
    return np.array(before), np.array(after)


def interval(differences: np.ndarray, draws: int = 2000) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    means = np.sort(differences[rng.integers(0, len(differences), (draws, len(differences)))].mean(axis=1))
    return float(means[int(0.025 * draws)]), float(means[int(0.975 * draws)])


def written(weights: np.ndarray, header: str) -> str:
    table = weights.reshape(1 + len(FLAGS), len(FEATURES))
    lines = [f"# {line}" for line in header.splitlines()]
    lines.append("# feature\tweight\t" + "\t".join(f"× {flag}" for flag in FLAGS))
    lines += [name + "\t" + "\t".join(f"{table[row, column]:.6f}" for row in range(1 + len(FLAGS)))
              for column, name in enumerate(FEATURES)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, required=True, help="a set's .jsonl and its index home a line, tab-separated")
    parser.add_argument("--features", type=Path, help="keep (or read) the searched features in this JSON file")
    parser.add_argument("--write", action="store_true", help="write the chosen weights to kb/retrieval/order.tsv")
    args = parser.parse_args()
    if args.features and args.features.exists():
        questions = json.loads(args.features.read_text())
    else:
        questions = []
        for line in args.sets.read_text().splitlines():
            jsonl, home = line.split("\t")
            questions += searched(Path(jsonl), Path(home))
            print(f"searched {jsonl}: {len(questions)} questions so far", file=sys.stderr, flush=True)
        if args.features:
            args.features.write_text(json.dumps(questions))
    sets = len({q["set"] for q in questions})
    print(f"{len(questions)} questions of {sets} sets (who signed or when left out), folds of whole sets")
    best = None
    for strength in STRENGTHS:
        before, after = cross_validated(questions, strength)
        gain = after[:, 0] - before[:, 0]
        low, high = interval(gain)
        print(f"C={strength:<5} MRR@5 {before[:, 0].mean():.4f} → {after[:, 0].mean():.4f} ({gain.mean():+.4f} "
              f"[{low:+.4f}, {high:+.4f}], {int((gain > 0).sum())} up, {int((gain < 0).sum())} down); "
              f"hit@1 {before[:, 1].mean():.4f} → {after[:, 1].mean():.4f}")
        if best is None or gain.mean() > best[1]:
            best = (strength, gain.mean())
    assert best is not None
    strength = best[0]
    weights = fitted(pairs([q for q in questions if 0 < sum(q["answers"]) < len(q["answers"])]), strength)
    print(f"chosen C={strength}, fitted on all {sets} sets")
    if args.write:
        header = (f"The learned order of the first five passages (kb/retrieval/order.py), written by bench/learn_order.py:\n"
                  f"pairwise logistic regression, C={strength} chosen by folds of {sets} whole question sets "
                  f"({len(questions)} questions);\nout-of-fold MRR@10 {best[1]:+.4f} against the rules' order on them.")
        ORDER_TSV.write_text(written(weights, header), encoding="utf-8")
        print(f"wrote {ORDER_TSV}")


if __name__ == "__main__":
    main()
