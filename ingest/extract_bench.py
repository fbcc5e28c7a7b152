"""Measure what :func:`ingest.extract.extract_html` keeps of article bodies, and what it lets in.

Two sets:

* the article-extraction benchmark beside the project (``../shared/eval/article-extraction``: 181
  English news pages with their ground-truth body, see its PROVENANCE.md), scored with the
  benchmark's own ``evaluate.py`` (loaded from that folder, not copied: token 4-gram precision,
  recall and F1 averaged per page, bootstrap standard deviations);
* our fixture pages (``tests/data/extraction``, French and English, one defect each), scored the
  same way against the body written in ``expected.json``, plus how many metadata fields are right.

Each set is also run through trafilatura's defaults and through the call ``readers.py`` made before
(precision mode), in the same process, so the figures compare like with like.

    python -m ingest.extract_bench            # table
    python -m ingest.extract_bench --json     # one JSON object
    python -m ingest.extract_bench --subset 40   # the fixed 40-page subset the tests use
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ingest.extract import ExtractionError, extract_html
from ingest.extract import _fields as trafilatura_fields
from rag.datasets import SHARED

BENCHMARK = SHARED / "eval" / "article-extraction"
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "data" / "extraction"
METADATA_FIELDS = ("title", "url", "date", "source", "author")
_BOOTSTRAP = 200  # resamples for the standard deviations (evaluate.py's default is 1000; 200 is stable to 0.001)

Extractor = Callable[[str, str | None], str]


def scorer() -> ModuleType:
    """The benchmark's own evaluate.py, imported from the shared folder."""
    spec = importlib.util.spec_from_file_location("article_extraction_evaluate", BENCHMARK / "evaluate.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no evaluate.py in {BENCHMARK}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(html: str, url: str | None) -> str:
    """extract_html's body; an empty string when it finds no article."""
    try:
        return extract_html(html, url).text
    except ExtractionError:
        return ""


def trafilatura_defaults(html: str, url: str | None) -> str:
    """trafilatura.extract with every option at its default."""
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def previous_call(html: str, url: str | None) -> str:
    """The call ingest/readers.py made before extract_html (precision mode, deduplication)."""
    import trafilatura

    doc = trafilatura_fields(trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True,
        deduplicate=True))
    return str(doc.get("text") or "")


SYSTEMS: dict[str, Extractor] = {
    "extract_html": ours, "trafilatura_defaults": trafilatura_defaults, "previous_readers_call": previous_call,
}


def benchmark_pages(subset: int | None = None) -> dict[str, dict[str, Any]]:
    """Ground truth of the benchmark pages (all, or a fixed random subset), each with its HTML."""
    truth: dict[str, dict[str, Any]] = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)
    if subset:
        ids = sorted(random.Random(0).sample(ids, subset))
    pages = {}
    for page_id in ids:
        raw = gzip.decompress((BENCHMARK / "html" / f"{page_id}.html.gz").read_bytes())
        html = raw.decode("utf-8", errors="replace")
        pages[page_id] = {**truth[page_id], "html": html, "fetched_url": truth[page_id].get("url")}
    return pages


def score(evaluate: ModuleType, pages: dict[str, dict[str, Any]], extractor: Extractor) -> dict[str, float]:
    """evaluate.py's precision/recall/F1 (with bootstrap standard deviations) of one extractor."""
    start = time.perf_counter()
    prediction = {pid: {"articleBody": extractor(p["html"], p["fetched_url"])} for pid, p in pages.items()}
    seconds = time.perf_counter() - start
    truth = {pid: {"articleBody": p["articleBody"]} for pid, p in pages.items()}
    random.seed(0)  # evaluate.py bootstraps with the global generator
    metrics = evaluate.evaluate(truth, prediction, _BOOTSTRAP)
    keys = ("f1", "precision", "recall", "f1_std", "precision_std", "recall_std")
    return {**{k: round(float(metrics[k]), 4) for k in keys}, "pages": len(pages), "seconds": round(seconds, 1)}


def fixture_pages(lang: str | None = None) -> dict[str, dict[str, Any]]:
    """Our fixture pages with their expected body (paragraphs joined) and metadata."""
    expected: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    pages = {}
    for name, spec in expected.items():
        if lang and not name.startswith(f"{lang}_"):
            continue
        pages[name] = {**spec, "articleBody": "\n\n".join(spec["body"]),
                       "html": (FIXTURES / name).read_text(encoding="utf-8")}
    return pages


def _metadata_ours(html: str, url: str | None) -> dict[str, Any]:
    found = extract_html(html, url)
    return {field: getattr(found, field) for field in METADATA_FIELDS}


def _metadata_previous(html: str, url: str | None) -> dict[str, Any]:
    """The metadata readers.py stored before: trafilatura's fields, the site name as the outlet."""
    import trafilatura

    doc = trafilatura_fields(trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_precision=True))
    if not doc:
        return {}
    return {"title": doc.get("title") or "", "url": doc.get("url") or url, "date": doc.get("date"),
            "source": doc.get("sitename") or doc.get("hostname"), "author": doc.get("author")}


MetadataReader = Callable[[str, str | None], dict[str, Any]]


def metadata_right(pages: dict[str, dict[str, Any]], reader: MetadataReader) -> dict[str, int]:
    """How many expected metadata fields a reader gets exactly right, out of how many."""
    right = total = 0
    for page in pages.values():
        found = reader(page["html"], page.get("fetched_url"))
        for field in METADATA_FIELDS:
            if field in page:
                total += 1
                right += found.get(field) == page[field]
    return {"right": right, "fields": total}


def run(subset: int | None = None, baselines: bool = True) -> dict[str, Any]:
    """Every figure of the bench, as one dictionary."""
    evaluate = scorer()
    systems = SYSTEMS if baselines else {"extract_html": ours}
    report: dict[str, Any] = {"benchmark": {}, "fixtures": {}}
    pages = benchmark_pages(subset)
    for name, extractor in systems.items():
        report["benchmark"][name] = score(evaluate, pages, extractor)
    for lang in ("fr", "en"):
        fixtures = fixture_pages(lang)
        report["fixtures"][lang] = {name: score(evaluate, fixtures, ex) for name, ex in systems.items()}
        report["fixtures"][lang]["metadata_extract_html"] = metadata_right(fixtures, _metadata_ours)
        if baselines:
            report["fixtures"][lang]["metadata_previous_readers_call"] = metadata_right(fixtures, _metadata_previous)
    return report


def _table(report: dict[str, Any]) -> str:
    lines = [f"{'set':<34} {'system':<22} {'F1':>14} {'precision':>14} {'recall':>14} {'s':>6}"]

    def row(label: str, name: str, m: dict[str, float]) -> str:
        return (f"{label:<34} {name:<22} {m['f1']:.3f} ± {m['f1_std']:.3f}  {m['precision']:.3f} ± "
                f"{m['precision_std']:.3f}  {m['recall']:.3f} ± {m['recall_std']:.3f} {m['seconds']:>6}")

    for name, m in report["benchmark"].items():
        lines.append(row(f"article-extraction ({m['pages']} pages)", name, m))
    for lang, systems in report["fixtures"].items():
        for name, m in systems.items():
            if name.startswith("metadata"):
                who = name.removeprefix("metadata_")
                lines.append(f"{f'fixtures {lang}':<34} {who:<22} metadata fields right: {m['right']}/{m['fields']}")
            else:
                lines.append(row(f"fixtures {lang} ({m['pages']} pages)", name, m))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: print the table, or one JSON object with --json."""
    parser = argparse.ArgumentParser(prog="python -m ingest.extract_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--subset", type=int, default=None, help="fixed random subset of the benchmark pages")
    parser.add_argument("--no-baselines", action="store_true", help="only extract_html, not trafilatura's defaults")
    args = parser.parse_args(argv)
    report = run(args.subset, baselines=not args.no_baselines)
    print(json.dumps(report, indent=1) if args.json else _table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
