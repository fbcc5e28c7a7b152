"""HTML article extraction: whole sentences, no furniture, and metadata that hold up on real pages.

The fixture pages (tests/data/extraction, written for these tests) each reproduce one defect met on
news sites; expected.json holds, per page, the article body as written, the furniture that must not
come through and the expected metadata. The last test runs the article-extraction benchmark beside
the project on a fixed subset.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml import etree

from ingest.extract import ExtractedPage, ExtractionError, extract_html, outlet_name
from ingest.extract_bench import BENCHMARK, benchmark_pages
from ingest.extract_bench import run as run_bench

FIXTURES = Path(__file__).parent / "data" / "extraction"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
FIELDS = ("title", "url", "date", "source", "author")


@cache
def extracted(name: str, url: str | None = None) -> ExtractedPage:
    """extract_html on a fixture page (once per page and URL)."""
    return extract_html((FIXTURES / name).read_text(encoding="utf-8"), url)


def page(name: str) -> ExtractedPage:
    """A fixture page extracted as fetched from its manifest URL."""
    return extracted(name, EXPECTED[name]["fetched_url"])


def paragraphs(found: ExtractedPage) -> list[str]:
    return found.text.split("\n\n")


# ------------------------------------------------------------------------------------------------
# Every fixture: whole body, no furniture, right metadata


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_body_is_the_article_and_nothing_else(name: str) -> None:
    """Each fixture page yields exactly its article's paragraphs, in order, none cut, no furniture."""
    found = page(name)
    assert paragraphs(found) == EXPECTED[name]["body"]
    for furniture in EXPECTED[name]["absent"]:
        assert furniture not in found.text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_metadata(name: str) -> None:
    """Title, URL, date, outlet and author are the page's, and ``missing`` lists exactly the absent ones."""
    found = page(name)
    for field in FIELDS:
        if field in EXPECTED[name]:
            assert getattr(found, field) == EXPECTED[name][field], field
    assert found.missing == tuple(f for f in FIELDS if not getattr(found, f))


# ------------------------------------------------------------------------------------------------
# One test per defect


def test_linked_names_inside_french_sentences_are_kept() -> None:
    """Names linked mid-sentence, even wrapped in span.link or span.entity-tags, stay in their sentence."""
    text = page("fr_liens_noms.html").text
    assert "citent tour à tour Claire Mercadier, Julien Aubanel et Sofia Benali, trois élus" in text
    assert "Pour Julien Aubanel, joint mardi matin" in text
    assert "en présence de Martine Roux, l’ancienne adjointe" in text


def test_linked_candidate_names_are_kept() -> None:
    """'pulling for <a>Biden</a>, <a>Warren</a> and <a>Sanders</a>.' keeps every name."""
    text = page("en_candidates.html").text
    assert "they were pulling for Biden, Warren and Sanders." in text
    assert "he had seen Pete Buttigieg twice in Dubuque" in text


def test_inline_french_quotes_are_kept() -> None:
    """Quotes in « », inside <em>, around a link or in a blockquote come through word for word."""
    text = page("fr_citations.html").text
    assert "« Les bancs se déplacent vers le nord, c’est une tendance que nous observons depuis dix ans »" in text
    assert "affirme qu’« aucune entreprise ne tiendra deux saisons comme celle-ci »" in text
    assert "« Nous ne demandons pas la charité, nous demandons du temps pour adapter nos bateaux. »" in text


def test_bold_lead_paragraph_is_kept_first() -> None:
    """A bold chapô in the article header, outside the body container, opens the text."""
    found = page("fr_chapo_gras.html")
    assert paragraphs(found)[0].startswith("La métropole de Lyon met en service lundi six bus à hydrogène.")
    assert "Le coût reste élevé : un bus à hydrogène" in found.text


def test_read_also_boxes_go_and_the_article_goes_on() -> None:
    """'Lire aussi' lines and 'À lire aussi' boxes mid-article go; the paragraphs after them stay."""
    found = page("fr_lire_aussi.html")
    assert "Lire aussi" not in found.text and "rembourser" not in found.text
    assert paragraphs(found)[-1].startswith("En cas d’échec, les syndicats n’excluent pas")


def test_share_bars_go() -> None:
    """Share bars (counts, 'Partager sur Facebook', 'Copier le lien') are not article text."""
    text = page("fr_partage.html").text
    assert "partages" not in text and "Partager" not in text and "Copier le lien" not in text


def test_newsletter_boxes_go() -> None:
    """Newsletter boxes inside and after the body are not article text."""
    found = page("fr_newsletter.html")
    assert "newsletter" not in found.text.lower() and "inscri" not in found.text
    assert len(paragraphs(found)) == 4


def test_photo_credits_go() -> None:
    """Caption credits and a standalone 'Crédit photo : ...' line are not article text."""
    text = page("fr_credits_photo.html").text
    assert "Crédit" not in text and "AFP" not in text and "©" not in text
    assert "« On nous a dit d’attendre le passage de l’expert" in text


def test_generic_title_gives_way_to_the_headline() -> None:
    """<title>escenic</title> is generic: the title comes from og:title / <h1>."""
    assert page("en_escenic.html").title == "Harbour authority approves new ferry terminal after two-year review"


def test_canonical_link_becomes_the_url() -> None:
    """<link rel=canonical> wins over og:url and over a fetched URL on the same site (amp. host)."""
    canonical = "https://www.example-times.com/local/2020/02/11/council-delays-bike-lane-vote.html"
    assert extracted("en_canonical.html").url == canonical
    assert extracted("en_canonical.html", "https://amp.example-times.com/local/x?outputType=amp").url == canonical


def test_canonical_on_another_site_is_not_believed() -> None:
    """A page fetched from one site that claims another site's URL keeps the fetched URL."""
    fetched = "https://news.aggregator.example.net/story/123"
    found = extracted("en_canonical.html", fetched)
    assert found.url == fetched


@pytest.mark.parametrize(("name", "title"), [
    ("fr_bondy.html", "À Saint-Denis, des lycéens lancent leur propre média de quartier"),
    ("en_dw.html", "Germany opens its first commercial offshore wind farm in the Baltic"),
    ("en_bbc.html", "Theresa May resigns"),
])
def test_outlet_suffixes_leave_the_title(name: str, title: str) -> None:
    """' - Bondy Blog', ' | DW | 23.05.2011' and ' | BBC News' are removed from titles."""
    assert page(name).title == title


def test_title_separator_inside_a_headline_stays() -> None:
    """Only segments naming the outlet go: 'Macron - Le Pen : ...' keeps its dash."""
    html = (FIXTURES / "en_escenic.html").read_text(encoding="utf-8").replace(
        "Harbour authority approves new ferry terminal after two-year review",
        "Macron - Le Pen : le débat de l'entre-deux-tours")
    assert extract_html(html).title == "Macron - Le Pen : le débat de l'entre-deux-tours"


def test_one_outlet_one_name() -> None:
    """nytimes.com pages saying 'NYTimes' or 'The New York Times' get the same outlet name."""
    assert page("en_nytimes_a.html").source == page("en_nytimes_b.html").source == "The New York Times"
    assert outlet_name(None, ["NYTimes"]) == "The New York Times"  # no URL: the alias table by name
    assert outlet_name("example.org", []) == "example.org"  # unknown outlet, no site name: its domain


def test_publication_date_wins_over_update() -> None:
    """article:published_time wins over article:modified_time, og:updated_time and JSON-LD dateModified."""
    assert page("en_dates.html").date == "2021-08-30"
    assert page("fr_partage.html").date == "2023-09-02"
    assert page("fr_bondy.html").date == "2024-04-18"


def test_page_without_metadata_still_extracts() -> None:
    """A page without any metadata still gives its text, and says what is missing."""
    found = page("en_nometa.html")
    assert found.text.startswith("The town's annual apple festival drew a record crowd")
    assert (found.title, found.url, found.date, found.source, found.author) == ("", None, None, None, None)
    assert found.missing == ("title", "url", "date", "source", "author")


@pytest.mark.parametrize("html", [
    "<html><body><script>var page = 1;</script><img src='a.jpg'></body></html>",
    "<html><head><title>Empty</title></head><body></body></html>",
    "",
    "<<<>>>",
])
def test_page_without_article_text_is_an_error(html: str) -> None:
    """No article text: ExtractionError (a ValueError) with a one-line reason."""
    with pytest.raises(ExtractionError) as err:
        extract_html(html)
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value) and str(err.value)


# ------------------------------------------------------------------------------------------------
# Real pages


SUBSET = 40


@pytest.fixture(scope="module")
def subset_pages() -> dict[str, dict[str, Any]]:
    if not BENCHMARK.exists():
        pytest.fail(f"article-extraction benchmark not found at {BENCHMARK}")
    return benchmark_pages(SUBSET)


def _visible_words(html: str) -> str:
    tree = lxml.html.fromstring(html)
    etree.strip_elements(tree, etree.Comment, "script", "style", "template", "head", "noscript", with_tail=False)
    return "".join(re.findall(r"\w+", " ".join(tree.itertext()).lower()))


def test_no_sentence_loses_words_on_real_pages(subset_pages: dict[str, dict[str, Any]]) -> None:
    """On real news pages every stored paragraph is a contiguous run of the page's own text."""
    checked = 0
    for spec in subset_pages.values():
        page_words = _visible_words(spec["html"])
        try:
            found = extract_html(spec["html"], spec["fetched_url"])
        except ExtractionError:
            continue
        for paragraph in paragraphs(found):
            words = re.findall(r"\w+", paragraph.lower())
            if len(words) >= 5 and not paragraph.startswith("|"):  # table rows are rebuilt cell by cell
                checked += 1
                assert "".join(words) in page_words, paragraph[:120]
    assert checked > 500


def test_benchmark_subset_floors() -> None:
    """On a fixed 40-page subset of the benchmark, extract_html holds its measured figures and beats
    trafilatura's defaults; our fixtures are extracted perfectly, French and English."""
    report = run_bench(SUBSET)
    ours, defaults = report["benchmark"]["extract_html"], report["benchmark"]["trafilatura_defaults"]
    # Measured on this subset (python -m ingest.extract_bench --subset 40): F1 0.9765 ± 0.0057,
    # precision 0.9687 ± 0.0075, recall 0.9845 ± 0.0068 (evaluate.py's bootstrap std over the 40 pages);
    # trafilatura defaults 0.9588. Floors: measured minus one bootstrap std, rounded down.
    assert ours["f1"] >= 0.970
    assert ours["precision"] >= 0.961
    assert ours["recall"] >= 0.977
    assert ours["f1"] > defaults["f1"]
    for lang in ("fr", "en"):
        fixtures = report["fixtures"][lang]
        assert fixtures["extract_html"]["f1"] == 1.0
        assert fixtures["metadata_extract_html"]["right"] == fixtures["metadata_extract_html"]["fields"]
