"""Measure story grouping on a labelled set of edited copies: ``python -m ingest.stories_eval [--json]``.

The set is built programmatically and deterministically (seeded) from the Wikinews articles of
``../shared`` (read by path, never copied):

* A tenth of the articles are set aside as *donors*: their paragraphs are what "added paragraph"
  copies gain (each donor paragraph goes to one copy, and adds at most a third of its words). They are
  not in the set, so an added paragraph never makes a copy overlap a member.
* The rest are split in two by a seeded shuffle: ``fit`` (parameters are chosen on it) and ``test``
  (reported). Every one of them is in the set as an original, its own story.
* Two thirds of the originals of each split get 1-3 edited copies. A copy applies 1-3 edits drawn from
  :data:`EDITS`: a rewritten headline that also opens the body (scraped pages start with it), one or two
  added paragraphs, one or two removed paragraphs, the copy cut after half to four fifths of its
  paragraphs (outlets trim wire copy from the bottom), shuffled sentences and a moved paragraph, outlet
  boilerplate (a dateline, copyright/"Read more"/newsletter lines), light copy-editing (about 3% of
  words dropped or swapped). A copy belongs to its original's story.
* The distinct articles are the negatives. The corpus holds whole series on one topic (interviews of
  candidates asked the same questions, primary results with shared background paragraphs, Brexit and
  COVID-19 coverage); pairs of originals sharing many names (capitalised words inside sentences,
  Jaccard >= 0.2) are counted as *hard negatives* and their false merges reported on their own.

Scores are pairwise: precision is the share of article pairs put in one story that truly are one story,
recall the share of true same-story pairs put together. Cost is the wall time per article of computing
its signature and placing it in the index (query, confirmation, insert), over the test split.

The sweep on the fit split covers shingle size (3-6 words), num_perm (64, 128, 256), LSH threshold (0.15,
0.2, 0.3) and the containment threshold (0.30-0.95), each scored on three draws of copies of the fit
originals (:data:`FIT_DRAWS`): precision is the worst draw, recall the mean. The rule (:func:`choose`):
settings whose fit precision, and the precision one threshold step lower, reach 0.995 (a margin over the
0.98 goal: one false merge of two 3-article stories costs 9 pairs); among those within 0.01 of the best
recall, the highest threshold, then the most permutations, then the LSH threshold whose candidates hold
the most true pairs. ``corpus_negatives`` then checks the chosen settings on every pair of distinct
originals of the corpus (both splits and the donors, cross-split pairs included).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.datasets import WIKINEWS
from rag.stories import DEFAULT, Signature, StoryIndex, StoryParams, same_story, signature
from rag.text import split_sentences

SEED = 13
DONOR_SHARE = 0.1
COPY_SHARE = 2 / 3
HARD_NEGATIVE_NAMES = 0.2
CONTAINMENT_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 ... 0.95
FIT_DRAWS = (SEED, SEED + 1, SEED + 2)  # edit seeds of the fit sweep: three draws of copies of the fit originals

_DATELINES = {
    "en": ["WASHINGTON (AFP) —", "LONDON (Reuters) -", "NEW YORK (AP) —", "(AFP) —", "GENEVA, {day} (Reuters) -"],
    "fr": ["PARIS (AFP) -", "(AFP) —", "BRUXELLES, {day} (AFP) -", "Par la rédaction (avec AFP) —"],
}
_TRAILERS = {
    "en": ["Copyright Reuters {year}. All rights reserved.", "Read more: https://news.example.com/{slug}",
           "Reporting by staff; Editing by the desk", "(c) {year} Agence France-Presse",
           "Sign up for our daily newsletter.", "Follow us on Twitter and Facebook.", "Advertisement"],
    "fr": ["© AFP {year}", "Lire aussi : https://actu.example.fr/{slug}", "Tous droits réservés.",
           "Inscrivez-vous à notre lettre d'information.", "Suivez-nous sur Twitter et Facebook.", "Publicité"],
}
_HEADLINE_TAGS = {
    "en": ["UPDATE 1-", "UPDATE 2-", "EXCLUSIVE:", "Breaking:", "WATCH:", ""],
    "fr": ["INFO AFP -", "DIRECT.", "VIDÉO -", "Exclusif :", ""],
}


Pool = dict[str, list[str]]  # language -> donor paragraphs not yet given to a copy


@dataclass(frozen=True)
class Doc:
    """One article of the labelled set: an original or an edited copy of one."""

    id: str
    story: str  # the original's id: the truth
    split: str  # "fit" | "test"
    lang: str
    date: str | None
    title: str
    text: str
    edits: tuple[str, ...] = ()  # empty for an original


@dataclass
class EvalSet:
    """The labelled set and the pairs of originals that are hard negatives."""

    docs: list[Doc]
    hard_negatives: set[frozenset[str]] = field(default_factory=set)

    def split(self, name: str) -> list[Doc]:
        """Docs of one split."""
        return [d for d in self.docs if d.split == name]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _join(paras: Iterable[str]) -> str:
    return "\n\n".join(paras)


def _slug(title: str) -> str:
    return re.sub(r"\W+", "-", title.lower()).strip("-")[:60]


def _headline(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
              ) -> tuple[str, list[str]]:
    title = art["title"]
    words = title.split()
    form = rng.randrange(3)
    if form == 0 and ":" in title:  # "Place: what happened" -> "What happened (Place)"
        head, _, rest = title.partition(":")
        new = f"{rest.strip()[:1].upper()}{rest.strip()[1:]} ({head.strip()})"
    elif form == 1 and len(words) > 5:  # shortened
        new = " ".join(words[: max(4, len(words) * 2 // 3)])
    else:
        cut = rng.randrange(1, max(2, len(words)))
        new = " ".join([*words[cut:], ",", *words[:cut]])
    tag = rng.choice(_HEADLINE_TAGS.get(art["lang"], _HEADLINE_TAGS["en"]))
    new = f"{tag} {new}".strip()
    return new, [new, *paras]


def _add_paragraph(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
                   ) -> tuple[str, list[str]]:
    # An added paragraph is an addition, not a takeover: at most a third of the copy's words, and a donor
    # paragraph goes to one copy only (two stories sharing a paragraph is what the natural negatives test).
    lang = art["lang"] if pool.get(art["lang"]) else "en"
    budget = sum(len(p.split()) for p in paras) // 3
    out = list(paras)
    for _ in range(rng.choice([1, 1, 2])):
        fits = [i for i, p in enumerate(pool[lang]) if 15 <= len(p.split()) <= budget]
        if not fits:
            break
        added = pool[lang].pop(rng.choice(fits))
        budget -= len(added.split())
        out.insert(rng.randrange(1, len(out) + 1), added)
    return art["title"], out


def _remove_paragraph(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
                      ) -> tuple[str, list[str]]:
    if len(paras) < 3:
        return art["title"], paras
    n = 2 if len(paras) >= 8 else 1
    drop = set(rng.sample(range(1, len(paras)), n))
    return art["title"], [p for i, p in enumerate(paras) if i not in drop]


def _truncate(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
              ) -> tuple[str, list[str]]:
    # Outlets trim wire copy from the bottom: keep the first half to four fifths of the paragraphs.
    if len(paras) < 3:
        return art["title"], paras
    keep = max(2, round(len(paras) * rng.uniform(0.5, 0.8)))
    return art["title"], paras[:keep]


def _reorder(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
             ) -> tuple[str, list[str]]:
    out = []
    for p in paras:
        sents = [p[a:b] for a, b in split_sentences(p)]
        if len(sents) > 1 and rng.random() < 0.5:
            rng.shuffle(sents)
        out.append(" ".join(sents))
    if len(out) >= 3:
        i, j = rng.sample(range(1, len(out)), 2)
        out[i], out[j] = out[j], out[i]
    return art["title"], out


def _boilerplate(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
                 ) -> tuple[str, list[str]]:
    lang = art["lang"] if art["lang"] in _DATELINES else "en"
    fill = {"day": (art.get("date") or "")[5:], "year": (art.get("date") or "2020")[:4], "slug": _slug(art["title"])}
    out = list(paras)
    if out and rng.random() < 0.8:
        out[0] = f"{rng.choice(_DATELINES[lang]).format(**fill)} {out[0]}"
    trailers = rng.sample(_TRAILERS[lang], rng.randint(1, 3))
    return art["title"], out + [t.format(**fill) for t in trailers]


def _copyedit(rng: random.Random, art: dict[str, Any], paras: list[str], pool: Pool
              ) -> tuple[str, list[str]]:
    out = []
    for p in paras:
        words = p.split(" ")
        i = 0
        kept: list[str] = []
        while i < len(words):
            r = rng.random()
            if r < 0.015:  # dropped word
                i += 1
                continue
            if r < 0.03 and i + 1 < len(words):  # two words swapped
                kept += [words[i + 1], words[i]]
                i += 2
                continue
            kept.append(words[i])
            i += 1
        out.append(" ".join(kept))
    return art["title"], out


Edit = Callable[[random.Random, dict[str, Any], list[str], Pool], tuple[str, list[str]]]
# Applied in this order whatever the draw (content edits first, then the outlet's wrapping).
EDITS: dict[str, Edit] = {
    "truncate": _truncate, "remove_paragraph": _remove_paragraph, "reorder": _reorder, "copyedit": _copyedit,
    "add_paragraph": _add_paragraph, "boilerplate": _boilerplate, "headline": _headline,
}


def _names(text: str) -> set[str]:
    """Capitalised words inside sentences: a cheap stand-in for the named entities two articles share."""
    out: set[str] = set()
    for a, b in split_sentences(text):
        for w in re.findall(r"\w+", text[a:b])[1:]:
            if w[:1].isupper() and len(w) > 2:
                out.add(w)
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def build_set(path: Path = WIKINEWS, seed: int = SEED, edit_seed: int | None = None) -> EvalSet:
    """The labelled set (deterministic for a given corpus file and seeds).

    ``seed`` decides donors and splits; ``edit_seed`` (default: ``seed``) which originals get copies and
    what edits they get, so that the fit sweep can average over several draws of copies of the same
    fit originals without touching the test split.
    """
    with path.open(encoding="utf-8") as fh:
        arts = [json.loads(line) for line in fh if line.strip()]
    arts.sort(key=lambda a: a["id"])
    random.Random(seed).shuffle(arts)
    rng = random.Random(seed if edit_seed is None else edit_seed)
    n_donors = round(len(arts) * DONOR_SHARE)
    donors, members = arts[:n_donors], arts[n_donors:]
    pool: Pool = {}
    for d in donors:
        pool.setdefault(d["lang"], []).extend(_paragraphs(d["text"]))
    docs: list[Doc] = []
    for pos, art in enumerate(members):
        split = "fit" if pos % 2 == 0 else "test"
        docs.append(Doc(art["id"], art["id"], split, art["lang"], art.get("date"), art["title"], art["text"]))
        if rng.random() >= COPY_SHARE:
            continue
        for n in range(rng.randint(1, 3)):
            kinds = set(rng.sample(sorted(EDITS), rng.randint(1, 3)))
            title, paras = art["title"], _paragraphs(art["text"])
            for kind, edit in EDITS.items():
                if kind in kinds:
                    new_title, paras = edit(rng, art, paras, pool)
                    title = new_title if kind == "headline" else title
            docs.append(Doc(f"{art['id']}~copy{n + 1}", art["id"], split, art["lang"], art.get("date"), title,
                            _join(paras), tuple(k for k in EDITS if k in kinds)))
    names = {d.id: _names(d.text) for d in docs if not d.edits}
    hard = {frozenset((a.id, b.id)) for a, b in itertools.combinations([d for d in docs if not d.edits], 2)
            if a.split == b.split and _jaccard(names[a.id], names[b.id]) >= HARD_NEGATIVE_NAMES}
    return EvalSet(docs, hard)


def _pairs(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in itertools.combinations(sorted(g), 2)}


def _truth(docs: Sequence[Doc]) -> set[frozenset[str]]:
    by_story: dict[str, list[str]] = {}
    for d in docs:
        by_story.setdefault(d.story, []).append(d.id)
    return _pairs(by_story.values())


def _components(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[set[str]]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for i in parent:
        groups.setdefault(find(i), set()).add(i)
    return list(groups.values())


def score(docs: Sequence[Doc], groups: Iterable[Iterable[str]], hard: set[frozenset[str]] | None = None
          ) -> dict[str, Any]:
    """Pairwise precision/recall of predicted groups against the truth, recall per edit kind."""
    truth, pred = _truth(docs), _pairs(groups)
    tp = len(truth & pred)
    out: dict[str, Any] = {
        "docs": len(docs), "true_pairs": len(truth), "predicted_pairs": len(pred),
        "precision": tp / len(pred) if pred else 1.0, "recall": tp / len(truth) if truth else 1.0,
    }
    recall_by_edit: dict[str, list[int]] = {}
    for d in docs:
        for kind in d.edits:
            recall_by_edit.setdefault(kind, []).append(frozenset((d.id, d.story)) in pred)
    out["copy_with_original_by_edit"] = {k: round(sum(v) / len(v), 3) for k, v in sorted(recall_by_edit.items())}
    if hard is not None:
        story = {d.id: d.story for d in docs}
        merged = {frozenset(story[i] for i in p) for p in pred - truth}
        out["hard_negative_pairs"] = sum(all(i in story for i in p) for p in hard)
        out["hard_negatives_merged"] = len(merged & hard)
        out["stories_wrongly_merged"] = len(merged)
    return out


@dataclass
class _Candidates:
    """LSH candidate pairs of one split with their containment score (lower bound)."""

    ids: list[str]
    pairs: list[tuple[str, str, float]]
    truth_found: float  # share of true pairs among candidates (an LSH ceiling on recall before transitivity)


def _candidates(docs: Sequence[Doc], sigs: dict[str, Signature], params: StoryParams) -> _Candidates:
    blind = StoryParams(params.shingle, params.num_perm, params.lsh_threshold, containment=2.0, z=params.z)
    index = StoryIndex(blind)
    for d in docs:
        index.add(d.id, sigs[d.id], d.date)
    pairs: set[tuple[str, str]] = set()
    for d in docs:
        for other in index.candidates(d.id):
            pairs.add((min(d.id, other), max(d.id, other)))
    truth = _truth(docs)
    found = sum(frozenset(p) in truth for p in pairs)
    z = params.z
    rows = [(a, b, sigs[a].containment(sigs[b], z)) for a, b in sorted(pairs)]
    return _Candidates([d.id for d in docs], rows, found / len(truth) if truth else 1.0)


def sweep(draws: Sequence[Sequence[Doc]], shingle_sizes: Sequence[int] = (3, 4, 5, 6),
          num_perms: Sequence[int] = (64, 128, 256), lsh_thresholds: Sequence[float] = (0.15, 0.2, 0.3),
          containments: Sequence[float] = CONTAINMENT_GRID,
          ) -> list[dict[str, Any]]:
    """Pairwise precision (the worst over ``draws``) and recall (their mean) for every setting of the grid."""
    rows = []
    for k, perms, lsh_t in itertools.product(shingle_sizes, num_perms, lsh_thresholds):
        per_draw = []
        for docs in draws:
            truth = _truth(docs)
            sigs = {d.id: signature(d.text, k, perms) for d in docs}
            cands = _candidates(docs, sigs, StoryParams(k, perms, lsh_t))
            scores = []
            for tc in containments:
                pred = _pairs(_components(cands.ids, [(a, b) for a, b, c in cands.pairs if c >= tc]))
                tp = len(pred & truth)
                scores.append((tp / len(pred) if pred else 1.0, tp / len(truth)))
            per_draw.append((scores, cands))
        for i, tc in enumerate(containments):
            rows.append({"shingle": k, "num_perm": perms, "lsh_threshold": lsh_t, "containment": tc,
                         "precision": min(sc[i][0] for sc, _ in per_draw),
                         "recall": round(statistics.fmean(sc[i][1] for sc, _ in per_draw), 4),
                         "lsh_candidate_recall": round(statistics.fmean(c.truth_found for _, c in per_draw), 4),
                         "candidates": round(statistics.fmean(len(c.pairs) for _, c in per_draw))})
    return rows


def choose(rows: Sequence[dict[str, Any]], min_precision: float = 0.995, recall_slack: float = 0.01
           ) -> dict[str, Any]:
    """The module docstring's rule for picking the settings from the sweep.

    A setting is *safe* when it and the setting one grid step lower (0.05, about one standard deviation
    of a 128-permutation estimate near 0.5) both reach ``min_precision``, so a false merge lurking just
    below the fit split's hardest negatives is not one coin flip away. Among safe settings whose fit
    recall is within ``recall_slack`` of the best safe recall: the highest threshold (a false merge hides
    an article from retrieval, a missed copy only repeats a passage, so margin goes to precision), then
    the most permutations (least noise; 64 vs 256 costs about 20% of a ~2 ms step), then the LSH
    threshold whose candidates hold the most true pairs, then the shorter shingle.
    """
    by_key = {(r["shingle"], r["num_perm"], r["lsh_threshold"], r["containment"]): r for r in rows}
    cs = sorted({r["containment"] for r in rows})

    def feasible_below(r: dict[str, Any]) -> bool:
        i = cs.index(r["containment"])
        below = by_key.get((r["shingle"], r["num_perm"], r["lsh_threshold"], cs[i - 1])) if i else None
        return below is None or below["precision"] >= min_precision

    safe = [r for r in rows if r["precision"] >= min_precision and feasible_below(r)]
    best = max(r["recall"] for r in safe)
    top = [r for r in safe if r["recall"] >= best - recall_slack]
    return max(top, key=lambda r: (r["containment"], r["num_perm"], r["lsh_candidate_recall"], -r["shingle"]))


def evaluate(docs: Sequence[Doc], params: StoryParams = DEFAULT, hard: set[frozenset[str]] | None = None
             ) -> dict[str, Any]:
    """Build a real :class:`StoryIndex` over ``docs`` (in a seeded shuffled order) and score its stories.

    Timing covers, per article, the signature and the placement (LSH query, confirmation, insert).
    """
    order = list(docs)
    random.Random(SEED).shuffle(order)
    index = StoryIndex(params)
    times = []
    for d in order:
        t0 = time.perf_counter()
        index.add(d.id, signature(d.text, params.shingle, params.num_perm), d.date)
        times.append(time.perf_counter() - t0)
    out = score(docs, index.stories().values(), hard)
    out["ms_per_article"] = round(1000 * statistics.fmean(times), 3)
    out["ms_per_article_p95"] = round(1000 * sorted(times)[int(0.95 * (len(times) - 1))], 3)
    out["words_per_article"] = round(statistics.fmean(len(d.text.split()) for d in docs))
    return out


def pair_check(docs: Sequence[Doc], params: StoryParams = DEFAULT) -> dict[str, int]:
    """Direct verdicts (no LSH, no transitivity) on copy/original pairs: how many a lone pair check misses."""
    sigs = {d.id: signature(d.text, params.shingle, params.num_perm) for d in docs}
    copies = [d for d in docs if d.edits]
    missed = sum(not same_story(sigs[d.id], sigs[d.story], params) for d in copies)
    return {"copies": len(copies), "missed_by_pair_check": missed}


def corpus_negatives(path: Path = WIKINEWS, params: StoryParams = DEFAULT) -> dict[str, Any]:
    """Every pair of distinct corpus articles that the index would confirm, and the closest call.

    The corpus is assumed to hold no copies (its closest pairs, interviews asked the same questions,
    are distinct articles): any group here is a false merge.
    """
    with path.open(encoding="utf-8") as fh:
        arts = [json.loads(line) for line in fh if line.strip()]
    sigs = {a["id"]: signature(a["text"], params.shingle, params.num_perm) for a in arts}
    index = StoryIndex(params)
    for a in arts:
        index.add(a["id"], sigs[a["id"]], a.get("date"))
    closest = max(((sigs[a].containment(sigs[b], params.z), a, b) for a in sigs for b in index.candidates(a)),
                  default=(0.0, "", ""))
    merged = [ids for ids in index.stories().values() if len(ids) > 1]
    n_candidates = sum(len(index.candidates(a)) for a in sigs) // 2
    return {"articles": len(arts), "false_groups": merged, "candidate_pairs": n_candidates,
            "closest_score": round(closest[0], 3), "closest_pair": [closest[1], closest[2]]}


def cost(texts: Sequence[str], params: StoryParams = DEFAULT) -> dict[str, float]:
    """Wall time per article of signature + placement over ``texts`` (for ``rag bench``)."""
    index = StoryIndex(params)
    times = []
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        index.add(str(i), signature(text, params.shingle, params.num_perm))
        times.append(time.perf_counter() - t0)
    if not times:
        return {"articles": 0, "ms_per_article": 0.0, "ms_per_article_p95": 0.0}
    return {"articles": len(times), "ms_per_article": round(1000 * statistics.fmean(times), 3),
            "ms_per_article_p95": round(1000 * sorted(times)[int(0.95 * (len(times) - 1))], 3)}


def main(argv: list[str] | None = None) -> int:
    """Sweep on fit, choose, report fit and test at the chosen settings and at the module defaults."""
    ap = argparse.ArgumentParser(prog="python -m ingest.stories_eval", description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--no-sweep", action="store_true", help="only evaluate the module defaults")
    args = ap.parse_args(argv)
    data = build_set()
    fit, test = data.split("fit"), data.split("test")
    report: dict[str, Any] = {"set": {s: {"docs": len(ds), "originals": sum(not d.edits for d in ds),
                                          "copies": sum(bool(d.edits) for d in ds)}
                                      for s, ds in (("fit", fit), ("test", test))},
                              "defaults": vars(DEFAULT)}
    if not args.no_sweep:
        rows = sweep([build_set(edit_seed=s).split("fit") for s in FIT_DRAWS])
        chosen = choose(rows)
        report["chosen_on_fit"] = chosen
        report["sweep_best_per_setting"] = _best_per_setting(rows)
    report["fit"] = evaluate(fit, DEFAULT, data.hard_negatives)
    report["test"] = evaluate(test, DEFAULT, data.hard_negatives)
    report["test_pair_check"] = pair_check(test, DEFAULT)
    report["corpus_negatives"] = corpus_negatives()
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return 0
    _print(report)
    return 0


def _best_per_setting(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What :func:`choose` picks within each shingle size / num_perm / LSH threshold."""
    out = []
    key = lambda r: (r["shingle"], r["num_perm"], r["lsh_threshold"])  # noqa: E731
    for _, group in itertools.groupby(sorted(rows, key=key), key=key):
        g = list(group)
        try:
            out.append(choose(g))
        except ValueError:  # no safe setting at all
            out.append(max(g, key=lambda r: (r["precision"], r["recall"])))
    return out


def _print(report: dict[str, Any]) -> None:
    print("set:", json.dumps(report["set"]))
    if "sweep_best_per_setting" in report:
        print("sweep on fit (what the choice rule picks within each shingle size / num_perm / LSH threshold):")
        print("  k  perms  lsh   C>=   precision  recall  lsh-cand-recall  candidates")
        for r in report["sweep_best_per_setting"]:
            print(f"  {r['shingle']}  {r['num_perm']:5d}  {r['lsh_threshold']:.2f}  "
                  f"{r['containment']:.2f}  {r['precision']:.3f}      {r['recall']:.3f}   "
                  f"{r['lsh_candidate_recall']:.3f}            {r['candidates']}")
        print("chosen on fit:", json.dumps(report["chosen_on_fit"]))
    print("module defaults:", json.dumps(report["defaults"]))
    for split in ("fit", "test"):
        r = report[split]
        print(f"{split}: precision {r['precision']:.3f} recall {r['recall']:.3f} ({r['true_pairs']} true pairs, "
              f"{r['predicted_pairs']} predicted); hard negatives merged {r['hard_negatives_merged']}/"
              f"{r['hard_negative_pairs']}, stories wrongly merged {r['stories_wrongly_merged']}; "
              f"{r['ms_per_article']:.2f} ms/article (p95 {r['ms_per_article_p95']:.2f}, "
              f"{r['words_per_article']} words)")
        print(f"  copy grouped with original, by edit: {json.dumps(r['copy_with_original_by_edit'])}")
    print("test pair check:", json.dumps(report["test_pair_check"]))
    print("corpus negatives:", json.dumps(report["corpus_negatives"]))


if __name__ == "__main__":
    sys.exit(main())
