"""Command line: ``python -m rag ask|eval|bench|dataset``.

``ask [--store DIR] [--json] QUESTION``: the answer and its sources; with ``--json`` the last line is
one JSON object ``{"answer", "refused", "mode", "citations": [...]}``.
``eval``: retrieval and refusal metrics, see :mod:`rag.eval`.
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
    from rag import eval as rag_eval

    rag_eval.add_parser(sub)
    sub.add_parser("bench", help="ingest/query/start-up benchmarks (see rag.bench)", add_help=False)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from rag.bench import main as bench_main

        return bench_main(argv[1:])
    args = p.parse_args(argv)
    if args.cmd == "eval":
        return rag_eval.run_cli(args)
    try:
        return _ask(args)
    except StoreError as exc:
        print(json.dumps({"error": str(exc)}) if args.json else f"error: {exc}")
        return 2


def _ask(args: argparse.Namespace) -> int:
    from rag.engine import Engine

    settings = load_settings(store=args.store)
    engine = Engine.open(settings)
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
    sys.stdout.flush()
    return 0
