"""Who said what: search the quote index by speaker (through entity links) and topic (across languages).

The quote index is derived from the chunks like the keyword index (see :mod:`rag.keyword`): quotes are
written on the chunks in the same Chroma write as the text, so they follow every update, delete, crash
and repair of the articles they come from.

A speaker asked as "Kim" matches every indexed speaker whose identifying tokens contain "kim" (token
level through :func:`rag.nlp.link_name`: "Kim Jong Un" and "Kim Kardashian", never "Kimberley"); the
caller decides between several (the conversation, else the best topical match). ``about`` ranks quotes by
the multilingual embedding similarity of quote and topic plus the share of the topic's terms the quote
contains, so an English topic finds French quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.embeddings import Embedder
from rag.nlp import link_name
from rag.text import query_terms

# Weight of term overlap next to embedding similarity when ranking quotes by topic. Set equal to the
# answerer's coverage/similarity balance (0.3 / 0.55, see rag/data/answerer.json's sentence model): a
# topic word in the quote is strong evidence, the embedding carries it across languages.
TERM_WEIGHT = 0.5


@dataclass(frozen=True)
class FoundQuote:
    """One quote of the index with its topical score (0 when no topic was asked)."""

    row: dict[str, Any]
    score: float

    def to_json(self) -> dict[str, Any]:
        """The ``rag quotes --json`` shape of one quote."""
        keys = ("speaker", "quote", "cue", "article_id", "title", "date", "url", "span", "source", "kind")
        return {**{k: self.row.get(k) for k in keys}, "score": round(self.score, 4)}


def speakers_matching(name: str, rows: list[dict[str, Any]]) -> list[str]:
    """Indexed speakers that ``name`` can refer to (token-level), most quoted first."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["speaker"]] = counts.get(r["speaker"], 0) + 1
    hits = [s for s in counts if link_name(name, [s]) is not None or link_name(s, [name]) is not None]
    return sorted(hits, key=lambda s: (-counts[s], s))


def find_quotes(rows: list[dict[str, Any]], embedder: Embedder | None, speaker: str | None = None,
                about: str | None = None, limit: int = 20) -> list[FoundQuote]:
    """Quotes by ``speaker`` (any who matches), ranked by ``about`` when given, else by date (newest first)."""
    if speaker:
        names = set(speakers_matching(speaker, rows))
        rows = [r for r in rows if r["speaker"] in names]
    if not rows:
        return []
    if not about or embedder is None:
        ordered = sorted(rows, key=lambda r: (r.get("date") or "", r["article_id"], r["span"][0]), reverse=True)
        return [FoundQuote(r, 0.0) for r in ordered[:limit]]
    qv = embedder.embed_query(about)
    sims = embedder.embed_texts([r["quote"] for r in rows]) @ qv
    topic = set(query_terms(about))
    scored = []
    for r, sim in zip(rows, np.asarray(sims).tolist(), strict=True):
        overlap = len(topic & set(query_terms(r["quote"]))) / len(topic) if topic else 0.0
        scored.append(FoundQuote(r, float(sim) + TERM_WEIGHT * overlap))
    scored.sort(key=lambda f: -f.score)
    return scored[:limit]


def filter_rows(rows: list[dict[str, Any]], where: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Quotes of articles that pass the chat's filters (outlets, languages, date range YYYYMMDD)."""
    if not where:
        return rows
    out = []
    for r in rows:
        day = int((r.get("date") or "0").replace("-", "")[:8] or 0)
        if where.get("sources") and r.get("source") not in where["sources"]:
            continue
        if where.get("langs") and r.get("lang") not in where["langs"]:
            continue
        if where.get("date_from") and day < int(where["date_from"]):
            continue
        if where.get("date_to") and not 0 < day <= int(where["date_to"]):
            continue
        out.append(r)
    return out


def speaker_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """"Who is quoted": one row per speaker with the number of quotes and of articles, most quoted first."""
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = table.setdefault(r["speaker"], {"speaker": r["speaker"], "quotes": 0, "articles": set()})
        t["quotes"] += 1
        t["articles"].add(r["article_id"])
    out = [{**t, "articles": len(t["articles"])} for t in table.values()]
    return sorted(out, key=lambda t: (-t["quotes"], t["speaker"]))
