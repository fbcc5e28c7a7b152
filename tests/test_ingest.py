"""Ingest end to end against real embedded Chroma and the real USE-multilingual embedder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingest.readers import read_path
from rag.engine import Engine
from rag.text import split_sentences


def _ingest(engine: Engine, *paths: Path):
    items = [item for p in paths for item in read_path(p, engine.settings)]
    return engine.ingestor().ingest(items)


def _cli(*args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], capture_output=True, text=True, timeout=300)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


def test_seed_article_is_cleaned_and_searchable(engine: Engine, seed_path: Path) -> None:
    """The seed keeps its article, drops the breadcrumb, and the unrelated teaser is not part of it."""
    report = _ingest(engine, seed_path)
    assert report.to_json()["added"] == 1
    [info] = engine.store.list_articles()
    assert info.title.startswith("Pékin et Pyongyang")
    assert info.lang == "fr"
    text = " ".join(p.text for p in engine.store.article_chunks(info.id))
    assert "Kim Jong Un a déclaré" in text
    assert "Accueil Actu" not in text
    assert "Wisconsin" not in text and "Sélectionné pour vous" not in text
    hits = engine.retriever.retrieve("accord de défense mutuelle", k=1)
    assert hits and hits[0].article_id == info.id


def test_chunks_carry_offsets_into_the_article(engine: Engine, seed_path: Path) -> None:
    """Each chunk is the exact slice text[start:end] of the cleaned article and ends on a sentence."""
    _ingest(engine, seed_path)
    [info] = engine.store.list_articles()
    chunks = engine.store.article_chunks(info.id)
    from ingest.readers import article_from_plain

    article = article_from_plain(seed_path.read_text(encoding="utf-8"), engine.settings)
    for c in chunks:
        assert article.text[c.start:c.end] == c.text
        assert any(e == c.end - c.start for _, e in split_sentences(c.text))


def test_reingest_unchanged_adds_nothing(engine: Engine, seed_path: Path) -> None:
    """Re-ingesting an unchanged article adds no chunks."""
    _ingest(engine, seed_path)
    before = engine.store.count()
    report = _ingest(engine, seed_path)
    assert report.to_json()["unchanged"] == 1 and report.to_json()["added"] == 0
    assert engine.store.count() == before


def _jsonl(path: Path, **row: str) -> Path:
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_changed_article_replaces_all_old_chunks(engine: Engine, seed_path: Path, tmp_path: Path) -> None:
    """A changed article (same id, new text) leaves no orphan chunk in Chroma or in the keyword index."""
    from ingest.readers import article_from_plain

    seed = article_from_plain(seed_path.read_text(encoding="utf-8"), engine.settings)
    _ingest(engine, _jsonl(tmp_path / "v1.jsonl", id="seed", title=seed.title, text=seed.text))
    [old] = engine.store.list_articles()
    cut = seed.text.index("La Corée du Nord s'est également")
    changed = seed.text[:cut] + "Un paragraphe entièrement nouveau sur les zèbres pacifiques."
    report = _ingest(engine, _jsonl(tmp_path / "v2.jsonl", id="seed", title=seed.title, text=changed))
    assert report.to_json()["updated"] == 1
    [new] = engine.store.list_articles()
    assert new.id == old.id == "seed" and new.content_hash != old.content_hash
    texts = " ".join(p.text for p in engine.store.article_chunks(new.id))
    assert "zèbres" in texts and "Poutine" not in texts
    assert all("Poutine" not in p.text for p in engine.retriever.retrieve("Poutine", k=5, mode="keyword"))
    assert engine.store.check().ok
    assert engine.store.keyword.size == engine.store.count()


def test_reopen_in_fresh_process_sees_same_corpus(engine: Engine, seed_path: Path, wikinews_fr_jsonl: Path) -> None:
    """After a restart (a new process on the same store) counts and ids are the same."""
    _ingest(engine, seed_path, wikinews_fr_jsonl)
    ids = sorted(a.id for a in engine.store.list_articles())
    code, listing = _cli("--store", str(engine.settings.store), "--list", "--json")
    assert code == 0
    assert sorted(a["id"] for a in listing["articles"]) == ids
    assert sum(a["chunks"] for a in listing["articles"]) == engine.store.count()
    code, check = _cli("--store", str(engine.settings.store), "--check", "--json")
    assert code == 0 and check["ok"] and check["chunks"] == engine.store.count()


def test_html_files_go_through_trafilatura(engine: Engine) -> None:
    """The French Wikinews HTML originals ingest with title, date and language."""
    from rag.datasets import SHARED

    docs = sorted((SHARED / "corpus/wikinews/source/fr_WikinewsKeyphraseCorpus/documents").glob("*.html"))[:5]
    report = _ingest(engine, *docs)
    assert report.to_json()["added"] == 5
    rows = engine.store.list_articles()
    assert all(r.lang == "fr" and r.title for r in rows)
    assert sum(1 for r in rows if r.date) >= 4


def test_cli_json_contract_and_delete(tmp_path: Path, seed_path: Path) -> None:
    """`python -m ingest --json` prints the summary object last; --delete removes the article everywhere."""
    store = str(tmp_path / "s")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    code, out = _cli("--store", store, "--json", str(seed_path), str(bad))
    assert code == 1  # one input failed
    assert (out["added"], out["failed"]) == (1, 1)
    failed = [a for a in out["articles"] if a["status"] == "failed"]
    assert failed[0]["reason"] == "empty file"
    aid = next(a["id"] for a in out["articles"] if a["status"] == "added")
    code, out = _cli("--store", store, "--json", "--delete", aid)
    assert code == 0 and out["deleted"] == [aid]
    code, listing = _cli("--store", store, "--list", "--json")
    assert listing["articles"] == []
    code, check = _cli("--store", store, "--check", "--json")
    assert check["ok"] and check["chunks"] == 0
