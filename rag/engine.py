"""One object per process that ties the parts together: the seam the CLI, the app and tests use.

``Engine.open(settings)`` loads the embedder and opens the store once; ``engine.ask(...)`` runs
question -> follow-up resolution -> retriever -> answerer; ``engine.ingestor()`` writes articles.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from rag.answer import ExtractiveAnswerer, refusal
from rag.catalog import Catalog, CatalogCache
from rag.config import Settings
from rag.conversation import resolve
from rag.embeddings import Embedder, make_embedder
from rag.models import Answer, Passage
from rag.nlp import link_name
from rag.question import QuestionInfo, analyse_question
from rag.quote_search import find_quotes, speakers_matching
from rag.retrieve import Mode, Retriever
from rag.store import Store, StoreError
from rag.text import detect_language
from rag.timeframe import RELEVANT_SHARE, Period, parse_period, recency_weight, wants_latest


@dataclass
class Engine:
    """Settings, embedder, store, retriever and answerer of one process."""

    settings: Settings
    embedder: Embedder
    store: Store
    retriever: Retriever
    extractive: ExtractiveAnswerer
    _generative: Any = field(default=None, repr=False)
    _catalog: CatalogCache = field(default_factory=CatalogCache, repr=False)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, create: bool = True) -> Engine:
        """Load the embedder (unless given) and open the store for it (``create=False``: it must exist)."""
        if not create:
            from rag.store import store_exists

            if not store_exists(settings):
                raise StoreError(f"no store at {Store.where_for(settings)}: check --store / NEWSQA_STORE "
                                 "(ingest an article to create one)")
        embedder = embedder or make_embedder(settings)
        store = Store(settings, embedder.key, embedder.dim)
        return cls(settings, embedder, store, Retriever(settings, embedder, store),
                   ExtractiveAnswerer(settings, embedder, store.keyword.has_term))

    def catalog(self) -> Catalog:
        """The corpus table's rows, built once per state of the store (see :mod:`rag.catalog`)."""
        return self._catalog.get(self.store)

    def ingestor(self) -> Any:
        """An :class:`ingest.pipeline.Ingestor` writing to this engine's store."""
        from ingest.pipeline import Ingestor

        return Ingestor(self.settings, self.embedder, self.store)

    def ask(self, question: str, history: list[str] | None = None, where: dict[str, Any] | None = None,
            k: int | None = None, mode: str | None = None, fusion: Mode | None = None) -> Answer:
        """Answer ``question``; ``history`` holds the previous resolved questions of the chat."""
        t0 = time.perf_counter()
        resolved, info, passages = self.prepare(question, history, where, k, fusion)
        t1 = time.perf_counter()
        mode = mode or self.settings.answer_mode
        if not passages:
            ans = refusal(question, resolved, [], detect_language(question), mode, {})
        elif mode == "generative":
            ans = self.generative().answer(question, passages, resolved)
        else:
            ans = self.extractive.answer(question, passages, resolved, info)
        if ans.citations:
            ans = self.also_reported(ans)
        if info.period is not None and not ans.notice:  # say which period was searched, answered or not
            ans = replace(ans, notice=period_notice(info.period, detect_language(question), ans.refused))
        timings = {**ans.timings, "retrieve": t1 - t0, "total": time.perf_counter() - t0}
        return replace(ans, timings=timings)

    def prepare(self, question: str, history: list[str] | None = None, where: dict[str, Any] | None = None,
                k: int | None = None, fusion: Mode | None = None) -> tuple[str, QuestionInfo, list[Passage]]:
        """Follow-up resolution, question analysis and retrieval: (resolved question, analysis, passages).

        For "what did X say" the asked speaker is resolved to a full name and the chunks holding X's most
        related quotes join the retrieved passages.
        """
        resolved = resolve(question, history or [])
        info = analyse_question(resolved)
        if info.qtype == "who_said_what" and info.speaker:
            info = self._resolve_speaker(info, history or [])
            resolved = _name_speaker(resolved, info)
        period = parse_period(resolved, self.settings.as_of or date.today())
        if period is not None:
            where = _intersect(where, period.where())
            info = replace(info, period=period)
        if info.timeline:  # a timeline wants more articles than one answer: one line each, up to timeline_lines
            k = max(k or self.settings.top_k, self.settings.timeline_lines * self.settings.per_article_limit)
        passages = self.retriever.retrieve(resolved, k=k, where=where, mode=fusion)
        if wants_latest(resolved) and passages:
            passages = latest_first(passages)
        if info.qtype == "who_said_what" and info.speaker:
            passages = passages + self.quote_passages(info, resolved, {p.chunk_id for p in passages})
        if not wants_comparison(resolved):
            passages = self.one_per_story(passages)
        if info.qtype == "what_happened" and passages:
            articles = self.settings.timeline_lines if info.timeline else 2
            passages = passages + self.lead_passages(passages, articles)
        return resolved, info, passages

    def one_per_story(self, passages: list[Passage]) -> list[Passage]:
        """Keep the passages of the first-ranked article of each story (near-copies of one wire story add
        nothing to an answer; its citation lists them as "also reported by")."""
        first: dict[str, str] = {}
        out = []
        for p in passages:
            story = self.store.keyword.story_of(p.article_id)
            if first.setdefault(story, p.article_id) == p.article_id:
                out.append(p)
        return out

    def also_reported(self, ans: Answer) -> Answer:
        """Each citation with the outlets and dates of the other articles of its story."""
        cites = []
        for c in ans.citations:
            others = [a for a in self.store.keyword.story_members(self.store.keyword.story_of(c.article_id))
                      if a != c.article_id]
            also = []
            for a in others:
                source, day = self.store.keyword.article_meta(a)
                when = f"{str(day)[:4]}-{str(day)[4:6]}-{str(day)[6:]}" if day else "undated"
                also.append(f"{source or a} ({when})")
            cites.append(replace(c, also=tuple(also)))
        return replace(ans, citations=cites)

    def lead_passages(self, passages: list[Passage], articles: int = 2) -> list[Passage]:
        """The opening chunk of the top retrieved articles, when not retrieved: "what happened to X" is
        answered from the sentence that states the event, which news writing puts first."""
        have = {p.chunk_id for p in passages}
        out: list[Passage] = []
        for aid in list(dict.fromkeys(p.article_id for p in passages))[:articles]:
            chunks = self.store.article_chunks(aid)
            if chunks and chunks[0].chunk_id not in have:
                out.append(replace(chunks[0], score=min(p.score for p in passages)))
        return out

    def _resolve_speaker(self, info: QuestionInfo, history: list[str]) -> QuestionInfo:
        """The full name of the asked speaker: the conversation's, else the best-quoted match in the corpus.

        "Kim" may be Kim Jong Un or Kim Kardashian: a name of the previous questions decides, else the
        speaker with the most quotes (the one an unqualified name most likely means in this corpus).
        """
        assert info.speaker is not None
        self.store.sync_keyword()
        matches = speakers_matching(info.speaker, self.store.keyword.quote_rows())
        if not matches:
            return info
        for earlier in reversed(history):
            for name in matches:
                if name.casefold() in earlier.casefold():
                    return replace(info, speaker=name)
        return replace(info, speaker=matches[0])

    def quote_passages(self, info: QuestionInfo, question: str, have: set[str], n: int = 4) -> list[Passage]:
        """The chunks holding the asked speaker's quotes most related to the question (for the answerer)."""
        found = find_quotes(self.store.keyword.quote_rows(), self.embedder, info.speaker, question, limit=n)
        ids = [f.row["chunk_id"] for f in found if f.row["chunk_id"] not in have]
        got = self.store.passages(list(dict.fromkeys(ids)))
        return [got[c] for c in dict.fromkeys(ids) if c in got]

    def ask_stream(self, question: str, history: list[str] | None = None, where: dict[str, Any] | None = None,
                   k: int | None = None) -> tuple[Iterator[str], Any]:
        """Generative streaming: (token iterator, function returning the checked Answer afterwards)."""
        resolved = resolve(question, history or [])
        passages = self.retriever.retrieve(resolved, k=k, where=where)
        return self.generative().stream(question, passages, resolved)

    def generative(self) -> Any:
        """The generative answerer, with its LLM client created once per engine."""
        if self._generative is None:
            from rag.generate import GenerativeAnswerer

            self._generative = GenerativeAnswerer(self.settings, self.extractive)
        return self._generative


_COMPARE = re.compile(r"\b(compare|comparison|outlets|différents médias|comparer|comparaison|selon les médias|"
                      r"how did .* report|comment .* ont[- ]ils rapporté)\b", re.IGNORECASE)


def wants_comparison(question: str) -> bool:
    """Does the question ask to compare how outlets reported a story (then every copy stays)?"""
    return bool(_COMPARE.search(question))


def latest_first(passages: list[Passage]) -> list[Passage]:
    """For "latest" questions: the passages about as relevant as the best one, newest first, then the rest.

    "About as relevant" is a fused score at least :data:`rag.timeframe.RELEVANT_SHARE` of the best; the
    recency prior (:func:`rag.timeframe.recency_weight`) orders the rest.
    """
    top = max(p.score for p in passages) or 1.0
    near = [p for p in passages if p.score >= RELEVANT_SHARE * top]
    rest = [p for p in passages if p.score < RELEVANT_SHARE * top]
    newest = max((date.fromisoformat(p.date[:10]) for p in passages if p.date), default=date.today())
    near.sort(key=lambda p: (p.date or "", p.score), reverse=True)
    rest.sort(key=lambda p: p.score * recency_weight(p.date, newest), reverse=True)
    return near + rest


def _intersect(where: dict[str, Any] | None, period: dict[str, int]) -> dict[str, Any]:
    """The caller's filters narrowed to the question's period."""
    out = dict(where or {})
    out["date_from"] = max(int(out.get("date_from") or 0), period["date_from"])
    out["date_to"] = min(int(out.get("date_to") or 99991231), period["date_to"])
    return out


def period_notice(period: Period, lang: str, refused: bool) -> str:
    """What the answer says about the period the question named."""
    if lang == "fr":
        return (f"Aucun article {period.describe('fr')} ne répond à cette question." if refused
                else f"Articles publiés {period.describe('fr')} uniquement.")
    return (f"No article {period.describe('en')} answers this." if refused
            else f"Only articles published {period.describe('en')}.")


def _name_speaker(question: str, info: QuestionInfo) -> str:
    """The question with its short speaker name replaced by the full one ("Kim" -> "Kim Jong Un"), so the
    conversation history carries the entity that follow-ups ("and what did he say...") refer to."""
    if not info.speaker:
        return question
    for m in info.entities:
        if m.canonical != info.speaker and m.text in question and link_name(m.text, [info.speaker]):
            return question.replace(m.text, info.speaker, 1)
    return question
