"""Run a command with a real Chroma server on 127.0.0.1: ``python -m tests.chroma_server -- CMD...``.

Starts ``chroma run`` on a free port with a temporary data path, waits for its heartbeat, runs CMD with
``NEWSQA_TEST_CHROMA_PORT`` set (the server-mode tests read it), then stops the server. Used by
``make test`` so CI exercises server mode against a real server. If the server cannot start, CMD still
runs without the variable: the server-mode tests then skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(path: Path, port: int) -> subprocess.Popen[bytes]:
    """Start `chroma run` and wait until it answers its heartbeat (60 s at most)."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("chroma server exited at start") from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("chroma server did not answer within 60 s")


def main(argv: list[str]) -> int:
    """Start the server, run the command after ``--``, stop the server; returns the command's status."""
    cmd = argv[argv.index("--") + 1:] if "--" in argv else argv
    with tempfile.TemporaryDirectory(prefix="newsqa-chroma-") as tmp:
        port = free_port()
        try:
            server = start(Path(tmp), port)
        except (RuntimeError, OSError) as exc:
            outcome = "fail (CI=true)" if os.environ.get("CI") == "true" else "be skipped"
            print(f"warning: no Chroma server ({exc}); server-mode tests will {outcome}", file=sys.stderr)
            return subprocess.call(cmd)
        try:
            return subprocess.call(cmd, env={**os.environ, "NEWSQA_TEST_CHROMA_PORT": str(port)})
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
