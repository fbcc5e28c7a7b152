"""Question analysis: what kind of question, what kind of answer it expects, and what it constrains.

The answerer needs three things from a question before it picks a sentence:

* its **type** (who / when / where / how_many / why / what_happened / who_said_what / other), read from
  the interrogative word that spaCy tags as such (``PronType=Int``, or the English wh- tags ``WP``,
  ``WRB``, ``WDT``) and, for "what did X say", from a reporting verb (the linguistic list of
  :data:`rag.quotes.REPORTING_VERBS`);
* the **expected answer type**: a person or organisation for who, a date for when, a place for where,
  a number for how many, a quote for what-did-X-say;
* the **constraints** the answer must meet: the people, organisations and places the question names,
  its years and its other numbers. A sentence that answers another year or another person is not an
  answer (issue: "Who won the 2022 football World Cup?" answered about 2019).

Interrogatives and the nouns that turn "what/which/quel" into a date or a place question ("what
year", "quelle ville") are closed grammatical classes of each language, listed here once; they are
not drawn from any test question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.nlp import Mention, analysis_of, fold_token, norm_lang, parse
from rag.quotes import REPORTING_VERBS
from rag.text import detect_language
from rag.timeframe import Period

QType = Literal["who", "when", "where", "how_many", "why", "what_happened", "who_said_what", "other"]
EXPECTS: dict[str, str | None] = {
    "who": "PERSON", "when": "DATE", "where": "PLACE", "how_many": "NUMBER", "why": "REASON",
    "what_happened": None, "who_said_what": "QUOTE", "other": None,
}
# Interrogative words of each language (closed class) and the question type each one opens.
_WH = {
    "who": "who", "whom": "who", "whose": "who", "when": "when", "where": "where", "why": "why",
    "qui": "who", "quand": "when", "où": "where", "ou": None, "pourquoi": "why", "combien": "how_many",
}
# Nouns after what/which/quel(le)(s) that ask for a date or a place (closed, generic question nouns).
_TIME_NOUNS = {"year", "date", "day", "month", "time", "century", "decade", "année", "an", "jour", "mois",
               "siècle", "époque", "heure"}
_PLACE_NOUNS = {"city", "country", "town", "place", "region", "state", "province", "continent", "village",
                "island", "ville", "pays", "lieu", "région", "état", "île",
                "département", "commune", "endroit"}
# "What happened", "qu'est-il arrivé", "que s'est-il passé": verbs of occurring (closed set).
_HAPPEN = {"happen", "occur", "passer", "arriver", "produire", "dérouler"}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_NUM = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_MANY = {"many", "much"}


@dataclass(frozen=True)
class QuestionInfo:
    """What the answerer knows about a question before it reads any sentence."""

    text: str
    lang: str
    qtype: QType
    expects: str | None
    entities: tuple[Mention, ...]  # PERSON / ORG / PLACE mentions of the question, and other proper nouns
    years: tuple[str, ...]
    numbers: tuple[str, ...]  # numbers other than years
    speaker: str | None = None  # who_said_what: the person whose words are asked for
    timeline: bool = False  # "what happened with X?": about X as a whole, answered as a dated timeline
    period: Period | None = None  # the time the question names (set by the engine, rag/timeframe.py)

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical names the answer's sentence or article must contain."""
        return tuple(dict.fromkeys(m.canonical for m in self.entities))


def analyse_question(question: str, lang: str | None = None) -> QuestionInfo:
    """Type, expected answer type and constraints of ``question`` (one spaCy parse)."""
    lang = norm_lang(lang or detect_language(question))
    doc = parse(question, lang)
    analysis = analysis_of(doc, lang)
    entities = tuple(m for m in analysis.mentions if m.label in ("PERSON", "ORG", "PLACE"))
    entities += _proper_nouns(doc, entities)
    years = tuple(dict.fromkeys(_YEAR.findall(question)))
    numbers = tuple(n for n in dict.fromkeys(_NUM.findall(question)) if n not in years)
    qtype = _qtype(doc, lang)
    speaker = None
    if qtype == "who_said_what":
        speaker = _speaker(doc, entities)
    timeline = qtype == "what_happened" and _about_topic(doc, entities)
    return QuestionInfo(question, lang, qtype, EXPECTS[qtype], entities, years, numbers, speaker, timeline=timeline)


# Deictic time words (closed class) a "what happened with X lately?" question may add without naming an
# event; dates and numbers are recognised by the parser.
_TIME_WORDS = _TIME_NOUNS | {"week", "semaine", "recently", "lately", "récemment", "dernièrement", "today",
                             "yesterday", "aujourd'hui", "hier", "now", "maintenant", "so", "far", "news",
                             "nouvelles", "latest", "dernier", "dernière", "derniers", "dernières"}


def _about_topic(doc: object, entities: tuple[Mention, ...]) -> bool:
    """True when a what-happened question names a topic and no event: "What happened with Kim Jong Un?",
    "Que s'est-il passé avec la piscine de Rennes en 2019 ?". Such a question is about X as a whole (answered
    as a timeline), unlike "What happened to X when the airport closed?", whose second verb names one event.
    """
    from rag.timeframe import MONTHS

    topic = bool(entities)
    for tok in doc:  # type: ignore[attr-defined]
        word = fold_token(tok.text)
        if (tok.is_punct or tok.like_num or tok.ent_type_ in ("DATE", "TIME") or word in MONTHS
                or word in _TIME_WORDS or tok.lemma_.lower() in _TIME_WORDS or tok.lemma_.lower() in _HAPPEN):
            continue
        if tok.pos_ == "VERB":
            return False  # another event: "when the airport was closed", "after they killed"
        topic = topic or tok.pos_ in ("NOUN", "PROPN")
    return topic


def _qtype(doc: object, lang: str) -> QType:
    tokens = list(doc)  # type: ignore[call-overload]
    lemmas = {t.lemma_.lower() for t in tokens}
    folded = [fold_token(t.text) for t in tokens]
    interrogative = [i for i, t in enumerate(tokens)
                     if "Int" in t.morph.get("PronType") or t.tag_ in ("WP", "WRB", "WDT", "WP$")
                     or fold_token(t.text) in _WH or t.text.lower() in _WH]
    if lemmas & REPORTING_VERBS["fr" if lang == "fr" else "en"] and any(
            f in ("what", "que", "qu", "quoi", "quel", "quelle", "qu'a", "qu'ont") or f.startswith("qu")
            for f in folded[:3]):
        return "who_said_what"
    if lemmas & _HAPPEN and any(f in ("what", "que", "qu", "quoi") or f.startswith("qu") for f in folded[:3]):
        return "what_happened"
    for i in interrogative or range(min(3, len(tokens))):
        word = tokens[i].text.lower()
        nxt = folded[i + 1] if i + 1 < len(tokens) else ""
        if word == "how" and nxt in _MANY:
            return "how_many"
        if word in ("how",) and nxt in ("old", "long", "far"):
            return "how_many"
        kind = _WH.get(word) or _WH.get(fold_token(word))
        if kind:
            return kind  # type: ignore[return-value]
        if word in ("what", "which", "quel", "quelle", "quels", "quelles", "lequel", "laquelle"):
            head = folded[i + 1] if i + 1 < len(tokens) else ""
            if head in _TIME_NOUNS:
                return "when"
            if head in _PLACE_NOUNS:
                return "where"
    return "other"


def _proper_nouns(doc: object, taken: tuple[Mention, ...]) -> tuple[Mention, ...]:
    """Runs of proper nouns the NER missed ("Notre-Dame", "Vendée Globe"): names a question constrains too.

    Months and words inside a date mention are left out: they name a time, handled by rag/timeframe.py.
    """
    from rag.timeframe import MONTHS

    out: list[Mention] = []
    run: list[object] = []

    def close() -> None:
        if run:
            start, end = run[0].idx, run[-1].idx + len(run[-1].text)  # type: ignore[attr-defined]
            if not any(m.start < end and start < m.end for m in taken):
                text = doc.text[start:end]  # type: ignore[attr-defined]
                out.append(Mention(text, "OTHER", start, end, text))
            run.clear()

    for tok in doc:  # type: ignore[attr-defined]
        if (tok.pos_ == "PROPN" and tok.i > 0 and tok.ent_type_ not in ("DATE", "TIME")
                and fold_token(tok.text) not in MONTHS):
            run.append(tok)
        else:
            close()
    close()
    return tuple(out)


def _speaker(doc: object, entities: tuple[Mention, ...]) -> str | None:
    """The subject of the reporting verb, as the canonical name of a question entity when one matches."""
    for tok in doc:  # type: ignore[attr-defined]
        if tok.dep_.startswith("nsubj") and tok.head.lemma_.lower() in REPORTING_VERBS["fr"] | REPORTING_VERBS["en"]:
            span = doc[tok.left_edge.i: tok.right_edge.i + 1]  # type: ignore[index]
            for m in entities:
                if m.start < span.end_char and span.start_char < m.end:
                    return m.canonical
            if tok.pos_ == "PROPN":
                return str(span.text)
    people = [m.canonical for m in entities if m.label == "PERSON"]
    return people[0] if people else (entities[0].canonical if entities else None)
