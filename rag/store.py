"""The article store: one Chroma collection (source of truth) plus its derived BM25 index.

Writes go through llama-index's ``ChromaVectorStore`` (TextNodes with their embeddings). Chunks are
*versioned*: a write gives every chunk of its batch the same new ``version`` (ids
``<article>::<version>::<n>``), adds them in one ``collection.add``, and only then deletes the
articles' older versions. An article's visible version is its newest complete one, so a crash at any
point leaves each article old or new, never half, and never both to a reader (retrieval hides the
other version, see :func:`rag.keyword.visible_versions`); re-running the ingest removes what a crash
left over. The change token is bumped before and after every write so the keyword index can tell it
is stale even when the writer died in between. :meth:`Store.check` finds anything else (a chunk set
with gaps, a keyword index that disagrees with Chroma) and :meth:`Store.repair` removes it.

Embedded (``PersistentClient`` on ``settings.store``) or server (``HttpClient``) by settings.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
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

from rag.changelog import ChangeLog
from rag.config import Settings
from rag.faults import crash_point
from rag.keyword import ArticleInfo as IndexedArticle
from rag.keyword import KeywordHit, KeywordIndex, visible_versions
from rag.models import Article, ArticleNotes, Chunk, Passage

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
class StoredState:
    """What the store holds of one article: its visible version's hash, chunk count, and leftovers."""

    content_hash: str | None  # None: absent (or only incomplete versions)
    chunks: int
    version: int | None
    leftovers: bool  # stale or incomplete versions a crash left behind


@dataclass(frozen=True)
class CheckReport:
    """Result of a consistency check between Chroma and the keyword index.

    ``keyword_stale`` means the saved keyword index was built from an older state of the collection:
    not an inconsistency (the next search rebuilds it, because the change token differs), so the
    missing/orphan counts are then computed against the index that rebuild produces.
    ``stale_versions`` counts articles with an older complete version still stored (hidden from search)
    after a crash between writing a new version and deleting the old; a re-run or ``--repair`` removes them.
    """

    articles: int
    chunks: int
    partial_articles: list[str]
    keyword_missing: int
    keyword_orphans: int
    keyword_stale: bool = False
    stale_versions: int = 0

    @property
    def ok(self) -> bool:
        """True when every article is complete and the keyword index matches Chroma exactly."""
        return not self.partial_articles and not self.keyword_missing and not self.keyword_orphans


class StoreMissing(RuntimeError):
    """A reading command was pointed at a store that does not exist."""


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


def store_exists(settings: Settings) -> bool:
    """Does the configured store exist? (A reading command must not create an empty one by a typo.)"""
    if settings.server_mode:
        try:
            make_client(settings).get_collection(settings.collection, embedding_function=None)
        except StoreError:
            raise
        except Exception:
            return False
        return True
    return (settings.store / "chroma" / "chroma.sqlite3").exists()


class Store:
    """Chroma collection + keyword index for one embedder."""

    def __init__(self, settings: Settings, embedder_key: str | None, dim: int | None,
                 client: Any | None = None, create: bool = True) -> None:
        """Open (or create) the collection. ``embedder_key=None`` opens it for listing/deleting only.

        ``create=False`` is for reading commands: a missing store is a :class:`StoreError` naming the
        path, instead of a new empty store at a mistyped path.
        """
        self.settings = settings
        if not create and not store_exists(settings):
            raise StoreError(f"no store at {self.where_for(settings)}: check --store / NEWSQA_STORE "
                             "(ingest an article to create one)")
        self.client = client or make_client(settings)
        try:
            self.collection = self.client.get_or_create_collection(
                settings.collection,
                configuration={"hnsw": {"space": "cosine", "sync_threshold": settings.hnsw_sync_threshold}},
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
        self._adopt_sync_threshold()
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)
        keyword_dir = settings.store / "keyword" / settings.collection
        if settings.server_mode:
            keyword_dir = settings.store / "keyword" / f"{settings.chroma_host}_{settings.chroma_port}"
        self.keyword = KeywordIndex(keyword_dir, settings.crash_at, settings.keyword_lock_wait_s,
                                    settings.keyword_rebuild_fraction)
        try:
            self.log = ChangeLog(self.client, settings.collection)
        except Exception as exc:
            raise StoreError(f"cannot open the change log of {settings.collection!r}: {exc}") from exc

    def _adopt_sync_threshold(self) -> None:
        """Give a collection made before ``hnsw_sync_threshold`` existed (or with another value) the setting's.

        Chroma lets this part of the configuration change after creation; a failure only costs speed, so it
        is logged, never raised.
        """
        want = self.settings.hnsw_sync_threshold
        try:
            have = (self.collection.configuration or {}).get("hnsw", {}).get("sync_threshold")
            if have != want:
                self.collection.modify(configuration={"hnsw": {"sync_threshold": want}})
        except Exception as exc:
            log.warning("could not set the collection's hnsw sync_threshold to %s: %s", want, exc)

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
    def generation(self, with_count: bool = True) -> str:
        """The collection's state key, read fresh from Chroma: change token, and chunk count unless told not.

        The count makes a keyword index built between a writer's first token and its chunk writes stale,
        even if that writer was killed before writing its closing token. It costs a scan (67 ms at 1M
        chunks, BENCHMARKS.md), so :meth:`sync_keyword` asks for it only while a write is open.
        """
        col = self.client.get_collection(self.settings.collection, embedding_function=None)
        token = str((col.metadata or {}).get("generation", "empty"))
        return f"{token}/{col.count()}" if with_count else token

    def _bump(self) -> None:
        self.collection.modify(
            metadata={"embedder": self.embedder_key, "dim": self.dim, "generation": uuid.uuid4().hex}
        )

    def sync_keyword(self) -> bool:
        """Bring the keyword index in step with Chroma (the log entries it has not applied); True if it changed.

        The change token alone says whether to read the log, except while the index knows of a write that
        began and has not committed: that writer may be adding chunks without bumping the token again (or
        have died doing so), so the chunk count joins the key until the write commits or ``--repair``.
        """
        return self.keyword.sync(self.generation(with_count=self.keyword.has_open_writes), self)

    def chunks_of(self, article_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, document, metadata) of every stored chunk of these articles, every version (one Chroma read)."""
        if not article_ids:
            return []
        got = self.collection.get(where=_ids_where(article_ids), include=["documents", "metadatas"])
        return [(cid, doc or "", meta or {}) for cid, doc, meta in
                zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)]

    def chunks_by_id(self, chunk_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, document, metadata) of these chunks that exist (a key lookup in Chroma)."""
        if not chunk_ids:
            return []
        got = self.collection.get(ids=chunk_ids, include=["documents", "metadatas"])
        return [(cid, doc or "", meta or {}) for cid, doc, meta in
                zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)]

    def all_article_ids(self) -> list[str]:
        """Every article id in the collection, any version (a metadata scan: for rebuilds and checks)."""
        seen: set[str] = set()
        for _ids, _docs, page in self._pages(include=["metadatas"]):
            seen.update(str(m.get("article_id")) for m in page if m)
        return sorted(seen)

    def _begin(self, article_ids: list[str], hints: dict[str, tuple[int, int]] | None = None) -> str:
        """Log the write's articles, then bump the change token, before touching them (see rag.changelog).

        In this order a reader that sees the new token also sees the ``begin`` entry, and from then on keys
        its syncs on the chunk count too (:meth:`sync_keyword`), so a writer that dies before its closing
        token cannot leave a reader's index silently behind.
        """
        op = self.log.new_op()
        self.log.append("begin", op, article_ids, chunks=hints)
        self._bump()
        return op

    def _commit(self, op: str, article_ids: list[str], hints: dict[str, tuple[int, int]] | None = None) -> None:
        """Log the write as complete and bump the token; trim entries older than the settings keep."""
        self.log.append("commit", op, article_ids, chunks=hints)
        self._bump()
        try:
            self.log.trim(self.settings.change_log_keep_s)
        except Exception as exc:  # the write is done; an untrimmed log only costs space
            log.warning("could not trim the change log: %s", exc)

    def _pages(self, include: list[str] | None = None) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        include = include or ["documents", "metadatas"]
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got.get("documents") or [], got["metadatas"]
            offset += len(got["ids"])

    # --- writes ----------------------------------------------------------------------------------
    def existing_hash(self, article_id: str) -> StoredState:
        """What the store holds of one article (see :class:`StoredState`)."""
        return self.existing_hashes([article_id])[article_id]

    def existing_hashes(self, article_ids: list[str]) -> dict[str, StoredState]:
        """:meth:`existing_hash` for many articles: by chunk id where the keyword index can vouch, else one query.

        The keyword index, synced first, knows each stored article's visible version, chunk count and
        leftovers, so a stored article is confirmed with a key lookup of its chunk ids (which also gives its
        content hash) and an absent one needs no read at all. Only articles it cannot answer for (a write
        to them is open, the index is busy or missing, or Chroma disagrees with it) are read with the
        metadata query, which scans the collection: 0.1 s per call at 1M chunks, against ~1 ms by id.
        """
        if not article_ids:
            return {}
        out = self._states_by_id(article_ids)
        rest = [aid for aid in article_ids if aid not in out]
        if rest:
            out.update(self._states_by_scan(rest))
        return {aid: out[aid] for aid in article_ids}

    def _states_by_id(self, article_ids: list[str]) -> dict[str, StoredState]:
        """The articles whose state the synced keyword index vouches for, confirmed by chunk id in Chroma."""
        try:
            generation = self.generation(with_count=self.keyword.has_open_writes)
            # no wait for another process's writer (its catch-up, or a rebuild): the scan answers meanwhile
            self.keyword.sync(generation, self, wait_s=0.0)
            if self.keyword.generation != generation:  # the index may be behind
                return {}
            infos = self.keyword.vouch(article_ids)
        except Exception as exc:  # the scan below answers without it
            log.warning("keyword index could not tell what is stored (%s); reading Chroma", exc)
            return {}
        out: dict[str, StoredState] = {}
        stored: dict[str, IndexedArticle] = {}
        for aid, info in infos.items():
            if info is None:
                out[aid] = StoredState(content_hash=None, chunks=0, version=None, leftovers=False)
            elif info.version is not None:  # an incomplete-only article is left to the scan
                stored[aid] = info
        if stored:
            got = self.collection.get(ids=[c for info in stored.values() for c in info.chunk_ids()],
                                      include=["metadatas"])
            per: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for meta in got["metadatas"] or []:
                if meta:
                    per[str(meta.get("article_id"))].append(meta)
            for aid, info in stored.items():
                metas = per.get(aid, [])
                if len(metas) != info.chunks or not metas[0].get("content_hash"):
                    continue  # Chroma changed behind the index (or an old row lacks its hash): scan it
                out[aid] = StoredState(content_hash=str(metas[0]["content_hash"]), chunks=info.chunks,
                                       version=info.version, leftovers=bool(info.hidden))
        return out

    def _states_by_scan(self, article_ids: list[str]) -> dict[str, StoredState]:
        """Every article's state read with one metadata query over its chunks (every version)."""
        got = self.collection.get(where=_ids_where(article_ids), include=["metadatas"])
        metas = [m for m in got["metadatas"] or [] if m]
        visible, partial = visible_versions(metas)
        per: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for meta in metas:
            per[str(meta.get("article_id"))].append(meta)
        out: dict[str, StoredState] = {}
        for aid in article_ids:
            version = visible.get(aid)
            shown = [m for m in per.get(aid, []) if int(m.get("version") or 0) == version]
            out[aid] = StoredState(
                content_hash=str(shown[0].get("content_hash")) if shown else None, chunks=len(shown),
                version=version, leftovers=aid in partial or len(per.get(aid, [])) > len(shown),
            )
        return out

    def put_article(self, article: Article, chunks: list[Chunk], embeddings: Any) -> None:
        """Write a new version of ``article`` (see :meth:`put_articles`)."""
        self.put_articles([(article, chunks, embeddings)])

    def put_articles(self, batch: list[tuple[Article, list[Chunk], Any]],
                     notes: dict[str, ArticleNotes] | None = None, signatures: dict[str, str] | None = None,
                     previous: Mapping[str, StoredState] | None = None) -> None:
        """Write a new version of several articles: token, one add, delete older versions, token.

        The add is a single Chroma write of every chunk of the batch under one new version number, and
        older versions are deleted only after it, so an update that fails or is killed leaves the old
        version; one write per batch instead of per article keeps the pipeline close to the embedder's
        speed. Crash points (rag/faults.py) sit between the steps.

        ``previous`` is what the caller has just read of these articles (the pipeline's
        :meth:`existing_hashes`). An article read as absent has no older version to delete; one read with
        a single complete version has its chunks deleted by id (a key lookup); only the others (not read,
        or with leftovers) are deleted with the metadata query, which scans the collection (0.13 s at 1M
        chunks whatever it finds). A concurrent writer of the same article between that read and this
        write would leave its version beside ours, never lose either: the newest complete version is the
        visible one and ``--check`` reports the other as stale (``--repair`` or the next ingest of that
        article deletes it).
        """
        version = time.time_ns()
        nodes: list[BaseNode] = [
            self._node(article, c, len(chunks), [float(x) for x in emb], version)
            for article, chunks, embeddings in batch
            for c, emb in zip(chunks, embeddings, strict=True)
        ]
        for (article, chunks, _emb), group in zip(batch, _split(nodes, [len(c) for _, c, _ in batch]), strict=True):
            _record_gaps(article.text, chunks, group)
            _record_notes((notes or {}).get(article.id), chunks, group)
            if signatures and article.id in signatures and group:  # near-duplicate signature, on the first chunk
                group[0].metadata["sig"] = signatures[article.id]
        ids = [article.id for article, _, _ in batch]
        hints = {article.id: (version, len(chunks)) for article, chunks, _ in batch}
        op = self._begin(ids, hints)
        crash_point("before_add", self.settings.crash_at)
        if nodes:
            self.vectors.add(nodes)
        crash_point("after_add", self.settings.crash_at)
        known, scan = _old_chunk_ids(ids, previous or {})
        if known:
            self.collection.delete(ids=known)
        if scan:
            self.collection.delete(where={"$and": [_ids_where(scan), {"version": {"$ne": version}}]})
        crash_point("after_delete", self.settings.crash_at)
        self._commit(op, ids, hints)
        crash_point("after_bump", self.settings.crash_at)

    def drop_leftovers(self, article_id: str, keep_version: int) -> None:
        """Delete every version of an article but ``keep_version`` (what a crash left behind)."""
        op = self._begin([article_id])
        self.collection.delete(where={"$and": [{"article_id": article_id}, {"version": {"$ne": keep_version}}]})
        self._commit(op, [article_id])

    def delete_article(self, article_id: str) -> int:
        """Delete all chunks of an article; returns how many were removed."""
        got = self.collection.get(where={"article_id": article_id}, include=[])
        if not got["ids"]:
            return 0
        op = self._begin([article_id])
        self.collection.delete(ids=got["ids"])
        self._commit(op, [article_id])
        return len(got["ids"])

    @staticmethod
    def _node(article: Article, chunk: Chunk, n_chunks: int, embedding: list[float], version: int) -> TextNode:
        date_num = int(article.date.replace("-", "")[:8]) if article.date else 0
        node = TextNode(
            id_=f"{article.id}::{version}::{chunk.index}",
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
                "version": version,
                "author": article.author or "",
            },
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.id)
        return node

    # --- reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of chunks in the collection."""
        return int(self.collection.count())

    def list_articles(self) -> list[ArticleInfo]:
        """Every article (visible version) with its chunk count, sorted by date (newest first) then title."""
        metas: list[dict[str, Any]] = []
        for _ids, _docs, page in self._pages(include=["metadatas"]):
            metas.extend(m for m in page if m)
        visible, _partial = visible_versions(metas)
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for meta in metas:
            aid = str(meta.get("article_id"))
            if visible.get(aid) == int(meta.get("version") or 0):
                groups[aid].append(meta)
        rows = []
        for aid, ms in groups.items():
            m = ms[0]
            rows.append(ArticleInfo(
                id=aid, title=str(m.get("title", "")), source=m.get("source") or None,
                date=m.get("date") or None, lang=str(m.get("lang", "und")), url=m.get("url") or None,
                chunks=len(ms), content_hash=str(m.get("content_hash", "")),
            ))
        rows.sort(key=lambda r: (r.date or "", r.title), reverse=True)
        return rows

    def dense_search(self, vector: list[float], k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        """Nearest chunks by cosine similarity, through llama-index's Chroma vector store."""
        # Chroma returns fewer results when k exceeds the collection size: no count() round trip per query.
        # Versions a crash left behind are hidden (the keyword index knows them); ask for a few more to fill k.
        self.sync_keyword()
        hidden = self.keyword.hidden
        if where and where.get("people"):  # Chroma metadata values are scalars: people become article ids here
            ids = self.keyword.articles_with_person(set(where["people"]))
            if where.get("article_ids"):
                ids &= set(where["article_ids"])
            if not ids:
                return []
            where = {**{k: v for k, v in where.items() if k != "people"}, "article_ids": sorted(ids)}
        query = VectorStoreQuery(query_embedding=vector, similarity_top_k=k + min(len(hidden), k),
                                 filters=_filters(where))
        result = self.vectors.query(query)
        out = []
        for node, sim in zip(result.nodes or [], result.similarities or [], strict=False):
            # No metadata: deleted by another process after this one's HNSW index was loaded (embedded mode).
            if node.node_id not in hidden and "article_id" in (node.metadata or {}):
                out.append(Passage.from_meta(node.node_id, node.get_content(), node.metadata, dense=float(sim)))
        return out[:k]

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

    def get_article(self, article_id: str) -> Article | None:
        """The visible version of one stored article, its text rebuilt exactly from its chunks."""
        got = self.collection.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        return _rebuild_article(list(zip(got["documents"] or [], got["metadatas"] or [], strict=True)))

    def iter_articles(self) -> Iterator[Article]:
        """Every stored article (visible version), in id order, one Chroma read per article."""
        for info in sorted(self.list_articles(), key=lambda r: r.id):
            article = self.get_article(info.id)
            if article is not None:
                yield article

    def article_chunks(self, article_id: str) -> list[Passage]:
        """All chunks of one article in order (for showing context around a citation)."""
        got = self.collection.get(where={"article_id": article_id}, include=["documents", "metadatas"])
        visible, _ = visible_versions([m for m in got["metadatas"] or [] if m])
        ps = [Passage.from_meta(c, d, m) for c, d, m in zip(got["ids"], got["documents"], got["metadatas"],
                                                           strict=True)
              if visible.get(article_id) == int(m.get("version") or 0)]
        return sorted(ps, key=lambda p: p.start)

    # --- consistency -----------------------------------------------------------------------------
    def check(self) -> CheckReport:
        """Compare Chroma with itself (complete chunk sets) and with the keyword index on disk.

        Reads the saved index, not this process's memory, because that is what the next process loads.
        Articles named by log entries the index has not applied yet are compared as the next search will
        see them (it re-reads exactly those articles); ``keyword_stale`` says such entries exist.
        """
        all_ids: set[str] = set()
        metas: list[dict[str, Any]] = []
        id_of: list[str] = []
        for page_ids, _docs, page in self._pages(include=["metadatas"]):
            all_ids.update(page_ids)
            id_of.extend(page_ids)
            metas.extend(m or {} for m in page)
        visible, partial = visible_versions(metas)
        shown = {cid for cid, m in zip(id_of, metas, strict=True)
                 if visible.get(str(m.get("article_id"))) == int(m.get("version") or 0)}
        stale_articles = {str(m.get("article_id")) for cid, m in zip(id_of, metas, strict=True)
                          if cid not in shown and str(m.get("article_id")) not in partial}
        disk, pending = self.keyword.disk_state(self)
        kw_stale = disk is None or bool(pending) or self.log.trimmed_to() > disk.seq
        if disk is None:
            indexed, hidden = shown, all_ids - shown
        else:
            aid_of = {cid: str(m.get("article_id")) for cid, m in zip(id_of, metas, strict=True)}
            mine = {c for c in shown if aid_of[c] not in pending}
            indexed = {c for c in self.keyword.ids() if c.split("::", 1)[0] not in pending} | (shown - mine)
            held = self.keyword.disk_hidden()
            hidden = {c for c in held if c.split("::", 1)[0] not in pending} | \
                {c for c in all_ids - shown if aid_of[c] in pending}
        missing = len(shown - indexed)
        orphans = len(indexed - shown) + len(hidden ^ (all_ids - shown))
        return CheckReport(len(visible), len(all_ids), sorted(partial), missing, orphans, kw_stale,
                           len(stale_articles))

    def repair(self) -> CheckReport:
        """Delete partial and stale versions, rebuild the keyword index from Chroma; returns the new report."""
        metas: list[dict[str, Any]] = []
        for _ids, _docs, page in self._pages(include=["metadatas"]):
            metas.extend(m or {} for m in page)
        visible, _partial = visible_versions(metas)
        versions: dict[str, set[int]] = defaultdict(set)
        for m in metas:
            versions[str(m.get("article_id"))].add(int(m.get("version") or 0))
        touched = sorted(aid for aid, held in versions.items() if aid not in visible or held != {visible[aid]})
        op = self._begin(touched) if touched else ""
        for aid in touched:
            if aid not in visible:
                self.collection.delete(where={"article_id": aid})
            else:
                self.collection.delete(where={"$and": [{"article_id": aid}, {"version": {"$ne": visible[aid]}}]})
        if touched:
            self._commit(op, touched)
        self.keyword.rebuild(self, "ingest --repair")
        self.sync_keyword()
        return self.check()


def _split(items: list[BaseNode], sizes: list[int]) -> Iterator[list[BaseNode]]:
    start = 0
    for n in sizes:
        yield items[start:start + n]
        start += n


def _record_gaps(text: str, chunks: list[Chunk], nodes: list[BaseNode]) -> None:
    """Store on each chunk the text between the previous chunk and it (and after the last one).

    Chunks cover whole sentences, not the whitespace between paragraphs; with these gaps the article's
    cleaned text is rebuilt exactly from its chunks (``ingest --show``/``--export``), with no second copy.
    """
    covered = 0
    for chunk, node in zip(chunks, nodes, strict=True):
        node.metadata["gap"] = text[covered:chunk.start] if chunk.start > covered else ""
        covered = max(covered, chunk.end)
    if nodes:
        nodes[-1].metadata["tail"] = text[covered:]


def _record_notes(notes: ArticleNotes | None, chunks: list[Chunk], nodes: list[BaseNode]) -> None:
    """Entities and quotes of the article on its chunks, written in the same add as the text.

    ``ents``: the mentions inside the chunk, ``[label, start, end, canonical]`` in article offsets;
    ``quotes``: each quote once, on the first chunk holding its start; ``people``: the article's people,
    ``|``-separated, on every chunk (Chroma metadata values are scalars).
    """
    if notes is None:
        return
    people = "|".join(notes.people)
    placed: set[int] = set()
    for chunk, node in zip(chunks, nodes, strict=True):
        ents = [list(m) for m in notes.mentions if chunk.start <= m[1] and m[2] <= chunk.end]
        mine = []
        for i, q in enumerate(notes.quotes):
            if i not in placed and chunk.start <= q.start < chunk.end:
                placed.add(i)
                mine.append([q.speaker, q.speaker_mention, q.quote, q.cue, q.start, q.end, q.kind])
        node.metadata["ents"] = json.dumps(ents, ensure_ascii=False)
        node.metadata["quotes"] = json.dumps(mine, ensure_ascii=False)
        node.metadata["people"] = people


def _rebuild_article(rows: list[tuple[str, dict[str, Any]]]) -> Article | None:
    """The article of the visible version among ``rows`` (document, metadata), or None."""
    metas = [m for _, m in rows if m]
    visible, _ = visible_versions(metas)
    if not visible:
        return None
    [(aid, version)] = visible.items()
    mine = sorted(((d, m) for d, m in rows if m and int(m.get("version") or 0) == version),
                  key=lambda r: int(r[1].get("chunk_index", 0)))
    text = ""
    for doc, meta in mine:
        text += str(meta.get("gap") or "")
        start = int(meta.get("start", 0))
        text = text[:start] + doc  # overlapping sentences are the same characters
    text += str(mine[-1][1].get("tail") or "")
    m = mine[0][1]
    return Article(id=aid, title=str(m.get("title", "")), text=text, url=m.get("url") or None,
                   date=m.get("date") or None, lang=str(m.get("lang") or "und"), source=m.get("source") or None,
                   author=m.get("author") or None)


def _old_chunk_ids(article_ids: list[str], previous: Mapping[str, StoredState]) -> tuple[list[str], list[str]]:
    """The older chunks a write replaces: (chunk ids known from ``previous``, articles to delete by query)."""
    known: list[str] = []
    scan: list[str] = []
    for aid in article_ids:
        state = previous.get(aid)
        if state is None or state.leftovers:
            scan.append(aid)
        elif state.version is not None:
            known.extend(f"{aid}::{state.version}::{i}" for i in range(state.chunks))
    return known, scan


def _ids_where(article_ids: list[str]) -> dict[str, Any]:
    """A Chroma ``where`` matching the chunks of these articles."""
    return {"article_id": {"$in": list(article_ids)}} if len(article_ids) > 1 else {"article_id": article_ids[0]}


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
