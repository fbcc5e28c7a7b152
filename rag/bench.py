"""Benchmarks: ``python -m rag bench [--ingest N] [--chunks N ...] [--queries N] [--json]``.

Prints a table and, with ``--json``, one JSON line. Three parts:

* **ingest**: N PIAF passages as articles through the whole pipeline (read, chunk, embed, Chroma,
  keyword index) vs the bare embedder on the very same chunk texts in the same run; the ratio says
  how much the pipeline adds on top of the physical limit (the embedder). Peak RSS is reported.
* **query**: p50/p95 latency of retrieval and of the full extractive answer over stores of 1k, 10k,
  100k chunks. The large stores are generated from real text: each chunk joins sentences of two
  random PIAF passages. Embedding 100k chunks with USE would take about half an hour on 2 cores, so
  a generated chunk's vector is the normalised mean of the real embeddings of its two source
  passages (plus a little noise): the index holds realistic, varied vectors, and what is measured is
  the search, not the embedder. Questions are real PIAF questions.
* **start-up**: a fresh ``python -m rag ask`` process: imports, model load, store open, first answer.
* **stories** (``--stories N``): the cost per article of near-duplicate detection on N real Wikinews
  articles: the MinHash signature computed at ingest, and placing the article in the story index
  (LSH query + confirmation), which the keyword index does again for every article when it rebuilds;
  next to the ingest bench's time per article when both ran.
* **nlp** (``--nlp N``): per language, on the same N Wikinews articles, the whole ingest of an article
  without NLP and what spaCy configurations cost per article: the full pipeline the quote extractor
  needs, without the parser, and NER alone (the least that gives entities at all). It is the measurement
  behind the NLP-cost limit of the README.
* **scale** (``--scale N [N ...]``): the keyword index at 100k and 1M chunks, incremental vs the previous
  design, one process and a second one in server mode (see :mod:`rag.scale_bench`).
* **catalog** (``--catalog N``): the app's corpus table over N generated articles: the one build per
  state of the store (a full metadata scan) and the per-keystroke search/sort/page, p50/p95.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings
from rag.datasets import piaf_corpus, piaf_questions
from rag.embeddings import Embedder, make_embedder
from rag.engine import Engine
from rag.models import Article, Chunk
from rag.text import split_sentences


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def bench_ingest(embedder: Embedder, n: int, tmp: Path) -> dict[str, Any]:
    """Pipeline vs bare embedder on the same N PIAF passages."""
    from ingest.chunk import chunk_text
    from ingest.readers import make_article

    settings = Settings(store=tmp / "ingest")
    rows = piaf_corpus()[:n]
    articles = [make_article(r["title"], r["text"], settings, lang="fr", explicit_id=r["id"], source=r["source"])
                for r in rows]
    texts = [f"{a.title}\n{c.text}" for a in articles
             for c in chunk_text(a.id, a.text, settings.chunk_words, settings.chunk_overlap_sentences)]
    t0 = time.perf_counter()
    embedder.embed_texts(texts)
    bare = time.perf_counter() - t0
    # The same articles without the NLP step (entities, quotes), then with it (spaCy loaded beforehand, as
    # a long-running process would have it), each into its own store.
    plain = Engine.open(settings.model_copy(update={"nlp_at_ingest": False, "store": tmp / "ingest-plain"}),
                        embedder)
    t0 = time.perf_counter()
    plain.ingestor().ingest(iter(articles))
    without_nlp = time.perf_counter() - t0
    from rag.nlp import pipeline as nlp_pipeline

    nlp_pipeline("fr")
    engine = Engine.open(settings, embedder)
    t0 = time.perf_counter()
    report = engine.ingestor().ingest(iter(articles))
    pipeline = time.perf_counter() - t0
    return {"articles": len(articles), "chunks": len(texts), "embedder_chunks_per_s": len(texts) / bare,
            "pipeline_chunks_per_s": len(texts) / pipeline, "pipeline_articles_per_s": len(articles) / pipeline,
            "ratio_to_embedder": bare / pipeline, "added": report.count("added"),
            "without_nlp_articles_per_s": len(articles) / without_nlp,
            "nlp_extra_time_per_article": pipeline / without_nlp - 1,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def bench_memory(embedder: Embedder, n: int, tmp: Path) -> dict[str, Any]:
    """Ingest N generated articles from a JSONL file (streamed); RSS at 10 %, 50 % and 100 %."""
    from ingest.readers import read_path
    from rag.datasets import write_jsonl

    passages = piaf_corpus()
    rng = random.Random(n)
    def text() -> str:
        return passages[rng.randrange(len(passages))]["text"]

    path = write_jsonl(tmp / "memory.jsonl", (
        {"id": f"mem-{i}", "title": passages[rng.randrange(len(passages))]["title"],
         "text": text() + "\n\n" + text(), "lang": "fr", "source": "generated"} for i in range(n)))
    engine = Engine.open(Settings(store=tmp / "memory"), embedder)
    marks: dict[str, float] = {}
    done = 0

    def progress(_: Any) -> None:
        nonlocal done
        done += 1
        for frac in (0.1, 0.5):
            if done == int(n * frac):
                marks[f"rss_mb_at_{int(frac * 100)}pct"] = _rss_mb()

    t0 = time.perf_counter()
    report = engine.ingestor().ingest(read_path(path, engine.settings), progress)
    marks["rss_mb_at_100pct"] = _rss_mb()
    return {"articles": report.count("added"), "chunks": engine.store.count(),
            "seconds": time.perf_counter() - t0, **marks}


def _generated_store(embedder: Embedder, n_chunks: int, tmp: Path, base_vecs: np.ndarray,
                     passages: list[dict[str, Any]], per_article: int = 5) -> Engine:
    settings = Settings(store=tmp / f"q{n_chunks}-{per_article}")
    engine = Engine.open(settings, embedder)
    rng = random.Random(n_chunks)
    sentences = [[p["text"][s:e] for s, e in split_sentences(p["text"])] or [p["text"]] for p in passages]
    noise = np.random.default_rng(n_chunks)
    batch: list[tuple[Article, list[Chunk], np.ndarray]] = []
    for a in range(n_chunks // per_article):
        chunks, vecs, parts, pos = [], [], [], 0
        for i in range(per_article):
            x, y = rng.randrange(len(passages)), rng.randrange(len(passages))
            text = " ".join(sentences[x][:2] + sentences[y][-2:])
            chunks.append(Chunk(f"gen-{a}", i, text, pos, pos + len(text)))
            parts.append(text)
            pos += len(text) + 2
            v = base_vecs[x] + base_vecs[y] + noise.normal(0, 0.02, base_vecs.shape[1])
            vecs.append(v / np.linalg.norm(v))
        article = Article(id=f"gen-{a}", title=passages[rng.randrange(len(passages))]["title"],
                          text="\n\n".join(parts), lang="fr", source=f"outlet {a % 17}",
                          date=f"2024-{1 + a % 12:02d}-{1 + a % 28:02d}")
        batch.append((article, chunks, np.asarray(vecs, dtype=np.float32)))
        if len(batch) == 200:
            engine.store.put_articles(batch)
            batch = []
    if batch:
        engine.store.put_articles(batch)
    engine.store.sync_keyword()
    return engine


def bench_query(embedder: Embedder, sizes: list[int], n_queries: int, tmp: Path) -> list[dict[str, Any]]:
    """Retrieval and answer latency percentiles at each store size."""
    passages = piaf_corpus()
    base_vecs = embedder.embed_texts([f"{p['title']}\n{p['text']}" for p in passages])
    questions = [q["question"] for q in piaf_questions(sample=n_queries, seed=5)]
    out = []
    for size in sizes:
        t0 = time.perf_counter()
        engine = _generated_store(embedder, size, tmp, base_vecs, passages)
        build = time.perf_counter() - t0
        timed = time_queries(engine, questions)
        t = time.perf_counter()
        rebuilt = engine.store.sync_keyword()
        sync_ms = 1000 * (time.perf_counter() - t)
        out.append({"chunks": engine.store.count(), "build_s": build, **timed,
                    "keyword_sync_when_unchanged_ms": sync_ms, "keyword_rebuilt_per_query": rebuilt})
    return out


def time_queries(engine: Engine, questions: list[str]) -> dict[str, Any]:
    """Retrieval and full extractive answer latency over ``questions`` (p50/p95 ms), after one warm-up."""
    engine.ask(questions[0])  # warm caches once
    retrieval, answer = [], []
    for q in questions:
        t = time.perf_counter()
        engine.retriever.retrieve(q)
        retrieval.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.ask(q)
        answer.append(time.perf_counter() - t)
    return {"queries": len(questions), "retrieval_p50_ms": 1000 * statistics.median(retrieval),
            "retrieval_p95_ms": 1000 * _pct(retrieval, 0.95), "answer_p50_ms": 1000 * statistics.median(answer),
            "answer_p95_ms": 1000 * _pct(answer, 0.95)}


def bench_stories(n: int) -> dict[str, Any]:
    """Near-duplicate detection per article, on N real Wikinews articles (each also added as an edited copy,
    so the index holds stories of two and the confirmation step runs)."""
    from rag.datasets import WIKINEWS
    from rag.stories import StoryIndex, signature

    rows = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines() if line.strip()][:n]
    texts = [r["text"] for r in rows] + [r["text"] + "\n\nThis story was republished." for r in rows]
    t0 = time.perf_counter()
    sigs = [signature(t) for t in texts]
    sig_s = time.perf_counter() - t0
    index = StoryIndex()
    t0 = time.perf_counter()
    for i, sig in enumerate(sigs):
        index.add(f"a{i}", sig)
    place_s = time.perf_counter() - t0
    grouped = sum(index.story_of(f"a{i}") == index.story_of(f"a{i + len(rows)}") for i in range(len(rows)))
    return {"articles": len(texts), "signature_ms_per_article": 1000 * sig_s / len(texts),
            "place_ms_per_article": 1000 * place_s / len(texts), "copies_grouped": grouped / max(1, len(rows))}


def bench_nlp(embedder: Embedder, n: int, tmp: Path) -> dict[str, Any]:
    """Per language, on the same N Wikinews articles: ms per article of a whole ingest without NLP, and of
    spaCy configurations (full pipeline, without the parser, NER alone)."""
    import spacy

    from ingest.readers import make_article
    from rag.datasets import WIKINEWS
    from rag.nlp import _BATCH, MODELS

    rows = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines() if line.strip()]
    configs = {"full": ["senter"], "no_parser": ["senter", "parser"],
               "ner_only": ["senter", "parser", "tagger", "morphologizer", "attribute_ruler", "lemmatizer"]}
    out: dict[str, Any] = {}
    for lang in ("fr", "en"):
        picked = [r for r in rows if r.get("lang") == lang][:n]
        settings = Settings(store=tmp / f"nlp-plain-{lang}", nlp_at_ingest=False)
        plain = Engine.open(settings, embedder)
        arts = [make_article(r["title"], r["text"], settings, lang=lang, explicit_id=r["id"], source="Wikinews")
                for r in picked]
        t0 = time.perf_counter()
        plain.ingestor().ingest(iter(arts))
        out[f"{lang}_ingest_without_nlp_ms"] = 1000 * (time.perf_counter() - t0) / len(arts)
        texts = [a.text for a in arts]
        for label, exclude in configs.items():
            nlp = spacy.load(MODELS[lang][0], exclude=exclude)
            list(nlp.pipe(texts[:4]))  # warm up
            t0 = time.perf_counter()
            list(nlp.pipe(texts, batch_size=_BATCH))
            out[f"{lang}_{label}_ms"] = 1000 * (time.perf_counter() - t0) / len(texts)
    return out


def bench_catalog(embedder: Embedder, n_articles: int, tmp: Path, n_queries: int = 200) -> dict[str, Any]:
    """The corpus table at N articles: one build per store state, then in-memory search/sort/page per keystroke."""
    from rag.catalog import SORT_KEYS

    passages = piaf_corpus()
    base_vecs = embedder.embed_texts([f"{p['title']}\n{p['text']}" for p in passages[:500]])
    engine = _generated_store(embedder, n_articles, tmp, base_vecs, passages[:500], per_article=1)
    t0 = time.perf_counter()
    catalog = engine.catalog()
    build = time.perf_counter() - t0
    rng = random.Random(7)
    words = [w for p in passages[:500] for w in p["title"].split() if len(w) > 3]
    times = []
    for i in range(n_queries):  # a keystroke: a prefix of a title word, one of the sorts, a page
        word = rng.choice(words)
        text = word[: rng.randint(1, len(word))]
        t = time.perf_counter()
        engine.catalog().query(text, SORT_KEYS[i % len(SORT_KEYS)], bool(i % 2), rng.randrange(3), 50)
        times.append(time.perf_counter() - t)
    return {"articles": len(catalog), "build_s": build, "keystroke_p50_ms": 1000 * statistics.median(times),
            "keystroke_p95_ms": 1000 * _pct(times, 0.95), "builds": engine._catalog.builds}


def startup_probe(store: str) -> None:
    """Run in a fresh process by :func:`bench_startup`: time each start-up step, print JSON."""
    # Imports (llama-index, chromadb...) happened when this module was imported: bench_startup
    # reports them as the process wall time minus the steps below.
    from rag.config import Settings as _Settings
    from rag.embeddings import make_embedder as _make
    from rag.engine import Engine as _Engine

    t0 = t1 = time.perf_counter()
    settings = _Settings(store=Path(store))
    embedder = _make(settings)
    embedder.embed_query("warm")
    t2 = time.perf_counter()
    engine = _Engine.open(settings, embedder)
    engine.store.sync_keyword()
    t3 = time.perf_counter()
    engine.ask("Qui a remporté la bataille ?")
    t4 = time.perf_counter()
    print(json.dumps({"model_load_s": t2 - t1, "store_open_s": t3 - t2,
                      "first_answer_s": t4 - t3, "total_s": t4 - t0}))


def bench_startup(store: Path) -> dict[str, Any]:
    """Fresh process to first answer, split by what it spends its time on."""
    code = f"from rag.bench import startup_probe; startup_probe({str(store)!r})"
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    data["process_wall_s"] = wall
    data["interpreter_and_imports_s"] = wall - data["total_s"]
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m rag bench``."""
    if argv and "--scale" in argv:  # the keyword-index-at-scale bench has its own options (rag.scale_bench)
        from rag.scale_bench import main as scale_main

        return scale_main(argv)
    p = argparse.ArgumentParser(prog="python -m rag bench")
    p.add_argument("--ingest", type=int, default=300, help="PIAF passages for the ingest bench (0 = skip)")
    p.add_argument("--chunks", type=int, nargs="*", default=[1000, 10000, 100000])
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--memory", type=int, default=0, help="ingest N generated articles, report RSS (0 = skip)")
    p.add_argument("--stories", type=int, default=0, help="Wikinews articles for the duplicate-detection cost")
    p.add_argument("--nlp", type=int, default=0, help="articles per language for the spaCy cost (0 = skip)")
    p.add_argument("--catalog", type=int, default=0, help="articles in the corpus-table bench (0 = skip)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    embedder = make_embedder(Settings())
    result: dict[str, Any] = {"machine": f"{__import__('os').cpu_count()} cores, python {sys.version.split()[0]}"}
    with tempfile.TemporaryDirectory(prefix="newsqa-bench-") as tmp:
        if args.ingest:
            result["ingest"] = ing = bench_ingest(embedder, args.ingest, Path(tmp))
            print(f"ingest: {ing['chunks']} chunks  embedder {ing['embedder_chunks_per_s']:.1f} chunks/s  "
                  f"pipeline {ing['pipeline_chunks_per_s']:.1f} chunks/s ({ing['pipeline_articles_per_s']:.1f} "
                  f"articles/s)  ratio {ing['ratio_to_embedder']:.2f}  without NLP "
                  f"{ing['without_nlp_articles_per_s']:.1f} articles/s (NLP adds "
                  f"{ing['nlp_extra_time_per_article']:.0%} per article)  peak RSS {ing['peak_rss_mb']:.0f} MB",
                  flush=True)
        if args.stories:
            result["stories"] = sto = bench_stories(args.stories)
            line = (f"stories: {sto['articles']} articles  signature {sto['signature_ms_per_article']:.2f} ms  "
                    f"placement {sto['place_ms_per_article']:.2f} ms per article  copies grouped "
                    f"{sto['copies_grouped']:.3f}")
            if args.ingest:
                per_article = 1000 / result["ingest"]["pipeline_articles_per_s"]
                share = (sto["signature_ms_per_article"] + sto["place_ms_per_article"]) / per_article
                result["stories"]["share_of_ingest"] = share
                line += f"  ({share:.1%} of the {per_article:.1f} ms an article takes to ingest)"
            print(line, flush=True)
        if args.nlp:
            result["nlp"] = nlp = bench_nlp(embedder, args.nlp, Path(tmp))
            for lang in ("fr", "en"):
                base = nlp[f"{lang}_ingest_without_nlp_ms"]
                print(f"nlp {lang}: ingest without NLP {base:.1f} ms/article; spaCy " + "; ".join(
                    f"{label} {nlp[f'{lang}_{label}_ms']:.1f} ms (+{nlp[f'{lang}_{label}_ms'] / base:.0%})"
                    for label in ("full", "no_parser", "ner_only")), flush=True)
        if args.catalog:
            result["catalog"] = cat = bench_catalog(embedder, args.catalog, Path(tmp))
            print(f"catalog: {cat['articles']} articles  build {cat['build_s']:.2f} s (once per store state)  "
                  f"keystroke p50 {cat['keystroke_p50_ms']:.2f} ms  p95 {cat['keystroke_p95_ms']:.2f} ms  builds "
                  f"{cat['builds']}", flush=True)
        if args.memory:
            result["memory"] = mem = bench_memory(embedder, args.memory, Path(tmp))
            print("memory: " + ", ".join(f"{k} {v:.1f}" for k, v in mem.items()), flush=True)
        if args.chunks:
            result["query"] = bench_query(embedder, args.chunks, args.queries, Path(tmp))
            print(f"{'chunks':>7} {'build s':>8} {'retr p50':>9} {'retr p95':>9} {'ans p50':>8} {'ans p95':>8}")
            for r in result["query"]:
                print(f"{r['chunks']:7d} {r['build_s']:8.1f} {r['retrieval_p50_ms']:7.1f}ms "
                      f"{r['retrieval_p95_ms']:7.1f}ms {r['answer_p50_ms']:6.1f}ms {r['answer_p95_ms']:6.1f}ms")
            result["startup"] = st = bench_startup(Path(tmp) / f"q{args.chunks[-1]}-5")
            print("start-up: " + ", ".join(f"{k} {v:.2f}" for k, v in st.items()))
    if args.json:
        print(json.dumps(result))
    return 0
