"""The incremental FTS5 keyword index (rag/fts.py): writes, filters inside the query, safety, persistence, BM25."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.fts import ChunkRow, Filter, FtsIndex

# Words without meaning in either language, so the assertions do not hang on real vocabulary.
_FILLER = ["lorvane", "miskette", "parudol", "quibrane", "tessoval", "vundrel", "yarplin", "zebrotte"]


def _filler(n: int, start: int = 0) -> list[ChunkRow]:
    """Chunks that share no term with the queries below, so the queried terms stay rare (positive IDF)."""
    return [ChunkRow(f"fill-{i}::0::0", f"fill-{i}", " ".join(_FILLER[(i + j) % len(_FILLER)] for j in range(6)), "en")
            for i in range(start, start + n)]


def _ids(hits: list[tuple[str, float]]) -> list[str]:
    return [cid for cid, _ in hits]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[FtsIndex]:
    """A fresh index in a temp file."""
    ix = FtsIndex(tmp_path / "keyword.db")
    yield ix
    ix.close()


def test_deleted_chunk_never_comes_back(index: FtsIndex) -> None:
    """After delete, a chunk is gone from search, count and ids, and a later add of others does not revive it."""
    index.add([ChunkRow("a::0::0", "a", "Le zorglub traverse la ville.", "fr"),
               ChunkRow("b::0::0", "b", "Un zorglub dans le port.", "fr"), *_filler(10)])
    assert set(_ids(index.search("zorglub", 10))) == {"a::0::0", "b::0::0"}
    assert index.delete(["a::0::0", "unknown"]) == 1
    index.add([ChunkRow("c::0::0", "c", "Encore un zorglub.", "fr")])
    assert set(_ids(index.search("zorglub", 10))) == {"b::0::0", "c::0::0"}
    assert "a::0::0" not in index.ids() and index.count() == 12
    assert index.check()


def test_readding_a_chunk_id_replaces_it(index: FtsIndex) -> None:
    """Adding a chunk id again replaces its text and metadata instead of indexing a second copy."""
    index.add([ChunkRow("a::0::0", "a", "Le quetzal vole.", "fr", outlet="AFP"), *_filler(5)])
    index.add([ChunkRow("a::0::0", "a", "Le zorglub nage.", "fr", outlet="Reuters")])
    assert index.search("quetzal", 5) == []
    assert _ids(index.search("zorglub", 5)) == ["a::0::0"]
    assert index.search("zorglub", 5, Filter(outlets=("AFP",))) == []
    assert index.count() == 6 and index.check()


def test_writes_match_a_model_over_random_adds_and_deletes(index: FtsIndex) -> None:
    """Over a random sequence of adds, re-adds and deletes, the index holds exactly the live chunks and finds
    each by its own word, and deleting one article's chunks leaves every other article's untouched."""
    rng = random.Random(5)
    words = [f"mot{n}x" for n in range(40)]  # one distinct term per chunk id
    live: dict[str, str] = {}
    for _ in range(60):
        cid = f"art{rng.randrange(8)}::0::{rng.randrange(5)}"
        if rng.random() < 0.35 and live:
            gone = rng.choice(sorted(live))
            index.delete([gone])
            del live[gone]
        else:
            word = rng.choice(words)
            index.add([ChunkRow(cid, cid.split("::")[0], f"{word} et du texte", "fr")])
            live[cid] = word
        assert sorted(index.ids()) == sorted(live)
    for cid, word in live.items():
        assert cid in _ids(index.search(word, 40))
    index.delete_articles(["art0"])
    assert sorted(index.ids()) == sorted(c for c in live if not c.startswith("art0::"))
    assert index.check()


def test_language_filter_applies_before_the_top_k(index: FtsIndex) -> None:
    """With k=1 and a French filter, the French chunk comes back although English chunks score higher: the
    filter is part of the query, not a mask over the unfiltered top k."""
    index.add([ChunkRow(f"en{i}::0::0", f"en{i}", "zorglub zorglub zorglub zorglub", "en") for i in range(5)]
              + [ChunkRow("fr::0::0", "fr", "Un zorglub parmi beaucoup d'autres mots ici et là-bas.", "fr")]
              + _filler(20))
    assert _ids(index.search("zorglub", 1))[0].startswith("en")
    assert _ids(index.search("zorglub", 1, Filter(languages=("fr",)))) == ["fr::0::0"]


@pytest.mark.parametrize(("where", "expected"), [
    (Filter(outlets=("AFP",)), {"a"}),
    (Filter(date_from="2024-01-01"), {"b"}),
    (Filter(date_to="2023-12-31"), {"a"}),  # the undated chunk passes no date bound
    (Filter(article_ids=("c", "b")), {"b", "c"}),
    (Filter(people=("Ada Lovelace",)), {"a", "c"}),
    (Filter(languages=("en",), people=("Ada Lovelace",)), {"c"}),
    (Filter.from_where({"sources": ["Reuters"], "date_from": 20240101}), {"b"}),
])
def test_each_filter_restricts_results(index: FtsIndex, where: Filter, expected: set[str]) -> None:
    """Outlet, date range, article ids, people and their conjunction each keep exactly the matching chunks."""
    index.add([ChunkRow("a::0::0", "a", "Le zorglub arrive.", "fr", "AFP", "2023-05-01", ("Ada Lovelace",)),
               ChunkRow("b::0::0", "b", "Le zorglub repart.", "fr", "Reuters", "2024-02-01", ("Alan Turing",)),
               ChunkRow("c::0::0", "c", "The zorglub stays.", "en", "BBC", None, ("Ada Lovelace",)), *_filler(10)])
    assert {cid.split("::")[0] for cid in _ids(index.search("zorglub", 10, where))} == expected


@pytest.mark.parametrize(("question", "found"), [
    ('zorglub" OR "x', True), ("NEAR(zorglub near, 2)", True), ("zorglub*", True), ("(zorglub", True),
    ("terms: zorglub", True), ("^zorglub", True), ("-zorglub +near", True), ("zorglub AND", True),
    ("{terms}: near", True), ("NEAR", True), ("AND OR NOT", False), ('"', False),
    ("'; DROP TABLE chunk; --", False),
])
def test_query_syntax_is_plain_text(index: FtsIndex, question: str, found: bool) -> None:
    """FTS5 syntax in a question (quotes, operators, NEAR, *, parentheses, colons) never raises: its words are
    searched as plain terms ('NEAR' finds the word 'near'), and a question of stopwords finds nothing."""
    index.add([ChunkRow("a::0::0", "a", "A zorglub near the harbour.", "en"), *_filler(5)])
    assert _ids(index.search(question, 5)) == (["a::0::0"] if found else [])
    assert index.count() == 6 and index.check()


def test_reopening_the_file_gives_the_same_index(tmp_path: Path) -> None:
    """A new instance on the same file returns the same results, counts and recorded meta."""
    path = tmp_path / "kw.db"
    first = FtsIndex(path)
    first.add([ChunkRow("a::0::0", "a", "Le zorglub et le quetzal.", "fr"),
               ChunkRow("b::0::0", "b", "Un quetzal seul.", "fr"), *_filler(8)], meta={"lsn": "41"})
    first.delete(["fill-0::0::0"], meta={"lsn": "42"})
    before = first.search("quetzal zorglub", 5)
    first.close()
    second = FtsIndex(path)
    assert second.search("quetzal zorglub", 5) == before
    assert second.count() == 9 and second.get_meta("lsn") == "42"
    second.close()


def test_a_failed_write_changes_nothing(index: FtsIndex) -> None:
    """A write that fails half-way leaves the chunks and the recorded meta as they were (one transaction)."""
    index.add([ChunkRow("a::0::0", "a", "Le quetzal vole.", "fr"), *_filler(5)], meta={"lsn": "1"})
    bad = ChunkRow("b::0::0", None, "Un zorglub.", "fr")  # type: ignore[arg-type]  # NOT NULL fails mid-write
    with pytest.raises(Exception, match="NOT NULL"):
        index.add([ChunkRow("a::0::0", "a", "Le zorglub nage.", "fr"), bad], meta={"lsn": "2"})
    assert _ids(index.search("quetzal", 5)) == ["a::0::0"] and index.search("zorglub", 5) == []
    assert index.get_meta("lsn") == "1" and index.count() == 6 and index.check()


def test_rarer_matched_term_ranks_higher(index: FtsIndex) -> None:
    """BM25: of two chunks of equal length each matching one query term once, the one whose term is rarer
    in the corpus ranks first, and scores are higher-is-better, best first."""
    common = [ChunkRow(f"m{i}::0::0", f"m{i}", "marché " + " ".join(_FILLER[:5]), "fr") for i in range(6)]
    rare = ChunkRow("q::0::0", "q", "quetzal " + " ".join(_FILLER[:5]), "fr")
    index.add([*common, rare, *_filler(20)])
    hits = index.search("marché quetzal", 10)
    assert hits[0][0] == "q::0::0"
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True) and hits[0][1] > hits[1][1] > 0
