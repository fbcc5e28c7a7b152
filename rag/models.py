"""The nouns of newsqa: articles, chunks, retrieved passages, citations and answers.

Frozen dataclasses: they travel from reader to store and from retriever to UI unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """A cleaned article, ready to chunk. ``text`` is the cleaned text citations point into."""

    id: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None  # ISO 8601 date (YYYY-MM-DD) when known
    lang: str = "und"
    source: str | None = None  # outlet / site name
    author: str | None = None
    origin: str = ""  # the input it came from (path, "path:line" of a JSONL batch, URL); not part of the hash
    missing: tuple[str, ...] = ()  # metadata the reader could not find (e.g. "date", "url")

    @property
    def content_hash(self) -> str:
        """Hash of what a reader sees; an unchanged hash means re-ingesting adds nothing."""
        payload = "\x1f".join([self.title, self.text, self.url or "", self.date or "", self.source or ""])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class QuoteRecord:
    """A reported statement found at ingest: who (canonical name), the exact span in the article text."""

    speaker: str
    speaker_mention: str
    quote: str
    cue: str
    start: int
    end: int
    kind: str = "direct"


@dataclass(frozen=True)
class ArticleNotes:
    """What the NLP step found in one article: entity mentions (label, start, end, canonical), people, quotes."""

    mentions: tuple[tuple[str, int, int, str], ...] = ()
    people: tuple[str, ...] = ()
    quotes: tuple[QuoteRecord, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned slice ``article.text[start:end]`` of one article."""

    article_id: str
    index: int
    text: str
    start: int
    end: int

    @property
    def id(self) -> str:
        """Chunk id in Chroma and in the keyword index."""
        return chunk_id(self.article_id, self.index)


def chunk_id(article_id: str, index: int) -> str:
    """The stable id of chunk ``index`` of ``article_id``."""
    return f"{article_id}::{index}"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article metadata and retrieval scores."""

    chunk_id: str
    article_id: str
    text: str
    title: str
    source: str | None
    url: str | None
    date: str | None
    lang: str
    start: int
    end: int
    score: float = 0.0
    dense: float | None = None
    keyword: float | None = None
    ents: tuple[tuple[str, int, int, str], ...] = ()  # (label, start, end, canonical), article offsets
    quotes: tuple[QuoteRecord, ...] = ()
    people: tuple[str, ...] = ()  # the article's people (canonical names)

    @classmethod
    def from_meta(cls, cid: str, text: str, meta: dict[str, Any], **scores: float | None) -> Passage:
        """Build from a Chroma record (id, document, metadata)."""
        return cls(
            chunk_id=cid,
            article_id=str(meta["article_id"]),
            text=text,
            title=str(meta.get("title") or ""),
            source=_opt(meta.get("source")),
            url=_opt(meta.get("url")),
            date=_opt(meta.get("date")),
            lang=str(meta.get("lang") or "und"),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            score=float(scores.get("score") or 0.0),
            dense=scores.get("dense"),
            keyword=scores.get("keyword"),
            ents=tuple((str(e[0]), int(e[1]), int(e[2]), str(e[3])) for e in _json_list(meta.get("ents"))),
            quotes=tuple(QuoteRecord(str(q[0]), str(q[1]), str(q[2]), str(q[3]), int(q[4]), int(q[5]), str(q[6]))
                         for q in _json_list(meta.get("quotes"))),
            people=tuple(p for p in str(meta.get("people") or "").split("|") if p),
        )


def _json_list(value: Any) -> list[Any]:
    """A JSON list stored as a Chroma metadata string (empty when absent or unreadable)."""
    if not value:
        return []
    try:
        data = json.loads(str(value))
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _opt(value: Any) -> str | None:
    """Chroma stores no None: empty strings stand for missing values."""
    return str(value) if value not in (None, "") else None


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` of an answer: the passage, and the exact quoted sentence inside the article."""

    n: int
    article_id: str
    title: str
    source: str | None
    url: str | None
    date: str | None
    text: str  # the whole passage
    quote: str  # the quoted sentence, verbatim
    span: tuple[int, int]  # character span of ``quote`` in the cleaned article text
    passage_span: tuple[int, int] = (0, 0)  # span of ``quote`` inside ``text``
    also: tuple[str, ...] = ()  # "Outlet (date)" of near-copies of this article (same story)

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape of a citation."""
        data = asdict(self)
        data["span"] = list(self.span)
        data["passage_span"] = list(self.passage_span)
        data["also"] = list(self.also)
        return data


@dataclass(frozen=True)
class Answer:
    """What the answerer returns: text with ``[n]`` markers, citations, mode and timings."""

    text: str
    citations: list[Citation]
    mode: str
    refused: bool = False
    question: str = ""
    resolved_question: str = ""
    closest: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    flagged: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON contract (``python -m rag ask --json``)."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "question": self.question,
            "resolved_question": self.resolved_question,
            "notice": self.notice,
            "citations": [c.to_json() for c in self.citations],
            "closest": [{"article_id": p.article_id, "title": p.title, "url": p.url} for p in self.closest],
            "timings": self.timings,
        }
