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

from ingest.chunk import chunk_text
from ingest.readers import Failure, Item
from rag.config import Settings
from rag.embeddings import Embedder
from rag.models import Article
from rag.store import Store

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

    def to_json(self) -> dict[str, Any]:
        """JSON shape used by ``python -m ingest --json``."""
        data = asdict(self)
        if data["reason"] is None:
            del data["reason"]
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
        """Store every article of ``items``; failures are recorded, never raised."""
        report = IngestReport()
        try:
            for item in items:
                result = self._one(item)
                report.results.append(result)
                if progress:
                    progress(result)
        finally:
            if report.results:
                self.store.sync_keyword()
        return report

    def _one(self, item: Item) -> ItemResult:
        if isinstance(item, Failure):
            return ItemResult(id=item.source, title=item.title or item.source, status="failed", reason=item.reason)
        try:
            return self._store_article(item)
        except Exception as exc:  # a store or model error fails this article, not the batch
            log.exception("ingest of %s failed", item.id)
            return ItemResult(item.id, item.title, "failed", f"{type(exc).__name__}: {exc}")

    def _store_article(self, article: Article) -> ItemResult:
        old_hash, _ = self.store.existing_hash(article.id)
        if old_hash == article.content_hash:
            return ItemResult(article.id, article.title, "unchanged")
        chunks = chunk_text(article.id, article.text, self.settings.chunk_words,
                            self.settings.chunk_overlap_sentences)
        if not chunks:
            return ItemResult(article.id, article.title, "failed", "no text to index after cleaning")
        # The title is embedded with each chunk: a passage often needs its headline to be found.
        vectors = self.embedder.embed_texts([f"{article.title}\n{c.text}" for c in chunks])
        self.store.put_article(article, chunks, vectors)
        status: Status = "added" if old_hash is None else "updated"
        return ItemResult(article.id, article.title, status, chunks=len(chunks))
