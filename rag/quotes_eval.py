"""Evaluate quote extraction and attribution against ``tests/data/quotes_labelled.jsonl``.

``python -m rag.quotes_eval [--split holdout|holdout2|holdout3|test|dev|all] [--json] [--errors]``
``python -m rag.quotes_eval --bench 100``  (ms per article for analyse + extract, RSS with both pipelines)

The labelled set references Wikinews articles of ``../shared`` by id and stores, per item, the exact
span (``start``/``end``) and text of the quote, its ``kind`` and, for quotes, the gold ``speaker``
(plus ``speaker_alts`` for unnamed sources: "analystes", "report"). Kinds:

* ``direct`` / ``indirect``: quotes to find. Labelling is exhaustive within each selected article.
* ``negative``: quoted text that is not a quote (titles, nicknames, scare quotes); a prediction on one
  is a false positive and is also counted in ``negatives_extracted``.
* ``ignore``: borderline reported material (opinions with think/penser, infinitive complements,
  unattributed partial quotes); predictions on them count neither way.

A prediction matches a gold quote when their overlap covers >= 50 % of the longer of the two spans
(so neither a fragment of a long quote nor a whole paragraph around a short one matches). Attribution
is right when the predicted speaker and the gold speaker (or an alternative) link by name tokens
(``rag.nlp.link_name`` either way: "Varin" ~ "Philippe Varin").

Articles are chosen by a fixed rule (``select_articles``). Splits, in the order they were used
(figures are precision/recall/attribution):

* ``dev``: the rules were written on it.
* ``test``: labelled, then scored once with the rules frozen (en P/R/A 0.951/0.784/0.931, fr
  0.821/0.711/0.781); its errors were then studied and the rules generalised, so it is no longer
  held out.
* ``holdout``: other articles, labelled after that second freeze and never used to write rules.
  First score: en 0.932/0.891/0.927, fr 0.920/0.730/0.739; one bug seen in its errors was fixed
  afterwards (an ORG-tagged role beat the person named in apposition): fr attribution 0.783.
* Third round (issue #11, French): rules generalised on the French errors of dev and test and on
  unlabelled French text (Wikinews articles outside the pool, PIAF passages), then frozen. Then
  ``holdout2`` was labelled (French only, 18 articles, 67 quotes: the pool positions no other split
  takes, see ``_HOLDOUT2``) by reading the articles, before any extractor run on them. Frozen
  scores: holdout en 0.930/0.870/0.925, fr 0.925/0.778/0.776; holdout2 fr 0.943/0.746/0.780.
  Fixes made after reading those errors (so neither split is held out any more): a coordination
  rule that cut "X said A and several said B" (en holdout back to 0.932/0.891/0.927), sentence-final
  incises parsed as coordinated verbs, "juge" tagged as a noun in an incise, subject control of
  French infinitive and gerund adjuncts, a subject shared by a coordinated verb or mislabelled
  passive, French passive reporting verbs (the agent speaks, or no one), proper names the recogniser
  cut or took for places, pronouns whose antecedent is earlier in their own sentence or who continue
  an unnamed speaker in an incise ("a-t-il précisé"), gender evidence only overriding the speaker
  just before within two sentences, and a person after a preposition ("le successeur de X") never
  being the speaker while one after a complement is ("le président de l'Assemblée X"). After them: dev en
  1.000/0.979/0.978, fr 0.976/0.976/0.975; test en 1.000/0.946/0.957, fr 0.978/1.000/0.933;
  holdout en 0.932/0.891/0.927, fr 0.927/0.810/0.804; holdout2 fr 0.966/0.851/0.930.
* Fourth round (issue #11, French): speaker resolution moved to ``rag.speakers`` (figures unchanged).
  ``holdout3`` was labelled first, by reading the texts, before any extractor run on them (French
  only; every position of the French Wikinews pool is already dev, test, holdout or holdout2, so the
  rule is: the 26 French Wikinews articles outside the pool, which have no quotation marks, plus 95
  PIAF passages (French Wikipedia, not news) with a quoted span of >= 10 words, see ``select_articles``;
  121 texts, 82 quotes (17 in Wikinews) in 55 of them, 37 negatives, 83 ignore; these texts may have
  been read, unlabelled, in the third round). Then rules were generalised on the French errors of dev, test, holdout and
  holdout2 and on PIAF passages outside holdout3: a comma after a quotation that ends with "!" or "?"
  keeps its incise ("« … ! », a-t-il affirmé"); a person named as main subject after the last quote,
  or as a sentence-initial name the parser left verbless, or as the agent of the main clause, is what
  a pronoun continues; "Selon X, CLAUSE : « … »" stops at the colon; "poursuivre" with an object is
  no speech; "à" phrases are the addressee, not part of the speaker ("a révélé son avocate à l'AFP");
  "a dit espérer que", "fait remarquer que", "de l'avis de X", "aux dires de X", and "Pour X, …"
  opening a sentence with a named X. After them: dev en 1.000/0.979/0.978, fr 0.976/0.976/0.975; test
  en 1.000/0.946/0.957, fr 0.978/1.000/0.933; holdout en 0.932/0.891/0.927, fr 0.947/0.857/0.889;
  holdout2 fr 0.984/0.896/0.933 (studied splits, so these say no more than "no regression"). Frozen,
  then ``holdout3`` scored once: fr 0.863/0.768/0.873 (gold 82, predicted 90, 17 ignored, 63 matched;
  the rules before this round score the same on it: the round's changes do not touch its texts).
  Its errors: source nouns of Wikipedia prose ("selon le classement … établi par X", "l'auteur
  scientifique X"), colon quotes after clauses with no verb of saying, verbless cues ("au motif",
  "à l'entendre", "de l'opinion de"), titles and slogans taken for quotes.
* Fifth round (issue #11, French): the errors of every French split were studied, holdout3's included,
  so no French split is held out any more (all figures below say "no regression", not generalisation).
  Rules added, each stated on grammar rather than on the texts: an incise inverts its subject (a verb
  whose plain noun subject stands before it is no incise); "nous"/"vous"/"me" before a third-person verb
  is its object ("…, nous dit X"), never its subject; a clause the incise interrupts after a copula,
  auxiliary, determiner, preposition or conjunction goes on after it ("Il est, disent-ils, …"); the
  clause before an incise is reported as well as the quotation after it ("CLAUSE, nous dit X, « … »",
  not after "comme"); a quotation right after another one (punctuation only between) continues its
  speaker; one standing alone after a sentence whose verb is of saying gives the words of that
  sentence's subject, named or not; a colon hung on a clause beyond an earlier quotation takes that
  clause's subject; "comme" (the French "as"), a naming noun before a colon or an article, and a
  quotation in apposition to a naming noun ("le slogan de X, « … »") introduce names; a reporting
  infinitive under a negated modal ("ne peuvent pas conclure que") or stating an aim ("dans le but
  d'assurer que") reports nothing; "que si …" opens a condition, not an indirect question; a
  determinerless word tagged as a noun that takes a que-clause is a verb ("X note que …"); "prévoir
  que" (the English list's "predict"); a source tagged as a foreign word ("D'après The Hollywood
  Reporter"); a "selon" clause ends where a coordinated clause of the writer's starts; a role noun with
  a name right after it stands for that name ("selon l'auteur scientifique X"); a noun in a
  prepositional phrase that the name does not hang on is no role of the name ("Second à l'arrivée, X",
  which had given X the noun's gender). After them: dev en 1.000/0.979/0.978, fr 0.976/0.976/0.975;
  test en 1.000/0.946/0.957, fr 0.978/1.000/0.933; holdout en 0.932/0.891/0.927, fr 0.967/0.921/0.897;
  holdout2 fr 0.984/0.896/0.950; holdout3 fr 0.947/0.866/0.901 (gold 82, predicted 92, 17 ignored, 71
  matched). English is unchanged on every split. Left: cataphora ("D'après le chercheur, …" before the
  name), role noun phrases that need world knowledge ("le premier ministre", "la centrale syndicale"),
  nested quotations, verbless cues ("au motif que", "à l'entendre"), badly parsed sentences.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.datasets import DATA, PIAF, WIKINEWS
from rag.nlp import analyse_many, link_name
from rag.quotes import Quote, extract_quotes

LABELS = DATA / "quotes_labelled.jsonl"
MATCH = 0.5
# Selection rule: articles with a quotation mark, minus Wikinews interview transcripts (Q/A turns,
# not reported speech), sorted by id per language. dev/test: every K-th from the first, alternately
# dev and test. holdout (labelled after the rules were frozen a second time, see README of the set in
# this module's docstring): every H-th from offset O, positions no dev/test article takes.
_STEP = {"fr": 2, "en": 10}
_HOLDOUT = {"fr": (1, 4), "en": (5, 30)}
# holdout2 (French only, labelled after the third freeze of the rules, see the module docstring): every
# 4th article from offset 3, the positions that neither dev/test (even ones) nor holdout (1 mod 4) take.
_HOLDOUT2 = {"fr": (3, 4)}
# holdout3: French, labelled before the fourth round's rules were measured on it (module docstring).
# The French pool above is used up (every position is dev, test, holdout or holdout2), so: every French
# Wikinews article outside the pool (none has a quotation mark; they test indirect speech and false
# positives), and the PIAF passages (French Wikipedia) with a quoted span of >= 10 words, in id order, at
# the positions that are a multiple of 2 or of 3 (95 of 142); the other PIAF passages stay unlabelled text.
_PIAF_PREFIX = "piaf-"
_QUOTED = re.compile(r"[«“]([^»”]*)[»”]")
_INTERVIEW = re.compile(r"interview|tells_wikinews|speaks_to_wikinews|talks_to_wikinews", re.I)


def select_articles(articles: Iterable[dict[str, Any]], passages: Iterable[dict[str, Any]] = ()) -> dict[str, str]:
    """article id -> split, by the labelled set's selection rule (reproducible from the corpus); PIAF
    ``passages`` (``{id, text}``) add their holdout3 part, under ids prefixed ``piaf-``."""
    out: dict[str, str] = {}
    rows = list(articles)
    for lang, step in _STEP.items():
        pool = sorted((a for a in rows if a["lang"] == lang and re.search(r'[«»“”"]', a["text"])
                       and not _INTERVIEW.search(a["id"])), key=lambda a: a["id"])
        for k, art in enumerate(pool[::step]):
            out[art["id"]] = "dev" if k % 2 == 0 else "test"
        for split, rule in (("holdout", _HOLDOUT), ("holdout2", _HOLDOUT2)):
            if lang in rule:
                offset, every = rule[lang]
                for art in pool[offset::every]:
                    out[art["id"]] = split
    for art in rows:
        if art["lang"] == "fr" and art["id"] not in out and not _INTERVIEW.search(art["id"]):
            out[art["id"]] = "holdout3"
    quoted = sorted((p for p in passages if any(len(m.group(1).split()) >= 10 for m in _QUOTED.finditer(p["text"]))),
                    key=lambda p: p["id"])
    for k, passage in enumerate(quoted):
        if k % 2 == 0 or k % 3 == 0:
            out[_PIAF_PREFIX + passage["id"]] = "holdout3"
    return out


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_articles(split: str) -> list[str]:
    """Every article the selection rule gives ``split`` (or all splits), labelled items or not."""
    chosen = select_articles(_read_jsonl(WIKINEWS), _read_jsonl(PIAF / "passages.jsonl"))
    return sorted(a for a, s in chosen.items() if split in ("all", s))


def load_labels(path: Path = LABELS, split: str = "all") -> list[dict[str, Any]]:
    """Labelled items of one split (or all)."""
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def load_articles(ids: Iterable[str], path: Path = WIKINEWS) -> dict[str, dict[str, Any]]:
    """The referenced Wikinews articles, read from the shared corpus, and PIAF passages (``piaf-`` ids,
    French) from ``../shared/eval/piaf``."""
    wanted = set(ids)
    out = {row["id"]: row for row in _read_jsonl(path) if row["id"] in wanted}
    if any(i.startswith(_PIAF_PREFIX) for i in wanted):
        for row in _read_jsonl(PIAF / "passages.jsonl"):
            pid = _PIAF_PREFIX + row["id"]
            if pid in wanted:
                out[pid] = {"id": pid, "lang": "fr", "title": row["title"], "text": row["text"]}
    return out


def speaker_matches(pred: str, gold: str, alts: Iterable[str] = ()) -> bool:
    """Whether a predicted speaker names the gold speaker (token-level, either direction)."""
    names = [gold, *alts]
    return link_name(pred, names) is not None or any(link_name(n, [pred]) is not None for n in names)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass
class LangScore:
    """Counts for one language."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    attributed: int = 0
    ignored: int = 0
    negatives: int = 0
    negatives_extracted: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Precision, recall, attribution accuracy and the counts behind them."""
        scored = self.predicted - self.ignored
        return {
            "gold": self.gold, "predicted": self.predicted, "ignored": self.ignored, "matched": self.matched,
            "precision": round(self.matched / scored, 3) if scored else 0.0,
            "recall": round(self.matched / self.gold, 3) if self.gold else 0.0,
            "attribution": round(self.attributed / self.matched, 3) if self.matched else 0.0,
            "recall_by_kind": {k: round(v[0] / v[1], 3) if v[1] else 0.0 for k, v in sorted(self.by_kind.items())},
            "negatives": self.negatives, "negatives_extracted": self.negatives_extracted,
        }


def score_article(preds: list[Quote], items: list[dict[str, Any]], score: LangScore) -> None:
    """Match one article's predictions to its labelled items and add to ``score``."""
    gold = [i for i in items if i["kind"] in ("direct", "indirect")]
    ignore = [i for i in items if i["kind"] == "ignore"]
    negs = [i for i in items if i["kind"] == "negative"]
    score.gold += len(gold)
    score.predicted += len(preds)
    score.negatives += len(negs)
    for g in gold:
        score.by_kind[g["kind"]][1] += 1
    used: set[int] = set()
    for p in preds:
        best, best_share = None, 0.0
        for k, g in enumerate(gold):
            if k in used:
                continue
            share = _overlap(p.span, (g["start"], g["end"])) / max(p.span[1] - p.span[0], g["end"] - g["start"])
            if share >= MATCH and share > best_share:
                best, best_share = k, share
        if best is not None:
            used.add(best)
            g = gold[best]
            score.matched += 1
            score.by_kind[g["kind"]][0] += 1
            if speaker_matches(p.speaker, g["speaker"], g.get("speaker_alts", [])):
                score.attributed += 1
            else:
                score.errors.append({"type": "speaker", "pred": p.speaker, "gold": g["speaker"],
                                     "quote": g["quote"][:80]})
        elif any(_overlap(p.span, (i["start"], i["end"])) >= MATCH * min(p.span[1] - p.span[0], i["end"] - i["start"])
                 for i in ignore):
            score.ignored += 1
        else:
            if any(_overlap(p.span, (n["start"], n["end"])) for n in negs):
                score.negatives_extracted += 1
            score.errors.append({"type": "false_positive", "pred": p.speaker, "kind": p.kind, "quote": p.quote[:80]})
    for k, g in enumerate(gold):
        if k not in used:
            score.errors.append({"type": "missed", "kind": g["kind"], "gold": g["speaker"], "quote": g["quote"][:80]})


def evaluate(split: str = "test", path: Path = LABELS) -> dict[str, LangScore]:
    """Run the extractor over the labelled articles of ``split`` and score it per language."""
    items = load_labels(path, split)
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_article[item["article_id"]].append(item)
    if split in ("holdout3", "all"):  # its articles without reported speech count for precision too
        for aid in split_articles("holdout3"):
            by_article.setdefault(aid, [])
    articles = load_articles(by_article)
    ids = sorted(by_article)
    texts = [articles[i]["text"] for i in ids]
    langs = [articles[i]["lang"] for i in ids]
    analyses = analyse_many(texts, langs)
    scores: dict[str, LangScore] = defaultdict(LangScore)
    for aid, text, lang, analysis in zip(ids, texts, langs, analyses, strict=True):
        score_article(extract_quotes(text, lang, analysis), by_article[aid], scores[lang])
    return dict(sorted(scores.items()))


def bench(n: int = 100, path: Path = WIKINEWS) -> dict[str, float]:
    """Mean milliseconds per article of ``analyse`` + ``extract_quotes`` over the first ``n / 2`` French
    and ``n / 2`` English Wikinews articles (one at a time), after loading both pipelines, and the
    process's peak resident memory (MB) before and after loading them."""
    import resource
    import time

    from rag.nlp import analyse, pipeline

    with path.open(encoding="utf-8") as fh:
        corpus = [json.loads(line) for line in fh]
    rows = [r for r in corpus if r["lang"] == "fr"][:n // 2] + [r for r in corpus if r["lang"] == "en"][:n - n // 2]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for lang in ("fr", "en"):
        pipeline(lang)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    quotes = 0
    for row in rows:
        quotes += len(extract_quotes(row["text"], row["lang"], analyse(row["text"], row["lang"])))
    elapsed = time.perf_counter() - start
    return {"articles": len(rows), "ms_per_article": round(1000 * elapsed / len(rows), 1), "quotes": quotes,
            "rss_mb_before_load": round(rss_before), "rss_mb_pipelines_loaded": round(rss_loaded),
            "rss_mb_after": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv: list[str] | None = None) -> int:
    """CLI: print per-language precision, recall and attribution accuracy (or the speed benchmark)."""
    ap = argparse.ArgumentParser(prog="python -m rag.quotes_eval", description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["holdout", "holdout2", "holdout3", "test", "dev", "all"], default="holdout")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--errors", action="store_true", help="list misses, false positives and wrong speakers")
    ap.add_argument("--bench", type=int, metavar="N", help="time analyse + extract over N Wikinews articles")
    args = ap.parse_args(argv)
    if args.bench:
        print(json.dumps(bench(args.bench)))
        return 0
    scores = evaluate(args.split)
    result = {lang: s.summary() for lang, s in scores.items()}
    if args.json:
        if args.errors:
            for lang, s in scores.items():
                result[lang]["errors"] = s.errors
        print(json.dumps({"split": args.split, **result}, ensure_ascii=False))
        return 0
    print(f"split: {args.split}")
    for lang, r in result.items():
        print(f"{lang}: precision {r['precision']:.3f}  recall {r['recall']:.3f}  attribution {r['attribution']:.3f}"
              f"  (gold {r['gold']}, predicted {r['predicted']}, ignored {r['ignored']}, matched {r['matched']};"
              f" negatives extracted {r['negatives_extracted']}/{r['negatives']};"
              f" recall by kind {r['recall_by_kind']})")
        if args.errors:
            for e in scores[lang].errors:
                print("   ", json.dumps(e, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
