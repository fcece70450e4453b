"""Start the real ``hcn-ld serve`` in a subprocess on a free port (for tests and benchmarks).

with running_server(store_path, "--query-timeout", "2") as base:
    requests.get(base + "/sparql", params={"query": "ASK {}"})
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

HCN_LD = str(Path(sys.executable).parent / "hcn-ld")


def free_port() -> int:
    """A TCP port nobody listens on (127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(store: Path | str, *args: str, workers: int = 2) -> Iterator[str]:
    """``hcn-ld serve --store STORE ARGS`` until the block ends; yields its base URL."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [
            HCN_LD,
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--workers",
            str(workers),
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
        env={**os.environ, "HCN_UPDATE_TOKEN": ""},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=5)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"server did not start: {log.read().decode()}") from None
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
