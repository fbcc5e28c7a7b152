"""Safety defaults: private addresses, generative mode without an endpoint, typo'd stores, no pickle."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from ingest import fetch
from ingest.fetch import check_host, read_url
from ingest.readers import Failure, ReadError, read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine
from tests.localhttp import QuietHandler, serve


class _Page(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/article")
            self.end_headers()
            return
        body = b"<html><head><title>T</title></head><body><p>" + b"Une phrase d'article assez longue. " * 20
        self.send_body(200, "text/html", body + b"</p></body></html>")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "172.16.5.4",
                                  "169.254.169.254", "224.0.0.1", "::1", "fe80::1", "0.0.0.0", "::ffff:127.0.0.1"])
def test_private_and_special_addresses_are_refused(host: str) -> None:
    """Loopback, private, link-local, multicast and unspecified addresses are refused by name and by literal."""
    with pytest.raises(ReadError, match="NEWSQA_ALLOW_PRIVATE_URLS"):
        check_host(host)


def test_public_address_passes() -> None:
    """A public address literal is allowed (no DNS needed for a literal)."""
    check_host("93.184.216.34")
    check_host("2606:4700::1111")


def test_url_ingest_refuses_loopback_by_default(tmp_path: Path) -> None:
    """With the setting off, a URL on 127.0.0.1 fails with a clear reason before any request is answered."""
    with serve(_Page) as base:
        [item] = list(read_url(f"{base}/article", Settings(store=tmp_path, allow_private_urls=False)))
        assert isinstance(item, Failure) and "refusing to fetch 127.0.0.1" in item.reason
        [ok] = list(read_url(f"{base}/article", Settings(store=tmp_path, allow_private_urls=True)))
        assert not isinstance(ok, Failure)


def test_every_redirect_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A redirect to a refused host fails even when the first host was allowed."""
    seen: list[str] = []
    real = check_host

    def only_literal_allowed(host: str, port: int | None = None) -> None:
        seen.append(host)
        if host != "127.0.0.1":  # stand in for "public": the first hop passes, the redirect target is checked
            real(host, port)

    monkeypatch.setattr(fetch, "check_host", only_literal_allowed)
    with serve(_Page) as base:
        [item] = list(read_url(f"{base}/hop", Settings(store=tmp_path, allow_private_urls=False)))
    assert seen == ["127.0.0.1", "localhost"]
    assert isinstance(item, Failure) and "refusing to fetch localhost" in item.reason


def test_generative_mode_without_endpoint_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generative mode needs NEWSQA_LLM_BASE_URL: the settings, the LLM factory and the CLI all say so."""
    from rag.generate import LLMNotConfigured, make_llm

    with pytest.raises(ValidationError, match="NEWSQA_LLM_BASE_URL"):
        Settings(store=tmp_path, answer_mode="generative")
    with pytest.raises(LLMNotConfigured, match="NEWSQA_LLM_BASE_URL"):
        make_llm(Settings(store=tmp_path))
    monkeypatch.delenv("NEWSQA_LLM_BASE_URL", raising=False)
    proc = subprocess.run([sys.executable, "-m", "rag", "ask", "--store", str(tmp_path), "--mode", "generative",
                           "--json", "Qui ?"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "NEWSQA_LLM_BASE_URL" in json.loads(proc.stdout.strip().splitlines()[-1])["error"]


@pytest.mark.parametrize("args", [["--list"], ["--check"], ["--repair"], ["--delete", "x"]])
def test_reading_commands_do_not_create_a_store(tmp_path: Path, args: list[str]) -> None:
    """`ingest --list --store typo` says there is no store and creates nothing."""
    typo = tmp_path / "typo"
    proc = subprocess.run([sys.executable, "-m", "ingest", "--store", str(typo), "--json", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no store at" in json.loads(proc.stdout.strip().splitlines()[-1])["error"]
    assert not typo.exists()


def test_ask_on_missing_store_is_an_error(tmp_path: Path) -> None:
    """`rag ask --store typo` is an error naming the path, not an empty answer."""
    typo = tmp_path / "typo"
    proc = subprocess.run([sys.executable, "-m", "rag", "ask", "--store", str(typo), "--json", "Qui ?"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no store at" in proc.stdout
    assert not typo.exists()


def test_keyword_index_is_saved_without_pickle(tmp_path: Path, embedder: Embedder, seed_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """No file of the saved keyword index is a pickle, and a new process loads it with pickle disabled."""
    settings = Settings(store=tmp_path / "store")
    engine = Engine.open(settings, embedder)
    assert engine.ingestor().ingest(read_path(seed_path, settings)).ok
    files = [p for p in (settings.store / "keyword").rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert path.suffix not in {".pkl", ".pickle"}
        assert path.read_bytes()[:1] != b"\x80", path  # pickle protocol 2+ magic

    def no_pickle(*_a: object, **_k: object) -> None:
        raise AssertionError("pickle used to load the keyword index")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    fresh = Engine.open(settings, embedder)
    fresh.store.sync_keyword()
    assert fresh.store.keyword.rebuilds == 0 and fresh.store.keyword.size > 0  # loaded from disk, not rebuilt
    hits = fresh.store.keyword_search("Kim Jong Un Chine", 3)
    assert hits and hits[0].chunk_id.startswith(engine.store.list_articles()[0].id)
