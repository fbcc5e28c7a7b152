"""News feeds against a real local HTTP server: RSS 2.0, Atom and JSON Feed, polling, bounds, CLI and app."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.feeds import (
    MAX_ENTRIES_PER_POLL,
    FeedRegistry,
    discover,
    fetch_feed,
    parse_feed,
    poll,
    refresh,
    subscribe,
)
from ingest.readers import ReadError
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine
from tests.localhttp import QuietHandler, serve

APP = str(Path(__file__).resolve().parent.parent / "app.py")
LAST_MODIFIED = "Mon, 04 Mar 2024 08:00:00 GMT"

# Fixture articles written for these tests: (title, paragraphs, page date, page author, title in the page).
ARTICLES = {
    "/news/port": ("Le port de Brest s'agrandit pour l'éolien en mer", [
        "La région Bretagne a présenté jeudi le projet d'extension du port de Brest, destiné à accueillir "
        "l'assemblage des flotteurs d'éoliennes en mer.",
        "Les travaux doivent durer trois ans et créer plusieurs centaines d'emplois sur le polder, selon le "
        "conseil régional, qui financera la moitié du chantier.",
        "Les associations de riverains demandent une étude sur le bruit des grues la nuit.",
    ], None, None, True),
    "/news/tram": ("Lyon ouvre une nouvelle ligne de tramway vers l'est", [
        "La métropole de Lyon a mis en service samedi une ligne de tramway reliant la gare Part-Dieu aux "
        "communes de l'est de l'agglomération.",
        "Les rames passeront toutes les six minutes aux heures de pointe, a indiqué l'exploitant du réseau.",
        "Le chantier avait été retardé de huit mois par le déplacement de réseaux d'eau sous la chaussée.",
    ], "2024-03-02", "Claire Dupont", True),
    "/news/library": ("Town library reopens after two years of repairs", [
        "The central library of the town reopened on Monday after two years of repairs to its roof and "
        "heating, the council said in a statement.",
        "Visitors queued before the doors opened, and the children's section was full by noon.",
        "The council said the building now uses half the energy it did before the works began.",
    ], None, None, False),
    "/news/bridge": ("River bridge closes for a week of inspections", [
        "The old river bridge will close to traffic from Tuesday for a week of inspections of its steel "
        "cables, the regional roads agency announced.",
        "Buses will be diverted through the northern bypass, adding about ten minutes to each journey.",
        "Engineers said the checks were routine and that no damage had been reported.",
    ], None, None, True),
}


def page(path: str) -> bytes:
    """The HTML page of a fixture article, with its own date and author only when it has them."""
    title, paragraphs, date, author, titled = ARTICLES[path]
    meta = ((f'<meta property="article:published_time" content="{date}">' if date else "")
            + (f'<meta name="author" content="{author}">' if author else ""))
    head = f"<title>{escape(title)}</title>" if titled else ""
    h1 = f"<h1>{escape(title)}</h1>" if titled else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"<html><head>{head}{meta}</head><body><article>{h1}{body}</article></body></html>".encode()


@dataclass(frozen=True)
class Entry:
    """A feed entry as the fixture feeds write it."""

    path: str
    title: str
    date: str  # RFC 822
    author: str = ""


def rss(base: str, entries: list[Entry]) -> bytes:
    """A real RSS 2.0 document."""
    items = "".join(
        f"<item><title>{escape(e.title)}</title><link>{base}{e.path}</link><guid>{base}{e.path}</guid>"
        f"<pubDate>{e.date}</pubDate>" + (f"<dc:creator>{escape(e.author)}</dc:creator>" if e.author else "")
        + "</item>" for e in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>Fixture News</title><link>{base}/</link><description>Test feed</description>"
            f"{items}</channel></rss>").encode()


def atom(base: str, entries: list[Entry]) -> bytes:
    """A real Atom 1.0 document (dates in RFC 3339)."""
    from email.utils import parsedate_to_datetime

    items = "".join(
        f"<entry><title>{escape(e.title)}</title><link rel=\"alternate\" href=\"{base}{e.path}\"/>"
        f"<id>{base}{e.path}</id><updated>{parsedate_to_datetime(e.date).isoformat()}</updated>"
        + (f"<author><name>{escape(e.author)}</name></author>" if e.author else "") + "</entry>" for e in entries)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Fixture Atom</title><id>{base}/atom.xml</id><updated>2024-03-04T08:00:00Z</updated>"
            f"{items}</feed>").encode()


PORT = Entry("/news/port", "Brest : le port s'agrandit", "Tue, 05 Mar 2024 00:30:00 +0200", "Yann Le Gall")
TRAM = Entry("/news/tram", "Un tram vers l'est", "Sun, 03 Mar 2024 09:00:00 +0100", "Agence")
LIBRARY = Entry("/news/library", "Library reopens", "Fri, 01 Mar 2024 12:00:00 +0000", "Sam Reed")
GONE = Entry("/news/gone", "A page that was taken down", "Mon, 04 Mar 2024 10:00:00 +0000")
BRIDGE = Entry("/news/bridge", "Bridge closes", "Wed, 06 Mar 2024 07:00:00 +0000")


@dataclass
class Site:
    """What the test server serves (path -> status, content type, body) and every request it got."""

    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def articles(self) -> None:
        """Serve every fixture article page."""
        for path in ARTICLES:
            self.routes[path] = (200, "text/html; charset=utf-8", page(path))

    def fetched(self, prefix: str) -> list[str]:
        """Paths under ``prefix`` requested so far."""
        return [p for p, _ in self.requests if p.startswith(prefix)]


def handler_for(site: Site) -> type[QuietHandler]:
    """A handler serving ``site``: ETag from the body, 304 on a matching If-None-Match, redirects by Location."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            site.requests.append((self.path, dict(self.headers)))
            if self.path not in site.routes:
                self.send_body(404, "text/plain", b"not found")
                return
            status, ctype, body = site.routes[self.path]
            if status in (301, 302):
                self.send_response(status)
                self.send_header("Location", body.decode())
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A temp store without entity extraction (irrelevant to feeds, and the slow part of an ingest)."""
    return Settings(store=tmp_path / "store", nlp_at_ingest=False)


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    """A live server on 127.0.0.1 serving the fixture articles; tests add their feeds."""
    s = Site()
    s.articles()
    with serve(handler_for(s)) as base:
        yield s, base


def _registry(engine: Engine) -> FeedRegistry:
    return FeedRegistry(engine.settings, engine.store.client)


# --------------------------------------------------------------------------------------------
# Subscribe, refresh, metadata

def test_rss_subscription_ingests_entries_and_fills_metadata_from_the_feed(engine: Engine,
                                                                          site: tuple[Site, str]) -> None:
    """Subscribing to an RSS 2.0 feed ingests its entries; date, author and title come from the entry only where
    the page has none; an entry whose page is gone fails by name and the others are stored."""
    s, base = site
    s.routes["/rss.xml"] = (200, "application/rss+xml", rss(base, [GONE, PORT, TRAM, LIBRARY]))
    registry = _registry(engine)
    seen: list[str] = []
    result = subscribe(f"{base}/rss.xml", engine.ingestor(), registry, lambda r: seen.append(r.status))
    assert (result.report.count("added"), result.report.count("failed")) == (3, 1)
    assert sorted(seen) == ["added", "added", "added", "failed"]
    [failed] = [r for r in result.report.results if r.status == "failed"]
    assert failed.title == GONE.title and "404" in (failed.reason or "")
    assert result.feed.status == "failed entries" and "1 failed" in result.feed.message
    port = engine.store.get_article(f"{base}/news/port")
    assert port is not None and port.title == ARTICLES["/news/port"][0]  # the page's title is kept
    assert (port.date, port.author) == ("2024-03-05", "Yann Le Gall")  # from the entry, in the feed's time zone
    tram = engine.store.get_article(f"{base}/news/tram")
    assert tram is not None and (tram.date, tram.author) == ("2024-03-02", "Claire Dupont")  # the page's own
    library = engine.store.get_article(f"{base}/news/library")
    assert library is not None and library.title == LIBRARY.title  # the page has no title
    [saved] = registry.all()
    assert (saved.url, saved.title, saved.entries, saved.articles) == (f"{base}/rss.xml", "Fixture News", 4, 3)


def test_refresh_is_conditional_and_fetches_only_new_entries(engine: Engine, site: tuple[Site, str]) -> None:
    """Subscribing through a home page finds its Atom feed; a refresh sends If-None-Match and If-Modified-Since
    and a 304 fetches no page; when the feed changes, only the new entry's page is fetched."""
    s, base = site
    s.routes["/"] = (200, "text/html", b'<html><head><link rel="alternate" type="application/atom+xml" '
                                       b'title="Atom" href="/atom.xml"></head><body><p>Home</p></body></html>')
    s.routes["/atom.xml"] = (200, "application/atom+xml", atom(base, [PORT, TRAM]))
    ingestor, registry = engine.ingestor(), _registry(engine)
    first = subscribe(f"{base}/", ingestor, registry)
    assert first.feed.url == f"{base}/atom.xml" and first.feed.site == f"{base}/"
    assert first.report.count("added") == 2 and first.feed.status == "ok"
    tram = engine.store.get_article(f"{base}/news/tram")
    assert tram is not None and tram.date == "2024-03-02"
    s.requests.clear()
    [again] = refresh(ingestor, registry)
    [(path, headers)] = s.requests
    assert path == "/atom.xml" and headers.get("If-None-Match") and headers.get("If-Modified-Since") == LAST_MODIFIED
    assert again.feed.status == "not modified" and not again.report.results
    s.routes["/atom.xml"] = (200, "application/atom+xml", atom(base, [BRIDGE, PORT, TRAM]))
    s.requests.clear()
    [changed] = refresh(ingestor, registry)
    assert s.fetched("/news/") == ["/news/bridge"]
    assert (changed.report.count("added"), changed.skipped, changed.feed.status) == (1, 2, "ok")
    assert registry.all()[0].articles == 3


def test_feed_listing_hundreds_of_entries_is_bounded_per_poll(engine: Engine, site: tuple[Site, str]) -> None:
    """A feed of 300 entries gets its newest MAX_ENTRIES_PER_POLL fetched per poll, says how many are left,
    and the next poll takes the next ones (the feed is fetched whole again, not answered 304)."""
    s, base = site
    text = "Une dépêche courte mais assez longue pour faire un article, numéro {}."
    entries = []
    for i in range(300):  # oldest first, one a day
        s.routes[f"/brief/{i}"] = (200, "text/plain", f"Brève {i}\n\n{text.format(i)}".encode())
        day = datetime(2023, 1, 1, 10, tzinfo=UTC) + timedelta(days=i)
        entries.append(Entry(f"/brief/{i}", f"Brève {i}", format_datetime(day)))
    s.routes["/big.xml"] = (200, "application/rss+xml", rss(base, entries))
    ingestor, registry = engine.ingestor(), _registry(engine)
    first = subscribe(f"{base}/big.xml", ingestor, registry)
    fetched = s.fetched("/brief/")
    assert len(fetched) == MAX_ENTRIES_PER_POLL == first.report.count("added")
    assert set(fetched) == {f"/brief/{i}" for i in range(250, 300)}  # the newest
    assert first.feed.status == "backlog" and first.feed.left == 250 and "250 left" in first.feed.message
    s.requests.clear()
    second = poll(registry.all()[0], ingestor, registry, max_entries=10)
    assert "If-None-Match" not in s.requests[0][1]
    assert set(s.fetched("/brief/")) == {f"/brief/{i}" for i in range(240, 250)}
    assert (second.skipped, second.feed.left, second.feed.articles) == (50, 240, 60)


def test_time_budget_stops_starting_entries(engine: Engine, site: tuple[Site, str]) -> None:
    """With its time budget spent, a poll starts no further entry (it still takes one, so a feed advances)."""
    s, base = site
    s.routes["/rss.xml"] = (200, "application/rss+xml", rss(base, [PORT, TRAM, LIBRARY]))
    result = subscribe(f"{base}/rss.xml", engine.ingestor(), _registry(engine), budget_s=0.0)
    assert s.fetched("/news/") == ["/news/port"]
    assert result.feed.left == 2 and "time budget" in result.feed.message


@pytest.mark.parametrize(("breakage", "status"), [
    ("malformed", "malformed feed"), ("loop", "too many redirects"), ("huge", "feed too large"),
    ("html", "not a feed: an HTML page"), ("down", "feed unreachable: ConnectError"),
])
def test_broken_feed_gets_a_clear_status(tmp_path: Path, embedder: Embedder, breakage: str, status: str) -> None:
    """A subscribed feed that turns malformed, loops its redirects, grows past the byte limit, becomes an HTML
    page or goes down gets status "error" with the reason, saved in the registry; its articles stay."""
    settings = Settings(store=tmp_path / "store", nlp_at_ingest=False, max_file_bytes=50_000)
    engine = Engine.open(settings, embedder)
    ingestor, registry = engine.ingestor(), _registry(engine)
    s = Site()
    s.routes["/news/bridge"] = (200, "text/html", page("/news/bridge"))
    with serve(handler_for(s)) as base:
        s.routes["/rss.xml"] = (200, "application/rss+xml", rss(base, [BRIDGE]))
        assert subscribe(f"{base}/rss.xml", ingestor, registry).feed.status == "ok"
        s.routes["/rss.xml"] = {
            "malformed": (200, "application/rss+xml", b"<rss><channel><title>oops</chan"),
            "loop": (302, "", b"/rss.xml"),
            "huge": (200, "application/rss+xml", rss(base, [BRIDGE] * 600)),
            "html": (200, "text/html", b"<html><body><p>Maintenance</p></body></html>"),
            "down": s.routes["/rss.xml"],
        }[breakage]
        if breakage != "down":
            [result] = refresh(ingestor, registry)
    if breakage == "down":
        [result] = refresh(ingestor, registry)
    assert result.feed.status == "error" and status in result.feed.message
    [saved] = registry.all()
    assert saved.status == "error" and status in saved.message and saved.last_poll
    assert engine.store.get_article(f"{base}/news/bridge") is not None


def test_subscribing_to_something_that_is_not_a_feed_saves_nothing(engine: Engine, site: tuple[Site, str]) -> None:
    """A malformed feed, or a page that announces no feed, is refused with its reason and not remembered."""
    s, base = site
    s.routes["/bad.xml"] = (200, "application/rss+xml", b"this is not a feed {")
    registry = _registry(engine)
    bad = subscribe(f"{base}/bad.xml", engine.ingestor(), registry)
    assert bad.feed.status == "error" and "malformed" in bad.feed.message
    plain = subscribe(f"{base}/news/port", engine.ingestor(), registry)
    assert plain.feed.status == "error" and "no feed found" in plain.feed.message
    assert registry.all() == []


def test_feed_fetch_keeps_the_private_address_guard(tmp_path: Path, site: tuple[Site, str]) -> None:
    """With private addresses not allowed, a feed on 127.0.0.1 is refused before any request is answered."""
    s, base = site
    with pytest.raises(ReadError, match=r"refusing to fetch 127\.0\.0\.1"):
        fetch_feed(f"{base}/rss.xml", Settings(store=tmp_path, allow_private_urls=False))
    assert s.requests == []


# --------------------------------------------------------------------------------------------
# Formats without a server

def test_json_feed_and_discovery() -> None:
    """A JSON Feed 1.1 gives entries newest first with resolved links, dates and authors (one bad item skipped);
    discovery reads <link rel=alternate> feed types only, resolved against the page."""
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "/a", "title": "Old", "date_published": "2024-01-02T10:00:00+01:00",
         "authors": [{"name": "Ana"}]},
        {"id": "2", "url": "https://example.org/b", "title": "New", "date_published": "2024-02-01T00:00:00Z"},
        {"id": 3, "url": ["not", "a", "string"]},
    ]}).encode()
    feed = parse_feed(body, "application/feed+json", "https://example.org/feed.json")
    assert [(e.link, e.title, e.date, e.author) for e in feed.entries] == [
        ("https://example.org/b", "New", "2024-02-01", None), ("https://example.org/a", "Old", "2024-01-02", "Ana")]
    with pytest.raises(ReadError, match="malformed JSON Feed"):
        parse_feed(b'{"items": 3}', "application/json", "https://example.org/feed.json")
    html = ('<html><head><link rel="alternate" type="application/json" href="/wp-json/x">'
            '<link rel="alternate" type="application/rss+xml; charset=utf-8" href="rss.xml">'
            '<link rel="alternate feed" type="application/feed+json" href="https://cdn.example.org/f.json">'
            '<link rel="stylesheet" type="text/css" href="/s.css"></head></html>')
    assert discover(html, "https://example.org/news/") == ["https://example.org/news/rss.xml",
                                                            "https://cdn.example.org/f.json"]


# --------------------------------------------------------------------------------------------
# Command line and app

def _cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSQA_NLP_AT_INGEST": "false"}
    return subprocess.run([sys.executable, "-m", "ingest", "--store", str(store), "--quiet", *args],
                          capture_output=True, text=True, env=env, timeout=180)


def test_cli_feed_commands(tmp_path: Path, site: tuple[Site, str]) -> None:
    """--feed subscribes and ingests, --feeds --json lists last poll, status and counts, --refresh polls
    (304 here), --unfeed removes the subscription and keeps its articles; exit statuses follow the outcome."""
    s, base = site
    s.routes["/rss.xml"] = (200, "application/rss+xml", rss(base, [PORT, TRAM]))
    store = tmp_path / "store"
    sub = _cli(store, "--json", "--feed", f"{base}/rss.xml")
    assert sub.returncode == 0, sub.stderr
    out = json.loads(sub.stdout.strip().splitlines()[-1])
    assert out["added"] == 2 and out["feeds"][0]["status"] == "ok" and out["feeds"][0]["entries"] == 2
    listed = json.loads(_cli(store, "--feeds", "--json").stdout.strip().splitlines()[-1])
    [feed] = listed["feeds"]
    assert {k: feed[k] for k in ("url", "title", "status", "entries", "new", "failed", "left", "articles")} == {
        "url": f"{base}/rss.xml", "title": "Fixture News", "status": "ok", "entries": 2, "new": 2, "failed": 0,
        "left": 0, "articles": 2}
    assert feed["last_poll"] and feed["subscribed"] and "etag" not in feed
    again = _cli(store, "--json", "--refresh")
    assert again.returncode == 0 and json.loads(again.stdout.strip().splitlines()[-1])["feeds"][0]["status"] == (
        "not modified")
    gone = _cli(store, "--json", "--unfeed", f"{base}/rss.xml")
    assert json.loads(gone.stdout.strip().splitlines()[-1]) == {"removed": [f"{base}/rss.xml"], "not_found": []}
    assert json.loads(_cli(store, "--feeds", "--json").stdout)["feeds"] == []
    assert len(json.loads(_cli(store, "--list", "--json").stdout)["articles"]) == 2
    assert _cli(store, "--unfeed", f"{base}/rss.xml").returncode == 1
    s.routes["/rss.xml"] = (200, "application/rss+xml", b"<<<")
    assert _cli(store, "--json", "--feed", f"{base}/rss.xml").returncode == 1


def test_app_feeds_panel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: tuple[Site, str]) -> None:
    """In the sidebar's Feeds panel a feed is subscribed (per-entry progress, then the feed listed with its
    counts), refreshed, and removed while its articles stay in the corpus."""
    s, base = site
    s.routes["/rss.xml"] = (200, "application/rss+xml", rss(base, [PORT, LIBRARY]))
    monkeypatch.setenv("NEWSQA_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSQA_NLP_AT_INGEST", "false")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    next(t for t in at.sidebar.text_input if t.key == "feed-url").set_value(f"{base}/rss.xml")
    next(b for b in at.sidebar.button if b.label == "Subscribe").click()
    at.run()
    assert not at.exception
    assert any("ok: Fixture News" in m.value for m in at.sidebar.success)
    assert sum(m.value.startswith("added: ") for m in at.sidebar.markdown) == 2  # one progress line per entry
    text = " ".join(m.value for m in at.sidebar.markdown)
    assert "**Fixture News**" in text and "2 articles" in text
    assert any(sh.value.startswith("Corpus: 2 articles") for sh in at.sidebar.subheader)
    next(b for b in at.sidebar.button if b.key == "feed-refresh").click()
    at.run()
    assert any("not modified" in m.value for m in at.sidebar.success)
    next(b for b in at.sidebar.button if b.key == f"unfeed-{base}/rss.xml").click()
    at.run()
    assert not at.exception
    assert "Fixture News" not in " ".join(m.value for m in at.sidebar.markdown)
    assert any(sh.value.startswith("Corpus: 2 articles") for sh in at.sidebar.subheader)


@pytest.mark.server
def test_subscriptions_live_in_a_chroma_server(tmp_path: Path, embedder: Embedder, site: tuple[Site, str]) -> None:
    """In server mode the subscription is written to the Chroma server: another process lists it."""
    port = os.environ.get("NEWSQA_TEST_CHROMA_PORT")
    if not port:
        reason = "no Chroma server: NEWSQA_TEST_CHROMA_PORT unset (run through `make test`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; under CI=true a missing dependency fails")
        pytest.skip(reason)
    s, base = site
    s.routes["/rss.xml"] = (200, "application/rss+xml", rss(base, [BRIDGE]))
    collection = f"t-{uuid.uuid4().hex[:12]}"
    settings = Settings(store=tmp_path / "app", chroma_host="127.0.0.1", chroma_port=int(port), collection=collection,
                        nlp_at_ingest=False)
    engine = Engine.open(settings, embedder)
    assert subscribe(f"{base}/rss.xml", engine.ingestor(), _registry(engine)).feed.status == "ok"
    env = {**os.environ, "NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": port,
           "NEWSQA_COLLECTION": collection}
    proc = subprocess.run([sys.executable, "-m", "ingest", "--store", str(tmp_path / "cli"), "--feeds", "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [feed] = json.loads(proc.stdout.strip().splitlines()[-1])["feeds"]
    assert (feed["url"], feed["articles"]) == (f"{base}/rss.xml", 1)
