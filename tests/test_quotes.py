"""Entities, name linking and quote attribution (rag/nlp.py, rag/quotes.py), and the labelled-set floors.

Sentences here are written for the tests (not taken from the labelled articles). The two spaCy pipelines
load once per test session (about 6 s); the held-out evaluations parse 27 + 18 articles and the 121
texts of holdout3.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rag.datasets import PIAF, WIKINEWS
from rag.nlp import analyse, analyse_many, link_name
from rag.quotes import Quote, extract_quotes, quote_spans
from rag.quotes_eval import (
    LABELS,
    LangScore,
    evaluate,
    load_articles,
    score_article,
    select_articles,
    speaker_matches,
)


def quotes(text: str, lang: str) -> list[Quote]:
    found = extract_quotes(text, lang)
    for q in found:
        assert text[q.span[0]:q.span[1]] == q.quote  # spans are exact offsets into the input
    return found


def only(text: str, lang: str) -> Quote:
    found = quotes(text, lang)
    assert len(found) == 1, found
    return found[0]


# -- name linking -------------------------------------------------------------------------------

def test_short_names_link_to_the_full_name_by_token() -> None:
    """"Kim", "M. Xi", "Mr Johnson" link to the full names that contain their tokens."""
    names = ["Kim Jong Un", "Xi Jinping", "Boris Johnson"]
    assert link_name("Kim", names) == "Kim Jong Un"
    assert link_name("M. Xi", names) == "Xi Jinping"
    assert link_name("Mr Johnson", names) == "Boris Johnson"
    assert link_name("Un", names) == "Kim Jong Un"


def test_linking_never_matches_inside_a_word() -> None:
    """Token-level only: "Xi" is not in "taxi", "Un" is not "une", "Kim" is not "Kimberley"."""
    assert link_name("Xi", ["un taxi", "Taxi Driver"]) is None
    assert link_name("Un", ["une voiture", "Une femme"]) is None
    assert link_name("Kim", ["Kimberley Smith"]) is None


def test_acronyms_and_initials_link_to_the_spelled_out_name() -> None:
    """"HRW" is Human Rights Watch; "B. Obama" is Barack Obama but "J. Smith" is not."""
    assert link_name("HRW", ["Human Rights Watch"]) == "Human Rights Watch"
    assert link_name("B. Obama", ["Barack Obama"]) == "Barack Obama"
    assert link_name("J. Smith", ["Barack Obama"]) is None


def test_surname_match_wins_over_a_given_name_match() -> None:
    """Two candidates share a token: the one whose surname it is wins."""
    assert link_name("Jordan", ["Jordan Peele", "Michael Jordan"]) == "Michael Jordan"


# -- entities -----------------------------------------------------------------------------------

def test_analyse_normalises_labels_and_links_mentions_within_the_article() -> None:
    """French PER/LOC become PERSON/PLACE; "M. Xi" and "Kim" get the full names used in the article."""
    text = ("Kim Jong Un a rencontré Xi Jinping à Pékin le 12 mars 2024. "
            "M. Xi a salué son hôte, et Kim a promis une coopération renforcée.")
    a = analyse(text, "fr")
    canon = {m.text: m.canonical for m in a.mentions if m.label == "PERSON"}
    assert canon["M. Xi"] == "Xi Jinping" and canon["Kim"] == "Kim Jong Un"
    assert set(a.people) == {"Kim Jong Un", "Xi Jinping"}
    assert "Pékin" in a.places
    assert any(m.label == "DATE" for m in a.mentions)
    for m in a.mentions:
        assert text[m.start:m.end] == m.text
    first, second = a.sentences  # the project's splitter: two sentences, names kept whole
    assert text[first[0]:first[1]].startswith("Kim Jong Un") and text[second[0]:second[1]].startswith("M. Xi")


def test_analyse_many_matches_analyse() -> None:
    """The batched call gives the same analyses as one call per article, languages mixed."""
    texts = ["Angela Merkel visited Paris on Monday.", "Emmanuel Macron a reçu Angela Merkel à Paris."]
    langs = ["en", "fr"]
    assert analyse_many(texts, langs) == [analyse(t, lang) for t, lang in zip(texts, langs, strict=True)]


def test_a_language_is_loaded_only_when_first_needed() -> None:
    """Analysing French text in a fresh process loads the French pipeline and not the English one."""
    code = ("from rag.nlp import analyse, loaded_languages; analyse('Le maire a parlé.', 'fr'); "
            "print(','.join(loaded_languages()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "fr"


def test_empty_text_gives_empty_results() -> None:
    """An empty article has no mentions, sentences or quotes."""
    assert analyse("", "en").mentions == ()
    assert extract_quotes("", "fr") == []


# -- direct quotes ------------------------------------------------------------------------------

def test_french_direct_quote_with_inverted_verb_and_continuation() -> None:
    """« … », a-t-elle ajouté takes the pronoun's antecedent; the next quote sentence continues it."""
    text = ("Marie Curie est arrivée à Paris lundi. « Nous ne céderons pas sur ce point », a-t-elle ajouté. "
            "« La recherche continuera coûte que coûte dans notre laboratoire. »")
    found = quotes(text, "fr")
    assert [q.speaker for q in found] == ["Marie Curie", "Marie Curie"]
    assert found[0].quote == "Nous ne céderons pas sur ce point" and found[0].kind == "direct"
    assert found[1].cue == "continuation"


def test_english_curly_quotes_said_name_then_continuation() -> None:
    """“…,” said X, then a quote sentence with no speaker: both are X's."""
    text = ("“We will not give up on this fight,” said John Smith, the union leader. "
            "“This dispute is far from over.”")
    found = quotes(text, "en")
    assert [(q.speaker, q.kind) for q in found] == [("John Smith", "direct"), ("John Smith", "direct")]
    assert found[0].quote == "We will not give up on this fight,"


def test_colon_introduced_quote_with_role_then_name() -> None:
    """"La présidente de la commission, Sophie Leroy, explique : « … »": the name, not the role."""
    q = only("La présidente de la commission, Sophie Leroy, explique : « Nous avons reçu plus de mille "
             "dossiers cette année ».", "fr")
    assert q.speaker == "Sophie Leroy" and q.kind == "direct"


def test_short_utterance_next_to_its_verb_is_a_quote() -> None:
    """A two-word quote ending like an utterance, right beside "wrote", still counts."""
    q = only('"Heartbroken, numb," wrote Jane Doe on Instagram after the match.', "en")
    assert q.speaker == "Jane Doe"


def test_titles_nicknames_and_scare_quotes_are_not_quotes() -> None:
    """Quoted titles of works, nicknames and scare quotes give no quote, even next to a reporting verb."""
    assert quotes('The band released an album titled "Songs of the Night" last year. '
                  'Fans call him "the Boss".', "en") == []
    assert quotes("Le film « Les Misérables » sortira en décembre. Son surnom, « le Roi », lui vient de "
                  "son enfance.", "fr") == []
    announced = quotes('Time named her its "Person of the Year", the magazine announced.', "en")
    assert [q.kind for q in announced] == ["indirect"]  # the announcement is reported, the title is no quote


def test_quotation_marks_pair_with_nesting() -> None:
    """« … “…” … » is one quotation; an unclosed straight quote runs to its paragraph's end."""
    spans = quote_spans("Il a dit : « Le mot “crise” est exagéré ». Fin.")
    assert len(spans) == 1
    text = 'She said: "First paragraph of the speech\nNext paragraph.'
    (_, start, end, _), = quote_spans(text)
    assert text[start:end] == "First paragraph of the speech"


# -- indirect speech ----------------------------------------------------------------------------

def test_french_indirect_speech_with_role_then_name() -> None:
    """"Le ministre du Redressement productif, Arnaud Montebourg, a déclaré que …": Montebourg says it."""
    q = only("Le ministre du Redressement productif, Arnaud Montebourg, a déclaré que l'usine de Florange "
             "ne fermerait pas.", "fr")
    assert (q.speaker, q.kind, q.quote) == ("Arnaud Montebourg", "indirect", "l'usine de Florange ne fermerait pas")


def test_english_indirect_speech_with_role_then_name() -> None:
    """"The judge presiding over the case, Bernard Schwartz, said that …"."""
    q = only("The judge presiding over the case, Bernard Schwartz, said that the trial would resume on Monday.",
             "en")
    assert (q.speaker, q.kind, q.quote) == ("Bernard Schwartz", "indirect", "the trial would resume on Monday")


def test_pronoun_speakers_resolve_to_the_previous_speaker() -> None:
    """"Il a précisé que …" / "She said …" go to the person just named or quoted."""
    fr = quotes("« Le projet avance bien », déclare Paul Martin, directeur de l'usine. "
                "Il a précisé que les travaux finiraient en mai.", "fr")
    assert [(q.speaker, q.kind) for q in fr] == [("Paul Martin", "direct"), ("Paul Martin", "indirect")]
    en = only("Mary Jones arrived late on Tuesday. She said the meeting had been a success.", "en")
    assert (en.speaker, en.speaker_mention) == ("Mary Jones", "She")


def test_selon_and_according_to_attribute_the_rest_of_the_sentence() -> None:
    """"Selon X, …" and "According to X, …" attribute the clause to X."""
    fr = only("Selon Jean Dupont, la réforme sera votée en juin.", "fr")
    assert (fr.speaker, fr.quote, fr.cue) == ("Jean Dupont", "la réforme sera votée en juin", "selon")
    en = only("Two people died in the crash on Sunday, according to the regional police.", "en")
    assert en.quote == "Two people died in the crash on Sunday" and en.speaker.endswith("police")


def test_role_only_speaker_links_to_the_named_entity() -> None:
    """"indique le quotidien" after "le quotidien français Le Figaro" is Le Figaro."""
    text = ("Le quotidien français Le Figaro publie une enquête mardi. « Les analyses balistiques indiquent "
            "que le tir venait du quartier rebelle », indique le quotidien.")
    q = only(text, "fr")
    assert q.speaker == "Le Figaro" and q.speaker_mention.endswith("quotidien")


def test_short_mentions_of_a_speaker_use_the_article_full_name() -> None:
    """"a déclaré M. Xi" is attributed to "Xi Jinping"; "Kim a répondu que" to "Kim Jong Un"."""
    text = ("Kim Jong Un a rencontré Xi Jinping à Pékin. « Nos deux pays sont des amis de longue date », "
            "a déclaré M. Xi. Kim a répondu que la coopération allait se renforcer.")
    assert [q.speaker for q in quotes(text, "fr")] == ["Xi Jinping", "Kim Jong Un"]


def test_negated_or_unattributed_verbs_give_no_quote() -> None:
    """"n'a pas dit que", an impersonal passive and a narrator's "Rappelons que" report no one."""
    assert quotes("Le ministre n'a pas dit que la réforme serait retirée.", "fr") == []
    assert quotes("It was reported on Saturday that the bridge had collapsed.", "en") == []
    assert quotes("Rappelons que la ville avait déjà été touchée en 2010.", "fr") == []


def test_french_incise_inside_the_sentence_reports_the_whole_sentence() -> None:
    """"A, poursuit X, B" and "Comme l'a indiqué X, B": X says the sentence around the incise."""
    q = only("Par ailleurs, poursuit le ministre Paul Durand, les éleveurs recevront une aide avant l'hiver.", "fr")
    assert q.speaker == "Paul Durand" and q.kind == "indirect"
    assert q.quote.startswith("Par ailleurs") and q.quote.endswith("avant l'hiver")
    q = only("Comme l'a indiqué la porte-parole Anne Girard, les négociations reprendront lundi prochain.", "fr")
    assert (q.speaker, q.quote) == ("Anne Girard", "les négociations reprendront lundi prochain")


def test_french_sentence_final_incise_and_comme_before_a_quotation() -> None:
    """"…, a indiqué la direction." reports the sentence; "comme le rappelle X, « … »" attributes the
    quotation to X, not to the verb the clause hangs on."""
    q = only("En effet, cinq cents postes seront supprimés en France d'ici deux ans, a indiqué la direction.", "fr")
    assert q.speaker == "direction" and q.quote.startswith("En effet, cinq cents postes")
    found = quotes("L'association a demandé une enquête au ministère, bien que, comme le rappelle Amnesty "
                   "International, « les précédentes enquêtes n'ont jamais abouti à une condamnation ».", "fr")
    assert [(q.speaker, q.kind) for q in found] == [("Amnesty International", "direct")]


def test_french_reporting_periphrases() -> None:
    """"a fait savoir que", "s'est dit convaincu que" and "estime pour sa part que" report their clause."""
    assert only("La syndicaliste Anne Morel a fait savoir que la grève continuerait jusqu'à vendredi.",
                "fr").quote == "la grève continuerait jusqu'à vendredi"
    assert only("Le député Marc Olivier s'est dit convaincu que la loi serait adoptée avant l'été.",
                "fr").speaker == "Marc Olivier"
    q = only("La maire de Lille, Martine Aubry, estime pour sa part que le projet coûtera trop cher.", "fr")
    assert (q.speaker, q.quote) == ("Martine Aubry", "le projet coûtera trop cher")


def test_the_latter_and_a_person_in_a_complement() -> None:
    """"Ce dernier" is the person named just before; "le successeur de X, qui" is not X."""
    q = only("Paul Girard a reçu Jean Valette mardi. Ce dernier a expliqué que la coopération allait continuer.", "fr")
    assert q.speaker == "Jean Valette"
    q = only("Pierre Lemaire, le successeur de Jacques Durand, qui lui avait rétorqué : « Je ne partirai pas "
             "avant la fin de mon mandat. »", "fr")
    assert q.speaker == "Pierre Lemaire"


def test_french_pronoun_follows_grammatical_gender_and_subject_chain() -> None:
    """"Elle" skips the man quoted just before for the woman the article marks as feminine ("Sa
    collègue"); "il" continues the subject of the sentences before through a chain of "il"."""
    found = quotes("« Nous ne lâcherons rien », a déclaré Paul Martin à la sortie du tribunal. Sa collègue Claire "
                   "Dubois était aussi présente. Elle a expliqué que le dossier serait rouvert.", "fr")
    assert [q.speaker for q in found] == ["Paul Martin", "Claire Dubois"]
    found = quotes("Le journaliste Marc Lenoir est mort samedi, aux côtés de son ami Jean Pavot. Il avait "
                   "commenté cent matchs. Un jour, il avait lancé : « Ce match restera dans l'histoire du sport ! »",
                   "fr")
    assert [q.speaker for q in found] == ["Marc Lenoir"]


def test_quote_standing_alone_after_its_speaker_sentence() -> None:
    """A quotation that is a sentence of its own, with no quote before, is the main subject's."""
    q = only("Le député Jean Lassalle a souhaité faire un rappel au règlement. « On ne peut pas continuer à "
             "travailler dans ces conditions. »", "fr")
    assert (q.speaker, q.kind) == ("Jean Lassalle", "direct")


def test_selon_phrase_boundaries() -> None:
    """"Selon X sur « Titre », CLAUSE": the title is no quote and the clause starts after the comma;
    "selon laquelle" introduces a relative clause, not a source."""
    text = ("Selon un rapport publié par l'Observatoire national sur « La pauvreté en Europe », le chômage des "
            "jeunes a fortement augmenté en 2011.")
    q = only(text, "fr")
    assert q.quote == "le chômage des jeunes a fortement augmenté en 2011" and q.kind == "indirect"
    assert quotes("Les enquêteurs privilégient l'hypothèse selon laquelle l'incendie serait criminel.", "fr") == []


# -- evaluation ---------------------------------------------------------------------------------

def test_spans_match_when_they_overlap_half_of_the_longer_one() -> None:
    """A prediction covering a fragment of a long gold quote is a false positive and a miss; ignored
    items count neither way; a prediction on a negative is counted as such."""
    gold = [{"kind": "direct", "start": 0, "end": 100, "speaker": "Ann Lee", "quote": "x" * 100},
            {"kind": "ignore", "start": 200, "end": 240, "quote": "y"},
            {"kind": "negative", "start": 300, "end": 310, "quote": "z"}]
    preds = [Quote("Lee", "Lee", "", "said", (10, 70), "direct"),      # 60 % of the longer: match
             Quote("Bob", "Bob", "", "said", (205, 235), "indirect"),  # on an ignored item
             Quote("Bob", "Bob", "", "said", (300, 310), "direct")]    # on a negative
    score = LangScore()
    score_article(preds, gold, score)
    s = score.summary()
    assert (s["matched"], s["ignored"], s["negatives_extracted"], s["attribution"]) == (1, 1, 1, 1.0)
    assert s["precision"] == 0.5 and s["recall"] == 1.0
    score = LangScore()
    score_article([Quote("Lee", "Lee", "", "said", (0, 40), "direct")], gold[:1], score)
    assert score.summary()["matched"] == 0


def test_speaker_matching_is_token_level_both_ways() -> None:
    """"Varin" names "Philippe Varin", "Les analystes du groupe X" names "X"; other people do not."""
    assert speaker_matches("Varin", "Philippe Varin")
    assert speaker_matches("analystes du groupe Crédit Mutuel CIC", "Crédit Mutuel CIC")
    assert not speaker_matches("Fatoumata Maïga", "Oumar Maïga")


def test_labelled_set_is_reproducible_from_the_corpus() -> None:
    """Every labelled article is the one the selection rule picks for its split (every article of the
    older splits has labels; holdout3's articles without reported speech have none), spans are exact,
    and the held-out splits keep their minimum sizes (holdout3: 15 articles with quotes, 60 quotes)."""
    with WIKINEWS.open(encoding="utf-8") as fh:
        articles = {row["id"]: row for row in map(json.loads, fh)}
    with (PIAF / "passages.jsonl").open(encoding="utf-8") as fh:
        passages = [json.loads(line) for line in fh]
    chosen = select_articles(articles.values(), passages)
    articles |= load_articles([a for a in chosen if a.startswith("piaf-")])
    rows = [json.loads(line) for line in LABELS.open(encoding="utf-8")]
    assert {r["article_id"] for r in rows if r["split"] != "holdout3"} == {a for a, s in chosen.items()
                                                                            if s != "holdout3"}
    for r in rows:
        assert chosen[r["article_id"]] == r["split"]
        assert articles[r["article_id"]]["text"][r["start"]:r["end"]] == r["quote"]
    quotes = [r for r in rows if r["kind"] in ("direct", "indirect")]
    for lang in ("fr", "en"):
        assert sum(r["lang"] == lang and r["split"] == "holdout" for r in quotes) >= 25
    assert sum(r["lang"] == "fr" and r["split"] == "holdout2" for r in quotes) >= 40
    assert sum(r["split"] == "holdout3" for r in quotes) >= 60
    assert len({r["article_id"] for r in quotes if r["split"] == "holdout3"}) >= 15


# Floors on the held-out splits: the measured figures (python -m rag.quotes_eval --split holdout /
# holdout2 / holdout3) minus 0.05, about one binomial standard error at these sizes (46 English, 63, 67
# and 82 French quotes: sqrt(0.8 * 0.2 / 63) = 0.05), so that a regression fails and a harmless change of
# one quote does not. Measured (fifth round, rag/quotes_eval.py; every French split has now been studied):
# holdout en P 0.932 R 0.891 A 0.927, fr P 0.967 R 0.921 A 0.897; holdout2 fr P 0.984 R 0.896 A 0.950;
# holdout3 fr P 0.947 R 0.866 A 0.901 (its frozen-rules first score, fourth round: 0.863/0.768/0.873).
FLOORS = {("holdout", "en"): {"precision": 0.88, "recall": 0.84, "attribution": 0.87},
          ("holdout", "fr"): {"precision": 0.91, "recall": 0.87, "attribution": 0.84},
          ("holdout2", "fr"): {"precision": 0.93, "recall": 0.84, "attribution": 0.90},
          ("holdout3", "fr"): {"precision": 0.89, "recall": 0.81, "attribution": 0.85}}


@pytest.fixture(scope="module")
def held_out() -> dict[tuple[str, str], dict[str, float]]:
    return {(split, lang): s.summary() for split in ("holdout", "holdout2", "holdout3")
            for lang, s in evaluate(split).items()}


@pytest.mark.parametrize(("split", "lang"), sorted(FLOORS))
def test_held_out_quality_floors(held_out: dict[tuple[str, str], dict[str, float]], split: str, lang: str) -> None:
    """Precision, recall and attribution on the held-out splits stay at or above the measured floors."""
    for metric, floor in FLOORS[(split, lang)].items():
        assert held_out[(split, lang)][metric] >= floor, (split, lang, metric, held_out[(split, lang)][metric])


# -- fourth round (French): speaker module, incises, centering, source phrases --------------------

def test_speaker_resolution_is_its_own_module_and_quotes_keeps_its_names() -> None:
    """`rag.speakers.Speakers` gives the speaking token of a verb and its canonical name; `rag.quotes`
    still exports what other modules import from it."""
    from rag import quotes as q
    from rag.nlp import analysis_of, parse
    from rag.speakers import Speakers

    assert {"Quote", "extract_quotes", "quote_spans", "REPORTING_VERBS", "MIN_WORDS"} <= set(dir(q))
    text = "« Le projet sera livré en mars prochain », a déclaré Oumar Maïga."
    doc = parse(text, "fr")
    speakers = Speakers(doc, "fr", analysis_of(doc, "fr"), quote_spans(text))
    verb = next(t for t in doc if t.lemma_ == "déclarer")
    subj = speakers.subject(verb)
    assert subj is not None and subj.text == "Oumar"
    assert speakers.resolve(subj, speakers.sent_of[subj.i], subj.idx, None) == ("Oumar Maïga", "Oumar Maïga")


def test_incise_after_an_exclamation_and_a_newer_subject() -> None:
    """'« … ! », a-t-il affirmé' is a quote although "!" ends the quotation, and "il" is the person
    named as subject after the last quote, not the speaker of that quote."""
    text = ("Marie Dupont a déclaré : « Le budget est prêt pour l'année prochaine. » Paul Martin est ensuite "
            "intervenu. « Il y a là une erreur de calcul absolument grave ! », a-t-il affirmé.")
    found = quotes(text, "fr")
    assert [q.speaker for q in found] == ["Marie Dupont", "Paul Martin"]
    assert found[1].quote.startswith("Il y a là une erreur")


def test_addressee_in_a_is_not_the_speaker() -> None:
    """"a révélé son avocate à l'AFP": the agency the words were said to is not who said them."""
    q = only("Le chanteur Jean Valmont est mort dimanche. « Il est parti paisiblement dans la nuit, entouré "
             "des siens », a expliqué son avocate à l'AFP.", "fr")
    assert q.speaker != "AFP" and "avocate" in q.speaker


def test_selon_clause_stops_at_a_colon_before_a_quotation() -> None:
    """"Selon X, CLAUSE : « … »": the clause and the quotation are two quotes of X; "poursuivre les
    recherches" (an action with its object) is no verb of saying."""
    text = ("Selon le directeur du musée, Pierre Lenoir, la collection va permettre de poursuivre les recherches "
            "pendant plusieurs années : « Nous avons de quoi exposer jusqu'en 2030 ! »")
    found = quotes(text, "fr")
    assert [(q.kind, q.speaker) for q in found] == [("indirect", "Pierre Lenoir"), ("direct", "Pierre Lenoir")]
    assert found[0].quote.endswith("plusieurs années")


def test_bare_infinitive_and_causative_periphrases_report_a_clause() -> None:
    """"a dit espérer que …" and "fait remarquer que …" report their que-clause; a negated infinitive
    with an indirect question ("dit ne pas savoir de quoi il s'agit") reports nothing."""
    q = only("La ministre Claire Bonnet a dit espérer que la réforme sera adoptée avant l'été.", "fr")
    assert (q.speaker, q.quote) == ("Claire Bonnet", "la réforme sera adoptée avant l'été")
    q = only("Le porte-parole Marc Petit fait remarquer que les délais de livraison sont trop courts.", "fr")
    assert (q.speaker, q.quote) == ("Marc Petit", "les délais de livraison sont trop courts")
    assert quotes("Simon Leroy interroge Joseph, qui lui dit ne pas savoir de quoi il s'agit.", "fr") == []


def test_french_source_phrases_of_point_of_view() -> None:
    """"De l'avis de X, …" and "Pour X, …" (X a named person) attribute the rest of the sentence to X;
    "Pour gagner, …" (purpose) attributes nothing."""
    q = only("De l'avis de l'économiste Anne Roux, la croissance restera faible pendant toute l'année.", "fr")
    assert (q.speaker, q.quote) == ("Anne Roux", "la croissance restera faible pendant toute l'année")
    q = only("Pour Anne Roux, la croissance restera faible pendant toute l'année.", "fr")
    assert (q.speaker, q.quote) == ("Anne Roux", "la croissance restera faible pendant toute l'année")
    assert quotes("Pour gagner le match, l'équipe devra jouer beaucoup mieux en défense.", "fr") == []


# -- fifth round (French): incise grammar, naming, negated modals, speech before a quotation ---------

def test_incise_with_an_object_clitic_and_an_interrupted_clause() -> None:
    """"…, nous dit X, « … »": "nous" before a third-person verb is its object, X speaks, and the clause
    before the incise is reported as well as the quotation after it; "Elle est, affirment-ils, …": an
    incise after a copula interrupts the clause, which goes on after it."""
    text = ("La vieille église ne put être sauvée, nous dit la Chronique de Brême, « car les soldats avaient "
            "besoin de ses pierres pour leurs abris ».")
    found = quotes(text, "fr")
    assert [q.kind for q in found] == ["indirect", "direct"]
    assert all("Chronique" in q.speaker for q in found)
    assert found[0].quote == "La vieille église ne put être sauvée"
    text = ("Les syndicats de la ville ne désarment pas. La réforme est, affirment-ils, une menace directe "
            "pour les petits commerces du centre.")
    q = only(text, "fr")
    assert "syndicats" in q.speaker and q.quote.startswith("La réforme est") and q.quote.endswith("du centre")


def test_a_clause_with_its_subject_before_the_verb_is_no_incise() -> None:
    """"La méthode, conçue par X, propose une …": a verb whose subject stands before it does not invert
    its subject, so it is no incise and reports nothing; nor does a reporting verb under a negated modal
    ("ne peuvent pas conclure que") or an infinitive that states an aim ("dans le but d'assurer que")."""
    assert quotes("La méthode de calcul, conçue par l'ingénieur Paul Morel en 1990, propose une mesure "
                  "simple de la pollution des rivières.", "fr") == []
    assert quotes("Les chercheurs ne peuvent pas conclure que le traitement réduit la mortalité des patients.",
                  "fr") == []
    assert quotes("Les subventions sont versées par la région dans le but d'assurer que les écoles rurales "
                  "restent ouvertes.", "fr") == []


def test_names_after_comme_or_a_naming_noun_and_a_que_clause_of_a_mistagged_verb() -> None:
    """"le considèrent comme un « … »", "avec ce slogan : « … »" and "l'ancien slogan de X, « … »"
    introduce names, not speech; "Dupuis note que …" reports the clause even when "note" is tagged
    as a noun, and "si" after "que" opens a condition inside the clause, not an indirect question."""
    for text in ("Les critiques le considèrent comme un « roman à la fois drôle et très noir », dit-on.",
                 "La ville vit avec ce slogan : « Toujours plus haut, toujours plus loin, sans jamais faiblir ».",
                 "Martin Lenoir reprit habilement l'ancien slogan de son parti, « Travail, justice, liberté "
                 "pour tous », pendant sa campagne."):
        assert quotes(text, "fr") == [], text
    q = only("Dupuis note que si la récolte a été bonne, les prix resteront élevés jusqu'à l'hiver.", "fr")
    assert q.speaker == "Dupuis" and q.quote.startswith("si la récolte a été bonne")


def test_quote_after_a_sentence_of_saying_by_an_unnamed_speaker() -> None:
    """"La porte-parole de l'association a nuancé ces chiffres. « … »": a quotation standing alone after a
    sentence whose verb is one of saying gives the words of that sentence's subject, named or not."""
    text = ("La porte-parole de l'association a nuancé ces chiffres. « Nous avons recensé beaucoup moins de "
            "cas cette année, et la plupart ont été résolus rapidement. »")
    q = only(text, "fr")
    assert "porte-parole" in q.speaker and q.quote.startswith("Nous avons recensé")
