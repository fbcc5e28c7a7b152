"""The keyword index: BM25 in tantivy, kept in step with Chroma one article at a time through the change log.

Local Chroma has no sparse index, so keyword search lives here, on the disk of each process's machine, and
Chroma stays the source of truth. Writes are incremental (issue #14): a write to the store appends
``begin``/``commit`` entries naming its articles to the change log (:mod:`rag.changelog`), and before a
search a process applies to its index only the entries it has not applied yet, by deleting those
articles' documents and adding what Chroma holds for them now. Nothing is rebuilt from scratch except by
``ingest --repair``, a new (or unreadable) index, a log trimmed past the index's position, or a backlog
larger than :attr:`KeywordIndex.rebuild_fraction` of the corpus (re-reading everything is then cheaper).

Why tantivy (``python -m rag.keyword_bench``, BENCHMARKS.md): BM25 within 0.001 MRR@10 of bm25s on PIAF
with the same stems, adding 100 articles to 100k chunks 1.1x the cost of adding them to an empty index
(bm25s: 64.8x, a full rebuild), query p95 4.5 ms at 1M chunks (SQLite FTS5: 320 ms).

What the index holds, in one tantivy index and so in one commit:

* one document per *visible* chunk: its stems (our Snowball stemming, :func:`rag.text.terms`, so query
  expansion across languages is unchanged), article id, outlet, language, day (YYYYMMDD) and people, so
  filters are clauses of the query, evaluated by the engine, not masks over every score;
* on each article's first chunk (or, for an article with only an incomplete version, on a document of
  its own) the article's ``info``: version, chunk count, metadata, people, quotes, near-duplicate
  signature and the ids of its hidden chunks (older or incomplete versions a crash left, which dense
  search must drop too, see :func:`visible_versions`);
* one state document: the log position (highest sequence number applied, the entry ids applied within
  :data:`rag.changelog.MARGIN_NS` of it, writes begun but not committed) and an ``epoch`` that changes on
  every rebuild. Applying entries and moving the position is therefore atomic: a process killed while
  applying leaves the previous commit, and the next one applies the same entries again (idempotent).

Several processes on one machine share the index directory: one applies at a time (tantivy's writer lock,
waited for at most ``lock_wait_s``; a process that cannot get it keeps serving what it has and retries at
its next search), the others reload. Each process keeps the article ``info`` in memory (quotes, people,
stories, hidden chunks) and refreshes only the articles named by entries it had not seen.

A write that began and never committed (its writer was killed) stays *open*: its articles are
re-read whenever the collection changes, so the index follows whatever that writer managed to write;
``--repair`` closes it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import tantivy

from rag.changelog import MARGIN_NS, ChangeLog, Entry
from rag.faults import crash_point
from rag.text import query_terms, terms

log = logging.getLogger(__name__)

FORMAT = 5
_QUERY_LANGS = ("fr", "en")  # a question is stemmed in both corpus languages (see rag.text.query_terms)
_BATCH = 200  # articles per Chroma read while applying: one `$in` query, a few thousand chunks
_OPEN_KEEP_NS = 3600 * 10**9  # a write still open after an hour was killed: re-read once more, then dropped
_LEGACY = ("bm25", "columns.json", "terms.json", "dates.npy", "meta.json")  # files of the bm25s design


@dataclass
class KeywordHit:
    """A keyword match: chunk id and its BM25 score."""

    chunk_id: str
    score: float


class KeywordBusy(RuntimeError):
    """Another process held the index's writer longer than the configured wait."""


class ChunkSource(Protocol):
    """What the index needs from the store: its log, and chunks by article."""

    log: ChangeLog

    def chunks_of(self, article_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """(chunk id, document, metadata) of every chunk of these articles, all versions."""
        ...

    def chunks_by_id(self, chunk_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """(chunk id, document, metadata) of those of these chunks that exist."""
        ...

    def all_article_ids(self) -> list[str]:
        """Every article id held in the collection (any version)."""
        ...


def visible_versions(metas: list[dict[str, Any]]) -> tuple[dict[str, int], set[str]]:
    """Newest complete version per article, and the articles that hold an incomplete version.

    A version is complete when it holds ``n_chunks`` chunks of one content hash. Chunks written before
    versioning carry no ``version``: they are version 0.
    """
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for meta in metas:
        groups.setdefault((str(meta.get("article_id")), int(meta.get("version") or 0)), []).append(meta)
    visible: dict[str, int] = {}
    partial: set[str] = set()
    for (aid, version), ms in groups.items():
        complete = len(ms) == int(ms[0].get("n_chunks", -1)) and len({m.get("content_hash") for m in ms}) == 1
        if not complete:
            partial.add(aid)
        elif version >= visible.get(aid, -1):
            visible[aid] = version
    return visible, partial


def quote_rows(chunk_id: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The quotes stored on one chunk, as rows of the quote index."""
    try:
        raw = json.loads(str(meta.get("quotes") or "[]"))
    except ValueError:
        return []
    return [{"speaker": q[0], "speaker_mention": q[1], "quote": q[2], "cue": q[3], "span": [q[4], q[5]],
             "kind": q[6], "article_id": str(meta.get("article_id", "")), "chunk_id": chunk_id,
             "title": str(meta.get("title") or ""), "date": meta.get("date") or None,
             "url": meta.get("url") or None, "source": meta.get("source") or None,
             "lang": str(meta.get("lang") or "und")} for q in raw if isinstance(q, list) and len(q) >= 7]


@dataclass(frozen=True)
class ArticleInfo:
    """What the index keeps in memory of one article (from the ``info`` stored on its first chunk)."""

    id: str
    version: int | None  # None: only an incomplete version is stored (nothing visible)
    chunks: int
    source: str
    day: int
    date: str | None
    lang: str
    people: tuple[str, ...]
    quotes: tuple[dict[str, Any], ...]
    sig: str | None
    hidden: tuple[str, ...]
    title: str = ""
    url: str | None = None

    def chunk_ids(self) -> list[str]:
        """Ids of the visible chunks (``<article>::<version>::<n>``, see :meth:`rag.store.Store._node`)."""
        return [] if self.version is None else [f"{self.id}::{self.version}::{i}" for i in range(self.chunks)]

    def to_json(self) -> bytes:
        """The stored form."""
        return json.dumps({"id": self.id, "v": self.version, "n": self.chunks, "source": self.source, "day": self.day,
                           "date": self.date, "lang": self.lang, "people": list(self.people),
                           "quotes": list(self.quotes), "sig": self.sig, "hidden": list(self.hidden),
                           "title": self.title, "url": self.url},
                          ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> ArticleInfo:
        """Read the stored form (data only; nothing is executed)."""
        d = json.loads(raw.decode("utf-8"))
        return cls(str(d["id"]), d["v"], int(d["n"]), str(d["source"]), int(d["day"]), d["date"], str(d["lang"]),
                   tuple(d["people"]), tuple(d["quotes"]), d["sig"], tuple(d["hidden"]), str(d.get("title") or ""),
                   d.get("url") or None)


@dataclass(frozen=True)
class Position:
    """How far an index (or a process's memory of it) has applied the change log."""

    seq: int = 0
    applied: frozenset[str] = frozenset()  # entry ids applied with seq within MARGIN_NS of `seq`
    open: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)  # op -> (begin seq, articles)
    epoch: str = ""
    stamp: str = ""  # new on every commit: re-reading open writes changes documents, not the log position

    def to_json(self) -> bytes:
        """The stored form."""
        return json.dumps({"format": FORMAT, "seq": self.seq, "applied": sorted(self.applied), "epoch": self.epoch,
                           "open": {k: [s, list(a)] for k, (s, a) in self.open.items()},
                           "stamp": self.stamp}).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Position | None:
        """Read the stored form; None for another format."""
        d = json.loads(raw.decode("utf-8"))
        if d.get("format") != FORMAT:
            return None
        return cls(int(d["seq"]), frozenset(d["applied"]),
                   {k: (int(v[0]), tuple(v[1])) for k, v in d["open"].items()}, str(d["epoch"]),
                   str(d.get("stamp") or ""))

    def after(self, entries: list[Entry]) -> Position:
        """The position once ``entries`` are applied too: open writes follow their begin/commit entries."""
        seq = max([self.seq, *(e.seq for e in entries)])
        applied = {i for i in self.applied} | {e.id for e in entries}
        seqs = {e.id: e.seq for e in entries}
        keep = {i for i in applied if seqs.get(i, _seq_of(i)) > seq - MARGIN_NS}
        opened = dict(self.open)
        for e in entries:
            if e.phase == "begin":
                opened.setdefault(e.op, (e.seq, e.article_ids))
        for e in entries:
            if e.phase == "commit":
                opened.pop(e.op, None)
        opened = {k: v for k, v in opened.items() if v[0] > seq - _OPEN_KEEP_NS}
        return Position(seq, frozenset(keep), opened, self.epoch, self.stamp)


def _open_aids(position: Position) -> set[str]:
    """Articles of the writes a position holds open."""
    return {a for _s, aa in position.open.values() for a in aa}


def _hints(entries: list[Entry], allowed: set[str]) -> dict[str, set[tuple[int, int]]]:
    """Article -> versions written, for the articles of ``allowed`` that every entry naming them hints."""
    out: dict[str, set[tuple[int, int]]] = {}
    unhinted: set[str] = set()
    for e in entries:
        for a in e.article_ids:
            if a in e.chunks:
                out.setdefault(a, set()).add(e.chunks[a])
            else:
                unhinted.add(a)
    return {a: v for a, v in out.items() if a in allowed and a not in unhinted}


def _seq_of(entry_id: str) -> int:
    """An entry id starts with its zero-padded sequence number (see :meth:`ChangeLog.append`)."""
    head = entry_id.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("chunk_id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("article_id", "kind", "head", "lang", "outlet", "people"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("day", indexed=True, fast=True)
    sb.add_text_field("terms", tokenizer_name="stems", index_option="freq")
    sb.add_bytes_field("info", stored=True)
    return sb.build()


class KeywordIndex:
    """BM25 over the visible chunks of one collection, applied incrementally from the change log."""

    def __init__(self, directory: Path, crash_at: str | None = None, lock_wait_s: float = 30.0,
                 rebuild_fraction: float = 0.5) -> None:
        self.directory = directory
        self.crash_at = crash_at
        self.lock_wait_s = lock_wait_s
        self.rebuild_fraction = rebuild_fraction
        self._lock = threading.RLock()
        self._index: Any = None
        self._schema: Any = None
        self._generation: str | None = None
        self._mem: Position | None = None
        self._arts: dict[str, ArticleInfo] = {}
        self._hidden: frozenset[str] = frozenset()
        self._stories: Any = None  # rag.stories.StoryIndex, built on first use
        self.rebuilds = 0  # full rebuilds this process made (benchmarks and tests read it)
        self.applied_articles = 0  # articles re-read incrementally by this process

    # --- reading -------------------------------------------------------------------------------------
    @property
    def generation(self) -> str | None:
        """The collection state this index was last synced with (None before the first sync)."""
        return self._generation

    @property
    def size(self) -> int:
        """Number of chunks in the index."""
        return sum(a.chunks for a in self._arts.values() if a.version is not None)

    @property
    def state_key(self) -> str:
        """Changes whenever this process's view of the index changes (a rebuild or any applied commit)."""
        return f"{self._mem.epoch}/{self._mem.stamp}" if self._mem else ""

    @property
    def has_open_writes(self) -> bool:
        """Does the index know of a write that began and has not committed (see :meth:`Store.sync_keyword`)?"""
        return bool(self._mem and self._mem.open)

    @property
    def hidden(self) -> frozenset[str]:
        """Chunk ids in Chroma that belong to no visible article version (stale or incomplete)."""
        return self._hidden

    def ids(self) -> list[str]:
        """Every chunk id the index on disk holds (read from its documents: for consistency checks)."""
        with self._lock:
            self._ensure_open()
            self._index.reload()
            searcher = self._index.searcher()
            query = tantivy.Query.term_query(self._schema, "kind", "c")
            n = searcher.search(query, 1, count=True).count or 0
            if not n:
                return []
            hits = searcher.search(query, n).hits
            return [str(searcher.doc(addr)["chunk_id"][0]) for _score, addr in hits]

    def disk_hidden(self) -> set[str]:
        """Hidden chunk ids as the index on disk records them (for consistency checks)."""
        with self._lock:
            self._ensure_open()
            self._index.reload()
            return {c for a in self._read_infos(None) for c in a.hidden}

    def articles(self) -> dict[str, ArticleInfo]:
        """Article id -> what the index keeps of it (visible and incomplete-only articles)."""
        return dict(self._arts)

    def vouch(self, article_ids: list[str]) -> dict[str, ArticleInfo | None]:
        """What this process's index holds of these articles: its info, or None for "not stored".

        Only articles the index can answer for are in the result: an article named by a write that began
        and has not committed (a writer at work, or one a crash stopped) may have chunks the index has
        not seen, so it is left out, as is everything before the first sync. The caller
        (:meth:`rag.store.Store.existing_hashes`) syncs first and reads the rest from Chroma.
        """
        with self._lock:
            if self._mem is None:
                return {}
            unsure = _open_aids(self._mem)
            return {aid: self._arts.get(aid) for aid in article_ids if aid not in unsure}

    def quote_rows(self) -> list[dict[str, Any]]:
        """Every quote of the visible articles with its article's metadata (the quote index)."""
        return [q for a in self._arts.values() if a.version is not None for q in a.quotes]

    def articles_with_person(self, names: set[str]) -> set[str]:
        """Ids of articles whose people (canonical names) include any of ``names``."""
        return {a.id for a in self._arts.values() if a.version is not None and names.intersection(a.people)}

    def people_of(self) -> dict[str, tuple[str, ...]]:
        """Article id -> its people (canonical names), for listings."""
        return {a.id: a.people for a in self._arts.values() if a.version is not None}

    def article_meta(self, article_id: str) -> tuple[str, int]:
        """(outlet, YYYYMMDD date) of an indexed article ('' and 0 when unknown)."""
        a = self._arts.get(article_id)
        return (a.source, a.day) if a is not None and a.version is not None else ("", 0)

    def story_of(self, article_id: str) -> str:
        """The story (near-duplicate group) of an article: its own id when it has no copies."""
        stories = self._story_index()
        return stories.story_of(article_id) if article_id in stories else article_id

    def story_members(self, story_id: str) -> list[str]:
        """Articles of one story."""
        return sorted(self._story_index().members(story_id))

    def has_term(self, term: str) -> bool:
        """Does stemmed ``term`` occur in any indexed chunk? (False before the first sync.)"""
        if self._index is None:
            return False
        return bool(self._index.searcher().doc_freq("terms", term))

    def search(self, question: str, k: int, where: dict[str, Any] | None = None) -> list[KeywordHit]:
        """Top ``k`` chunks for ``question`` by BM25, restricted by ``where`` inside the engine.

        ``where`` keys: ``sources``, ``langs``, ``article_ids``, ``people`` (lists) and ``date_from`` /
        ``date_to`` (YYYYMMDD; ``date_to`` excludes undated articles, as the dense side does).
        """
        if self._index is None or k <= 0:
            return []
        toks = query_terms(question, _QUERY_LANGS)
        if not toks:
            return []
        t, schema = tantivy, self._schema
        text = t.Query.boolean_query([(t.Occur.Should, t.Query.term_query(schema, "terms", x)) for x in toks])
        clauses = [(t.Occur.Must, text)] + [(t.Occur.Must, t.Query.const_score_query(q, 0.0))
                                            for q in self._filters(where)]
        query = text if len(clauses) == 1 else t.Query.boolean_query(clauses)
        searcher = self._index.searcher()
        hits = searcher.search(query, k).hits
        return [KeywordHit(str(searcher.doc(addr)["chunk_id"][0]), float(score)) for score, addr in hits if score > 0]

    def _filters(self, where: dict[str, Any] | None) -> list[Any]:
        if not where:
            return []
        t, schema = tantivy, self._schema
        out = [t.Query.term_set_query(schema, name, [str(v) for v in where[key]])
               for key, name in (("sources", "outlet"), ("langs", "lang"), ("article_ids", "article_id"),
                                 ("people", "people")) if where.get(key)]
        lo, hi = int(where.get("date_from") or 0), int(where.get("date_to") or 0)
        if lo or hi:
            out.append(t.Query.range_query(schema, "day", t.FieldType.Integer, max(lo, 1), hi or 99_991_231))
        return out

    # --- keeping up with the log ----------------------------------------------------------------------
    def sync(self, generation: str, source: ChunkSource, wait_s: float | None = None) -> bool:
        """Make the index match the collection at ``generation``; True when anything was applied or reloaded.

        ``generation`` (the store's change token and chunk count) is only the cheap "did anything change?"
        test: when it equals the last one seen, nothing is read. Otherwise the log says what changed.
        ``wait_s`` overrides how long to wait for another process's writer lock (a caller with another way
        to get its answer passes 0); when it runs out the index is served as it is and ``generation`` is
        not recorded.
        """
        with self._lock:
            if self._generation == generation and self._index is not None:
                return False
            self._ensure_open()
            try:
                self._catch_up(source, wait_s)
            except KeywordBusy as exc:  # keep serving the index as it is; the next search tries again
                (log.info if wait_s == 0 else log.warning)("%s", exc)
                self._refresh_memory(source)
                return False
            changed = self._refresh_memory(source)
            self._generation = generation
            return changed

    def rebuild(self, source: ChunkSource, reason: str) -> None:
        """Rebuild the whole index from Chroma (``--repair``), and say so in the change log."""
        with self._lock:
            self._ensure_open()
            with self._writer() as writer:
                self._rebuild(writer, source, reason)
            self._generation = None
            self._refresh_memory(source)

    def invalidate(self) -> None:
        """Forget what this process holds in memory so the next :meth:`sync` re-reads the index."""
        with self._lock:
            self._generation = None
            self._mem = None

    def disk_state(self, source: ChunkSource) -> tuple[Position | None, set[str]]:
        """The position saved on disk and the articles named by log entries it has not applied yet."""
        with self._lock:
            self._ensure_open()
            self._index.reload()
            disk = self._disk_position()
            if disk is None:
                return None, set()
            pending = [e for e in source.log.since(disk.seq - MARGIN_NS) if e.id not in disk.applied]
            aids = {a for e in pending for a in e.article_ids} | {a for _s, aa in disk.open.values() for a in aa}
            return disk, aids

    # --- internals -----------------------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self._index is not None:
            return
        path = self.directory / "index"
        for name in _LEGACY:  # the bm25s design's files: derived data, replaced by this index
            legacy = self.directory / name
            if legacy.is_dir():
                shutil.rmtree(legacy, ignore_errors=True)
            elif legacy.exists():
                legacy.unlink(missing_ok=True)
        path.mkdir(parents=True, exist_ok=True)
        self._schema = _schema()
        try:
            self._index = tantivy.Index(self._schema, path=str(path), reuse=True)
        except ValueError as exc:  # another schema (older format) or torn files: derived data, start again
            log.warning("keyword index at %s unreadable (%s); it will be rebuilt", path, exc)
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
            self._index = tantivy.Index(self._schema, path=str(path), reuse=False)
        self._index.register_tokenizer("stems", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())

    def _disk_position(self) -> Position | None:
        searcher = self._index.searcher()
        hits = searcher.search(tantivy.Query.term_query(self._schema, "kind", "s"), 1).hits
        if not hits:
            return None
        raw = searcher.doc(hits[0][1]).to_dict().get("info") or [b""]
        try:
            return Position.from_json(bytes(raw[0]))
        except (ValueError, KeyError, TypeError):
            return None

    def _writer(self, wait_s: float | None = None) -> _WriterLease:
        return _WriterLease(self._index, self.lock_wait_s if wait_s is None else wait_s)

    def _catch_up(self, source: ChunkSource, wait_s: float | None = None) -> None:
        """Apply to the index on disk what the log holds beyond its position (under the writer lock)."""
        self._index.reload()
        disk = self._disk_position()
        if disk is not None and not self._must_rebuild(disk, source) and not self._pending(disk, source)[0] \
                and not disk.open:
            return  # another process (or nobody) left nothing to do: no writer needed
        with self._writer(wait_s) as writer:
            self._index.reload()
            disk = self._disk_position()  # re-read: another process may have applied while we waited
            if disk is None or self._must_rebuild(disk, source):
                self._rebuild(writer, source, "new index" if disk is None else "log trimmed past this index")
                return
            pending, aids = self._pending(disk, source)
            aids |= _open_aids(disk)
            if not aids and not pending:
                return
            if len(aids) > 1000 and len(aids) > self.rebuild_fraction * max(len(self._arts), self._indexed_articles()):
                self._rebuild(writer, source, f"{len(aids)} articles behind")
                return
            self._apply(writer, source, sorted(aids), _hints(pending, aids - _open_aids(disk)))
            self._commit(writer, disk.after(pending))

    def _pending(self, disk: Position, source: ChunkSource) -> tuple[list[Entry], set[str]]:
        pending = [e for e in source.log.since(disk.seq - MARGIN_NS) if e.id not in disk.applied]
        return pending, {a for e in pending for a in e.article_ids}

    @staticmethod
    def _must_rebuild(disk: Position, source: ChunkSource) -> bool:
        return source.log.trimmed_to() > disk.seq

    def _indexed_articles(self) -> int:
        searcher = self._index.searcher()
        return int(searcher.search(tantivy.Query.term_query(self._schema, "head", "1"), 1, count=True).count or 0)

    def _apply(self, writer: Any, source: ChunkSource, article_ids: list[str],
               hints: dict[str, set[tuple[int, int]]] | None = None) -> None:
        """Replace the documents of these articles by what Chroma holds for them now.

        An article with ``hints`` (the versions its log entries wrote) is read by chunk id: the hinted
        versions' ids plus the ids the index already knows for it (its visible and hidden chunks), a key
        lookup whose cost does not grow with the collection. The others (deletes, repairs, writes left
        open by a crash, a rebuild) are read with a metadata query on their article ids.
        """
        hints = hints or {}
        for start in range(0, len(article_ids), _BATCH):
            group = article_ids[start:start + _BATCH]
            hinted = [a for a in group if a in hints]
            rows = source.chunks_of([a for a in group if a not in hints])
            if hinted:
                known = {a.id: a for a in self._read_infos(hinted)}
                ids: set[str] = set()
                for aid in hinted:
                    if aid in known:
                        ids.update(known[aid].chunk_ids())
                        ids.update(known[aid].hidden)
                    ids.update(f"{aid}::{v}::{i}" for v, n in hints[aid] for i in range(n))
                rows = rows + source.chunks_by_id(sorted(ids))
            per: dict[str, list[tuple[str, str, dict[str, Any]]]] = {a: [] for a in group}
            for cid, doc, meta in rows:
                per.setdefault(str(meta.get("article_id", "")), []).append((cid, doc, meta))
            for aid, mine in per.items():
                writer.delete_documents_by_term("article_id", aid)
                self._add_article(writer, aid, mine)
            self.applied_articles += len(group)

    def _add_article(self, writer: Any, aid: str, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        if not rows:
            return
        visible, _partial = visible_versions([m for _, _, m in rows])
        version = visible.get(aid)
        shown = sorted((r for r in rows if int(r[2].get("version") or 0) == version and version is not None),
                       key=lambda r: int(r[2].get("chunk_index", 0)))
        hidden = tuple(sorted(cid for cid, _, m in rows if version is None or int(m.get("version") or 0) != version))
        head = shown[0][2] if shown else rows[0][2]
        quotes = tuple(q for cid, _, m in shown for q in quote_rows(cid, m))
        people = tuple(p for p in str(head.get("people") or "").split("|") if p)
        info = ArticleInfo(aid, version, len(shown), str(head.get("source") or ""), int(head.get("date_num") or 0),
                           head.get("date") or None, str(head.get("lang") or "und"), people, quotes,
                           str(shown[0][2]["sig"]) if shown and shown[0][2].get("sig") else None, hidden,
                           str(head.get("title") or ""), head.get("url") or None)
        if not shown:  # only an incomplete version: a document of its own keeps its hidden chunk ids
            doc = tantivy.Document(article_id=aid, kind="a", head="1")
            doc.add_bytes("info", info.to_json())
            writer.add_document(doc)
            return
        for i, (cid, text, meta) in enumerate(shown):
            lang = str(meta.get("lang") or "und")
            doc = tantivy.Document(chunk_id=cid, article_id=aid, kind="c", lang=lang,
                                   outlet=str(meta.get("source") or ""), day=int(meta.get("date_num") or 0),
                                   terms=" ".join(terms(text or "", lang)))
            for p in people:
                doc.add_text("people", p)
            if i == 0:
                doc.add_text("head", "1")
                doc.add_bytes("info", info.to_json())
            writer.add_document(doc)

    def _rebuild(self, writer: Any, source: ChunkSource, reason: str) -> None:
        """Re-read every article from Chroma into an emptied index; the position starts at the clock now."""
        start = source.log.latest_seq()  # entries written during the rebuild are re-read afterwards: idempotent
        recent = [e for e in source.log.since(start - MARGIN_NS) if e.seq <= start]
        writer.delete_all_documents()
        self._apply(writer, source, sorted(source.all_article_ids()))
        position = Position(start, frozenset(e.id for e in recent), {}, uuid.uuid4().hex)
        self._commit(writer, position)
        self.rebuilds += 1
        log.info("keyword index rebuilt (%s)", reason)
        try:
            source.log.append("rebuild", position.epoch, [], note=f"{self.directory}: {reason}")
        except Exception as exc:  # a read-only log must not undo a good rebuild
            log.warning("could not record the rebuild in the change log: %s", exc)

    def _commit(self, writer: Any, position: Position) -> None:
        position = replace(position, stamp=uuid.uuid4().hex)
        writer.delete_documents_by_term("kind", "s")
        doc = tantivy.Document(kind="s")
        doc.add_bytes("info", position.to_json())
        writer.add_document(doc)
        crash_point("keyword_save", self.crash_at)
        writer.commit()
        self._index.reload()

    def _refresh_memory(self, source: ChunkSource) -> bool:
        """Bring this process's in-memory article info up to the index on disk; True if anything changed."""
        self._index.reload()
        disk = self._disk_position()
        if disk is None:
            changed = bool(self._arts)
            self._arts, self._hidden, self._stories, self._mem = {}, frozenset(), None, None
            return changed
        mem = self._mem
        if mem == disk:
            return False
        if mem is None or mem.epoch != disk.epoch:
            self._arts = {a.id: a for a in self._read_infos(None)}
            self._stories = None
        else:
            entries = [e for e in source.log.since(min(mem.seq, disk.seq) - MARGIN_NS) if e.id not in mem.applied]
            aids = {a for e in entries for a in e.article_ids}
            aids |= {a for _s, aa in (*mem.open.values(), *disk.open.values()) for a in aa}
            fresh = {a.id: a for a in self._read_infos(sorted(aids))}
            gone: set[str] = set()
            for aid in aids:
                old = self._arts.pop(aid, None)
                if old is not None:
                    gone.update(old.hidden)
                if aid in fresh:
                    self._arts[aid] = fresh[aid]
            if self._stories is not None:
                self._update_stories(aids)
            # only the changed articles' hidden chunks move: no pass over every article per write
            self._hidden = (self._hidden - gone) | {c for aid in aids if aid in fresh for c in fresh[aid].hidden}
            self._mem = disk
            return True
        self._hidden = frozenset(c for a in self._arts.values() for c in a.hidden)
        self._mem = disk
        return True

    def _read_infos(self, article_ids: list[str] | None) -> Iterable[ArticleInfo]:
        """Article info from the index: of these articles, or of all (None)."""
        t, schema = tantivy, self._schema
        searcher = self._index.searcher()
        heads = t.Query.term_query(schema, "head", "1")
        groups: list[Any] = [heads]
        if article_ids is not None:
            groups = [t.Query.boolean_query([(t.Occur.Must, heads), (t.Occur.Must, t.Query.term_set_query(
                schema, "article_id", article_ids[i:i + 1000]))]) for i in range(0, len(article_ids), 1000)]
            if not article_ids:
                return []
        out: list[ArticleInfo] = []
        for query in groups:
            n = searcher.search(query, 1, count=True).count or 0
            for _score, addr in (searcher.search(query, n).hits if n else []):
                out.append(ArticleInfo.from_json(bytes(searcher.doc(addr).to_dict()["info"][0])))
        return out

    def _story_index(self) -> Any:
        if self._stories is None:
            from rag.stories import StoryIndex

            index = StoryIndex()
            for a in sorted(self._arts.values(), key=lambda a: (a.date or "", a.id)):
                if a.sig and a.version is not None:
                    try:
                        index.add(a.id, a.sig, a.date)
                    except ValueError:
                        log.warning("unreadable near-duplicate signature for %s", a.id)
            self._stories = index
        return self._stories

    def _update_stories(self, article_ids: set[str]) -> None:
        index = self._stories
        for aid in sorted(article_ids):
            if aid in index:
                index.remove(aid)
            a = self._arts.get(aid)
            if a is not None and a.sig and a.version is not None:
                try:
                    index.add(a.id, a.sig, a.date)
                except ValueError:
                    log.warning("unreadable near-duplicate signature for %s", aid)


class _WriterLease:
    """The index's single writer, held for one apply: waited for at most ``wait_s``, released on exit."""

    def __init__(self, index: Any, wait_s: float) -> None:
        self.index = index
        self.wait_s = wait_s
        self.writer: Any = None

    def __enter__(self) -> Any:
        deadline = time.monotonic() + self.wait_s
        delay = 0.01
        while True:
            try:
                self.writer = self.index.writer(heap_size=50_000_000, num_threads=1)
                return self.writer
            except ValueError as exc:
                if "LockBusy" not in str(exc) and "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise KeywordBusy(f"keyword index writer busy for {self.wait_s:.0f} s (another process is "
                                      "applying changes); serving the index as it is") from exc
                time.sleep(delay)  # another process holds the lock file; tantivy offers no blocking acquire
                delay = min(delay * 2, 0.2)

    def __exit__(self, *exc: object) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            if exc[0] is not None:
                with contextlib.suppress(Exception):  # the lock is released below either way
                    writer.rollback()
            writer.wait_merging_threads()  # ends the writer and releases the lock file


__all__ = ["ArticleInfo", "ChunkSource", "KeywordBusy", "KeywordHit", "KeywordIndex", "Position", "quote_rows",
           "visible_versions"]
