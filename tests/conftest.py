"""Shared fixtures: real USE-multilingual embedder (loaded once), real embedded Chroma on temp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.config import Settings
from rag.datasets import SEED, SHARED, WIKINEWS
from rag.embeddings import Embedder, make_embedder
from rag.engine import Engine

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The tests' HTTP servers listen on 127.0.0.1, which URL ingestion refuses by default (tests/test_safety.py
# checks that refusal with the setting off).
os.environ["NEWSQA_ALLOW_PRIVATE_URLS"] = "true"

if not SEED.exists():  # the data beside the project is part of the test contract
    raise RuntimeError(f"shared data not found at {SHARED}; set NEWSQA_SHARED")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default offline multilingual embedder, loaded once per test session."""
    return make_embedder(Settings())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh store in a temp dir."""
    return Settings(store=tmp_path / "store")


@pytest.fixture
def engine(settings: Settings, embedder: Embedder) -> Engine:
    """An engine over an empty embedded store."""
    return Engine.open(settings, embedder)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The scraped seed article (../shared/corpus/seed)."""
    return SEED


@pytest.fixture(scope="session")
def wikinews_fr_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 100 French Wikinews articles as a JSONL batch (from ../shared)."""
    import json

    out = tmp_path_factory.mktemp("wikinews") / "fr.jsonl"
    with WIKINEWS.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            row = json.loads(line)
            if row["lang"] == "fr":
                row["source"] = "Wikinews"
                dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="session")
def news_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, seed_path: Path,
                wikinews_fr_jsonl: Path) -> Engine:
    """A store with the seed article among the 100 French Wikinews articles."""
    from ingest.readers import read_path

    settings = Settings(store=tmp_path_factory.mktemp("news") / "store")
    eng = Engine.open(settings, embedder)
    items = [*read_path(seed_path, settings), *read_path(wikinews_fr_jsonl, settings)]
    report = eng.ingestor().ingest(items)
    assert report.ok, report.to_json()
    return eng
