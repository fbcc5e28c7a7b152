"""Faults: the ingest process killed (SIGKILL) mid-batch, and concurrent use while ingesting."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

KILLS = 3


def _cli(*args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], capture_output=True, text=True, timeout=600)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


def test_sigkill_during_ingest_loses_nothing(tmp_path: Path, wikinews_fr_jsonl: Path) -> None:
    """Killed at random points, the store holds only complete articles; --repair and a re-run complete it."""
    store = str(tmp_path / "store")
    rng = random.Random(7)
    seen_counts = []
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-m", "ingest", "--store", store, "--quiet", str(wikinews_fr_jsonl)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(4.0, 9.0))  # model load takes ~3 s: kill while articles are being written
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        code, check = _cli("--store", store, "--check", "--json")
        assert check["partial_articles"] == [], check  # every article present is complete
        seen_counts.append(check["articles"])
        code, repaired = _cli("--store", store, "--repair", "--json")
        assert code == 0 and repaired["ok"], repaired
    assert seen_counts[-1] < 100, "the kills came too late to interrupt anything"
    code, out = _cli("--store", store, "--json", str(wikinews_fr_jsonl))
    assert code == 0 and out["added"] + out["unchanged"] == 100 and out["failed"] == 0
    code, check = _cli("--store", store, "--check", "--json")
    assert check["ok"] and check["articles"] == 100
    code, again = _cli("--store", store, "--json", str(wikinews_fr_jsonl))
    assert again["unchanged"] == 100


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
    elapsed = time.perf_counter() - t0
    print(f"{answered} answers in {elapsed:.1f}s ({answered / elapsed:.1f} q/s) while ingesting 100 articles")
    assert not errors, errors[:3]
    assert not wrong, wrong[:3]
    assert report.ok and answered > 10
    assert engine.store.check().ok and len(engine.store.list_articles()) == 101
