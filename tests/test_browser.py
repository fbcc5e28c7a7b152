"""Real-browser test: `streamlit run app.py` on 127.0.0.1, driven by headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.readers import read_pasted, read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine
from tests.localhttp import QuietHandler, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
pytestmark = pytest.mark.browser
HOSTILE = (
    "Le maire de Quimper a présenté le budget participatif lundi soir. "
    "<script>window.__pwned = 1</script> Le texte contenait aussi <img src=x onerror=\"window.__pwned = 2\"> "
    "et un lien [clic](javascript:alert(1)). « Le budget participatif atteindra deux millions », a déclaré le maire."
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; without it a skip, or under CI=true a failure (.ci/run installs it)."""
    if not Path(CHROMIUM).exists():
        reason = f"Debian chromium not installed at {CHROMIUM} (make browser-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; under CI=true a missing dependency fails")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, seed_path: Path,
           wikinews_fr_jsonl: Path) -> Iterator[str]:
    """A live app over a store with the seed, a hostile article and 100 French Wikinews articles."""
    store = tmp_path_factory.mktemp("browser") / "store"
    settings = Settings(store=store)
    eng = Engine.open(settings, embedder)
    items = [*read_path(seed_path, settings), *read_pasted("Budget participatif à Quimper", HOSTILE, settings),
             *read_path(wikinews_fr_jsonl, settings)]
    assert eng.ingestor().ingest(items).count("added") == 102
    del eng
    port = _free_port()
    env = {**os.environ, "NEWSQA_STORE": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"streamlit did not listen on port {port} within 60 s (exit status {proc.poll()})")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(chromium: str, server: str) -> Iterator:  # type: ignore[type-arg]
    """A headless Chromium page on the app."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(90_000)
        pg.goto(server)
        pg.get_by_placeholder("Ask about the articles").wait_for()
        yield pg
        browser.close()


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_placeholder("Ask about the articles")
    box.fill(question)
    box.press("Enter")


def test_ask_kim_in_browser_and_screenshot(page) -> None:  # type: ignore[no-untyped-def]
    """The answer and a source with the highlighted quoted sentence appear; a screenshot is saved."""
    _ask(page, "What did Kim say about China?")
    page.locator("mark", has_text="Kim Jong Un a déclaré").first.wait_for()
    assert page.get_by_text("According to [1]").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answered_chat.png"), full_page=True)


def test_hostile_article_renders_as_text(page) -> None:  # type: ignore[no-untyped-def]
    """<script> and <img onerror> inside an article render as text and run nothing."""
    _ask(page, "Qu'a déclaré le maire de Quimper sur le budget participatif ?")
    page.locator("mark", has_text="deux millions").first.wait_for()
    page.wait_for_load_state("networkidle")  # an <img onerror> would have fired by now
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("[data-testid='stExpander']", has_text="<script>").count() >= 1
    assert page.locator("img[src='x']").count() == 0


def test_ingest_from_sidebar_then_ask(page) -> None:  # type: ignore[no-untyped-def]
    """An article pasted in the sidebar is ingested and answers the next question."""
    page.get_by_label("…or paste: title").fill("Tramway de Nantes prolongé")
    page.get_by_label("Text").fill(
        "La métropole a voté vendredi le prolongement du tramway jusqu'à Rezé. "
        "« Les premières rames circuleront en 2027 », a déclaré la vice-présidente Aline Morvan.")
    page.get_by_role("button", name="Ingest").click()
    page.get_by_test_id("stAlertContentSuccess").get_by_text("added: Tramway de Nantes prolongé").wait_for()
    _ask(page, "Qu'a déclaré Aline Morvan ?")
    page.locator("mark", has_text="premières rames").first.wait_for()


class _FeedSite(QuietHandler):
    """An RSS 2.0 feed of two articles, and the article pages."""

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/rss.xml":
            items = "".join(
                f"<item><title>Concert {n} à Lorient</title><link>{base}/a{n}</link>"
                f"<pubDate>Tue, 0{n} Sep 2026 10:00:00 GMT</pubDate></item>" for n in (1, 2))
            body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Lorient Infos</title>'
                    f"<link>{base}/</link><description>x</description>{items}</channel></rss>").encode()
            self.send_body(200, "application/rss+xml", body)
            return
        n = self.path.strip("/a")
        html = (f"<html><head><title>Concert {n} à Lorient</title></head><body><article><h1>Concert {n} à "
                f"Lorient</h1><p>Le festival de Lorient a accueilli le concert numéro {n} devant quatre mille "
                "spectateurs samedi soir. Les organisateurs ont salué une affluence record pour la saison.</p>"
                "</article></body></html>")
        self.send_body(200, "text/html; charset=utf-8", html.encode())


def test_feeds_panel_subscribes(page) -> None:  # type: ignore[no-untyped-def]
    """The sidebar's Feeds panel subscribes to a feed: its entries are ingested and the feed is listed."""
    with serve(_FeedSite) as base:
        page.get_by_label("Feed or site URL").fill(f"{base}/rss.xml")
        page.get_by_role("button", name="Subscribe").click()
        page.get_by_text("Feeds polled: 2 new articles").first.wait_for()
        page.get_by_text("Lorient Infos").first.wait_for()


def test_date_scoped_question(page) -> None:  # type: ignore[no-untyped-def]
    """A question naming a period with no articles says which period was searched, and quotes nothing."""
    _ask(page, "Qu'a dit le maire de Quimper en 1999 ?")
    page.get_by_text("Aucun article du 1999-01-01 au 1999-12-31").first.wait_for()
