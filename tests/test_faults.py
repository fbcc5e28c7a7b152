"""Faults: the ingest process killed at each named crash point, by a real signal, and concurrent use.

Crash points (rag/faults.py) make each kill land at a known step of the write path, whatever the speed of
the machine: no sleeps, no guessing. After each kill, without ``--repair``, every article must be its old
or its new version (never half, never both to a reader), the keyword index must hold exactly the visible
chunks once any search syncs it, and a plain re-run must complete the batch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.readers import Article, read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

# Several write groups per batch. Entity/quote analysis is off: it only adds metadata to the same single add,
# and loading spaCy in each of these child processes would double the test's time.
ENV = {**os.environ, "NEWSQA_WRITE_BATCH_CHUNKS": "16", "NEWSQA_NLP_AT_INGEST": "false"}


def _run(store: Path, batch: Path, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**ENV, "NEWSQA_CRASH_AT": crash} if crash else dict(ENV)
    return subprocess.run([sys.executable, "-m", "ingest", "--store", str(store), "--quiet", "--json", str(batch)],
                          capture_output=True, text=True, timeout=600, env=env)


def _probe(store: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.storeprobe", str(store)], capture_output=True, text=True,
                          timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _hashes(path: Path) -> dict[str, str]:
    settings = Settings(store=Path("/nonexistent"))
    return {a.id: a.content_hash for a in read_path(path, settings) if isinstance(a, Article)}


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory, wikinews_fr_jsonl: Path) -> tuple[Path, Path, Path]:
    """v1: 20 articles; v2: the same 20 edited (new last sentence) + 10 new ones; and a v1 store to copy."""
    rows = [json.loads(line) for line in wikinews_fr_jsonl.read_text(encoding="utf-8").splitlines()]
    d = tmp_path_factory.mktemp("versions")
    v1 = _write(d / "v1.jsonl", rows[:20])
    v2 = _write(d / "v2.jsonl", [{**r, "text": r["text"] + "\n\nMise à jour : la rédaction a complété cet "
                                  "article le lendemain."} for r in rows[:20]] + rows[20:30])
    base = d / "base"
    proc = _run(base, v1)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return v1, v2, base


@pytest.mark.parametrize("point", ["before_add:2", "after_add:2", "after_delete:2", "after_bump:2",
                                   "keyword_save:1"])
def test_crash_point_leaves_old_or_new_and_rerun_completes(point: str, versions: tuple[Path, Path, Path],
                                                           tmp_path: Path) -> None:
    """Killed at a crash point: consistent without --repair (old or new, searchable), and a re-run completes."""
    import shutil

    v1, v2, base = versions
    store = tmp_path / "store"
    shutil.copytree(base, store)
    old, new = _hashes(v1), _hashes(v2)
    proc = _run(store, v2, crash=point)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-2000:])

    state = _probe(store)
    assert state["check"]["ok"] and state["partial"] == [], state["check"]
    assert state["keyword_matches"], "a visible chunk is missing from keyword search (or a stale one is in it)"
    for aid, h in old.items():
        assert state["visible"].get(aid) in {h, new[aid]}, f"{aid} is neither its old nor its new version"
    for aid in set(new) - set(old):
        assert state["visible"].get(aid) in {None, new[aid]}
    written = sum(state["visible"].get(aid) == h for aid, h in new.items())
    if point.startswith(("before_add", "after_add")):  # the crash landed inside the batch, not after it
        assert 0 < written < len(new) if point.startswith("after_add") else written < len(new)
    if point.startswith("after_add"):  # the new version is written and the old one still stored, hidden
        assert state["check"]["stale_versions"] >= 1

    rerun = _run(store, v2)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    out = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert out["failed"] == 0 and out["added"] + out["updated"] + out["unchanged"] == len(new)
    final = _probe(store)
    assert final["visible"] == new and final["keyword_matches"]
    assert final["check"]["ok"] and final["check"]["stale_versions"] == 0


def test_real_sigkill_on_progress_line(versions: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """A real SIGKILL sent when the child reports its 8th stored article: consistent, and a re-run completes."""
    import shutil

    v1, v2, base = versions
    store = tmp_path / "store"
    shutil.copytree(base, store)
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--store", str(store), "--quiet", "--progress-lines",
                             str(v2)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stderr is not None
    seen = 0
    for line in proc.stderr:
        if line.startswith("progress "):
            seen += 1
            if seen == 8:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert seen == 8 and proc.returncode == -signal.SIGKILL
    state = _probe(store)
    old, new = _hashes(v1), _hashes(v2)
    assert state["check"]["ok"] and state["keyword_matches"]
    assert all(state["visible"].get(a) in {h, new[a]} for a, h in old.items())
    assert sum(state["visible"].get(a) == h for a, h in new.items()) < len(new)
    assert _run(store, v2).returncode == 0
    assert _probe(store)["visible"] == new


def test_concurrent_questions_while_ingesting(tmp_path: Path, embedder: Embedder, seed_path: Path,
                                              wikinews_fr_jsonl: Path) -> None:
    """Four chat threads ask while a batch is ingested into the same engine: no errors, answers stay right."""
    settings = Settings(store=tmp_path / "store")
    engine = Engine.open(settings, embedder)
    assert engine.ingestor().ingest(read_path(seed_path, settings)).ok
    errors: list[BaseException] = []
    wrong: list[str] = []
    answered = 0
    done = threading.Event()
    lock = threading.Lock()

    def chat() -> None:
        nonlocal answered
        while not done.is_set():
            try:
                ans = engine.ask("What did Kim say about China?")
                if ans.refused or "Kim Jong Un a déclaré" not in ans.text:
                    wrong.append(ans.text)
                with lock:
                    answered += 1
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=chat) for _ in range(4)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    report = engine.ingestor().ingest(read_path(wikinews_fr_jsonl, settings))
    done.set()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a chat thread did not finish"
    elapsed = time.perf_counter() - t0
    print(f"{answered} answers in {elapsed:.1f}s ({answered / elapsed:.1f} q/s) while ingesting 100 articles")
    assert not errors, errors[:3]
    assert not wrong, wrong[:3]
    assert report.ok and answered > 10
    assert engine.store.check().ok and len(engine.store.list_articles()) == 101
