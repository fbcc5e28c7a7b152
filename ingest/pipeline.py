"""The ingest pipeline: reader -> cleaner -> chunker -> embedder -> store, one article at a time.

Articles stream through; each is compared with what the store holds (content hash) and is then
``unchanged``, ``added`` or ``updated`` (old chunks replaced in one step), or ``failed`` with a reason.
The keyword index is brought in step once at the end of a batch, not per article.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ingest.analyse import analyse_articles
from ingest.chunk import chunk_text
from ingest.readers import Failure, Item
from rag.config import Settings
from rag.embeddings import Embedder
from rag.models import Article, Chunk
from rag.nlp import PARSE_CACHE_SIZE
from rag.store import Store
from rag.stories import signature

log = logging.getLogger(__name__)
Status = Literal["added", "updated", "unchanged", "failed"]


@dataclass
class ItemResult:
    """The outcome for one input article."""

    id: str
    title: str
    status: Status
    reason: str | None = None
    chunks: int = 0
    input: str = ""  # the path, URL or "path:line" it came from, to match results to inputs
    missing: tuple[str, ...] = ()  # metadata the reader could not find

    @classmethod
    def of(cls, article: Article, status: Status, reason: str | None = None, chunks: int = 0) -> ItemResult:
        """The result for ``article``, carrying its input and missing metadata."""
        return cls(article.id, article.title, status, reason, chunks, article.origin, article.missing)

    def to_json(self) -> dict[str, Any]:
        """JSON shape used by ``python -m ingest --json``."""
        data = asdict(self)
        if data["reason"] is None:
            del data["reason"]
        data["missing"] = list(self.missing)
        return data


@dataclass
class IngestReport:
    """Per-item results and totals of one ingest run."""

    results: list[ItemResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many items ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return self.count("failed") == 0

    def to_json(self) -> dict[str, Any]:
        """``{"added", "updated", "unchanged", "failed", "articles": [...]}``."""
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "articles": [r.to_json() for r in self.results],
        }

    def summary(self) -> str:
        """One line: added / updated / unchanged / failed."""
        return (f"added {self.count('added')}, updated {self.count('updated')}, "
                f"unchanged {self.count('unchanged')}, failed {self.count('failed')}")


ProgressFn = Callable[[ItemResult], None]


class Ingestor:
    """Runs the pipeline against one store with one embedder."""

    def __init__(self, settings: Settings, embedder: Embedder, store: Store) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store

    def ingest(self, items: Iterable[Item], progress: ProgressFn | None = None) -> IngestReport:
        """Store every article of ``items``; failures are recorded, never raised.

        Articles are taken in groups of about ``write_batch_chunks`` chunks (and at most half the NLP
        parse cache's articles, so quote extraction finds each parse): one read tells which are unchanged,
        the rest are analysed, embedded and written with one add (see :meth:`Store.put_articles`), so an
        article is never partial, even after a crash. The group is a write's size, not the embedder's
        batch: Chroma's add costs less per chunk in big batches, and the gap grows with the collection
        (eight adds of 65 chunks cost 3.2 s at 1M chunks, one of 500 costs 1.4 s; BENCHMARKS.md, #14).
        A bigger group means progress is reported, and a failed write fails, a group at a time.
        """
        report = IngestReport()
        pending: list[_Pending] = []

        def flush() -> None:
            for result in self._flush(pending):
                report.results.append(result)
                if progress:
                    progress(result)
            pending.clear()

        try:
            for item in items:
                ready = self._prepare(item)
                if isinstance(ready, ItemResult):
                    report.results.append(ready)
                    if progress:
                        progress(ready)
                    continue
                if any(p.article.id == ready.article.id for p in pending):
                    flush()  # the same id twice: the earlier version is stored first, then replaced
                pending.append(ready)
                if sum(len(p.chunks) for p in pending) >= self.settings.write_batch_chunks \
                        or len(pending) >= PARSE_CACHE_SIZE // 2:
                    flush()
            flush()
        finally:
            if report.results:
                self.store.sync_keyword()
        return report

    def _prepare(self, item: Item) -> _Pending | ItemResult:
        """Chunk one item; an ItemResult when it cannot be stored."""
        if isinstance(item, Failure):
            return ItemResult(id=item.source, title=item.title or item.source, status="failed", reason=item.reason,
                              input=item.source)
        chunks = chunk_text(item.id, item.text, self.settings.chunk_words, self.settings.chunk_overlap_sentences)
        if not chunks:
            return ItemResult.of(item, "failed", "no text to index after cleaning")
        return _Pending(item, chunks)

    def _flush(self, group: list[_Pending]) -> list[ItemResult]:
        if not group:
            return []
        try:
            old = self.store.existing_hashes([p.article.id for p in group])
        except Exception as exc:  # store unreachable: this group fails, the batch goes on
            return [ItemResult.of(p.article, "failed", f"{type(exc).__name__}: {exc}") for p in group]
        results: list[ItemResult] = []
        todo: list[_Pending] = []
        for p in group:  # ids are unique within a group (see ingest)
            state = old[p.article.id]
            if state.content_hash == p.article.content_hash and state.version is not None:
                if state.leftovers:  # a crash left an older or partial version: the re-run removes it
                    self.store.drop_leftovers(p.article.id, state.version)
                results.append(ItemResult.of(p.article, "unchanged"))
                continue
            p.status = "added" if state.content_hash is None else "updated"
            todo.append(p)
        if not todo:
            return results
        # The title is embedded with each chunk: a passage often needs its headline to be found.
        texts = [f"{p.article.title}\n{c.text}" for p in todo for c in p.chunks]
        notes = analyse_articles([p.article for p in todo]) if self.settings.nlp_at_ingest else {}
        try:
            vectors = self.embedder.embed_texts(texts)
            batch, offset = [], 0
            for p in todo:
                batch.append((p.article, p.chunks, vectors[offset:offset + len(p.chunks)]))
                offset += len(p.chunks)
            sigs = {p.article.id: signature(p.article.text).to_str() for p in todo}
            self.store.put_articles(batch, notes, sigs, {p.article.id: old[p.article.id] for p in todo})
        except Exception as exc:  # the group's single write failed: none of its articles landed
            log.exception("embedding or store write failed")
            return results + [ItemResult.of(p.article, "failed", f"{type(exc).__name__}: {exc}") for p in todo]
        return results + [ItemResult.of(p.article, p.status, chunks=len(p.chunks)) for p in todo]


@dataclass
class _Pending:
    """An article chunked and waiting for its embeddings."""

    article: Article
    chunks: list[Chunk]
    status: Status = "added"
