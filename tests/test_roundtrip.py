"""Provenance and round trip: results name their input; --show and --export give back the stored text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingest.readers import article_from_plain
from rag.config import Settings


def _cli(*args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip(), proc.stderr[-2000:]
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


def test_results_carry_their_input(tmp_path: Path, seed_path: Path) -> None:
    """Each entry of the --json summary says which path or JSONL line it came from, failures included."""
    batch = tmp_path / "b.jsonl"
    batch.write_text(json.dumps({"id": "a1", "title": "Titre", "text": "Une phrase. " * 10}) + "\n"
                     + "{not json\n" + json.dumps({"id": "a2", "title": "Autre", "text": "Deux phrases. " * 10})
                     + "\n", encoding="utf-8")
    code, out = _cli("--store", str(tmp_path / "s"), "--json", str(seed_path), str(batch))
    assert code == 1
    by_input = {a["input"]: a for a in out["articles"]}
    assert set(by_input) == {str(seed_path), f"{batch}:1", f"{batch}:2", f"{batch}:3"}
    assert by_input[f"{batch}:2"]["status"] == "failed" and by_input[f"{batch}:3"]["id"] == "a2"


def test_show_prints_the_cleaned_text_exactly(tmp_path: Path, seed_path: Path) -> None:
    """--show ID prints the metadata and the cleaned article text, character for character."""
    store = str(tmp_path / "s")
    code, out = _cli("--store", store, "--json", str(seed_path))
    aid = out["articles"][0]["id"]
    code, shown = _cli("--store", store, "--json", "--show", aid)
    expected = article_from_plain(seed_path.read_text(encoding="utf-8"), Settings(store=tmp_path))
    assert code == 0 and shown["text"] == expected.text and shown["title"] == expected.title
    assert shown["id"] == aid and shown["lang"] == "fr"
    code, missing = _cli("--store", store, "--json", "--show", "nope")
    assert code == 1 and "not found" in missing["error"]


def test_export_ingest_export_is_identity(tmp_path: Path, seed_path: Path, wikinews_fr_jsonl: Path) -> None:
    """Export -> ingest into an empty store -> export gives the same articles (ids, texts, metadata)."""
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    twenty = tmp_path / "twenty.jsonl"
    twenty.write_text("\n".join(wikinews_fr_jsonl.read_text(encoding="utf-8").splitlines()[:20]) + "\n",
                      encoding="utf-8")
    code, _ = _cli("--store", first, "--json", str(seed_path), str(twenty))
    assert code == 0
    exp1, exp2 = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    code, out = _cli("--store", first, "--json", "--export", str(exp1))
    assert code == 0 and out["exported"] == 21
    code, out = _cli("--store", second, "--json", str(exp1))
    assert code == 0 and out["added"] == 21
    code, _ = _cli("--store", second, "--json", "--export", str(exp2))
    one = [json.loads(line) for line in exp1.read_text(encoding="utf-8").splitlines()]
    two = [json.loads(line) for line in exp2.read_text(encoding="utf-8").splitlines()]
    assert one == two
    source = {json.loads(line)["id"]: json.loads(line) for line in twenty.read_text().splitlines()}
    for rec in one:
        if rec["id"] in source:
            assert rec["text"].split() == source[rec["id"]]["text"].split()
            assert rec["date"] == source[rec["id"]]["date"] and rec["url"] == source[rec["id"]]["url"]
