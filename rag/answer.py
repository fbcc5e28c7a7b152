"""The extractive answerer: offline, embedded, every word of the answer quoted from a source.

It scores the sentences of the retrieved passages against the question and quotes the best ones,
each followed by its ``[n]``. Scores combine:

* the cosine similarity of sentence and question (USE-multilingual, so English questions meet
  French sentences),
* the share of the question's keyword terms found in the sentence,
* the passage's retrieval rank,
* for "what did X say ..." questions, a bonus for sentences where X is the speaker (a verb of saying,
  quotation marks, "selon X") and for the "a-t-il ajouté" sentence right after one.

Whether to answer at all is decided by :meth:`ExtractiveAnswerer.support`: the best sentence score,
adjusted, when the question shares the passages' language, by how much of the question the top
passages cover and how many of its terms the corpus has never seen ("Netflix", "posologie": a sign the
articles are about something else). Under ``settings.refusal_threshold`` the answer is a refusal that
lists the closest articles. Weights and threshold were fitted on half of the answerable + unanswerable
questions of the eval sets and checked on the other half (README, "Quality"), not guessed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from rag.config import Settings
from rag.conversation import speaker
from rag.embeddings import Embedder
from rag.models import Answer, Citation, Passage
from rag.text import detect_language, fold, query_terms, split_sentences

REFUSAL = {
    "en": "I couldn't find this in the ingested articles.",
    "fr": "Je n'ai pas trouvé la réponse dans les articles ingérés.",
}
_SAYING = re.compile(
    r"\b(a déclaré|ont déclaré|a dit|ont dit|a affirmé|a ajouté|a-t-il ajouté|a-t-elle ajouté|a-t-il dit|"
    r"a-t-elle dit|a-t-il déclaré|a-t-elle déclaré|a souligné|a estimé|a assuré|a annoncé|a rapporté|"
    r"selon|d'après|a indiqué|a expliqué|a promis|s'efforcerait|said|says|told|stated|declared|added|"
    r"according to|announced)\b|[\"«»“”]",
    re.IGNORECASE,
)
COVERAGE_WEIGHT = 0.6
UNSEEN_WEIGHT = 0.4
_BACKREF = re.compile(r"a-t-(il|elle) (ajouté|dit|déclaré|poursuivi|précisé|souligné)|\b(he|she) (added|said)\b",
                      re.IGNORECASE)


def _stem_langs(lang: str) -> tuple[str, ...]:
    """Stem a sentence like the question (fr + en) and, for other languages, in its own language too."""
    return ("fr", "en") if lang in ("fr", "en") else ("fr", "en", lang)


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with its score."""

    passage_rank: int
    start: int  # offsets inside the passage text
    end: int
    score: float


class ExtractiveAnswerer:
    """Quotes the sentences that answer the question, with citations, or refuses."""

    mode = "extractive"

    def __init__(self, settings: Settings, embedder: Embedder,
                 known_term: Callable[[str], bool] | None = None) -> None:
        """``known_term(t)`` tells whether keyword term ``t`` occurs anywhere in the corpus."""
        self.settings = settings
        self.embedder = embedder
        self.known_term = known_term

    def support(self, question: str, passages: list[Passage], scored: list[Scored]) -> float:
        """The score compared with the refusal threshold (see the module docstring)."""
        if not scored:
            return -1.0
        score = scored[0].score
        lang = detect_language(question)
        if lang not in ("fr", "en") or not passages or passages[0].lang != lang:
            return score  # across languages, term overlap says little: rely on the sentence score
        qterms = set(query_terms(question, (lang,)))
        if not qterms:
            return score
        covered: set[str] = set()
        for p in passages[:3]:
            covered |= set(query_terms(p.text))
        coverage = len(qterms & covered) / len(qterms)
        unseen = sum(1 for t in qterms if self.known_term and not self.known_term(t)) / len(qterms)
        return score + COVERAGE_WEIGHT * (coverage - 0.5) - UNSEEN_WEIGHT * unseen

    def score_sentences(self, question: str, passages: list[Passage]) -> list[Scored]:
        """Every sentence of every passage, scored against the question (best first)."""
        spans = [(i, s, e) for i, p in enumerate(passages) for s, e in split_sentences(p.text)]
        spans = [(i, s, e) for i, s, e in spans if len(passages[i].text[s:e].split()) >= 3]
        if not spans:
            return []
        texts = [passages[i].text[s:e] for i, s, e in spans]
        qv = self.embedder.embed_query(question)
        sims = self.embedder.embed_texts(texts) @ qv
        qterms = set(query_terms(question))
        who = speaker(question)
        who_terms = set(query_terms(who)) if who else set()
        topic_terms = qterms - who_terms
        out = []
        prev_speaker_hit: dict[int, int] = {}
        for n, ((i, s, e), text, sim) in enumerate(zip(spans, texts, sims, strict=True)):
            sterms = set(query_terms(text, _stem_langs(passages[i].lang)))
            coverage = len(qterms & sterms) / len(qterms) if qterms else 0.0
            score = 0.55 * float(sim) + 0.3 * coverage + 0.15 / (1 + i)
            if who:
                named = bool(who_terms & sterms) or fold(who.split()[-1]) in fold(text)
                says = bool(_SAYING.search(text))
                if named and says:
                    score += 0.25
                    prev_speaker_hit[i] = n
                elif says and _BACKREF.search(text) and prev_speaker_hit.get(i) == n - 1:
                    score += 0.2  # "a-t-il ajouté" right after a sentence where X speaks
                if topic_terms and not topic_terms & sterms:
                    score -= 0.1
            out.append(Scored(i, s, e, score))
        return sorted(out, key=lambda x: -x.score)

    def answer(self, question: str, passages: list[Passage], resolved: str | None = None) -> Answer:
        """Compose the answer for ``question`` (``resolved`` = follow-up made self-contained)."""
        t0 = time.perf_counter()
        q = resolved or question
        lang = detect_language(question)
        scored = self.score_sentences(q, passages)
        timings = {"sentences": time.perf_counter() - t0}
        if self.support(q, passages, scored) < self.settings.refusal_threshold:
            return refusal(question, q, passages, lang, self.mode, timings)
        best = scored[0].score
        chosen = [scored[0]]
        for cand in scored[1:]:
            if len(chosen) >= self.settings.answer_sentences or cand.score < best - 0.12:
                break
            if any(c.passage_rank == cand.passage_rank and c.start == cand.start for c in chosen):
                continue
            chosen.append(cand)
        citations: list[Citation] = []
        parts: list[str] = []
        numbers: dict[str, int] = {}
        for c in sorted(chosen, key=lambda c: (c.passage_rank, c.start)):
            p = passages[c.passage_rank]
            n = numbers.setdefault(p.chunk_id, len(numbers) + 1)
            quote = p.text[c.start:c.end]
            if n > len(citations):
                citations.append(_citation(n, p, c.start, c.end))
            parts.append(_render(quote, n, p, lang))
        return Answer(text=" ".join(parts), citations=citations, mode=self.mode, question=question,
                      resolved_question=q, closest=passages[:3], timings=timings)


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
