"""The app survives a Chroma server that goes down and comes back, and a store directory that vanishes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine
from tests.chroma_server import free_port, start

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_chroma_server_down_and_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder,
                                     seed_path: Path) -> None:
    """Server down: a clear message, no traceback. Server back: answers again without restarting the app."""
    port, data = free_port(), tmp_path / "chroma"
    server = start(data, port)
    try:
        settings = Settings(store=tmp_path / "s", chroma_host="127.0.0.1", chroma_port=port)
        assert Engine.open(settings, embedder).ingestor().ingest(read_path(seed_path, settings)).ok
        for key, value in {"NEWSQA_STORE": str(tmp_path / "s"), "NEWSQA_CHROMA_HOST": "127.0.0.1",
                           "NEWSQA_CHROMA_PORT": str(port)}.items():
            monkeypatch.setenv(key, value)
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        assert not at.exception and not at.error
        server.terminate()
        server.wait(timeout=20)
        at.chat_input[0].set_value("What did Kim say about China?").run()
        assert not at.exception
        assert any("unavailable" in e.value for e in at.error)
        server = start(data, port)
        at.button[0].click().run()  # Retry
        assert not at.exception and not at.error
        at.chat_input[0].set_value("What did Kim say about China?").run()
        assert "Kim Jong Un a déclaré" in " ".join(m.value for m in at.main.markdown)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_store_directory_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder,
                                 seed_path: Path) -> None:
    """The embedded store's directory deleted under a running app: no traceback on the next runs."""
    store = tmp_path / "store"
    settings = Settings(store=store)
    assert Engine.open(settings, embedder).ingestor().ingest(read_path(seed_path, settings)).ok
    monkeypatch.setenv("NEWSQA_STORE", str(store))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    shutil.rmtree(store)
    at.chat_input[0].set_value("What did Kim say about China?").run()
    assert not at.exception
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(i.value for i in at.info) + " ".join(
        w.value for w in at.warning) + " ".join(m.value for m in at.main.markdown)
    assert "unavailable" in shown or "No articles yet" in shown or "Kim" in shown
