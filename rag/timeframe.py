"""Time in questions: the period a question names, as a date range, in English and French.

"What did Kim say last week?", "en juin", "in 2019", "hier", "depuis février 2022", "latest news on…":
the period is resolved against *today* (or ``Settings.as_of`` / ``--as-of`` so tests and evaluations are
deterministic) and applied as a date filter on both retrievers. "latest" / "dernières" asks for recent
articles: no filter, but a recency prior on the retrieved passages (see :func:`recency_weight`).

Only explicit time phrases count: a bare year used as a name ("the 2022 World Cup") is a constraint the
answerer checks (rag/select.py, ``year_missing``), not a filter; "in 2022" / "en 2022" is a filter. The
time words below are closed grammatical classes (months, relative-time adverbs) of each language.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_IN = r"(?:in|during|en|pendant|durant|au cours de|au mois de|in the month of)"
_SINCE = r"(?:since|depuis)"
_LATEST = re.compile(r"\b(latest|most recent|newest|dernières|derniers|dernière|récentes|récents|plus récent\w*)\b",
                     re.IGNORECASE)
#: Half-life of the recency prior for "latest" questions: a passage 30 days older than the newest article
#: weighs half as much. A product choice (news "latest" means weeks, not years), not fitted: no labelled
#: "latest" questions exist yet to fit it on.
RECENCY_HALF_LIFE_DAYS = 30.0
#: For "latest" questions, passages scoring at least this share of the best passage's fused score count as
#: "about the same thing" and are ordered newest first. A product choice, not fitted (no labelled "latest"
#: questions yet): generous on purpose, so that only a clearly more relevant older article comes first.
RELEVANT_SHARE = 0.25


@dataclass(frozen=True)
class Period:
    """A closed date range named by a question, with the words that named it."""

    start: date
    end: date
    phrase: str

    def where(self) -> dict[str, int]:
        """As the retrievers' date filter (YYYYMMDD ints)."""
        return {"date_from": int(self.start.strftime("%Y%m%d")), "date_to": int(self.end.strftime("%Y%m%d"))}

    def describe(self, lang: str) -> str:
        """'from 2019-06-01 to 2019-06-30' in the question's language."""
        if lang == "fr":
            return f"du {self.start.isoformat()} au {self.end.isoformat()}"
        return f"from {self.start.isoformat()} to {self.end.isoformat()}"


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_period(question: str, today: date) -> Period | None:
    """The period ``question`` names, resolved against ``today``; None when it names none."""
    q = question.lower()
    rules: list[tuple[str, object]] = [
        (r"\b(yesterday|hier)\b", lambda m: (today - timedelta(days=1), today - timedelta(days=1))),
        (r"\b(today|aujourd'hui|aujourd’hui)\b", lambda m: (today, today)),
        (r"\b(last week|past week|la semaine (?:dernière|passée)|cette semaine|this week)\b",
         lambda m: (today - timedelta(days=7 if "this" not in m.group(0) and "cette" not in m.group(0)
                                      else today.weekday()), today)),
        (r"\b(last month|past month|le mois (?:dernier|passé))\b", lambda m: _prev_month(today)),
        (r"\b(this month|ce mois-ci)\b", lambda m: (today.replace(day=1), today)),
        (r"\b(last year|l'année (?:dernière|passée)|l’année (?:dernière|passée))\b",
         lambda m: (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
        (r"\b(this year|cette année)\b", lambda m: (date(today.year, 1, 1), today)),
        (rf"\b{_SINCE}\s+(?:le\s+|the\s+)?(?:\d{{1,2}}(?:er)?\s+)?({_M})\s+(\d{{4}})\b",
         lambda m: (date(int(m.group(2)), MONTHS[m.group(1)], 1), today)),
        (rf"\b{_SINCE}\s+(\d{{4}})\b", lambda m: (date(int(m.group(1)), 1, 1), today)),
        (rf"\b{_SINCE}\s+({_M})\b", lambda m: (_last_month_start(today, MONTHS[m.group(1)]), today)),
        (rf"\b{_IN}\s+({_M})\s+(\d{{4}})\b", lambda m: _month_range(int(m.group(2)), MONTHS[m.group(1)])),
        (rf"\b{_IN}\s+({_M})\b", lambda m: _month_range(_last_month_start(today, MONTHS[m.group(1)]).year,
                                                         MONTHS[m.group(1)])),
        (rf"\b{_IN}\s+((?:19|20)\d\d)\b", lambda m: (date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31))),
    ]
    for pattern, make in rules:
        m = re.search(pattern, q)
        if m:
            start, end = make(m)  # type: ignore[operator]
            return Period(start, end, m.group(0))
    return None


def wants_latest(question: str) -> bool:
    """Does the question ask for the most recent news ("latest", "dernières")?"""
    return bool(_LATEST.search(question))


def recency_weight(article_date: str | None, newest: date) -> float:
    """The recency prior: 0.5 ** (age in days / half-life), age counted from the newest retrieved article."""
    if not article_date:
        return 0.5  # undated: as if one half-life old
    try:
        d = date.fromisoformat(article_date[:10])
    except ValueError:
        return 0.5
    return float(0.5 ** (max(0, (newest - d).days) / RECENCY_HALF_LIFE_DAYS))


def _prev_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1) - timedelta(days=1)
    return _month_range(first.year, first.month)


def _last_month_start(today: date, month: int) -> date:
    """The first day of the latest ``month`` that has started by ``today``."""
    year = today.year if month <= today.month else today.year - 1
    return date(year, month, 1)
