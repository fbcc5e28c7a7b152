"""Boilerplate removal for plain-text articles, and text normalisation shared by every reader.

Scraped page text arrives with navigation around the article: a breadcrumb line on top ("Accueil
Actu Monde International"), then the article, then furniture ("À lire aussi", "Sélectionné pour
vous") followed by teasers of unrelated articles. We keep the article: breadcrumb-like lines before
the title are dropped, and everything from the first furniture heading on is cut, since what follows
such a heading belongs to other articles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Headings after which a news page shows other articles, never the current one.
_FURNITURE_HEADINGS = re.compile(
    r"^\s*(à lire aussi|a lire aussi|lire aussi|sélectionné pour vous|selectionne pour vous|"
    r"sur le même sujet|dans la même rubrique|les plus lus|nos newsletters?|voir aussi|"
    r"read more|read next|related( articles| stories)?|more from|recommended( for you)?|"
    r"most read|you may also like|sign up for|partager( cet article)?|share this( article)?)\s*:?\s*$",
    re.IGNORECASE,
)
# Navigation words that make up breadcrumbs and menus.
_NAV_WORDS = {
    "accueil", "actu", "actus", "actualité", "actualités", "monde", "international", "france", "politique",
    "économie", "société", "culture", "sport", "sports", "home", "news", "world", "business", "menu",
    "rubriques", "europe", "afrique", "asie", "amériques", "tech", "science", "opinion", "région",
}
_BREADCRUMB_SEP = re.compile(r"\s*(?:>|›|»|/|\|)\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class CleanText:
    """A cleaned plain-text article: its title and the body that citations point into."""

    title: str
    body: str


def normalise(text: str) -> str:
    """NFC, unified newlines, no control characters or soft hyphens, no trailing spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00ad", "").replace("\ufeff", "").replace("\u00a0", " ")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_breadcrumb(line: str) -> bool:
    """A short navigation line: separated by '>'/'/' or made of menu words, with no sentence in it."""
    stripped = line.strip()
    if not stripped or len(stripped) > 120 or re.search(r"[.!?:;,\"«»]$", stripped):
        return False
    parts = [p for p in _BREADCRUMB_SEP.split(stripped) if p]
    if len(parts) > 1 and all(len(p.split()) <= 4 for p in parts):
        return True
    words = stripped.lower().split()
    return len(words) <= 8 and sum(w in _NAV_WORDS for w in words) >= max(2, len(words) - 1)


def clean_plain_text(raw: str, markdown: bool = False) -> CleanText:
    """Split scraped page text into title and article body, dropping page furniture."""
    lines = normalise(raw).split("\n")
    if markdown:
        lines = [_strip_markdown(line) for line in lines]
    i = 0
    while i < len(lines) and (not lines[i].strip() or is_breadcrumb(lines[i])):
        i += 1
    title = lines[i].strip() if i < len(lines) else ""
    body_lines: list[str] = []
    for line in lines[i + 1:]:
        if _FURNITURE_HEADINGS.match(line):
            break
        body_lines.append(line)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(body_lines)).strip()
    return CleanText(title=title, body=body)


def _strip_markdown(line: str) -> str:
    line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)


def paragraphs_from_lines(text: str) -> str:
    """Extractors give one paragraph per line; make each a blank-line separated paragraph."""
    return re.sub(r"\n+", "\n\n", normalise(text))
