"""Sentence selection: documented features of (question, candidate sentence), scored by fitted models.

Every sentence of the retrieved passages is a candidate. :func:`features` describes it against the
question analysis (:mod:`rag.question`) with the features listed in :data:`FEATURES`; the sentence
model (a logistic regression fitted by ``python -m rag fit`` on the training split, stored as plain JSON
in ``rag/data/answerer.json``) turns them into the probability that the sentence holds the answer. The
refusal model reads the best candidates' features (:func:`question_features`) and says whether to answer
at all. No weight in this file is typed by hand: they all come from the fitted file.

Entity mentions come from the ingest-time NLP step (stored on the chunks), so answering never parses a
passage; only the question is parsed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.models import Passage
from rag.nlp import fold_token, key_tokens, link_name
from rag.question import QuestionInfo
from rag.text import query_terms, split_sentences
from rag.timeframe import MONTHS

MODEL_PATH = Path(__file__).resolve().parent / "data" / "answerer.json"

FEATURES = (
    "sim",              # cosine of question and sentence embeddings (multilingual)
    "cov",              # share of the question's terms in the sentence
    "cov_ctx",          # share of the question's terms in the passage and its title
    "rank_inv",         # 1 / (1 + retrieval rank of the passage)
    "pscore",           # fused retrieval score of the passage, relative to the best passage
    "type_ok",          # the sentence holds a mention of the expected answer type not named in the question
    "type_ok_who",      # ... the same, one feature per expected type, so each type gets its own weight
    "type_ok_when",
    "type_ok_where",
    "type_ok_number",
    "type_missing",     # the question expects a person/date/place/number and the sentence has none
    "reason_cue",       # why-question and the sentence holds a causal connective
    "ent_sent",         # share of the question's names met in the sentence (linked names, not substrings)
    "ent_article",      # share of the question's names met in the passage, its title or its article's people
    "year_missing",     # the question names a year that neither the passage, its title nor its date holds
    "is_question",      # the sentence is itself a question
    "heading",          # the sentence has no final punctuation (a heading, a caption, a dateline)
    "lead",             # the sentence opens its article
    "lead_event",       # ... and the question asks what happened
    "quote_speaker",    # who-said-what and the sentence is (part of) a quote by the asked speaker
    "quote_other",      # who-said-what and the sentence is a quote by someone else
    "cross",            # the sentence is in another language than the question
    "length",           # words / 60, capped at 1
    "new_info",         # share of the sentence's terms the question does not hold (an answer adds something)
    "prev_cov",         # share of the question's terms in the sentence before it (answers often follow it)
    "next_cov",         # ... and in the sentence after it
    "first_in_passage", # the sentence opens its passage
    "unmet",            # a hard constraint fails: a name of the question (a person's name across languages)
                        # absent from the sentence's passage and article, or a year it names absent; such a
                        # sentence is never an answer (see :func:`admissible`)
)
QFEATURES = (
    "best", "second", "margin", "best_ent_article", "best_year_missing", "best_type_ok", "best_cov",
    "best_sim", "top_dense", "unseen", "cross", "has_names", "has_years",
    "name_missing",     # a name of the question is absent from the best sentence's passage and article
    "speaker_unquoted", # what-did-X-say and the best sentence is not a quote of X
)
# Causal connectives (closed grammatical class) of English and French.
_CAUSAL = re.compile(
    r"\b(because|due to|owing to|as a result|in order to|so that|since|parce qu|car\b|puisqu|en raison d|"
    r"à cause d|a cause d|grâce à|grace a|afin d|pour que|suite à|faute d)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTHS = "|".join(sorted(MONTHS, key=len, reverse=True))
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
# Dates are not counts: "3 juillet 2012", "July 3, 2012" and bare years are removed before a sentence's
# numbers are read (a French Wikinews dateline otherwise gives every lead a number for "how many").
_DATE_EXPR = re.compile(rf"\b\d{{1,2}}(?:er)?\s+(?:{_MONTHS})(?:\s+\d{{4}})?|\b(?:{_MONTHS})\s+\d{{1,2}}"
                        rf"(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\b(?:1[89]\d\d|20\d\d)\b", re.IGNORECASE)
_TYPE_LABELS = {"PERSON": ("PERSON", "ORG"), "DATE": ("DATE",), "PLACE": ("PLACE",), "NUMBER": ("NUMBER",)}


@dataclass(frozen=True)
class Candidate:
    """One sentence of one retrieved passage: where it is, and its features."""

    passage_rank: int
    start: int  # offsets inside the passage text
    end: int
    x: np.ndarray


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression: feature names, weights, intercept, and its decision threshold."""

    names: tuple[str, ...]
    weights: np.ndarray
    intercept: float
    threshold: float = 0.5

    def prob(self, x: np.ndarray) -> np.ndarray:
        """P(positive) for rows of ``x``."""
        z = x @ self.weights + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Model:
        """Read the JSON written by ``rag fit``."""
        return cls(tuple(d["features"]), np.asarray(d["weights"], dtype=np.float64), float(d["intercept"]),
                   float(d.get("threshold", 0.5)))


@lru_cache(maxsize=4)
def load_models(path: str = str(MODEL_PATH)) -> tuple[Model, Model, dict[str, Any]]:
    """(sentence model, refusal model, the whole file) from ``rag/data/answerer.json``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Model.from_json(data["sentence"]), Model.from_json(data["refusal"]), data


def _has_name(name: str, text_tokens: set[str], canon: list[str]) -> bool:
    """Is ``name`` in a text (all its identifying tokens, hyphens or not) or among its linked mentions?"""
    keys = key_tokens(name)
    if keys and set(keys) <= text_tokens:
        return True
    parts = {p for k in keys for p in k.split("-") if p}
    if parts and parts <= {p for t in text_tokens for p in t.split("-")}:
        return True
    return link_name(name, canon) is not None


def _tokens(text: str) -> set[str]:
    return {fold_token(t) for t in re.findall(r"[\w'’-]+", text)}


def candidates(q: QuestionInfo, passages: list[Passage], qv: np.ndarray, embed: Callable[[list[str]], np.ndarray],
               known_term: Callable[[str], bool] | None = None) -> list[Candidate]:
    """Every sentence (of 3+ words) of ``passages`` with its feature vector."""
    spans = [(i, s, e) for i, p in enumerate(passages) for s, e in split_sentences(p.text)]
    spans = [(i, s, e) for i, s, e in spans if len(passages[i].text[s:e].split()) >= 3]
    if not spans:
        return []
    texts = [passages[i].text[s:e] for i, s, e in spans]
    sims = np.asarray(embed(texts) @ qv, dtype=np.float64)
    qterms = set(query_terms(q.text))
    top = max((p.score for p in passages), default=0.0) or 1.0
    names = list(q.names)
    persons = {m.canonical for m in q.entities if m.label == "PERSON"}
    ctx: dict[int, tuple[set[str], set[str], list[str], bool]] = {}
    for i, p in enumerate(passages):
        body = p.title + "\n" + p.text
        canon = [e[3] for e in p.ents] + list(p.people)
        years_here = set(_YEAR.findall(body)) | ({p.date[:4]} if p.date else set())
        ctx[i] = (set(query_terms(body)), _tokens(body), canon, bool(q.years) and not set(q.years) & years_here)
    sent_terms = [set(query_terms(t)) for t in texts]
    out = []
    for n, ((i, s, e), text, sim) in enumerate(zip(spans, texts, sims.tolist(), strict=True)):
        p = passages[i]
        pterms, ptoks, canon, year_missing = ctx[i]
        a_start, a_end = p.start + s, p.start + e  # article offsets of the sentence
        sterms = sent_terms[n]
        stoks = _tokens(text)
        sent_ents = [ent for ent in p.ents if a_start <= ent[1] and ent[2] <= a_end]
        f = dict.fromkeys(FEATURES, 0.0)
        f["sim"] = sim
        f["cov"] = len(qterms & sterms) / len(qterms) if qterms else 0.0
        f["cov_ctx"] = len(qterms & pterms) / len(qterms) if qterms else 0.0
        f["rank_inv"] = 1.0 / (1 + i)
        f["pscore"] = p.score / top if top > 0 else 0.0
        labels = _TYPE_LABELS.get(q.expects or "")
        if labels:
            asked = {fold_token(n) for n in names}
            ok = any(ent[0] in labels and fold_token(ent[3]) not in asked for ent in sent_ents)
            if q.expects == "DATE":
                ok = ok or bool(set(_YEAR.findall(text)) - set(q.years))
            if q.expects == "NUMBER":  # a number the question does not already hold
                ok = ok or bool(set(_DIGITS.findall(_DATE_EXPR.sub(" ", text))) - set(q.numbers))
            f["type_ok"] = float(ok)
            f["type_missing"] = float(not ok)
            f[{"PERSON": "type_ok_who", "DATE": "type_ok_when", "PLACE": "type_ok_where",
               "NUMBER": "type_ok_number"}[q.expects or ""]] = float(ok)
        f["reason_cue"] = float(q.qtype == "why" and bool(_CAUSAL.search(text)))
        if names:
            sent_canon = [ent[3] for ent in sent_ents]
            f["ent_sent"] = sum(_has_name(n, stoks, sent_canon) for n in names) / len(names)
            f["ent_article"] = sum(_has_name(n, ptoks, canon) for n in names) / len(names)
        f["year_missing"] = float(year_missing)
        hard = [n for n in names if p.lang == q.lang or n in persons]
        f["unmet"] = float(year_missing or any(not _has_name(n, ptoks, canon) for n in hard))
        f["is_question"] = float(text.rstrip("»”\"' ").endswith("?"))
        f["heading"] = float(not re.search(r"[.!?…][\"»”’')\]]*$", text))
        f["lead"] = float(a_start < 300)
        f["lead_event"] = f["lead"] * float(q.qtype == "what_happened")
        if q.qtype == "who_said_what" and q.speaker:
            over = [qt for qt in p.quotes if qt.start < a_end and a_start < qt.end]
            by = [qt for qt in over if link_name(q.speaker, [qt.speaker]) or link_name(qt.speaker, [q.speaker])]
            f["quote_speaker"] = float(bool(by))
            f["quote_other"] = float(bool(over) and not by)
        f["cross"] = float(p.lang != q.lang)
        f["length"] = min(len(text.split()), 60) / 60
        f["new_info"] = len(sterms - qterms) / len(sterms) if sterms else 0.0
        if qterms:
            if n > 0 and spans[n - 1][0] == i:
                f["prev_cov"] = len(qterms & sent_terms[n - 1]) / len(qterms)
            if n + 1 < len(spans) and spans[n + 1][0] == i:
                f["next_cov"] = len(qterms & sent_terms[n + 1]) / len(qterms)
        f["first_in_passage"] = float(n == 0 or spans[n - 1][0] != i)
        out.append(Candidate(i, s, e, np.array([f[k] for k in FEATURES], dtype=np.float64)))
    return out


def admissible(cands: list[Candidate]) -> np.ndarray:
    """Which candidates may be an answer: the question's constraints are met in their passage and article,
    and the sentence is not itself a question.

    The issue's rules, not weights: "the question's entities must be met in the sentence or its article"
    (names are compared within a language: a place is spelled differently across languages, a person is
    not) and "questions and headings are not answers" (an interviewer's question quoted as the answer was
    one of the failures it listed; headings are left to the fitted model, since a sentence without final
    punctuation can still hold the answer).
    """
    unmet, question = FEATURES.index("unmet"), FEATURES.index("is_question")
    return np.array([c.x[unmet] < 0.5 and c.x[question] < 0.5 for c in cands], dtype=bool)


def question_features(q: QuestionInfo, probs: np.ndarray, cands: list[Candidate], passages: list[Passage],
                      known_term: Callable[[str], bool] | None) -> np.ndarray:
    """The refusal model's input: how good the best sentences are and what the question's constraints met."""
    f = dict.fromkeys(QFEATURES, 0.0)
    if len(probs):
        order = np.argsort(-probs)
        best = cands[int(order[0])].x
        f["best"] = float(probs[order[0]])
        f["second"] = float(probs[order[1]]) if len(order) > 1 else 0.0
        f["margin"] = f["best"] - f["second"]
        idx = {k: n for n, k in enumerate(FEATURES)}
        f["best_ent_article"] = float(best[idx["ent_article"]])
        f["best_year_missing"] = float(best[idx["year_missing"]])
        f["best_type_ok"] = float(best[idx["type_ok"]])
        f["best_cov"] = float(best[idx["cov"]])
        f["best_sim"] = float(best[idx["sim"]])
        f["cross"] = float(best[idx["cross"]])
        f["name_missing"] = float(bool(q.names) and best[idx["ent_article"]] < 1.0)
        f["speaker_unquoted"] = float(q.qtype == "who_said_what" and best[idx["quote_speaker"]] < 1.0)
    f["top_dense"] = max((p.dense or 0.0 for p in passages), default=0.0)
    qterms = query_terms(q.text, (q.lang,))
    if qterms and known_term is not None:
        f["unseen"] = sum(1 for t in qterms if not known_term(t)) / len(qterms)
    f["has_names"] = float(bool(q.names))
    f["has_years"] = float(bool(q.years))
    return np.array([f[k] for k in QFEATURES], dtype=np.float64)


def sigmoid(z: float) -> float:
    """The logistic function."""
    return 1.0 / (1.0 + math.exp(-z))
