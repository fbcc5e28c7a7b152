"""Questions about time: the named period filters both retrievers, 'latest' favours recent articles."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine
from rag.timeframe import parse_period

AS_OF = date(2020, 3, 15)
ROWS = [
    {"id": "juin-2019", "date": "2019-06-10", "title": "Le maire présente le budget de la piscine",
     "text": "Le maire de Rennes a présenté lundi le budget de la nouvelle piscine municipale. « Les travaux "
             "commenceront à l'automne », a-t-il déclaré devant le conseil."},
    {"id": "mars-2020-a", "date": "2020-03-01", "title": "La piscine municipale prend du retard",
     "text": "Le chantier de la piscine municipale de Rennes a pris trois mois de retard, selon la mairie. "
             "Le maire a promis une ouverture avant l'été."},
    {"id": "mars-2020-b", "date": "2020-03-12", "title": "La piscine municipale fermée par précaution",
     "text": "La mairie de Rennes a fermé jeudi le chantier de la piscine municipale par précaution. Le maire "
             "a déclaré que la sécurité des ouvriers passait avant le calendrier."},
]


@pytest.mark.parametrize(("question", "start", "end"), [
    ("What did the mayor say last week?", date(2020, 3, 8), AS_OF),
    ("Qu'a dit le maire hier ?", date(2020, 3, 14), date(2020, 3, 14)),
    ("Qu'a dit le maire en juin 2019 ?", date(2019, 6, 1), date(2019, 6, 30)),
    ("What happened in June?", date(2019, 6, 1), date(2019, 6, 30)),
    ("What did he say in 2019?", date(2019, 1, 1), date(2019, 12, 31)),
    ("Qu'a-t-on dit depuis février 2020 ?", date(2020, 2, 1), AS_OF),
    ("What happened last month?", date(2020, 2, 1), date(2020, 2, 29)),
])
def test_periods_in_english_and_french(question: str, start: date, end: date) -> None:
    """Relative and absolute periods resolve against the as-of date."""
    period = parse_period(question, AS_OF)
    assert period is not None and (period.start, period.end) == (start, end)


def test_a_year_used_as_a_name_is_not_a_period() -> None:
    """'the 2022 World Cup' names an event, not a period to filter on."""
    assert parse_period("Who won the 2022 World Cup?", AS_OF) is None


@pytest.fixture
def dated(tmp_path: Path, embedder: Embedder) -> Engine:
    """Three articles on one topic, June 2019 and March 2020, as of 2020-03-15."""
    batch = tmp_path / "d.jsonl"
    batch.write_text("\n".join(json.dumps({**r, "lang": "fr"}, ensure_ascii=False) for r in ROWS) + "\n",
                     encoding="utf-8")
    engine = Engine.open(Settings(store=tmp_path / "s", as_of=AS_OF, nlp_at_ingest=False), embedder)
    assert engine.ingestor().ingest(read_path(batch, engine.settings)).ok
    return engine


def test_period_filters_retrieval(dated: Engine) -> None:
    """'la semaine dernière' only retrieves the article of that week; 'en juin 2019' only the 2019 one."""
    _, _, week = dated.prepare("Qu'a dit le maire sur la piscine la semaine dernière ?")
    assert week and {p.article_id for p in week} == {"mars-2020-b"}
    _, _, june = dated.prepare("Qu'a dit le maire sur la piscine en juin 2019 ?")
    assert june and {p.article_id for p in june} == {"juin-2019"}


def test_empty_period_is_said(dated: Engine) -> None:
    """A period without articles is refused, saying which period was searched, never answered from another."""
    ans = dated.ask("What did the mayor say about the swimming pool in 2018?")
    assert ans.refused and not ans.citations
    assert ans.notice and "2018-01-01" in ans.notice and "2018-12-31" in ans.notice


def test_latest_prefers_recent_articles(dated: Engine) -> None:
    """'dernières nouvelles' puts the newest article first."""
    _, _, passages = dated.prepare("Quelles sont les dernières nouvelles de la piscine municipale ?")
    assert passages and passages[0].article_id == "mars-2020-b"


@pytest.mark.parametrize("question", ["Que s'est-il passé avec la piscine municipale de Rennes ?",
                                      "What happened with the Rennes swimming pool?"])
def test_what_happened_with_x_is_a_dated_timeline(dated: Engine, question: str) -> None:
    """"What happened with X?" over several articles: one quoted sentence per article, oldest first, each line
    dated and cited with its article's exact sentence."""
    ans = dated.ask(question)
    assert not ans.refused
    lines = ans.text.split("\n")
    assert len(lines) == len(ans.citations) >= 2
    articles = [c.article_id for c in ans.citations]
    assert len(set(articles)) == len(articles)  # one line per article
    days = [c.date for c in ans.citations]
    assert days == sorted(days)  # oldest first
    for n, (line, c) in enumerate(zip(lines, ans.citations, strict=True), start=1):
        assert c.date and line.startswith(c.date[:10]) and f"[{n}]" in line
        assert c.quote and c.quote in line  # the sentence itself, quoted
        assert c.text[c.passage_span[0]:c.passage_span[1]] == c.quote


def test_what_happened_on_one_event_is_not_a_timeline(dated: Engine) -> None:
    """A what-happened question naming one event (a second verb) gets an ordinary answer, not a timeline."""
    ans = dated.ask("Que s'est-il passé quand la mairie a fermé le chantier de la piscine ?")
    assert not ans.refused and "\n" not in ans.text
    assert "mars-2020-b" in {c.article_id for c in ans.citations}
