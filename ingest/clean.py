"""Furniture removal for plain-text articles, and text normalisation shared by every reader.

Scraped page text arrives with the page around the article: breadcrumbs, menus and cookie banners
above the title; bylines, dates and share bars under it; "Lire aussi : …" links, newsletter boxes,
photo credits and ad markers between paragraphs; related-article lists after it. The cleaner cuts
only furniture, line by line, and the body continues after it:

* a line is furniture by its *shape* (a breadcrumb, a line with no letters) or by a *generic
  furniture pattern* (share/save toolbar, ad marker, byline, dateline, reading time, photo credit,
  copyright, cookie/newsletter/app box talking to the reader, "Read more: <headline>" link). The
  patterns are the vocabulary of news-page widgets in French and English, not words of any article;
  a short line inside a widget (no blank line between) belongs to the widget;
* a teaser *heading* alone on its line ("À lire aussi", "Sélectionné pour vous", "Related stories")
  opens a teaser block: the headline-like lines after it, and a paragraph under a teaser headline
  that belongs to that headline rather than to the article (:func:`is_standfirst`), are dropped.
  The first paragraph that belongs to the article, or a blank line after a list of headlines,
  closes the block;
* the title is the first line that is not furniture, skipping kickers and menus; a
  "Headline | Outlet" page title gives "Headline". Headline-like lines between the title and the
  first sentence, and after the last one, stay only when they read as text (longer than the title,
  or a question); shorter ones are kickers, bylines, tags, lists and signatures.

The cleaner never rewrites a line it keeps, since citations point into the body. Measured with
``python -m ingest.clean_eval`` (labelled pages in tests/data/cleaner, real Wikinews articles).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from rag.text import query_terms, split_sentences

# A headline has at most this many words: the longest of the 393 Wikinews titles in
# ../shared/corpus/wikinews has 22 (99th percentile 19). Longer lines without a full stop are text.
HEADLINE_MAX_WORDS = 22
# The shortest Wikinews title has 4 words; a shorter line above a longer headline is a kicker or a
# menu item ("Société", "UK Politics"), not the title.
TITLE_MIN_WORDS = 4
# readers.make_article refuses bodies under Settings.min_article_chars (40): the structural rules
# never leave less than that when the page had headline-like text to fall back on.
MIN_BODY_CHARS = 40

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# A line that ends a sentence: terminal punctuation, then optional closing quotes or brackets.
_SENTENCE_END = re.compile(r"""[.!?…:;]["»”’')\]]*\s*$""")
_QUESTION_END = re.compile(r"""[?!]["»”’')\]]*\s*$""")
_ELLIPSIS_END = re.compile(r"\w(?:\.\.\.|…)\s*$")  # a truncated teaser headline ("… reveals the one thing she...")


def _ends(pattern: re.Pattern[str], s: str) -> bool:
    """Whether the end of ``s`` matches an end-anchored pattern (only the tail is scanned)."""
    return pattern.search(s[-12:]) is not None

# --- Generic furniture vocabulary (widgets of French and English news pages) -----------------------
# Teaser headings: what follows them is other articles. An outlet may follow ("Read more from X:").
_TEASER = (
    r"(?:à |a )?lire (?:aussi|également|egalement|absolument)|(?:à |a )?(?:voir|découvrir|écouter) aussi|"
    r"à découvrir|sélectionné pour vous|selectionne pour vous|sur le même (?:sujet|thème)|"
    r"dans la même rubrique|(?:la rédaction )?vous (?:conseille|recommande)|vous aimerez aussi|"
    r"vous pourriez aussi aimer|les (?:plus|\+) (?:lus|partagés|commentés|populaires)|nos (?:autres )?articles|"
    r"sujets associés|mots-clés|ailleurs sur le web|contenus? sponsorisés?|recommandé pour vous|"
    r"dernières (?:actualités|infos|dépêches)|à la une|plus d['’]infos?|plus d['’]informations|pour aller plus loin|"
    r"en savoir plus|more information|further reading|"
    r"read (?:more|next|also)|see also|also read|related(?: articles?| stories| story| content| coverage|"
    r" topics| links| video)?|more (?:on|about) this (?:story|topic)|more stories|"
    r"most (?:read|popular|viewed|shared)|top stories|trending(?: now)?|you (?:may|might) (?:also )?like|"
    r"recommended(?: for you| stories| reading)?|explore more on these topics|topics|tags|"
    r"in other news|elsewhere on|from around the web|(?:sponsored|promoted) (?:stories|content|links)|"
    r"latest (?:news|stories|headlines)|editor'?s picks|don'?t miss"
)
_LEAD = r"^[\s>»›►•*–—-]*"
_TEASER_HEADING = re.compile(
    _LEAD + r"(?:" + _TEASER + r"|more (?:from|about|on))(?:\s+(?:from|on|de|du|sur|in)\s+[\w .'’-]{1,30})?"
    r"[\s:>»›.]*$",
    re.IGNORECASE,
)
# "Lire aussi | <headline>", "READ MORE: <headline>", "Related article <Headline>": one line to drop.
_READ_ALSO_LINK = re.compile(
    _LEAD + r"(?:" + _TEASER + r")(?: (?:le|la|les|l'|l’|notre|nos|our|the) ?[\w’'-]{0,20})?"
    r"(?:\s*(?::|\||>>?|»|›|–|—|-|\.)\s*\S|\s+(?-i:[\"«“‘'A-ZÀ-Ý0-9]))",
    re.IGNORECASE,
)
# "WATCH: <video title>", "VIDÉO - <title>": a link to a video or gallery.
_MEDIA_LINK = re.compile(
    _LEAD + r"(?:watch|video|vidéo|en images|en vidéo|photos|diaporama|listen|écouter|podcast)"
    r"(?:\s+(?:on|sur|from|de)\s+[\w .'’-]{1,30})?\s*(?::|–|—|-|\|)\s*\S",
    re.IGNORECASE,
)
# Buttons that open more of the page: "View gallery", "Voir le classement complet", "See all".
_MORE_BUTTON = re.compile(
    r"^(?:voir|view|see|watch|regarder|afficher|show|cliquez|click)\s+(?:le|la|les|l'|l’|the|all|tout|toutes|tous|"
    r"more|plus|gallery|galerie|comments?|commentaires|photos?|videos?|vidéos?|full|complet)\b",
    re.IGNORECASE,
)


def _wordset(words_: str) -> frozenset[str]:
    return frozenset(words_.split())


# Share / save / listen toolbars: every word is a platform, an action or a filler, or the line starts
# with an action followed by a filler ("Share full article", "Listen to this article · 5:12 min").
_TOOLBAR_ACTIONS = _wordset(
    "partager partagez share écouter listen imprimer print copier copy envoyer send offrir gift sauvegarder "
    "enregistrer save bookmark commenter tweet tweeter"
)
_TOOLBAR_FILLERS = _wordset(
    "cet cette ce this article page sur on par via by les le la l the to à au et and ou or mes my ma mon plus e "
    "full story link lien url"
)
_TOOLBAR_WORDS = _TOOLBAR_ACTIONS | _TOOLBAR_FILLERS | _wordset(
    "partage sharing facebook twitter x linkedin whatsapp messenger pinterest reddit telegram bluesky threads "
    "instagram mastodon flipboard tiktok youtube email mail courriel comment comments commentaires réagir "
    "favoris lire read later tard audio réseaux sociaux social close fermer panel"
)
_AD_WORDS = _wordset(
    "publicité publicite advertisement advertising ad ads sponsored sponsorisé sponsorise annonce pub feedback "
    "scroll skip to continue reading below la suite après cette ci dessous story article continues video vidéo "
    "the sous sponsor message"
)
_AD_CORE = _wordset("publicité publicite advertisement advertising ad ads sponsor sponsored sponsorisé sponsorise")
# One-word labels of embedded media and placeholders ("Vidéo", "Loading...").
_MEDIA_LABELS = _wordset("vidéo video audio podcast diaporama infographie graphic loading chargement")
# Boxes that talk to the reader: newsletter and follow prompts (recognisable even in a short line),
# and cookie, privacy, app, comment and support prompts (only when they address the reader).
_BOX_WIDGET = re.compile(
    r"\bnewsletters?\b|\binfolettres?\b|\bsign(?:ing)?[ -]?up\b|\bsubscri(?:be|ption)\b|\binscri(?:re|vez|s)\b|"
    r"\b[sm][’']abonner?\b|\babonnez\b|\bfollow us\b|\bsuivez-nous\b",
    re.IGNORECASE,
)
_BOX_TOPIC = re.compile(
    r"\bcookies?\b|\btraceurs?\b|\bprivacy (?:policy|notice|settings)\b|politique de confidentialité|"
    r"données personnelles|\be-?mail address|\badresse (?:e-?mail|mail|électronique)|\byour e-?mail\b|"
    r"\bvotre (?:e-?mail|courriel)\b|\bboîte (?:mail|de réception)|\binbox\b|\bunsubscribe|\bdésinscri|"
    r"\b(?:download|télécharge)\w*\b.*\bapp(?:lication)?\b|\bapp(?:lication)?\b.*\b(?:download|télécharge)|"
    r"\bcommenter\b|\bcomments? section\b|\byour support\b|\bvotre soutien\b|\bsupport us\b|\bdonate\b|"
    r"\bfaire un don\b|\bstraight to your\b|\balerts? (?:directly|straight|sent)\b|\bdirectement (?:sur|dans) votre\b|"
    r"\bpodcasts?\b",
    re.IGNORECASE,
)
# Second person only: "we"/"nous" is as common in interviews as in widgets.
_READER_ADDRESS = re.compile(r"\b(?:vous|votre|vos|you|your)\b", re.IGNORECASE)
# Quoted speech is someone else talking, not a widget talking to the reader: only words outside
# quotation marks count as addressing the reader.
_QUOTED = re.compile(r"«[^»]*(?:»|$)|“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)")
_BYLINE = re.compile(
    r"^(?:(?i:par|by|texte)\s*:?\s+(?:[A-ZÀ-Ý«\"“]|(?i:le|la|les|the)\s)|"
    r"(?i:(?:article )?rédigé par|écrit par|written by|propos recueillis par|reporting by|story by)\s)"
)
_MONTHS = (
    r"janv|févr|fevr|mars|avr|mai|juin|juil|août|aout|sept|oct|nov|déc|dec|jan|feb|mar|apr|may|jun|jul|aug|"
    r"sep"
)
_DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}(?:er)? (?:" + _MONTHS + r")[a-zéû]*\.? \d{4}\b|"
    r"\b(?:" + _MONTHS + r")[a-z]*\.? \d{1,2},? \d{4}\b|"
    r"\b\d{1,2}(?:h\d{2}|:\d{2}|\.\d{2}\s?(?:am|pm|bst|gmt|cet|et)\b)|"
    r"\bil y a \d+\s*(?:min|h|heure|jour)|\b\d+\s*(?:min(?:ute)?s?|hours?|hrs?|days?)\s+ago\b",
    re.IGNORECASE,
)
# Words a dateline may hold besides the date itself ("Publié le … à …", "Wed 7 Jun 2023 18.05 BST").
_DATE_FILLERS = _wordset(
    "le la à a au et de du on at the and of h am pm bst gmt utc cet cest et edt est ct cdt pt pdt uk mon tue wed thu "
    "fri sat sun monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi "
    "dimanche janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre "
    "january february march april may june july august september october november december jan feb mar apr jun jul "
    "aug sep sept oct nov dec ago il y heures heure hours hour min minutes jours days"
)
_PUBLISHED = re.compile(
    r"^(?:publié|publie|mis à jour|modifié|actualisé|updated|published|posted|last updated|first published)\b",
    re.IGNORECASE,
)
_READING_TIME = re.compile(r"\btemps de lecture\b|\breading time\b|\b\d+\s*min(?:utes?)?\.?\s*(?:de lecture|read)\b",
                           re.IGNORECASE)
_COUNTER = re.compile(
    r"^(?:\d+\s+)?(?:commentaires?|comments?|réactions?|réagir|partages?|shares)\s*(?:\(\d+\))?$|"
    r"^(?:les )?commentaires sont (?:fermés|clos)|^comments (?:are|have been) (?:closed|disabled)",
    re.IGNORECASE,
)
# Photo captions and credits: a caption label first, a "Photo: …"/"Credit…" tail, a parenthesised
# credit at the end, "PHOTO AGENCY", or a credit in capitals after the caption's last sentence.
_CAPTION_LEAD = re.compile(
    r"^[(\[]?(?:photos?|photograph|photographie|crédits?(?: photo)?|credits?|image(?: caption| source| copyright)?|"
    r"media caption|video caption|légende|caption|illustration|picture)\s*[:,.\-–—)]|^photo\s+(?-i:[A-ZÀ-Ý])\S*$",
    re.IGNORECASE,
)
_CREDIT_LABEL = re.compile(r"\b(?:photograph(?:er)?|photo|crédit|credit)s?\s*(?::|\.\.\.|…)\s*\S[^.!?]{1,80}$",
                           re.IGNORECASE)
_CREDIT_PAREN = re.compile(
    r"\((?:[^()]{0,60}\b(?:photos?|via|supplied|credits?|crédits?|illustration|images?|getty|afp|reuters|epa|"
    r"maxppp|belga|sipa|alamy|shutterstock)\b[^()]{0,60}|(?-i:[A-Z])[\w .'’-]{1,30}:\s?[^()]{2,60})\)$|"
    r"\((?:photo|illustration|image)[^()]{0,80}\)\s*[^.!?]{0,60}$",
    re.IGNORECASE,
)
# Names: capitalised words (particles allowed) with "/" or " - " between them, or a run of capitals.
_CREDIT_NAME = r"(?:[A-ZÀ-Ý][\w'’.&-]*|de|du|des|la|le|von|van|der|dos|da|di|for|of|the)"
_CREDIT_CAPS = re.compile(
    r"(?:^|[.!?…»”)]\s+)(\(?(?:[A-ZÀ-Ý]{2,}[^.!?]{0,60}|" + _CREDIT_NAME + r"(?:\s*(?:/|\s-\s|\s)\s*"
    + _CREDIT_NAME + r"){1,7}\)?))$"
)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)|all rights reserved|tous droits réservés|©", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_LIST_MARK = re.compile(r"^(?:\d{1,2}[.)]|[-•*])\s+")
_MEDIA_DURATION = re.compile(r"^\d{1,2}:\d{2}\b")

# Navigation words that make up breadcrumbs and menus.
_NAV_WORDS = {
    "accueil", "actu", "actus", "actualité", "actualités", "monde", "international", "france", "politique",
    "économie", "société", "culture", "sport", "sports", "home", "news", "world", "business", "menu",
    "rubriques", "europe", "afrique", "asie", "amériques", "tech", "science", "opinion", "région",
}
_CRUMB_SEP = re.compile(r"\s*(?:>|›|»|/|•|·)\s*")
_PIPE_SEP = re.compile(r"\s+\|\s+")
_DASH_SEP = re.compile(r"\s+[-–—]\s+")
_DOMAIN = re.compile(r"^[\w-]+\.(?:fr|com|co\.uk|uk|net|org|be|ch|ca|info)$", re.IGNORECASE)


@dataclass(frozen=True)
class CleanText:
    """A cleaned plain-text article: its title and the body that citations point into."""

    title: str
    body: str


class Kind(Enum):
    """What a page line is, before context decides whether it stays."""

    BLANK = "blank"
    TEXT = "text"  # ends a sentence, or is longer than any headline
    SHORT = "short"  # headline-like: no sentence end, at most HEADLINE_MAX_WORDS words
    HEADING = "heading"  # a teaser heading alone on its line
    JUNK = "junk"  # furniture by shape or pattern
    BOX = "box"  # cookie banner or newsletter box line (furniture; its neighbours may be too)
    META = "meta"  # byline, date, reading time (furniture; a short neighbour is too)


_FURNITURE = (Kind.JUNK, Kind.BOX, Kind.META)


def normalise(text: str) -> str:
    """NFC, unified newlines, no control characters or soft hyphens, no trailing spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00ad", "").replace("\ufeff", "").replace("\u00a0", " ")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_breadcrumb(line: str) -> bool:
    """A short navigation line ("Accueil › Monde", "Home | News | World") with no sentence in it.

    A "Headline | Outlet" page title is not one: its longest part is a headline (see
    :func:`split_page_title`).
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 120 or _ends(_SENTENCE_END, stripped):
        return False
    parts = [p for p in _CRUMB_SEP.split(stripped) if p]
    if len(parts) > 1 and all(len(p.split()) <= 4 and _LETTER.search(p) for p in parts) and not _DATE.search(stripped):
        return True
    pipes = [p for p in _PIPE_SEP.split(stripped) if p]
    if len(pipes) > 1 and all(len(p.split()) <= 4 for p in pipes) and not _is_headline_part(max(pipes, key=len)):
        return True
    tokens = stripped.lower().split()
    return len(tokens) <= 8 and sum(w in _NAV_WORDS for w in tokens) >= max(2, len(tokens) - 1)


def _is_headline_part(part: str) -> bool:
    """A page-title part that reads as a headline: enough words, not all of them capitalised menu words."""
    tokens = part.split()
    return len(tokens) >= 5 or (len(tokens) >= 3 and any(t[:1].islower() for t in tokens))


def split_page_title(line: str) -> str:
    """"Headline | Section | Outlet" -> "Headline"; "Headline - Le Monde" -> "Headline"; else the line."""
    stripped = line.strip()
    parts = [p for p in _PIPE_SEP.split(stripped) if p]
    if 1 < len(parts) <= 4:
        head = max(parts, key=lambda p: len(p.split()))
        if _is_headline_part(head):
            return head.strip()
    head, sep, outlet = _rsplit(_DASH_SEP, stripped)
    if sep and _is_headline_part(head) and _looks_like_outlet(outlet):
        return head.strip()
    return stripped


def _rsplit(pattern: re.Pattern[str], text: str) -> tuple[str, str, str]:
    matches = list(pattern.finditer(text))
    if not matches:
        return text, "", ""
    m = matches[-1]
    return text[: m.start()], m.group(), text[m.end():]


def _looks_like_outlet(name: str) -> bool:
    """1-4 capitalised words ("Le Monde", "BBC News", "France 24") or a domain ("lemonde.fr")."""
    tokens = name.split()
    if len(tokens) == 1 and _DOMAIN.match(tokens[0]):
        return True
    particles = {"de", "du", "des", "la", "le", "les", "the", "of", "and", "et", "&"}
    return 1 <= len(tokens) <= 4 and (tokens[0][:1].isupper() or tokens[0][:1].isdigit()) and all(
        t[:1].isupper() or t[:1].isdigit() or t.lower() in particles for t in tokens
    )


def classify_line(line: str) -> Kind:
    """The kind of one page line, from its shape and the generic furniture patterns alone."""
    s = line.strip()
    if not s:
        return Kind.BLANK
    if len(s) > 2000:  # no widget is this long; skip the patterns on huge pasted lines
        return Kind.TEXT
    if not _LETTER.search(s) or _MEDIA_DURATION.match(s):
        return Kind.JUNK
    if _TEASER_HEADING.match(s):
        return Kind.HEADING
    n_words = len(s.split())
    # A question or exclamation of headline length is a headline too ("Who could replace Theresa May?").
    short = n_words <= HEADLINE_MAX_WORDS and (
        not _ends(_SENTENCE_END, s) or _ends(_ELLIPSIS_END, s)
        or (_ends(_QUESTION_END, s) and n_words <= TITLE_MIN_WORDS * 3)
    ) and len(split_sentences(_LIST_MARK.sub("", s))) == 1
    if (_READ_ALSO_LINK.match(s) or _MEDIA_LINK.match(s)) and n_words <= HEADLINE_MAX_WORDS + 8:
        return Kind.JUNK
    if (short and n_words <= 5 and _MORE_BUTTON.match(s)) or _is_widget_line(s) or _is_credit(s):
        return Kind.JUNK
    widget = _BOX_WIDGET.search(s) is not None
    addressed = _READER_ADDRESS.search(_QUOTED.sub(" ", s)) is not None
    if (widget and (short or addressed)) or ((widget or addressed) and _BOX_TOPIC.search(s)):
        return Kind.BOX
    if short and _is_dateline(s, n_words):
        return Kind.META
    if _READING_TIME.search(s) and n_words <= 8:
        return Kind.META
    return Kind.SHORT if short else Kind.TEXT


def _is_dateline(s: str, n_words: int) -> bool:
    """A byline, or a dateline: besides the date at most two words ("category · 3 hours ago"), so a
    dated headline ("Kateri Tekakwitha sera canonisée le 21 octobre 2012") is not one."""
    if _BYLINE.match(s):
        return True
    dated = _DATE.search(s) is not None
    if _PUBLISHED.match(s):
        return dated or n_words <= 2
    rest = [t for t in _TOKEN.findall(_DATE.sub(" ", s).lower()) if not t.isdigit() and t not in _DATE_FILLERS]
    return dated and len(rest) <= 2


def _is_widget_line(s: str) -> bool:
    """Toolbar, ad marker, media label, counter, copyright or breadcrumb."""
    tokens = [t for t in _TOKEN.findall(s.lower()) if not t.isdigit()]
    if not tokens:
        return False
    toolbar = len(tokens) <= 8 and (
        (all(t in _TOOLBAR_WORDS for t in tokens) and any(t not in _TOOLBAR_FILLERS for t in tokens))
        or (tokens[0] in _TOOLBAR_ACTIONS and not _ends(_SENTENCE_END, s)
            and (len(tokens) == 1 or tokens[1] in _TOOLBAR_FILLERS))
    )
    ad = len(tokens) <= 6 and all(t in _AD_WORDS for t in tokens) and any(t in _AD_CORE for t in tokens)
    media = len(tokens) == 1 and tokens[0] in _MEDIA_LABELS
    return toolbar or ad or media or bool(_COUNTER.match(s) or _COPYRIGHT.search(s)) or is_breadcrumb(s)


def _is_credit(s: str) -> bool:
    """A photo caption or credit line (see the patterns above).

    A caption is at most one sentence before its credit: a paragraph of several sentences that ends
    on a credit is body text with a caption glued to it, and stays.
    """
    if _CAPTION_LEAD.match(s):
        return True
    start = -1
    if m := _CREDIT_LABEL.search(s) or _CREDIT_PAREN.search(s):
        start = m.start()
    elif m := _CREDIT_CAPS.search(s):
        tail = m.group(1)
        # "LOIC VENANCE / AFP", "Alex Wong/Getty Images", "Keystone - Jean-Christophe Bott": names
        # with a separator, or capitals only, after the caption's last sentence.
        separated = "/" in tail or " - " in tail
        upper = not any(c.islower() for c in tail)
        if len(tail.split()) <= 8 and (separated or (upper and m.start(1) > 0)):
            start = m.start(1)
    return start >= 0 and len(split_sentences(s[:start])) <= 1


def _smooth(lines: list[str], kinds: list[Kind]) -> list[Kind]:
    """Let furniture take its short neighbours: box buttons and titles, a signature beside a date.

    Only direct neighbours (no blank line between) count, since a widget's lines come as one block.
    A headline-like line between two furniture lines, or a text line inside a cookie/newsletter box,
    is part of the widget.
    """
    out = list(kinds)
    n = len(out)
    # Sweeps forward, backward, forward: enough for a widget's lines to reach each other, and linear
    # on any input (a fixpoint loop is quadratic on a page of thousands of short lines).
    for order in (range(n), range(n - 1, -1, -1), range(n)):
        for i in order:
            if out[i] not in (Kind.SHORT, Kind.TEXT):
                continue
            prev = out[i - 1] if i > 0 else Kind.BLANK
            nxt = out[i + 1] if i + 1 < n else Kind.BLANK
            small = out[i] is Kind.SHORT and len(lines[i].split()) <= TITLE_MIN_WORDS
            if out[i] is Kind.SHORT and prev in _FURNITURE and nxt in _FURNITURE:
                out[i] = Kind.JUNK
            elif (out[i] is Kind.TEXT and prev is Kind.BOX and nxt is Kind.BOX) or (small and Kind.BOX in (prev, nxt)):
                out[i] = Kind.BOX
            elif small and Kind.META in (prev, nxt):
                out[i] = Kind.META
    return _byline_blocks(out)


def _byline_blocks(kinds: list[Kind]) -> list[Kind]:
    """A block of lines (no blank between) holding a byline or date and no sentence is a byline block:
    its one or two other short lines are the author's name and role ("Daniel Marsh", "Correspondent")."""
    out = list(kinds)
    start = 0
    while start < len(out):
        end = start
        while end < len(out) and out[end] is not Kind.BLANK:
            end += 1
        block = out[start:end]
        if Kind.META in block and Kind.TEXT not in block and 0 < block.count(Kind.SHORT) <= 2:
            out[start:end] = [Kind.META if k is Kind.SHORT else k for k in block]
        start = end + 1
    return out


def content_terms(text: str) -> set[str]:
    """Content terms (stopwords out, Snowball stems in French and English), numbers left out."""
    return {t for t in query_terms(text) if not t.isdigit()}


def is_standfirst(paragraph: set[str], headline: set[str], article: set[str], article_continues: bool) -> bool:
    """Whether a paragraph under a teaser headline is that teaser's standfirst, from content terms.

    Yes when it shares more terms with the headline than with the article so far, or when it shares
    none with the article and no text further down the page continues the article
    (``article_continues``: a later text line shares a term with the article).

    Measured on real Wikinews paragraphs (``python -m ingest.clean_eval --wikinews``): it keeps 0.9998
    of the paragraphs that continue an article after an inserted teaser headline, and drops 0.77 of
    other articles' leads placed after an article's end, 0.39 when placed mid-article (the misses are
    teasers on the same topic). Without the look-ahead: 0.990 kept, 0.77 and 0.72 dropped; the cut
    favours the article, whose paragraphs must never go.
    """
    if not paragraph:
        return False
    shared = len(paragraph & article)
    return (shared == 0 and not article_continues) or len(paragraph & headline) > shared


class _Cohesion:
    """Content terms of page lines, computed once and only when a teaser block needs them."""

    def __init__(self, lines: list[str], kinds: list[Kind], title: str) -> None:
        self.lines, self.kinds = lines, kinds
        self.cache: dict[int, set[str]] = {}
        self.article = content_terms(title)
        self.pending: list[int] = []  # kept text lines not yet in self.article

    def terms(self, i: int) -> set[str]:
        if i not in self.cache:
            self.cache[i] = content_terms(self.lines[i])
        return self.cache[i]

    def standfirst(self, i: int, headline: str) -> bool:
        for j in self.pending:
            self.article |= self.terms(j)
        self.pending.clear()
        continues = any(self.kinds[j] is Kind.TEXT and self.terms(j) & self.article
                        for j in range(i + 1, len(self.lines)))
        return is_standfirst(self.terms(i), content_terms(headline), self.article, continues)


def _pick_title(lines: list[str], kinds: list[Kind]) -> int:
    """Index of the title line: the first non-furniture line, unless it is a kicker or a menu above it.

    A "Headline | Outlet" line is the title. A line shorter than any headline (TITLE_MIN_WORDS) above
    a longer one is a kicker; a short line sharing its block (no blank line between) with other short
    lines, with more candidates after that block, is a menu ("KFOR News 4" / "Weather").
    """
    candidates: list[int] = []
    for i, kind in enumerate(kinds):
        if kind is Kind.SHORT:
            candidates.append(i)
        elif kind is Kind.TEXT:
            candidates.append(i)
            break
    for pos, i in enumerate(candidates):
        if kinds[i] is Kind.TEXT or split_page_title(lines[i]) != lines[i].strip():
            return i
        later = [j for j in candidates[pos + 1:] if kinds[j] is Kind.SHORT]
        lo, hi = _block_of(kinds, i)
        size = len(lines[i].split())
        kicker = size < TITLE_MIN_WORDS and any(len(lines[j].split()) >= TITLE_MIN_WORDS for j in later)
        menu = any(kinds[j] is Kind.SHORT for j in range(lo, hi) if j != i) and any(j >= hi for j in later)
        if not (kicker or menu):
            return i
    return candidates[0] if candidates else len(lines)


def _block_of(kinds: list[Kind], i: int) -> tuple[int, int]:
    """The run of non-blank lines around line ``i``, as [start, end)."""
    lo, hi = i, i + 1
    while lo > 0 and kinds[lo - 1] is not Kind.BLANK:
        lo -= 1
    while hi < len(kinds) and kinds[hi] is not Kind.BLANK:
        hi += 1
    return lo, hi


def _keep_body(lines: list[str], kinds: list[Kind], title_idx: int, title: str) -> list[bool]:
    """Which lines after the title stay: see the module docstring for the rules."""
    n = len(lines)
    keep = [False] * n
    title_words = len(title.split())
    first_text = next((i for i in range(title_idx + 1, n)
                       if kinds[i] is Kind.TEXT and _ends(_SENTENCE_END, lines[i])), n)
    cohesion = _Cohesion(lines, kinds, title)
    in_block = False
    headline: str | None = None
    run = 0  # headline-like lines in a row inside the block, without a blank line between them
    for i in range(title_idx + 1, n):
        line, kind = lines[i].strip(), kinds[i]
        if kind is Kind.BLANK:
            keep[i] = True
            # A list of teaser headlines ends at a blank line: what follows is the article again.
            in_block, run = in_block and run < 2, 0
        elif kind in _FURNITURE or line == title or line == lines[title_idx].strip():
            continue
        elif i < first_text:
            # Kickers, bylines and toolbars are shorter than the title and never ask a question.
            keep[i] = kind in (Kind.SHORT, Kind.TEXT) and (
                len(line.split()) > title_words or _ends(_QUESTION_END, line))
        elif kind is Kind.HEADING:
            in_block, headline, run = True, None, 0
        elif kind is Kind.SHORT:
            if in_block:
                headline, run = line, run + 1
            else:
                keep[i] = True
        elif in_block and headline is not None and cohesion.standfirst(i, headline):
            headline = None
        else:
            in_block, headline = False, None
            keep[i] = True
            cohesion.pending.append(i)
    # After the last paragraph, headline-like lines are lists, tags and signatures, unless they read as
    # text the way a standfirst does (longer than the title, or a question).
    last_text = max((i for i in range(n) if keep[i] and kinds[i] is Kind.TEXT), default=title_idx)
    for i in range(last_text + 1, n):
        line = lines[i].strip()
        keep[i] = keep[i] and (kinds[i] is Kind.BLANK or len(line.split()) > title_words
                               or _ends(_QUESTION_END, line))
    return keep


def clean_plain_text(raw: str, markdown: bool = False) -> CleanText:
    """Split scraped page text into title and article body, dropping page furniture line by line."""
    lines = normalise(raw).split("\n")
    if markdown:
        lines = [_strip_markdown(line) for line in lines]
    kinds = _smooth(lines, [classify_line(line) for line in lines])
    title_idx = _pick_title(lines, kinds)
    if title_idx >= len(lines):
        return CleanText(title="", body="")
    title, body = _title_and_body(lines, kinds, title_idx)
    first = next(i for i, k in enumerate(kinds) if k in (Kind.SHORT, Kind.TEXT))
    if len(body) < MIN_BODY_CHARS and first != title_idx:
        # The line taken for a kicker was the title: nothing readable followed the "headline".
        title_idx = first
        title, body = _title_and_body(lines, kinds, title_idx)
    if len(body) < MIN_BODY_CHARS:
        # Structure misread a page with no sentence in it: keep all but pattern furniture.
        body = _join([line for i, line in enumerate(lines)
                      if i > title_idx and kinds[i] not in _FURNITURE and kinds[i] is not Kind.HEADING])
    return CleanText(title=title, body=body)


def _title_and_body(lines: list[str], kinds: list[Kind], title_idx: int) -> tuple[str, str]:
    title = split_page_title(lines[title_idx])
    keep = _keep_body(lines, kinds, title_idx, title)
    return title, _join([line for line, k in zip(lines, keep, strict=True) if k])


def _join(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _strip_markdown(line: str) -> str:
    line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)


def paragraphs_from_lines(text: str) -> str:
    """Extractors give one paragraph per line; make each a blank-line separated paragraph."""
    return re.sub(r"\n+", "\n\n", normalise(text))
