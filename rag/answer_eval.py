"""Answer-level evaluation over the shared news corpus: is the answer right, or rightly refused?

The headline metric is ``answer_correct``: the share of answerable questions whose answer quotes a
sentence that contains the question's evidence string (for generative answers, the cited sentences).
Unanswerable questions count as right when refused. Both are reported overall, per question type, and per
(question language -> article language) pair, on a split of the sets in ``tests/data/answers/`` (see its
README: fixed train/test split; the models are fitted on ``train`` only, figures are quoted on ``test``).

The news corpus is the 393 Wikinews articles of ``../shared/corpus/wikinews`` plus the seed article,
ingested with their own ids (the seed as ``seed``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.datasets import DATA, WIKINEWS, seed_article, write_jsonl

ANSWERS = DATA / "answers"
SEED_KEY = "seed"
_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    """Whitespace-collapsed, case-folded, with typographic apostrophes unified."""
    return _WS.sub(" ", text.replace("’", "'")).strip().casefold()


def news_corpus() -> list[dict[str, Any]]:
    """The Wikinews articles (ids kept) and the seed article (id ``seed``)."""
    rows = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [{**r, "source": "Wikinews"} for r in rows]
    out.append({**seed_article(), "id": SEED_KEY})
    return out


def write_news_corpus(out: Path) -> Path:
    """The news corpus as ingest JSONL at ``out``."""
    return write_jsonl(out, news_corpus())


def load_questions(split: str | None = None) -> list[dict[str, Any]]:
    """Answerable then unanswerable news questions, restricted to ``split`` ('train'/'test') when given."""
    rows: list[dict[str, Any]] = []
    for name in ("news_answerable.jsonl", "news_unanswerable.jsonl"):
        for line in (ANSWERS / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return [r for r in rows if split in (None, "all") or r.get("split") == split]


def correct(answer: Any, evidence: str) -> bool:
    """Does any quoted (cited) sentence of ``answer`` contain ``evidence``?"""
    ev = norm(evidence)
    return any(ev in norm(c.quote) for c in answer.citations)


@dataclass
class Tally:
    """Counts of one group of questions."""

    n: int = 0
    good: int = 0

    @property
    def rate(self) -> float:
        """Share of good outcomes (0 for an empty group)."""
        return self.good / self.n if self.n else 0.0


@dataclass
class AnswerReport:
    """Answer-level figures: correct answers, answered and refused rates, per group."""

    answer_correct: Tally = field(default_factory=Tally)
    answered: Tally = field(default_factory=Tally)  # answerable questions that got an answer
    refused: Tally = field(default_factory=Tally)  # unanswerable questions that were refused
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_pair: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Rates with their counts."""
        def t(x: Tally) -> dict[str, Any]:
            return {"rate": round(x.rate, 4), "n": x.n}

        return {"answer_correct": t(self.answer_correct), "answered": t(self.answered),
                "refused": t(self.refused), "by_type": {k: t(v) for k, v in sorted(self.by_type.items())},
                "by_pair": {k: t(v) for k, v in sorted(self.by_pair.items())},
                "unanswerable_by_kind": {k: t(v) for k, v in sorted(self.by_kind.items())}}


def evaluate_answers(engine: Any, questions: Iterable[dict[str, Any]], mode: str | None = None) -> AnswerReport:
    """Ask every question through :meth:`Engine.ask` and score the answers."""
    rep = AnswerReport()
    for q in questions:
        ans = engine.ask(q["question"], mode=mode)
        if q.get("answerable", True):
            ok = not ans.refused and correct(ans, q["evidence"])
            pair = f"{q['lang']}->{q.get('article_lang', q['lang'])}"
            for tally in (rep.answer_correct, rep.by_type[q.get("type", "other")], rep.by_pair[pair]):
                tally.n += 1
                tally.good += ok
            rep.answered.n += 1
            rep.answered.good += not ans.refused
        else:
            ok = ans.refused
            for tally in (rep.refused, rep.by_kind[q.get("kind", "other")]):
                tally.n += 1
                tally.good += ok
        if not ok:
            rep.failures.append({"id": q["id"], "question": q["question"], "refused": ans.refused,
                                 "answer": ans.text[:300], "evidence": q.get("evidence")})
    return rep
