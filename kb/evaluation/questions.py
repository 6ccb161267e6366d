"""Question sets for ``kb eval``: what was asked, what should be found, and how to tell.

Two formats share one shape.  Our JSONL names a file and a snippet of the
answer (``relevant[].doc``/``.contains``), so it survives re-chunking; ALQAC
names a law and an article (:mod:`kb.evaluation.alqac`).  A ``QuestionSet`` carries its
own judge (which gold items a result satisfies) and, where several passages
make one unit of relevance (the chunks of one article), the unit they share,
so a ranking is scored the way the benchmark defines it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.analyzer import normalize
from kb.errors import InvalidQueryError

__all__ = ["Question", "QuestionSet", "load_jsonl", "judge_snippets"]


@dataclass(frozen=True)
class Question:
    id: str
    query: str
    kind: str
    gold: tuple[tuple[str, str], ...]  # JSONL: (file name, snippet); ALQAC: (law id, article id)


@dataclass
class QuestionSet:
    name: str
    questions: list[Question]
    judge: Callable[[dict, Question], set[int]]  # indexes of the gold items a result satisfies
    unit: Callable[[dict], Hashable] | None = None  # results of one unit (an article) count once
    fetch: int = 10  # how many passages to ask for, so that ``depth`` units remain after dedupe
    info: dict = field(default_factory=dict)  # what the report should say about how the set was built

    def ranking(self, results: list[dict], question: Question, depth: int) -> list[set[int]]:
        """The gold items each of the first ``depth`` results (units, each once) satisfies."""
        if self.unit is not None:
            first: dict[Hashable, dict] = {}
            for result in results:
                first.setdefault(self.unit(result), result)
            results = list(first.values())
        return [self.judge(result, question) for result in results[:depth]]


def _norm(text: str) -> str:
    """Compared as words: a snippet quoted on one line matches a passage that wraps it."""
    return " ".join(normalize(text).lower().split())


def judge_snippets(result: dict, question: Question) -> set[int]:
    """The expected snippets a result holds: from the named file, compared after ``normalize``, case-folded."""
    source = Path(result["document"]["source"]).name
    text = _norm(result["text"])
    return {i for i, (doc, snippet) in enumerate(question.gold) if Path(doc).name == source and _norm(snippet) in text}


def load_jsonl(path: Path) -> QuestionSet:
    """Our format: one ``{"id", "query", "kind", "relevant": [{"doc", "contains"}]}`` a line."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold = tuple((r["doc"], r["contains"]) for r in row["relevant"])
            questions.append(Question(str(row.get("id", number)), row["query"], row.get("kind", "all"), gold))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidQueryError(f"{path}, line {number}: not a question ({exc})") from exc
    return QuestionSet(path.name, questions, judge_snippets)
