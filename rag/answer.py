"""The extractive answerer: offline, embedded, every word of the answer quoted from a source.

Question -> analysis (type, expected answer type, names, years: :mod:`rag.question`) -> every sentence of
the retrieved passages described by documented features (:mod:`rag.select`) -> the fitted sentence
model's probability that the sentence holds the answer -> the fitted refusal model decides whether the
best sentence is good enough to answer at all -> the best sentences are quoted verbatim, each followed by
its ``[n]``. Both models are logistic regressions fitted by ``python -m rag fit`` on declared training
splits and stored as JSON (``rag/data/answerer.json``); nothing here is a hand-set weight.

For "what did X say (about Y)?" the engine adds the chunks holding X's quotes (from the quote index) to
the candidates, and the features say whether a sentence is X's quote or someone else's; when the chosen
sentence is not X's quote, the answer says that no quote of X on that topic was found before citing what
the articles report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.config import Settings
from rag.embeddings import Embedder
from rag.models import Answer, Citation, Passage
from rag.nlp import link_name
from rag.question import QuestionInfo, analyse_question
from rag.select import FEATURES, MODEL_PATH, Candidate, admissible, candidates, load_models, question_features
from rag.text import detect_language

REFUSAL = {
    "en": "I couldn't find this in the ingested articles.",
    "fr": "Je n'ai pas trouvé la réponse dans les articles ingérés.",
}
UNDATED = {"en": "undated", "fr": "sans date"}
NO_QUOTE = {
    "en": "I found no quote of {who} on this in the articles; what they report:",
    "fr": "Je n'ai pas trouvé de citation de {who} à ce sujet dans les articles ; ce qu'ils rapportent :",
}


@dataclass(frozen=True)
class Decision:
    """Everything the answerer computed for one question (kept for evaluation and fitting)."""

    question: QuestionInfo
    candidates: list[Candidate]
    probs: np.ndarray
    answer_prob: float


class ExtractiveAnswerer:
    """Quotes the sentences that answer the question, with citations, or refuses."""

    mode = "extractive"

    def __init__(self, settings: Settings, embedder: Embedder,
                 known_term: Callable[[str], bool] | None = None) -> None:
        """``known_term(t)`` tells whether keyword term ``t`` occurs anywhere in the corpus."""
        self.settings = settings
        self.embedder = embedder
        self.known_term = known_term
        self.model_path = MODEL_PATH  # the fitted models; `rag fit --dry-run` evaluates its own file instead

    def decide(self, question: str, passages: list[Passage], info: QuestionInfo | None = None) -> Decision:
        """Analyse the question, describe and score every candidate sentence, and the answer/refuse score."""
        sentence_model, refusal_model, _ = load_models(str(self.model_path))
        info = info or analyse_question(question)
        qv = self.embedder.embed_query(question)
        cands = candidates(info, passages, qv, self.embedder.embed_texts, self.known_term)
        probs = sentence_model.prob(np.stack([c.x for c in cands])) if cands else np.zeros(0)
        probs = np.where(admissible(cands), probs, 0.0) if cands else probs
        qx = question_features(info, probs, cands, passages, self.known_term)
        return Decision(info, cands, probs, float(refusal_model.prob(qx[None, :])[0]))

    def answer(self, question: str, passages: list[Passage], resolved: str | None = None,
               info: QuestionInfo | None = None) -> Answer:
        """Compose the answer for ``question`` (``resolved`` = follow-up made self-contained)."""
        t0 = time.perf_counter()
        q = resolved or question
        lang = detect_language(question)
        decision = self.decide(q, passages, info)
        timings = {"sentences": time.perf_counter() - t0}
        _, refusal_model, fitted = load_models(str(self.model_path))
        ratio = float(fitted["sentence"].get("second_sentence_ratio", 1.01))
        if (not decision.candidates or decision.answer_prob < refusal_model.threshold
                or float(decision.probs.max()) <= 0.0):  # no admissible sentence: the constraints are unmet
            return refusal(question, q, passages, lang, self.mode, timings)
        if decision.question.timeline:
            picks = _timeline(decision, passages, ratio, self.settings.timeline_lines)
            if len(picks) > 1:  # one article: an ordinary answer from it
                return _timeline_answer(question, q, picks, passages, lang, timings)
        order = np.argsort(-decision.probs)
        best = float(decision.probs[order[0]])
        chosen = [decision.candidates[int(order[0])]]
        for idx in order[1:]:
            cand = decision.candidates[int(idx)]
            # Another sentence only when the model finds it nearly as likely to hold the answer (ratio: rag fit).
            if len(chosen) >= self.settings.answer_sentences or float(decision.probs[idx]) < best * ratio:
                break
            chosen.append(cand)
        info_q = decision.question
        if info_q.qtype == "what_happened":
            chosen = _lead_first(chosen, decision.candidates, passages, self.settings.answer_sentences)
        citations: list[Citation] = []
        parts: list[str] = []
        lead = ""
        if info_q.qtype == "who_said_what" and info_q.speaker:
            top = chosen[0]
            p = passages[top.passage_rank]
            a_start, a_end = p.start + top.start, p.start + top.end
            own = [qt for qt in p.quotes if qt.start < a_end and a_start < qt.end
                   and (link_name(info_q.speaker, [qt.speaker]) or link_name(qt.speaker, [info_q.speaker]))]
            lead = f"{own[0].speaker}:" if own else NO_QUOTE.get(lang, NO_QUOTE["en"]).format(who=info_q.speaker)
        # Each quoted sentence is its own citation (its exact span), in reading order; sentences of several
        # articles are listed oldest first, each with its date.
        multi = len({passages[x.passage_rank].article_id for x in chosen}) > 1

        def reading(c: Candidate) -> tuple[str, str, int]:
            p = passages[c.passage_rank]
            return (p.date or "", p.article_id, p.start + c.start) if multi else ("", "", p.start + c.start)

        for c in sorted(chosen, key=reading):
            p = passages[c.passage_rank]
            n = len(citations) + 1
            citations.append(_citation(n, p, c.start, c.end))
            parts.append(_render(p.text[c.start:c.end], n, p, lang))
        text = " ".join(parts)
        return Answer(text=f"{lead} {text}" if lead else text, citations=citations, mode=self.mode,
                      question=question, resolved_question=q, closest=passages[:3], timings=timings)


def _timeline(decision: Decision, passages: list[Passage], ratio: float, limit: int) -> list[Candidate]:
    """"What happened with X?": each article's most likely sentence, for at most ``limit`` articles.

    A line must be about X: when the question names people, places or organisations the sentence names them
    all (linked names); for a topic without a name the sentence must be nearly as likely as the best one
    (the fitted ``second_sentence_ratio``). Inadmissible sentences (probability 0), questions and headings
    never make a line (they state no event).
    """
    ent_sent, is_question, heading = (FEATURES.index(f) for f in ("ent_sent", "is_question", "heading"))
    best = float(decision.probs.max())
    per_article: dict[str, tuple[float, Candidate]] = {}
    for c, prob in zip(decision.candidates, decision.probs, strict=True):
        if prob <= 0.0 or c.x[is_question] or c.x[heading] or (decision.question.names and c.x[ent_sent] < 1.0) or (
                not decision.question.names and prob < best * ratio):
            continue
        aid = passages[c.passage_rank].article_id
        if aid not in per_article or prob > per_article[aid][0]:
            per_article[aid] = (float(prob), c)
    return [c for _, c in sorted(per_article.values(), key=lambda t: -t[0])[:limit]]


def _timeline_answer(question: str, resolved: str, picks: list[Candidate], passages: list[Passage], lang: str,
                     timings: dict[str, float]) -> Answer:
    """A dated timeline: one quoted sentence per article, oldest first, each its own citation."""
    def when(c: Candidate) -> tuple[str, str]:
        p = passages[c.passage_rank]
        return (p.date or "", p.article_id)

    citations: list[Citation] = []
    lines: list[str] = []
    for c in sorted(picks, key=when):
        p = passages[c.passage_rank]
        n = len(citations) + 1
        citations.append(_citation(n, p, c.start, c.end))
        day = (p.date or "")[:10] or UNDATED.get(lang, UNDATED["en"])
        lines.append(f"{day} — {_render(p.text[c.start:c.end], n, p, lang)}")
    return Answer(text="\n".join(lines), citations=citations, mode=ExtractiveAnswerer.mode, question=question,
                  resolved_question=resolved, closest=passages[:3], timings=timings)


def _lead_first(chosen: list[Candidate], cands: list[Candidate], passages: list[Passage],
                limit: int) -> list[Candidate]:
    """For "what happened": the opening sentence of the best sentence's article first (the sentence that
    states the event, in news writing), then the best sentences, within ``limit``."""
    best_article = passages[chosen[0].passage_rank].article_id
    leads = [c for c in cands if passages[c.passage_rank].article_id == best_article
             and passages[c.passage_rank].start + c.start == _article_start(passages, best_article, cands)]
    if not leads or any(c is leads[0] for c in chosen):
        return chosen
    return [leads[0], *chosen][:max(2, limit)]


def _article_start(passages: list[Passage], article_id: str, cands: list[Candidate]) -> int:
    """The smallest article offset among the candidates of ``article_id`` (its first sentence we hold)."""
    return min(passages[c.passage_rank].start + c.start for c in cands
               if passages[c.passage_rank].article_id == article_id)


def _citation(n: int, p: Passage, start: int, end: int) -> Citation:
    return Citation(n=n, article_id=p.article_id, title=p.title, source=p.source, url=p.url, date=p.date,
                    text=p.text, quote=p.text[start:end], span=(p.start + start, p.start + end),
                    passage_span=(start, end))


def _render(quote: str, n: int, p: Passage, lang: str) -> str:
    """Quote verbatim; name the source when the question's language differs from the article's."""
    if p.lang != lang and lang == "en":
        where = f"{p.source}, " if p.source else ""
        return f"According to [{n}] ({where}in {_LANG_NAMES.get(p.lang, p.lang)}): “{quote}” [{n}]"
    if p.lang != lang and lang == "fr":
        return f"Selon [{n}] (en {_LANG_NAMES_FR.get(p.lang, p.lang)}) : « {quote} » [{n}]"
    return f"{quote} [{n}]"


_LANG_NAMES = {"fr": "French", "en": "English", "de": "German", "es": "Spanish", "it": "Italian"}
_LANG_NAMES_FR = {"fr": "français", "en": "anglais", "de": "allemand", "es": "espagnol", "it": "italien"}


def refusal(question: str, resolved: str, passages: list[Passage], lang: str, mode: str,
            timings: dict[str, float]) -> Answer:
    """The plain "not in the articles" answer, with the closest articles offered."""
    seen: dict[str, Passage] = {}
    for p in passages:
        seen.setdefault(p.article_id, p)
    return Answer(text=REFUSAL.get(lang, REFUSAL["en"]), citations=[], mode=mode, refused=True,
                  question=question, resolved_question=resolved, closest=list(seen.values())[:3],
                  timings=timings)
