"""Incremental BM25 keyword index on SQLite FTS5, with filters evaluated inside the query.

Why this engine (issue #14; figures and method in :mod:`rag.keyword_bench`): the bm25s index of
:mod:`rag.keyword` is rebuilt from every chunk whenever the collection changes, so adding one article to
a store of N chunks costs O(N). Here a write touches only the chunks it names, inside one SQLite
transaction, and the index lives in one file that a crash cannot tear.

Layout (one SQLite file):

* ``chunk``: one row per chunk (``id`` is the FTS rowid): chunk id, article id, language, outlet and day
  (YYYYMMDD, 0 when unknown): the columns filters read, kept narrow so the per-match join stays in cache
  (2x faster filtered queries at 100k chunks than with the terms in the same row);
* ``body``: the chunk's stemmed terms, space-joined: the content of ``fts``;
* ``fts``: an FTS5 *external-content* table over ``body.terms``: the postings live in FTS5, the terms
  once, in ``body`` (FTS5 needs the old terms to delete a row; the raw text stays in Chroma);
* ``person``: (name, chunk rowid) pairs, for the people filter;
* ``meta``: key/value pairs a caller writes in the same transaction as a change (e.g. the last applied
  log sequence number), so the index always says exactly which changes it holds.

Tokenisation is not FTS5's: terms come from :func:`rag.text.terms` (folded, stopwords removed, Snowball
stem of the chunk's language), the very terms bm25s indexes today, and a question becomes an OR of the
quoted stems of :func:`rag.text.query_terms` (FTS5's default is AND). The stems are lowercase ``\\w+``
runs, which FTS5 never reads as syntax (its keywords are uppercase); the quotes are defence in depth
should the term function ever change. FTS5's ``unicode61`` tokenizer only re-splits them on spaces;
``_`` is made a token character because ``\\w`` (which :func:`rag.text.words` splits on) includes it.

Ranking is FTS5's built-in ``bm25()`` (k1 = 1.2, b = 0.75, Robertson IDF floored at 1e-6) where bm25s uses
k1 = 1.5 and Lucene's IDF; on PIAF (all 7,569 questions, keyword only) MRR@10 is 0.7226 here vs 0.7192 with
bm25s (rag.keyword_bench). The price is query time: FTS5 scores every chunk matching any query term (no
top-k pruning): 5-9 ms p50 / 21-31 ms p95 at 100k chunks (bm25s: 0.6 / 0.8-3 ms), 85 / 320 ms at 1M,
where tantivy takes 0.9 / 4.5 ms; the module docstring of rag.keyword_bench says why FTS5 all the same.
Filters are SQL conditions on ``chunk`` joined by rowid in the same statement, so ``LIMIT k`` returns
the k best chunks *that pass the filter* (masking after a top-k would return fewer, or none).

Concurrency: WAL mode, so readers (other processes too) never block on a writer; writes take SQLite's
write lock with ``BEGIN IMMEDIATE`` and wait up to ``busy_timeout`` for another writer. ``synchronous =
NORMAL``: a power loss may drop the last committed transactions but never tears one, and the ``meta``
row written with each change says which were kept.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from rag.text import query_terms, terms

SCHEMA = "1"  # stored in meta['schema']; a file of another schema is refused, the caller rebuilds it
QUERY_LANGS = ("fr", "en")  # a question is stemmed in both, as rag.keyword does for every corpus
_BUSY_MS = 10_000

_DDL = (
    """CREATE TABLE IF NOT EXISTS chunk(
        id INTEGER PRIMARY KEY,
        chunk_id TEXT NOT NULL UNIQUE,
        article_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        outlet TEXT NOT NULL,
        day INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS chunk_article ON chunk(article_id)",
    "CREATE TABLE IF NOT EXISTS body(id INTEGER PRIMARY KEY, terms TEXT NOT NULL)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
        terms, content='body', content_rowid='id',
        tokenize="unicode61 remove_diacritics 0 tokenchars '_'")""",
    "CREATE TABLE IF NOT EXISTS person(name TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(name, id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS person_chunk ON person(id)",
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_IN_IDS = "SELECT value FROM json_each(?)"


@dataclass(frozen=True)
class ChunkRow:
    """One chunk as the keyword index sees it: its text and the metadata filters apply to."""

    chunk_id: str
    article_id: str
    text: str
    language: str = "und"
    outlet: str = ""
    date: str | None = None  # ISO date (YYYY-MM-DD...) or None
    people: tuple[str, ...] = ()  # canonical names of the article's people


def day_number(value: str | int | None) -> int:
    """YYYYMMDD as an int (0 when unknown), from an ISO date string or an int already in that form."""
    if value is None or value == "":
        return 0
    if isinstance(value, int):
        return value
    digits = value.replace("-", "")[:8]
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


@dataclass(frozen=True)
class Filter:
    """Restrictions evaluated inside the search; an empty field restricts nothing.

    Lists match any of their values; dates are inclusive and, like the Chroma filter, a chunk of unknown
    date passes ``date_from``/``date_to`` never.
    """

    outlets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    date_from: str | int | None = None  # ISO date or YYYYMMDD int
    date_to: str | int | None = None
    article_ids: tuple[str, ...] = ()
    people: tuple[str, ...] = ()  # the chunk's article names any of them

    @classmethod
    def from_where(cls, where: Mapping[str, Any] | None) -> Filter | None:
        """The filter of a retriever ``where`` dict (sources, langs, date_from, date_to, article_ids, people)."""
        if not where:
            return None
        return cls(outlets=tuple(where.get("sources") or ()), languages=tuple(where.get("langs") or ()),
                   date_from=where.get("date_from") or None, date_to=where.get("date_to") or None,
                   article_ids=tuple(where.get("article_ids") or ()), people=tuple(where.get("people") or ()))

    def sql(self) -> tuple[str, list[Any]]:
        """SQL conditions on ``chunk c`` (each starting with AND) and their parameters."""
        parts: list[str] = []
        params: list[Any] = []
        for column, values in (("c.outlet", self.outlets), ("c.lang", self.languages),
                               ("c.article_id", self.article_ids)):
            if values:
                parts.append(f" AND {column} IN ({_IN_IDS})")
                params.append(json.dumps(list(values)))
        if self.date_from:
            parts.append(" AND c.day >= ?")
            params.append(day_number(self.date_from))
        if self.date_to:
            parts.append(" AND c.day <= ? AND c.day > 0")
            params.append(day_number(self.date_to))
        if self.people:
            parts.append(f" AND c.id IN (SELECT id FROM person WHERE name IN ({_IN_IDS}))")
            params.append(json.dumps(list(self.people)))
        return "".join(parts), params


def match_expression(question: str) -> str | None:
    """The FTS5 query of a question: an OR of its quoted stemmed terms; None when it has none."""
    toks = query_terms(question, QUERY_LANGS)
    if not toks:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in toks)


class FtsIndex:
    """BM25 keyword search over chunks in one SQLite file; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._write() as db:
            for ddl in _DDL:
                db.execute(ddl)
            found = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if found is None:
                db.execute("INSERT INTO meta(key, value) VALUES ('schema', ?)", (SCHEMA,))
                # Merge FTS segments as soon as two share a level (default four): about 2x faster
                # queries after many small writes, ~15 % slower bulk build (rag.keyword_bench, 100k chunks).
                db.execute("INSERT INTO fts(fts, rank) VALUES ('automerge', 2)")
            elif found[0] != SCHEMA:
                raise ValueError(f"{path}: keyword index schema {found[0]}, expected {SCHEMA}")

    # --- writes ---------------------------------------------------------------------------------
    def add(self, rows: Iterable[ChunkRow], meta: Mapping[str, str] | None = None) -> int:
        """Index ``rows`` (a chunk id already indexed is replaced); returns how many were written.

        Stemming happens before the transaction, so the write lock is held only for the SQL. Within one
        call the last row of a chunk id wins. ``meta`` is written in the same transaction.
        """
        latest = {r.chunk_id: r for r in rows}
        prepared = [(r, " ".join(terms(r.text, r.language))) for r in latest.values()]
        with self._write() as db:
            self._remove(db, list(latest))
            first = int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM chunk").fetchone()[0])
            db.executemany(
                "INSERT INTO chunk(id, chunk_id, article_id, lang, outlet, day) VALUES (?, ?, ?, ?, ?, ?)",
                ((first + i, r.chunk_id, r.article_id, r.language or "und", r.outlet or "", day_number(r.date))
                 for i, (r, _) in enumerate(prepared)))
            db.executemany("INSERT INTO body(id, terms) VALUES (?, ?)",
                           ((first + i, t) for i, (_, t) in enumerate(prepared)))
            db.execute("INSERT INTO fts(rowid, terms) SELECT id, terms FROM body WHERE id >= ?", (first,))
            db.executemany("INSERT OR IGNORE INTO person(name, id) VALUES (?, ?)",
                           ((name, first + i) for i, (r, _) in enumerate(prepared) for name in r.people if name))
            self._put_meta(db, meta)
        return len(prepared)

    def delete(self, chunk_ids: Sequence[str], meta: Mapping[str, str] | None = None) -> int:
        """Remove these chunks (unknown ids are ignored); returns how many were removed."""
        with self._write() as db:
            removed = self._remove(db, list(chunk_ids))
            self._put_meta(db, meta)
        return removed

    def delete_articles(self, article_ids: Sequence[str], meta: Mapping[str, str] | None = None) -> int:
        """Remove every chunk of these articles; returns how many were removed."""
        with self._write() as db:
            ids = [r[0] for r in db.execute(f"SELECT chunk_id FROM chunk WHERE article_id IN ({_IN_IDS})",
                                            (json.dumps(list(article_ids)),))]
            removed = self._remove(db, ids)
            self._put_meta(db, meta)
        return removed

    def set_meta(self, key: str, value: str) -> None:
        """Record one key/value pair (its own transaction)."""
        with self._write() as db:
            self._put_meta(db, {key: value})

    # --- reads ----------------------------------------------------------------------------------
    def search(self, question: str, k: int, where: Filter | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunks for ``question`` among those passing ``where``: (chunk id, BM25), best first."""
        match = match_expression(question)
        if match is None or k <= 0:
            return []
        clause, params = where.sql() if where else ("", [])
        if clause:
            # CROSS JOIN keeps fts as the outer loop: the match drives, the filter is checked per matched row
            # before it is scored and sorted, and LIMIT counts only rows that passed.
            sql = ("SELECT c.chunk_id, bm25(fts) AS r FROM fts CROSS JOIN chunk c ON c.id = fts.rowid "
                   f"WHERE fts MATCH ?{clause} ORDER BY r LIMIT ?")
        else:  # no filter: rank inside FTS5 alone and look up only the k winners (2x faster at 100k chunks)
            sql = ("SELECT c.chunk_id, t.r FROM (SELECT rowid, bm25(fts) AS r FROM fts WHERE fts MATCH ? "
                   "ORDER BY r LIMIT ?) t JOIN chunk c ON c.id = t.rowid ORDER BY t.r")
        with self._lock:
            rows = self._db.execute(sql, [match, *params, k]).fetchall()
        return [(str(cid), -float(r)) for cid, r in rows]  # FTS5's bm25() is negative, lower is better

    def count(self) -> int:
        """Number of indexed chunks."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM chunk").fetchone()[0])

    def ids(self) -> list[str]:
        """Every indexed chunk id (for consistency checks against the collection)."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunk ORDER BY id")]

    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def check(self) -> bool:
        """Does the FTS index agree with the ``chunk`` table? (FTS5's own integrity check.)"""
        try:
            with self._lock:
                self._db.execute("INSERT INTO fts(fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            return False
        return True

    def optimize(self) -> None:
        """Merge the FTS segments into one (faster queries after many small writes; rewrites the index)."""
        with self._write() as db:
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")

    def close(self) -> None:
        """Close the file (the last connection to close also folds the WAL back into it)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> FtsIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it commits, or (on any exception) none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _remove(db: sqlite3.Connection, chunk_ids: list[str]) -> int:
        if not chunk_ids:
            return 0
        ids = json.dumps(chunk_ids)
        gone = f"SELECT id FROM chunk WHERE chunk_id IN ({_IN_IDS})"
        # External content: FTS5 must be told the old terms to drop their postings.
        db.execute(f"INSERT INTO fts(fts, rowid, terms) SELECT 'delete', id, terms FROM body WHERE id IN ({gone})",
                   (ids,))
        db.execute(f"DELETE FROM body WHERE id IN ({gone})", (ids,))
        db.execute(f"DELETE FROM person WHERE id IN ({gone})", (ids,))
        return db.execute(f"DELETE FROM chunk WHERE chunk_id IN ({_IN_IDS})", (ids,)).rowcount

    @staticmethod
    def _put_meta(db: sqlite3.Connection, meta: Mapping[str, str] | None) -> None:
        if meta:
            db.executemany("INSERT INTO meta(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           [(str(k), str(v)) for k, v in meta.items()])
