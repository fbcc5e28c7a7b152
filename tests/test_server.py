"""Server mode against a real Chroma server (started by `make test` through tests/chroma_server.py).

Ingest in one process, ask from another, delete from a third: every process sees one corpus, the
keyword index included (it follows the collection's change token).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

PORT = os.environ.get("NEWSQA_TEST_CHROMA_PORT")
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def chroma_server_port() -> int:
    """The port of the Chroma server `make test` started; without one, a skip, or under CI=true a failure."""
    if not PORT:
        reason = "no Chroma server: NEWSQA_TEST_CHROMA_PORT unset (run through `make test`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; under CI=true a missing dependency fails")
        pytest.skip(reason)
    return int(PORT)


@pytest.fixture
def server_env(tmp_path: Path, chroma_server_port: int) -> dict[str, str]:
    """Environment of a process in server mode, with a collection of its own for this test."""
    return {**os.environ, "NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(chroma_server_port),
            "NEWSQA_COLLECTION": f"t-{uuid.uuid4().hex[:12]}", "NEWSQA_STORE": str(tmp_path / "proc")}


def _run(env: dict[str, str], module: str, *args: str, store: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", module, "--store", store, "--json", *args] if module == "ingest"
                          else [sys.executable, "-m", module, *args, "--store", store, "--json"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _app(server_env: dict[str, str], tmp_path: Path, embedder: Embedder) -> Engine:
    """A long-lived reader (like an app instance) on the test's collection, with its own keyword-index dir."""
    settings = Settings(store=tmp_path / "app", chroma_host="127.0.0.1",
                        chroma_port=int(server_env["NEWSQA_CHROMA_PORT"]), collection=server_env["NEWSQA_COLLECTION"])
    return Engine.open(settings, embedder)


def test_ingest_ask_delete_across_processes(server_env: dict[str, str], tmp_path: Path, seed_path: Path,
                                            wikinews_fr_jsonl: Path, embedder: Embedder) -> None:
    """One process ingests the seed among 100 Wikinews articles, another asks, a third deletes the seed:
    all see the same corpus, keyword index included."""
    out = _run(server_env, "ingest", str(seed_path), str(wikinews_fr_jsonl), store=str(tmp_path / "a"))
    assert out["added"] == 101
    aid = next(a["id"] for a in out["articles"] if a["title"].startswith("Pékin et Pyongyang"))

    app = _app(server_env, tmp_path, embedder)
    assert app.store.where.startswith("chroma://")
    assert app.ask("What did Kim say about China?").citations[0].article_id == aid
    before = app.store.count()

    def keyword_hits_of_seed() -> list[str]:
        hits = [h.chunk_id for h in app.store.keyword_search("Kim Jong Un Chine Pyongyang", 10)]
        assert hits
        return [c for c in hits if c.startswith(f"{aid}::")]

    assert keyword_hits_of_seed()

    ans = _run(server_env, "rag", "ask", "Qu'a dit Kim Jong Un au sujet de la Chine ?", store=str(tmp_path / "b"))
    assert not ans["refused"] and "Kim Jong Un a déclaré" in ans["answer"]
    assert ans["citations"][0]["article_id"] == aid

    assert _run(server_env, "ingest", "--delete", aid, store=str(tmp_path / "c"))["deleted"] == [aid]
    assert 0 < app.store.count() < before
    assert keyword_hits_of_seed() == []  # the keyword index followed the delete made by another process
    assert aid not in {c.article_id for c in app.ask("What did Kim say about China?").citations}
    listed = _run(server_env, "ingest", "--list", store=str(tmp_path / "d"))["articles"]
    assert len(listed) == 100 and aid not in {a["id"] for a in listed}


def test_server_down_is_a_clear_error(tmp_path: Path) -> None:
    """Pointing at a port where no server listens gives a store error that names the fix."""
    from rag.store import Store, StoreError

    with pytest.raises(StoreError, match=r"unreachable|cannot open"):
        Store(Settings(store=tmp_path, chroma_host="127.0.0.1", chroma_port=9), "x", 3)


def test_questions_while_a_cli_ingest_runs(server_env: dict[str, str], tmp_path: Path, seed_path: Path,
                                           wikinews_fr_jsonl: Path, embedder: Embedder) -> None:
    """Three chat threads ask through the server while another process ingests 100 articles: 0 errors."""
    import threading
    import time

    app = _app(server_env, tmp_path, embedder)
    settings = app.settings
    from ingest.readers import read_path

    assert app.ingestor().ingest(read_path(seed_path, settings)).ok
    ingest = subprocess.Popen([sys.executable, "-m", "ingest", "--store", str(tmp_path / "job"), "--quiet",
                               str(wikinews_fr_jsonl)], env=server_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    errors: list[BaseException] = []
    wrong: list[str] = []
    count = [0]

    def chat() -> None:
        while ingest.poll() is None:
            try:
                ans = app.ask("What did Kim say about China?")
                if ans.refused or "Kim Jong Un a déclaré" not in ans.text:
                    wrong.append(ans.text)
                count[0] += 1
            except BaseException as exc:
                errors.append(exc)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=chat) for _ in range(3)]
    for t in threads:
        t.start()
    _, err = ingest.communicate(timeout=600)
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a chat thread did not finish after the ingest"
    elapsed = time.perf_counter() - t0
    print(f"{count[0]} answers in {elapsed:.1f}s ({count[0] / elapsed:.1f} q/s) during a CLI ingest, server mode")
    assert ingest.returncode == 0, err
    assert not errors and not wrong, (errors[:2], wrong[:2])
    assert count[0] > 5
    app.store.sync_keyword()
    assert len(app.store.list_articles()) == 101 and app.store.check().ok
