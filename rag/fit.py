"""``python -m rag fit``: fit the answerer's sentence model and refusal model; write ``rag/data/answerer.json``.

Deterministic: fixed splits, fixed negative generation, scikit-learn's lbfgs logistic regression. Data:

* **store**: the news corpus (393 Wikinews articles + the seed article, see :mod:`rag.answer_eval`),
  ingested once into ``--work`` (reused when present);
* **sentence model**: every candidate sentence of the answerable *train* questions of
  ``tests/data/answers`` (label: the sentence contains the question's evidence string) and of 400 PIAF
  questions against their gold paragraph; a pairwise logistic regression (answer sentence vs each other
  sentence of the same question) then Platt-scaled to a probability (:func:`fit_sentence_model`; chosen
  over pointwise logistic regression and gradient boosting by cross-validated top-1 on the train
  questions, ``rag fit --ceiling``);
* **refusal model**: the train questions again, answerable ones as positives, and as negatives: the
  unanswerable train questions; variants of the answerable train questions with the year, person or
  place swapped for one the relevant article does not hold (the "right topic, wrong year" mistakes users
  make); French PIAF questions and our English PIAF questions, asked of the news corpus (questions about
  other documents). Its threshold is the highest that keeps ``ANSWERED_TARGET`` of the answerable train
  questions answered. (Tried this round and left out: the same PIAF questions asked of *their own* corpus
  as positives. PIAF answered rose from 0.79 to 0.94, but the refusal then leaned less on how far a question
  is from the corpus, and off-topic questions, a child's paracetamol dose over news, were answered.)

Figures on the held-out *test* questions are computed with the fitted models and written beside the
weights, so the file says how it was made and how well it does on data it never saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer_eval import SEED_KEY, evaluate_answers, load_questions, norm, write_news_corpus
from rag.config import Settings
from rag.datasets import DATA, PIAF
from rag.select import FEATURES, MODEL_PATH, QFEATURES, admissible, candidates, load_models, question_features

ANSWERED_TARGET = 0.92  # keep this share of answerable train questions answered (the goal is >= 0.90 on test)
C = 1.0  # scikit-learn's default regularisation; features are on comparable [0, 1] scales
FOLDS = 5  # cross-validation folds of `--ceiling` (every FOLDS-th train question)
HARD_WEIGHT = 3.0  # about the ratio of easy (other-corpus) to hard negatives in the training set (232 / 70)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def open_news_engine(work: Path) -> Any:
    """An engine over the news corpus in ``work/news-store`` (ingested on first use)."""
    from ingest.readers import read_path
    from rag.engine import Engine

    settings = Settings(store=work / "news-store")
    fresh = not (settings.store / "chroma").exists()
    engine = Engine.open(settings)
    if fresh:
        corpus = write_news_corpus(work / "news.jsonl")
        report = engine.ingestor().ingest(read_path(corpus, settings))
        if not report.ok:
            raise RuntimeError(f"news corpus ingest failed: {report.summary()}")
    return engine


def swapped_variants(answerable: list[dict[str, Any]], texts: dict[str, str]) -> list[dict[str, Any]]:
    """Unanswerable variants: the question's year, person or place replaced by one its article lacks."""
    from rag.question import analyse_question

    pools: dict[str, list[str]] = {"PERSON": [], "PLACE": []}
    infos = {}
    for q in answerable:
        info = analyse_question(q["question"], q["lang"])
        infos[q["id"]] = info
        for m in info.entities:
            if m.label in pools and m.text not in pools[m.label]:
                pools[m.label].append(m.text)
    out = []
    for q in answerable:
        info = infos[q["id"]]
        body = " ".join(texts.get(a, "") for a in q["relevant"]).casefold()
        rng = random.Random(_h(q["id"]))
        for year in info.years:
            for delta in rng.sample([-9, -7, -5, -4, -3, 3, 4, 5, 7, 9], 10):
                new = str(int(year) + delta)
                if new not in body:
                    out.append({**q, "id": q["id"] + "-year", "question": q["question"].replace(year, new, 1),
                                "answerable": False, "kind": "swapped_year"})
                    break
        for m in info.entities:
            if m.label not in pools:
                continue
            options = [x for x in pools[m.label] if x.casefold() not in body and x != m.text]
            if options:
                other = options[rng.randrange(len(options))]
                out.append({**q, "id": q["id"] + f"-{m.label.lower()}",
                            "question": q["question"].replace(m.text, other, 1), "answerable": False,
                            "kind": f"swapped_{m.label.lower()}"})
                break
    return out


def foreign_questions() -> list[dict[str, Any]]:
    """Questions about other documents, off-corpus here: the fit side of the retrieval sets (rag.splits:
    200 PIAF questions, and the even half of the cross-lingual set's English PIAF questions)."""
    from rag.splits import crosslingual_split, piaf_fit

    out = [{"id": f"piaf-{q.id}", "question": q.question, "lang": "fr", "answerable": False,
            "kind": "other_corpus"} for q in piaf_fit()]
    out += [{"id": f"x-{q.id}", "question": q.question, "lang": "en", "answerable": False, "kind": "other_corpus"}
            for q in crosslingual_split()[0] if q.relevant and q.relevant[0].startswith("a")]
    return out


def collect(engine: Any, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Retrieve and describe every question's candidate sentences (as :meth:`Engine.ask` would)."""
    out = []
    for q in questions:
        _resolved, info, passages = engine.prepare(q["question"])
        qv = engine.embedder.embed_query(_resolved)
        cands = candidates(info, passages, qv, engine.embedder.embed_texts, engine.store.keyword.has_term)
        labels = []
        if q.get("answerable", True):
            ev = norm(q["evidence"])
            labels = [ev in norm(passages[c.passage_rank].text[c.start:c.end]) for c in cands]
        out.append({"q": q, "info": info, "passages": passages, "cands": cands, "labels": labels})
    return out


def piaf_sentence_rows(embedder: Any, n: int = 400) -> list[dict[str, Any]]:
    """Sentence-level training rows from PIAF: each question against its gold paragraph (label: the
    sentence holding the answer start). Questions of the PIAF retrieval sample (seed 13) are excluded,
    so the retrieval figures stay on questions no model was fitted on."""
    from rag.models import Passage
    from rag.nlp import analyse
    from rag.question import analyse_question
    from rag.splits import held_out_questions

    held = {q.id for q in held_out_questions()} | {
        json.loads(x)["piaf_question"] for x in (DATA / "en_questions_piaf.jsonl").read_text().splitlines() if x}
    passages = {json.loads(x)["id"]: json.loads(x) for x in
                (PIAF / "passages.jsonl").read_text(encoding="utf-8").splitlines() if x}
    pool = [json.loads(x) for x in (PIAF / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x]
    pool = [q for q in pool if q["id"] not in held and q.get("answer_starts")]
    out = []
    for q in random.Random(29).sample(pool, n):
        doc = passages[q["gold_passage_id"]]
        an = analyse(doc["text"], "fr")
        p = Passage(chunk_id=doc["id"], article_id=doc["id"], text=doc["text"], title=doc["title"], source=None,
                    url=None, date=None, lang="fr", start=0, end=len(doc["text"]), score=1.0, dense=None,
                    ents=tuple((m.label, m.start, m.end, m.canonical) for m in an.mentions), people=an.people)
        info = analyse_question(q["question"], "fr")
        cands = candidates(info, [p], embedder.embed_query(q["question"]), embedder.embed_texts)
        at = q["answer_starts"][0]
        out.append({"q": q, "info": info, "passages": [p], "cands": cands,
                    "labels": [c.start <= at < c.end for c in cands]})
    return out


def second_sentence_ratio(rows: list[dict[str, Any]], w: np.ndarray, b: float) -> float:
    """The ratio of the best sentence's probability above which the second best is quoted too.

    Chosen on the training rows from a grid: the largest ratio (fewest extra sentences) whose share of
    answers quoting the evidence is within 0.01 of the best ratio's.
    """
    grid = [1.01, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.0]
    score = {}
    for ratio in grid:
        good = 0
        for r in rows:
            if not r["cands"]:
                continue
            probs = 1 / (1 + np.exp(-(np.array([c.x for c in r["cands"]]) @ w + b)))
            order = np.argsort(-probs)
            picked = [order[0]] + ([order[1]] if len(order) > 1 and probs[order[1]] >= ratio * probs[order[0]]
                                   else [])
            good += any(r["labels"][i] for i in picked)
        score[ratio] = good / max(1, len(rows))
    best = max(score.values())
    return max(r for r, v in score.items() if v >= best - 0.01)


def _sentence_xy(rows: list[dict[str, Any]], piaf_rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of the sentence model's training rows (news train questions, then PIAF)."""
    x = np.array([c.x for r in rows + piaf_rows for c in r["cands"]])
    y = np.array([lab for r in rows + piaf_rows for lab in r["labels"]], dtype=int)
    return x, y


def _pairs(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Within each question, (answer sentence - other sentence) difference vectors, both ways round: the
    ranking the answerer needs (which sentence of these holds the answer), not a global probability."""
    diffs: list[np.ndarray] = []
    signs: list[int] = []
    for r in rows:
        if not r["cands"]:
            continue
        x = np.array([c.x for c in r["cands"]])
        lab = np.array(r["labels"], dtype=bool)
        for i in np.flatnonzero(lab & admissible(r["cands"])):
            for j in np.flatnonzero(~lab):
                diffs += [x[i] - x[j], x[j] - x[i]]
                signs += [1, 0]
    return np.array(diffs), np.array(signs)


def fit_sentence_model(rows: list[dict[str, Any]]) -> tuple[np.ndarray, float]:
    """Pairwise logistic regression (a linear ranker), then Platt scaling of its score on the same sentences
    so the output is a probability again: still ``sigmoid(w . x + b)``, the format of rag/data/answerer.json.

    Chosen over the pointwise logistic regression by cross-validated top-1 on the train questions
    (``rag fit --ceiling``: 0.437 against 0.414, gradient boosting 0.380). After the dateline fix of
    :mod:`rag.select` ("how many" numbers read without dates) the two logistic models tie on that measure
    (0.437 / 0.438); the pairwise one was kept, it also ranks the answer in the top 3 more often.
    """
    from sklearn.linear_model import LogisticRegression

    diffs, signs = _pairs(rows)
    w = LogisticRegression(C=C, fit_intercept=False, max_iter=5000).fit(diffs, signs).coef_[0]
    x = np.array([c.x for r in rows for c in r["cands"]])
    y = np.array([lab for r in rows for lab in r["labels"]], dtype=int)
    platt = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit((x @ w)[:, None], y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return (a * w).astype(float), b


def _fit_lr(x: np.ndarray, y: np.ndarray, balanced: bool,
            weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, class_weight="balanced" if balanced else None, max_iter=2000)
    model.fit(x, y, sample_weight=weight)
    return model.coef_[0].astype(float), float(model.intercept_[0])


def fit(work: Path, write: bool = True) -> dict[str, Any]:
    """Fit both models on the train split; evaluate on the test split; return (and write) the result."""
    t0 = time.perf_counter()
    engine = open_news_engine(work)
    texts = {a.id: a.text for a in engine.store.iter_articles()}
    train = load_questions("train")
    answerable = [q for q in train if q.get("answerable", True)]
    negatives = ([q for q in train if not q.get("answerable", True)] + swapped_variants(answerable, texts)
                 + foreign_questions())
    rows = collect(engine, answerable)
    piaf_rows = piaf_sentence_rows(engine.embedder)
    _x, y = _sentence_xy(rows, piaf_rows)
    s_w, s_b = fit_sentence_model(rows + piaf_rows)
    sentence = {"features": list(FEATURES), "weights": s_w.tolist(), "intercept": s_b, "kind": "pairwise+platt",
                "second_sentence_ratio": second_sentence_ratio(rows, s_w, s_b)}

    neg_rows = collect(engine, negatives)

    def qx(r: dict[str, Any]) -> np.ndarray:
        probs = 1 / (1 + np.exp(-(np.array([c.x for c in r["cands"]]) @ s_w + s_b))) if r["cands"] else np.zeros(0)
        probs = np.where(admissible(r["cands"]), probs, 0.0) if r["cands"] else probs
        return question_features(r["info"], probs, r["cands"], r["passages"], engine.store.keyword.has_term)

    qxs = np.array([qx(r) for r in rows + neg_rows])
    qy = np.array([1] * len(rows) + [0] * len(neg_rows))
    # Hard negatives (right topic, wrong year/person/place/event) weigh HARD_WEIGHT times a question about
    # another corpus: they are the mistakes users make and are outnumbered by the easy ones.
    hard = np.array([0] * len(rows) + [r["q"].get("kind", "") != "other_corpus" for r in neg_rows], dtype=bool)
    r_w, r_b = _fit_lr(qxs, qy, balanced=True, weight=np.where(hard, HARD_WEIGHT, 1.0))
    scores = 1 / (1 + np.exp(-(qxs @ r_w + r_b)))
    pos = np.sort(scores[qy == 1])
    threshold = float(pos[int(np.floor((1 - ANSWERED_TARGET) * len(pos)))]) - 1e-9
    refusal = {"features": list(QFEATURES), "weights": r_w.tolist(), "intercept": r_b, "threshold": threshold}
    result: dict[str, Any] = {
        "made_by": "python -m rag fit",
        "train": {"answerable": len(rows), "piaf_sentence_questions": len(piaf_rows), "negatives": len(neg_rows),
                  "sentences": len(y),
                  "positive_sentences": int(y.sum()),
                  "negative_kinds": _count(q.get("kind", "?") for q in negatives),
                  "refused_train_negatives": float((scores[qy == 0] < threshold).mean()),
                  "answered_train": float((scores[qy == 1] >= threshold).mean())},
        "sentence": sentence, "refusal": refusal,
    }
    path = MODEL_PATH if write else work / "answerer.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    load_models.cache_clear()
    engine.extractive.model_path = path  # the held-out figures are those of the models just written
    report = evaluate_answers(engine, load_questions("test"))
    result["test"] = report.to_json()
    result["seconds"] = round(time.perf_counter() - t0, 1)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    load_models.cache_clear()
    return result


def ceiling(work: Path) -> dict[str, Any]:
    """How far sentence selection can go with the features and model classes available here.

    On the answerable questions: the share whose retrieved candidates hold the evidence at all (an upper
    bound for any selector), then the share whose top-1 / top-3 sentences hold it for several model classes
    over the same features: pointwise logistic regression, pairwise (ranking) logistic regression (shipped)
    and gradient-boosted trees; cross-validated on the train split (FOLDS folds) and fitted on train, scored on
    test. The measurement behind the README's statement on issue #12's 0.90 target.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    engine = open_news_engine(work)
    split_rows = {split: collect(engine, [q for q in load_questions(split) if q.get("answerable", True)])
                  for split in ("train", "test")}
    piaf_rows = piaf_sentence_rows(engine.embedder)

    def pointwise(rows: list[dict[str, Any]]) -> Any:
        x, y = _sentence_xy(rows, piaf_rows)
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(x, y)
        return model.decision_function

    def pairwise(rows: list[dict[str, Any]]) -> Any:
        w, b = fit_sentence_model(rows + piaf_rows)
        return lambda x: x @ w + b

    def trees(rows: list[dict[str, Any]]) -> Any:
        x, y = _sentence_xy(rows, piaf_rows)
        model = HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.05, random_state=0,
                                               class_weight="balanced").fit(x, y)
        return model.decision_function

    def hits(score: Any, rows: list[dict[str, Any]], k: int) -> float:
        good = 0
        for r in rows:
            if r["cands"]:
                s = np.where(admissible(r["cands"]), score(np.array([c.x for c in r["cands"]])), -np.inf)
                good += any(r["labels"][int(i)] for i in np.argsort(-s)[:k])
        return good / max(1, len(rows))

    out: dict[str, Any] = {"evidence_in_candidates": {
        split: sum(any(r["labels"]) for r in rows) / max(1, len(rows)) for split, rows in split_rows.items()}}
    train = split_rows["train"]
    folds = [train[i::FOLDS] for i in range(FOLDS)]
    models = (("pointwise logistic", pointwise), ("pairwise logistic (shipped)", pairwise),
              ("gradient boosting", trees))
    for name, make in models:
        cv = [make([r for j, f in enumerate(folds) if j != k for r in f]) for k in range(FOLDS)]
        final = make(train)
        out[name] = {"cv_top1": float(np.mean([hits(cv[k], folds[k], 1) for k in range(FOLDS)])),
                     "test_top1": hits(final, split_rows["test"], 1), "test_top3": hits(final, split_rows["test"], 3)}
    return out


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in items:
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items()))


def add_parser(sub: Any) -> None:
    """``rag fit`` arguments."""
    p = sub.add_parser("fit", help="fit the answerer's sentence and refusal models (rag/data/answerer.json)")
    p.add_argument("--work", default=".cache/fit", help="working directory (the news store is kept there)")
    p.add_argument("--dry-run", action="store_true", help="write into --work instead of rag/data")
    p.add_argument("--ceiling", action="store_true",
                   help="measure how far sentence selection goes with other model classes (writes nothing)")


def run_cli(args: argparse.Namespace) -> int:
    """Run the fit and print the summary (or, with --ceiling, the selection ceiling)."""
    if args.ceiling:
        print(json.dumps(ceiling(Path(args.work)), indent=1))
        return 0
    result = fit(Path(args.work), write=not args.dry_run)
    print(json.dumps({k: result[k] for k in ("train", "test", "seconds")}, indent=1))
    return 0


__all__ = ["SEED_KEY", "fit"]
