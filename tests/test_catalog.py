"""The corpus catalog behind the app's table: search, sort, pages, and one build per state of the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

ROWS = [
    {"id": f"a{n:02d}", "date": f"2021-01-{n + 1:02d}", "source": "Outlet " + "AB"[n % 2],
     "title": f"Article {n:02d} sur le port de Brest" if n % 3 == 0 else f"Article {n:02d} about the harbour",
     "text": f"Le port de Brest a accueilli {n + 3} navires cette semaine selon la capitainerie. "
             f"Les dockers ont travaillé de nuit pour décharger le navire numéro {n}."}
    for n in range(12)
]


@pytest.fixture
def engine(tmp_path: Path, embedder: Embedder) -> Engine:
    """Twelve dated articles from two outlets."""
    batch = tmp_path / "c.jsonl"
    batch.write_text("\n".join(json.dumps({**r, "lang": "fr"}, ensure_ascii=False) for r in ROWS) + "\n",
                     encoding="utf-8")
    eng = Engine.open(Settings(store=tmp_path / "s", nlp_at_ingest=False), embedder)
    assert eng.ingestor().ingest(read_path(batch, eng.settings)).ok
    return eng


def test_pages_sort_and_search(engine: Engine) -> None:
    """Pages of 5 cover the 12 articles once each, newest first by default; sorting by title ascending and
    a search on every word of a title narrow and order the rows."""
    cat = engine.catalog()
    seen: list[str] = []
    for page in range(3):
        got = cat.query(page=page, page_size=5)
        assert got.total == 12 and got.pages == 3
        seen += [r.id for r in got.rows]
    assert seen == [f"a{n:02d}" for n in range(11, -1, -1)]
    assert cat.query(page=99, page_size=5).page == 2  # clamped to the last page
    by_title = [r.title for r in cat.query(sort="title", descending=False, page_size=50).rows]
    assert by_title == sorted(by_title, key=str.casefold)
    brest = cat.query("port BREST", page_size=50)
    assert {r.id for r in brest.rows} == {f"a{n:02d}" for n in range(0, 12, 3)}
    assert cat.query("HARBOUR", page_size=50).total == 8
    assert cat.outlets() == ["Outlet A", "Outlet B"] and cat.languages() == ["fr"]


def test_built_once_per_state_of_the_store(engine: Engine) -> None:
    """Queries reuse the catalog; a delete (a new state of the store) rebuilds it once, without the article."""
    first = engine.catalog()
    builds = engine._catalog.builds
    for text in ("p", "po", "por", "port"):
        engine.catalog().query(text)
    assert engine.catalog() is first and engine._catalog.builds == builds
    engine.store.delete_article("a03")
    after = engine.catalog()
    assert engine._catalog.builds == builds + 1
    assert len(after) == 11 and "a03" not in {r.id for r in after.rows}
