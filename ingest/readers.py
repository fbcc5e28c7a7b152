"""Readers: turn files, directories, URLs, JSONL batches and pasted text into :class:`Article` s.

Each reader yields either an :class:`Article` or a :class:`Failure` with a one-line reason, lazily,
so a batch of 10,000 articles is streamed rather than held in memory, and one bad input never stops
the others.

Article ids (see RELIABILITY.md, "Identity"): an explicit JSONL ``id`` always; else the canonical URL
(a page's own canonical link only when it is on the host it was fetched from: a page cannot claim
another site's URL to overwrite its article); else, for files and pasted text, a hash of title *and*
body. News repeats headlines across outlets and days, so two different articles with one headline are
two articles; re-ingesting an identical file is "unchanged"; an edited file (no URL, no id) is a new
article: without an identity given by its source, a different body cannot be told from a different
article, and keeping both loses nothing (give a JSONL ``id`` or a URL to make edits update in place).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError, field_validator

from ingest.clean import clean_plain_text, normalise, paragraphs_from_lines
from rag.config import Settings
from rag.models import Article
from rag.text import detect_language

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
_MAGIC = {
    b"PK\x03\x04": "zip archive", b"\x1f\x8b": "gzip archive", b"%PDF": "PDF document",
    b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image", b"BZh": "bzip2 archive",
    b"\x7fELF": "executable", b"\xfd7zXZ": "xz archive", b"7z\xbc\xaf": "7z archive",
}


class ReadError(ValueError):
    """An input that cannot become an article; the message is the user-facing reason."""


@dataclass(frozen=True)
class Failure:
    """An input that failed, with where it came from and why."""

    source: str
    reason: str
    title: str = ""


Item = Article | Failure


# --------------------------------------------------------------------------------------------
# Bytes -> text

def decode_text(data: bytes, name: str = "input") -> str:
    """Decode bytes as UTF-8, else Windows-1252, else Latin-1; refuse empty or binary data."""
    if not data.strip():
        raise ReadError("empty file")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"binary file ({kind}), not text")
    head = data[:8192]
    if b"\x00" in head:
        raise ReadError("binary file (contains NUL bytes), not text")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > max(8, len(text[:8192]) // 20):
        raise ReadError("binary file (mostly control characters), not text")
    return text


def stable_id(title: str, source: str | None, url: str | None = None, explicit: str | None = None,
              text: str = "") -> str:
    """Explicit id, else canonical URL, else a hash of title, outlet and body (see module docstring)."""
    if explicit:
        return explicit
    if url:
        return url
    key = f"{normalise(title).lower()}\x1f{(source or '').lower()}\x1f{normalise(text)}"
    return "doc:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def iso_date(value: Any) -> str | None:
    """Normalise a date to ISO ``YYYY-MM-DD`` (None when absent or unparseable)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%d")
    except ValueError:
        pass
    import dateparser  # free-form dates in French or English ("5 mars 2024", "March 5, 2024")

    parsed = dateparser.parse(text, languages=["fr", "en"], settings={"DATE_ORDER": "DMY"})
    return parsed.strftime("%Y-%m-%d") if parsed else None


def make_article(title: str, text: str, settings: Settings, *, url: str | None = None, date: Any = None,
                 lang: str | None = None, source: str | None = None, author: str | None = None,
                 explicit_id: str | None = None) -> Article:
    """Validate and complete an article (language, ISO date, id); raises :class:`ReadError`."""
    text = normalise(text)
    title = normalise(title).split("\n")[0].strip()
    if len(text) < settings.min_article_chars:
        raise ReadError(f"no article text (only {len(text)} characters after cleaning)")
    if not title:
        title = text.split("\n")[0][:120]
    return Article(
        id=stable_id(title, source, url, explicit_id, text),
        title=title,
        text=text,
        url=url or None,
        date=iso_date(date),
        lang=(lang or detect_language(title + "\n" + text)).lower()[:8],
        source=source or None,
        author=author or None,
    )


# --------------------------------------------------------------------------------------------
# Formats

def article_from_plain(raw: str, settings: Settings, *, markdown: bool = False, title: str | None = None,
                       source: str | None = None, url: str | None = None) -> Article:
    """Plain text or Markdown: first non-furniture line is the title, furniture is dropped."""
    if title:
        return make_article(title, raw, settings, source=source, url=url)
    cleaned = clean_plain_text(raw, markdown=markdown)
    return make_article(cleaned.title, cleaned.body, settings, source=source, url=url)


def article_from_html(html: str, settings: Settings, url: str | None = None) -> Article:
    """HTML: body and metadata by :func:`ingest.extract.extract_html` (see its docstring for how and why).

    The canonical URL becomes the id only when it is on the fetched URL's site (see the module docstring);
    what metadata could not be found is listed in the result (``missing``).
    """
    from ingest.extract import ExtractionError, extract_html

    try:
        page = extract_html(html, url)
    except ExtractionError as exc:
        raise ReadError(str(exc)) from exc
    text = paragraphs_from_lines(page.text)
    if len(text) < settings.min_article_chars:
        raise ReadError("no article text found in the HTML page")
    article = make_article(page.title, text, settings, url=page.url or url, date=page.date, source=page.source,
                           author=page.author)
    return replace(article, missing=tuple(page.missing))


class JsonlRecord(BaseModel):
    """One line of a JSONL batch."""

    id: str | None = None
    title: str
    text: str
    url: str | None = None
    date: str | None = None
    lang: str | None = None
    source: str | None = None
    author: str | None = None

    @field_validator("title", "text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v


def read_jsonl_lines(lines: Iterator[bytes], name: str, settings: Settings) -> Iterator[Item]:
    """Each line is one article; a bad line is a failure of that line only."""
    for lineno, raw in enumerate(lines, 1):
        where = f"{name}:{lineno}"
        if not raw.strip():
            continue
        try:
            if len(raw) > settings.max_file_bytes:
                raise ReadError(f"line larger than {settings.max_file_bytes:,} bytes")
            obj = json.loads(decode_text(raw, where))
            if not isinstance(obj, dict):
                raise ReadError("line is not a JSON object")
            rec = JsonlRecord.model_validate(obj)
            article = make_article(rec.title, rec.text, settings, url=rec.url, date=rec.date, lang=rec.lang,
                                   source=rec.source, author=rec.author, explicit_id=rec.id)
            yield replace(article, origin=where)
        except json.JSONDecodeError as exc:
            yield Failure(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
        except ValidationError as exc:
            err = exc.errors()[0]
            yield Failure(where, f"invalid record: {'.'.join(map(str, err['loc'])) or 'line'} {err['msg']}")
        except ReadError as exc:
            yield Failure(where, str(exc))


# --------------------------------------------------------------------------------------------
# Entry points

def read_bytes(data: bytes, name: str, settings: Settings) -> Iterator[Item]:
    """Read an uploaded or on-disk file's bytes by its extension."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix not in SUPPORTED:
            raise ReadError(f"unsupported file type {suffix or '(none)'}; use .txt, .md, .html or .jsonl")
        if len(data) > settings.max_file_bytes:
            raise ReadError(f"file too large ({len(data):,} bytes; limit {settings.max_file_bytes:,})")
        if suffix in JSONL_SUFFIXES:
            if not data.strip():
                raise ReadError("empty file")
            yield from read_jsonl_lines(iter(data.splitlines()), name, settings)
            return
        text = decode_text(data, name)
        if suffix in HTML_SUFFIXES:
            yield replace(article_from_html(text, settings), origin=name)
        else:
            yield replace(article_from_plain(text, settings, markdown=suffix != ".txt"), origin=name)
    except ReadError as exc:
        yield Failure(name, str(exc))


def read_path(path: Path, settings: Settings) -> Iterator[Item]:
    """A file or a directory (recursively, supported extensions only, in sorted order)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
        if not files:
            yield Failure(str(path), "directory holds no .txt, .md, .html or .jsonl files")
        for file in files:
            yield from read_path(file, settings)
        return
    if not path.exists():
        yield Failure(str(path), "no such file or directory")
        return
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes and path.suffix.lower() not in JSONL_SUFFIXES:
            yield Failure(str(path), f"file too large ({size:,} bytes; limit {settings.max_file_bytes:,})")
            return
        if path.suffix.lower() in JSONL_SUFFIXES:
            with path.open("rb") as fh:  # streamed: a big batch is never held whole
                if size == 0:
                    yield Failure(str(path), "empty file")
                yield from read_jsonl_lines(iter(fh), str(path), settings)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Failure(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    yield from read_bytes(data, str(path), settings)


def read_input(spec: str, settings: Settings) -> Iterator[Item]:
    """A CLI argument: an http(s) URL or a path. Other URL schemes are refused."""
    from ingest.fetch import is_url, read_url

    if is_url(spec):
        yield from read_url(spec, settings)
    else:
        yield from read_path(Path(spec), settings)


def read_pasted(title: str, text: str, settings: Settings, url: str | None = None,
                source: str | None = None) -> Iterator[Item]:
    """Text pasted in the app, with its title."""
    try:
        if len(text.encode("utf-8")) > settings.max_file_bytes:
            raise ReadError(f"text too large (limit {settings.max_file_bytes:,} bytes)")
        if not text.strip():
            raise ReadError("empty text")
        article = article_from_plain(text, settings, title=title or None, source=source, url=url)
        yield replace(article, origin=f"pasted: {title or article.title}"[:200])
    except ReadError as exc:
        yield Failure(title or "pasted text", str(exc))
