"""What the store does to keep writes flat as the collection grows (issue #14, rag bench --scale).

The store raises Chroma's ``sync_threshold`` so that the vector index is written to disk every 10,000
changes instead of every 1,000 (each write rewrites the id map: 0.9 s at 1M chunks). Changes between two
writes live only in Chroma's write-ahead log, so these tests check both halves of that choice: the setting
reaches old and new collections, and vectors a process wrote without any index write are found by the
next process's nearest-neighbour query, even when the writer exits without closing anything.

The pipeline also skips the old-version delete (a metadata query that grows with the collection) for
articles it has just read as absent; the last tests check that this never loses or doubles an article.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.models import Article, Chunk
from rag.store import Store

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
    store.put_articles([_article("a", "Our text, written later.")], absent=frozenset({"a"}))
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
