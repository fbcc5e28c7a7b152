"""Fetching articles by URL, with limits: http/https only, timeout, size cap, redirect cap.

Anything else (``file://``, ``ftp://``, ``javascript:``...) is refused before any I/O, and the final
URL after redirects must still be http(s). The body is streamed and abandoned as soon as it passes
``max_file_bytes``, so a huge or endless response cannot exhaust memory.
"""

from __future__ import annotations

from collections.abc import Iterator
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


def fetch(url: str, settings: Settings) -> tuple[str, bytes, str]:
    """GET ``url`` within the limits; returns (final URL, body, content type) or raises ReadError."""
    if urlsplit(url).scheme.lower() not in {"http", "https"}:
        raise ReadError(f"only http:// and https:// URLs are fetched, not {urlsplit(url).scheme}:")
    if not urlsplit(url).hostname:
        raise ReadError("malformed URL (no host)")
    limit = settings.max_file_bytes
    try:
        with httpx.Client(
            follow_redirects=True, max_redirects=settings.url_max_redirects,
            timeout=httpx.Timeout(settings.url_timeout_s), headers={"User-Agent": "newsqa/0.1 (+ingest)"},
        ) as client, client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise ReadError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype not in _HTML_TYPES | _TEXT_TYPES:
                raise ReadError(f"unsupported content type {ctype or '(none)'}; expected HTML or text")
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise ReadError(f"page too large ({int(declared):,} bytes; limit {limit:,})")
            body = bytearray()
            for part in resp.iter_bytes():
                body.extend(part)
                if len(body) > limit:
                    raise ReadError(f"page too large (over {limit:,} bytes)")
            return str(resp.url), bytes(body), ctype
    except httpx.TooManyRedirects as exc:
        raise ReadError(f"too many redirects (limit {settings.url_max_redirects})") from exc
    except httpx.TimeoutException as exc:
        raise ReadError(f"timed out after {settings.url_timeout_s:g}s") from exc
    except httpx.UnsupportedProtocol as exc:
        raise ReadError("redirected to a non-http(s) URL") from exc
    except httpx.HTTPError as exc:
        raise ReadError(f"could not fetch: {type(exc).__name__}: {exc}") from exc


def read_url(url: str, settings: Settings) -> Iterator[Item]:
    """Fetch and extract one article; a failure carries the URL and the reason."""
    try:
        final_url, body, ctype = fetch(url, settings)
        text = decode_text(body, url)
        if ctype in _HTML_TYPES:
            article = article_from_html(text, settings, url=final_url)
        else:
            article = article_from_plain(text, settings, markdown=ctype == "text/markdown", url=final_url)
        yield article
    except ReadError as exc:
        yield Failure(url, str(exc))
