"""Hybrid retrieval: dense (Chroma, USE-multilingual) and keyword (BM25) candidates, fused.

Why not plain reciprocal-rank fusion: measured on PIAF and on English questions over French text, RRF
lands *between* the two methods, because it gives the weak side's ranking as much say as the strong
side's. Which side is strong depends on whether the question and the passage share a language: BM25
wins when they do (exact names, numbers, stems), the multilingual embedding wins when they don't.

So the fusion here is a convex combination of normalised scores, weighted per passage by whether the
passage's language matches the question's:

* keyword scores are divided by the best keyword score of the query (top keyword hit = 1);
* dense cosine similarities are min-max normalised over the dense candidate list;
* ``score = w * kw + (1 - w) * dense`` with ``w = KW_SAME`` for a same-language passage and
  ``w = KW_CROSS`` otherwise.

The weights were chosen on the PIAF dev sample and the English set (``python -m rag eval --tune``) and
checked on the held-out questions; the README's quality table gives the figures.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Literal

from rag.config import Settings
from rag.embeddings import Embedder
from rag.models import Passage
from rag.store import Store
from rag.text import detect_language

Mode = Literal["hybrid", "dense", "keyword", "rrf"]
KW_SAME = 0.7
KW_CROSS = 0.4
RRF_K = 60


@dataclass(frozen=True)
class Candidates:
    """Raw candidates of both retrievers for one question (reused to compare fusion modes)."""

    question_lang: str
    dense: list[Passage]
    keyword: list[tuple[str, float]]
    passages: dict[str, Passage]
    timings: dict[str, float]


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(self, settings: Settings, embedder: Embedder, store: Store) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store

    def candidates(self, question: str, n: int | None = None, where: dict[str, Any] | None = None) -> Candidates:
        """Dense and keyword candidates, with the passages for all of them."""
        n = n or self.settings.candidates
        t0 = time.perf_counter()
        vector = self.embedder.embed_query(question)
        t1 = time.perf_counter()
        dense = self.store.dense_search(vector.tolist(), n, where)
        t2 = time.perf_counter()
        hits = self.store.keyword_search(question, n, where)
        t3 = time.perf_counter()
        passages = {p.chunk_id: p for p in dense}
        missing = [h.chunk_id for h in hits if h.chunk_id not in passages]
        passages.update(self.store.passages(missing))
        t4 = time.perf_counter()
        timings = {"embed": t1 - t0, "dense": t2 - t1, "keyword": t3 - t2, "fetch": t4 - t3}
        return Candidates(detect_language(question), dense, [(h.chunk_id, h.score) for h in hits], passages,
                          timings)

    def retrieve(self, question: str, k: int | None = None, where: dict[str, Any] | None = None,
                 mode: Mode | None = None, per_article: int | None = None) -> list[Passage]:
        """The top ``k`` passages for ``question`` under ``mode`` (default: settings)."""
        cands = self.candidates(question, where=where)
        limit = self.settings.per_article_limit if per_article is None else per_article
        return fuse(cands, mode or self.settings.fusion, k or self.settings.top_k, limit)


def fuse(c: Candidates, mode: Mode, k: int, per_article: int = 0,
         kw_same: float = KW_SAME, kw_cross: float = KW_CROSS) -> list[Passage]:
    """Rank the candidates under ``mode``; at most ``per_article`` passages per article (0 = no limit)."""
    dense = {p.chunk_id: p.dense or 0.0 for p in c.dense}
    keyword = dict(c.keyword)
    scores: dict[str, float] = {}
    if mode == "dense":
        scores = dict(dense)
    elif mode == "keyword":
        scores = dict(keyword)
    elif mode == "rrf":
        for rank, cid in enumerate(sorted(dense, key=dense.__getitem__, reverse=True)):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, (cid, _) in enumerate(c.keyword):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    else:
        top_kw = max(keyword.values(), default=0.0) or 1.0
        lo, hi = min(dense.values(), default=0.0), max(dense.values(), default=1.0)
        span = (hi - lo) or 1.0
        for cid in set(dense) | set(keyword):
            p = c.passages.get(cid)
            w = kw_same if p is None or p.lang == c.question_lang else kw_cross
            d = (dense[cid] - lo) / span if cid in dense else 0.0
            scores[cid] = w * keyword.get(cid, 0.0) / top_kw + (1 - w) * d
    ranked = sorted((cid for cid in scores if cid in c.passages), key=lambda cid: -scores[cid])
    out: list[Passage] = []
    per: dict[str, int] = defaultdict(int)
    for cid in ranked:
        p = c.passages[cid]
        if per_article and per[p.article_id] >= per_article:
            continue
        per[p.article_id] += 1
        out.append(replace(p, score=scores[cid], dense=dense.get(cid), keyword=keyword.get(cid)))
        if len(out) >= k:
            break
    return out
