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
  quotes, nicknames, "un rapport sur « … »", "le considèrent comme un « … »", "le slogan de X, « … »")
  are not quotes, nor are quoted fragments under
  ``MIN_WORDS`` words unless they end like an utterance and sit next to a reporting verb
  ('"Heartbroken and numb," writes X').
* **indirect**: the clausal complement (``ccomp``) of a reporting verb that has a subject ("X said
  (that) …", "X a déclaré que …", "X s'est dit convaincu que …", "X a fait savoir que …", inverted
  "…, her son X announced"); the rest of the sentence around a French incise ("…, poursuit le
  ministre, …", "Comme l'a indiqué X, …"; an incise inverts its subject, and a "nous"/"vous" before its
  third-person verb is its object: "…, nous dit X, « … »"); and the rest of a sentence carrying "selon X" / "d'après
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

The speaker rules live in :mod:`rag.speakers` (``Speakers``, which the per-article context here
extends); this module finds the quotes and their cues.

Limits (see ``python -m rag.quotes_eval``): pronouns and role nouns whose referent needs world
knowledge ("l'organisation islamique" for a group named otherwise), "selon" meaning "depending on"
("selon les académies"), and sentences the parser gets badly wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rag.nlp import Analysis, analysis_of, fold_token, norm_lang, parse
from rag.speakers import FRAME_TOKENS, Last, Speakers
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
    # "renchérit X", "lâche-t-elle"), where the press uses them most. "prévoir" ("prévoit que …": forecast or
    # stipulate) is the counterpart of the English list's "predict"; with "de" + infinitive (to plan) it
    # takes no clause and reports nothing.
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
        fulminer chuchoter hurler asséner trancher prévoir
    """),
}
# Prepositions that introduce a source: "selon X", "d'après X", "according to X", "pour X" (French,
# only with a named person or organisation, since "pour" is mostly purpose).
_SOURCE_PREP = {"fr": {"selon", "après", "d'après", "d’après"}, "en": {"according"}}
# Nouns of the French source phrases "de l'avis de X" and "aux dires de X", which Riegel et al. (ch. XXIII,
# "modalisation en discours second") list with "selon X" and "d'après X".
_SOURCE_NOUNS = {"avis", "dires"}
# Words just before a quotation mark that announce a name or title, not speech.
_NAMING = re.compile(r"^(intitul|titled|entitled|called|named|nomm|surnomm|dubbed|baptis|as|appel|mot|word|term"
                     r"|slogan|comme$)", re.I)  # "comme" is the French "as": "le considèrent comme « … »"
# Fewest words of a quoted fragment taken as a quote on its own. Measured on the dev split of
# tests/data/quotes_labelled.jsonl: 18 of the 20 quoted non-quotes (titles, nicknames, scare quotes)
# have <= 3 words, and 1 of the 45 attributed direct quotes does (an utterance, which the
# utterance-ending exception keeps).
MIN_WORDS = 4
# A reported clause mostly made of quotation is reported by its direct quotes, else by the clause:
# the same 50 % as the evaluation's span-overlap criterion (rag/quotes_eval.py).
_QUOTED_SHARE = 0.5

# Reporting verbs of discourse sequence that, reflexive, say that something goes on ("se poursuivre").
_ASPECTUAL = {"poursuivre", "continuer", "reprendre", "conclure", "repeter", "enchainer"}
_COMPLEMENTISERS = {"que", "qu'", "qu’", "qu", "that"}  # "qu" when the tokenizer splits "qu'«"
# "faire savoir que", "faire valoir que", "faire remarquer / observer que": the causative periphrases of
# reporting (Riegel et al., ch. XXIII);
# the tagger often takes "fait" for the noun, so the forms of "faire" are matched on the text too.
_CAUSED = {"savoir", "valoir", "remarquer", "observer"}
_FAIRE = {"fait", "fais", "font", "faisait", "faisaient", "fera", "feront", "ferait", "faire", "faisant"}
_RELATIVES = {"whose", "which", "who", "whom", "dont", "lequel", "laquelle", "lesquels", "lesquelles", "auquel", "où",
              "where"}
_PAIRS = {"«": "»", "“": "”", '"': '"'}
_CLOSING = {"»", "”", '"'}
_NEGATION = {"ne", "n'", "n’", "pas", "jamais", "not", "never"}
_ARTICLES = {"un", "une", "des", "le", "la", "les", "l'", "l’", "a", "an", "the"}
_MODALS = {"pouvoir", "devoir", "vouloir"}  # French modal auxiliaries (Riegel et al., ch. IX)


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




class _Context(Speakers):
    """One parsed article and the per-article facts the rules share (quotes, roles, sentences); the
    speaker side (subjects, names, pronouns, roles) is :class:`rag.speakers.Speakers`."""

    def __init__(self, doc: Doc, lang: str, analysis: Analysis) -> None:
        super().__init__(doc, lang, analysis, quote_spans(doc.text))
        self.verbs = frozenset(fold_token(v) for v in REPORTING_VERBS[lang])
        self._irregular = [v for v in self.verbs if not v.endswith("er")]

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
                    subj = self.subject(verb)
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
            for n in range(FRAME_TOKENS):
                if k < 0 or k >= len(self.doc):
                    break
                t = self.doc[k]
                if step > 0 and n == 0 and self._ends_sentence(last) and t.text not in (",", ";") \
                        and (t.is_sent_start or t.text[:1].isupper()):
                    break  # '"… condition." They also said' (but '« … ! », a-t-il affirmé' goes on)
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
                        subj = self.subject(tok)
                        span = self._clause_span(child)
                        if subj is not None and span is not None:
                            out.append(_Cand(*span, "indirect", tok.text, self.sent_of[tok.i], subj))
            elif tok.lower_ in _SOURCE_PREP[self.lang] or self._source_noun(tok) or self._opening_pour(tok):
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
            # A bare infinitive after a French reporting verb reports the subject's own state ("a dit
            # espérer que …", "affirme craindre que …" = "dit qu'il espère que …"), unlike "de"/"à" +
            # infinitive, which is a request or a promise ("a demandé de …").
            # Only a que-clause, and an infinitive not negated ("lui dit ne pas savoir de quoi il s'agit"
            # reports ignorance, not a statement).
            bare = (self.lang == "fr" and "Inf" in x.morph.get("VerbForm", []) and verb.pos_ == "VERB"
                    and not any(c.dep_ == "mark" for c in x.children) and not self._negated(x)
                    and not any(c.lower_ in _NEGATION for c in x.children))
            if x.dep_ == "xcomp" and (x.pos_ == "ADJ" or "Part" in x.morph.get("VerbForm", []) or bare
                                      or (fold_token(x.lemma_) in _CAUSED and fold_token(verb.lemma_) == "faire")):
                out += [c for c in x.children if c.dep_ == "ccomp" and (not bare or any(
                    g.dep_ == "mark" and g.lower_ in _COMPLEMENTISERS for g in c.children))]
        return out

    def _inverted_clause(self, verb: Token) -> _Cand | None:
        """'CLAUSE, explique X' parsed with the verb hanging on the clause (advcl/parataxis) rather than
        the clause on the verb: the clause before the comma is what X says."""
        head = verb.head
        if verb.dep_ not in ("advcl", "parataxis") or head.i >= verb.i or self._in_marks(head.idx):
            return None
        subj = self.subject(verb)
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
                                                                and (not t.dep_.startswith("nsubj")
                                                                     or self.object_clitic(t, verb))):
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
        # The incise inverts its subject (Riegel et al., ch. XXIII): a verb whose subject stands before it
        # ("La théorie …, développée par X, propose …") is the clause's own verb, unless "comme" opens it.
        # (Not a clause the parser hung on its noun: "c'est un exemple…, a déclaré X".)
        before_subject = not comme and not own and any(c.dep_ == "nsubj" and c.i < verb.i and not self._in_marks(c.idx)
                                                       and not self.object_clitic(c, verb)
                                                       and not any(g.dep_ in ("cop", "nsubj") for g in c.children)
                                                       for c in verb.children)
        if self._in_marks(verb.idx) or shared or not finite or before_subject \
                or any(c.dep_ == "aux:pass" for c in verb.children):
            return None  # incises are finite and active ("c'est-à-dire", "critiquée par X" are none)
        if not (opener in (",", "»", "”", '"') or (comme and (opener in ("(", "") or k < lo))):
            return None
        subj = self._clitic_subject(verb)
        if subj is None:
            subj = self.subject(verb) if comme else self._inverted_subject(verb)
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
        # But a clause the incise interrupts ("Il est, disent-ils, la langue de…": the part before ends on a
        # copula, auxiliary, determiner, preposition or conjunction, which cannot end a clause) goes on after it.
        words = [t for t in before if not t.is_punct]
        open_end = bool(words) and words[-1].pos_ in ("AUX", "DET", "ADP", "SCONJ", "CCONJ")
        if after and not finite and not own and any(t.is_alpha for t in before) and not open_end:
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
        if touching and after and edge and edge[-1].text not in _CLOSING and self.doc[first].lower_ != "comme" \
                and not any(self._in_marks(t.idx) for t in before) \
                and any(t.dep_.startswith("nsubj") for t in before) and any(t.pos_ in ("VERB", "AUX") for t in before):
            # "CLAUSE, nous dit la chronique, « … »": the clause (subject and verb) before the incise is
            # reported too; the quotation after it is reported directly. Not after "comme", whose incise
            # introduces what follows ("…, bien que, comme le rappelle X, « … »").
            toks = [t for t in before if not (t.is_punct and t.text not in _CLOSING)]
            touching, quoted = False, 0
        if not any(t.is_alpha for t in toks) or self._in_marks(toks[0].idx) or touching \
                or quoted >= _QUOTED_SHARE * sum(len(t) for t in toks):
            return None  # a quotation beside the incise, or most of what it reports, is reported directly
        span = self._trim(toks[0].idx, toks[-1].idx + len(toks[-1]))
        if span is None or len(self.doc.text[span[0]:span[1]].split()) < MIN_WORDS:
            return None
        return _Cand(*span, "indirect", verb.text, self.sent_of[verb.i], subj)


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
        # "si"/"whether" opening the clause asks an indirect question; after "que" ("note que si …, …") it
        # opens a conditional inside the reported clause.
        question = any(c.dep_ == "mark" and c.lower_ in ("si", "whether", "if") for c in clause.children)
        if toks[0].lower_ in _RELATIVES or (question and not introduced):
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
        # A word tagged as a noun or adjective that has a subject, stands in an incise, or takes a
        # que-clause without a determiner of its own ("Partner note que …": a noun complement clause
        # needs its noun determined, "la note que …") is the verb the tagger missed.
        mistagged = tok.pos_ in ("ADJ", "NOUN") and (
            any(c.dep_ == "nsubj" for c in tok.children) or self._incise_position(tok)
            or (self.lang == "fr" and not any(c.dep_ in ("det", "case") for c in tok.children)
                and any(c.dep_ == "ccomp" and c.i > tok.i and self.doc[tok.i + 1].lower_ in _COMPLEMENTISERS
                        for c in tok.children)))
        if (tok.pos_ not in ("VERB", "AUX") and not mistagged) or self._negated(tok):
            return False
        lemma = fold_token(tok.lemma_)
        if lemma in _ASPECTUAL and any(c.lower_ in ("se", "s'", "s’") for c in tok.children):
            return False  # "l'enquête se poursuit", "le procès reprend": not speech
        if lemma in _ASPECTUAL and "Inf" in tok.morph.get("VerbForm", []) \
                and any(c.dep_ == "obj" and c.pos_ == "NOUN" and not self._in_marks(c.idx) for c in tok.children):
            return False  # "permettre de poursuivre les recherches": an action with its object, not speech
        if self.lang == "fr" and "Inf" in tok.morph.get("VerbForm", []) and tok.dep_ == "acl" \
                and tok.head.pos_ == "NOUN" and any(c.dep_ == "mark" and c.lower_ in ("de", "d'", "d’", "à")
                                                    for c in tok.children):
            return False  # "dans le but d'assurer que", "la volonté de dire": an aim, not something said
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

    def _source_noun(self, tok: Token) -> bool:
        """"de l'avis de X", "aux dires de X": the noun of a French source phrase (``_SOURCE_NOUNS``)."""
        return (self.lang == "fr" and tok.pos_ == "NOUN" and tok.lower_ in _SOURCE_NOUNS
                and any(c.dep_ == "case" and c.lower_ in ("de", "d'", "d’", "aux") for c in tok.children))

    def _opening_pour(self, tok: Token) -> bool:
        """"Pour X, CLAUSE" opening a French sentence, X a person or organisation of the article: the
        "pour" of point of view (Riegel et al., ch. XXIII), not of purpose ("Pour gagner, …")."""
        if self.lang != "fr" or tok.lower_ != "pour" or tok.dep_ != "case":
            return False
        lo, _ = self._sentence_bounds(tok)
        if any(not (t.is_punct or t.is_space or t.pos_ in ("CCONJ", "ADV")) for t in self.doc[lo:tok.i]):
            return False
        head = tok.head
        end = max(t.i for t in self._np(head, appos=True)) if head.pos_ in ("NOUN", "PROPN") else -1
        return end > 0 and end + 1 < len(self.doc) and self.doc[end + 1].text == "," \
            and self._mention_at(head) is not None

    def _source_np(self, prep: Token) -> Token | None:
        if self._source_noun(prep):
            return next((c for c in prep.children if c.dep_ == "nmod" and c.pos_ in ("NOUN", "PROPN")
                         and any(g.dep_ == "case" for g in c.children)), None)
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
        # "X": names in a foreign language ("D'après The Hollywood Reporter"), tagged as foreign words.
        return head if head.i != prep.i and head.pos_ in ("NOUN", "PROPN", "PRON", "X") else None

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
        if self._source_noun(prep):  # "De l'avis de X": the phrase opens at its preposition
            first = min([prep.i, *(c.i for c in prep.children if c.dep_ in ("case", "det"))])
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
            if comma is not None and comma - prep.i <= FRAME_TOKENS // 2:
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
            # The writer's part runs on to the sentence end: what follows it is no longer the source's either.
            clause = [t for t in pool if t in sentence and t.i not in phrase and t.i not in tail
                      and (not tail or t.i < min(tail))]
            before = [t for t in clause if t.i < lo and t.is_alpha]
            after = [t for t in clause if t.i > hi and t.is_alpha]
            if len(before) <= 2 < len(after):
                clause = [t for t in clause if t.i > hi]
            elif len(after) <= 2 < len(before):
                clause = [t for t in clause if t.i < lo]
        clause = sorted(clause, key=lambda t: t.i)
        # "Selon X, CLAUSE : « … »": a colon that opens a quotation ends what the phrase attributes, as
        # in a reported clause (``_clause_span``); the quotation is reported directly.
        colon = next((t.i for t in clause if t.i > hi and t.text == ":" and t.i + 1 < len(self.doc)
                      and self.doc[t.i + 1].text in _PAIRS), None)
        clause = [t for t in clause if colon is None or t.i < colon]
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
                subj = self.subject(t)
                if subj is not None:
                    return subj
        # "The family's statement on the death read: …" with "read" tagged as a noun: the clause's subject.
        found = next((t for t in before if t.dep_ in ("nsubj", "expl:subj") and t.pos_ != "PRON"), None)
        colon = next((t for t in reversed(before) if t.text == ":"), None)
        if found is None and colon is not None and colon.head.pos_ in ("VERB", "AUX") \
                and not self._in_marks(colon.head.idx) and self.sent_of[colon.head.i] == self.sent_of[colon.i]:
            # The colon closes the clause it hangs on, beyond a quotation that cut the frame short ("X
            # s'engage dans cette voie … « le motif », ne cessant de … : « … »"): that clause's subject.
            found = self.subject(colon.head)
        return found

    def _is_naming(self, opening: int) -> bool:
        """'known as "…"', 'une comédie musicale nommée « … »': a name or title follows, not speech."""
        before = self.doc.text[max(0, opening - 30):opening]
        prev = before.split()
        if len(prev) > 1 and prev[-1] == ":":
            prev.pop()  # "avec ce slogan : « … »": the colon announces the name as well
        if len(prev) > 1 and prev[-1].lower() in _ARTICLES and _NAMING.match(prev[-2].lower()):
            prev.pop()  # "le considèrent comme un « … »", "surnommé le « … »": an article before the name
        if not prev or "\n" in before[before.rfind(prev[-1]):] or not prev[-1][-1:].isalpha():
            return self._names_noun(opening)
        word = prev[-1].lower()
        match = _NAMING.match(word)
        return (match is not None and len(word) <= len(match.group()) + 3) or self._names_noun(opening)

    def _names_noun(self, opening: int) -> bool:
        """A quotation in apposition to (or coordinated with) a noun of naming before it ("le vieux slogan
        de X, « … »"): the quotation is what the noun names."""
        toks = [t for t in self._tokens_between(opening, opening + 1)]
        k = toks[0].i + 1 if toks else -1
        if k < 0 or k >= len(self.doc):
            return False
        head = self.doc[k]
        while head.head.i != head.i and self._in_marks(head.head.idx) and head.head.idx > opening:
            head = head.head
        noun = head.head
        return (head.dep_ in ("appos", "conj") and noun.i < head.i and noun.pos_ == "NOUN"
                and _NAMING.match(noun.lower_) is not None)

    def _is_title(self, toks: list[Token], start: int, end: int, closing: int) -> bool:
        """A capitalised, verbless phrase not ending like an utterance is a name or a title ("Person
        of the Year", « Les bâtisseurs de la gloire »), not something someone said."""
        text = self.doc.text
        inner = [t for t in toks if start <= t.idx < end]
        ends = text[end - 1] in ",.!?…" or text[closing:closing + 2].strip()[:1] in (",", "!", "?")
        return (bool(inner) and text[start].isupper() and not ends
                and not any(t.pos_ in ("VERB", "AUX") for t in inner))


























    # -- attribution pass ---------------------------------------------------------------------
    def attribute(self, cands: list[_Cand]) -> list[Quote]:
        """Resolve speakers in text order (pronouns and continuations need the previous speaker)."""
        out: list[Quote] = []
        last: Last = None  # (sentence, canonical, is a named entity)
        last_end = 0
        for c in cands:
            if c.cue == "continuation":
                # A quotation right after the previous one (only punctuation between: "« … ! ». « … »")
                # continues it, however the parser split the sentences around the marks.
                adjacent = last is not None and not any(ch.isalnum() for ch in self.doc.text[last_end:c.start])
                if last is None or (c.sent - last[0] > 1 and not adjacent):
                    topic = self.topic_before(c.start, last, self._is_reporting)
                    if topic is None:
                        continue
                    c.canonical, c.speaker_text = topic
                else:
                    c.canonical, c.speaker_text = last[1], ""
            else:
                assert c.speaker is not None
                resolved = self.resolve(c.speaker, c.sent, min(c.start, c.speaker.idx), last)
                if resolved is None:
                    continue
                c.canonical, c.speaker_text = resolved
            named = (c.canonical in self.analysis.people or c.canonical in self.analysis.orgs
                     or (c.speaker is not None and c.speaker.pos_ == "PROPN"))
            last = (self.sent_of.get(self._last_token(c.end), c.sent), c.canonical, named)
            last_end = c.end
            quote = self.doc.text[c.start:c.end]
            out.append(Quote(c.canonical, c.speaker_text, quote, c.cue, (c.start, c.end), c.kind))
        return out















    # -- helpers ------------------------------------------------------------------------------
    def _tokens_between(self, lo: int, hi: int) -> list[Token]:
        span = self.doc.char_span(lo, hi, alignment_mode="expand")
        return list(span) if span is not None else []


    def _last_token(self, end: int) -> int:
        span = self.doc.char_span(max(0, end - 1), end, alignment_mode="expand")
        return span.start if span is not None and len(span) else 0

    def _negated(self, verb: Token) -> bool:
        """A negated verb, or a French infinitive under a negated modal ("ne peuvent pas conclure que",
        "ne veut pas dire que": pouvoir, devoir, vouloir are the modal auxiliaries of Riegel et al., ch. IX),
        which reports nothing said."""
        def neg(v: Token) -> bool:
            return any(c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ in ("pas", "jamais", "not", "never"))
                       for c in v.children)
        modal = (self.lang == "fr" and verb.dep_ == "xcomp" and "Inf" in verb.morph.get("VerbForm", [])
                 and fold_token(verb.head.lemma_) in _MODALS)
        return neg(verb) or (modal and neg(verb.head))

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

