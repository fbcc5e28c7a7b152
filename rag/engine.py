"""One object per process that ties the parts together: the seam the CLI, the app and tests use.

``Engine.open(settings)`` loads the embedder and opens the store once; ``engine.ask(...)`` runs
question -> follow-up resolution -> retriever -> answerer; ``engine.ingestor()`` writes articles.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from rag.answer import ExtractiveAnswerer, refusal
from rag.config import Settings
from rag.conversation import resolve
from rag.embeddings import Embedder, make_embedder
from rag.models import Answer
from rag.retrieve import Mode, Retriever
from rag.store import Store, StoreError
from rag.text import detect_language


@dataclass
class Engine:
    """Settings, embedder, store, retriever and answerer of one process."""

    settings: Settings
    embedder: Embedder
    store: Store
    retriever: Retriever
    extractive: ExtractiveAnswerer
    _generative: Any = field(default=None, repr=False)

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

    def ingestor(self) -> Any:
        """An :class:`ingest.pipeline.Ingestor` writing to this engine's store."""
        from ingest.pipeline import Ingestor

        return Ingestor(self.settings, self.embedder, self.store)

    def ask(self, question: str, history: list[str] | None = None, where: dict[str, Any] | None = None,
            k: int | None = None, mode: str | None = None, fusion: Mode | None = None) -> Answer:
        """Answer ``question``; ``history`` holds the previous resolved questions of the chat."""
        t0 = time.perf_counter()
        resolved = resolve(question, history or [])
        passages = self.retriever.retrieve(resolved, k=k, where=where, mode=fusion)
        t1 = time.perf_counter()
        mode = mode or self.settings.answer_mode
        if not passages:
            ans = refusal(question, resolved, [], detect_language(question), mode, {})
        elif mode == "generative":
            ans = self.generative().answer(question, passages, resolved)
        else:
            ans = self.extractive.answer(question, passages, resolved)
        timings = {**ans.timings, "retrieve": t1 - t0, "total": time.perf_counter() - t0}
        return replace(ans, timings=timings)

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
