"""The Streamlit app, driven with AppTest (real engine, real store in a temp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder, seed_path: Path) -> AppTest:
    """The app over a store that holds the seed article."""
    store = tmp_path / "store"
    monkeypatch.setenv("NEWSQA_STORE", str(store))
    eng = Engine.open(Settings(store=store), embedder)
    assert eng.ingestor().ingest(read_path(seed_path, eng.settings)).ok
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _ingest_button(at: AppTest):  # type: ignore[no-untyped-def]
    return next(b for b in at.sidebar.button if b.label == "Ingest")


def _sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown) + " ".join(s.value for s in at.sidebar.subheader)


def test_ask_and_see_citations(app: AppTest) -> None:
    """A question gets an answer with [n] markers and a source showing the highlighted quote."""
    app.chat_input[0].set_value("What did Kim say about China?").run()
    assert not app.exception
    body = " ".join(m.value for m in app.main.markdown)
    assert "Kim Jong Un a déclaré" in body and "**[1]**" in body
    assert "<mark>" in body and "Pékin et Pyongyang" in " ".join(e.label for e in app.expander)


def test_ingest_pasted_text_then_ask(app: AppTest) -> None:
    """Pasted text with a title is ingested from the sidebar and can be asked about."""
    app.sidebar.text_input[1].set_value("Le port de Brest s'agrandit")
    app.sidebar.text_area[0].set_value(
        "La région a annoncé jeudi l'extension du port de Brest pour accueillir les navires éoliens. "
        "« Nous voulons devenir la capitale de l'éolien en mer », a déclaré le président de région, Loïg Chesnais."
    )
    _ingest_button(app).click()
    app.run()
    assert not app.exception
    assert any("added" in s.value for s in app.sidebar.success)
    assert "Corpus: 2 articles" in _sidebar_text(app)
    app.chat_input[0].set_value("Qu'a déclaré Loïg Chesnais ?").run()
    assert "capitale de l'éolien" in " ".join(m.value for m in app.main.markdown)


def test_delete_article(app: AppTest) -> None:
    """Deleting the only article empties the corpus and shows the empty state."""
    delete = [b for b in app.sidebar.button if b.key and b.key.startswith("del-")]
    assert len(delete) == 1
    delete[0].click().run()
    assert not app.exception
    assert "Corpus: 0 articles" in _sidebar_text(app)
    assert any("No articles yet" in i.value for i in app.info)


def test_bad_upload_shows_error_and_changes_nothing(app: AppTest) -> None:
    """An empty submission is refused with a message; the corpus is unchanged."""
    _ingest_button(app).click()
    app.run()
    assert any("Nothing to ingest" in e.value for e in app.sidebar.error)
    assert "Corpus: 1 articles" in _sidebar_text(app)
    app.sidebar.text_input[1].set_value("Vide")
    app.sidebar.text_area[0].set_value("court")
    _ingest_button(app).click()
    app.run()
    assert any("no article text" in e.value for e in app.sidebar.error)
    assert "Corpus: 1 articles" in _sidebar_text(app)
