"""Retrieval and refusal evaluation: ``python -m rag eval --corpus C.jsonl --questions Q.jsonl``.

A retrieved chunk is a *hit* when it belongs to a relevant article and, if the question gives
``evidence``, contains it (whitespace-normalised, case-insensitive). Per mode we report hit@1/5/10,
MRR@10 and nDCG@10 over answerable questions; ``answered_when_answerable`` and
``refused_when_unanswerable`` come from the real answerer's refusal decision (hybrid retrieval).

Candidates are fetched once per question and re-ranked for each mode, so comparing modes costs one
retrieval, and the same candidates serve ``--tune`` (a grid over the fusion weights).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.config import Settings, load_settings
from rag.models import Passage
from rag.retrieve import KW_CROSS, KW_SAME, Candidates, Mode, fuse

MODES: tuple[Mode, ...] = ("hybrid", "dense", "keyword", "rrf")
_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().lower()


@dataclass
class Question:
    """One evaluation question."""

    id: str
    question: str
    relevant: list[str]
    evidence: str | None = None
    answerable: bool = True

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Question:
        """Parse a questions.jsonl row."""
        return cls(str(d["id"]), d["question"], list(d.get("relevant") or []), d.get("evidence"),
                   bool(d.get("answerable", True)))

    def is_hit(self, p: Passage) -> bool:
        """Does passage ``p`` answer this question?"""
        if p.article_id not in self.relevant:
            return False
        return not self.evidence or _norm(self.evidence) in _norm(p.text)


@dataclass
class ModeResult:
    """Ranks of the first hit per question for one mode (None = not in top k)."""

    ranks: dict[str, int | None] = field(default_factory=dict)
    dcg: dict[str, float] = field(default_factory=dict)

    def metrics(self, k: int) -> dict[str, float]:
        """hit@1/5/10, mrr@10, ndcg@10."""
        n = len(self.ranks) or 1
        ranks = list(self.ranks.values())

        def hit(c: int) -> float:
            return sum(1 for r in ranks if r is not None and r <= c) / n

        mrr = sum(1.0 / r for r in ranks if r is not None and r <= k) / n
        return {"n": len(self.ranks), "hit@1": hit(1), "hit@5": hit(5), "hit@10": hit(10), "mrr@10": mrr,
                "ndcg@10": sum(self.dcg.values()) / n}


def rank_of_hits(q: Question, ranked: list[Passage], k: int) -> tuple[int | None, float]:
    """(rank of the first hit, nDCG@k with binary gains) for one ranked list."""
    hits = [i for i, p in enumerate(ranked[:k], 1) if q.is_hit(p)]
    if not hits:
        return None, 0.0
    dcg = sum(1 / math.log2(i + 1) for i in hits)
    idcg = sum(1 / math.log2(i + 1) for i in range(1, len(hits) + 1))
    return hits[0], dcg / idcg


def evaluate(engine: Any, questions: list[Question], k: int = 10, modes: tuple[Mode, ...] = MODES,
             refusal: bool = True, keep_candidates: bool = False) -> dict[str, Any]:
    """Run every question; returns metrics per mode, refusal rates, per-question ranks."""
    results = {m: ModeResult() for m in modes}
    answered = refused = n_ans = n_unans = 0
    per_q: list[dict[str, Any]] = []
    cands: dict[str, Candidates] = {}
    latencies: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        c = engine.retriever.candidates(q.question, n=max(k, engine.settings.candidates))
        latencies.append(time.perf_counter() - t0)
        if keep_candidates:
            cands[q.id] = c
        row: dict[str, Any] = {"id": q.id, "answerable": q.answerable}
        if q.answerable:
            for m in modes:
                r, d = rank_of_hits(q, fuse(c, m, k), k)
                results[m].ranks[q.id] = r
                results[m].dcg[q.id] = d
                row[f"rank_{m}"] = r
        if refusal:
            passages = fuse(c, engine.settings.fusion, engine.settings.top_k, engine.settings.per_article_limit)
            ans = engine.extractive.answer(q.question, passages)
            row["refused"] = ans.refused
            if q.answerable:
                n_ans += 1
                answered += not ans.refused
            else:
                n_unans += 1
                refused += ans.refused
        per_q.append(row)
    out: dict[str, Any] = {"n": len(questions), "k": k, "modes": {m: results[m].metrics(k) for m in modes}}
    main = out["modes"][modes[0]]
    out.update({key: main[key] for key in ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")})
    out["answered_when_answerable"] = answered / n_ans if n_ans else None
    out["refused_when_unanswerable"] = refused / n_unans if n_unans else None
    latencies.sort()
    out["retrieval_p50_ms"] = 1000 * latencies[len(latencies) // 2] if latencies else None
    out["questions"] = per_q
    if keep_candidates:
        out["_candidates"] = cands
    return out


def tune(cands: dict[str, Candidates], questions: list[Question], k: int = 10) -> list[tuple[float, float, float]]:
    """MRR@k of the hybrid fusion over a grid of (kw_same, kw_cross) weights, best first."""
    grid = [x / 10 for x in range(11)]
    rows = []
    answerable = [q for q in questions if q.answerable]
    for same in grid:
        for cross in grid:
            mrr = 0.0
            for q in answerable:
                r, _ = rank_of_hits(q, fuse(cands[q.id], "hybrid", k, kw_same=same, kw_cross=cross), k)
                mrr += 1.0 / r if r else 0.0
            rows.append((mrr / max(1, len(answerable)), same, cross))
    return sorted(rows, reverse=True)


# --------------------------------------------------------------------------------------------
# CLI

def add_parser(sub: Any) -> None:
    """Register ``eval`` on the ``python -m rag`` parser."""
    p = sub.add_parser("eval", help="retrieval + refusal metrics on a corpus and questions")
    p.add_argument("--store", help="store to use (default: a temporary one)")
    p.add_argument("--corpus", type=Path, help="articles JSONL (ingested first)")
    p.add_argument("--questions", type=Path, help="questions JSONL")
    p.add_argument("--dataset", choices=["piaf", "crosslingual", "news"],
                   help="build a dataset from ../shared; 'news': answer-level figures on the news sets")
    p.add_argument("--split", default="test", choices=["train", "test", "all"],
                   help="with --dataset news: which split of tests/data/answers (models are fitted on train)")
    p.add_argument("--sample", type=int, help="with --dataset piaf: a fixed sample of N questions")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--modes", default=",".join(MODES), help="comma list of hybrid,dense,keyword,rrf")
    p.add_argument("--no-refusal", action="store_true", help="skip the answerer (retrieval only)")
    p.add_argument("--tune", action="store_true", help="grid-search the fusion weights")
    p.add_argument("--held-out", action="store_true",
                   help="leave out the questions fitting may use (see rag.splits)")
    p.add_argument("--json", action="store_true")


def run_cli(args: argparse.Namespace) -> int:
    """``python -m rag eval``."""
    from ingest.readers import read_path
    from rag.engine import Engine

    if args.dataset == "news":
        return _news_cli(args)
    with tempfile.TemporaryDirectory(prefix="newsqa-eval-") as tmp:
        corpus, questions_path = args.corpus, args.questions
        if args.dataset:
            from rag.datasets import build

            corpus, questions_path = build(args.dataset, Path(tmp) / "data", args.sample)
        if not questions_path:
            print("error: give --questions (and --corpus) or --dataset", flush=True)
            return 2
        settings: Settings = load_settings(store=args.store or Path(tmp) / "store")
        engine = Engine.open(settings)
        if corpus:
            report = engine.ingestor().ingest(read_path(Path(corpus), settings))
            print(f"corpus: {report.summary()}", flush=True)
        with Path(questions_path).open(encoding="utf-8") as fh:
            questions = [Question.from_json(json.loads(line)) for line in fh if line.strip()]
        if args.held_out:
            from rag.splits import fit_questions

            fitted = {q.id for q in fit_questions()}
            questions = [q for q in questions if q.id not in fitted]
        modes = tuple(m for m in args.modes.split(",") if m)
        out = evaluate(engine, questions, args.k, modes, refusal=not args.no_refusal, keep_candidates=args.tune)
        if args.tune:
            best = tune(out.pop("_candidates"), questions, args.k)
            out["tune"] = [{"mrr@10": m, "kw_same": s, "kw_cross": c} for m, s, c in best[:10]]
            out["tune_current"] = {"kw_same": KW_SAME, "kw_cross": KW_CROSS}
    _print_table(out)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    return 0


def _news_cli(args: argparse.Namespace) -> int:
    """Answer-level figures (answer_correct, answered, refused) on the news sets; see rag.answer_eval."""
    from rag.answer_eval import evaluate_answers, load_questions
    from rag.fit import open_news_engine

    with tempfile.TemporaryDirectory(prefix="newsqa-eval-") as tmp:
        engine = open_news_engine(Path(args.store) if args.store else Path(tmp))
        report = evaluate_answers(engine, load_questions(args.split))
    out = report.to_json()
    for key in ("answer_correct", "answered", "refused"):
        print(f"{key:16} {out[key]['rate']:.3f}  (n={out[key]['n']})")
    for group in ("by_type", "by_pair", "unanswerable_by_kind"):
        print(group + ": " + ", ".join(f"{k} {v['rate']:.2f} ({v['n']})" for k, v in out[group].items()))
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    return 0


def _print_table(out: dict[str, Any]) -> None:
    print(f"{'mode':8} {'n':>5} {'hit@1':>6} {'hit@5':>6} {'hit@10':>6} {'mrr@10':>6} {'ndcg@10':>7}")
    for m, r in out["modes"].items():
        print(f"{m:8} {r['n']:5d} {r['hit@1']:6.3f} {r['hit@5']:6.3f} {r['hit@10']:6.3f} {r['mrr@10']:6.3f} "
              f"{r['ndcg@10']:7.3f}")
    for key in ("answered_when_answerable", "refused_when_unanswerable"):
        if out.get(key) is not None:
            print(f"{key}: {out[key]:.3f}")
    for row in out.get("tune", [])[:5]:
        print(f"tune: mrr@10 {row['mrr@10']:.3f} kw_same {row['kw_same']} kw_cross {row['kw_cross']}")
