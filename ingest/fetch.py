"""Fetching articles by URL, with limits: http/https only, timeout, size cap, redirect cap.

Anything else (``file://``, ``ftp://``, ``javascript:``...) is refused before any I/O, and the final
URL after redirects must still be http(s). The body is streamed and abandoned as soon as it passes
``max_file_bytes``, so a huge or endless response cannot exhaust memory.

A URL typed by a user must not reach the machine's own network (a cloud metadata endpoint, an admin
page on localhost): every request, the first and each redirect, has its host resolved and is refused
when any address is loopback, private, link-local, multicast, reserved or unspecified, unless
``NEWSQA_ALLOW_PRIVATE_URLS=true``. (The check resolves the name just before httpx connects; a DNS
server that answers differently the second time could still slip through: put an egress proxy in front
of a deployment that ingests URLs from untrusted users.)
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from ingest.readers import Failure, Item, ReadError, article_from_html, article_from_plain, decode_text
from rag.config import Settings

_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_TEXT_TYPES = {"text/plain", "text/markdown"}


def is_url(spec: str) -> bool:
    """True for anything with a URL scheme (so that ``file://`` is refused rather than read)."""
    scheme = urlsplit(spec).scheme.lower()
    return (len(scheme) > 1 and "://" in spec) or scheme in {"javascript", "data", "mailto"}


def check_host(host: str, port: int | None = None) -> None:
    """Raise :class:`ReadError` when ``host`` is, or resolves to, a non-public address."""
    try:
        infos = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ReadError(f"cannot resolve host {host!r}") from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        if (addr.is_loopback or addr.is_private or addr.is_link_local or addr.is_multicast or addr.is_reserved
                or addr.is_unspecified):
            raise ReadError(
                f"refusing to fetch {host} ({addr}): a loopback, private, link-local or multicast address "
                "(set NEWSQA_ALLOW_PRIVATE_URLS=true to allow)"
            )


@contextmanager
def open_stream(url: str, settings: Settings, agent: str, headers: dict[str, str] | None = None,
                unreachable: str = "could not fetch") -> Iterator[httpx.Response]:
    """A streaming GET of an http(s) URL within the settings' limits: the private-address guard on the first
    request and on every redirect, the redirect count and the timeout; transport errors (also those raised
    while the caller reads the body) become a ReadError naming the cause. Shared by pages and feeds."""
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise ReadError(f"only http:// and https:// URLs are fetched, not {urlsplit(url).scheme}:")
    if not urlsplit(url).hostname:
        raise ReadError("malformed URL (no host)")

    def guard(request: httpx.Request) -> None:  # runs for the first request and every redirect
        if not settings.allow_private_urls:
            check_host(request.url.host, request.url.port)

    try:
        with httpx.Client(
            follow_redirects=True, max_redirects=settings.url_max_redirects,
            timeout=httpx.Timeout(settings.url_timeout_s), headers={"User-Agent": agent},
            event_hooks={"request": [guard]},
        ) as client, client.stream("GET", url, headers=headers or {}) as resp:
            yield resp
    except httpx.TooManyRedirects as exc:
        raise ReadError(f"too many redirects (limit {settings.url_max_redirects})") from exc
    except httpx.TimeoutException as exc:
        raise ReadError(f"timed out after {settings.url_timeout_s:g}s") from exc
    except httpx.UnsupportedProtocol as exc:
        raise ReadError("redirected to a non-http(s) URL") from exc
    except httpx.HTTPError as exc:
        raise ReadError(f"{unreachable}: {type(exc).__name__}: {exc}") from exc


def read_body(resp: httpx.Response, limit: int, what: str, deadline: float | None = None,
              deadline_s: float = 0.0) -> bytes:
    """The response body, refused as soon as it (or its declared length) passes ``limit`` bytes, or when the
    download runs past the monotonic ``deadline`` (``deadline_s`` names it in the error)."""
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ReadError(f"{what} too large ({int(declared):,} bytes; limit {limit:,})")
    body = bytearray()
    for part in resp.iter_bytes():
        body.extend(part)
        if len(body) > limit:
            raise ReadError(f"{what} too large (over {limit:,} bytes)")
        if deadline is not None and time.monotonic() > deadline:
            raise ReadError(f"{what} download took over {deadline_s:g}s")
    return bytes(body)


def fetch(url: str, settings: Settings) -> tuple[str, bytes, str]:
    """GET ``url`` within the limits; returns (final URL, body, content type) or raises ReadError."""
    with open_stream(url, settings, "newsqa/0.1 (+ingest)") as resp:
        if resp.status_code >= 400:
            raise ReadError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in _HTML_TYPES | _TEXT_TYPES:
            raise ReadError(f"unsupported content type {ctype or '(none)'}; expected HTML or text")
        return str(resp.url), read_body(resp, settings.max_file_bytes, "page"), ctype


def read_url(url: str, settings: Settings) -> Iterator[Item]:
    """Fetch and extract one article; a failure carries the URL and the reason."""
    try:
        final_url, body, ctype = fetch(url, settings)
        text = decode_text(body, url)
        if ctype in _HTML_TYPES:
            article = article_from_html(text, settings, url=final_url)
        else:
            article = article_from_plain(text, settings, markdown=ctype == "text/markdown", url=final_url)
        yield replace(article, origin=url)
    except ReadError as exc:
        yield Failure(url, str(exc))
