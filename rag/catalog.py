"""The corpus catalog: one row per article (title, outlet, date, language, story, people), searchable,
sortable and paged, for the app's corpus table and ``ingest --list``-like views.

Reading every chunk's metadata from Chroma is the expensive part (a full scan: ~100k chunks at 10k
articles), so a :class:`CatalogCache` builds the catalog once per state of the collection (its change
token and chunk count, :meth:`rag.store.Store.generation`) and every keystroke after that searches, sorts
and pages the rows in memory. Sort orders are computed once per catalog and column; a search is one pass of
substring tests over precomputed case-folded keys (milliseconds at 10k rows, see ``rag bench --catalog``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

SortKey = Literal["date", "title", "outlet", "lang", "story", "people", "chunks"]
SORT_KEYS: tuple[SortKey, ...] = ("date", "title", "outlet", "lang", "story", "people", "chunks")


@dataclass(frozen=True)
class CatalogRow:
    """One article of the corpus table."""

    id: str
    title: str
    outlet: str
    date: str
    lang: str
    story: str  # story id (rag/stories.py); the article's own id when it has no copies
    copies: int  # other articles of the same story
    people: tuple[str, ...]
    chunks: int
    url: str

    def as_dict(self) -> dict[str, Any]:
        """The row for a table widget (people joined)."""
        return {"title": self.title, "outlet": self.outlet, "date": self.date, "lang": self.lang,
                "story": self.story if self.copies else "", "copies": self.copies,
                "people": ", ".join(self.people), "chunks": self.chunks, "id": self.id}


@dataclass(frozen=True)
class CatalogPage:
    """One page of a query: its rows, how many rows matched, and the page count."""

    rows: list[CatalogRow]
    total: int
    page: int
    pages: int


@dataclass
class Catalog:
    """All articles of one state of the store, with search keys and cached sort orders."""

    rows: list[CatalogRow]
    _keys: list[str] = field(init=False, repr=False)
    _orders: dict[SortKey, list[int]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._keys = [" ".join((r.title, r.outlet, r.id, " ".join(r.people))).casefold() for r in self.rows]

    @classmethod
    def build(cls, store: Any) -> Catalog:
        """Rows from the keyword index's in-memory article info (visible versions only): no scan of Chroma,
        so a new catalog after each write costs memory reads, not a pass over every chunk's metadata."""
        store.sync_keyword()
        infos = [a for a in store.keyword.articles().values() if a.version is not None]
        stories = {a.id: store.keyword.story_of(a.id) for a in infos}
        sizes: dict[str, int] = {}
        for s in stories.values():
            sizes[s] = sizes.get(s, 0) + 1
        return cls([CatalogRow(id=a.id, title=a.title, outlet=a.source, date=a.date or "", lang=a.lang,
                               story=stories[a.id], copies=sizes[stories[a.id]] - 1, people=a.people,
                               chunks=a.chunks, url=a.url or "") for a in infos])

    def __len__(self) -> int:
        return len(self.rows)

    def outlets(self) -> list[str]:
        """Distinct outlets, sorted (for filters)."""
        return sorted({r.outlet for r in self.rows if r.outlet})

    def languages(self) -> list[str]:
        """Distinct languages, sorted (for filters)."""
        return sorted({r.lang for r in self.rows})

    def people(self) -> list[str]:
        """Distinct people (canonical names) of the corpus, sorted (for the entity filter)."""
        return sorted({p for r in self.rows for p in r.people})

    def order(self, key: SortKey) -> list[int]:
        """Row indices sorted ascending by ``key`` (computed once per catalog and key)."""
        if key not in self._orders:
            def value(i: int) -> tuple[Any, ...]:
                r = self.rows[i]
                v: Any = {"date": r.date, "title": r.title.casefold(), "outlet": r.outlet.casefold(),
                          "lang": r.lang, "story": r.story, "people": ", ".join(r.people).casefold(),
                          "chunks": r.chunks}[key]
                return (v, r.title.casefold(), r.id)  # ties broken by title then id: a stable page order

            self._orders[key] = sorted(range(len(self.rows)), key=value)
        return self._orders[key]

    def query(self, text: str = "", sort: SortKey = "date", descending: bool = True, page: int = 0,
              page_size: int = 50) -> CatalogPage:
        """Rows whose title, outlet, id or people contain every word of ``text`` (case-insensitive), sorted
        and cut to page ``page`` (0-based, clamped to the last page)."""
        words = text.casefold().split()
        order = self.order(sort)
        if descending:
            order = order[::-1]
        hits = [i for i in order if all(w in self._keys[i] for w in words)] if words else order
        pages = max(1, -(-len(hits) // page_size))
        page = min(max(page, 0), pages - 1)
        chosen = hits[page * page_size:(page + 1) * page_size]
        return CatalogPage([self.rows[i] for i in chosen], len(hits), page, pages)


class CatalogCache:
    """The catalog of one store, rebuilt only when the keyword index it is built from changed (after a write)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: tuple[str, Catalog] | None = None
        self.builds = 0  # how many times the catalog was built (tests and benchmarks read it)

    def get(self, store: Any) -> Catalog:
        """The catalog for the store's current state (the keyword index's change check when nothing changed).

        Keyed by the keyword index's state, not by the collection's: the rows come from that index's memory,
        and the collection's key would cost a chunk count (a scan) on every rerun of the app.
        """
        store.sync_keyword()
        generation = store.keyword.state_key
        with self._lock:
            if self._state is None or self._state[0] != generation:
                self._state = (generation, Catalog.build(store))
                self.builds += 1
            return self._state[1]
