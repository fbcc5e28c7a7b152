"""The incremental keyword index (issue #14): the change log, per-article re-reads, rebuilds, the writer lock.

Every test uses a real embedded Chroma and a real tantivy index; a second "process" is a second Store on
the same Chroma with its own keyword directory, as an app on another machine would have (server mode is
exercised against a real server in tests/test_server.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine
from rag.keyword import KeywordBusy, KeywordIndex, _WriterLease
from rag.store import Store


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(wikinews_fr_jsonl: Path, n: int, start: int = 0) -> list[dict]:
    lines = wikinews_fr_jsonl.read_text(encoding="utf-8").splitlines()[start:start + n]
    return [json.loads(x) for x in lines]


@pytest.fixture
def twelve(tmp_path: Path, embedder: Embedder, wikinews_fr_jsonl: Path) -> Engine:
    """Twelve French Wikinews articles in a fresh embedded store, keyword index synced once."""
    engine = Engine.open(Settings(store=tmp_path / "store", nlp_at_ingest=False), embedder)
    path = _jsonl(tmp_path / "twelve.jsonl", _rows(wikinews_fr_jsonl, 12))
    assert engine.ingestor().ingest(read_path(path, engine.settings)).to_json()["added"] == 12
    engine.store.sync_keyword()
    return engine


def test_a_write_rereads_only_its_articles(twelve: Engine, tmp_path: Path, wikinews_fr_jsonl: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding one article re-reads that article alone (no rebuild), by chunk id (no metadata query); deleting
    one removes only its chunks."""
    store = twelve.store
    queried: list[list[str]] = []
    real = store.chunks_of
    monkeypatch.setattr(store, "chunks_of", lambda ids: queried.append(list(ids)) or real(ids))
    rebuilds, applied = store.keyword.rebuilds, store.keyword.applied_articles
    size = store.keyword.size
    [row] = _rows(wikinews_fr_jsonl, 1, start=40)
    path = _jsonl(tmp_path / "one.jsonl", [row])
    out = twelve.ingestor().ingest(read_path(path, twelve.settings)).to_json()
    [added] = out["articles"]
    store.sync_keyword()
    assert store.keyword.rebuilds == rebuilds
    assert store.keyword.applied_articles - applied == 1
    assert store.keyword.size == size + len(store.article_chunks(added["id"]))
    hits = store.keyword_search(row["title"], 3)
    assert hits and hits[0].chunk_id.startswith(added["id"] + "::")
    assert [q for q in queried if q] == []  # the log's chunk hints were enough

    victim = store.list_articles()[-1].id
    store.delete_article(victim)
    store.sync_keyword()
    assert store.keyword.rebuilds == rebuilds
    assert store.keyword.applied_articles - applied == 2
    assert not [c for c in store.keyword.ids() if c.startswith(victim + "::")]
    assert victim not in store.keyword.articles()
    assert store.check().ok


def test_a_second_index_follows_the_log(twelve: Engine, tmp_path: Path, wikinews_fr_jsonl: Path) -> None:
    """Another process's index, once built, applies only the entries it has not seen, then answers the same."""
    other = Store(Settings(store=tmp_path / "elsewhere", nlp_at_ingest=False), None, None,
                  client=twelve.store.client)
    other.sync_keyword()  # a new index: one rebuild from Chroma
    assert other.keyword.rebuilds == 1 and other.keyword.size == twelve.store.keyword.size
    before = other.keyword.applied_articles
    path = _jsonl(tmp_path / "two.jsonl", _rows(wikinews_fr_jsonl, 2, start=50))
    assert twelve.ingestor().ingest(read_path(path, twelve.settings)).ok
    assert other.sync_keyword()
    assert other.keyword.rebuilds == 1 and other.keyword.applied_articles - before == 2
    assert sorted(other.keyword.ids()) == sorted(twelve.store.keyword.ids())
    question = "gouvernement ministre élection"
    assert [h.chunk_id for h in other.keyword_search(question, 5)] == \
        [h.chunk_id for h in twelve.store.keyword_search(question, 5)]
    assert other.sync_keyword() is False  # nothing changed since: not even the log is read


def test_a_trimmed_log_rebuilds_once_and_says_so(twelve: Engine, tmp_path: Path, wikinews_fr_jsonl: Path) -> None:
    """An index whose position is older than the log's trim point rebuilds once and writes a rebuild entry."""
    store = twelve.store
    rebuilds = store.keyword.rebuilds
    # a writer elsewhere (its own keyword directory) that keeps no log: every entry is already old
    settings = twelve.settings.model_copy(update={"change_log_keep_s": 0.0, "store": tmp_path / "writer"})
    trimmer = Store(settings, None, None, client=store.client)
    path = _jsonl(tmp_path / "late.jsonl", _rows(wikinews_fr_jsonl, 1, start=60))
    assert Ingestor(settings, twelve.embedder, trimmer).ingest(read_path(path, settings)).ok
    assert store.log.trimmed_to() > 0
    store.sync_keyword()
    assert store.keyword.rebuilds == rebuilds + 1
    notes = store.log.collection.get(where={"phase": "rebuild"}, include=["metadatas"])["metadatas"]
    assert any("log trimmed" in str(m.get("note")) for m in notes)
    assert store.check().ok
    store.sync_keyword()
    assert store.keyword.rebuilds == rebuilds + 1


def test_filters_run_inside_the_engine(twelve: Engine) -> None:
    """A filtered search fills k from the matching chunks, however low they rank without the filter."""
    store = twelve.store
    arts = store.list_articles()
    target = arts[len(arts) // 2]
    question = store.article_chunks(target.id)[0].text[:120]
    hits = store.keyword_search(question, 3, {"article_ids": [arts[0].id]})
    assert hits and all(h.chunk_id.startswith(arts[0].id + "::") for h in hits)
    dated = [a for a in arts if a.date]
    day = int(dated[0].date.replace("-", "")[:8])
    hits = store.keyword_search(question, 20, {"date_from": day, "date_to": day})
    assert hits and {h.chunk_id.split("::")[0] for h in hits} <= {a.id for a in dated if a.date == dated[0].date}
    assert store.keyword_search(question, 5, {"langs": ["de"]}) == []
    assert store.keyword_search(question, 5, {"sources": ["no such outlet"]}) == []


def test_a_busy_writer_is_waited_for_then_served_as_is(tmp_path: Path, twelve: Engine,
                                                        wikinews_fr_jsonl: Path) -> None:
    """While another process holds the writer past the wait, a search serves the index as it was; it catches up
    at the next search once the writer is free."""
    store = twelve.store
    size = store.keyword.size
    path = _jsonl(tmp_path / "one.jsonl", _rows(wikinews_fr_jsonl, 1, start=70))
    store.keyword.lock_wait_s = 0.2
    holder = KeywordIndex(store.keyword.directory)
    holder._ensure_open()
    with _WriterLease(holder._index, 1.0):
        assert twelve.ingestor().ingest(read_path(path, twelve.settings)).ok
        assert store.keyword.size == size  # could not apply: still serving the previous index
        with pytest.raises(KeywordBusy), _WriterLease(holder._index, 0.1):
            pass
    store.sync_keyword()
    assert store.keyword.size > size


def test_people_filter_on_both_retrievers(tmp_path: Path, embedder: Embedder, seed_path: Path,
                                          wikinews_fr_jsonl: Path) -> None:
    """Filtering by a person keeps only articles that mention them, in keyword and dense search alike."""
    engine = Engine.open(Settings(store=tmp_path / "store"), embedder)
    path = _jsonl(tmp_path / "three.jsonl", _rows(wikinews_fr_jsonl, 3))
    assert engine.ingestor().ingest([*read_path(seed_path, engine.settings), *read_path(path, engine.settings)]).ok
    store = engine.store
    store.sync_keyword()
    people = store.keyword.people_of()
    seed = next(a for a, ps in people.items() if "Kim Jong Un" in ps)
    where = {"people": ["Kim Jong Un"]}
    question = "Chine Corée économie déclaration"
    hits = store.keyword_search(question, 10, where)
    assert hits and {h.chunk_id.split("::")[0] for h in hits} == {seed}
    dense = store.dense_search(embedder.embed_query(question).tolist(), 10, where)
    assert dense and {p.article_id for p in dense} == {seed}
    assert store.keyword_search(question, 10, {"people": ["Nobody Atall"]}) == []
    assert store.dense_search(embedder.embed_query(question).tolist(), 10, {"people": ["Nobody Atall"]}) == []


def test_a_reader_follows_a_writer_that_died_after_its_add(twelve: Engine, tmp_path: Path, wikinews_fr_jsonl: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that synced between a writer's begin and its add still indexes what that writer added, although
    the writer died before its commit entry and closing token (the open write keys the reader on the count)."""
    import rag.store

    reader = Store(Settings(store=tmp_path / "reader", nlp_at_ingest=False), None, None, client=twelve.store.client)
    reader.sync_keyword()

    def hook(name: str, _spec: str | None) -> None:
        if name == "before_add":
            reader.sync_keyword()  # sees the begin entry: the write is open
        if name == "after_delete":
            raise RuntimeError("writer killed")

    monkeypatch.setattr(rag.store, "crash_point", hook)
    [row] = _rows(wikinews_fr_jsonl, 1, start=80)
    out = twelve.ingestor().ingest(read_path(_jsonl(tmp_path / "one.jsonl", [row]), twelve.settings)).to_json()
    assert out["failed"] == 1
    [aid] = [a for a in twelve.store.all_article_ids() if a not in reader.keyword.articles()]
    assert reader.keyword.has_open_writes
    reader.sync_keyword()
    assert any(c.startswith(aid + "::") for c in reader.keyword.ids())
    assert reader.keyword.articles()[aid].chunks == len(twelve.store.article_chunks(aid))
