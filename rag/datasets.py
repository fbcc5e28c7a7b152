"""Evaluation sets built from the data beside the project (``../shared``), never copied into it.

* PIAF: each passage becomes an article (id = passage id), each question asks for its gold passage
  with the answer text as evidence.
* Cross-lingual: our English questions (``tests/data/en_questions_piaf.jsonl``: an English wording
  of a PIAF question, which names the PIAF question it translates) plus questions about the seed
  article, and unanswerable questions in both languages, over PIAF passages + the seed article.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(__import__("os").environ.get("NEWSQA_SHARED", ROOT.parent / "shared"))
PIAF = SHARED / "eval" / "piaf"
SEED = SHARED / "corpus" / "seed" / "000_cf65a66ccd3798ec.txt"
WIKINEWS = SHARED / "corpus" / "wikinews" / "articles.jsonl"
DATA = ROOT / "tests" / "data"
SEED_ID = "seed-kim-xi-2024"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    """Write rows as JSONL, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def piaf_corpus() -> list[dict[str, Any]]:
    """PIAF passages as articles."""
    return [{"id": p["id"], "title": p["title"], "text": p["text"], "lang": "fr", "source": "Wikipédia (PIAF)"}
            for p in _read_jsonl(PIAF / "passages.jsonl")]


def piaf_questions(sample: int | None = None, seed: int = 13) -> list[dict[str, Any]]:
    """PIAF questions (all, or a fixed random sample)."""
    qs = [{"id": q["id"], "question": q["question"], "relevant": [q["gold_passage_id"]],
           "evidence": q["answers"][0], "lang": "fr"} for q in _read_jsonl(PIAF / "questions.jsonl")]
    if sample:
        qs = random.Random(seed).sample(qs, sample)
    return qs


def seed_article() -> dict[str, Any]:
    """The seed article (raw scraped text) as read by the ingest cleaner."""
    from ingest.readers import article_from_plain
    from rag.config import Settings

    art = article_from_plain(SEED.read_text(encoding="utf-8"), Settings(), source="AFP (seed)")
    return {"id": SEED_ID, "title": art.title, "text": art.text, "lang": art.lang, "source": art.source}


def crosslingual_questions() -> list[dict[str, Any]]:
    """English questions over French passages, seed questions, and unanswerable questions."""
    piaf = {q["id"]: q for q in _read_jsonl(PIAF / "questions.jsonl")}
    out = []
    for row in _read_jsonl(DATA / "en_questions_piaf.jsonl"):
        src = piaf[row["piaf_question"]]
        out.append({"id": row["id"], "question": row["question"], "relevant": [src["gold_passage_id"]],
                    "evidence": src["answers"][0], "lang": "en"})
    for row in _read_jsonl(DATA / "news_questions.jsonl"):
        out.append({**row, "relevant": [SEED_ID] if row.get("answerable", True) else []})
    return out


def build(kind: str, out: Path, sample: int | None = None) -> tuple[Path, Path]:
    """Write ``corpus.jsonl`` and ``questions.jsonl`` for ``kind`` ('piaf' or 'crosslingual')."""
    corpus = piaf_corpus()
    if kind == "piaf":
        questions = piaf_questions(sample)
    elif kind == "crosslingual":
        corpus.append(seed_article())
        questions = crosslingual_questions()
    else:
        raise ValueError(f"unknown dataset {kind!r}")
    return write_jsonl(out / "corpus.jsonl", corpus), write_jsonl(out / "questions.jsonl", questions)
