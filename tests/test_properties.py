"""Property-based test: random ingest / update / delete sequences against an in-memory model."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from rag.config import Settings
from rag.embeddings import make_embedder
from rag.engine import Engine
from rag.models import Article

_EMBEDDER = None
IDS = ["a1", "a2", "a3", "a4"]
WORDS = ["zèbre", "volcan", "tramway", "sénat", "récolte", "satellite", "marée", "orchestre"]


def _embedder():  # type: ignore[no-untyped-def]
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = make_embedder(Settings())
    return _EMBEDDER


def _text(aid: str, version: int, n_sentences: int) -> str:
    sentences = [f"Le {WORDS[(version + i) % len(WORDS)]} de {aid} version {version} phrase numéro {i} est décrit "
                 f"ici avec des détails pour le lecteur." for i in range(n_sentences)]
    return " ".join(sentences)


class StoreMachine(RuleBasedStateMachine):
    """The store must always equal the model: same articles, complete, keyword index in step."""

    @initialize()
    def setup(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.engine = Engine.open(Settings(store=Path(self.tmp.name), chunk_words=30), _embedder())
        self.model: dict[str, str] = {}

    def teardown(self) -> None:
        self.tmp.cleanup()

    @rule(aid=st.sampled_from(IDS), version=st.integers(0, 3), n=st.integers(1, 12))
    def put(self, aid: str, version: int, n: int) -> None:
        art = Article(id=aid, title=f"Titre {aid}", text=_text(aid, version, n), lang="fr")
        report = self.engine.ingestor().ingest([art])
        expected = "unchanged" if self.model.get(aid) == art.text else "updated" if aid in self.model else "added"
        assert report.results[0].status == expected
        self.model[aid] = art.text

    @rule(aid=st.sampled_from(IDS))
    def delete(self, aid: str) -> None:
        removed = self.engine.store.delete_article(aid)
        assert (removed > 0) == (aid in self.model)
        self.model.pop(aid, None)
        self.engine.store.sync_keyword()

    @invariant()
    def matches_model(self) -> None:
        if not hasattr(self, "engine"):
            return
        store = self.engine.store
        assert {a.id for a in store.list_articles()} == set(self.model)
        for aid, text in self.model.items():
            chunks = store.article_chunks(aid)
            assert " ".join(c.text for c in chunks).count("phrase numéro") >= text.count("phrase numéro")
            assert all(text[c.start:c.end] == c.text for c in chunks)
        report = store.check()
        assert report.ok, report
        store.sync_keyword()
        assert set(store.keyword.ids()) == {c for a in self.model for c in
                                             (p.chunk_id for p in store.article_chunks(a))}


TestStoreMachine = StoreMachine.TestCase
TestStoreMachine.settings = settings(max_examples=12, stateful_step_count=8, deadline=None)
