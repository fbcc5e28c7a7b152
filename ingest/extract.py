"""Article text and metadata from an HTML page, keeping every word of the body.

Body. trafilatura in its balanced mode (user comments left out) proposes the paragraphs, whole and
in page order. Two stricter extractors then vote on each: trafilatura in precision mode and the
readability algorithm (trafilatura's own fork of readability-lxml). A paragraph stays when at least
one of them also found it (half of its word 4-grams), so furniture only the lenient pass let in
(related links, newsletter and share boxes, "Lire aussi" lines) goes, while the text kept is always
the balanced pass's complete paragraph: the precision pass drops linked words inside sentences (an
inline ``<span class="link">`` is boilerplate to it), so its text is only ever a vote. Then:

* an article body split into sibling containers of one class (trafilatura's own first body
  selector matching several disjoint elements, e.g. chunks between ad slots) is merged before
  extraction; trafilatura keeps the first chunk only;
* every paragraph is checked to be a contiguous run of the page's visible text; one that is not
  (words went missing from its middle, e.g. a name in a ``<span class="entity-tags">``, which the
  balanced pass deletes too) is replaced by the whole text of its source element, or dropped when
  none is found: a sentence is never stored with words removed;
* the headline, repeated near the top, starts the body: it and what precedes it (kicker,
  breadcrumb, a teaser of another article) are dropped; the headline is stored as ``title``;
* short photo-credit lines ("Crédit photo : X / AFP", "© X") are dropped;
* a bold standfirst (chapô) equal to the page's description, shown above the body but outside the
  extracted container, is put back in front.

Measured with ``python -m ingest.extract_bench`` on the 181-page article-extraction benchmark
(its own scorer, 2 cores): F1 0.971 ± 0.004, precision 0.959, recall 0.983; trafilatura's defaults
in the same run 0.953 / 0.928 / 0.978; the precision-mode call readers.py made 0.954 / 0.956 / 0.952.
Each step, removed alone from the whole: no votes 0.968 (precision 0.951), no headline rule 0.967,
no merging of split bodies 0.968 (recall 0.977). Non-bold standfirsts outside the container are not put back: the
benchmark's truth leaves them out (putting every description-equal block back cost 0.004 F1).

Metadata:

* title: the extractor's, unless missing or generic (one word while og:title or an ``<h1>`` has
  several, or the outlet's own name), then og:title, each ``<h1>``, ``<title>``; leading and
  trailing segments after " | ", " - ", " – "... are removed when they name the outlet (site name,
  domain, :data:`OUTLETS` aliases) or are a date: " - Bondy Blog", " | DW | 23.05.2011";
* url: ``<link rel=canonical>``, else og:url, resolved against the fetched URL; when it lies on
  another site than the fetched URL the fetched URL is kept (a page may not claim another site's
  address). "Site" is the registrable domain (public-suffix list, private suffixes included), so
  ``amp.`` and ``m.`` hosts of one outlet agree while ``a.github.io`` and ``b.github.io`` do not;
* date: publication date, not the update (htmldate with ``original_date``), ISO ``YYYY-MM-DD``;
* source, one name per outlet: the page's registrable domain looked up in :data:`OUTLETS`; else a
  declared site name that is an alias there; else og:site_name (or the extractor's site name) as
  written; else the registrable domain ("example.org"). Outlets absent from the table whose pages
  disagree on og:site_name get one name per spelling: add them to the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass
from datetime import date as Date
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

__all__ = ["OUTLETS", "ExtractedPage", "ExtractionError", "extract_html", "outlet_name", "registrable_domain"]

_WORD = re.compile(r"\w+", re.UNICODE)
_NGRAM = 4  # shingle size of the benchmark's scorer
# Share of a paragraph's word 4-grams another extractor must hold for it to count as a vote.
# Benchmark F1 at 0.3 / 0.4 / 0.5 / 0.6 / 0.7: 0.9703 / 0.9704 / 0.9705 / 0.9706 / 0.9689 (recall
# falls from 0.983 to 0.977 at 0.7); without votes 0.9674. 0.5 sits in the middle of the plateau.
VOTE_SUPPORT = 0.5
# How many leading paragraphs are searched for the repeated headline. Benchmark F1 at 1 / 2 / 3..6 / 10:
# 0.9698 / 0.9698 / 0.9704 / 0.9697 (at 10 a headline repeated in the body cuts real paragraphs).
HEADLINE_SEARCH = 4
# A credit line is a marker, a name or two and an agency; the longest seen on the benchmark has 7 words.
CREDIT_MAX_WORDS = 12
# A paragraph shorter than this many words is not checked for missing words (too little to locate).
_MIN_CHECKED_WORDS = 5
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|»|::)\s+")
_INVISIBLE = {"script", "style", "template", "head", "noscript"}
# Credit markers of French and English photo captions; a credit line starts with one of them
# ("Crédit immobilier : ..." or "Photos de famille" are not credits: the marker needs its colon).
_CREDIT = re.compile(
    r"^[\s(\[]*(©|\(c\)\s|copyright\b|cr[ée]dits?\s*(?:photos?\s*)?:|photos?\s*(?::|/|©|by\b)|"
    r"images?\s*(?::|credits?\b|by\b)|illustration\s*:)",
    re.IGNORECASE,
)
# How much a title segment may add to an outlet name and still name the outlet ("BBC" + "News").
_OUTLET_AFFIX = 6
_NUMERIC_DATE = re.compile(r"^\d{1,4}([./-])\d{1,2}\1\d{1,4}$")


# Outlets whose pages name themselves in more than one way (og:site_name differs between pages, or
# from the masthead). Keyed by registrable domain; the first name is the one stored, the others are
# aliases recognised in og:site_name and in title suffixes. Extend when an outlet shows two names.
OUTLETS: dict[str, tuple[str, ...]] = {
    "nytimes.com": ("The New York Times", "NYTimes", "NYTimes.com", "New York Times", "NYT"),
    "bbc.co.uk": ("BBC News", "BBC", "BBC Sport"),
    "bbc.com": ("BBC News", "BBC", "BBC Sport"),
    "dw.com": ("DW", "Deutsche Welle", "DW.COM"),
    "lemonde.fr": ("Le Monde", "Le Monde.fr", "LeMonde.fr"),
    "lefigaro.fr": ("Le Figaro", "Le Figaro.fr", "LeFigaro.fr"),
    "liberation.fr": ("Libération", "Liberation", "Libération.fr"),
    "francetvinfo.fr": ("Franceinfo", "franceinfo", "Francetv info", "France Info"),
    "ouest-france.fr": ("Ouest-France", "Ouest France", "Ouest-France.fr"),
    "20minutes.fr": ("20 Minutes", "20minutes.fr", "20 minutes"),
    "leparisien.fr": ("Le Parisien", "leparisien.fr"),
    "bondyblog.fr": ("Bondy Blog", "BondyBlog"),
    "theguardian.com": ("The Guardian", "the Guardian", "Guardian"),
    "washingtonpost.com": ("The Washington Post", "Washington Post"),
    "reuters.com": ("Reuters",),
    "apnews.com": ("AP News", "Associated Press", "AP"),
}


class ExtractionError(ValueError):
    """An HTML page without article text; the message is a one-line reason."""


@dataclass(frozen=True)
class ExtractedPage:
    """What an HTML page holds: its article body and the metadata found for it."""

    title: str            # "" when none found
    text: str             # body, paragraphs separated by blank lines ("\n\n")
    url: str | None       # canonical URL (or the fetched one, see module docstring) or None
    date: str | None      # publication date ISO YYYY-MM-DD (not the update date) or None
    source: str | None    # outlet name, normalised (same outlet always one name)
    author: str | None
    missing: tuple[str, ...]   # metadata that could not be found, e.g. ("date", "url")


def extract_html(html: str, url: str | None = None) -> ExtractedPage:
    """Extract the article body and metadata of one HTML page (see the module docstring).

    ``url`` is where the page was fetched from, when known. Raises :class:`ExtractionError` when
    the page holds no article text.
    """
    import trafilatura
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except Exception as exc:  # lxml refuses some malformed or hostile documents
        raise ExtractionError(f"unparseable HTML ({type(exc).__name__})") from exc
    if tree is None:
        raise ExtractionError("unparseable HTML (no document element)")
    tree = _prepared(tree)
    try:
        doc = _fields(trafilatura.bare_extraction(deepcopy(tree), url=url, include_comments=False,
                                                  with_metadata=True))
        strict = trafilatura.extract(deepcopy(tree), url=url, include_comments=False, favor_precision=True)
    except Exception as exc:  # lxml recursion limits on pathological nesting
        raise ExtractionError(f"unparseable HTML ({type(exc).__name__})") from exc
    meta = _Meta(tree)
    page_url = _page_url(meta, url)
    site = registrable_domain(page_url or meta.og_url or "")
    declared = [meta.site_name, doc.get("sitename")]
    title = _title(doc.get("title"), meta, _outlet_names(site, declared))

    voters = [_Shingles(strict or ""), _Shingles(_readability_text(tree))]
    lines = [line.strip() for line in str(doc.get("text") or "").split("\n")]
    paragraphs = [p for p in lines if p and any(v.support(p) >= VOTE_SUPPORT for v in voters)]
    page = _squash(_visible_text(tree))
    paragraphs = [p for p in _whole_sentences(paragraphs, tree, page) if not _is_credit_line(p)]
    paragraphs = _without_headline(paragraphs, [title, doc.get("title"), meta.og_title, *meta.h1s])
    paragraphs = _with_lead(paragraphs, tree, meta.description, page)
    text = "\n\n".join(paragraphs)
    if not _WORD.search(text):
        raise ExtractionError("no article text found in the HTML page")
    found = {"title": title, "url": page_url, "date": _publication_date(doc.get("date")),
             "source": outlet_name(site, declared), "author": doc.get("author") or None}
    return ExtractedPage(
        title=title, text=text, url=found["url"], date=found["date"], source=found["source"],
        author=found["author"], missing=tuple(k for k, v in found.items() if not v),
    )


def _fields(doc: object) -> dict[str, Any]:
    """trafilatura's result as a plain dictionary (empty when it found nothing)."""
    if doc is None:
        return {}
    if isinstance(doc, dict):
        return doc
    as_dict = getattr(doc, "as_dict", None)
    return dict(as_dict()) if callable(as_dict) else {}


# --------------------------------------------------------------------------------------------
# Body


def _prepared(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the page with an article body split into sibling parts merged into one."""
    tree = deepcopy(tree)
    _merge_split_body(tree)
    return tree


def _merge_split_body(tree: lxml.html.HtmlElement) -> None:
    """Move later containers of the article body into the first one, when trafilatura's first body
    selector matches several disjoint elements of the same tag and class (it keeps the first only)."""
    selector = _all_bodies_selector()
    matches = selector(tree) if selector is not None else []
    if len(matches) < 2:
        return
    first = matches[0]
    parts = [m for m in matches[1:] if m.tag == first.tag and m.get("class") == first.get("class")]
    parts = [m for m in parts if not any(a is first or a in parts for a in m.iterancestors())]
    for part in parts:
        for child in list(part):
            first.append(child)
        parent = part.getparent()
        if parent is not None:
            parent.remove(part)


@cache
def _all_bodies_selector() -> etree.XPath | None:
    """trafilatura's first body selector without its ``[1]`` (first match only)."""
    from trafilatura.xpaths import BODY_XPATH

    path = BODY_XPATH[0].path.strip()
    if not path.endswith("[1]"):  # a later trafilatura changed the selector: leave pages as they are
        return None
    return etree.XPath(path[:-3], namespaces={"re": "http://exslt.org/regular-expressions"})


def _readability_text(tree: lxml.html.HtmlElement) -> str:
    """The main text according to readability (trafilatura's fork), "" when it fails."""
    from trafilatura.readability_lxml import Document

    try:
        summary = Document(deepcopy(tree), min_text_length=25).summary()
        return str(lxml.html.fromstring(summary).text_content()) if summary else ""
    except Exception:  # readability gives up on some layouts; its vote is then simply absent
        return ""


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class _Shingles:
    """Word n-grams of one extractor's text, to ask how much of a paragraph it also found."""

    def __init__(self, text: str) -> None:
        words = _tokens(text)
        self.grams = {n: {tuple(words[i:i + n]) for i in range(len(words) - n + 1)} for n in range(1, _NGRAM + 1)}

    def support(self, paragraph: str) -> float:
        """Share of the paragraph's n-grams (n = 4, fewer for shorter paragraphs) present here."""
        words = _tokens(paragraph)
        if not words:
            return 1.0
        n = min(_NGRAM, len(words))
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        return sum(g in self.grams[n] for g in grams) / len(grams)


def _without_headline(paragraphs: list[str], headlines: Iterable[str | None]) -> list[str]:
    """Start the body after the headline when the page repeats it near the top: what precedes it
    there (kicker, breadcrumb, a teaser of another article) is not the article either."""
    squashed = {_squash(h) for h in headlines if h}
    near_top = paragraphs[:HEADLINE_SEARCH]
    last = max((i for i, p in enumerate(near_top) if _squash(p) in squashed), default=-1)
    return paragraphs[last + 1:]


def _with_lead(paragraphs: list[str], tree: lxml.html.HtmlElement, description: str | None, page: str) -> list[str]:
    """Put back the standfirst (chapô) when the page shows its meta description as a block of its
    own above the body: it often sits in the article header, outside the container extracted."""
    if not description or not paragraphs:
        return paragraphs
    lead = _squash(description)
    if any(_squash(p) == lead for p in paragraphs):
        return paragraphs
    at, body_at = page.find(lead), page.find(_squash(paragraphs[0]))
    if at < 0 or body_at < 0 or at > body_at:
        return paragraphs
    for block in tree.iter("strong", "b"):
        text = " ".join(block.text_content().split())
        if _squash(text) == lead:
            return [text, *paragraphs]
    return paragraphs


def _is_credit_line(paragraph: str) -> bool:
    """A short line that only credits a photo or an image ("Photo : X / AFP", "© X", "Image credit: X")."""
    return len(_tokens(paragraph)) <= CREDIT_MAX_WORDS and bool(_CREDIT.match(paragraph))


def _squash(text: str) -> str:
    """Letters and digits only, lower case: the form two texts are compared in."""
    return "".join(_tokens(text))


def _whole_sentences(paragraphs: list[str], tree: lxml.html.HtmlElement, page: str) -> list[str]:
    """Keep paragraphs that are contiguous runs of the page text; repair or drop the others."""
    kept: list[str] = []
    for paragraph in paragraphs:
        words = _tokens(paragraph)
        # table rows are rebuilt cell by cell ("| a | b |"), not a run of the page text
        if len(words) < _MIN_CHECKED_WORDS or paragraph.startswith("|") or "".join(words) in page:
            kept.append(paragraph)
            continue
        source = _source_block(words, tree)
        if source:
            kept.append(source)
    return kept


def _visible_text(tree: lxml.html.HtmlElement) -> str:
    """The page's text in reading order, without scripts, styles, comments or the <head>."""
    visible = deepcopy(tree)
    etree.strip_elements(visible, etree.Comment, etree.ProcessingInstruction, *_INVISIBLE, with_tail=False)
    return " ".join(visible.itertext())


def _source_block(words: list[str], tree: lxml.html.HtmlElement) -> str | None:
    """The whole text of the smallest block holding the paragraph's first and last words in order."""
    head, tail = "".join(words[:3]), "".join(words[-3:])
    best: str | None = None
    for block in tree.iter("p", "li", "blockquote", "h1", "h2", "h3", "h4", "td", "dd", "div"):
        text = " ".join(block.text_content().split())
        squashed = _squash(text)
        start = squashed.find(head)
        if start >= 0 and squashed.find(tail, start) >= 0 and (best is None or len(text) < len(best)):
            best = text
    return best


# --------------------------------------------------------------------------------------------
# Metadata


class _Meta:
    """The page's declared metadata, read once."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.og_title = self._meta(tree, "og:title") or self._meta(tree, "twitter:title")
        self.og_url = self._meta(tree, "og:url")
        self.site_name = self._meta(tree, "og:site_name") or self._meta(tree, "application-name")
        self.h1s = [t for t in (" ".join(h.text_content().split()) for h in tree.iter("h1")) if t]
        self.description = self._meta(tree, "og:description") or self._meta(tree, "description")
        title = tree.find(".//title")
        self.html_title = " ".join(title.text_content().split()) if title is not None else None
        canonical = tree.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")
        self.canonical = str(canonical[0]).strip() if canonical else None

    @staticmethod
    def _meta(tree: lxml.html.HtmlElement, key: str) -> str | None:
        for value in tree.xpath(f"//meta[@property='{key}' or @name='{key}']/@content"):
            text = " ".join(str(value).split())
            if text:
                return text
        return None


def registrable_domain(url: str) -> str | None:
    """The site a URL belongs to: its registrable domain per the public-suffix list ("bbc.co.uk")."""
    from courlan import extract_domain

    if not url or not urlsplit(url).netloc:
        return None
    return extract_domain(url) or urlsplit(url).hostname


def _page_url(meta: _Meta, fetched: str | None) -> str | None:
    """Canonical link, else og:url, unless it points to another site than the fetched URL."""
    if fetched and not urlsplit(fetched).netloc:  # a file name is not where the page lives
        fetched = None
    for claimed in (meta.canonical, meta.og_url):
        if not claimed:
            continue
        absolute = urljoin(fetched, claimed) if fetched else claimed
        if urlsplit(absolute).scheme not in ("http", "https") or not urlsplit(absolute).netloc:
            continue
        if fetched and registrable_domain(absolute) != registrable_domain(fetched):
            return fetched
        return absolute
    return fetched


def _outlet_names(site: str | None, declared: Iterable[str | None]) -> set[str]:
    """Every name the outlet goes by on this page, squashed, for recognising title suffixes."""
    names = {_squash(n) for n in declared if n}
    if site:
        names |= {_squash(site), _squash(site.split(".")[0])}
        names |= {_squash(n) for n in OUTLETS.get(site, ())}
    return {n for n in names if len(n) >= 2}


def outlet_name(site: str | None, declared: Iterable[str | None] = ()) -> str | None:
    """One name per outlet: alias table by domain, else by declared name, else og:site_name, else domain."""
    if site and site in OUTLETS:
        return OUTLETS[site][0]
    names = [" ".join(n.split()) for n in declared if n and n.strip()]
    for name in names:
        for aliases in OUTLETS.values():
            if _squash(name) in {_squash(a) for a in aliases}:
                return aliases[0]
    if names:
        return names[0]
    return site


def _title(extracted: str | None, meta: _Meta, outlet: set[str]) -> str:
    """First non-generic candidate among the extractor's title, og:title, <h1>, <title>, trimmed."""
    candidates = [" ".join(c.split()) for c in (extracted, meta.og_title, *meta.h1s, meta.html_title) if c]
    longest = max((len(c.split()) for c in candidates), default=0)
    for candidate in candidates:
        trimmed = _strip_outlet(candidate, outlet)
        if not trimmed or _squash(trimmed) in outlet or (len(trimmed.split()) == 1 and longest > 1):
            continue
        return trimmed
    return ""


def _strip_outlet(title: str, outlet: set[str]) -> str:
    """Drop leading/trailing title segments that name the outlet or give a date."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    while len(parts) > 1 and _is_furniture_segment(parts[-1], outlet):
        parts.pop()
    while len(parts) > 1 and _is_furniture_segment(parts[0], outlet):
        parts.pop(0)
    # a separator inside the headline itself ("Macron - Le Pen") survives: segments are re-joined
    kept = title
    if parts:
        start = title.find(parts[0])
        end = title.rfind(parts[-1]) + len(parts[-1])
        kept = title[start:end] if 0 <= start < end else " ".join(parts)
    return kept.strip()


def _is_furniture_segment(segment: str, outlet: set[str]) -> bool:
    """A title segment that names the outlet ("BBC News", "DW") or is a date ("23.05.2011")."""
    squashed = _squash(segment)
    if not squashed:
        return True
    if _NUMERIC_DATE.match(segment.strip()):
        return True
    if len(segment.split()) > 5:
        return False
    return any(
        (squashed.startswith(n) or n.startswith(squashed)) and abs(len(squashed) - len(n)) <= _OUTLET_AFFIX
        for n in outlet
    )


def _publication_date(value: object) -> str | None:
    """trafilatura's date (htmldate with ``original_date``: publication, not update) as ISO YYYY-MM-DD."""
    try:
        return Date.fromisoformat(str(value)[:10]).isoformat() if value else None
    except ValueError:
        return None
