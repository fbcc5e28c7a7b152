"""Check the answer-level question sets against the shared news corpus and print their counts.

The sets (``news_answerable.jsonl``, ``news_unanswerable.jsonl``, see README.md beside this file) were
written by hand; this script is what keeps them honest. It fails, with one line per problem, when

* an evidence string is not an exact substring, occurring once, of its article (as stored in
  ``../shared`` and as the ingest pipeline stores it), is not 3-15 words long, or does not contain the
  short ``answer``;
* a relevant or ``near`` article id is not in the corpus, or ``article_lang`` is not the article's language;
* a ``split`` differs from the fixed rule (:func:`split_rule`);
* the articles in which an unanswerable question's ``grep`` patterns all occur are not exactly the ones
  listed in ``grep_reviewed`` (those were read and do not answer it: a new hit must be read again);
* a size floor of the brief is missed (170 answerable, 15 per type, 25 cross-language each way,
  70 unanswerable, 25 per language).

Run from the repository root::

    .venv/bin/python -m tests.data.answers.build_check             # checks + counts
    .venv/bin/python -m tests.data.answers.build_check --markdown  # count tables for README.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.clean import normalise
from rag.datasets import SEED, WIKINEWS

HERE = Path(__file__).resolve().parent
ANSWERABLE = HERE / "news_answerable.jsonl"
UNANSWERABLE = HERE / "news_unanswerable.jsonl"
SEED_REF = "seed"  # the seed article's store id is not fixed; loaders map this name to it
LANGS = ("en", "fr")
TYPES = ("who", "when", "where", "how_many", "why", "what_happened", "who_said_what")
KINDS = ("wrong_year", "wrong_place", "wrong_person", "wrong_event", "off_corpus")
ANSWERABLE_STRATA = ("lang", "article_lang", "type")
UNANSWERABLE_STRATA = ("lang", "kind")
# Floors set by the task brief, not by measurement.
MIN_ANSWERABLE, MIN_PER_TYPE, MIN_CROSS, MIN_UNANSWERABLE, MIN_UNANSWERABLE_LANG = 170, 15, 25, 70, 25

Row = dict[str, Any]


def split_rule(rows: Sequence[Row], strata: Sequence[str]) -> dict[str, str]:
    """Fixed train/test split: systematic sampling within strata.

    Rows are ordered by stratum (question language, article language, then type or kind), then by the
    SHA-256 of their id (an order nobody chose), and alternately labelled train, test, train... across
    that single ordering. Any run of consecutive rows is split evenly, so every stratum and every
    language pair differs by at most one between train and test, and a type summed over language pairs
    by at most one per pair. A row's label depends on the other rows: adding questions re-deals them.
    """
    def key(row: Row) -> tuple[tuple[str, ...], str]:
        return tuple(str(row[f]) for f in strata), hashlib.sha256(row["id"].encode("utf-8")).hexdigest()

    ordered = sorted(rows, key=key)
    return {row["id"]: ("train" if i % 2 == 0 else "test") for i, row in enumerate(ordered)}


def load_jsonl(path: Path) -> list[Row]:
    """Rows of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus_texts() -> dict[str, tuple[str, list[str]]]:
    """Article id -> (language, [text as shared, text as ingested]); the seed is under ``seed``."""
    from ingest.readers import article_from_plain
    from rag.config import Settings

    texts = {row["id"]: (row["lang"], [row["text"], normalise(row["text"])]) for row in load_jsonl(WIKINEWS)}
    raw_seed = SEED.read_text(encoding="utf-8")
    texts[SEED_REF] = ("fr", [raw_seed, article_from_plain(raw_seed, Settings()).text])
    return texts


def check_answerable(rows: Sequence[Row], texts: dict[str, tuple[str, list[str]]]) -> list[str]:
    """Problems with the answerable rows (empty when they are all sound)."""
    problems = []
    for row in rows:
        rid = row.get("id", "?")
        missing = {"id", "question", "lang", "article_lang", "type", "relevant", "evidence", "answer",
                   "split"} - row.keys()
        if missing:
            problems.append(f"{rid}: missing fields {sorted(missing)}")
            continue
        if row["type"] not in TYPES or row["lang"] not in LANGS or row.get("answerable", True) is not True:
            problems.append(f"{rid}: bad type/lang/answerable")
        unknown = [a for a in row["relevant"] if a not in texts]
        if not row["relevant"] or unknown or len(set(row["relevant"])) != len(row["relevant"]):
            problems.append(f"{rid}: relevant ids empty, repeated or unknown {unknown}")
            continue
        lang, versions = texts[row["relevant"][0]]
        if row["article_lang"] != lang:
            problems.append(f"{rid}: article_lang {row['article_lang']} but the article is {lang}")
        evidence = row["evidence"]
        for version, text in zip(("shared", "ingested"), versions, strict=True):
            if text.count(evidence) != 1:
                problems.append(f"{rid}: evidence occurs {text.count(evidence)} times in the {version} text")
        if not 3 <= len(evidence.split()) <= 15:
            problems.append(f"{rid}: evidence has {len(evidence.split())} words")
        if row["answer"] not in evidence:
            problems.append(f"{rid}: answer is not inside the evidence")
    return problems


def check_unanswerable(rows: Sequence[Row], texts: dict[str, tuple[str, list[str]]]) -> list[str]:
    """Problems with the unanswerable rows, including grep hits nobody has read."""
    problems = []
    for row in rows:
        rid = row.get("id", "?")
        missing = {"id", "question", "lang", "kind", "near", "grep", "grep_reviewed", "split"} - row.keys()
        if missing:
            problems.append(f"{rid}: missing fields {sorted(missing)}")
            continue
        if row["kind"] not in KINDS or row["lang"] not in LANGS:
            problems.append(f"{rid}: bad kind/lang")
        if row.get("answerable") is not False or row.get("relevant", []) != []:
            problems.append(f"{rid}: must have answerable false and no relevant articles")
        if (row["near"] is None) != (row["kind"] == "off_corpus") or (row["near"] and row["near"] not in texts):
            problems.append(f"{rid}: near must name a corpus article unless the kind is off_corpus")
        patterns = [re.compile(p) for p in row["grep"]]
        hits = {aid for aid, (_, versions) in texts.items() if all(p.search(versions[0]) for p in patterns)}
        if not patterns or hits != set(row["grep_reviewed"]):
            unread, gone = sorted(hits - set(row["grep_reviewed"])), sorted(set(row["grep_reviewed"]) - hits)
            problems.append(f"{rid}: grep hits changed, read again: new {unread}, gone {gone}")
    return problems


def check_splits_and_sizes(answerable: Sequence[Row], unanswerable: Sequence[Row]) -> list[str]:
    """Ids unique, splits as the rule says, and the brief's size floors met."""
    problems = []
    ids = Counter(r["id"] for r in [*answerable, *unanswerable])
    problems += [f"{i}: id used {n} times" for i, n in ids.items() if n > 1]
    for rows, strata in ((answerable, ANSWERABLE_STRATA), (unanswerable, UNANSWERABLE_STRATA)):
        expected = split_rule(rows, strata)
        problems += [f"{r['id']}: split {r['split']}, rule says {expected[r['id']]}"
                     for r in rows if r["split"] != expected[r["id"]]]
    types = Counter(r["type"] for r in answerable)
    cross = Counter((r["lang"], r["article_lang"]) for r in answerable)
    floors = [(len(answerable), MIN_ANSWERABLE, "answerable questions"),
              (cross["en", "fr"], MIN_CROSS, "English questions on French articles"),
              (cross["fr", "en"], MIN_CROSS, "French questions on English articles"),
              (len(unanswerable), MIN_UNANSWERABLE, "unanswerable questions")]
    floors += [(types[t], MIN_PER_TYPE, f"questions of type {t}") for t in TYPES]
    floors += [(sum(r["lang"] == lang for r in unanswerable), MIN_UNANSWERABLE_LANG, f"unanswerable in {lang}")
               for lang in LANGS]
    problems += [f"only {n} {what} (at least {floor} wanted)" for n, floor, what in floors if n < floor]
    return problems


def _table(title: str, rows: Sequence[Row], row_key: str, columns: Sequence[tuple[str, Any]]) -> list[str]:
    """Markdown table: one line per value of ``row_key``, one column per (label, predicate)."""
    values = sorted({r[row_key] for r in rows})
    lines = [f"| {title} | " + " | ".join(label for label, _ in columns) + " | all |",
             "|---" * (len(columns) + 2) + "|"]
    for value in [*values, None]:
        subset = [r for r in rows if value is None or r[row_key] == value]
        cells = [str(sum(bool(pred(r)) for r in subset)) for _, pred in columns]
        lines.append(f"| {value or '**all**'} | " + " | ".join(cells) + f" | {len(subset)} |")
    return lines


def count_tables(answerable: Sequence[Row], unanswerable: Sequence[Row]) -> list[str]:
    """The count tables printed into README.md."""
    pairs = [(f"{q}→{a}", (lambda r, q=q, a=a: (r["lang"], r["article_lang"]) == (q, a)))
             for q, a in (("fr", "fr"), ("en", "en"), ("en", "fr"), ("fr", "en"))]
    splits = [(s, (lambda r, s=s: r["split"] == s)) for s in ("train", "test")]
    langs = [(lang, (lambda r, lang=lang: r["lang"] == lang)) for lang in LANGS]
    by_pair = [{**r, "pair": f"{r['lang']}→{r['article_lang']}"} for r in answerable]
    return [*_table("type \\ question→article language", answerable, "type", [*pairs, *splits]), "",
            *_table("question→article language", by_pair, "pair", splits), "",
            *_table("kind \\ question language", unanswerable, "kind", [*langs, *splits])]


def main(argv: Sequence[str] | None = None) -> int:
    """Check both files; print the problems (exit 1) or the counts (exit 0)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print only the count tables")
    args = parser.parse_args(argv)
    answerable, unanswerable = load_jsonl(ANSWERABLE), load_jsonl(UNANSWERABLE)
    texts = corpus_texts()
    problems = [*check_answerable(answerable, texts), *check_unanswerable(unanswerable, texts),
                *check_splits_and_sizes(answerable, unanswerable)]
    for line in problems:
        print(f"PROBLEM {line}", file=sys.stderr)
    if not args.markdown:
        print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable; {len(problems)} problems")
    print("\n".join(count_tables(answerable, unanswerable)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
