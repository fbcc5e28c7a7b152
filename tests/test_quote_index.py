"""Who said what: entities and quotes stored at ingest, the quote index, `rag quotes` and the listing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

SPEECH = ("Le ministre du Redressement productif, Arnaud Montebourg, a déclaré mardi que l'usine de Florange "
          "ne fermerait pas. « Nous ne laisserons pas tomber les ouvriers », a-t-il ajouté devant la presse.")
OTHER = ("Kim Kardashian a publié lundi une photo de sa famille. « Nous sommes heureux de ces vacances », "
         "a écrit la vedette de télévision.")


def _cli(module: str, *args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip(), proc.stderr[-2000:]
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def store(tmp_path: Path, embedder: Embedder, seed_path: Path) -> Engine:
    """The seed article and two short French articles of our own."""
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "florange", "title": "Florange : le ministre promet", "text": SPEECH, "lang": "fr"},
        {"id": "vacances", "title": "Photo de famille", "text": OTHER, "lang": "fr"}]) + "\n", encoding="utf-8")
    engine = Engine.open(Settings(store=tmp_path / "store"), embedder)
    assert engine.ingestor().ingest([*read_path(seed_path, engine.settings),
                                     *read_path(batch, engine.settings)]).ok
    return engine


def test_quotes_by_short_name_and_topic(store: Engine) -> None:
    """`rag quotes --speaker Kim --about China` finds Kim Jong Un's words (English topic, French quote), with
    the exact span of the quote in the stored article; never Kim Kardashian's first when the topic is China."""
    where = str(store.settings.store)
    code, out = _cli("rag", "quotes", "--store", where, "--speaker", "Kim", "--about", "China", "--json")
    assert code == 0 and out["quotes"], out
    top = out["quotes"][0]
    assert top["speaker"] == "Kim Jong Un" and "consolider" in top["quote"]
    article = store.store.get_article(top["article_id"])
    assert article is not None and article.text[top["span"][0]:top["span"][1]] == top["quote"]
    assert {q["speaker"] for q in out["quotes"]} <= {"Kim Jong Un", "Kim Kardashian"}
    for key in ("speaker", "quote", "cue", "article_id", "title", "date", "url", "span"):
        assert key in top


def test_role_then_name_and_continuation(store: Engine) -> None:
    """A speaker given by role then name is the name; 'a-t-il ajouté' continues the same speaker."""
    store.store.sync_keyword()
    mine = [r for r in store.store.keyword.quote_rows() if r["article_id"] == "florange"]
    assert len(mine) == 2 and {r["speaker"] for r in mine} == {"Arnaud Montebourg"}, mine


def test_listing_shows_people_and_quotes_follow_updates(store: Engine, tmp_path: Path) -> None:
    """`ingest --list --json` gives each article's people; an update or delete changes the quote index."""
    where = str(store.settings.store)
    _code, listing = _cli("ingest", "--store", where, "--list", "--json")
    people = {a["id"]: a["people"] for a in listing["articles"]}
    assert "Arnaud Montebourg" in people["florange"]
    assert {"Kim Jong Un", "Xi Jinping"} <= set(next(p for a, p in people.items() if a.startswith("doc:")))
    edited = tmp_path / "e.jsonl"
    edited.write_text(json.dumps({"id": "florange", "title": "Florange", "lang": "fr", "text":
                                  "Le site de Florange a fermé ses portes. Aucun responsable n'a commenté."})
                      + "\n", encoding="utf-8")
    assert store.ingestor().ingest(read_path(edited, store.settings)).to_json()["updated"] == 1
    store.store.sync_keyword()
    assert not [r for r in store.store.keyword.quote_rows() if r["article_id"] == "florange"]
    store.store.delete_article("vacances")
    store.store.sync_keyword()
    assert not [r for r in store.store.keyword.quote_rows() if r["speaker"] == "Kim Kardashian"]
