"""Read a store from a fresh process, as the next user would: ``python -m tests.storeprobe STORE``.

Embedded Chroma keeps its vector index in the memory of the process that opened it, so a test that let a
child process write (and crash) must look at the result from another new process. Prints one JSON object:
the visible content hash of every article, whether the keyword index (after the sync any search does)
holds exactly the visible chunks, and the ``check`` report.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from rag.config import Settings
from rag.keyword import visible_versions
from rag.store import Store


def probe(store_dir: str) -> dict:
    """The probe's JSON object for the store at ``store_dir``."""
    store = Store(Settings(store=Path(store_dir)), None, None, create=False)
    report = store.check()
    got = store.collection.get(include=["metadatas"])
    metas = [m or {} for m in got["metadatas"]]
    visible, partial = visible_versions(metas)
    shown = {cid: m for cid, m in zip(got["ids"], metas, strict=True)
             if visible.get(str(m.get("article_id"))) == int(m.get("version") or 0)}
    store.sync_keyword()
    return {
        "visible": {str(m["article_id"]): m["content_hash"] for m in shown.values()},
        "keyword_matches": sorted(store.keyword.ids()) == sorted(shown),
        "partial": sorted(partial),
        "check": {**asdict(report), "ok": report.ok},
    }


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])))
