"""The plain-text cleaner cuts page furniture only, and the article body continues after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import CleanText, clean_plain_text, is_breadcrumb, split_page_title
from ingest.clean_eval import (
    FIXTURES,
    body_check,
    evaluate,
    load_fixture,
    load_fixtures,
    score,
    standfirst_check,
)
from ingest.readers import article_from_plain
from rag.config import Settings
from rag.datasets import SEED, WIKINEWS

P1 = ("Le conseil municipal a voté lundi soir la rénovation complète de la piscine Jean-Bouin, fermée depuis "
      "deux ans pour des raisons de sécurité.")
P2 = ("Les travaux, estimés à 6 millions d’euros, doivent commencer à l’automne et durer dix-huit mois, a précisé "
      "l’adjoint chargé des sports.")
P3 = "L’opposition a voté contre, jugeant le projet trop coûteux pour une commune de cette taille."


def _page(*lines: str) -> str:
    return "\n".join(lines)


def test_share_line_under_the_headline_is_one_line_to_drop() -> None:
    """A 'Partager' line right under the headline is dropped, and the article is still read."""
    page = _page("La piscine Jean-Bouin sera rénovée", "Partager", "", P1, "", P2)
    out = clean_plain_text(page)
    assert out.title == "La piscine Jean-Bouin sera rénovée"
    assert out.body == f"{P1}\n\n{P2}"
    article = article_from_plain(page, Settings())  # readers refuse bodies under 40 characters
    assert article.text.startswith(P1)


@pytest.mark.parametrize("furniture", [
    ["Lire aussi : Piscines : la facture d’énergie des communes explose"],
    ["Lire aussi", "Piscines : la facture d’énergie des communes explose"],
    ["Lire aussi | Piscines : la facture d’énergie des communes explose"],
    ["READ MORE: Why councils are closing swimming pools"],
])
def test_read_also_in_the_middle_keeps_what_follows(furniture: list[str]) -> None:
    """A 'Lire aussi' link (inline, or heading plus headline) mid-article is cut; the paragraphs after it stay."""
    out = clean_plain_text(_page("La piscine Jean-Bouin sera rénovée", "", P1, "", *furniture, "", P2, "", P3))
    assert out.body == f"{P1}\n\n{P2}\n\n{P3}"


def test_headline_outlet_title_is_the_title_not_a_breadcrumb() -> None:
    """'Theresa May resigns | BBC News' on the first line gives the title 'Theresa May resigns'."""
    body = ("Theresa May has announced she will quit as Conservative leader on 7 June, paving the way for a "
            "contest to choose a new prime minister.")
    out = clean_plain_text(_page("Theresa May resigns | BBC News", "", body))
    assert out.title == "Theresa May resigns"
    assert out.body == body
    assert not is_breadcrumb("Theresa May resigns | BBC News")
    assert is_breadcrumb("Home | News | World") and is_breadcrumb("Accueil › Monde › Europe")
    assert split_page_title("Wildfire smoke prompts alerts across US | Canada | The Guardian") == (
        "Wildfire smoke prompts alerts across US")
    assert split_page_title("Le Sénat adopte la loi sur les portables - Le Figaro") == (
        "Le Sénat adopte la loi sur les portables")
    assert split_page_title("Brexit - what happens next") == "Brexit - what happens next"


def test_teaser_block_is_cut_whole() -> None:
    """A teaser heading followed by other headlines (and a standfirst) is furniture to the end of the block."""
    page = _page(
        "La piscine Jean-Bouin sera rénovée", "", P1, "", P2, "",
        "Sélectionné pour vous", "",
        "Festival de jazz : la programmation de l’été dévoilée avec trois têtes d’affiche", "",
        "Le festival accueillera cette année trois têtes d’affiche internationales et quarante concerts gratuits "
        "dans les parcs de la ville.", "",
        "Les plus lus", "1", "Météo : un week-end de grand beau temps s’annonce", "2",
        "Rugby : le club local remporte le derby",
    )
    out = clean_plain_text(page)
    assert out.body == f"{P1}\n\n{P2}"


def test_teaser_list_in_the_middle_then_the_article_again() -> None:
    """After a list of teaser headlines mid-article, the article's next paragraph and subheading come back."""
    page = _page("La piscine Jean-Bouin sera rénovée", "", P1, "",
                 "Sur le même sujet", "Festival de jazz : la programmation dévoilée", "Météo : un week-end de soleil",
                 "", "Un chantier de dix-huit mois", "", P2, "", P3)
    out = clean_plain_text(page)
    assert out.body == f"{P1}\n\nUn chantier de dix-huit mois\n\n{P2}\n\n{P3}"


def test_seed_article() -> None:
    """The seed keeps its article and drops the breadcrumb, the teaser headings and the US-election teaser."""
    out = clean_plain_text(SEED.read_text(encoding="utf-8"))
    assert out.title.startswith("Pékin et Pyongyang veulent")
    assert out.body.startswith("La Chine et la Corée du Nord souhaitent")
    assert out.body.endswith("Un sommet qui s'est soldé par la signature d'un accord de défense mutuelle.")
    assert "Kim Jong Un a déclaré" in out.body
    for furniture in ("Accueil Actu", "À lire aussi", "Sélectionné pour vous", "Wisconsin", "Cardi B"):
        assert furniture not in out.body


def test_prose_that_looks_like_furniture_stays() -> None:
    """Quoted second person about cookies, a dated headline and a multi-sentence paragraph ending in a credit stay."""
    quote = ("« Refuser les cookies doit être aussi simple que de les accepter, vous le savez », a rappelé la "
             "présidente de la CNIL.")
    glued = ("Le maire a inauguré le bassin. Les nageurs pourront y revenir dès lundi matin. (Photo : Jean Martin)")
    out = clean_plain_text(_page("Kateri Tekakwitha sera canonisée le 21 octobre 2012", "", quote, "", glued))
    assert out.title == "Kateri Tekakwitha sera canonisée le 21 octobre 2012"
    assert out.body == f"{quote}\n\n{glued}"


def test_page_without_sentences_keeps_its_text() -> None:
    """A title over a line without a full stop is not emptied to 'no article text'."""
    page = "Titre\n\nQuelques mots sans ponctuation finale mais bien assez longs pour un article"
    assert clean_plain_text(page).body == page.split("\n")[-1]


# --------------------------------------------------------------------------------------------
# The labelled fixture set and its figures (python -m ingest.clean_eval)

def test_fixture_set_covers_both_languages_and_every_label() -> None:
    """At least 15 labelled pages, 7 French and 7 English, each with a title, body and furniture lines."""
    fixtures = load_fixtures()
    assert len(fixtures) >= 15
    assert sum(f.lang == "fr" for f in fixtures) >= 7 and sum(f.lang == "en" for f in fixtures) >= 7
    for f in fixtures:
        assert f.lines("T") and f.lines("B") and f.lines("F"), f.name
        assert f.title and "|" not in f.title, f.name


def test_fixture_parser_rejects_unlabelled_lines(tmp_path: Path) -> None:
    """A fixture line without a T|/B|/F| label is an error, so no page line goes unscored."""
    bad = tmp_path / "bad.txt"
    bad.write_text("# lang: fr\nT|Titre\nune ligne sans étiquette\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.txt:3"):
        load_fixture(bad)


def test_score_counts_lost_body_and_kept_furniture() -> None:
    """A 'cleaner' that keeps the whole page scores all body kept and no furniture removed."""
    fixture = load_fixture(FIXTURES / "fr02_regional_chalutier.txt")
    s = score(fixture, CleanText(title=fixture.title, body=fixture.page))
    assert s.body_kept == s.body_total > 0 and s.furniture_removed == 0 < s.furniture_total


# Measured (python -m ingest.clean_eval): all 30 pages: body sentences kept 1.000 (271), furniture lines
# removed 0.989 (454), title exact 1.000; French 1.000 / 0.995; English 1.000 / 0.984.
# Floors sit a line or two below, and at or above the targets (0.98 body, 0.95 furniture).
FLOORS = {
    "all": (0.99, 0.98, 0.96),
    "lang:fr": (0.99, 0.98, 0.93),
    "lang:en": (0.99, 0.97, 0.93),
}


@pytest.mark.parametrize("group", sorted(FLOORS))
def test_eval_figures_hold(group: str) -> None:
    """Body sentences kept, furniture lines removed and exact titles stay at their measured level."""
    figures = evaluate(load_fixtures())[group].figures()
    body, furniture, title = FLOORS[group]
    assert figures["body_sentences_kept"] >= body
    assert figures["furniture_lines_removed"] >= furniture
    assert figures["title_exact"] >= title


def test_real_articles_are_not_eaten() -> None:
    """On 393 real Wikinews articles (no furniture), the cleaner keeps the prose and finds every title.

    Measured 0.983 of 13,286 sentences; the rest are Wikinews' own dateline lines, photo captions and
    chart legends.
    """
    figures = body_check(WIKINEWS)
    assert figures["body_sentences_kept"] >= 0.975
    assert figures["title_exact"] >= 0.99


def test_standfirst_rule_on_real_paragraphs() -> None:
    """After a teaser headline, the article's real next paragraph is kept; another article's lead after
    the article's end is mostly dropped.

    Measured on 4,304 positions of 393 Wikinews articles: 0.9998 of continuations kept, 0.766 of leads
    after the end dropped, 0.391 of leads inserted mid-article dropped (the rule favours the article).
    """
    figures = standfirst_check(WIKINEWS)
    assert figures["continuation_kept"] >= 0.995
    assert figures["end_teaser_dropped"] >= 0.72
    assert figures["mid_teaser_dropped"] >= 0.35
