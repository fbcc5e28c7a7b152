"""What the store does to keep writes flat as the collection grows (issue #14, rag bench --scale).

The store raises Chroma's ``sync_threshold`` so that the vector index is written to disk every 10,000
changes instead of every 1,000 (each write rewrites the id map: 0.9 s at 1M chunks). Changes between two
writes live only in Chroma's write-ahead log, so these tests check both halves of that choice: the setting
reaches old and new collections, and vectors a process wrote without any index write are found by the
next process's nearest-neighbour query, even when the writer exits without closing anything.

The pipeline also reads what is stored of its articles by chunk id where the keyword index can vouch for
them, and tells the write what it read, so the write skips the old-version delete of an absent article and
deletes an updated one's by id (a metadata query grows with the collection, a key lookup does not); the
last tests check that this answers as the metadata query does and never loses or doubles an article.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.models import Article, Chunk
from rag.store import Store, StoredState

_WRITER = """
import os, sys
import numpy as np
from pathlib import Path
from rag.config import Settings
from rag.models import Article, Chunk
from rag.store import Store

store = Store(Settings(store=Path(sys.argv[1])), "probe-key", 8)
rng = np.random.default_rng(7)
batch = []
for a in range(3):
    text = f"Article {a} first sentence. Article {a} second sentence."
    chunks = [Chunk(f"art-{a}", 0, text, 0, len(text))]
    vecs = rng.normal(size=(1, 8)).astype(np.float32)
    batch.append((Article(id=f"art-{a}", title=f"T{a}", text=text, lang="en"), chunks, vecs))
store.put_articles(batch)
os._exit(0)  # no clean shutdown: whatever is not on disk yet is only in Chroma's log
"""

_READER = """
import json, sys
import numpy as np
from pathlib import Path
from rag.config import Settings
from rag.store import Store

store = Store(Settings(store=Path(sys.argv[1])), None, None, create=False)
rng = np.random.default_rng(7)
found = []
for a in range(3):
    v = rng.normal(size=(1, 8)).astype(np.float32)[0]
    got = store.collection.query(query_embeddings=[v.tolist()], n_results=1, include=["metadatas"])
    found.append(got["metadatas"][0][0]["article_id"])
print(json.dumps({"found": found, "threshold": store.collection.configuration["hnsw"]["sync_threshold"]}))
"""


def _threshold(store: Store) -> int:
    return int(store.collection.configuration["hnsw"]["sync_threshold"])


def test_new_and_existing_collections_take_the_settings_sync_threshold(tmp_path: Path) -> None:
    """A new collection is created with the setting; one made with another value adopts it when reopened."""
    old = Store(Settings(store=tmp_path, hnsw_sync_threshold=1000), "probe-key", 8)
    assert _threshold(old) == 1000
    reopened = Store(Settings(store=tmp_path), "probe-key", 8)
    assert _threshold(reopened) == Settings().hnsw_sync_threshold == 10_000


def test_vectors_not_yet_written_to_the_index_files_are_found_by_the_next_process(tmp_path: Path) -> None:
    """Three chunks (far below the threshold) written by a process that exits abruptly are each the nearest
    neighbour of their own vector in a new process: Chroma replays its log into the vector index on open."""
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path)], cwd=root, check=True, timeout=120)
    out = subprocess.run([sys.executable, "-c", _READER, str(tmp_path)], cwd=root, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["found"] == ["art-0", "art-1", "art-2"]
    assert got["threshold"] == 10_000


def _article(aid: str, text: str) -> tuple[Article, list[Chunk], np.ndarray]:
    vec = np.random.default_rng(len(text)).normal(size=(1, 8)).astype(np.float32)
    return Article(id=aid, title=aid, text=text, lang="en"), [Chunk(aid, 0, text, 0, len(text))], vec


def test_a_write_told_an_article_is_absent_never_loses_a_version_another_writer_stored(tmp_path: Path) -> None:
    """The pipeline skips the old-version delete for articles it read as absent. If another writer stored
    the article in between, both versions stay: the newest is the one shown, ``check`` reports the other
    as stale, and ``repair`` removes it."""
    store = Store(Settings(store=tmp_path), "probe-key", 8)
    assert store.existing_hashes(["a"])["a"].content_hash is None  # what the pipeline read
    store.put_articles([_article("a", "The other writer's text.")])  # another writer, meanwhile
    store.put_articles([_article("a", "Our text, written later.")],
                       previous={"a": StoredState(content_hash=None, chunks=0, version=None, leftovers=False)})
    shown = store.get_article("a")
    assert shown is not None and shown.text == "Our text, written later."
    report = store.check()
    assert report.stale_versions == 1 and report.partial_articles == []
    assert store.repair().stale_versions == 0
    assert store.collection.count() == 1
    assert [h.chunk_id.split("::")[0] for h in store.keyword_search("written later", 5)] == ["a"]


def test_replacing_an_article_deletes_its_older_version(tmp_path: Path) -> None:
    """Without ``absent`` (an update) the older version's chunks are deleted in the same write."""
    store = Store(Settings(store=tmp_path), "probe-key", 8)
    store.put_articles([_article("a", "First version.")])
    store.put_articles([_article("a", "Second version, longer.")])
    assert store.collection.count() == 1
    assert store.check().stale_versions == 0


def test_stored_state_by_chunk_id_matches_the_metadata_query_in_every_state(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Absent, stored, updated, with a stale version beside it, incomplete after a crash, deleted: what the
    keyword index vouches for (confirmed by chunk id) equals what the metadata query reads, and only the
    articles it cannot vouch for (a write to them left open) go to the query."""
    store = Store(Settings(store=tmp_path), "probe-key", 8)
    store.put_articles([_article("stored", "Stored once."), _article("updated", "First text.")])
    store.put_articles([_article("updated", "Second text, longer.")],
                       previous=store.existing_hashes(["updated"]))
    store.put_articles([_article("stale", "A version another writer stored.")])
    store.put_articles([_article("stale", "Ours, written later.")],
                       previous={"stale": StoredState(content_hash=None, chunks=0, version=None, leftovers=False)})
    store.put_articles([_article("gone", "Deleted later.")])
    store.delete_article("gone")
    # what a writer killed at the "after_add" crash point of an update leaves: the old version, the begin
    # entry and the new version's chunks, no delete and no commit
    store.put_articles([_article("crashed", "The version before the crash.")])
    article, chunks, vec = _article("crashed", "Written, never committed.")
    version = time.time_ns()
    store._begin(["crashed"], {"crashed": (version, 1)})
    store.vectors.add([Store._node(article, chunks[0], 1, [float(x) for x in vec[0]], version)])
    ids = ["absent", "stored", "updated", "stale", "gone", "crashed"]
    scanned: list[list[str]] = []
    real = store._states_by_scan
    monkeypatch.setattr(store, "_states_by_scan", lambda aids: scanned.append(list(aids)) or real(aids))
    got = store.existing_hashes(ids)
    assert scanned == [["crashed"]]  # its write is open: the index cannot vouch for it
    assert got == real(ids)
    assert got["updated"].chunks == 1 and got["stale"].leftovers and not got["stored"].leftovers
    assert got["absent"].content_hash is None and got["gone"].content_hash is None
    assert got["crashed"].leftovers and got["crashed"].version == version


def test_an_update_deletes_the_version_it_read_by_chunk_id(tmp_path: Path) -> None:
    """Told what it replaces, a write deletes exactly that version's chunks, and the store checks clean."""
    store = Store(Settings(store=tmp_path), "probe-key", 8)
    two = Article(id="a", title="a", text="One. Two.", lang="en")
    store.put_articles([(two, [Chunk("a", 0, "One.", 0, 4), Chunk("a", 1, "Two.", 5, 9)],
                         np.ones((2, 8), dtype=np.float32))])
    before = store.existing_hashes(["a"])
    assert before["a"].chunks == 2
    store.put_articles([_article("a", "Replaced by one chunk.")], previous=before)
    assert store.collection.count() == 1
    assert store.check().ok
    assert store.existing_hashes(["a"])["a"].chunks == 1


def test_reading_what_is_stored_never_waits_for_another_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While another process holds the keyword index's writer (its catch-up, or a rebuild), the pipeline's
    read does not wait for it: it asks for the lock once, then reads Chroma, and answers the same."""
    import rag.keyword as kw

    mine = Store(Settings(store=tmp_path, keyword_lock_wait_s=30.0), "probe-key", 8)
    mine.put_articles([_article("a", "Stored before.")])
    mine.sync_keyword()
    other = Store(Settings(store=tmp_path), "probe-key", 8)
    other.keyword._ensure_open()
    waits: list[float] = []

    class Lease(kw._WriterLease):
        def __init__(self, index: object, wait_s: float) -> None:
            waits.append(wait_s)
            super().__init__(index, wait_s)

    with other.keyword._writer():  # the other process's writer, held
        mine.put_articles([_article("b", "Written while the other holds the lock.")])
        monkeypatch.setattr(kw, "_WriterLease", Lease)
        scanned: list[list[str]] = []
        real = mine._states_by_scan
        monkeypatch.setattr(mine, "_states_by_scan", lambda aids: scanned.append(list(aids)) or real(aids))
        got = mine.existing_hashes(["a", "b", "c"])
    assert waits == [0.0]
    assert scanned == [["a", "b", "c"]]
    assert got == real(["a", "b", "c"]) and got["b"].content_hash is not None and got["c"].content_hash is None
    mine.sync_keyword()  # once the lock is free, the index catches up and vouches again
    scanned.clear()
    assert mine.existing_hashes(["a", "b", "c"]) == got and scanned == []
