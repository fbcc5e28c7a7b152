"""The change log: a small Chroma collection beside the chunks that says which articles each write touched.

Every process keeps its own keyword index (:mod:`rag.keyword`), on its own disk, in step with the shared
Chroma collection. Rebuilding it from every chunk after every write costs minutes at a million chunks, so
each write appends two entries to this log instead: ``begin`` before its first Chroma write and ``commit``
after its last, each naming the article ids it touches. A process applies to its index only the entries it
has not seen, by re-reading *those articles'* chunks from Chroma: applying an entry is idempotent and
order-free (the index ends up holding what Chroma holds for the article now), so an entry seen twice, or
entries of concurrent writers seen out of order, do no harm.

Sequence numbers are the writer's clock (``time.time_ns``), not a counter: Chroma has no transaction to
allocate one. A slow writer can therefore append an entry with a smaller number after a reader moved past
it; readers re-read a window of :data:`MARGIN_NS` behind their position and skip entry ids they already
applied, so nothing written within that window of another writer's entry is missed.

The log is trimmed by writers (entries older than ``keep_s``); the trim point is kept in the log
collection's metadata, so a reader whose position is older than it knows entries are gone and rebuilds
once (writing a ``rebuild`` entry that says so).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

MARGIN_NS = 300 * 10**9  # 5 min: a write's begin→commit and writers' clock skew in server mode stay well inside it
_PAGE = 1000


@dataclass(frozen=True)
class Entry:
    """One log entry: a write's ``begin``/``commit`` (or a reader's ``rebuild``) and the articles it names."""

    id: str
    seq: int
    phase: str
    op: str
    article_ids: tuple[str, ...]
    # article id -> (version, chunk count) the write stores: a reader fetches those chunks by id (a key
    # lookup) instead of querying Chroma's metadata, whose cost grows with the collection (BENCHMARKS.md)
    chunks: dict[str, tuple[int, int]] = field(default_factory=dict)


def _payload(doc: str | None) -> tuple[tuple[str, ...], dict[str, tuple[int, int]]]:
    """Articles and chunk hints of an entry's document (a bare JSON list: articles only)."""
    try:
        raw = json.loads(doc or "[]")
        if isinstance(raw, list):
            return tuple(str(a) for a in raw), {}
        return (tuple(str(a) for a in raw["articles"]),
                {str(a): (int(v[0]), int(v[1])) for a, v in raw.get("chunks", {}).items()})
    except (ValueError, KeyError, TypeError, IndexError):  # a torn entry names nothing: no hint either
        return (), {}


class ChangeLog:
    """Append-only log of writes in the collection ``<name>__log`` of the same Chroma (embedded or server)."""

    def __init__(self, client: Any, collection: str) -> None:
        self.client = client
        self.name = f"{collection}__log"
        self.collection = client.get_or_create_collection(
            self.name, metadata={"trimmed_to": 0, "kind": "newsqa change log"}, embedding_function=None)

    @staticmethod
    def new_op() -> str:
        """A fresh operation id shared by a write's ``begin`` and ``commit`` entries."""
        return uuid.uuid4().hex

    def append(self, phase: str, op: str, article_ids: list[str] | tuple[str, ...], note: str = "",
               chunks: dict[str, tuple[int, int]] | None = None) -> Entry:
        """Append one entry (one Chroma add) and return it."""
        seq = time.time_ns()
        entry = Entry(f"{seq:020d}-{op}-{phase}", seq, phase, op, tuple(article_ids), dict(chunks or {}))
        meta: dict[str, Any] = {"seq": seq, "phase": phase, "op": op, "n": len(entry.article_ids)}
        if note:
            meta["note"] = note
        self.collection.add(ids=[entry.id], embeddings=[[0.0]], metadatas=[meta],
                            documents=[json.dumps({"articles": list(entry.article_ids),
                                                   "chunks": {a: list(v) for a, v in entry.chunks.items()}},
                                                  ensure_ascii=False)])
        return entry

    def since(self, seq: int) -> list[Entry]:
        """Every entry with a sequence number above ``seq``, oldest first."""
        out: list[Entry] = []
        offset = 0
        while True:
            got = self.collection.get(where={"seq": {"$gt": int(seq)}}, include=["documents", "metadatas"],
                                      limit=_PAGE, offset=offset)
            if not got["ids"]:
                break
            for eid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                aids, chunks = _payload(doc)
                m = meta or {}
                out.append(Entry(eid, int(m.get("seq") or 0), str(m.get("phase") or ""), str(m.get("op") or ""),
                                 aids, chunks))
            offset += len(got["ids"])
        out.sort(key=lambda e: (e.seq, e.id))
        return out

    def latest_seq(self) -> int:
        """The sequence number a full rebuild starting now may claim: the clock (entries after it are re-read)."""
        return time.time_ns()

    def trimmed_to(self) -> int:
        """Entries with a sequence number below this were deleted (0: never trimmed)."""
        # another process's trim is in Chroma's metadata, not in this handle's cached copy
        col = self.client.get_collection(self.name, embedding_function=None)
        return int((col.metadata or {}).get("trimmed_to") or 0)

    def trim(self, keep_s: float) -> int:
        """Delete entries older than ``keep_s`` seconds; returns how many were deleted.

        The trim point is written *before* the delete, so a reader never sees entries missing without
        also seeing that they were trimmed.
        """
        cutoff = time.time_ns() - int(keep_s * 10**9)
        old = self.collection.get(where={"seq": {"$lt": cutoff}}, include=[], limit=_PAGE)
        if not old["ids"]:
            return 0
        self.collection.modify(metadata={"trimmed_to": max(cutoff, self.trimmed_to()), "kind": "newsqa change log"})
        self.collection.delete(ids=old["ids"])
        return len(old["ids"])

    def count(self) -> int:
        """Entries held now."""
        return int(self.collection.count())
