"""The article store: one Chroma collection (source of truth) plus its derived BM25 index.

Writes go through llama-index's ``ChromaVectorStore`` (TextNodes with their embeddings). An article is
written as *one* ``collection.add`` of all its chunks, after its old chunks are deleted, so a crash
leaves it either as before, absent, or fully new, never half stored; re-running the ingest completes
it. :meth:`Store.check` finds anything else (a chunk set with gaps, a stale keyword index) and
:meth:`Store.repair` removes it.

Embedded (``PersistentClient`` on ``settings.store``) or server (``HttpClient``) by settings.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import chromadb
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.config import Settings
from rag.keyword import KeywordHit, KeywordIndex
from rag.models import Article, Chunk, Passage

log = logging.getLogger(__name__)
_PAGE = 2000


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says what to do."""


class EmbedderMismatch(StoreError):
    """The collection was built with another embedder than the one configured."""


@dataclass(frozen=True)
class ArticleInfo:
    """One row of the corpus listing."""

    id: str
    title: str
    source: str | None
    date: str | None
    lang: str
    url: str | None
    chunks: int
    content_hash: str


@dataclass(frozen=True)
class CheckReport:
    """Result of a consistency check between Chroma and the keyword index."""

    articles: int
    chunks: int
    partial_articles: list[str]
    keyword_missing: int
    keyword_orphans: int

    @property
    def ok(self) -> bool:
        """True when every article is complete and the keyword index matches Chroma exactly."""
        return not self.partial_articles and not self.keyword_missing and not self.keyword_orphans


def make_client(settings: Settings) -> Any:
    """A Chroma client: HTTP when ``NEWSQA_CHROMA_HOST`` is set, else embedded on the store dir."""
    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.server_mode:
        headers = {"Authorization": f"Bearer {settings.chroma_token}"} if settings.chroma_token else None
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host or "localhost", port=settings.chroma_port, headers=headers,
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(
                f"Chroma server at {settings.chroma_host}:{settings.chroma_port} is unreachable ({exc}). "
                "Start it (`chroma run`) or unset NEWSQA_CHROMA_HOST for the embedded store."
            ) from exc
    settings.store.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store / "chroma"), settings=chroma_settings)


class Store:
    """Chroma collection + keyword index for one embedder."""

    def __init__(self, settings: Settings, embedder_key: str | None, dim: int | None,
                 client: Any | None = None) -> None:
        """Open (or create) the collection. ``embedder_key=None`` opens it for listing/deleting only."""
        self.settings = settings
        self.client = client or make_client(settings)
        try:
            self.collection = self.client.get_or_create_collection(
                settings.collection,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": embedder_key or "unset", "dim": dim or 0, "generation": "empty"},
                embedding_function=None,
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {settings.collection!r} at {settings.store}: {exc}") from exc
        meta = self.collection.metadata or {}
        stored_key, stored_dim = str(meta.get("embedder", "unset")), int(meta.get("dim") or 0)
        if embedder_key is None:  # opened to list or delete: take the collection's embedder
            embedder_key, dim = stored_key, stored_dim
        elif stored_key == "unset":  # created empty by a list-only open: claim it
            self.collection.modify(metadata={"embedder": embedder_key, "dim": dim, "generation": "empty"})
        elif stored_key != embedder_key or stored_dim != dim:
            raise EmbedderMismatch(
                f"store {self.where_for(settings)} was built with embedder {stored_key!r} (dim {stored_dim}), "
                f"but settings ask for {embedder_key!r} (dim {dim}). Set NEWSQA_EMBED_MODEL={stored_key!r} "
                "to use it, or ingest into a new store (--store DIR) with the new model."
            )
        self.embedder_key: str = embedder_key
        self.dim: int = int(dim or 0)
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)
        keyword_dir = settings.store / "keyword" / settings.collection
        if settings.server_mode:
            keyword_dir = settings.store / "keyword" / f"{settings.chroma_host}_{settings.chroma_port}"
        self.keyword = KeywordIndex(keyword_dir)

    @property
    def where(self) -> str:
        """Human description of the store location."""
        return self.where_for(self.settings)

    @staticmethod
    def where_for(settings: Settings) -> str:
        """Human description of a store location."""
        if settings.server_mode:
            return f"chroma://{settings.chroma_host}:{settings.chroma_port}/{settings.collection}"
        return str(settings.store)

    # --- generation token (see rag.keyword) ---------------------------------------------------
    def generation(self) -> str:
        """The collection's current change token, read fresh from Chroma."""
        col = self.client.get_collection(self.settings.collection, embedding_function=None)
        return str((col.metadata or {}).get("generation", "empty"))

    def _bump(self) -> None:
        self.collection.modify(
            metadata={"embedder": self.embedder_key, "dim": self.dim, "generation": uuid.uuid4().hex}
        )

    def sync_keyword(self) -> bool:
        """Bring the keyword index in step with Chroma; True if it was rebuilt."""
        return self.keyword.sync(self.generation(), self._pages)

    def _pages(self) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got["documents"], got["metadatas"]
            offset += len(got["ids"])

    # --- writes ----------------------------------------------------------------------------------
    def existing_hash(self, article_id: str) -> tuple[str | None, int]:
        """Content hash of the stored article (None if absent, 'partial' if incomplete), chunk count."""
        return self.existing_hashes([article_id])[article_id]

    def existing_hashes(self, article_ids: list[str]) -> dict[str, tuple[str | None, int]]:
        """:meth:`existing_hash` for many articles in one Chroma read."""
        if not article_ids:
            return {}
        where = {"article_id": {"$in": list(article_ids)}} if len(article_ids) > 1 else {"article_id": article_ids[0]}
        got = self.collection.get(where=where, include=["metadatas"])
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for meta in got["metadatas"] or []:
            groups[str(meta.get("article_id"))].append(meta)
        out: dict[str, tuple[str | None, int]] = {}
        for aid in article_ids:
            metas = groups.get(aid, [])
            if not metas:
                out[aid] = (None, 0)
                continue
            hashes = {m.get("content_hash") for m in metas}
            complete = len(metas) == int(metas[0].get("n_chunks", -1)) and len(hashes) == 1
            out[aid] = (str(hashes.pop()) if complete else "partial", len(metas))
        return out

    def put_article(self, article: Article, chunks: list[Chunk], embeddings: Any) -> None:
        """Replace every chunk of ``article`` with ``chunks`` (one add: all or nothing)."""
        self.put_articles([(article, chunks, embeddings)])

    def put_articles(self, batch: list[tuple[Article, list[Chunk], Any]]) -> None:
        """Replace the chunks of several articles: one delete of their old chunks, then one add.

        The add is a single Chroma write, so after a crash each article of the batch is either
        absent (re-running the ingest adds it) or complete; never partial. One write per batch instead
        of per article is what keeps the pipeline close to the embedder's speed.
        """
        nodes: list[BaseNode] = [
            self._node(article, c, len(chunks), [float(x) for x in emb])
            for article, chunks, embeddings in batch
            for c, emb in zip(chunks, embeddings, strict=True)
        ]
        ids = [article.id for article, _, _ in batch]
        self.collection.delete(where={"article_id": {"$in": ids}} if len(ids) > 1 else {"article_id": ids[0]})
        if nodes:
            self.vectors.add(nodes)
        self._bump()

    def delete_article(self, article_id: str) -> int:
        """Delete all chunks of an article; returns how many were removed."""
        got = self.collection.get(where={"article_id": article_id}, include=[])
        if not got["ids"]:
            return 0
        self.collection.delete(ids=got["ids"])
        self._bump()
        return len(got["ids"])

    @staticmethod
    def _node(article: Article, chunk: Chunk, n_chunks: int, embedding: list[float]) -> TextNode:
        date_num = int(article.date.replace("-", "")[:8]) if article.date else 0
        node = TextNode(
            id_=chunk.id,
            text=chunk.text,
            embedding=embedding,
            metadata={
                "article_id": article.id,
                "title": article.title,
                "source": article.source or "",
                "url": article.url or "",
                "date": article.date or "",
                "date_num": date_num,
                "lang": article.lang,
                "chunk_index": chunk.index,
                "n_chunks": n_chunks,
                "start": chunk.start,
                "end": chunk.end,
                "content_hash": article.content_hash,
            },
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.id)
        return node

    # --- reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of chunks in the collection."""
        return int(self.collection.count())

    def list_articles(self) -> list[ArticleInfo]:
        """Every article in the store with its chunk count, sorted by date (newest first) then title."""
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                break
            for meta in got["metadatas"]:
                groups[str(meta.get("article_id"))].append(meta)
            offset += len(got["ids"])
        rows = []
        for aid, metas in groups.items():
            m = metas[0]
            rows.append(ArticleInfo(
                id=aid, title=str(m.get("title", "")), source=m.get("source") or None,
                date=m.get("date") or None, lang=str(m.get("lang", "und")), url=m.get("url") or None,
                chunks=len(metas), content_hash=str(m.get("content_hash", "")),
            ))
        rows.sort(key=lambda r: (r.date or "", r.title), reverse=True)
        return rows

    def dense_search(self, vector: list[float], k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        """Nearest chunks by cosine similarity, through llama-index's Chroma vector store."""
        # Chroma returns fewer results when k exceeds the collection size: no count() round trip per query.
        query = VectorStoreQuery(query_embedding=vector, similarity_top_k=k, filters=_filters(where))
        result = self.vectors.query(query)
        out = []
        for node, sim in zip(result.nodes or [], result.similarities or [], strict=False):
            out.append(Passage.from_meta(node.node_id, node.get_content(), node.metadata, dense=float(sim)))
        return out

    def keyword_search(self, question: str, k: int, where: dict[str, Any] | None = None) -> list[KeywordHit]:
        """BM25 hits, after making sure the keyword index matches the collection."""
        self.sync_keyword()
        return self.keyword.search(question, k, where)

    def passages(self, chunk_ids: list[str]) -> dict[str, Passage]:
        """Fetch chunks by id (for keyword hits the dense side did not return)."""
        if not chunk_ids:
            return {}
        got = self.collection.get(ids=chunk_ids, include=["documents", "metadatas"])
        return {cid: Passage.from_meta(cid, doc, meta)
                for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}

    def article_chunks(self, article_id: str) -> list[Passage]:
        """All chunks of one article in order (for showing context around a citation)."""
        got = self.collection.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        ps = [Passage.from_meta(c, d, m) for c, d, m in zip(got["ids"], got["documents"], got["metadatas"],
                                                           strict=True)]
        return sorted(ps, key=lambda p: p.start)

    # --- consistency -----------------------------------------------------------------------------
    def check(self) -> CheckReport:
        """Compare Chroma with itself (complete chunk sets) and with the keyword index."""
        per_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ids: set[str] = set()
        for page_ids, _docs, metas in self._pages():
            ids.update(page_ids)
            for meta in metas:
                per_article[str(meta.get("article_id"))].append(meta)
        partial = sorted(
            aid for aid, metas in per_article.items()
            if len(metas) != int(metas[0].get("n_chunks", -1)) or len({m.get("content_hash") for m in metas}) > 1
        )
        kw = set(self.keyword.saved_ids(self.generation()))  # what is on disk, not this process's copy
        return CheckReport(len(per_article), len(ids), partial, len(ids - kw), len(kw - ids))

    def repair(self) -> CheckReport:
        """Delete partial articles, rebuild the keyword index from Chroma; returns the new report."""
        report = self.check()
        for aid in report.partial_articles:
            self.collection.delete(where={"article_id": aid})
        self._bump()
        self.sync_keyword()
        return self.check()


def _filters(where: dict[str, Any] | None) -> MetadataFilters | None:
    """Our filter dict as llama-index metadata filters (translated to a Chroma ``where``)."""
    if not where:
        return None
    fs: list[MetadataFilter | MetadataFilters] = []
    if where.get("sources"):
        fs.append(MetadataFilter(key="source", value=list(where["sources"]), operator=FilterOperator.IN))
    if where.get("langs"):
        fs.append(MetadataFilter(key="lang", value=list(where["langs"]), operator=FilterOperator.IN))
    if where.get("date_from"):
        fs.append(MetadataFilter(key="date_num", value=int(where["date_from"]), operator=FilterOperator.GTE))
    if where.get("date_to"):
        fs.append(MetadataFilter(key="date_num", value=int(where["date_to"]), operator=FilterOperator.LTE))
    if where.get("article_ids"):
        fs.append(MetadataFilter(key="article_id", value=list(where["article_ids"]), operator=FilterOperator.IN))
    return MetadataFilters(filters=fs) if fs else None
