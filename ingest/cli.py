"""Command line: ``python -m ingest [--store DIR] [--json] PATH_OR_URL...``.

Also ``--list``, ``--show ID``, ``--export FILE``, ``--delete ID``, ``--check`` and ``--repair``; feeds with
``--feed URL`` (subscribe and ingest), ``--refresh`` (poll every subscription once), ``--feeds`` and
``--unfeed URL`` (see :mod:`ingest.feeds`). With
``--json`` the last line printed is one JSON object (see the README). Exit status: 0 when everything
succeeded, 1 when any input failed, 2 for usage or store errors.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from ingest.pipeline import Ingestor, ItemResult
from ingest.readers import Item, read_input
from rag.config import Settings, load_settings
from rag.models import Article
from rag.store import Store, StoreError, store_exists


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the README's examples)."""
    p = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.split("\n")[0])
    p.add_argument("inputs", nargs="*", metavar="PATH_OR_URL", help=".txt/.md/.html/.jsonl files, dirs, URLs")
    p.add_argument("--store", help="data directory (default: $NEWSQA_STORE or ./data)")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--list", action="store_true", help="list the articles in the store")
    p.add_argument("--delete", metavar="ID", action="append", default=[], help="delete an article by id")
    p.add_argument("--show", metavar="ID", help="print one stored article: metadata and its cleaned text")
    p.add_argument("--export", metavar="FILE.jsonl",
                   help="write every stored article as ingest JSONL (re-ingesting it reproduces the corpus)")
    p.add_argument("--check", action="store_true", help="verify Chroma and the keyword index agree")
    p.add_argument("--repair", action="store_true", help="remove partial articles, rebuild keyword index")
    p.add_argument("--feed", metavar="URL", action="append", default=[],
                   help="subscribe to an RSS/Atom/JSON feed (or the feed a home page announces) and ingest it")
    p.add_argument("--refresh", action="store_true", help="poll every feed subscription once (for cron)")
    p.add_argument("--feeds", action="store_true", help="list feed subscriptions: last poll, status, counts")
    p.add_argument("--unfeed", metavar="URL", action="append", default=[],
                   help="remove a feed subscription (its articles stay)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--progress-lines", action="store_true",
                   help="print one line per finished article to stderr (for logs and supervisors)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    settings = load_settings(store=args.store)
    try:
        if args.list:
            return _list(settings, args.json)
        if args.delete:
            return _delete(settings, args.delete, args.json)
        if args.show:
            return _show(settings, args.show, args.json)
        if args.export:
            return _export(settings, args.export, args.json)
        if args.check or args.repair:
            return _check(settings, args.repair, args.json)
        if args.feeds:
            return _feeds(settings, args.json)
        if args.unfeed:
            return _unfeed(settings, args.unfeed, args.json)
        if args.feed or args.refresh:
            return _poll_feeds(settings, args.feed, args.json, args.quiet, args.progress_lines)
        if not args.inputs:
            build_parser().error("give at least one PATH_OR_URL (or --list / --delete / --check / --feed / --refresh)")
        return _ingest(settings, args.inputs, args.json, args.quiet, args.progress_lines)
    except StoreError as exc:
        _emit({"error": str(exc)}, args.json, f"error: {exc}")
        return 2


def _emit(obj: dict, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(obj, ensure_ascii=False))
    else:
        print(text)


def _items(settings: Settings, inputs: list[str]) -> Iterator[Item]:
    for spec in inputs:
        yield from read_input(spec, settings)


def _progress(desc: str, unit: str, as_json: bool, quiet: bool,
              lines: bool) -> tuple[tqdm, Callable[[ItemResult], None]]:
    """A progress bar on stderr and the per-item callback that feeds it; with ``lines`` each item also prints
    ``progress N STATUS ID`` (what the crash tests wait for), and failures are reported as they happen."""
    bar = tqdm(desc=desc, unit=unit, disable=quiet or not sys.stderr.isatty(), file=sys.stderr)
    done = 0

    def progress(result: ItemResult) -> None:
        nonlocal done
        done += 1
        if lines:
            print(f"progress {done} {result.status} {result.id}", file=sys.stderr, flush=True)
        bar.update(1)
        bar.set_postfix_str(result.status)
        if result.status == "failed" and not as_json:
            tqdm.write(f"failed: {result.id}: {result.reason}", file=sys.stderr)

    return bar, progress


def _ingest(settings: Settings, inputs: list[str], as_json: bool, quiet: bool, lines: bool = False) -> int:
    from rag.embeddings import make_embedder

    embedder = make_embedder(settings)
    store = Store(settings, embedder.key, embedder.dim)
    bar, progress = _progress("ingest", "article", as_json, quiet, lines)

    report = Ingestor(settings, embedder, store).ingest(_items(settings, inputs), progress)
    bar.close()
    if not as_json:
        for r in itertools.islice(report.results, 200):
            line = f"{r.status:9} {r.title[:70]!s:70} {r.id}"
            print(line + (f"  -- {r.reason}" if r.reason else ""))
    _emit(report.to_json(), as_json, f"{report.summary()} (store: {store.where}, {store.count()} chunks)")
    return 0 if report.ok else 1


def _list(settings: Settings, as_json: bool) -> int:
    store = Store(settings, None, None, create=False)
    rows = store.list_articles()
    store.sync_keyword()
    people = store.keyword.people_of()
    if as_json:
        print(json.dumps({"articles": [{"id": r.id, "title": r.title, "source": r.source, "date": r.date,
                                        "lang": r.lang, "chunks": r.chunks, "people": list(people.get(r.id, ())),
                                        "story": store.keyword.story_of(r.id)}
                                       for r in rows]}, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r.date or '----------':10}  {r.lang:3} {r.chunks:3}  {r.title[:60]:60}  {r.id}")
    print(f"{len(rows)} articles")
    return 0


def _record(article: Article) -> dict[str, object]:
    """An article as one ingest JSONL record (explicit id, so re-ingesting keeps every id)."""
    return {"id": article.id, "title": article.title, "text": article.text, "url": article.url,
            "date": article.date, "source": article.source, "lang": article.lang, "author": article.author}


def _show(settings: Settings, article_id: str, as_json: bool) -> int:
    article = Store(settings, None, None, create=False).get_article(article_id)
    if article is None:
        _emit({"error": f"not found: {article_id}"}, as_json, f"not found: {article_id}")
        return 1
    rec = _record(article)
    text = "\n".join(f"{k}: {v}" for k, v in rec.items() if k != "text" and v) + "\n\n" + article.text
    _emit(rec, as_json, text)
    return 0


def _export(settings: Settings, target: str, as_json: bool) -> int:
    store = Store(settings, None, None, create=False)
    path = Path(target)
    tmp = path.with_name(path.name + ".part")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:  # written aside, then renamed: no half file under the name
        for article in store.iter_articles():
            fh.write(json.dumps(_record(article), ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    _emit({"exported": n, "file": str(path)}, as_json, f"exported {n} articles to {path}")
    return 0


def _delete(settings: Settings, ids: list[str], as_json: bool) -> int:
    store = Store(settings, None, None, create=False)
    removed = {aid: store.delete_article(aid) for aid in ids}
    store.sync_keyword()
    missing = [aid for aid, n in removed.items() if n == 0]
    text = "\n".join(f"deleted {aid} ({n} chunks)" if n else f"not found: {aid}" for aid, n in removed.items())
    _emit({"deleted": [a for a, n in removed.items() if n], "not_found": missing}, as_json, text)
    return 1 if missing else 0


def _check(settings: Settings, repair: bool, as_json: bool) -> int:
    store = Store(settings, None, None, create=False)
    report = store.repair() if repair else store.check()
    obj = {"ok": report.ok, "articles": report.articles, "chunks": report.chunks,
           "partial_articles": report.partial_articles, "keyword_missing": report.keyword_missing,
           "keyword_orphans": report.keyword_orphans, "keyword_stale": report.keyword_stale,
           "stale_versions": report.stale_versions}
    text = (f"{'consistent' if report.ok else 'INCONSISTENT'}: {report.articles} articles, {report.chunks} "
            f"chunks; partial articles {len(report.partial_articles)}, keyword index missing "
            f"{report.keyword_missing}, orphans {report.keyword_orphans}; older versions left by a crash "
            f"{report.stale_versions}"
            + ("; keyword index will rebuild on next search" if report.keyword_stale else ""))
    _emit(obj, as_json, text)
    return 0 if report.ok else 1


def _poll_feeds(settings: Settings, urls: list[str], as_json: bool, quiet: bool, lines: bool) -> int:
    """``--feed URL...`` subscribes (and ingests); without URLs (``--refresh``) every subscription is polled."""
    from ingest.feeds import FeedRegistry, PollResult, refresh, subscribe
    from rag.embeddings import make_embedder

    embedder = make_embedder(settings)
    store = Store(settings, embedder.key, embedder.dim)
    ingestor = Ingestor(settings, embedder, store)
    registry = FeedRegistry(settings, store.client)
    bar, progress = _progress("feeds", "entry", as_json, quiet, lines)

    def show(r: PollResult) -> None:
        if not as_json:
            tqdm.write(f"{r.feed.status:14} {r.feed.title[:50]!s:50} {r.feed.url}  -- {r.feed.message}")

    if urls:
        results = []
        for url in urls:
            results.append(subscribe(url, ingestor, registry, progress))
            show(results[-1])
    else:
        results = refresh(ingestor, registry, progress, on_feed=show)
    bar.close()
    totals = {k: sum(r.report.count(k) for r in results) for k in ("added", "updated", "unchanged", "failed")}
    _emit({"feeds": [r.to_json() for r in results], **totals}, as_json,
          f"{len(results)} feeds polled: added {totals['added']}, updated {totals['updated']}, "
          f"failed {totals['failed']}, feeds in error {sum(r.feed.status == 'error' for r in results)}")
    return 0 if all(r.ok for r in results) else 1


def _feeds(settings: Settings, as_json: bool) -> int:
    from ingest.feeds import FeedRegistry

    if not store_exists(settings):
        raise StoreError(f"no store at {Store.where_for(settings)}: check --store / NEWSQA_STORE")
    subs = FeedRegistry(settings).all()
    if as_json:
        print(json.dumps({"feeds": [s.to_json() for s in subs]}, ensure_ascii=False))
        return 0
    for s in subs:
        print(f"{s.last_poll[:16] or 'never':16}  {s.status:14} {s.articles:5} articles  {s.entries:4} listed  "
              f"{s.title[:40]!s:40}  {s.url}" + (f"  -- {s.message}" if s.message else ""))
    print(f"{len(subs)} feeds")
    return 0


def _unfeed(settings: Settings, urls: list[str], as_json: bool) -> int:
    from ingest.feeds import FeedRegistry

    if not store_exists(settings):
        raise StoreError(f"no store at {Store.where_for(settings)}: check --store / NEWSQA_STORE")
    registry = FeedRegistry(settings)
    removed = {url: registry.remove(url) for url in urls}
    missing = [u for u, ok in removed.items() if not ok]
    text = "\n".join(f"removed {u} (its articles stay)" if ok else f"not subscribed: {u}" for u, ok in removed.items())
    _emit({"removed": [u for u, ok in removed.items() if ok], "not_found": missing}, as_json, text)
    return 1 if missing else 0
