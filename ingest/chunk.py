"""Sentence-aware chunking with exact character offsets.

Chunks are runs of whole sentences of about ``chunk_words`` words (USE-multilingual reads roughly the
first 128 tokens well), consecutive chunks sharing ``overlap`` sentences so an answer that straddles
a boundary is still found whole. Every chunk is the exact slice ``text[start:end]`` of the cleaned
article, which is what lets a citation point at the exact sentence later.
"""

from __future__ import annotations

import re

from rag.models import Chunk
from rag.text import split_sentences

_WS = re.compile(r"\S+")


def _units(text: str, max_words: int) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, words); an over-long sentence is cut at word boundaries."""
    units: list[tuple[int, int, int]] = []
    for start, end in split_sentences(text):
        spans = [m.span() for m in _WS.finditer(text, start, end)]
        if len(spans) <= max_words * 2:
            units.append((start, end, len(spans)))
            continue
        for i in range(0, len(spans), max_words):
            window = spans[i:i + max_words]
            units.append((window[0][0], window[-1][1], len(window)))
    return units


def chunk_text(article_id: str, text: str, max_words: int = 120, overlap: int = 1) -> list[Chunk]:
    """Split ``text`` into sentence-aligned chunks of about ``max_words`` words."""
    units = _units(text, max_words)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, words = i, 0
        while j < len(units) and (j == i or words + units[j][2] <= max_words):
            words += units[j][2]
            j += 1
        start, end = units[i][0], units[j - 1][1]
        chunks.append(Chunk(article_id, len(chunks), text[start:end], start, end))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap)
    return chunks
