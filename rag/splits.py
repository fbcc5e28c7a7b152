"""The fixed evaluation splits of the retrieval sets: what fitting may see, what the tests hold it to.

``python -m rag fit`` uses, from these sets, only the *fit* side (as questions about other documents when
it builds the refusal model's negatives); ``tests/test_eval.py`` asserts its floors on the *held-out*
side. Deterministic: positions in file order and fixed seeds.

* cross-lingual set (``rag.datasets.crosslingual_questions``): even positions fit, odd positions held out;
* PIAF: the 300-question sample (seed 13) is held out; 200 other questions (seed 20240, excluding those
  our English set translates) may be fitted on.
"""

from __future__ import annotations

import json
import random

from rag.datasets import DATA, crosslingual_questions, piaf_questions
from rag.eval import Question

PIAF_TEST_SAMPLE = 300
FIT_PIAF_SIZE = 200
FIT_PIAF_SEED = 20240


def crosslingual_split() -> tuple[list[Question], list[Question]]:
    """(fit, held out): the cross-lingual questions at even and at odd positions."""
    qs = [Question.from_json(q) for q in crosslingual_questions()]
    return qs[0::2], qs[1::2]


def piaf_held_out() -> list[Question]:
    """The fixed 300-question PIAF test sample."""
    return [Question.from_json(q) for q in piaf_questions(sample=PIAF_TEST_SAMPLE)]


def piaf_fit() -> list[Question]:
    """:data:`FIT_PIAF_SIZE` PIAF questions, disjoint from the test sample and from the English set."""
    excluded = {q.id for q in piaf_held_out()}
    excluded |= {json.loads(line)["piaf_question"] for line in
                 (DATA / "en_questions_piaf.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
    pool = [q for q in piaf_questions() if q["id"] not in excluded]
    return [Question.from_json(q) for q in random.Random(FIT_PIAF_SEED).sample(pool, FIT_PIAF_SIZE)]


def fit_questions() -> list[Question]:
    """Every question of these sets that fitting may use."""
    return crosslingual_split()[0] + piaf_fit()


def held_out_questions() -> list[Question]:
    """Every question of these sets the tests hold the fitted models to (never used by a fit)."""
    return crosslingual_split()[1] + piaf_held_out()
