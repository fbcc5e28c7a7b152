"""News feeds: subscribe to an RSS, Atom or JSON Feed, poll it, and ingest the entries not yet stored.

* Fetching: the same guard as :mod:`ingest.fetch` (http(s) only, :func:`~ingest.fetch.check_host` on the
  first request and on every redirect, redirect cap, timeout, body streamed and cut at
  ``max_file_bytes``), plus the conditional headers of a poll (``If-None-Match`` / ``If-Modified-Since``)
  and a total download deadline. :func:`~ingest.fetch.fetch` itself accepts only HTML and text and sends
  no conditional headers, hence :func:`fetch_feed`; entry pages go through
  :func:`~ingest.fetch.read_url` unchanged.
* Parsing: feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, lenient with broken XML); JSON Feed 1.0/1.1
  (which feedparser 6.0 does not read) through ``json`` and a pydantic model of its items. A home page
  is followed to the feed it announces (``<link rel="alternate" type="application/rss+xml">``...).
* Entries are taken newest first; one whose link is already an article id, or whose link a previous poll
  found to be stored under another id (the page's canonical URL; remembered as an alias), is skipped.
  The others are fetched with ``read_url`` and get title, date and author from the feed entry when the
  page lacks them. A failed entry is reported and the others go on.
* Subscriptions live in the store, in a second Chroma collection ``<collection>_feeds`` reached through
  the store's client (embedded or server): one record per feed URL, state in its metadata, aliases in
  its document.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from pydantic import BaseModel, ValidationError

from ingest.fetch import open_stream, read_body, read_url
from ingest.pipeline import Ingestor, IngestReport, ProgressFn
from ingest.readers import Failure, Item, ReadError, decode_text, iso_date
from rag.config import Settings
from rag.models import Article
from rag.store import StoreError, make_client

# Bounds of one poll (module constants until they move to Settings). A feed may list hundreds of entries
# (an archive feed, or a first poll of a busy site): each new entry costs a page fetch, an extraction and
# its embeddings, so one poll takes at most MAX_ENTRIES_PER_POLL of them, newest first, and the rest on
# later polls (the feed is then fetched whole again, without validators). 50 covers the whole front of a
# news feed (they list 10 to 50 items).
MAX_ENTRIES_PER_POLL = 50
# Wall-clock budget for one feed's entries: a poll stops starting new entries past it. `python -m
# ingest.feeds --bench` measures 0.3 to 0.45 s per new entry (5 new of 100: 1.6-2.3 s on 2 shared cores, NLP
# on or off), so 50 entries (about 23 s) fit five times over; a site whose pages each hang for url_timeout_s
# (10 s) gets 12 per poll instead of holding a cron run for 50 × 10 s.
FEED_TIME_BUDGET_S = 120.0
# Whole download of the feed document: max_file_bytes (5 MB) in 30 s is a slow but live server; a
# server dripping bytes slower than that is reported as such rather than holding the poll.
FEED_DOWNLOAD_S = 30.0
# Entries looked at per poll: existence is checked in store reads of 100 links; past the newest 1000 a
# feed is an archive, and its oldest entries are not worth a read on every poll.
MAX_ENTRIES_SCANNED = 1000
# Link -> article id aliases kept per feed: ten polls of full news feeds.
MAX_ALIASES = 500
_CHECK_PAGE = 100

_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_DISCOVERY_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}
_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
           "text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1")


# --------------------------------------------------------------------------------------------
# Nouns

@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: the page it links to and the metadata the feed gives."""

    link: str
    title: str = ""
    date: str | None = None  # ISO YYYY-MM-DD
    author: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its title, its entries newest first, and a parser complaint that did not stop it."""

    title: str
    entries: tuple[FeedEntry, ...]
    problem: str | None = None


@dataclass(frozen=True)
class FeedResponse:
    """The answer to one feed request: 200 with a body, or 304 (not modified) without one."""

    url: str
    status: int
    body: bytes = b""
    ctype: str = ""
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Subscription:
    """A subscribed feed and the outcome of its last poll (counts are those of the last poll)."""

    url: str
    title: str = ""
    site: str = ""  # the home page it was found on, when subscribed through one
    subscribed: str = ""
    last_poll: str = ""
    status: str = "new"  # ok | not modified | backlog | failed entries | error
    message: str = ""
    entries: int = 0  # listed in the feed
    new: int = 0  # added or updated
    failed: int = 0
    left: int = 0  # new entries not fetched yet (bounds of a poll)
    articles: int = 0  # added through this feed since subscribing
    etag: str = ""
    last_modified: str = ""
    aliases: dict[str, str] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The shape of ``python -m ingest --feeds --json`` (validators and aliases left out)."""
        data = asdict(self)
        for key in ("etag", "last_modified", "aliases"):
            del data[key]
        return data


@dataclass
class PollResult:
    """One poll of one feed: the subscription as saved after it, and the ingest report of its entries."""

    feed: Subscription
    report: IngestReport = field(default_factory=IngestReport)
    skipped: int = 0  # entries already in the store

    @property
    def ok(self) -> bool:
        """True when the feed was read and no entry failed."""
        return self.feed.status not in {"error", "failed entries"}

    def to_json(self) -> dict[str, Any]:
        """One feed in ``python -m ingest --feed/--refresh --json``."""
        f = self.feed
        return {"url": f.url, "title": f.title, "status": f.status, "message": f.message, "entries": f.entries,
                "skipped": self.skipped, "left": f.left, **self.report.to_json()}


# --------------------------------------------------------------------------------------------
# Fetching and parsing

def fetch_feed(url: str, settings: Settings, etag: str | None = None, last_modified: str | None = None) -> FeedResponse:
    """GET a feed within the limits of :func:`ingest.fetch.fetch`, conditionally; raises ReadError."""
    headers = {"Accept": _ACCEPT, **({"If-None-Match": etag} if etag else {}),
               **({"If-Modified-Since": last_modified} if last_modified else {})}
    deadline = time.monotonic() + FEED_DOWNLOAD_S
    with open_stream(url, settings, "newsqa/0.1 (+feeds)", headers, unreachable="feed unreachable") as resp:
        if resp.status_code == 304:
            return FeedResponse(str(resp.url), 304, etag=resp.headers.get("etag") or etag,
                                last_modified=resp.headers.get("last-modified") or last_modified)
        if resp.status_code >= 400:
            raise ReadError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and not ("xml" in ctype or "json" in ctype or ctype in _HTML_TYPES or ctype == "text/plain"):
            raise ReadError(f"not a feed: content type {ctype}")
        body = read_body(resp, settings.max_file_bytes, "feed", deadline, FEED_DOWNLOAD_S)
        return FeedResponse(str(resp.url), resp.status_code, body, ctype, resp.headers.get("etag"),
                            resp.headers.get("last-modified"))


def is_html(resp: FeedResponse) -> bool:
    """An HTML page (a site's home page) rather than a feed."""
    head = resp.body[:1024].lstrip().lower()
    return resp.ctype in _HTML_TYPES or head.startswith((b"<!doctype html", b"<html"))


def discover(html: str, base_url: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">``.

    ``application/json`` alternates are not taken: WordPress announces its REST API that way.
    """
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found: list[str] = []
    for link in tree.iter("link"):
        rels = str(link.get("rel") or "").lower().split()
        ctype = str(link.get("type") or "").split(";")[0].strip().lower()
        href = urljoin(base_url, str(link.get("href") or "").strip())
        if "alternate" in rels and ctype in _DISCOVERY_TYPES and urlsplit(href).scheme in {"http", "https"}:
            found.append(href)
    return list(dict.fromkeys(found))


def parse_feed(body: bytes, ctype: str, url: str) -> ParsedFeed:
    """RSS, Atom or JSON Feed -> entries newest first; raises ReadError when it is none of them."""
    if "json" in ctype or body.lstrip()[:1] == b"{":
        return _parse_json_feed(body, url)
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url,
                                                                   "content-type": ctype or "application/xml"})
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):  # broken with nothing to read
        if is_html(FeedResponse(url, 200, body, ctype)):
            raise ReadError("not a feed: an HTML page")
        raise ReadError(f"malformed feed: {parsed.get('bozo_exception') or 'not RSS, Atom or JSON Feed'}")
    entries = [_entry(e) for e in parsed.entries]
    problem = f"feed has errors ({parsed.get('bozo_exception')})" if parsed.get("bozo") else None
    return ParsedFeed(_squash(parsed.feed.get("title")), _newest_first(entries), problem)


def _entry(e: Any) -> FeedEntry | None:
    link = str(e.get("link") or "")
    if urlsplit(link).scheme not in {"http", "https"}:  # no page to fetch
        link = str(e.get("id") or "")
    if urlsplit(link).scheme not in {"http", "https"}:
        return None
    author = (e.get("author_detail") or {}).get("name") or e.get("author")
    return FeedEntry(link, _squash(e.get("title")), entry_date(e.get("published") or e.get("updated")),
                     _squash(author) or None)


class _JsonFeed(BaseModel):
    version: str
    title: str = ""
    items: list[dict[str, Any]]


class _JsonItem(BaseModel):
    id: str | int | None = None
    url: str | None = None
    title: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    authors: list[dict[str, Any]] = []  # JSON Feed 1.1
    author: dict[str, Any] | None = None  # JSON Feed 1.0


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        feed = _JsonFeed.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        raise ReadError(f"malformed JSON Feed: {str(exc).splitlines()[0]}") from exc
    if not feed.version.startswith("https://jsonfeed.org/version/"):
        raise ReadError(f"malformed JSON Feed: unknown version {feed.version[:60]!r}")
    entries: list[FeedEntry | None] = []
    for raw in feed.items:
        try:
            item = _JsonItem.model_validate(raw)
        except ValidationError:  # one bad item is skipped, the others are read
            continue
        link = urljoin(url, item.url or (str(item.id) if item.id is not None else ""))
        names = [a.get("name") for a in [*item.authors, *([item.author] if item.author else [])]]
        author = ", ".join(str(n) for n in names if n) or None
        ok = urlsplit(link).scheme in {"http", "https"}
        entries.append(FeedEntry(link, _squash(item.title), entry_date(item.date_published or item.date_modified),
                                 author) if ok else None)
    return ParsedFeed(_squash(feed.title), _newest_first(entries))


def entry_date(raw: str | None) -> str | None:
    """An entry's date as ISO ``YYYY-MM-DD`` in the feed's own time zone (RFC 822 for RSS, RFC 3339 else)."""
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw).strftime("%Y-%m-%d")
    except (TypeError, ValueError, IndexError):
        return iso_date(raw)


def _newest_first(entries: list[FeedEntry | None]) -> tuple[FeedEntry, ...]:
    """Entries with a link, each link once, newest first (undated ones after, in feed order)."""
    unique = {e.link: e for e in reversed([e for e in entries if e])}  # the first mention of a link wins
    ordered = list(reversed(unique.values()))
    ordered.sort(key=lambda e: e.date or "", reverse=True)  # stable: equal dates keep the feed's order
    return tuple(ordered)


def _squash(value: Any) -> str:
    return " ".join(str(value or "").split())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------
# The registry of subscriptions

class FeedRegistry:
    """Subscriptions in a small Chroma collection beside the articles' (same client: embedded or server)."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.name = f"{settings.collection}_feeds"
        self._client = client
        self._col: Any | None = None

    def _collection(self, create: bool) -> Any | None:
        if self._col is None:
            self._client = self._client or make_client(self.settings)
            try:
                if create:
                    self._col = self._client.get_or_create_collection(self.name, embedding_function=None,
                                                                      metadata={"kind": "newsqa feeds"})
                else:
                    self._col = self._client.get_collection(self.name, embedding_function=None)
            except Exception as exc:
                if create:
                    raise StoreError(f"cannot open the feed registry {self.name!r}: {exc}") from exc
                return None  # never subscribed: no collection yet
        return self._col

    def all(self) -> list[Subscription]:
        """Every subscription, by URL."""
        col = self._collection(create=False)
        if col is None:
            return []
        got = col.get(include=["metadatas", "documents"])
        subs = [_from_record(i, m or {}, d) for i, m, d in zip(got["ids"], got["metadatas"] or [],
                                                               got["documents"] or [], strict=False)]
        return sorted(subs, key=lambda s: s.url)

    def get(self, url: str) -> Subscription | None:
        """The subscription of feed ``url``, or one subscribed through the home page ``url``."""
        return next((s for s in self.all() if url in (s.url, s.site)), None)

    def save(self, sub: Subscription) -> None:
        """Create or replace one subscription's record."""
        meta = {k: v for k, v in asdict(sub).items() if k not in {"url", "aliases"}}
        col = self._collection(create=True)
        assert col is not None
        col.upsert(ids=[sub.url], embeddings=[[1.0]], metadatas=[meta], documents=[json.dumps(sub.aliases)])

    def remove(self, url: str) -> bool:
        """Forget one subscription (by feed or home-page URL); its articles stay. False when unknown."""
        sub = self.get(url)
        col = self._collection(create=False)
        if sub is None or col is None:
            return False
        col.delete(ids=[sub.url])
        return True


def _from_record(url: str, meta: dict[str, Any], document: str | None) -> Subscription:
    known = {k: meta[k] for k in Subscription.__dataclass_fields__ if k in meta and k not in {"url", "aliases"}}
    try:
        aliases = {str(k): str(v) for k, v in json.loads(document or "{}").items()}
    except (ValueError, AttributeError):
        aliases = {}
    return Subscription(url=url, aliases=aliases, **known)


# --------------------------------------------------------------------------------------------
# Polling

def subscribe(url: str, ingestor: Ingestor, registry: FeedRegistry, progress: ProgressFn | None = None,
              max_entries: int = MAX_ENTRIES_PER_POLL, budget_s: float = FEED_TIME_BUDGET_S) -> PollResult:
    """Subscribe to a feed (or to the feed a home page announces) and ingest its entries.

    Nothing is saved when the URL gives no readable feed; an existing subscription is polled instead.
    """
    url = url.strip()
    known = registry.get(url)
    if known:
        return poll(known, ingestor, registry, progress, max_entries, budget_s)
    sub = Subscription(url=url, subscribed=_now())
    try:
        resp = fetch_feed(url, ingestor.settings)
        if is_html(resp):
            found = discover(decode_text(resp.body, url), resp.url)
            if not found:
                raise ReadError("no feed found: the page announces no RSS, Atom or JSON Feed "
                                "(<link rel=\"alternate\" type=\"application/rss+xml\">)")
            if known := registry.get(found[0]):
                return poll(known, ingestor, registry, progress, max_entries, budget_s)
            sub = replace(sub, url=found[0], site=url)
            resp = fetch_feed(found[0], ingestor.settings)
    except ReadError as exc:
        return PollResult(replace(sub, last_poll=_now(), status="error", message=str(exc)))
    result = _poll(sub, ingestor, progress, max_entries, budget_s, resp)
    if result.feed.status != "error":
        registry.save(result.feed)
    return result


def poll(sub: Subscription, ingestor: Ingestor, registry: FeedRegistry, progress: ProgressFn | None = None,
         max_entries: int = MAX_ENTRIES_PER_POLL, budget_s: float = FEED_TIME_BUDGET_S) -> PollResult:
    """Poll one subscription once (conditional request) and save its new state."""
    result = _poll(sub, ingestor, progress, max_entries, budget_s)
    registry.save(result.feed)
    return result


def refresh(ingestor: Ingestor, registry: FeedRegistry, progress: ProgressFn | None = None,
            on_feed: Callable[[PollResult], None] | None = None, max_entries: int = MAX_ENTRIES_PER_POLL,
            budget_s: float = FEED_TIME_BUDGET_S) -> list[PollResult]:
    """Poll every subscription once; one feed's failure never stops the others."""
    results = []
    for sub in registry.all():
        try:
            result = poll(sub, ingestor, registry, progress, max_entries, budget_s)
        except Exception as exc:  # the store failed during this feed: say so and go on with the next
            result = PollResult(replace(sub, last_poll=_now(), status="error", message=f"{type(exc).__name__}: {exc}",
                                        new=0, failed=0))
        results.append(result)
        if on_feed:
            on_feed(result)
    return results


def _poll(sub: Subscription, ingestor: Ingestor, progress: ProgressFn | None, max_entries: int, budget_s: float,
          resp: FeedResponse | None = None) -> PollResult:
    settings = ingestor.settings
    done = replace(sub, last_poll=_now(), new=0, failed=0)
    try:
        resp = resp or fetch_feed(sub.url, settings, sub.etag or None, sub.last_modified or None)
        if resp.status == 304:
            return PollResult(replace(done, status="not modified", message="no change since the last poll",
                                      etag=resp.etag or sub.etag,
                                      last_modified=resp.last_modified or sub.last_modified))
        feed = parse_feed(resp.body, resp.ctype, resp.url)
    except ReadError as exc:
        return PollResult(replace(done, status="error", message=str(exc)))
    unseen, skipped = _unseen(feed.entries[:MAX_ENTRIES_SCANNED], sub.aliases, ingestor)
    deadline, started = time.monotonic() + budget_s, []

    def items() -> Iterator[Item]:
        for n, entry in enumerate(unseen[:max_entries]):
            if n and time.monotonic() > deadline:  # at least one entry per poll, so a slow feed still advances
                return
            started.append(entry)
            yield from entry_items(entry, settings)

    report = ingestor.ingest(items(), progress)
    aliases = dict(sub.aliases)
    for r in report.results:
        if r.status != "failed" and r.input and r.input != r.id:
            aliases.pop(r.input, None)
            aliases[r.input] = r.id
    left, failed = len(unseen) - len(started), report.count("failed")
    new = report.count("added") + report.count("updated")
    why = (f"at most {max_entries} entries per poll" if len(started) == max_entries
           else f"time budget of {budget_s:g}s spent")
    notes = [f"{new} new, {skipped} already stored",
             *([f"{failed} failed (first: {next(r.reason for r in report.results if r.status == 'failed')})"]
               if failed else []),
             *([f"{left} left for the next polls ({why})"] if left else []),
             *([feed.problem] if feed.problem else [])]
    return PollResult(replace(
        done, title=feed.title or sub.title, entries=len(feed.entries), new=new, failed=failed, left=left,
        articles=sub.articles + report.count("added"), message="; ".join(notes),
        status="failed entries" if failed else "backlog" if left else "ok",
        # With entries left over, the next poll must get the whole feed again, not a 304.
        etag=(resp.etag or "") if not left else "", last_modified=(resp.last_modified or "") if not left else "",
        aliases=dict(list(aliases.items())[-MAX_ALIASES:]),
    ), report, skipped)


def _unseen(entries: tuple[FeedEntry, ...], aliases: dict[str, str],
            ingestor: Ingestor) -> tuple[list[FeedEntry], int]:
    """The entries whose article is not in the store (by link, or by the id the link led to), and how many are."""
    unseen: list[FeedEntry] = []
    for i in range(0, len(entries), _CHECK_PAGE):
        page = entries[i:i + _CHECK_PAGE]
        ids = list(dict.fromkeys([e.link for e in page] + [aliases[e.link] for e in page if e.link in aliases]))
        state = ingestor.store.existing_hashes(ids)
        unseen += [e for e in page if state[e.link].content_hash is None
                   and (e.link not in aliases or state[aliases[e.link]].content_hash is None)]
    return unseen, len(entries) - len(unseen)


def entry_items(entry: FeedEntry, settings: Settings) -> Iterator[Item]:
    """The entry's page as an article (metadata completed from the entry), or a failure naming the entry."""
    try:
        items = list(read_url(entry.link, settings))
    except Exception as exc:  # an extractor crash on one page must not stop the feed
        items = [Failure(entry.link, f"{type(exc).__name__}: {exc}")]
    for item in items:
        if isinstance(item, Failure):
            yield Failure(entry.link, item.reason, entry.title or item.title)
        else:
            yield with_entry_metadata(item, entry)


def with_entry_metadata(article: Article, entry: FeedEntry) -> Article:
    """Title, date and author from the feed entry where the page has none; the rest is the page's."""
    changes: dict[str, str] = {}
    if entry.title and "title" in article.missing:
        changes["title"] = entry.title
    if entry.date and not article.date:
        changes["date"] = entry.date
    if entry.author and not article.author:
        changes["author"] = entry.author
    if not changes:
        return article
    return replace(article, **changes, missing=tuple(m for m in article.missing if m not in changes))


# --------------------------------------------------------------------------------------------
# Benchmark: `python -m ingest.feeds --bench [--nlp]`

def bench_refresh(total: int = 100, new: int = 5, nlp: bool = False) -> dict[str, float]:
    """Seconds for a refresh of a feed of ``total`` entries of which ``new`` are not stored yet.

    Pages are Wikinews articles (read from ../shared at run time) served as HTML with an RSS 2.0 feed on
    127.0.0.1; the embedder is loaded and warmed by storing the ``total - new`` old entries first. Also
    times the next poll (answered 304) and a poll whose server ignores validators (200, nothing new).
    """
    import http.server
    import tempfile
    import threading
    from html import escape
    from pathlib import Path

    from rag.datasets import WIKINEWS
    from rag.embeddings import make_embedder
    from rag.store import Store

    with WIKINEWS.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(total), fh, strict=False)]
    pages = {f"/a/{i}": (f"<html><head><title>{escape(r['title'])}</title></head><body><article><h1>"
                         f"{escape(r['title'])}</h1>" + "".join(f"<p>{escape(p)}</p>" for p in r["text"].split("\n\n"))
                         + "</article></body></html>").encode() for i, r in enumerate(rows)}
    honour = {"etag": True}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/feed.xml" and honour["etag"] and self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            body = feed_xml if self.path == "/feed.xml" else pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml" if self.path == "/feed.xml" else "text/html")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    items = "".join(f"<item><title>{escape(r['title'])}</title><link>{base}/a/{i}</link>"
                    f"<pubDate>Mon, 0{1 + i % 9} Jan 2024 10:00:00 +0000</pubDate></item>" for i, r in enumerate(rows))
    feed_xml = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}</channel></rss>'.encode()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(store=Path(tmp), allow_private_urls=True, nlp_at_ingest=nlp)
            embedder = make_embedder(settings)
            ingestor = Ingestor(settings, embedder, Store(settings, embedder.key, embedder.dim))
            registry = FeedRegistry(settings, ingestor.store.client)
            old = [FeedEntry(f"{base}/a/{i}") for i in range(new, total)]
            assert ingestor.ingest(item for e in old for item in entry_items(e, settings)).ok
            registry.save(Subscription(url=f"{base}/feed.xml"))
            timings: dict[str, float] = {}
            for label in ("refresh_new", "refresh_304", "refresh_full_nothing_new"):
                honour["etag"] = label != "refresh_full_nothing_new"
                t0 = time.perf_counter()
                [result] = refresh(ingestor, registry)
                timings[label] = round(time.perf_counter() - t0, 3)
                timings[f"{label}_added"] = result.report.count("added")
            return timings
    finally:
        httpd.shutdown()
        httpd.server_close()


if __name__ == "__main__":
    import sys

    if "--bench" not in sys.argv:
        sys.exit("usage: python -m ingest.feeds --bench [--nlp]")
    print(json.dumps(bench_refresh(nlp="--nlp" in sys.argv)))
