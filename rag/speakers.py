"""Speaker resolution for quote attribution: who is behind the subject of a reporting verb.

``Speakers`` holds one parsed article (spaCy ``Doc``, its ``rag.nlp.Analysis`` and the quotation-marked
spans) and answers two questions for :mod:`rag.quotes`:

* ``subject(verb)``: the token that speaks for a reporting verb (``nsubj``, an inverted subject, a
  clitic "-t-il", the subject of the governing verb for gerunds and infinitive adjuncts, a French
  passive's agent, or the nearest subject on the left when the parse lost it);
* ``resolve(token, sentence, start, last)``: the canonical speaker that token names (a person or
  organisation of the article), through appositions ("le ministre X"), role nouns the article
  attached to a name ("le quotidien" -> "Le Figaro"), "ce dernier", pronoun chains (centering over
  main-clause subjects, French grammatical gender), and "le même chercheur"; ``topic_before`` gives the
  speaker of a quotation standing alone after a sentence about someone.

``last`` is the previous quote's (sentence, canonical speaker, is-a-named-entity): pronouns and bare
role nouns continue it. The rules are described in :mod:`rag.quotes`' docstring; this module has no
rule about what a quote is.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING

from rag.nlp import Analysis, Mention, fold_token, link_name

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Personal pronouns that can stand for a speaker; the singular ones must resolve to a person.
_SINGULAR = {"il", "elle", "lui", "he", "she"}  # "lui" after "selon"/"pour"
_PLURAL = {"ils", "elles", "eux", "they", "it"}  # "it" stands for an organisation or a document, not a person
_PRONOUNS = _SINGULAR | _PLURAL
_DEMONSTRATIVE = re.compile(r"(?i)(celui|celle)\s?-\s?ci\b")  # "celui-ci" = the latter (singular: one name)
_GENDER_OF = {"il": "Masc", "lui": "Masc", "elle": "Fem"}
# How far back (sentences) a pronoun or "le même chercheur" looks for the previous speaker: on the dev
# split, pronoun and continuation quotes are at most 5 sentences after their speaker was last named.
_LOOKBACK = 5
# How far (tokens) the frame of a quote extends on each side before a sentence end is found: on the dev
# split the farthest cue verb is 17 tokens from its quotation; 40 leaves room for long appositions.
FRAME_TOKENS = 40
# French subject clitics after the verb in an incise: "a-t-il ajouté", "disent-ils", "précise-t-elle".
_CLITICS = {"-il", "-elle", "-ils", "-elles", "-on"}
# Determiners that make a role noun point at someone already named: "le quotidien", "son complice".
_DEFINITE = {"le", "la", "l'", "l’", "the", "this", "ce", "cette", "son", "sa", "his", "her", "its", "their", "leur"}
# Articles that make a bare French role noun an anaphor: "l'universitaire", "ce chercheur".
_ANAPHORIC = {"le", "la", "l'", "l’", "ce", "cet", "cette"}

# The previous quote of the attribution pass: (sentence index, canonical speaker, is a named entity).
Last = tuple[int, str, bool] | None


class Speakers:
    """Speaker side of one parsed article: subjects of verbs, names, roles, genders, pronoun chains."""

    def __init__(self, doc: Doc, lang: str, analysis: Analysis, marks: list[tuple[int, int, int, int]]) -> None:
        """``marks``: the quotation-marked spans of the text (``rag.quotes.quote_spans``), whose words
        are never a speaker."""
        self.doc, self.lang, self.analysis = doc, lang, analysis
        self.marks = marks
        self._openings = [m[0] for m in self.marks]
        self.sents = list(doc.sents)
        self.sent_of = {t.i: k for k, s in enumerate(self.sents) for t in s}
        self._role_tokens: list[tuple[Token, str]] = []
        self.roles = self._roles()
        self.genders = self._genders()

    def _in_marks(self, idx: int) -> bool:
        k = bisect_right(self._openings, idx) - 1
        return k >= 0 and idx < self.marks[k][3]

    def _boundary(self, t: Token) -> bool:
        return "\n" in t.text or (t.text in (".", "!", "?") and not self._in_marks(t.idx))

    def _sentence_bounds(self, anchor: Token) -> tuple[int, int]:
        """First and last token of the sentence around ``anchor`` (ends outside quotation marks)."""
        lo, hi = anchor.i, anchor.i
        while lo > 0 and not self._boundary(self.doc[lo - 1]):
            lo -= 1
        while hi < len(self.doc) - 1 and not self._boundary(self.doc[hi + 1]):
            hi += 1
        return lo, hi

    def _token_at(self, char: int) -> int:
        span = self.doc.char_span(char, min(char + 1, len(self.doc.text)), alignment_mode="expand")
        return span.start if span is not None else 0

    def _paragraph_between(self, a: Token, b: Token) -> bool:
        lo, hi = sorted((a.i, b.i))
        return any("\n" in t.text for t in self.doc[lo:hi])

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
                     and (pp or not self._complement(c)) and not self._addressee(c)]
        return sorted(keep, key=lambda t: t.i)

    def _addressee(self, tok: Token) -> bool:
        """A French phrase in "à" after the head of a speaker's noun phrase is whom the words were said
        to ("a révélé son avocate à l'AFP", "a répondu la porte-parole à une question de la RTBF"): the
        parser hangs it on the noun, but it names no part of the speaker."""
        return self.lang == "fr" and tok.i > tok.head.i and tok.head.pos_ in ("NOUN", "PROPN") \
            and any(g.dep_ == "case" and g.lower_ in ("à", "au", "aux") for g in tok.children)

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

    def _main_clause(self, t: Token) -> bool:
        """Whether a subject belongs to its sentence's main clause (or a verb coordinated with it)."""
        head = t.head
        return head.dep_ == "ROOT" or (head.dep_ == "conj" and head.head.dep_ == "ROOT")

    def _gerund(self, verb: Token) -> bool:
        morph = verb.morph
        return verb.tag_ == "VBG" or ("Part" in morph.get("VerbForm", []) and "Pres" in morph.get("Tense", []))

    def subject(self, verb: Token) -> Token | None:
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
                    and not self._paragraph_between(c, verb) and not self.object_clitic(c, verb)]
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

    def object_clitic(self, pron: Token, verb: Token) -> bool:
        """A French "nous"/"vous"/"me"/"te" before a third-person verb is its object, not its subject
        ("…, nous dit la chronique", "…, me confie le maire"): a subject agrees with its verb in person
        (Riegel et al., ch. XIII), and the parser often labels the clitic ``nsubj``."""
        if self.lang != "fr" or pron.pos_ != "PRON" or pron.i > verb.i:
            return False
        person = pron.morph.get("Person", [])
        finite = [verb, *(c for c in verb.children if c.dep_.startswith("aux"))]
        verb_person = next((p for t in finite for p in t.morph.get("Person", [])), None)
        return bool(person) and person[0] in ("1", "2") and verb_person == "3"

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

    def _after_euphonic(self, tok: Token) -> Token:
        """"a-t-elle ajouté": the parser may make the euphonic "-t" the subject; the pronoun follows it."""
        if tok.lower_ in ("-t", "t") and tok.i + 1 < len(self.doc) and self.doc[tok.i + 1].text.startswith("-"):
            return self.doc[tok.i + 1]
        return tok

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

    def resolve(self, tok: Token, sent: int, start: int,
                 last: Last) -> tuple[str, str] | None:
        """(canonical speaker, mention text) of a subject token, or None when no one can be named."""
        low = tok.lower_.lstrip("-")
        recent = last is not None and sent - last[0] <= _LOOKBACK
        if low in _PRONOUNS:
            return self._pronoun(tok, low, sent, start, last)
        if self._latter(tok):  # "ce dernier", "celle-ci", "the latter": the entity named last
            for t in reversed(self.doc[max(0, tok.i - 3 * FRAME_TOKENS):tok.i]):
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

    def topic_before(self, start: int, last: Last,
                     says: Callable[[Token], bool] | None = None) -> tuple[str, str] | None:
        """"Il a souhaité faire un rappel au règlement. « On ne peut pas… »": a quotation standing as a
        sentence of its own, with no quote just before, is the words of the named person (or
        organisation) who is the main subject of the sentence before it, outside quotations; or of an
        unnamed subject ("la porte-parole de la fédération a nuancé les chiffres. « … »") when that
        sentence's verb is one of saying (``says``): the quotation gives the words the verb announced."""
        k = self._token_at(start)
        prev = [t for t in self.doc[max(0, k - FRAME_TOKENS):k] if not self._in_marks(t.idx)]
        while prev and (prev[-1].is_punct or prev[-1].is_space):
            prev.pop()
        if not prev:
            return None
        lo, _ = self._sentence_bounds(prev[-1])
        for t in prev:
            if t.i >= lo and t.dep_.startswith("nsubj") and self._main_clause(t):
                resolved = self.resolve(t, self.sent_of[t.i], t.idx, last)
                if resolved and (resolved[0] in self.analysis.people or resolved[0] in self.analysis.orgs
                                 or (says is not None and says(t.head))):
                    return resolved
        return None

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

    def _own_mention(self, tok: Token, label: str) -> str | None:
        """The mention with ``label`` that the token itself belongs to, if any."""
        return next((m.canonical for m in self.analysis.mentions if m.label == label and m.start <= tok.idx < m.end),
                    None)

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

    def _role(self, tok: Token) -> str | None:
        """The named entity a definite role noun stands for ("le quotidien" -> "Le Figaro"); a role noun
        with the name right after it ("selon l'auteur scientifique X", whatever the parser attached X to)
        stands for that name."""
        own = next((name for t, name in self._role_tokens if t.i == tok.i), None)
        if own is not None:
            return own
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
                found += self._role_before_comma(k, span.root)
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

    def _role_before_comma(self, comma: int, name: Token) -> list[Token]:
        """"son complice de toujours, Jean-Michel Larqué": the determined noun that opens the phrase
        ending at the comma before a name (a few words, no verb or punctuation in between)."""
        found = None
        for k in range(comma - 1, max(-1, comma - 7), -1):
            t = self.doc[k]
            if t.is_punct or t.pos_ in ("VERB", "AUX") or self._in_marks(t.idx):
                break
            # A noun inside a prepositional phrase that the name is not attached to ("Second à l'arrivée,
            # X a vu …": both hang on the verb) is an adverbial of the sentence, not X's role ("avec son
            # complice de toujours, X", where the name hangs on the noun).
            adverbial = any(c.dep_ == "case" for c in t.children) and name.head.i != t.i and t.head.i != name.i
            if self._role_noun(t) and any(c.dep_ in ("det", "poss", "nmod:poss") for c in t.children) \
                    and not adverbial:
                found = t
        return [found] if found is not None else []

    def _role_noun(self, tok: Token) -> bool:
        # Role words are common nouns; an all-capital acronym noun ("l'ONG") also counts.
        return tok.pos_ == "NOUN" or (tok.pos_ in ("PROPN", "X") and tok.text.isupper() and len(tok.text) > 1
                                      and not any(m.start <= tok.idx < m.end for m in self.analysis.mentions))

    def _bare_definite(self, tok: Token) -> bool:
        """A French singular common noun with nothing but a definite or demonstrative article
        ("l'universitaire", "le chercheur"): the press's way of naming again someone just quoted, unlike
        a noun phrase that describes its referent ("le gouvernement malien", "un porte-parole de la
        police"). Not in English, where "the family" or "the company" as often opens a new source."""
        if self.lang != "fr" or tok.pos_ != "NOUN" or "Plur" in tok.morph.get("Number", []):
            return False
        kids = list(tok.children)
        return bool(kids) and all(c.dep_ == "det" and c.lower_ in _ANAPHORIC for c in kids)

    def _same_role(self, tok: Token) -> bool:
        """"le même chercheur" / "the same official": explicitly the previous speaker."""
        return any(c.lower_ in ("même", "same") for c in tok.children)

    def _latter(self, tok: Token) -> bool:
        low = tok.lower_
        if low in ("dernier", "dernière", "latter"):
            return any(c.lower_ in ("ce", "cette", "ces", "the") for c in tok.children)
        return _DEMONSTRATIVE.match(self.doc.text, tok.idx) is not None

    def _pronoun(self, tok: Token, low: str, sent: int, start: int,
                 last: Last) -> tuple[str, str] | None:
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
            # Centering (Grosz, Joshi & Weinstein 1995): a person named as a main subject after the last
            # quote ("Bruno Le Roux est intervenu, …. « … », a-t-il affirmé") is the pronoun's referent.
            since = self._sentence_before(start) - last[0]
            newer = self._antecedent(start, person, low, fits, sentences=since) if french and since > 0 else None
            if newer is not None and newer != last[1]:
                return newer, tok.text
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

    def _sentence_before(self, before: int) -> int:
        """Index of the sentence of the last token outside quotation marks before char ``before``."""
        k = self._token_at(before)
        while k > 0 and (self._in_marks(self.doc[k - 1].idx) or self.doc[k - 1].is_space):
            k -= 1
        return self.sent_of[k - 1] if k > 0 else 0

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
            # A sentence-initial name the parser left without its verb ("vocative", "dislocated") is
            # the subject of news prose, where neither addresses the reader.
            subjects = [t for t in self.sents[k] if t.idx < before and not self._in_marks(t.idx)
                        and (t.dep_.startswith("nsubj")
                             or (t.dep_ in ("vocative", "dislocated") and t.head.dep_ == "ROOT"))]
            main = [t for t in subjects if self._main_clause(t)]
            # Then the main clause's objects and named agents ("… ont fait part de leur indignation par
            # X"): the Cf ranking subject > object > others of centering (Brennan, Friedman & Pollard 1987).
            objects = [t for t in self.sents[k] if t.idx < before and (t.dep_ in ("obj", "dobj") or (
                       t.dep_ == "obl:agent" and t.pos_ == "PROPN"))
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
