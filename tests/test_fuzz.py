"""Hostile and malformed input to the readers: never a crash, never a hang, always a clear reason."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.readers import Failure, read_bytes
from rag.config import Settings
from rag.datasets import SHARED
from rag.engine import Engine
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


GOOD_TEXT = "Le conseil municipal a adopté mardi soir le budget de la ville pour l'année prochaine."
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _good_line(n: int) -> bytes:
    return json.dumps({"id": f"good-{n}", "title": f"Article valide {n}", "text": GOOD_TEXT}).encode()


def _is_record(line: bytes) -> bool:
    """Would this line pass as an article record? (Bad lines are drawn until they would not.)"""
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and bool(str(obj.get("title", "")).strip()) and len(str(obj.get("text", ""))) >= 40


_one_line_text = st.text(alphabet=st.characters(blacklist_characters=_LINE_BREAKS), min_size=1, max_size=200)
BAD_LINES = st.one_of(
    _one_line_text.map(str.encode),
    st.binary(max_size=200).map(lambda b: repr(b).encode()),
    st.binary(min_size=1, max_size=200).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
    st.one_of(st.integers(), st.lists(st.integers()), _one_line_text).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"title": _one_line_text}).map(lambda d: json.dumps(d).encode()),  # no text
    st.fixed_dictionaries({"title": st.sampled_from(["", "  "]), "text": st.just(GOOD_TEXT)}).map(
        lambda d: json.dumps(d).encode()),  # blank title
    st.fixed_dictionaries({"title": _one_line_text, "text": _one_line_text.map(lambda t: t[:39])}).map(
        lambda d: json.dumps(d).encode()),  # too short to be an article
).filter(lambda line: bool(line.strip()) and not _is_record(line))


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.one_of(st.none(), BAD_LINES), min_size=1, max_size=8))
def test_invalid_jsonl(rows: list[bytes | None]) -> None:
    """In a JSONL batch mixing good and bad lines, each bad line is one failure naming its line, and
    every good line of the same batch is read as its article, in order."""
    lines = [_good_line(n) if row is None else row for n, row in enumerate(rows, 1)]
    out = _read(b"\n".join(lines), "batch.jsonl")
    good = [n for n, row in enumerate(rows, 1) if row is None]
    bad = [n for n, row in enumerate(rows, 1) if row is not None]
    assert [x.title for x in out if isinstance(x, Article)] == [f"Article valide {n}" for n in good]
    assert [x.source for x in out if isinstance(x, Failure)] == [f"batch.jsonl:{n}" for n in bad]


def test_bad_lines_do_not_stop_the_good_ones_being_ingested(engine: Engine) -> None:
    """Ingesting a batch whose lines alternate good and bad stores every good article and fails each
    bad line on its own."""
    lines = [_good_line(1), b"{not json", _good_line(3), b'{"title": "sans texte"}', b"[1, 2]", _good_line(6)]
    report = engine.ingestor().ingest(read_bytes(b"\n".join(lines), "batch.jsonl", engine.settings))
    assert sorted(r.id for r in report.results if r.status == "failed") == [
        "batch.jsonl:2", "batch.jsonl:4", "batch.jsonl:5"]
    assert report.count("added") == 3
    assert sorted(a.title for a in engine.store.list_articles()) == [f"Article valide {n}" for n in (1, 3, 6)]


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
