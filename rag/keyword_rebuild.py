"""The previous keyword index design (bm25s, full rebuild on every change), kept for ``rag bench --scale``.

The product uses :mod:`rag.keyword` (tantivy, incremental through the change log). This module is the
design it replaced, unchanged but for its name, so the benchmark measures both the same way, side by side.

Original description follows.

Local Chroma has no sparse index, so keyword search lives here. Chroma stays the source of truth:

* every write to the collection stores a fresh random ``generation`` token in the collection's
  metadata *before* it writes chunks and again *after* (see :meth:`rag.store.Store.put_articles`);
* this index records the state it was built from, the pair (generation, chunk count); before a search,
  :meth:`KeywordIndex.sync` compares it with the collection's (one metadata read and one count) and
  rebuilds from Chroma's documents when they differ. A writer killed between its writes therefore still
  leaves a token no index was built from, and the count catches a reader that synced in between. The
  index is never rebuilt per query, only after the corpus changed.

Only the *visible* version of each article is indexed: chunks carry a ``version`` (the write that made
them), and an article's visible version is its newest complete one (see :func:`visible_versions`). Older
or incomplete versions (left by a crash between writing a new version and deleting the old one) are
listed in :attr:`KeywordIndex.hidden` so dense search can drop them too.

Because the token travels with the collection, several processes (two app instances and an ingest
job against one Chroma server) all converge on the same corpus. The built index is saved next to the
store, as data files only (bm25s's numpy/JSON format, JSON lists; never pickle: a store directory is
shared data and loading it must not run code), so a restart loads it instead of re-tokenising everything.
To avoid re-stemming the whole corpus on each rebuild, the stemmed terms of every chunk are cached on
disk keyed by chunk id and content hash; a rebuild only tokenises chunks it has not seen.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from rag.faults import crash_point
from rag.keyword import KeywordHit, visible_versions
from rag.keyword import quote_rows as _quote_rows
from rag.text import query_terms, terms

log = logging.getLogger(__name__)
_EMPTY = "\x00empty"  # bm25s cannot index an empty document; this token never matches a query


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
    hidden: frozenset[str] = field(default=frozenset())  # chunk ids of non-visible versions
    people: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # "|A|B|" per chunk
    quotes: list[dict[str, Any]] = field(default_factory=list)  # the quote index (see quote_rows)
    stories: dict[str, str] = field(default_factory=dict)  # article id -> story id (rag/stories.py)


def _stories(sigs: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """Story of every article with a signature: near-duplicates grouped (rag/stories.py), rebuilt with the
    index so it follows every write; an unreadable signature leaves its article a story of its own."""
    from rag.stories import StoryIndex

    index = StoryIndex()
    for aid, sig, day in sigs:
        try:
            index.add(aid, sig, day)
        except ValueError:
            log.warning("unreadable near-duplicate signature for %s", aid)
    return {aid: index.story_of(aid) for aid, _, _ in sigs if aid in index}


class RebuildKeywordIndex:
    """BM25 over all chunks of one collection, rebuilt from Chroma only when the corpus changed."""

    def __init__(self, directory: Path, crash_at: str | None = None) -> None:
        self.directory = directory
        self.crash_at = crash_at
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

    def quote_rows(self) -> list[dict[str, Any]]:
        """Every quote of the visible articles with its article's metadata (the quote index)."""
        return list(self._built.quotes) if self._built else []

    def articles_with_person(self, names: set[str]) -> set[str]:
        """Ids of articles whose people (canonical names) include any of ``names``."""
        built = self._built
        if built is None or not names:
            return set()
        hit = np.array([any(f"|{n}|" in str(p) for n in names) for p in built.people], dtype=bool)
        return set(built.article_ids[hit].tolist()) if len(hit) else set()

    def story_of(self, article_id: str) -> str:
        """The story (near-duplicate group) of an article: its own id when it has no copies."""
        return self._built.stories.get(article_id, article_id) if self._built else article_id

    def article_meta(self, article_id: str) -> tuple[str, int]:
        """(outlet, YYYYMMDD date) of an indexed article ('' and 0 when unknown)."""
        built = self._built
        if built is None:
            return "", 0
        hit = np.flatnonzero(built.article_ids == article_id)
        return (str(built.sources[hit[0]]), int(built.dates[hit[0]])) if len(hit) else ("", 0)

    def story_members(self, story_id: str) -> list[str]:
        """Articles of one story."""
        built = self._built
        return sorted(a for a, s in built.stories.items() if s == story_id) if built else []

    def people_of(self) -> dict[str, tuple[str, ...]]:
        """Article id -> its people (canonical names), for listings."""
        built = self._built
        if built is None:
            return {}
        return {str(a): tuple(x for x in str(p).split("|") if x)
                for a, p in zip(built.article_ids.tolist(), built.people.tolist(), strict=True)}

    @property
    def hidden(self) -> frozenset[str]:
        """Chunk ids in Chroma that belong to no visible article version (stale or incomplete)."""
        return self._built.hidden if self._built else frozenset()

    def has_term(self, term: str) -> bool:
        """Does stemmed ``term`` occur in any indexed chunk? (False before the first build.)"""
        built = self._built
        return bool(built and built.bm25 and term in built.bm25.vocab_dict)

    def saved_state(self, generation: str) -> tuple[list[str], list[str]] | None:
        """(indexed ids, hidden ids) of the index saved on disk for ``generation``; None if none or stale."""
        built = self._read_saved(generation)
        return (list(built.ids), sorted(built.hidden)) if built else None

    def invalidate(self) -> None:
        """Forget the built index (memory and disk) so the next :meth:`sync` rebuilds from Chroma."""
        with self._lock:
            self._built = None
            (self.directory / "meta.json").unlink(missing_ok=True)  # the term cache stays: it is keyed by content

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
        rows: list[tuple[str, str, dict[str, Any]]] = []
        for page_ids, docs, metas in fetch_all():
            rows.extend((cid, doc or "", meta or {}) for cid, doc, meta in zip(page_ids, docs, metas, strict=True))
        visible, _partial = visible_versions([m for _, _, m in rows])
        ids: list[str] = []
        corpus: list[list[str]] = []
        article_ids: list[str] = []
        sources: list[str] = []
        langs: list[str] = []
        dates: list[int] = []
        people: list[str] = []
        quotes: list[dict[str, Any]] = []
        sigs: list[tuple[str, str, str | None]] = []
        hidden: set[str] = set()
        fresh: dict[str, tuple[str, list[str]]] = {}
        for cid, doc, meta in rows:
            aid = str(meta.get("article_id", ""))
            if visible.get(aid) != int(meta.get("version") or 0):
                hidden.add(cid)
                continue
            lang = str(meta.get("lang") or "und")
            key = str(meta.get("content_hash", "")) + lang
            cached = cache.get(cid)
            toks = cached[1] if cached and cached[0] == key else terms(doc, lang)
            fresh[cid] = (key, toks)
            ids.append(cid)
            corpus.append(toks or [_EMPTY])
            article_ids.append(aid)
            sources.append(str(meta.get("source") or ""))
            langs.append(lang)
            dates.append(int(meta.get("date_num") or 0))
            people.append(f"|{meta.get('people') or ''}|")
            quotes.extend(_quote_rows(cid, meta))
            if meta.get("sig"):
                sigs.append((aid, str(meta["sig"]), meta.get("date") or None))
        del rows
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
            hidden=frozenset(hidden),
            people=np.array(people, dtype=object),
            quotes=quotes,
            stories=_stories(sigs),
        )
        self._term_cache = fresh
        self._save()

    # --- persistence ---------------------------------------------------------------------------
    def _load_term_cache(self) -> dict[str, tuple[str, list[str]]]:
        if self._term_cache is None:
            self._term_cache = {}
            path = self.directory / "terms.json"
            if path.exists():
                try:
                    raw = json.loads(path.read_text(encoding="utf-8"))
                    self._term_cache = {cid: (str(v[0]), list(v[1])) for cid, v in raw.items()}
                except (OSError, ValueError, TypeError, IndexError):  # a torn cache is only a lost speed-up
                    log.warning("keyword term cache unreadable; re-tokenising")
        return self._term_cache

    def _save(self) -> None:
        """Write index + cache to a temp dir, then swap it in, so a crash never leaves a torn index.

        A crash between the two renames leaves no index directory: the next process rebuilds from Chroma.
        """
        built = self._built
        if built is None:
            return
        try:
            self.directory.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".keyword-", dir=self.directory.parent))
            if built.bm25 is not None:
                built.bm25.save(str(tmp / "bm25"))
            columns = {"ids": built.ids, "article_ids": built.article_ids.tolist(),
                       "sources": built.sources.tolist(), "langs": built.langs.tolist(),
                       "hidden": sorted(built.hidden), "langset": list(built.langset),
                       "people": built.people.tolist(), "quotes": built.quotes, "stories": built.stories}
            (tmp / "columns.json").write_text(json.dumps(columns, ensure_ascii=False), encoding="utf-8")
            np.save(tmp / "dates.npy", built.dates, allow_pickle=False)
            (tmp / "terms.json").write_text(json.dumps(self._term_cache or {}, ensure_ascii=False), encoding="utf-8")
            (tmp / "meta.json").write_text(json.dumps({"format": 4, "generation": built.generation,
                                                       "n": len(built.ids)}))
            old = self.directory.with_name(self.directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.directory.exists():
                os.replace(self.directory, old)
            crash_point("keyword_save", self.crash_at)
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
        """The saved index if it was built for ``generation``; data formats only, nothing executed."""
        try:
            meta = json.loads((self.directory / "meta.json").read_text())
            if meta.get("format") != 4 or meta.get("generation") != generation:
                return None
            cols = json.loads((self.directory / "columns.json").read_text(encoding="utf-8"))
            dates = np.load(self.directory / "dates.npy", allow_pickle=False)
            bm25 = bm25s.BM25.load(str(self.directory / "bm25"), allow_pickle=False) if cols["ids"] else None
            return _Built(
                generation=generation, ids=list(cols["ids"]),
                article_ids=np.array(cols["article_ids"], dtype=object),
                sources=np.array(cols["sources"], dtype=object), langs=np.array(cols["langs"], dtype=object),
                dates=dates.astype(np.int64), bm25=bm25, langset=tuple(cols["langset"]),
                hidden=frozenset(cols["hidden"]), people=np.array(cols["people"], dtype=object),
                quotes=list(cols["quotes"]), stories=dict(cols["stories"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
