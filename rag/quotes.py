"""Who said what: direct and indirect quotes with their speaker, from spaCy dependency parses.

Rules, in French and English:

* **direct**: text between « », “ ” or "…" that a cue attributes: a reporting verb of the same
  sentence ("« … », a-t-il ajouté", '"…," said X', "X a déclaré : « … »", gerunds such as "adding" /
  "en ajoutant" take the subject of the verb they hang on; a French incise touching the quotation,
  "…, comme le rappelle HRW, « … »", wins over a verb farther up the parse), "selon X" / "according
  to X" / "pour X", or a colon after a clause whose subject speaks ("Un rapport de la Ligue arabe
  conclut : « … »"). A quote sentence with no cue continues the speaker of the quote just before,
  else the named main subject of the sentence before it ("Il a souhaité faire un rappel au
  règlement. « On ne peut pas… »"). Quoted spans that no cue attributes (titles of works, scare
  quotes, nicknames, "un rapport sur « … »") are not quotes, nor are quoted fragments under
  ``MIN_WORDS`` words unless they end like an utterance and sit next to a reporting verb
  ('"Heartbroken and numb," writes X').
* **indirect**: the clausal complement (``ccomp``) of a reporting verb that has a subject ("X said
  (that) …", "X a déclaré que …", "X s'est dit convaincu que …", "X a fait savoir que …", inverted
  "…, her son X announced"); the rest of the sentence around a French incise ("…, poursuit le
  ministre, …", "Comme l'a indiqué X, …"); and the rest of a sentence carrying "selon X" / "d'après
  X" / "according to X" (a "selon" that opens the sentence runs to its comma).

Speakers are the verb's ``nsubj`` (or its inverted subject: "a déclaré X", "said X", the clitic of
"a-t-elle ajouté"; the subject of the governing verb for gerunds and French infinitive adjuncts,
"avant de poursuivre"; the agent of a French passive, "a été annoncé par X"): a role with a name in
apposition gives the name ("le ministre du Redressement
productif, Arnaud Montebourg"), but not a person inside a complement ("le successeur de Claude
Erignac"); a relative pronoun gives its antecedent; "ce dernier" / "celui-ci" the name just before; a
pronoun ("il", "she") the speaker of the quote just before, else the subject it continues (centering:
main-clause subjects first, back through a chain of the same pronoun), a French il/elle skipping
people the article marks with the other gender ("Mme", "la ministre X", "X est arrivée"); a
definite role noun ("le quotidien", "son complice", "the Department") the entity the article
introduced with that role ("le quotidien français Le Figaro", "son complice de toujours, X"), a bare
French one ("l'universitaire") the person quoted just before, else the noun phrase itself ("les
analystes"). Speakers are the canonical names of the article (``rag.nlp``), so "Kim", "M. Kim" and
"Kim Jong Un" are one speaker.

Limits (see ``python -m rag.quotes_eval``): pronouns and role nouns whose referent needs world
knowledge ("l'organisation islamique" for a group named otherwise), "selon" meaning "depending on"
("selon les académies"), and sentences the parser gets badly wrong.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rag.nlp import Analysis, Mention, analysis_of, fold_token, link_name, norm_lang, parse
from rag.text import strip_span

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token



def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Reporting verbs (lemmas). English: Levin (1993), "English Verb Classes and Alternations", classes
# 37.1 (transfer of a message), 37.3 (manner of speaking), 37.5-37.9 (talk, chitchat, say, complain,
# advise), plus the reporting verbs of academic and press discourse in Thompson & Ye (1991),
# "Evaluation in the reporting verbs used in academic papers", Applied Linguistics 12(4), and the
# discourse-signalling verbs of Caldas-Coulthard (1994), "On reporting reporting" ("continue", "add"). Verbs of
# naming (call, name) and of pure cognition (think, believe, feel, hope) are left out on purpose:
# they introduce titles or opinions, not words someone said.
REPORTING_VERBS: dict[str, frozenset[str]] = {
    "en": _words("""
        say tell state declare announce add explain note observe remark mention report reveal disclose
        claim assert affirm insist argue contend maintain suggest propose conclude confirm deny admit
        acknowledge concede confess agree warn caution advise urge assure promise predict comment reply
        respond answer retort counter ask inquire question write tweet post quote cite read relay recount
        relate reiterate repeat stress emphasise emphasize underline point indicate allege complain object
        protest lament regret boast brag shout yell scream cry whisper murmur mutter exclaim proclaim
        testify recall describe estimate share inform notify hint express speak talk continue
    """),
    # French: the verbes introducteurs of reported speech in Riegel, Pellat & Rioul, "Grammaire
    # méthodique du français" (PUF, 2009), ch. XXIII "Le discours rapporté", and the verbs of the
    # communication class (C) of Dubois & Dubois-Charlier, "Les verbes français" (Larousse, 1997),
    # restricted to those that take a que-clause or a quotation; the second block is the verbs of
    # manner and of discourse sequencing that the same chapter lists for incises ("glisse-t-il",
    # "renchérit X", "lâche-t-elle"), where the press uses them most.
    "fr": _words("""
        dire déclarer affirmer ajouter annoncer expliquer préciser indiquer souligner estimer assurer
        confier raconter rappeler répondre répliquer rétorquer poursuivre conclure reconnaître admettre
        avouer nier démentir confirmer prévenir avertir insister noter observer remarquer relever
        commenter résumer témoigner dénoncer regretter déplorer exclamer écrier lancer marteler ironiser
        interroger demander juger promettre révéler signaler mentionner écrire proclamer prétendre
        soutenir argumenter objecter protester clamer souffler murmurer crier plaider rapporter relater
        citer concéder accuser critiquer fustiger indigner féliciter réjouir inquiéter avancer arguer
        certifier garantir jurer prédire rassurer répéter réitérer tweeter publier évoquer constater
        considérer reprendre enchaîner conseiller suggérer proposer continuer
        glisser lâcher détailler renchérir décrire réaffirmer riposter contester réfuter nuancer relativiser
        étonner insurger alerter reprocher dévoiler divulguer informer narrer confesser compléter tonner
        fulminer chuchoter hurler asséner trancher
    """),
}
# Prepositions that introduce a source: "selon X", "d'après X", "according to X", "pour X" (French,
# only with a named person or organisation, since "pour" is mostly purpose).
_SOURCE_PREP = {"fr": {"selon", "après", "d'après", "d’après"}, "en": {"according"}}
# Words just before a quotation mark that announce a name or title, not speech.
_NAMING = re.compile(r"^(intitul|titled|entitled|called|named|nomm|surnomm|dubbed|baptis|as|appel|mot|word|term"
                     r"|slogan)", re.I)
# Personal pronouns that can stand for a speaker; the singular ones must resolve to a person.
_SINGULAR = {"il", "elle", "lui", "he", "she"}  # "lui" after "selon"/"pour"
_PLURAL = {"ils", "elles", "eux", "they", "it"}  # "it" stands for an organisation or a document, not a person
_PRONOUNS = _SINGULAR | _PLURAL
_DEMONSTRATIVE = re.compile(r"(?i)(celui|celle)\s?-\s?ci\b")  # "celui-ci" = the latter (singular: one name)
_GENDER_OF = {"il": "Masc", "lui": "Masc", "elle": "Fem"}
# Fewest words of a quoted fragment taken as a quote on its own. Measured on the dev split of
# tests/data/quotes_labelled.jsonl: 18 of the 20 quoted non-quotes (titles, nicknames, scare quotes)
# have <= 3 words, and 1 of the 45 attributed direct quotes does (an utterance, which the
# utterance-ending exception keeps).
MIN_WORDS = 4
# A reported clause mostly made of quotation is reported by its direct quotes, else by the clause:
# the same 50 % as the evaluation's span-overlap criterion (rag/quotes_eval.py).
_QUOTED_SHARE = 0.5
# How far back (sentences) a pronoun or "le même chercheur" looks for the previous speaker: on the dev
# split, pronoun and continuation quotes are at most 5 sentences after their speaker was last named.
_LOOKBACK = 5
# How far (tokens) the frame of a quote extends on each side before a sentence end is found: on the dev
# split the farthest cue verb is 17 tokens from its quotation; 40 leaves room for long appositions.
_FRAME_TOKENS = 40

# Reporting verbs of discourse sequence that, reflexive, say that something goes on ("se poursuivre").
_ASPECTUAL = {"poursuivre", "continuer", "reprendre", "conclure", "repeter", "enchainer"}
_COMPLEMENTISERS = {"que", "qu'", "qu’", "qu", "that"}  # "qu" when the tokenizer splits "qu'«"
# "faire savoir que", "faire valoir que": the causative periphrases of reporting (Riegel et al., ch. XXIII);
# the tagger often takes "fait" for the noun, so the forms of "faire" are matched on the text too.
_CAUSED = {"savoir", "valoir"}
_FAIRE = {"fait", "fais", "font", "faisait", "faisaient", "fera", "feront", "ferait", "faire", "faisant"}
# French subject clitics after the verb in an incise: "a-t-il ajouté", "disent-ils", "précise-t-elle".
_CLITICS = {"-il", "-elle", "-ils", "-elles", "-on"}
# Determiners that make a role noun point at someone already named: "le quotidien", "son complice".
_DEFINITE = {"le", "la", "l'", "l’", "the", "this", "ce", "cette", "son", "sa", "his", "her", "its", "their", "leur"}
# Articles that make a bare French role noun an anaphor: "l'universitaire", "ce chercheur".
_ANAPHORIC = {"le", "la", "l'", "l’", "ce", "cet", "cette"}
_RELATIVES = {"whose", "which", "who", "whom", "dont", "lequel", "laquelle", "lesquels", "lesquelles", "auquel", "où",
              "where"}
_PAIRS = {"«": "»", "“": "”", '"': '"'}
_CLOSING = {"»", "”", '"'}
_NEGATION = {"ne", "n'", "n’", "pas", "jamais", "not", "never"}


@dataclass(frozen=True)
class Quote:
    """A reported statement: canonical speaker, the mention that named them, exact span of the quote."""

    speaker: str
    speaker_mention: str
    quote: str
    cue: str
    span: tuple[int, int]
    kind: Literal["direct", "indirect"]


@dataclass
class _Cand:
    start: int
    end: int
    kind: Literal["direct", "indirect"]
    cue: str
    sent: int
    speaker: Token | None = None
    speaker_text: str = ""
    canonical: str = ""


def extract_quotes(text: str, lang: str, analysis: Analysis | None = None) -> list[Quote]:
    """Direct and indirect quotes of one article, in text order, each with its canonical speaker."""
    lang = norm_lang(lang)
    doc = parse(text, lang)
    analysis = analysis or analysis_of(doc, lang)
    ctx = _Context(doc, lang, analysis)
    cands = ctx.direct() + ctx.indirect()
    cands = _resolve_overlaps(cands)
    return ctx.attribute(sorted(cands, key=lambda c: c.start))


def quote_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Quotation-marked spans as (open mark, content start, content end, close mark end), in order.

    « » and “ ” pair with nesting; straight double quotes pair within a paragraph, and an unclosed one
    runs to the paragraph's end (multi-paragraph quotations leave the last paragraph's mark open).
    """
    spans: list[tuple[int, int, int, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _PAIRS:
            close = _find_close(text, i, ch)
            if close > i:
                spans.append((i, i + 1, close, min(close + 1, len(text))))
                i = close + 1
                continue
        i += 1
    return [(o, *strip_span(text, s, e), c) for o, s, e, c in spans if text[s:e].strip()]


def _find_close(text: str, i: int, ch: str) -> int:
    para_end = text.find("\n", i)
    para_end = len(text) if para_end < 0 else para_end
    if ch == '"':
        j = text.find('"', i + 1, para_end)
        return j if j > 0 else para_end
    depth, j = 0, i
    while j < para_end:
        if text[j] == ch:
            depth += 1
        elif text[j] == _PAIRS[ch]:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1




class _Context:
    """One parsed article and the per-article facts the rules share (quotes, roles, sentences)."""

    def __init__(self, doc: Doc, lang: str, analysis: Analysis) -> None:
        self.doc, self.lang, self.analysis = doc, lang, analysis
        self.verbs = frozenset(fold_token(v) for v in REPORTING_VERBS[lang])
        self._irregular = [v for v in self.verbs if not v.endswith("er")]
        self.marks = quote_spans(doc.text)
        self._openings = [m[0] for m in self.marks]
        self.sents = list(doc.sents)
        self.sent_of = {t.i: k for k, s in enumerate(self.sents) for t in s}
        self._role_tokens: list[tuple[Token, str]] = []
        self.roles = self._roles()
        self.genders = self._genders()

    # -- candidates ---------------------------------------------------------------------------
    def direct(self) -> list[_Cand]:
        """Quotation-marked spans with a cue in their sentence, or continuing the previous quote."""
        out: list[_Cand] = []
        for opening, start, end, closing in self.marks:
            toks = self._tokens_between(opening, closing)
            if not toks or self._is_naming(opening) or self._is_title(toks, start, end, closing):
                continue
            frame = self._frame(toks[0].i, toks[-1].i)
            cand = _Cand(start, end, "direct", "", self.sent_of[toks[0].i])
            words = len(self.doc.text[start:end].split())
            for verb in self._verbs_by_dominance(frame, toks, opening, closing):
                if words >= MIN_WORDS or self._utterance(end, verb, opening, closing):
                    subj = self._subject(verb)
                    if subj is not None:
                        cand.cue, cand.speaker = verb.text, subj
                        break
            if not cand.cue and words >= MIN_WORDS:
                source = self._source(frame)
                inner = next((t for t in toks if start <= t.idx < end), toks[0])
                if source is not None and source.i < inner.i and source in inner.ancestors and toks[0].i > 0 \
                        and self.doc[toks[0].i - 1].pos_ == "ADP" \
                        and not any(t.text in (",", ":") for t in self.doc[source.i:inner.i]):
                    continue  # "selon un rapport sur « Les revenus des ménages »": the title of the source
                if source is not None:
                    cand.cue, cand.speaker = "selon" if self.lang == "fr" else "according to", source
                elif self._colon_before(opening) and self._colon_subject(frame, opening) is not None:
                    cand.cue, cand.speaker = ":", self._colon_subject(frame, opening)
                elif not any(t.is_alpha for t in frame) or (self._verbs_by_distance(frame, opening, closing)
                                                            and self._follows_quote(toks[0].i)):
                    cand.cue = "continuation"  # alone in its sentence, or '« A », en ajoutant : « B »'

            if cand.cue and (cand.speaker is not None or cand.cue == "continuation"):
                out.append(cand)
        return out

    def _ends_sentence(self, last: int) -> bool:
        """Whether the quotation ending at token ``last`` ends with a full stop inside its marks."""
        inner = self.doc[last - 1] if last > 0 else self.doc[last]
        return inner.text in (".", "!", "?", "…")

    def _follows_quote(self, first: int) -> bool:
        """Whether another quotation closes earlier in the same sentence of the text."""
        k = first - 1
        while k >= 0 and not self._boundary(self.doc[k]):
            if self._in_marks(self.doc[k].idx):
                return True
            k -= 1
        return False

    def _frame(self, first: int, last: int) -> list[Token]:
        """Tokens around a quote, outside quotation marks, up to the sentence end or paragraph break
        on each side (scanned on the text, since the parser sometimes splits at « or :)."""
        out: list[Token] = []
        for step, k in ((-1, first - 1), (1, last + 1)):
            for n in range(_FRAME_TOKENS):
                if k < 0 or k >= len(self.doc):
                    break
                t = self.doc[k]
                if step > 0 and n == 0 and self._ends_sentence(last) and (t.is_sent_start or t.text[:1].isupper()):
                    break  # '"… condition." They also said': the quotation closed its own sentence
                if "\n" in t.text or (t.text in (".", "!", "?", "…", ";") and not self._in_marks(t.idx)):
                    break
                if not self._in_marks(t.idx):
                    out.append(t)
                elif step < 0 or not t.is_punct:
                    break  # another quotation: what lies beyond it belongs to that one
                k += step
        return sorted(out, key=lambda t: t.i)

    def indirect(self) -> list[_Cand]:
        """Reported clauses of reporting verbs with a subject, and sentences carrying "selon X"."""
        out: list[_Cand] = []
        for tok in self.doc:
            if self._in_marks(tok.idx):
                continue
            if self._is_reporting(tok):
                inverted = self._incise_clause(tok) if self.lang == "fr" else self._inverted_clause(tok)
                if inverted is not None:
                    out.append(inverted)
                for child in self._complements(tok):
                    if self._reported_clause(child, tok):
                        subj = self._subject(tok)
                        span = self._clause_span(child)
                        if subj is not None and span is not None:
                            out.append(_Cand(*span, "indirect", tok.text, self.sent_of[tok.i], subj))
            elif tok.lower_ in _SOURCE_PREP[self.lang]:
                cand = self._source_clause(tok)
                if cand is not None:
                    out.append(cand)
        return out

    def _complements(self, verb: Token) -> list[Token]:
        """The verb's clausal complements, also through a predicative adjective or participle ("s'est
        dit convaincu que …", "s'est montré confiant que …") or the infinitive of "faire savoir"."""
        out = [c for c in verb.children if c.dep_ == "ccomp"]
        if not out and self.lang == "fr":
            # "estime pour sa part que …", with the clause hung on "part": a "que" after adverbials that
            # opens a clause with a subject (not the "que" of a comparison: "plus grosses que des balles").
            mark = next((t for t in verb.subtree if t.i > verb.i and t.dep_ == "mark" and t.lower_ in _COMPLEMENTISERS),
                        None)
            # Not the "que" of a conjunctional phrase ("pour que", "bien que", "jusqu'à ce que").
            if mark is not None and mark.head.pos_ in ("VERB", "AUX", "ADJ") and mark.i > 0 \
                    and self.doc[mark.i - 1].pos_ not in ("ADP", "ADV", "PRON", "SCONJ", "CCONJ") \
                    and not any(c.dep_ == "aux:pass" for c in verb.children) \
                    and any(c.dep_.startswith("nsubj") for c in mark.head.children) \
                    and not any(t.pos_ in ("VERB", "AUX") or t.text in (";", ":", "«")
                                for t in self.doc[verb.i + 1:mark.i]):
                out.append(mark.head)
        for x in verb.children:
            if x.dep_ == "xcomp" and (x.pos_ == "ADJ" or "Part" in x.morph.get("VerbForm", [])
                                      or (fold_token(x.lemma_) in _CAUSED and fold_token(verb.lemma_) == "faire")):
                out += [c for c in x.children if c.dep_ == "ccomp"]
        return out

    def _inverted_clause(self, verb: Token) -> _Cand | None:
        """'CLAUSE, explique X' parsed with the verb hanging on the clause (advcl/parataxis) rather than
        the clause on the verb: the clause before the comma is what X says."""
        head = verb.head
        if verb.dep_ not in ("advcl", "parataxis") or head.i >= verb.i or self._in_marks(head.idx):
            return None
        subj = self._subject(verb)
        if subj is None or subj.i < verb.i:
            return None  # only the inverted form: with the subject first it is an ordinary clause
        toks = [t for t in self._same_sentence(list(head.subtree), head) if t.i < verb.i]
        while toks and (toks[-1].is_punct or toks[-1].dep_.startswith("aux")) and toks[-1].text not in ("»", "”", '"'):
            toks.pop()
        if not toks or self.doc[toks[-1].i + 1:verb.i + 1][0].text not in (",", "»", "”", '"'):
            return None
        span = self._trim(toks[0].idx, toks[-1].idx + len(toks[-1]))
        if span is None or len(self.doc.text[span[0]:span[1]].split()) < MIN_WORDS:
            return None
        return _Cand(*span, "indirect", verb.text, self.sent_of[verb.i], subj)

    def _incise(self, verb: Token) -> tuple[int, int, Token] | None:
        """A French incise around a reporting verb: (first, last token of the incise, speaker).

        The verb group (auxiliaries, "-t-", object clitics, adverbs) opens after a comma or a closing
        quotation mark with the subject after the verb ("…, poursuit le ministre, …", "…, a-t-il
        précisé."), or opens with "comme" and any subject ("Comme l'a rappelé X, …", "…, comme le
        rappelle HRW, « … »"); it closes at a comma or the end of the sentence. A verb coordinated with
        an earlier one shares its subject and is no incise ("ferme l'usine, annonce des licenciements,
        et …"), unless its own subject follows it or it closes the sentence ("…, a annoncé le président
        de l'Assemblée X.", which the parser often makes a coordinated verb with an object).
        """
        k, comme = verb.i - 1, False
        while k >= 0 and verb.i - k < 6:
            t = self.doc[k]
            if t.lower_ == "comme":
                comme, k = True, k - 1
                break
            if t.pos_ == "AUX" or t.lower_ in ("-t", "t") or (t.pos_ in ("PRON", "ADV") and t.lower_ not in _NEGATION
                                                                and not t.dep_.startswith("nsubj")):
                k -= 1
                continue
            break
        lo, hi = self._sentence_bounds(verb)
        opener = self.doc[k].text if k >= lo else ""
        finite = "Fin" in verb.morph.get("VerbForm", []) or any(c.dep_.startswith("aux") for c in verb.children)
        # A verb coordinated with an earlier one shares its subject ("ferme l'usine, annonce des
        # licenciements"), unless it has a subject of its own after it ("…, a indiqué la direction").
        own = self._clitic_subject(verb) is not None or any(c.dep_ == "nsubj" and c.i > verb.i for c in verb.children)
        shared = (verb.dep_ == "conj" and verb.head.i < verb.i and verb.head.pos_ in ("VERB", "AUX")
                  and not comme and not own)
        if shared and self._inverted_subject(verb) is not None:
            inv = self._inverted_subject(verb)
            assert inv is not None
            shared = max(t.i for t in self._np(inv, appos=True)) < hi - 1  # the incise ends the sentence?
        if self._in_marks(verb.idx) or shared or not finite \
                or any(c.dep_ == "aux:pass" for c in verb.children):
            return None  # incises are finite and active ("c'est-à-dire", "critiquée par X" are none)
        if not (opener in (",", "»", "”", '"') or (comme and (opener in ("(", "") or k < lo))):
            return None
        subj = self._clitic_subject(verb)
        if subj is None:
            subj = self._subject(verb) if comme else self._inverted_subject(verb)
        if subj is None or self._in_marks(subj.idx):
            return None
        end = verb.i
        if subj.i > verb.i:
            end = max(end, *(t.i for t in self._np(subj, appos=True)))
        # "a précisé X à l'AFP": up to the next comma or the sentence end, unless a colon, a quotation or
        # a "que" shows that the verb introduces what follows.
        while end < hi and self.doc[end + 1].text not in (",", ".", "!", "?", ";"):
            nxt = self.doc[end + 1]
            if nxt.text in (":", *_PAIRS) or nxt.lower_ in _COMPLEMENTISERS or self._in_marks(nxt.idx) \
                    or end - verb.i > 15:
                return None
            end += 1
        return k + 1, end, subj

    def _incise_clause(self, verb: Token) -> _Cand | None:
        """What an incise reports: the rest of its sentence, cut at semicolons, without a trailing
        phrase that only situates the verb ("…, a déclaré X, lors d'une conférence de presse")."""
        incise = self._incise(verb)
        if incise is None:
            return None
        first, last, subj = incise
        lo, hi = self._sentence_bounds(verb)
        before = [t for t in self.doc[lo:first] if not t.is_space]
        semis = [t.i for t in before if t.text in (";", ":") and not self._in_marks(t.idx)]
        before = [t for t in before if not semis or t.i > semis[-1]]
        after = [t for t in self.doc[last + 2:hi + 1] if not t.is_space]
        semis = [t.i for t in after if t.text == ";" and not self._in_marks(t.idx)]
        after = [t for t in after if not semis or t.i < semis[0]]
        # After the incise: the rest of the sentence when it has a verb of its own or does not depend
        # on the incise ("…, disent-ils, une menace"), not a phrase that situates the verb ("…, a déclaré
        # X, lors d'une conférence de presse") or describes its subject ("…, explique X, directeur…").
        finite = any("Fin" in t.morph.get("VerbForm", []) for t in after)
        own = [t for t in after if t.is_alpha and verb not in t.ancestors and subj not in t.ancestors
               and t.i != subj.i]
        if after and not finite and not own and any(t.is_alpha for t in before):
            after = []
        toks = [t for t in before + after if not (t.is_punct and t.text not in _CLOSING)]
        quoted = sum(len(t) for t in toks if self._in_marks(t.idx))
        # A quotation touching the incise is what it reports, unless the quotation is a fragment woven
        # into a clause of the writer's ("portée jusqu'« à 500 millions », explique X").
        edge = [t for t in before if t.text != ","]
        touching = bool(after) and self._in_marks(after[0].idx)
        if edge and edge[-1].text in _CLOSING:
            opening = next((t for t in reversed(edge[:-1]) if t.text in _PAIRS and not self._in_marks(t.idx - 1)
                            and t.idx in self._openings), None)
            k = opening.i - 1 if opening is not None else lo - 1
            while k >= lo and self.doc[k].text in ("'", "’"):
                k -= 1  # "jusqu'« à …»": the elided word is still part of the clause
            prev = self.doc[k] if k >= lo else None
            touching = prev is None or prev.is_punct or prev.pos_ in ("CCONJ", "SCONJ")
        if not any(t.is_alpha for t in toks) or self._in_marks(toks[0].idx) or touching \
                or quoted >= _QUOTED_SHARE * sum(len(t) for t in toks):
            return None  # a quotation beside the incise, or most of what it reports, is reported directly
        span = self._trim(toks[0].idx, toks[-1].idx + len(toks[-1]))
        if span is None or len(self.doc.text[span[0]:span[1]].split()) < MIN_WORDS:
            return None
        return _Cand(*span, "indirect", verb.text, self.sent_of[verb.i], subj)

    def _sentence_bounds(self, anchor: Token) -> tuple[int, int]:
        """First and last token of the sentence around ``anchor`` (ends outside quotation marks)."""
        lo, hi = anchor.i, anchor.i
        while lo > 0 and not self._boundary(self.doc[lo - 1]):
            lo -= 1
        while hi < len(self.doc) - 1 and not self._boundary(self.doc[hi + 1]):
            hi += 1
        return lo, hi

    def _reported_clause(self, clause: Token, verb: Token) -> bool:
        """A clause with a subject, in the verb's sentence; not a relative clause the parser attached
        to the verb, not an indirect question ("si…", "whether…"), and, when it comes first ("…, her
        son announced"), set off by a comma."""
        toks = [t for t in sorted(clause.subtree, key=lambda t: t.i) if not t.is_punct]
        # A subject, or a complementiser when the parser lost the subject ("en ont conclu que les
        # papillons, ou plus…, peuvent", with the clause headed by its subject noun).
        introduced = (any(c.dep_ == "mark" and c.lower_ in _COMPLEMENTISERS for c in clause.children)
                      and not any(c.lower_ in ("ne", "n'", "n’") for c in verb.children))  # "ne rapporte que 3 %"
        if not toks or not (introduced or any(t.dep_.startswith(("nsubj", "expl")) for t in toks)) \
                or clause not in self._same_sentence([clause], verb):
            return False
        if toks[0].lower_ in _RELATIVES or any(c.dep_ == "mark" and c.lower_ in ("si", "whether", "if")
                                                  for c in clause.children):
            return False
        if clause.i < verb.i:
            between = self.doc[toks[-1].i + 1:verb.i]
            return any(t.text == "," for t in between) and not any(t.text in (";", ":") for t in between)
        return True

    # -- cues ---------------------------------------------------------------------------------
    def _verbs_by_dominance(self, frame: list[Token], toks: list[Token], opening: int,
                            closing: int) -> list[Token]:
        """Reporting verbs of the frame, the one whose clause holds the quote first (the nearest such
        ancestor: in 'X a déclaré que P "…", a rapporté Y' the words are X's, Y only relays them), then
        by distance."""
        verbs = self._verbs_by_distance(frame, opening, closing)
        inside = {t.i for t in toks}
        head = next((t for t in toks if t.head.i not in inside or t.head.i == t.i), None)
        if head is None:
            return verbs
        depth = {a.i: n for n, a in enumerate(head.ancestors)}
        # An incise touching the quotation ("…, comme le rappelle HRW, « … »", "« … », poursuit-il")
        # attributes it, whatever the parser made the quotation depend on.
        touching = {v.i for v in verbs if self.lang == "fr" and self._touches(v, toks[0].i, toks[-1].i)}
        return sorted(verbs, key=lambda v: (-1, 0) if v.i in touching else
                      (0, depth[v.i]) if v.i in depth else (1, verbs.index(v)))

    def _touches(self, verb: Token, first: int, last: int) -> bool:
        """Whether the incise of ``verb`` ends just before token ``first`` or starts just after ``last``
        (punctuation aside)."""
        incise = self._incise(verb)
        if incise is None:
            return False
        lo, hi, _ = incise
        between = [t for t in self.doc[hi + 1:first]] if hi < first else [t for t in self.doc[last + 1:lo]]
        return (hi < first or lo > last) and all(t.is_punct or t.is_space for t in between)

    def _verbs_by_distance(self, frame: list[Token], opening: int, closing: int) -> list[Token]:
        found = [t for t in frame if self._is_reporting(t)]
        return sorted(found, key=lambda t: opening - t.idx if t.idx < opening else t.idx - closing)

    def _is_reporting(self, tok: Token) -> bool:
        """A reporting verb, matched on its lemma (accents folded) or, when the lemmatiser missed a
        French first-group form ("indique" -> "indique"), on the stem + "er"."""
        mistagged = tok.pos_ in ("ADJ", "NOUN") and (any(c.dep_ == "nsubj" for c in tok.children)
                                                     or self._incise_position(tok))
        if (tok.pos_ not in ("VERB", "AUX") and not mistagged) or self._negated(tok):
            return False
        lemma = fold_token(tok.lemma_)
        if lemma in _ASPECTUAL and any(c.lower_ in ("se", "s'", "s’") for c in tok.children):
            return False  # "l'enquête se poursuit", "le procès reprend": not speech
        if lemma in self.verbs:
            return True
        if self.lang == "fr":
            if self._causative_report(tok):
                return True  # "faire savoir que" (to let it be known), "faire valoir que" (to argue)
            form = fold_token(tok.text)
            stem = re.sub(r"(ees|ee|es|ent|aient|ait|ant|e|a)$", "", form)
            return stem + "er" in self.verbs or any(len(v[:-3]) >= 5 and form.startswith(v[:-3])
                                                    for v in self._irregular)
        return False

    def _incise_position(self, tok: Token) -> bool:
        """'« … », juge le ministère': right after a quotation and its comma and before a determiner or a
        name, a word the tagger took for a noun ("juge", "note", "constate") is the incise's verb."""
        if tok.i < 2 or tok.i + 1 >= len(self.doc):
            return False
        before, nxt = self.doc[tok.i - 2:tok.i], self.doc[tok.i + 1]
        return (before[1].text == "," and before[0].text in _CLOSING and not any(c.dep_ == "det" for c in tok.children)
                and nxt.pos_ in ("DET", "PROPN"))

    def _causative_report(self, tok: Token) -> bool:
        """"faire savoir" / "faire valoir": the parser hangs the que-clause on either verb, so both
        count: "savoir"/"valoir" right after a form of "faire", or "faire" governing them."""
        lemma = fold_token(tok.lemma_)
        if lemma in _CAUSED:
            prev = self.doc[tok.i - 1] if tok.i > 0 else tok
            return fold_token(prev.lemma_) == "faire" or fold_token(prev.text) in _FAIRE
        return lemma == "faire" and any(c.dep_ == "xcomp" and fold_token(c.lemma_) in _CAUSED for c in tok.children)

    def _utterance(self, end: int, verb: Token, opening: int, closing: int) -> bool:
        """A short quote still counts when it ends like an utterance and the verb is right beside it."""
        text = self.doc.text
        ends = text[end - 1] in ",.!?…" or text[closing:closing + 2].strip()[:1] in (",", "!", "?")
        near = 0 <= verb.idx - closing <= 12 or 0 <= opening - (verb.idx + len(verb)) <= 12
        return ends and near

    def _source(self, frame: list[Token]) -> Token | None:
        for t in frame:
            if t.lower_ in _SOURCE_PREP[self.lang] or (self.lang == "fr" and t.lower_ == "pour"):
                src = self._source_np(t)
                if src is not None and (t.lower_ != "pour" or self._names_entity(src)):
                    return src
        return None

    def _names_entity(self, tok: Token) -> bool:
        """Whether a noun phrase names a person or organisation of the article, by a mention or by a
        role the article gave it ("pour le syndicat" after "le syndicat CGT")."""
        return self._mention_at(tok) is not None or (tok.pos_ == "NOUN" and self._role(tok) is not None)

    def _source_np(self, prep: Token) -> Token | None:
        if self.lang == "en":
            to = next((c for c in prep.children if c.lower_ == "to"), None)
            return next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
        if prep.lower_ == "après" and (prep.i == 0 or prep.nbor(-1).lower_ not in ("d'", "d’")):
            return None  # "après" alone is temporal; only "d'après" names a source
        head = prep.head
        if head.pos_ == "ADP" and head.i != head.head.i:  # "D'" + fixed "après": the phrase hangs on "D'"
            head = head.head
        if head.lower_ in _RELATIVES or "Rel" in head.morph.get("PronType", []):
            return None  # "l'hypothèse selon laquelle …": the relative clause says what the hypothesis is
        return head if head.i != prep.i and head.pos_ in ("NOUN", "PROPN", "PRON") else None

    def _source_clause(self, prep: Token) -> _Cand | None:
        """"Selon X, CLAUSE" / "CLAUSE, according to X" / "A, according to X, B": what the source says.

        A phrase that opens or closes its sentence attributes the rest of the sentence; one in the
        middle attributes the clause it modifies: the part of it on one side when the other side is a
        mere word or two, else the whole clause around the phrase.
        """
        src = self._source_np(prep)
        if src is None:
            return None
        first = prep.i - 1 if prep.lower_ == "après" and prep.i > 0 and prep.nbor(-1).lower_ in ("d'", "d’") else prep.i
        sentence = [t for t in self._same_sentence(list(self.doc), prep) if not t.is_space]
        right = src.right_edge.i
        if src.dep_ == "ROOT":  # the parse hung the sentence on the source: keep its noun phrase only
            right = max(t.i for t in self._np(src, appos=True))
        lo, hi = min(first, src.left_edge.i), max(prep.i, right)
        before = [t for t in sentence if t.i < lo and not t.is_punct]
        if before and all(self._in_marks(t.idx) for t in before):
            return None  # '« … » selon X': the quotation is what X says (see ``direct``)
        if all(t.is_punct or t.pos_ in ("CCONJ", "ADV") for t in sentence if t.i < lo):
            # "Selon X, CLAUSE" opening the sentence: the phrase runs to its comma whatever the parse
            # made of it (participles, quoted titles: "Selon un rapport établi par l'INSEE sur « … », …").
            comma = next((t.i for t in sentence if t.i > hi and t.text == "," and not self._in_marks(t.idx)), None)
            if comma is not None and comma - prep.i <= _FRAME_TOKENS // 2:
                hi = max(hi, comma)
        phrase = set(range(lo, hi + 1))
        words = [t for t in sentence if t.i not in phrase and not t.is_punct]
        if not words:
            return None
        if all(t.i > hi for t in words) or all(t.i < lo for t in words):
            clause = [t for t in sentence if t.i not in phrase and (t.i > hi) == (words[0].i > hi)]
            semis = [t.i for t in clause if t.text == ";"]
            if semis:  # "…; Chinese authorities referred to him as…" is the writer again
                cut = semis[0] if semis[0] > hi else semis[-1]
                clause = [t for t in clause if (t.i < cut) == (cut > hi)]
        else:
            head = prep.head if self.lang == "en" else src.head
            pool = list(head.subtree) if head in sentence and head.i not in phrase else sentence
            # Coordinated clauses and trailing modifiers after the phrase ("…, but the man was found
            # dead", "…, ranging in age from…") are the writer's, not the source's.
            tail = {t.i for c in head.children if c.i > hi and c.dep_ in ("conj", "cc", "advcl", "parataxis")
                    for t in c.subtree}
            clause = [t for t in pool if t in sentence and t.i not in phrase and t.i not in tail]
            before = [t for t in clause if t.i < lo and t.is_alpha]
            after = [t for t in clause if t.i > hi and t.is_alpha]
            if len(before) <= 2 < len(after):
                clause = [t for t in clause if t.i > hi]
            elif len(after) <= 2 < len(before):
                clause = [t for t in clause if t.i < lo]
        clause = sorted(clause, key=lambda t: t.i)
        if not clause:
            return None
        span = self._trim(clause[0].idx, clause[-1].idx + len(clause[-1]))
        if span is None or len(self.doc.text[span[0]:span[1]].split()) < MIN_WORDS:
            return None
        cue = "selon" if self.lang == "fr" else "according to"
        return _Cand(*span, "indirect", cue, self.sent_of[prep.i], src)

    def _same_sentence(self, toks: list[Token], anchor: Token) -> list[Token]:
        """The tokens of ``toks`` between the sentence ends (outside quotation marks) around ``anchor``."""
        lo, hi = self._sentence_bounds(anchor)
        return sorted((t for t in toks if lo <= t.i <= hi), key=lambda t: t.i)

    def _boundary(self, t: Token) -> bool:
        return "\n" in t.text or (t.text in (".", "!", "?") and not self._in_marks(t.idx))

    def _colon_before(self, opening: int) -> bool:
        """A colon before the quotation, or a comma before one that is a whole sentence ending its own
        ('Senator X spoke on Fox News, "This is going to…."')."""
        before = self.doc.text[max(0, opening - 3):opening].strip()
        if before.endswith(":"):
            return True
        k = next((m for m in self.marks if m[0] == opening), None)
        if not before.endswith(",") or k is None:
            return False
        _, start, end, closing = k
        rest = self.doc.text[closing:closing + 3].strip()
        return self.doc.text[start].isupper() and self.doc.text[end - 1] in ".!?" and (not rest or rest[0] in "\n")

    def _colon_subject(self, frame: list[Token], opening: int) -> Token | None:
        before = [t for t in frame if t.idx < opening]
        for t in reversed(before):
            if t.pos_ in ("VERB", "AUX"):
                subj = self._subject(t)
                if subj is not None:
                    return subj
        # "The family's statement on the death read: …" with "read" tagged as a noun: the clause's subject.
        return next((t for t in before if t.dep_ in ("nsubj", "expl:subj") and t.pos_ != "PRON"), None)

    def _is_naming(self, opening: int) -> bool:
        """'known as "…"', 'une comédie musicale nommée « … »': a name or title follows, not speech."""
        before = self.doc.text[max(0, opening - 30):opening]
        prev = before.split()
        if not prev or "\n" in before[before.rfind(prev[-1]):] or not prev[-1][-1:].isalpha():
            return False
        word = prev[-1].lower()
        match = _NAMING.match(word)
        return match is not None and len(word) <= len(match.group()) + 3

    def _is_title(self, toks: list[Token], start: int, end: int, closing: int) -> bool:
        """A capitalised, verbless phrase not ending like an utterance is a name or a title ("Person
        of the Year", « Les bâtisseurs de la gloire »), not something someone said."""
        text = self.doc.text
        inner = [t for t in toks if start <= t.idx < end]
        ends = text[end - 1] in ",.!?…" or text[closing:closing + 2].strip()[:1] in (",", "!", "?")
        return (bool(inner) and text[start].isupper() and not ends
                and not any(t.pos_ in ("VERB", "AUX") for t in inner))

    # -- speakers ------------------------------------------------------------------------------
    def _subject(self, verb: Token) -> Token | None:
        """The speaking subject of a reporting verb.

        ``nsubj`` first (a named one when a role and a name are both subjects); then, for a finite verb
        after its quote, the inverted subject ("a déclaré Oumar Maïga", "indique le quotidien", which
        the French parser often labels ``obj``); gerunds and participles ("adding", "en ajoutant") and
        French infinitive adjuncts ("avant de poursuivre") take the subject of the verb they hang on, a
        coordinated verb that of the verb before it, even a passive one ("Il fut exclu et déclara"). A
        French passive reporting verb speaks through its agent ("a été annoncé par X") or not at all.
        Never a word inside quotation marks.
        """
        clitic = self._clitic_subject(verb)
        if clitic is not None:
            return clitic
        if self.lang == "fr" and any(c.dep_ == "aux:pass" for c in verb.children):
            return next((c for c in verb.children if c.dep_ == "obl:agent" and not self._in_marks(c.idx)), None)
        deps: tuple[str, ...] = ("nsubj", "expl:subj")
        for level in range(4):
            passive = any(c.dep_ in ("aux:pass", "auxpass") for c in verb.children)
            # A "passive" subject without a passive auxiliary is a parse error ("il vota"); the subject
            # of "faire savoir" may hang on "fait".
            kids = [*verb.children, *(g for c in verb.children if c.dep_ in ("dep", "aux:caus")
                                      and fold_token(c.lemma_) == "faire" for g in c.children)]
            subs = [self._after_euphonic(c) for c in kids
                    if c.dep_ in deps or (self.lang == "fr" and c.dep_ == "nsubj:pass" and not passive)]
            subs = [c for c in subs if not self._in_marks(c.idx) and c.lower_ not in ("-t", "t")
                    and not self._paragraph_between(c, verb)]
            if subs:
                named = [c for c in subs if self._mention_at(c, "PERSON") is not None]
                subj = (named or [c for c in subs if c.pos_ != "PRON"] or subs)[0]
                if subj.lower_ in ("qui", "who", "which", "that", "lequel", "laquelle"):
                    head = verb.head
                    return head if head.i != verb.i and not self._in_marks(head.idx) else None
                return self._matrix_subject(verb, subj)
            head = verb.head
            # A coordinated verb shares the subject of the verb before it ("voit en lui … mais regrette le
            # fait que"): what follows it is its object, not an inverted subject.
            shared = verb.dep_ == "conj" and head.i < verb.i and not self._in_marks(head.idx)
            if level == 0 and not self._gerund(verb) and not shared:
                inverted = self._inverted_subject(verb)
                if inverted is not None:
                    return inverted
            if shared and head.pos_ in ("NOUN", "PROPN") and not any(c.dep_ == "case" for c in head.children):
                return head  # "La coordination … appelle à … et fait savoir": the noun was taken for a verb
            infinitive = self.lang == "fr" and "Inf" in verb.morph.get("VerbForm", []) and verb.dep_ in ("advcl", "acl")
            adjunct = ("advcl", "acl", "mark", "dep") if self.lang == "fr" else ("advcl", "acl")  # "Estimant que…"
            climb = verb.dep_ in ("conj", "xcomp") or ((self._gerund(verb) or infinitive) and verb.dep_ in adjunct)
            deps = ("nsubj", "expl:subj", "nsubj:pass") if verb.dep_ == "conj" else ("nsubj", "expl:subj")
            if verb.dep_ == "xcomp":  # "led Biden to express": the object of the governing verb speaks
                obj = next((c for c in head.children if c.dep_ in ("dobj", "obj") and c.i < verb.i
                            and c.pos_ in ("PROPN", "NOUN")), None)
                if obj is not None:
                    return obj
            if climb and head.i != verb.i and not self._in_marks(head.idx):
                verb = head
            else:
                break
        return self._left_subject(verb)

    def _clitic_subject(self, verb: Token) -> Token | None:
        """The hyphenated subject clitic of an inverted verb or of its auxiliary ("s'exclame-t-il",
        "a-t-elle ajouté"): always the subject, whatever the parser attached."""
        if self.lang != "fr":
            return None
        for anchor in [verb, *(c for c in verb.children if c.dep_.startswith("aux"))]:
            for t in self.doc[anchor.i + 1:anchor.i + 3]:
                if t.lower_ in _CLITICS:
                    return t
                if t.lower_ not in ("-t", "t"):
                    break
        return None

    def _left_subject(self, verb: Token) -> Token | None:
        """Last resort when the parse gives the verb no subject ("Le gouvernement malien, impuissant,
        a de son côté dénoncé « … »", parsed with "dénoncé" under "côté"): the nearest subject or named
        entity to its left in the same sentence and paragraph, outside quotations, before any other
        verb that has a subject of its own."""
        for k in range(verb.i - 1, max(-1, verb.i - 25), -1):
            t = self.doc[k]
            if self._boundary(t) or self._in_marks(t.idx) or t.text in (";", ":"):
                return None
            if t.pos_ in ("VERB", "AUX") and any(c.dep_.startswith("nsubj") for c in t.children) and t.i != verb.i:
                subj = next(c for c in t.children if c.dep_.startswith("nsubj"))
                return subj if subj.i < t.i and not self._in_marks(subj.idx) else None
            if t.dep_ in ("nsubj", "expl:subj") and t.pos_ != "PRON":
                return t
            if self._named(t):
                return t
        return None

    def _name_ending(self, t: Token) -> str | None:
        """Canonical name of the person or organisation whose name ends at token ``t`` (see ``_named``)."""
        end = t.idx + len(t)
        found = next((m.canonical for m in self.analysis.mentions
                      if m.end == end and m.label in ("PERSON", "ORG")), None)
        if found is None and self._named(t):
            found = link_name(t.text, self.analysis.people + self.analysis.orgs)
        return found

    def _named(self, t: Token) -> bool:
        """The last word of a person or organisation name: a mention's end, or a capitalised word the
        recogniser missed here that names someone of the article ("B. Obama" when "Barack Obama" was found)."""
        if any(m.end == t.idx + len(t) and m.label in ("PERSON", "ORG") for m in self.analysis.mentions):
            return True
        return (t.pos_ in ("PROPN", "X") and t.text[:1].isupper() and len(t.text) > 1 and t.is_alpha
                and link_name(t.text, self.analysis.people + self.analysis.orgs) is not None)

    def _paragraph_between(self, a: Token, b: Token) -> bool:
        lo, hi = sorted((a.i, b.i))
        return any("\n" in t.text for t in self.doc[lo:hi])

    def _after_euphonic(self, tok: Token) -> Token:
        """"a-t-elle ajouté": the parser may make the euphonic "-t" the subject; the pronoun follows it."""
        if tok.lower_ in ("-t", "t") and tok.i + 1 < len(self.doc) and self.doc[tok.i + 1].text.startswith("-"):
            return self.doc[tok.i + 1]
        return tok

    def _gerund(self, verb: Token) -> bool:
        morph = verb.morph
        return verb.tag_ == "VBG" or ("Part" in morph.get("VerbForm", []) and "Pres" in morph.get("Tense", []))

    def _inverted_subject(self, verb: Token) -> Token | None:
        """The first noun or pronoun right after the verb that is not inside a prepositional phrase."""
        for t in self.doc[verb.i + 1:min(len(self.doc), verb.i + 12)]:
            if self._in_marks(t.idx) or t.text in (".", ";", ":", "«", "»", '"', "“", "”") or "\n" in t.text:
                return None
            if t.lower_ in ("-t", "t"):
                continue
            own = (t.head.i == verb.i and t.dep_ not in ("ccomp", "xcomp", "advcl", "conj")) or t.i == verb.head.i
            if t.lower_.lstrip("-") in _PRONOUNS and (t.text.startswith("-") or own):
                return t
            if t.lower_ in ("que", "qu'", "qu’", "that"):
                return None  # the reported clause starts: nothing after this is the speaker
            if any(m.start == t.idx and m.label == "PERSON" for m in self.analysis.mentions):
                return t  # "a expliqué à l'AFP Gilles-Éric Séralini", even when parsed as its apposition
            if t.pos_ in ("NOUN", "PROPN", "X") and own and not any(c.dep_ == "case" for c in t.children):
                return t
        return None

    def _matrix_subject(self, verb: Token, subj: Token) -> Token:
        """'X confirmed they seized…, stating "…"': a pronoun subject of a reported clause is the
        subject of the verb reporting it."""
        if subj.lower_ in _PRONOUNS and verb.dep_ == "ccomp":
            outer = [c for c in verb.head.children if c.dep_.startswith("nsubj") and c.pos_ in ("NOUN", "PROPN")]
            if outer and not self._in_marks(outer[0].idx):
                return outer[0]
        return subj

    def _mention_at(self, tok: Token, label: str | None = None) -> str | None:
        """Canonical name of the entity mention in ``tok``'s noun phrase: the phrase itself first, then
        its appositions ("Mayor de Blasio, a member of the Democratic Party" is de Blasio)."""
        labels = (label,) if label else ("PERSON", "ORG")
        for appos in (False, True):
            spans = [(t.idx, t.idx + len(t)) for t in self._np(tok, appos=appos)]
            for want in labels:
                for m in self.analysis.mentions:
                    if m.label == want and any(s <= m.start < e or m.start <= s < m.end for s, e in spans) \
                            and not (want == "PERSON" and not m.start <= tok.idx < m.end and self._governed(m)):
                        return m.canonical
        return None

    def _governed(self, m: Mention) -> bool:
        """A person named as the object of a preposition is someone else than the noun phrase's head
        ("le successeur de Claude Erignac", "l'avocat de X"), unlike a name set after a complement
        ("le président de l'Assemblée Claude Bartolone"); an organisation there still names the
        speaker's side."""
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or span.start == 0:
            return False
        prep = self.doc[span.start - 1]
        return prep.pos_ == "ADP" and prep.head.i == span.root.i


    def _np(self, tok: Token, appos: bool = False, pp: bool = True) -> list[Token]:
        """The noun phrase of ``tok`` without relative clauses, clauses, coordinated verbs and (unless
        asked) appositions or (``pp=False``) prepositional complements."""
        keep = []
        stop = {"acl", "acl:relcl", "relcl", "advcl", "ccomp", "punct", "parataxis", "cc", "case", "mark", "poss"}
        if not appos:
            stop.add("appos")
        todo = [tok]
        while todo:
            t = todo.pop()
            keep.append(t)
            todo += [c for c in t.children if c.dep_ not in stop and not self._in_marks(c.idx)
                     and not (c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"))
                     and (pp or not self._complement(c))]
        return sorted(keep, key=lambda t: t.i)

    def _complement(self, tok: Token) -> bool:
        """A prepositional complement inside a noun phrase ("de Claude Erignac", "of the group")."""
        return tok.dep_ == "pobj" or (tok.dep_ in ("nmod", "prep")
                                      and any(g.dep_ in ("case", "pobj") for g in tok.children))

    def _np_text(self, tok: Token) -> str:
        np = self._np(tok)
        return self.doc.text[np[0].idx:np[-1].idx + len(np[-1])]

    def _core(self, tok: Token) -> str:
        """The noun phrase without determiners: "Les analystes du groupe" -> "analystes du groupe"."""
        return " ".join(t.text for t in self._np(tok) if t.pos_ not in ("DET", "PRON") or t.i == tok.i).strip()

    def _name(self, tok: Token) -> tuple[str, str]:
        """(canonical, mention text) of a subject token that is not a pronoun."""
        text = self._np_text(tok)
        core = self._core(tok)
        own = self._own_mention(tok, "PERSON")
        if own:
            return own, text
        if tok.pos_ == "PROPN":  # a name the recogniser missed here but found elsewhere ("Mayor de Blasio")
            linked = link_name(core, self.analysis.people + self.analysis.orgs)
            if linked:
                return linked, text
        if tok.dep_ == "appos" and self._mention_at(tok.head) is not None:  # "X, le ministre, qui a dit"
            return self._mention_at(tok.head) or "", text
        # A person in the phrase or its apposition beats an organisation: the French recogniser often
        # tags the role itself as ORG ("le ministre de l'Intérieur, Manuel Valls").
        # A proper noun the recogniser missed, or took for a place, is a name as written ("Rami Abd
        # al-Rahman de l'Observatoire…"), not the organisation in its complement.
        proper = (self._proper_name(tok) if self.lang == "fr" and tok.pos_ == "PROPN"
                  and not any(c.dep_ == "det" for c in tok.children) else None)  # "le Président" is no name
        named = (self._mention_at(tok, "PERSON") or self._apposed(tok) or self._own_mention(tok, "ORG")
                 or (proper and (self._role(tok) or proper)) or self._mention_at(tok, "ORG"))
        if named:
            return named, text
        return (self._role(tok) or core or tok.text), text

    def _apposed(self, tok: Token) -> str | None:
        """A person named right after the noun phrase, after a comma, that the parser did not attach to it
        ("lâche le président du club, Marc Dupont", with the name hung on the verb)."""
        if tok.pos_ != "NOUN":
            return None
        end = max(t.i for t in self._np(tok)) + 1
        if end + 1 >= len(self.doc) or self.doc[end].text != ",":
            return None
        nxt = self.doc[end + 1]
        found = next((m.canonical for m in self.analysis.mentions if m.label == "PERSON" and m.start == nxt.idx), None)
        org = any(m.start == nxt.idx and m.label == "ORG" for m in self.analysis.mentions)
        if found is None and self.lang == "fr" and nxt.pos_ == "PROPN" and not org:
            found = self._proper_name(nxt)  # a name the recogniser missed or took for a place
        return found

    def _proper_name(self, tok: Token) -> str:
        """The text of a proper noun with the name words joined to it ("Rami Abd al-Rahman": "flat"
        dependents, hyphens included), as written."""
        parts = [tok, *(c for c in tok.children if c.dep_ in ("flat:name", "flat", "compound")
                        and c.i > tok.i and not self._in_marks(c.idx))]
        last = max(parts, key=lambda t: t.i)
        while last.i + 1 < len(self.doc) and not last.whitespace_ and (self.doc[last.i + 1].is_alpha
                                                                       or self.doc[last.i + 1].text == "-"):
            last = self.doc[last.i + 1]  # "al-Rahman": the parts of a hyphenated name, however attached
        if any(not (t.pos_ in ("PROPN", "X") or t.text == "-" or t.i > max(p.i for p in parts))
               for t in self.doc[tok.i:last.i + 1]):
            return tok.text
        return self.doc.text[tok.idx:last.idx + len(last)]

    def _own_mention(self, tok: Token, label: str) -> str | None:
        """The mention with ``label`` that the token itself belongs to, if any."""
        return next((m.canonical for m in self.analysis.mentions if m.label == label and m.start <= tok.idx < m.end),
                    None)

    def _role(self, tok: Token) -> str | None:
        """The named entity a definite role noun stands for ("le quotidien" -> "Le Figaro")."""
        definite = any(c.dep_ in ("det", "poss", "nmod:poss") and c.lower_ in _DEFINITE for c in tok.children)
        if not definite or tok.pos_ not in ("NOUN", "PROPN"):
            return None
        names = [name for pos, name in self.roles.get(fold_token(tok.lemma_), []) if pos < tok.idx]
        return names[-1] if names else None

    def _roles(self) -> dict[str, list[tuple[int, str]]]:
        """Role nouns the article attaches to a person/org: "le quotidien français Le Figaro", "l'ONG
        Human Rights Watch" (role noun right before the name, adjectives skipped) and "Arnaud Montebourg,
        le ministre…" / "Bob Hughes, the executive director…" (first noun of the apposition)."""
        roles: dict[str, list[tuple[int, str]]] = {}
        for m in self.analysis.mentions:
            if m.label not in ("PERSON", "ORG"):
                continue
            span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            found = []
            k = span.start - 1
            while k >= 0 and self.doc[k].pos_ == "ADJ" and span.start - k <= 3:
                k -= 1
            if k >= 0 and self._role_noun(self.doc[k]):
                found.append(self.doc[k])
            elif k >= 0 and self.doc[k].text == ",":
                found += self._role_before_comma(k)
            k = span.end
            if k < len(self.doc) and self.doc[k].text == ",":
                k += 1
                while k < len(self.doc) and self.doc[k].pos_ in ("DET", "ADJ") and k - span.end <= 3:
                    k += 1
                if k < len(self.doc) and self._role_noun(self.doc[k]):
                    found.append(self.doc[k])
            root = span.root
            if root.dep_ == "appos" and self._role_noun(root.head):
                found.append(root.head)  # "son complice de toujours, Jean-Michel Larqué"
            found += [c for c in root.children if c.dep_ == "appos" and self._role_noun(c)]
            for t in found:
                roles.setdefault(fold_token(t.lemma_), []).append((m.start, m.canonical))
                self._role_tokens.append((t, m.canonical))
        return roles

    def _role_before_comma(self, comma: int) -> list[Token]:
        """"son complice de toujours, Jean-Michel Larqué": the determined noun that opens the phrase
        ending at the comma before a name (a few words, no verb or punctuation in between)."""
        found = None
        for k in range(comma - 1, max(-1, comma - 7), -1):
            t = self.doc[k]
            if t.is_punct or t.pos_ in ("VERB", "AUX") or self._in_marks(t.idx):
                break
            if self._role_noun(t) and any(c.dep_ in ("det", "poss", "nmod:poss") for c in t.children):
                found = t
        return [found] if found is not None else []

    def _role_noun(self, tok: Token) -> bool:
        # Role words are common nouns; an all-capital acronym noun ("l'ONG") also counts.
        return tok.pos_ == "NOUN" or (tok.pos_ in ("PROPN", "X") and tok.text.isupper() and len(tok.text) > 1
                                      and not any(m.start <= tok.idx < m.end for m in self.analysis.mentions))

    # -- attribution pass ---------------------------------------------------------------------
    def attribute(self, cands: list[_Cand]) -> list[Quote]:
        """Resolve speakers in text order (pronouns and continuations need the previous speaker)."""
        out: list[Quote] = []
        last: tuple[int, str, bool] | None = None  # (sentence, canonical, is a named entity)
        for c in cands:
            if c.cue == "continuation":
                if last is None or c.sent - last[0] > 1:
                    topic = self._topic_before(c.start, last)
                    if topic is None:
                        continue
                    c.canonical, c.speaker_text = topic
                else:
                    c.canonical, c.speaker_text = last[1], ""
            else:
                assert c.speaker is not None
                resolved = self._resolve(c.speaker, c.sent, min(c.start, c.speaker.idx), last)
                if resolved is None:
                    continue
                c.canonical, c.speaker_text = resolved
            named = (c.canonical in self.analysis.people or c.canonical in self.analysis.orgs
                     or (c.speaker is not None and c.speaker.pos_ == "PROPN"))
            last = (self.sent_of.get(self._last_token(c.end), c.sent), c.canonical, named)
            quote = self.doc.text[c.start:c.end]
            out.append(Quote(c.canonical, c.speaker_text, quote, c.cue, (c.start, c.end), c.kind))
        return out

    def _topic_before(self, start: int, last: tuple[int, str, bool] | None) -> tuple[str, str] | None:
        """"Il a souhaité faire un rappel au règlement. « On ne peut pas… »": a quotation standing as a
        sentence of its own, with no quote just before, is the words of the named person (or
        organisation) who is the main subject of the sentence before it, outside quotations."""
        k = self._token_at(start)
        prev = [t for t in self.doc[max(0, k - _FRAME_TOKENS):k] if not self._in_marks(t.idx)]
        while prev and (prev[-1].is_punct or prev[-1].is_space):
            prev.pop()
        if not prev:
            return None
        lo, _ = self._sentence_bounds(prev[-1])
        for t in prev:
            if t.i >= lo and t.dep_.startswith("nsubj") and self._main_clause(t):
                resolved = self._resolve(t, self.sent_of[t.i], t.idx, last)
                if resolved and (resolved[0] in self.analysis.people or resolved[0] in self.analysis.orgs):
                    return resolved
        return None

    def _token_at(self, char: int) -> int:
        span = self.doc.char_span(char, min(char + 1, len(self.doc.text)), alignment_mode="expand")
        return span.start if span is not None else 0

    def _resolve(self, tok: Token, sent: int, start: int,
                 last: tuple[int, str, bool] | None) -> tuple[str, str] | None:
        """(canonical speaker, mention text) of a subject token, or None when no one can be named."""
        low = tok.lower_.lstrip("-")
        recent = last is not None and sent - last[0] <= _LOOKBACK
        if low in _PRONOUNS:
            return self._pronoun(tok, low, sent, start, last)
        if self._latter(tok):  # "ce dernier", "celle-ci", "the latter": the entity named last
            for t in reversed(self.doc[max(0, tok.i - 3 * _FRAME_TOKENS):tok.i]):
                name = self._name_ending(t)
                if name is not None and not self._in_marks(t.idx):
                    return name, self._np_text(tok)
        in_name = any(m.start <= tok.idx < m.end and m.label in ("PERSON", "ORG") for m in self.analysis.mentions)
        if tok.pos_ == "PRON" and not in_name and tok.head.pos_ not in ("NOUN", "PROPN") and not list(tok.children):
            return None  # "on", "je", "we", "it": no one to name
        text = self._np_text(tok)
        if last and recent and self._same_role(tok):
            return last[1], text
        canonical, text = self._name(tok)
        known = canonical in self.analysis.people or canonical in self.analysis.orgs
        if not known and last and last[2] and sent - last[0] <= 2 and self._bare_definite(tok):
            return last[1], text  # "résume l'universitaire" right after the professor was quoted
        return canonical, text

    def _bare_definite(self, tok: Token) -> bool:
        """A French singular common noun with nothing but a definite or demonstrative article
        ("l'universitaire", "le chercheur"): the press's way of naming again someone just quoted, unlike
        a noun phrase that describes its referent ("le gouvernement malien", "un porte-parole de la
        police"). Not in English, where "the family" or "the company" as often opens a new source."""
        if self.lang != "fr" or tok.pos_ != "NOUN" or "Plur" in tok.morph.get("Number", []):
            return False
        kids = list(tok.children)
        return bool(kids) and all(c.dep_ == "det" and c.lower_ in _ANAPHORIC for c in kids)

    def _pronoun(self, tok: Token, low: str, sent: int, start: int,
                 last: tuple[int, str, bool] | None) -> tuple[str, str] | None:
        """The referent of a pronoun speaker: a named subject governing it in its sentence; the speaker
        of the quote just before; the subject of the sentences before (``_antecedent``); a recent speaker;
        for il/elle/he/she, the last person named as a subject, else the last person named.

        In French: a subject earlier in the pronoun's own sentence comes first ("Pastor leur répondit … ;
        elle écrivit"); il/elle/lui skip people whose grammatical gender in the article is the other one,
        and the speaker just before yields to the subject before when only the latter is marked with the
        pronoun's gender (agreement is evidence; recency alone is not); the unnamed speaker of the quote
        just before ("un porte-parole") is the referent of an incise clitic ("a-t-il précisé").
        """
        person = low in _SINGULAR
        outer = self._outer_subject(tok)
        if outer is not None and (not person or self._mention_at(outer, "PERSON")):
            return self._name(outer)[0], tok.text  # "Les Talibans ont visé l'hôtel car, selon eux, …"
        french = self.lang == "fr"
        fits = self._fits(low, False) if person else (lambda name: True)
        here = self._antecedent(start, person, low, fits, sentences=1) if french else None
        if here:
            return here, tok.text
        prev = self._antecedent(start, person, low, fits)
        clitic = french and tok.text.startswith("-")
        speaker_ok = last is not None and (last[2] or not person or clitic) and fits(last[1])
        if last and speaker_ok and sent - last[0] <= (1 if person else 2):
            strict = self._fits(low, True)
            close = self._antecedent(start, person, low, strict, sentences=2) if french and person else None
            if not (close is not None and close != last[1] and not strict(last[1])):
                return last[1], tok.text
        if prev:
            return prev, tok.text
        speaker_ok = last is not None and (last[2] or not person) and fits(last[1])
        if last and speaker_ok and sent - last[0] <= _LOOKBACK:
            return last[1], tok.text
        if person:
            before = [m for m in self.analysis.mentions if m.label == "PERSON" and m.end <= tok.idx
                      and not self._in_marks(m.start) and fits(m.canonical)]
            subjects = [m for m in before if self._subject_mention(m)]
            pick = (subjects or before)[-1:]
            return (pick[0].canonical, tok.text) if pick else None
        return None

    def _latter(self, tok: Token) -> bool:
        low = tok.lower_
        if low in ("dernier", "dernière", "latter"):
            return any(c.lower_ in ("ce", "cette", "ces", "the") for c in tok.children)
        return _DEMONSTRATIVE.match(self.doc.text, tok.idx) is not None

    def _subject_mention(self, m: Mention) -> bool:
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            return False
        root = span.root
        return root.dep_.startswith("nsubj") or (root.dep_ == "appos" and root.head.dep_.startswith("nsubj"))

    def _outer_subject(self, pron: Token) -> Token | None:
        """A named subject, earlier in the same sentence, of a verb that governs the pronoun."""
        node = pron.head
        for _ in range(6):
            for c in node.children:
                if (c.dep_.startswith("nsubj") and c.i < pron.i and c.i != pron.i and c.pos_ in ("NOUN", "PROPN")
                        and not self._in_marks(c.idx) and self._mention_at(c) is not None):
                    return c
            if node.head.i == node.i:
                return None
            node = node.head
        return None

    def _same_role(self, tok: Token) -> bool:
        """"le même chercheur" / "the same official": explicitly the previous speaker."""
        return any(c.lower_ in ("même", "same") for c in tok.children)

    def _antecedent(self, before: int, person: bool, pron: str, fits: Callable[[str], bool],
                    sentences: int = _LOOKBACK + 1) -> str | None:
        """The named subject a pronoun continues, walking back from char ``before`` over the sentences
        outside quotations (centering: the main clause's subject ranks first). A sentence whose main
        subject is the same pronoun continues the chain one sentence further back; the walk stops
        after two sentences with neither, or ``_LOOKBACK`` sentences (or ``sentences``). A named object of
        a main clause comes after the subjects ("Le parti a exclu X. … Il déclara")."""
        outside = [t for t in self.doc if t.idx < before and not self._in_marks(t.idx) and not t.is_space]
        if not outside:
            return None
        cur, misses = self.sent_of[outside[-1].i], 0
        for k in range(cur, max(-1, cur - sentences), -1):
            subjects = [t for t in self.sents[k] if t.idx < before and t.dep_.startswith("nsubj")
                        and not self._in_marks(t.idx)]
            main = [t for t in subjects if self._main_clause(t)]
            objects = [t for t in self.sents[k] if t.idx < before and t.dep_ in ("obj", "dobj")
                       and self._main_clause(t) and not self._in_marks(t.idx)] if person and self.lang == "fr" else []
            chained = False
            for t in main + [t for t in reversed(subjects) if t not in main] + objects:
                name = None
                if t.pos_ in ("PROPN", "NOUN", "X"):
                    name = self._mention_at(t, "PERSON") if person else self._mention_at(t) or self._core(t)
                    if name and fits(name):
                        return name
                if t in main and not name and (t.lower_.lstrip("-") == pron or self._possessed(t, person)):
                    chained = True
                    break
            misses = 0 if chained else misses + 1
            if misses >= 2:
                return None
        return None

    def _possessed(self, t: Token, singular: bool) -> bool:
        """"Son franc-parler lui a valu…": a subject with a possessive determiner of the pronoun's
        number keeps the same referent in focus."""
        owners = ("son", "sa", "ses", "his", "her") if singular else ("leur", "leurs", "their")
        return any(c.lower_ in owners for c in t.children)

    def _main_clause(self, t: Token) -> bool:
        """Whether a subject belongs to its sentence's main clause (or a verb coordinated with it)."""
        head = t.head
        return head.dep_ == "ROOT" or (head.dep_ == "conj" and head.head.dep_ == "ROOT")

    def _fits(self, pronoun: str, strict: bool) -> Callable[[str], bool]:
        """Whether a French il/elle/lui can stand for a name: the article marks the person with the
        pronoun's gender (``strict``) or at least not with the other one (see ``_genders``)."""
        want = _GENDER_OF.get(pronoun) if self.lang == "fr" else None
        if want is None:
            return lambda name: True
        if strict:
            return lambda name: self.genders.get(name) == want
        return lambda name: self.genders.get(name, want) == want

    def _genders(self) -> dict[str, str]:
        """Grammatical gender the article gives each person (French only): a courtesy title ("M.",
        "Mme"), the determiner or noun of a role attached to the name ("la ministre X"), or a participle
        or adjective agreeing with the name as subject ("X est arrivée"). Conflicting marks cancel out."""
        if self.lang != "fr":
            return {}
        votes: dict[str, set[str]] = {}
        for m in self.analysis.mentions:
            if m.label != "PERSON":
                continue
            first = fold_token(m.text.split()[0]) if m.text.split() else ""
            marks = {"m": "Masc", "monsieur": "Masc", "mme": "Fem", "madame": "Fem", "mlle": "Fem"}
            found = {marks[first]} if first in marks else set()
            span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is not None:
                prev = self.doc[span.start - 1] if span.start > 0 else None
                if prev is not None and fold_token(prev.text) in marks:
                    found.add(marks[fold_token(prev.text)])
                root = span.root
                if root.dep_.startswith("nsubj") and any(c.dep_ in ("aux:pass", "cop") or fold_token(c.lemma_) == "etre"
                                                         for c in root.head.children):
                    found |= set(root.head.morph.get("Gender", []))
            votes.setdefault(m.canonical, set()).update(found)
        for tok, name in self._role_tokens:  # the determiner's gender first: "la ministre", "le ministre"
            det = [c.morph.get("Gender", []) for c in tok.children if c.dep_ == "det"]
            votes.setdefault(name, set()).update(next((g for g in det if g), tok.morph.get("Gender", [])))
        return {name: next(iter(g)) for name, g in votes.items() if len(g) == 1}

    # -- helpers ------------------------------------------------------------------------------
    def _tokens_between(self, lo: int, hi: int) -> list[Token]:
        span = self.doc.char_span(lo, hi, alignment_mode="expand")
        return list(span) if span is not None else []

    def _in_marks(self, idx: int) -> bool:
        k = bisect_right(self._openings, idx) - 1
        return k >= 0 and idx < self.marks[k][3]

    def _last_token(self, end: int) -> int:
        span = self.doc.char_span(max(0, end - 1), end, alignment_mode="expand")
        return span.start if span is not None and len(span) else 0

    def _negated(self, verb: Token) -> bool:
        return any(c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ in ("pas", "jamais", "not", "never"))
                   for c in verb.children)

    def _clause_span(self, clause: Token) -> tuple[int, int] | None:
        """The reported clause: the verb's ``ccomp`` subtree, without its "que"/"that", cut where a
        colon opens a quotation or a nested reporting verb ("…, stating", "en ajoutant") starts, and
        kept inside one sentence of the text."""
        # A reporting verb of the speaker's own ("…, stating", "et a ajouté que") or of someone else ("and
        # several said …") ends the clause; a coordinated que-clause is still reported ("…, et que …").
        nested = {t.i for c in clause.subtree if c.i != clause.i and self._is_reporting(c)
                  and ((c.dep_ in ("advcl", "parataxis") or (c.dep_ == "acl" and self._gerund(c)))
                       or (c.dep_ == "conj" and not any(g.dep_ == "mark" and g.lower_ in _COMPLEMENTISERS
                                                        for g in c.children))
                       or (self.lang == "fr" and self._incise(c) is not None))
                  for t in c.subtree}
        toks = sorted(clause.subtree, key=lambda t: t.i)
        if clause.pos_ in ("NOUN", "PROPN", "PRON") and clause.i > clause.head.i:
            # A clause headed by its subject noun is a parse that lost the verb: the clause runs on to
            # the end of the sentence (or its next semicolon).
            rest = self._same_sentence(list(self.doc[toks[0].i:]), clause)
            semis = [t.i for t in rest if t.text == ";" and not self._in_marks(t.idx)]
            toks = [t for t in rest if not semis or t.i < semis[0]]
        while toks and (toks[0].is_punct or (toks[0].dep_ == "mark" and toks[0].lower_ in _COMPLEMENTISERS)
                        or (toks[0].lower_ in _COMPLEMENTISERS and toks[0].i == clause.left_edge.i)):
            toks = toks[1:]
        toks = self._same_sentence(toks, clause)
        kept: list[Token] = []
        for t in toks:
            if t.i in nested or (t.text == ":" and t.i + 1 < len(self.doc) and self.doc[t.i + 1].text in _PAIRS):
                break
            kept.append(t)
        while kept and kept[-1].is_punct and kept[-1].text not in ("»", "”", '"'):
            kept.pop()
        if not kept:
            return None
        return self._trim(kept[0].idx, kept[-1].idx + len(kept[-1]))

    def _trim(self, start: int, end: int) -> tuple[int, int] | None:
        text = self.doc.text
        while start < end and (text[start].isspace() or text[start] in ",;:-–—"):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:.-–—"):
            end -= 1
        return (start, end) if end > start else None


def _resolve_overlaps(cands: list[_Cand]) -> list[_Cand]:
    """One quote per stretch of text. A reported clause that is its quotation ("a déclaré que « … »":
    quotation from the clause's start, covering half of it or more) is reported by its direct quotes;
    a clause quoting a fragment ("le verdict « représente le pire… »") by the clause. Of nested
    reported clauses ("NDTV reported officials stated it was…") the innermost stays, since its words
    are the ones reported."""
    direct = [c for c in cands if c.kind == "direct"]
    kept: list[_Cand] = []
    dropped: set[int] = set()
    for c in sorted((c for c in cands if c.kind == "indirect"), key=lambda c: c.end - c.start):
        inside = [d for d in direct if d.start >= c.start - 2 and d.end <= c.end + 2]
        if any(_overlap(c, k) > 0 for k in kept):
            continue
        quoted = sum(d.end - d.start for d in inside)
        if inside and quoted >= _QUOTED_SHARE * (c.end - c.start) and min(d.start for d in inside) <= c.start + 2:
            continue
        if any(_overlap(c, d) > 0 and d not in inside for d in direct):
            continue
        dropped |= {id(d) for d in inside}
        kept.append(c)
    return [d for d in direct if id(d) not in dropped] + kept


def _overlap(a: _Cand, b: _Cand) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))

