"""BM25 keyword index (bm25s + Snowball stemmers), derived from Chroma and kept in step with it.

Local Chroma has no sparse index, so keyword search lives here. Chroma stays the source of truth:

* every write to the collection (add, update, delete) stores a fresh random ``generation`` token in
  the collection's metadata, after the chunks are written;
* this index records the generation it was built from; before a search, :meth:`KeywordIndex.sync`
  compares it with the collection's (one metadata read) and rebuilds from Chroma's documents when
  they differ. The index is never rebuilt per query, only after the corpus changed.

Because the token travels with the collection, several processes (two app instances and an ingest
job against one Chroma server) all converge on the same corpus. The built index is saved next to the
store so a restart loads it instead of re-tokenising everything.

To avoid re-stemming the whole corpus on each rebuild, the stemmed terms of every chunk are cached on
disk keyed by chunk id and content hash; a rebuild only tokenises chunks it has not seen.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from rag.text import query_terms, terms

log = logging.getLogger(__name__)
_EMPTY = "\x00empty"  # bm25s cannot index an empty document; this token never matches a query


@dataclass
class KeywordHit:
    """A keyword match: chunk id and its BM25 score."""

    chunk_id: str
    score: float


@dataclass
class _Built:
    generation: str
    ids: list[str]
    article_ids: np.ndarray
    sources: np.ndarray
    langs: np.ndarray
    dates: np.ndarray  # YYYYMMDD ints, 0 when unknown
    bm25: bm25s.BM25 | None
    langset: tuple[str, ...] = field(default=("fr", "en"))


class KeywordIndex:
    """BM25 over all chunks of one collection, rebuilt from Chroma only when the corpus changed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.RLock()
        self._built: _Built | None = None
        self._term_cache: dict[str, tuple[str, list[str]]] | None = None

    # ---------------------------------------------------------------------------------------
    @property
    def generation(self) -> str | None:
        """The collection generation this index was built from (None before the first build)."""
        return self._built.generation if self._built else None

    @property
    def size(self) -> int:
        """Number of chunks in the index."""
        return len(self._built.ids) if self._built else 0

    def ids(self) -> list[str]:
        """All chunk ids in the index (for consistency checks)."""
        return list(self._built.ids) if self._built else []

    def has_term(self, term: str) -> bool:
        """Does stemmed ``term`` occur in any indexed chunk? (False before the first build.)"""
        built = self._built
        return bool(built and built.bm25 and term in built.bm25.vocab_dict)

    def saved_ids(self, generation: str) -> list[str]:
        """Chunk ids of the index saved on disk for ``generation`` (empty if none or stale)."""
        built = self._read_saved(generation)
        return list(built.ids) if built else []

    def sync(self, generation: str, fetch_all: Any) -> bool:
        """Make the index match the collection at ``generation``; True when it had to rebuild.

        ``fetch_all()`` yields ``(ids, documents, metadatas)`` pages of the whole collection.
        """
        with self._lock:
            if self._built and self._built.generation == generation:
                return False
            if self._built is None and self._load(generation):
                return False
            self._rebuild(generation, fetch_all)
            return True

    def search(self, question: str, k: int, where: dict[str, Any] | None = None) -> list[KeywordHit]:
        """Top ``k`` chunks for ``question`` by BM25, restricted by ``where`` (see :meth:`_mask`)."""
        built = self._built
        if built is None or built.bm25 is None or not built.ids:
            return []
        tokens = query_terms(question, built.langset)
        if not tokens:
            return []
        vocab = built.bm25.vocab_dict
        ids = [vocab[t] for t in tokens if t in vocab]
        if not ids:
            return []
        scores = built.bm25.get_scores_from_ids(ids)
        mask = self._mask(built, where)
        if mask is not None:
            scores = scores * mask
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [KeywordHit(built.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # ---------------------------------------------------------------------------------------
    @staticmethod
    def _mask(built: _Built, where: dict[str, Any] | None) -> np.ndarray | None:
        """Filters as a 0/1 weight vector: sources, langs (lists), date_from/date_to (YYYYMMDD)."""
        if not where:
            return None
        mask = np.ones(len(built.ids), dtype=np.float32)
        if where.get("sources"):
            mask *= np.isin(built.sources, list(where["sources"]))
        if where.get("langs"):
            mask *= np.isin(built.langs, list(where["langs"]))
        if where.get("date_from"):
            mask *= built.dates >= int(where["date_from"])
        if where.get("date_to"):
            mask *= (built.dates <= int(where["date_to"])) & (built.dates > 0)
        if where.get("article_ids"):
            mask *= np.isin(built.article_ids, list(where["article_ids"]))
        return mask

    def _rebuild(self, generation: str, fetch_all: Any) -> None:
        cache = self._load_term_cache()
        ids: list[str] = []
        corpus: list[list[str]] = []
        article_ids: list[str] = []
        sources: list[str] = []
        langs: list[str] = []
        dates: list[int] = []
        fresh: dict[str, tuple[str, list[str]]] = {}
        for page_ids, docs, metas in fetch_all():
            for cid, doc, meta in zip(page_ids, docs, metas, strict=True):
                meta = meta or {}
                lang = str(meta.get("lang") or "und")
                key = str(meta.get("content_hash", "")) + lang
                cached = cache.get(cid)
                toks = cached[1] if cached and cached[0] == key else terms(doc or "", lang)
                fresh[cid] = (key, toks)
                ids.append(cid)
                corpus.append(toks or [_EMPTY])
                article_ids.append(str(meta.get("article_id", "")))
                sources.append(str(meta.get("source") or ""))
                langs.append(lang)
                dates.append(int(meta.get("date_num") or 0))
        bm25 = None
        if corpus:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        corpus_langs = tuple(sorted({lang for lang in langs if lang in ("fr", "en")} | {"fr", "en"}))
        self._built = _Built(
            generation=generation,
            ids=ids,
            article_ids=np.array(article_ids, dtype=object),
            sources=np.array(sources, dtype=object),
            langs=np.array(langs, dtype=object),
            dates=np.array(dates, dtype=np.int64),
            bm25=bm25,
            langset=corpus_langs,
        )
        self._term_cache = fresh
        self._save()

    # --- persistence ---------------------------------------------------------------------------
    def _load_term_cache(self) -> dict[str, tuple[str, list[str]]]:
        if self._term_cache is None:
            self._term_cache = {}
            path = self.directory / "terms.pkl"
            if path.exists():
                try:
                    with path.open("rb") as fh:
                        self._term_cache = pickle.load(fh)
                except Exception:  # a torn cache is only a lost speed-up
                    log.warning("keyword term cache unreadable; re-tokenising")
        return self._term_cache

    def _save(self) -> None:
        """Write index + cache to a temp dir, then swap it in, so a crash never leaves a torn index."""
        built = self._built
        if built is None:
            return
        try:
            self.directory.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".keyword-", dir=self.directory.parent))
            with (tmp / "built.pkl").open("wb") as fh:
                pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
            with (tmp / "terms.pkl").open("wb") as fh:
                pickle.dump(self._term_cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
            (tmp / "meta.json").write_text(json.dumps({"generation": built.generation, "n": len(built.ids)}))
            old = self.directory.with_name(self.directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.directory.exists():
                os.replace(self.directory, old)
            os.replace(tmp, self.directory)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # read-only store or concurrent swap: the in-memory index still serves
            log.warning("could not save keyword index: %s", exc)

    def _load(self, generation: str) -> bool:
        built = self._read_saved(generation)
        if built is not None:
            self._built = built
        return built is not None

    def _read_saved(self, generation: str) -> _Built | None:
        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            if meta.get("generation") != generation:
                return None
            with (self.directory / "built.pkl").open("rb") as fh:
                built: _Built = pickle.load(fh)
            return built
        except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
