"""Article identity: different articles never overwrite each other; the same article is 'unchanged'."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.readers import Article, read_path
from rag.engine import Engine

BUDGET = "Le conseil municipal vote son budget 2025"
BODY_A = ("Le conseil municipal de Rennes a adopté lundi soir un budget de 412 millions d'euros. "
          "La majorité a défendu une hausse des dépenses consacrées aux écoles.")
BODY_B = ("À Nantes, les élus ont voté mardi un budget de 590 millions d'euros après six heures de débat. "
          "L'opposition a dénoncé la hausse de la taxe foncière.")


def _ingest(engine: Engine, *paths: Path) -> dict:
    return engine.ingestor().ingest([i for p in paths for i in read_path(p, engine.settings)]).to_json()


def test_same_headline_different_bodies_are_two_articles(engine: Engine, tmp_path: Path) -> None:
    """Two .txt files with one headline and different bodies are both kept; neither is 'updated'."""
    a, b = tmp_path / "rennes.txt", tmp_path / "nantes.txt"
    a.write_text(f"{BUDGET}\n\n{BODY_A}\n", encoding="utf-8")
    b.write_text(f"{BUDGET}\n\n{BODY_B}\n", encoding="utf-8")
    assert _ingest(engine, a)["added"] == 1
    out = _ingest(engine, b)
    assert (out["added"], out["updated"]) == (1, 0)
    rows = engine.store.list_articles()
    assert len(rows) == 2 and len({r.id for r in rows}) == 2
    texts = {" ".join(p.text for p in engine.store.article_chunks(r.id)) for r in rows}
    assert any("Rennes" in t for t in texts) and any("Nantes" in t for t in texts)
    again = _ingest(engine, a, b)
    assert again["unchanged"] == 2 and engine.store.check().ok


def test_explicit_jsonl_id_wins_over_url(engine: Engine, tmp_path: Path) -> None:
    """A JSONL line's `id` is the article's id even when the line also has a URL."""
    batch = tmp_path / "b.jsonl"
    rows = [{"id": "rennes-budget", "title": BUDGET, "text": BODY_A, "url": "https://example.org/budget"},
            {"id": "nantes-budget", "title": BUDGET, "text": BODY_B, "url": "https://example.org/budget"}]
    batch.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    items = list(read_path(batch, engine.settings))
    assert [i.id for i in items if isinstance(i, Article)] == ["rennes-budget", "nantes-budget"]
    out = engine.ingestor().ingest(items).to_json()
    assert out["added"] == 2
    stored = {r.id: r.url for r in engine.store.list_articles()}
    assert stored == {"rennes-budget": "https://example.org/budget", "nantes-budget": "https://example.org/budget"}


def test_url_is_the_id_without_explicit_id(engine: Engine, tmp_path: Path) -> None:
    """Without an explicit id, the URL identifies the article: a new body under the same URL updates it."""
    batch = tmp_path / "u.jsonl"
    batch.write_text(json.dumps({"title": BUDGET, "text": BODY_A, "url": "https://example.org/b"}) + "\n",
                     encoding="utf-8")
    assert _ingest(engine, batch)["added"] == 1
    batch.write_text(json.dumps({"title": BUDGET, "text": BODY_A + " Correction : 413 millions.",
                                 "url": "https://example.org/b"}) + "\n", encoding="utf-8")
    out = _ingest(engine, batch)
    assert out["updated"] == 1 and [r.id for r in engine.store.list_articles()] == ["https://example.org/b"]
