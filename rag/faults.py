"""Deterministic fault injection: named crash points in the write path.

The write path calls :func:`crash_point` at the moments where a crash would be most harmful (after the
new chunks of a batch are written but before the old ones are deleted, before the change token is
bumped, in the middle of saving the keyword index...). When ``NEWSQA_CRASH_AT`` names that point, the
process kills itself with SIGKILL, exactly as a power cut or the OOM killer would: no ``finally``, no
atexit, no flush. ``POINT:N`` crashes the Nth time the point is reached, so a test can crash in the
middle of a multi-batch ingest instead of guessing a moment with a sleep.

The points (see RELIABILITY.md):

``before_add``      the change token is bumped, nothing of the batch written yet
``after_add``       the batch's new chunk versions are in Chroma, the old versions not yet deleted
``after_delete``    old versions deleted, the closing change token not yet written
``after_bump``      the batch is fully written, the keyword index not yet synced or saved
``keyword_save``    the keyword index has re-read the logged articles, its commit (with the new log position) not made
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

POINTS = ("before_add", "after_add", "after_delete", "after_bump", "keyword_save")
_reached: Counter[str] = Counter()
_lock = threading.Lock()


def parse(spec: str | None) -> tuple[str, int] | None:
    """``"after_add:2"`` -> ``("after_add", 2)``; ``None`` when unset. Unknown points are an error."""
    if not spec:
        return None
    name, _, nth = spec.partition(":")
    if name not in POINTS:
        raise ValueError(f"unknown crash point {name!r}; known: {', '.join(POINTS)}")
    return name, int(nth or 1)


def crash_point(name: str, spec: str | None) -> None:
    """SIGKILL this process if ``spec`` (``Settings.crash_at``) names ``name`` and its count is reached."""
    target = parse(spec)
    if target is None or target[0] != name:
        return
    with _lock:
        _reached[name] += 1
        hit = _reached[name] == target[1]
    if hit:
        os.kill(os.getpid(), signal.SIGKILL)
