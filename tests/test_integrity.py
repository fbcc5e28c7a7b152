"""The store under failed updates and deliberate corruption: old-or-new articles; --check and --repair."""

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


def _batch(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def _cli(*args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], capture_output=True, text=True, timeout=300)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def small_store(tmp_path: Path, embedder: Embedder, wikinews_fr_jsonl: Path) -> Engine:
    """Ten French Wikinews articles in a fresh embedded store."""
    lines = wikinews_fr_jsonl.read_text(encoding="utf-8").splitlines()[:10]
    path = tmp_path / "ten.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = Engine.open(Settings(store=tmp_path / "store"), embedder)
    assert engine.ingestor().ingest(read_path(path, engine.settings)).to_json()["added"] == 10
    return engine


def test_failed_update_keeps_the_old_version(small_store: Engine, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """An update whose write fails reports the failure and leaves the previous version whole and searchable."""
    engine = small_store
    target = engine.store.list_articles()[0]
    before = engine.store.article_chunks(target.id)

    def broken_add(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(type(engine.store.vectors), "add", broken_add)
    edited = _batch(tmp_path / "e.jsonl", [{"id": target.id, "title": target.title, "text": "Texte remplacé. " * 10}])
    out = engine.ingestor().ingest(read_path(edited, engine.settings)).to_json()
    assert out["failed"] == 1 and "disk full" in out["articles"][0]["reason"]
    after = engine.store.article_chunks(target.id)
    assert [p.text for p in after] == [p.text for p in before]
    assert engine.store.check().ok
    hits = engine.retriever.retrieve(before[0].text[:200], k=3, mode="keyword")
    assert hits and hits[0].article_id == target.id


def _write_behind_the_stores_back(engine: Engine, aid: str, text: str) -> None:
    """Add a complete one-chunk article through llama-index, without the store's change tokens."""
    from rag.models import Article, Chunk
    from rag.store import Store

    article = Article(id=aid, title="Ajout direct", text=text, lang="fr")
    vec = [float(x) for x in engine.embedder.embed_texts([text])[0]]
    engine.store.vectors.add([Store._node(article, Chunk(aid, 0, text, 0, len(text)), 1, vec, 1)])


def test_check_flags_and_repair_fixes_each_inconsistency(small_store: Engine) -> None:
    """A partial article, a chunk missing from the keyword index and a keyword entry without a chunk are each
    flagged by --check (in another process) and fixed by --repair."""
    engine = small_store
    store, col = engine.store, engine.store.collection
    store.sync_keyword()
    rows = store.list_articles()
    multi = next(r for r in rows if r.chunks >= 2)
    # A partial article: one of its chunks vanishes behind the store's back (its keyword entry is now an
    # orphan), and a chunk the keyword index lacks appears; the chunk count and change token are unchanged,
    # so the saved index still claims to be current.
    one = col.get(where={"article_id": multi.id}, include=[])["ids"][0]
    col.delete(ids=[one])
    _write_behind_the_stores_back(engine, "ajout-direct", "Les zèbres du parc municipal ont été recensés hier.")
    where = str(store.settings.store)
    code, report = _cli("--store", where, "--check", "--json")
    assert code == 1 and not report["ok"] and not report["keyword_stale"]
    assert multi.id in report["partial_articles"]
    assert report["keyword_missing"] >= 1 and report["keyword_orphans"] >= 1
    code, repaired = _cli("--store", where, "--repair", "--json")
    assert code == 0 and repaired["ok"] and repaired["partial_articles"] == []
    code, report = _cli("--store", where, "--check", "--json")
    assert code == 0 and report["ok"]
    code, listing = _cli("--store", where, "--list", "--json")
    assert multi.id not in {a["id"] for a in listing["articles"]} and "ajout-direct" in {
        a["id"] for a in listing["articles"]}
    fresh = Engine.open(store.settings, engine.embedder)
    hits = fresh.retriever.retrieve("zèbres recensés parc municipal", k=1, mode="keyword")
    assert hits and hits[0].article_id == "ajout-direct"
