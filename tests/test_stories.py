"""Near-duplicate detection and story grouping (ingest/stories.py) and its measured floors.

The fixture articles below are written for these tests (a fictional ferry grounding); the floors run the
labelled set of ``python -m ingest.stories_eval`` built from ../shared.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest

from ingest.stories_eval import build_set, corpus_negatives, evaluate
from rag.stories import DEFAULT, Signature, StoryIndex, StoryParams, same_story, signature

ORIGINAL = """A passenger ferry carrying 214 people ran aground on a sandbank outside the harbour of Kestrel Bay \
early on Tuesday, the regional coastguard said. Nobody was seriously hurt.

The vessel, the Northern Lark, operated by Marisol Ferries, had left the port at 6:40 a.m. for its daily crossing \
to the island of Vennick. Passengers described a sudden jolt followed by a long scraping noise as the hull struck \
the bank about two kilometres from the quay.

Coastguard commander Tomas Reyes said three lifeboats and a tug reached the ferry within twenty minutes. "The sea \
was calm and the crew kept everyone on the upper deck until we could bring them off," he told reporters.

Eleven passengers were treated for minor injuries at the Kestrel Bay clinic, according to the town council. The \
rest were taken back to the harbour in small boats over the course of the morning.

Marisol Ferries said the captain, a veteran of nineteen years on the route, had reported a steering fault minutes \
before the grounding. The company suspended all crossings to Vennick until the cause is known.

Investigators from the national maritime safety board are expected to board the Northern Lark once it has been \
refloated on the evening high tide."""

# The same event written up independently by another outlet: the same names, one shared quote, other words.
SAME_EVENT = """Marisol Ferries has halted its Vennick service after one of its boats, the Northern Lark, became \
stuck on a sandbank near Kestrel Bay on Tuesday morning with 214 people on board.

All passengers were brought ashore by midday. The Kestrel Bay town council reported that eleven people needed \
treatment for cuts and bruises, none of them serious.

"The sea was calm and the crew kept everyone on the upper deck until we could bring them off," coastguard \
commander Tomas Reyes said at a press conference in the afternoon.

Local fishermen said the sandbank has been shifting for months and that they had warned the harbour authority \
about shallower water near the channel. The harbour master declined to comment.

The ferry is the only regular link between the island and the mainland, and islanders fear days without \
deliveries of food and fuel. Marisol Ferries said it was looking for a replacement vessel.

The maritime safety board will examine the ship's steering system once tugs pull it free."""

ADDED = ("Marisol Ferries has run the Kestrel Bay to Vennick route since 2009 and carries about 300,000 passengers a "
         "year. Its previous incident, a collision with a fishing boat in fog, led to new radar equipment across "
         "its fleet.")

OTHER_TOPIC = """The city council of Dunmore approved a plan on Monday to turn the disused railway yards north of the \
centre into a public park with a covered market and four hundred homes.

Councillors voted 31 to 9 in favour after a debate of more than five hours. Opponents said the housing would \
overload the roads, while supporters pointed to a waiting list of twelve thousand families.

Work is due to begin next spring and to last six years. The first section of the park should open in 2027."""


def _paras(text: str) -> list[str]:
    return text.split("\n\n")


def _synthetic(n: int, seed: int = 7) -> list[str]:
    """``n`` paragraphs of 40 random tokens each: shingles that no other paragraph shares."""
    rng = random.Random(seed)
    return [" ".join(f"w{rng.randrange(10**6)}" for _ in range(40)) for _ in range(n)]


def test_copy_with_new_headline_and_boilerplate_groups_with_original() -> None:
    """A republished copy with a new headline line, an agency dateline and a copyright line joins the original."""
    copy = ("Ferry with 214 aboard stuck on sandbank off Kestrel Bay\n\n(AFP) — " + ORIGINAL
            + "\n\nCopyright AFP. All rights reserved.\n\nRead more: https://news.example.com/ferry")
    index = StoryIndex()
    assert index.add("orig", signature(ORIGINAL), "2024-03-05") == "orig"
    assert index.add("copy", signature(copy), "2024-03-06") == "orig"


def test_added_paragraph_groups_by_containment() -> None:
    """A copy with an added background paragraph groups: it contains the original almost whole."""
    paras = _paras(ORIGINAL)
    longer = "\n\n".join([*paras[:3], ADDED, *paras[3:]])
    a, b = signature(ORIGINAL), signature(longer)
    assert a.containment(b) > a.jaccard(b)
    assert same_story(a, b)
    index = StoryIndex.from_records([("orig", a, "2024-03-05"), ("long", b, "2024-03-06")])
    assert index.story_of("long") == "orig"


def test_different_article_on_the_same_event_is_not_merged() -> None:
    """Another outlet's own write-up of the same grounding (same names, one shared quote) stays its own story."""
    index = StoryIndex()
    index.add("orig", signature(ORIGINAL), "2024-03-05")
    assert index.add("other-outlet", signature(SAME_EVENT), "2024-03-05") == "other-outlet"
    assert index.add("council", signature(OTHER_TOPIC), "2024-03-04") == "council"
    assert len(index.stories()) == 3


def test_story_is_named_by_its_earliest_article_and_merges_are_reported() -> None:
    """An earlier article joining a story renames it; the placement lists the articles that were renamed."""
    index = StoryIndex()
    index.add("late-copy", signature("(Reuters) - " + ORIGINAL), "2024-03-06")
    placed = index.place("orig", signature(ORIGINAL), "2024-03-05")
    assert placed.story_id == "orig"
    assert dict(placed.relabelled) == {"late-copy": "orig"}
    assert index.members("orig") == ["orig", "late-copy"]


def test_removal_splits_a_chain_and_reports_new_story_ids() -> None:
    """Removing the article that linked two others splits them, and each gets its own story id back."""
    p = _synthetic(6)
    a, b, c = "\n\n".join(p[0:4]), "\n\n".join(p[1:5]), "\n\n".join(p[2:6])
    index = StoryIndex()
    index.add("a", signature(a), "2024-01-01")
    index.add("b", signature(b), "2024-01-02")
    index.add("c", signature(c), "2024-01-03")
    assert not same_story(signature(a), signature(c))  # a and c only meet through b
    assert {index.story_of(x) for x in "abc"} == {"a"}
    changed = index.remove("b")
    assert changed == {"c": "c"}
    assert index.story_of("a") == "a" and index.story_of("c") == "c"
    assert "b" not in index and index.remove("b") == {}
    with pytest.raises(KeyError):
        index.story_of("b")


def test_removing_the_earliest_article_renames_the_story() -> None:
    """When the article that named a story is removed, the story takes the next earliest article's id."""
    index = StoryIndex()
    index.add("orig", signature(ORIGINAL), "2024-03-05")
    index.add("copy", signature("(AFP) — " + ORIGINAL), "2024-03-06")
    assert index.remove("orig") == {"copy": "copy"}
    assert index.stories() == {"copy": ["copy"]}


def test_from_records_rebuilds_the_same_groups_in_any_order() -> None:
    """Rebuilding from stored signature strings, in reverse order, gives the same stories and ids."""
    paras = _paras(ORIGINAL)
    texts = {"orig": ORIGINAL, "copy": "(AFP) — " + ORIGINAL, "long": "\n\n".join([*paras, ADDED]),
             "other-outlet": SAME_EVENT, "council": OTHER_TOPIC}
    dates = {"orig": "2024-03-05", "copy": "2024-03-06", "long": "2024-03-07", "other-outlet": "2024-03-05",
             "council": None}
    records = [(k, signature(t).to_str(), dates[k]) for k, t in texts.items()]
    first = StoryIndex.from_records(records)
    again = StoryIndex.from_records(reversed(records))
    assert first.stories() == again.stories()
    assert first.stories() == {"orig": ["orig", "copy", "long"], "other-outlet": ["other-outlet"],
                               "council": ["council"]}


def test_readding_the_same_article_changes_nothing() -> None:
    """Re-ingesting an unchanged article keeps its story and renames nobody."""
    index = StoryIndex()
    index.add("orig", signature(ORIGINAL), "2024-03-05")
    index.add("copy", signature("(AFP) — " + ORIGINAL), "2024-03-06")
    placed = index.place("copy", signature("(AFP) — " + ORIGINAL), "2024-03-06")
    assert placed.story_id == "orig" and placed.relabelled == {}
    assert len(index) == 2


def test_updated_article_moves_to_its_new_story() -> None:
    """Re-adding an id with a different text replaces it: it leaves the old story if no longer a copy."""
    index = StoryIndex()
    index.add("orig", signature(ORIGINAL), "2024-03-05")
    index.add("x", signature("(AFP) — " + ORIGINAL), "2024-03-06")
    assert index.add("x", signature(OTHER_TOPIC), "2024-03-06") == "x"
    assert index.stories() == {"orig": ["orig"], "x": ["x"]}


def test_identical_text_gives_the_same_signature() -> None:
    """Signatures are deterministic, round-trip through their string form, and ignore case and punctuation."""
    a, b = signature(ORIGINAL), signature(ORIGINAL)
    assert a == b and a.to_str() == b.to_str()
    assert Signature.from_str(a.to_str()) == a
    assert signature(ORIGINAL.upper().replace(",", "")) == a
    assert a.jaccard(b) == 1.0 and a.containment(b) == 1.0
    assert signature(SAME_EVENT) != a


def test_signature_string_is_stable_across_versions() -> None:
    """A stored signature stays comparable: the same text gives this exact string (hashing is pinned).

    If this fails after a datasketch upgrade, signatures in existing stores no longer match new ones:
    bump ``rag.stories.VERSION`` so they are recomputed, then update the digest.
    """
    s = signature("Le ministre a annoncé mardi la fermeture de trois écoles à Lyon.").to_str()
    assert s.startswith("s1.4.9.") and len(s) == len("s1.4.9.") + 1366
    assert hashlib.sha256(s.encode()).hexdigest()[:16] == "7bb1353ce51d2c3b"


def test_signatures_of_other_parameters_or_damaged_are_refused() -> None:
    """An index refuses signatures made with other settings, and damaged strings do not parse."""
    index = StoryIndex()
    with pytest.raises(ValueError):
        index.add("x", signature(ORIGINAL, shingle=3))
    with pytest.raises(ValueError):
        index.add("x", signature(ORIGINAL, num_perm=64))
    for bad in ["", "s0.4.10.AAAA", "s1.4.x.AAAA", "s1.4.10.", "s1.4.10.A"]:
        with pytest.raises(ValueError):
            Signature.from_str(bad)


def test_empty_texts_never_group() -> None:
    """Articles with no words get a signature but never join a story, even with each other."""
    index = StoryIndex()
    assert signature("").size == 0
    index.add("e1", signature(""), None)
    assert index.add("e2", signature(" — "), None) == "e2"
    index.remove("e1")
    assert index.stories() == {"e2": ["e2"]}


@pytest.fixture(scope="module")
def eval_test_split() -> dict[str, Any]:
    data = build_set()
    return evaluate(data.split("test"), DEFAULT, data.hard_negatives)


def test_grouping_floors_on_the_held_out_split(eval_test_split: dict[str, Any]) -> None:
    """On the eval's test split (never used to choose settings), grouping meets the issue's goals.

    Measured (python -m ingest.stories_eval): precision 1.000, recall 0.986 (348 true pairs). Over ten
    other seeds of split and edits: precision 1.000 every time, recall 0.979-1.000 (sd 0.007). Floors:
    precision at the goal 0.98, recall 0.96 (measured minus three sd).
    """
    assert eval_test_split["precision"] >= 0.98
    assert eval_test_split["recall"] >= 0.96
    assert eval_test_split["hard_negatives_merged"] == 0
    assert eval_test_split["true_pairs"] > 300 and eval_test_split["hard_negative_pairs"] >= 20


def test_no_two_distinct_corpus_articles_are_merged() -> None:
    """Across all 393 corpus articles (no copies among them), nothing is grouped.

    Measured: the closest distinct pair (two interviews asked the same questions) scores 0.459 against
    the 0.60 threshold.
    """
    out = corpus_negatives(params=StoryParams())
    assert out["false_groups"] == []
    assert out["closest_score"] < DEFAULT.containment
