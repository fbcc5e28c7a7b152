"""Hostile and malformed input to the readers: never a crash, never a hang, always a clear reason."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.readers import Failure, read_bytes
from rag.config import Settings
from rag.datasets import SHARED
from rag.models import Article

CFG = Settings(store=Path("/nonexistent"), max_file_bytes=2_000_000)
HTML_DIR = SHARED / "corpus/wikinews/source/fr_WikinewsKeyphraseCorpus/documents"


def _read(data: bytes, name: str, limit_s: float = 30.0) -> list[Article | Failure]:
    """Read within a time limit (a hang fails the test); every failure has a one-line reason."""
    out: list[Article | Failure] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.extend(read_bytes(data, name, CFG))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(limit_s)
    assert not t.is_alive(), f"reader hung on {name}"
    assert not errors, errors
    for item in out:
        if isinstance(item, Failure):
            assert item.reason and "\n" not in item.reason
        else:
            assert item.text.strip() and item.title
    return out


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    """Random bytes under any supported extension."""
    _read(data, "fuzz" + suffix)


@settings(max_examples=60, deadline=None)
@given(cut=st.floats(0.0, 1.0), which=st.integers(0, 99))
def test_truncated_real_html(cut: float, which: int) -> None:
    """A real Wikinews page cut at any point."""
    page = sorted(HTML_DIR.glob("*.html"))[which].read_bytes()
    _read(page[: int(len(page) * cut)], "cut.html")


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(repr)), max_size=8))
def test_invalid_jsonl(lines: list[str]) -> None:
    """Arbitrary JSONL lines: each bad line fails on its own."""
    out = _read("\n".join(lines).encode("utf-8", "surrogatepass"), "batch.jsonl")
    assert all(isinstance(x, Failure) for x in out if not isinstance(x, Article))


def test_huge_line_and_deep_nesting() -> None:
    """A 1.5 MB single line, and markup nested 50,000 deep, are handled."""
    [huge] = _read(b"Titre\n\n" + b"mot " * 375_000, "huge.txt")
    assert isinstance(huge, Article)
    [nested] = _read(b"<html><body>" + b"<div>" * 50_000 + b"texte" + b"</div>" * 50_000 + b"</body></html>",
                     "deep.html")
    assert isinstance(nested, Failure)


def test_zip_bomb_renamed_html() -> None:
    """A zip of 200 MB of zeros renamed .html is refused as binary, without inflating it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.html", b"\0" * 200_000_000)
    [item] = _read(buf.getvalue(), "bomb.html")
    assert isinstance(item, Failure) and "zip archive" in item.reason
    gz = b"\x1f\x8b\x08\x00" + b"\x00" * 100
    [item] = _read(gz, "bomb.txt")
    assert isinstance(item, Failure) and "gzip" in item.reason
