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


def test_ask_and_see_citations(news_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the seed among 100 Wikinews articles, a question gets an answer with [n] markers and the
    seed as its first source, showing the highlighted quote."""
    monkeypatch.setenv("NEWSQA_STORE", str(news_engine.settings.store))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert "Corpus: 101 articles" in _sidebar_text(at)
    at.chat_input[0].set_value("What did Kim say about China?").run()
    assert not at.exception
    body = " ".join(m.value for m in at.main.markdown)
    assert "Kim Jong Un a déclaré" in body and "**[1]**" in body and "<mark>" in body
    sources = [e.label for e in at.expander if e.label.startswith("[")]
    assert sources and sources[0].startswith("[1] Pékin et Pyongyang")


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


def _button(at: AppTest, key: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.key == key)


def test_delete_article(app: AppTest) -> None:
    """Deleting from the corpus table asks for confirmation; Cancel keeps the article, Confirm deletes it
    and shows the empty state."""
    [select] = [m for m in app.multiselect if m.key == "corpus-selected"]
    assert len(select.options) == 1
    select.select(select.options[0]).run()
    _button(app, "corpus-delete").click().run()
    assert any("cannot be undone" in w.value for w in app.warning)
    _button(app, "corpus-confirm-no").click().run()
    assert "Corpus: 1 articles" in _sidebar_text(app)
    assert not any("cannot be undone" in w.value for w in app.warning)
    [select] = [m for m in app.multiselect if m.key == "corpus-selected"]
    select.select(select.options[0]).run()
    _button(app, "corpus-delete").click().run()
    _button(app, "corpus-confirm-yes").click().run()
    assert not app.exception
    assert "Corpus: 0 articles" in _sidebar_text(app)
    assert any("No articles yet" in i.value for i in app.info)


def test_corpus_table_pages_and_searches(news_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus table pages 101 articles 50 at a time; a search narrows it to the matching rows (the seed
    by a person it names)."""
    monkeypatch.setenv("NEWSQA_STORE", str(news_engine.settings.store))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    [table] = [d for d in at.dataframe if "people" in d.value.columns]
    assert len(table.value) == 50
    assert any("page 1 of 3" in c.value for c in at.caption)
    search = next(t for t in at.text_input if t.key == "corpus-search")
    search.set_value("Kim Jong Un").run()
    [table] = [d for d in at.dataframe if "people" in d.value.columns]
    assert 1 <= len(table.value) < 101
    assert all("kim jong un" in f"{r.title} {r.people}".casefold() for r in table.value.itertuples())


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


def test_who_is_quoted_view(app: AppTest) -> None:
    """The 'Who is quoted' view lists the corpus's speakers; a short name narrows it and shows the chosen
    speaker's quotes with outlet, date and the exact words."""
    name = next(t for t in app.text_input if t.key == "who-name")
    name.set_value("Kim").run()
    assert not app.exception
    [table] = [d for d in app.dataframe if "speaker" in d.value.columns]
    assert list(table.value["speaker"]) == ["Kim Jong Un"]
    shown = " ".join(m.value for m in app.main.markdown)
    assert "**Kim Jong Un**" in shown and "consolider" in shown
    name.set_value("Poutine").run()
    speakers = [d for d in app.dataframe if "speaker" in d.value.columns]
    assert not speakers or "Kim Jong Un" not in list(speakers[0].value["speaker"])
