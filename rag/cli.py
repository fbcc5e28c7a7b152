"""Command line: ``python -m rag ask|eval|fit|quotes|bench``.

``ask [--store DIR] [--json] QUESTION``: the answer and its sources; with ``--json`` the last line is
one JSON object ``{"answer", "refused", "mode", "citations": [...]}``.
``eval``: retrieval and refusal metrics, see :mod:`rag.eval`.
``fit``: fit the answerer's sentence and refusal models, see :mod:`rag.fit`.
``quotes``: who said what, see :mod:`rag.quote_search`.
"""

from __future__ import annotations

import argparse
import json
import sys

from rag.config import load_settings
from rag.store import StoreError


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m rag")
    sub = p.add_subparsers(dest="cmd", required=True)
    ask = sub.add_parser("ask", help="answer a question over the store")
    ask.add_argument("question")
    ask.add_argument("--store")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--k", type=int)
    ask.add_argument("--mode", choices=["extractive", "generative"])
    ask.add_argument("--history", action="append", default=[], help="previous question (repeatable)")
    ask.add_argument("--as-of", help="'today' (YYYY-MM-DD) for questions that name a time (default: today)")
    from rag import eval as rag_eval
    from rag import fit as rag_fit

    rag_eval.add_parser(sub)
    rag_fit.add_parser(sub)
    quotes = sub.add_parser("quotes", help="who said what: quotes by speaker and topic")
    quotes.add_argument("--store")
    quotes.add_argument("--speaker", help="a name as users write it ('Kim' finds 'Kim Jong Un')")
    quotes.add_argument("--about", help="rank the quotes by this topic (any language)")
    quotes.add_argument("--limit", type=int, default=20)
    quotes.add_argument("--json", action="store_true")
    sub.add_parser("bench", help="ingest/query/start-up benchmarks (see rag.bench)", add_help=False)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from rag.bench import main as bench_main

        return bench_main(argv[1:])
    args = p.parse_args(argv)
    if args.cmd == "eval":
        return rag_eval.run_cli(args)
    if args.cmd == "fit":
        return rag_fit.run_cli(args)
    try:
        if args.cmd == "quotes":
            return _quotes(args)
        return _ask(args)
    except (StoreError, ValueError) as exc:  # ValueError: settings (e.g. generative without an endpoint)
        print(json.dumps({"error": str(exc)}) if args.json else f"error: {exc}")
        return 2


def _quotes(args: argparse.Namespace) -> int:
    from rag.quote_search import find_quotes, speaker_table
    from rag.store import Store

    settings = load_settings(store=args.store)
    store = Store(settings, None, None, create=False)
    store.sync_keyword()
    rows = store.keyword.quote_rows()
    embedder = None
    if args.about:
        from rag.embeddings import make_embedder

        embedder = make_embedder(settings)
    found = find_quotes(rows, embedder, args.speaker, args.about, args.limit)
    if args.json:
        print(json.dumps({"quotes": [f.to_json() for f in found]}, ensure_ascii=False))
        return 0
    if not args.speaker and not args.about:
        for row in speaker_table(rows)[: args.limit]:
            print(f"{row['quotes']:4} quotes  {row['articles']:3} articles  {row['speaker']}")
        return 0
    for f in found:
        r = f.row
        print(f"{r['speaker']} ({r['cue']}), {r.get('source') or 'unknown outlet'}, {r.get('date') or 'undated'}:")
        print(f"    “{r['quote']}”\n    {r.get('url') or r['article_id']}  (chars {r['span'][0]}-{r['span'][1]})")
    if not found:
        print("no quotes found")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from rag.engine import Engine

    settings = load_settings(store=args.store, as_of=args.as_of)
    if (args.mode or settings.answer_mode) == "generative" and not settings.llm_base_url:
        raise ValueError("generative mode needs NEWSQA_LLM_BASE_URL (an Ollama or OpenAI-compatible endpoint); "
                         "nothing is sent to a default public endpoint")
    engine = Engine.open(settings, create=False)
    ans = engine.ask(args.question, history=args.history, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps(ans.to_json(), ensure_ascii=False))
        return 0
    print(ans.text)
    if ans.notice:
        print(f"\n({ans.notice})")
    if ans.refused and ans.closest:
        print("\nClosest articles:")
        for p in ans.closest:
            print(f"  - {p.title} ({p.source or 'unknown outlet'}, {p.date or 'undated'}) {p.url or p.article_id}")
    for c in ans.citations:
        print(f"\n[{c.n}] {c.title} — {c.source or 'unknown outlet'}, {c.date or 'undated'}")
        print(f"    {c.url or c.article_id}  (chars {c.span[0]}-{c.span[1]})")
        print(f"    “{c.quote}”")
        if c.also:
            print(f"    also reported by: {', '.join(c.also)}")
    sys.stdout.flush()
    return 0
