"""Keyword index at scale (issue #14): ``python -m rag bench --scale 100000 1000000 [--keep DIR]``.

For each size, a store of that many chunks is generated from real text (PIAF passages: each chunk joins
the first two sentences of one passage and the last two of another, 5 chunks per article, 17 outlets,
dates over a year) with perturbed copies of real vectors (each chunk's vector is the normalised sum of
its two source passages' USE embeddings plus noise: embedding a million chunks would take about four
hours here, and the embedder is not what is measured). Stores are kept under ``--keep`` (default
``.cache/scale``) and reused, because writing a million chunks into Chroma takes over an hour on 2 cores;
an interrupted build resumes where it stopped. Then, in one run, side by side:

* **keyword build**: the incremental index's full build from Chroma (what a new replica or ``--repair``
  costs) and the previous design's (``rag.keyword_rebuild``, bm25s rebuilt from every chunk);
* **queries**: retrieval (hybrid) and full extractive answer p50/p95 over real PIAF questions, and a
  keyword search filtered by outlet and date inside the engine;
* **add 100**, three ways, each on the big store and on an empty one, median of 3:
  - as ``ingest`` adds them: 100 real Wikinews articles (three disjoint sets, French and English) read,
    chunked, analysed (NLP, the default; and again without it), embedded, written and applied to the
    keyword index: the cost a user waits for (median of 5, big and empty alternating);
  - the store alone: 100 generated articles (500 chunks, precomputed vectors) written by
    ``Store.put_articles`` and applied to the keyword index, split into the Chroma write and the apply;
  - Chroma alone: the same rows given to ``collection.add`` with no newsqa code around it, the floor
    for any design that keeps chunks in Chroma.
  The previous design's cost for the same write (its next search rebuilds everything) is beside them;
* **second process, server mode** (``--server``): a Chroma server on the same data; a reader process
  with its own keyword replica (seeded from a copy of the embedded one, as a new replica would be from a
  snapshot) times its catch-up after another process adds 100 articles, big store vs empty, median of 7;
* **RSS** of an app process (engine open, index loaded, 20 answers) at each size.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from rag.bench import _pct, time_queries
from rag.config import Settings
from rag.datasets import piaf_corpus, piaf_questions
from rag.embeddings import Embedder
from rag.models import Article, Chunk
from rag.text import split_sentences

PER_ARTICLE = 5
_WRITE = 200  # articles per store write (1,000 chunks), as an ingest batch of the pipeline would be
# Catch-ups timed per collection in server mode: one in several includes a tantivy segment merge (0.1 s at
# 1M chunks), so the median of 7 rather than of 3, with the slowest reported beside it.
_SERVER_RUNS = 7
# Ingest runs per store: the embedder's speed varies by about 20 % from one run to the next on 2 cores
# (two 1M runs of 3 gave x1.21 and x0.80 without NLP), so 5, alternating big and empty.
_INGEST_RUNS = 5


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Generator:
    """Deterministic generated articles: article ``a`` of prefix ``p`` is the same on every run."""

    def __init__(self, embedder: Embedder, cache: Path) -> None:
        self.passages = piaf_corpus()
        cache.mkdir(parents=True, exist_ok=True)
        path = cache / "piaf_vectors.npy"
        if path.exists():
            self.vecs = np.load(path, allow_pickle=False)
        else:
            self.vecs = embedder.embed_texts([f"{p['title']}\n{p['text']}" for p in self.passages])
            np.save(path, self.vecs, allow_pickle=False)
        self.sentences = [[p["text"][s:e] for s, e in split_sentences(p["text"])] or [p["text"]]
                          for p in self.passages]

    def article(self, prefix: str, a: int) -> tuple[Article, list[Chunk], np.ndarray]:
        rng = random.Random(f"{prefix}-{a}")
        noise = np.random.default_rng(zlib.crc32(f"{prefix}-{a}".encode()))
        chunks, vecs, parts, pos = [], [], [], 0
        n = len(self.passages)
        for i in range(PER_ARTICLE):
            x, y = rng.randrange(n), rng.randrange(n)
            text = " ".join(self.sentences[x][:2] + self.sentences[y][-2:])
            chunks.append(Chunk(f"{prefix}-{a}", i, text, pos, pos + len(text)))
            parts.append(text)
            pos += len(text) + 2
            v = self.vecs[x] + self.vecs[y] + noise.normal(0, 0.02, self.vecs.shape[1])
            vecs.append(v / np.linalg.norm(v))
        article = Article(id=f"{prefix}-{a}", title=self.passages[rng.randrange(n)]["title"], text="\n\n".join(parts),
                          lang="fr", source=f"outlet {a % 17}", date=f"2024-{1 + a % 12:02d}-{1 + a % 28:02d}")
        return article, chunks, np.asarray(vecs, dtype=np.float32)


def build(store_dir: Path, n_chunks: int, gen: Generator, embedder: Embedder, log: Any = print) -> dict[str, Any]:
    """Write (or finish writing) the generated store of ``n_chunks`` chunks; returns timing."""
    from rag.store import Store

    settings = Settings(store=store_dir, nlp_at_ingest=False)
    store = Store(settings, embedder.key, embedder.dim)
    have = store.count() // PER_ARTICLE
    want = n_chunks // PER_ARTICLE
    t0 = time.perf_counter()
    for start in range(have - have % _WRITE, want, _WRITE):
        store.put_articles([gen.article("gen", a) for a in range(start, min(start + _WRITE, want))])
        if (start // _WRITE) % 50 == 0:
            log(f"  build {store_dir.name}: {store.count()} chunks, {time.perf_counter() - t0:.0f} s", flush=True)
    return {"chunks": store.count(), "write_s": time.perf_counter() - t0, "resumed_from": have * PER_ARTICLE}


def _time_add(store: Any, gen: Generator, prefix: str, first: int) -> tuple[float, float]:
    """Write 100 articles as the pipeline does (read what is stored of them, then one versioned write), then
    apply them to this process's keyword index: (write s, keyword apply s)."""
    batch = [gen.article(prefix, a) for a in range(first, first + 100)]
    t = time.perf_counter()
    store.put_articles(batch, previous=store.existing_hashes([a.id for a, _c, _v in batch]))
    write = time.perf_counter() - t
    t = time.perf_counter()
    store.sync_keyword()
    return write, time.perf_counter() - t


def _wikinews_sets(n_sets: int = 3, size: int = 100) -> list[list[dict[str, Any]]]:
    """``n_sets`` disjoint sets of ``size`` real Wikinews articles (French and English interleaved by id)."""
    from rag.datasets import WIKINEWS

    with WIKINEWS.open(encoding="utf-8") as fh:
        rows = sorted((json.loads(line) for line in fh if line.strip()), key=lambda r: r["id"])
    return [rows[k::n_sets][:size] for k in range(n_sets)]


def _time_ingest(engine: Any, rows: list[dict[str, Any]], tag: str, nlp: bool) -> float:
    """Ingest ``rows`` as ``ingest`` does (read, clean, chunk, NLP if ``nlp``, embed, write, keyword apply)."""
    from ingest.pipeline import Ingestor
    from ingest.readers import read_jsonl_lines
    from rag.nlp import forget_parses

    settings = engine.settings.model_copy(update={"nlp_at_ingest": nlp})
    lines = [json.dumps({**r, "id": f"{r['id']}~{tag}"}).encode() for r in rows]
    forget_parses()  # the same texts were parsed for the other store: a user's new article is not cached
    t = time.perf_counter()
    report = Ingestor(settings, engine.embedder, engine.store).ingest(read_jsonl_lines(iter(lines), tag, settings))
    took = time.perf_counter() - t
    added = report.count("added")
    if added != len(rows):
        raise RuntimeError(f"ingest bench {tag}: {added} of {len(rows)} articles added ({report.summary()})")
    return took


def _raw_chroma_add(store: Any, gen: Generator, prefix: str, first: int) -> float:
    """The same 100 articles' rows (ids, vectors, documents, llama-index metadata) added by ``collection.add``
    alone, then deleted: Chroma's own cost for the write, with none of newsqa's code around it."""
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    batch = [gen.article(prefix, a) for a in range(first, first + 100)]
    nodes = [store._node(a, c, len(ch), [float(x) for x in e], 1)
             for a, ch, es in batch for c, e in zip(ch, es, strict=True)]
    rows = {"ids": [n.node_id for n in nodes], "embeddings": [n.embedding for n in nodes],
            "documents": [n.get_content() for n in nodes],
            "metadatas": [node_to_metadata_dict(n, remove_text=True, flat_metadata=True) for n in nodes]}
    t = time.perf_counter()
    store.collection.add(**rows)
    took = time.perf_counter() - t
    store.collection.delete(ids=rows["ids"])
    return took


def measure(store_dir: Path, gen: Generator, embedder: Embedder, queries: int, legacy: bool,
            time_rebuild: bool = True, log: Any = print) -> dict[str, Any]:
    """Everything but the server part, in this process, on the store at ``store_dir``."""
    from rag.engine import Engine
    from rag.keyword_rebuild import RebuildKeywordIndex

    settings = Settings(store=store_dir, nlp_at_ingest=False)
    engine = Engine.open(settings, embedder)
    store = engine.store
    out: dict[str, Any] = {"chunks": store.count()}
    t = time.perf_counter()
    store.sync_keyword()
    out["keyword_open_s"] = time.perf_counter() - t
    out["keyword_rebuilt_at_open"] = store.keyword.rebuilds
    if store.keyword.rebuilds:
        out["keyword_build_s"] = out["keyword_open_s"]
    elif time_rebuild:  # a kept store: time the full build a new replica or --repair pays
        t = time.perf_counter()
        store.keyword.rebuild(store, "benchmark")
        out["keyword_build_s"] = time.perf_counter() - t
    if "keyword_build_s" in out:
        log(f"  {store_dir.name}: keyword build {out['keyword_build_s']:.1f} s", flush=True)

    qs = [q["question"] for q in piaf_questions(sample=queries, seed=5)]
    out.update(time_queries(engine, qs))
    filtered = []
    where = {"date_from": 20240301, "date_to": 20240630, "sources": ["outlet 3", "outlet 5"]}
    for q in qs:
        t = time.perf_counter()
        store.keyword_search(q, 40, where)
        filtered.append(time.perf_counter() - t)
    out["keyword_filtered_p95_ms"] = 1000 * _pct(filtered, 0.95)
    log(f"  {store_dir.name}: retrieval p95 {out['retrieval_p95_ms']:.1f} ms, answer p95 "
        f"{out['answer_p95_ms']:.1f} ms", flush=True)

    base = 10**7 + int(time.time()) % 10**6 * 10  # fresh article ids on every run of a kept store
    rebuilds_before = store.keyword.rebuilds
    big = [_time_add(store, gen, "add", base + 100 * i) for i in range(3)]
    empty_settings = Settings(store=store_dir.parent / f"{store_dir.name}-empty", nlp_at_ingest=False)
    shutil.rmtree(empty_settings.store, ignore_errors=True)
    empty = Engine.open(empty_settings, embedder).store
    small = [_time_add(empty, gen, "add", base + 100 * i) for i in range(3)]
    for label, runs in (("big", big), ("empty", small)):
        out[f"add100_{label}_write_s"] = statistics.median(w for w, _ in runs)
        out[f"add100_{label}_keyword_s"] = statistics.median(k for _, k in runs)
        out[f"add100_{label}_s"] = statistics.median(w + k for w, k in runs)
    out.update({"add100_ratio": out["add100_big_s"] / out["add100_empty_s"],
                "add100_keyword_ratio": out["add100_big_keyword_s"] / out["add100_empty_keyword_s"],
                "add100_write_ratio": out["add100_big_write_s"] / out["add100_empty_write_s"],
                "add100_rebuilds": store.keyword.rebuilds - rebuilds_before})
    log(f"  {store_dir.name}: add 100 {out['add100_big_s']:.2f} s vs empty {out['add100_empty_s']:.2f} s "
        f"(x{out['add100_ratio']:.2f}; keyword apply x{out['add100_keyword_ratio']:.2f}, Chroma write "
        f"x{out['add100_write_ratio']:.2f})", flush=True)

    raw = {label: statistics.median(_raw_chroma_add(st, gen, "raw", base + 100 * i) for i in range(3))
           for label, st in (("big", store), ("empty", empty))}
    out.update({"raw_chroma_add_big_s": raw["big"], "raw_chroma_add_empty_s": raw["empty"],
                "raw_chroma_add_ratio": raw["big"] / raw["empty"]})
    log(f"  {store_dir.name}: Chroma alone (collection.add of the same rows) {raw['big']:.2f} s vs empty "
        f"{raw['empty']:.2f} s (x{out['raw_chroma_add_ratio']:.2f})", flush=True)

    sets = _wikinews_sets()
    empty_engine = Engine.open(empty_settings, embedder)
    _time_ingest(empty_engine, sets[0][:3], f"warm-{base}", True)  # loads the spaCy pipelines: not timed
    for nlp in (True, False):
        key = "ingest100" + ("" if nlp else "_no_nlp")
        took: dict[str, list[float]] = {"big": [], "empty": []}
        for i in range(_INGEST_RUNS):  # big and empty alternate, so a drift of the machine hits both alike
            for label, eng in (("big", engine), ("empty", empty_engine)):
                took[label].append(_time_ingest(eng, sets[i % len(sets)], f"{key}-{base}-{i}", nlp))
        for label, times in took.items():
            out[f"{key}_{label}_s"] = statistics.median(times)
            out[f"{key}_{label}_runs_s"] = times
        out[f"{key}_ratio"] = out[f"{key}_big_s"] / out[f"{key}_empty_s"]
        log(f"  {store_dir.name}: ingest of 100 Wikinews articles ({'with' if nlp else 'without'} NLP) "
            f"{out[f'{key}_big_s']:.2f} s vs empty {out[f'{key}_empty_s']:.2f} s (x{out[f'{key}_ratio']:.2f}; "
            f"runs big {', '.join(f'{x:.1f}' for x in took['big'])}, empty "
            f"{', '.join(f'{x:.1f}' for x in took['empty'])})", flush=True)

    if legacy:
        old = RebuildKeywordIndex(store_dir / "keyword-legacy")
        t = time.perf_counter()
        old.sync(store.generation(), store._pages)
        out["legacy_build_s"] = time.perf_counter() - t
        _time_add(store, gen, "legacy", base)
        t = time.perf_counter()
        old.sync(store.generation(), store._pages)
        out["legacy_add100_sync_s"] = time.perf_counter() - t
        old_empty = RebuildKeywordIndex(empty_settings.store / "keyword-legacy")
        old_empty.sync(empty.generation(), empty._pages)
        _time_add(empty, gen, "legacy", base)
        t = time.perf_counter()
        old_empty.sync(empty.generation(), empty._pages)
        out["legacy_add100_sync_empty_s"] = time.perf_counter() - t
        log(f"  {store_dir.name}: previous design build {out['legacy_build_s']:.1f} s, sync after add 100 "
            f"{out['legacy_add100_sync_s']:.2f} s (empty {out['legacy_add100_sync_empty_s']:.2f} s)", flush=True)
    out["bench_process_peak_rss_mb"] = _vm_hwm_mb()
    return out


def rss_probe(store_dir: str, n: int) -> None:
    """A fresh app-like process: open the engine, load the index, answer ``n`` questions; prints peak RSS."""
    from rag.embeddings import make_embedder
    from rag.engine import Engine

    settings = Settings(store=Path(store_dir), nlp_at_ingest=False)
    engine = Engine.open(settings, make_embedder(settings), create=False)
    t = time.perf_counter()
    engine.store.sync_keyword()
    opened = time.perf_counter() - t
    for q in piaf_questions(sample=n, seed=7):
        engine.ask(q["question"])
    print(json.dumps({"rss_mb": _vm_hwm_mb(), "keyword_load_s": opened}))


def app_rss(store_dir: Path) -> dict[str, Any]:
    """Peak RSS of a fresh app-like process on the store (see :func:`rss_probe`)."""
    proc = subprocess.run([sys.executable, "-c", f"from rag.scale_bench import rss_probe; "
                           f"rss_probe({str(store_dir)!r}, 20)"], capture_output=True, text=True, timeout=3600)
    if proc.returncode:
        return {"app_rss_error": proc.stderr[-500:]}
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"app_rss_mb": got["rss_mb"], "app_keyword_load_s": got["keyword_load_s"]}


def reader_loop(store_dir: str, host: str, port: int, collection: str) -> None:
    """A second process in server mode: on each ``sync`` line of stdin, catch up and print the seconds."""
    from rag.store import Store

    settings = Settings(store=Path(store_dir), chroma_host=host, chroma_port=port, collection=collection,
                        nlp_at_ingest=False)
    store = Store(settings, None, None, create=False)
    t = time.perf_counter()
    store.sync_keyword()
    print(json.dumps({"ready": time.perf_counter() - t, "rebuilds": store.keyword.rebuilds}), flush=True)
    for line in sys.stdin:
        if line.strip() != "sync":
            break
        t = time.perf_counter()
        store.sync_keyword()
        print(json.dumps({"sync_s": time.perf_counter() - t, "rebuilds": store.keyword.rebuilds,
                          "applied": store.keyword.applied_articles}), flush=True)


def server_part(store_dir: Path, gen: Generator, embedder: Embedder, log: Any = print) -> dict[str, Any]:
    """Second-process catch-up in server mode, big store vs empty collection, on a real Chroma server."""
    import chromadb

    from rag.chroma_server import free_port, start_chroma
    from rag.store import Store

    chromadb.api.client.SharedSystemClient.clear_system_cache()  # this process must not hold the files
    port = free_port()
    server = start_chroma(store_dir / "chroma", port, wait_s=600)  # a big store takes a while to load
    try:
        out: dict[str, Any] = {}
        for label, collection in (("big", Settings().collection), ("empty", "scale_empty")):
            reader_dir = store_dir.parent / f"{store_dir.name}-reader-{label}"
            shutil.rmtree(reader_dir, ignore_errors=True)
            key = f"127.0.0.1_{port}"
            if label == "big":  # seed the replica from a snapshot of the embedded index (same collection and log)
                shutil.copytree(store_dir / "keyword" / collection, reader_dir / "keyword" / key)
            writer_settings = Settings(store=store_dir.parent / f"{store_dir.name}-writer-{label}",
                                       chroma_host="127.0.0.1", chroma_port=port, collection=collection,
                                       nlp_at_ingest=False)
            writer = Store(writer_settings, embedder.key, embedder.dim)
            reader = subprocess.Popen([sys.executable, "-c", "from rag.scale_bench import reader_loop; "
                                       f"reader_loop({str(reader_dir)!r}, '127.0.0.1', {port}, {collection!r})"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert reader.stdin is not None and reader.stdout is not None
            ready = json.loads(reader.stdout.readline())
            syncs, writes = [], []
            base = 2 * 10**7 + int(time.time()) % 10**6 * 10
            for i in range(_SERVER_RUNS):
                batch = [gen.article("srv", a) for a in range(base + 100 * i, base + 100 * (i + 1))]
                t = time.perf_counter()
                writer.put_articles(batch)
                writes.append(time.perf_counter() - t)
                reader.stdin.write("sync\n")
                reader.stdin.flush()
                got = json.loads(reader.stdout.readline())
                syncs.append(got["sync_s"])
            reader.stdin.close()
            reader.wait(timeout=600)
            out[f"server_{label}_reader_ready_s"] = ready["ready"]
            out[f"server_{label}_reader_rebuilds"] = got["rebuilds"]
            out[f"server_{label}_write100_s"] = statistics.median(writes)
            out[f"server_{label}_reader_sync100_s"] = statistics.median(syncs)
            out[f"server_{label}_reader_sync100_max_s"] = max(syncs)
        out["server_reader_ratio"] = out["server_big_reader_sync100_s"] / out["server_empty_reader_sync100_s"]
        out["server_write_ratio"] = out["server_big_write100_s"] / out["server_empty_write100_s"]
        log(f"  server: reader catch-up after 100 articles {out['server_big_reader_sync100_s']:.2f} s vs empty "
            f"{out['server_empty_reader_sync100_s']:.2f} s (x{out['server_reader_ratio']:.2f}); write "
            f"x{out['server_write_ratio']:.2f}", flush=True)
        return out
    finally:
        server.terminate()
        server.wait(timeout=60)


def run(sizes: list[int], keep: Path, queries: int, server: bool, legacy_max: int,
        build_only: bool, rebuild_max: int = 10**9) -> list[dict[str, Any]]:
    """The whole scale bench (see the module docstring)."""
    from rag.embeddings import make_embedder

    embedder = make_embedder(Settings())
    gen = Generator(embedder, keep)
    results = []
    for n in sizes:
        store_dir = keep / f"chunks-{n}"
        built = build(store_dir, n, gen, embedder)
        print(f"{n} chunks: store {built['chunks']} chunks (wrote {built['write_s']:.0f} s)", flush=True)
        if build_only:
            results.append(built)
            continue
        row = {"size": n, **built, **measure(store_dir, gen, embedder, queries, n <= legacy_max,
                                             n <= rebuild_max)}
        row.update(app_rss(store_dir))
        if server:
            row.update(server_part(store_dir, gen, embedder))
        results.append(row)
        print(json.dumps(row), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m rag bench --scale N [N ...]`` (rag.bench forwards here)."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m rag bench --scale")
    p.add_argument("--scale", type=int, nargs="+", required=True, help="store sizes in chunks")
    p.add_argument("--keep", type=Path, default=Path(".cache/scale"), help="where generated stores are kept")
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--no-server", action="store_true", help="skip the server-mode second-process part")
    p.add_argument("--no-legacy", action="store_true", help="skip the previous design (bm25s full rebuild)")
    p.add_argument("--legacy-max", type=int, default=200_000,
                   help="largest store the previous design is measured on (its rebuild holds every chunk in memory)")
    p.add_argument("--rebuild-max", type=int, default=10**9,
                   help="on a kept store whose index exists, time a full rebuild only up to this size")
    p.add_argument("--build-only", action="store_true", help="only write (or finish) the generated stores")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    rows = run(args.scale, args.keep, args.queries, not args.no_server, 0 if args.no_legacy else args.legacy_max,
               args.build_only, args.rebuild_max)
    if args.json:
        print(json.dumps({"scale": rows}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
