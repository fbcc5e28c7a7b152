"""Start a real Chroma server (``chroma run``) on 127.0.0.1: for the server-mode tests and benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_chroma(path: Path, port: int, wait_s: float = 60.0) -> subprocess.Popen[bytes]:
    """Start `chroma run` on ``path`` and return once it answers its heartbeat (``wait_s`` at most)."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + wait_s
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("chroma server exited at start") from None
            time.sleep(0.3)  # a server's heartbeat has nothing to wait on but polling
    proc.kill()
    raise RuntimeError(f"chroma server did not answer within {wait_s:.0f} s")
