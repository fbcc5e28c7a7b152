"""Text primitives shared by ingest and retrieval: sentences with offsets, language, keyword terms.

Sentence splitting keeps exact character offsets because citations must point at the exact sentence
inside the cleaned article; the chunker and the answerer use the same splitter, so a quoted sentence
is always a verbatim slice of a stored chunk.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

# Abbreviations after which a period does not end a sentence (French and English news style).
_ABBREV = {
    "m", "mm", "mme", "mmes", "mlle", "dr", "pr", "st", "ste", "mr", "mrs", "ms", "jr", "sr", "prof",
    "gen", "gén", "col", "lt", "sgt", "gov", "sen", "rep", "etc", "cf", "vs", "no", "nº", "art", "av",
    "env", "p", "pp", "vol", "fig", "inc", "ltd", "co", "corp", "jan", "feb", "fév", "apr", "avr",
    "aug", "sept", "oct", "nov", "dec", "déc", "u.s", "u.k", "e.g", "i.e",
}
# Candidate sentence ends: terminal punctuation, optional closing quotes/brackets, then whitespace.
_END = re.compile(r"""[.!?…]+["»”’')\]]*(?=\s+)""")
_NEXT_START = re.compile(r"""\s+["«“‘(\[]?\s*[A-ZÀ-ÖØ-Þ0-9]""")
_PARA = re.compile(r"\n\s*\n|\n(?=\s*[-•*] )")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences, returned as ``(start, end)`` spans without outer whitespace.

    Paragraph breaks always end a sentence. A period ends one unless it follows a known abbreviation
    or a single capital initial ("J. Biden"), and the next sentence must start with a capital, a digit
    or an opening quote.
    """
    spans: list[tuple[int, int]] = []
    for p_start, p_end in _paragraphs(text):
        start = p_start
        for m in _END.finditer(text, p_start, p_end):
            end = m.end()
            if not _NEXT_START.match(text, end, p_end) or _is_abbreviation(text, m.start(), start):
                continue
            spans.append(strip_span(text, start, end))
            start = end
        if start < p_end:
            spans.append(strip_span(text, start, p_end))
    return [s for s in spans if s[1] > s[0]]


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _PARA.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


def _is_abbreviation(text: str, dot: int, floor: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > floor and not text[word_start - 1].isspace() and text[word_start - 1] not in "(«\"“":
        word_start -= 1
    word = text[word_start:dot]
    if len(word) == 1 and word.isupper():
        return True
    return word.lower().rstrip(".") in _ABBREV


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` narrowed to exclude surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --------------------------------------------------------------------------------------------
# Language

def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` (langid, restricted to common news languages); 'und' if empty."""
    sample = text[:2000].strip()
    if not sample:
        return "und"
    return _langid().classify(sample)[0]


@lru_cache(maxsize=1)
def _langid():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["fr", "en", "de", "es", "it", "pt", "nl"])
    return identifier


# --------------------------------------------------------------------------------------------
# Keyword terms

_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(STOPWORDS_FRENCH) | {
    "a", "qu", "quel", "quelle", "quels", "quelles", "comment", "pourquoi", "combien", "quand", "ou",
    "what", "which", "who", "whom", "when", "where", "why", "how", "did", "does", "do", "say", "said",
    "l", "d", "j", "n", "s", "c", "t", "est", "sont", "ete", "etait",
}
_STEMMER_NAMES = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian",
                  "pt": "portuguese", "nl": "dutch"}


def fold(text: str) -> str:
    """Lowercase and strip accents, so 'Pékin' and 'pekin' meet."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES.get(lang, "english"))


def words(text: str) -> list[str]:
    """Folded word tokens of ``text`` without stopwords (before stemming)."""
    return [w for w in _WORD.findall(fold(text)) if (w not in _STOPWORDS and len(w) > 1) or w.isdigit()]


def terms(text: str, lang: str) -> list[str]:
    """Keyword terms of a passage: folded words, stopwords removed, stemmed in the passage language."""
    return _stemmer(lang if lang in _STEMMER_NAMES else "en").stemWords(words(text))


def query_terms(text: str, langs: tuple[str, ...] = ("fr", "en")) -> list[str]:
    """Keyword terms of a question, stemmed in every corpus language.

    A question in English over French articles still matches names and cognates ("China" gives
    'china' and 'chin', the French stem of 'Chine').
    """
    base = words(text)
    out: list[str] = []
    seen: set[str] = set()
    for lang in langs:
        for t in _stemmer(lang).stemWords(base):
            if t not in seen:
                seen.add(t)
                out.append(t)
    return out
