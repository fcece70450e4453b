"""Start the real ``hcn-ld serve`` in a subprocess on a free loopback port (reusable by any test).

    with running_server(store_path, ["--redirect"]) as base_url:
        requests.get(base_url + "id/project/healthclusternet")

or ``base_url = start_server(store_path, extra_args)`` with :func:`stop_all` at the end (the
``server`` fixture in ``conftest.py`` does this for a store built from ``data/``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests

from hcn_ld.store import is_remote
from tests.conftest import HCN_LD

_RUNNING: dict[str, tuple[subprocess.Popen, IO[str]]] = {}


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    store_path: str | os.PathLike[str],
    extra_args: Sequence[str] = (),
    *,
    env: dict[str, str] | None = None,
    workers: int = 2,
    timeout: float = 30.0,
) -> str:
    """Run ``hcn-ld serve`` on ``store_path``; returns its base URL once it answers.

    ``extra_args`` go after ``serve`` (e.g. ``["--redirect"]``); global options such as
    ``--base`` can be passed through ``env`` (``HCN_BASE``).
    """
    port = free_port()
    command = [
        HCN_LD, "serve", "--store", str(store_path), "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), *extra_args,
    ]  # fmt: skip
    folder = Path(tempfile.gettempdir()) if is_remote(str(store_path)) else Path(store_path).parent
    log = open(folder / f"server-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "HCN_UPDATE_TOKEN": "", **(env or {})},  # read-only unless asked
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.close()
            raise RuntimeError(f"hcn-ld serve exited: {Path(log.name).read_text()}")
        try:
            requests.get(url + "robots.txt", timeout=2)
            _RUNNING[url] = (process, log)
            return url
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow under load
            time.sleep(0.1)
    process.kill()
    log.close()
    raise RuntimeError(f"hcn-ld serve did not answer within {timeout} s")


def stop_server(url: str) -> None:
    """Stop the server started at ``url``."""
    process, log = _RUNNING.pop(url)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def stop_all() -> None:
    for url in list(_RUNNING):
        stop_server(url)


def executor_cpu_times(store: str | os.PathLike[str]) -> dict[int, int]:
    """CPU ticks used so far by each query executor process of this store."""
    times = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"hcn_ld.sparql.executor" in cmdline and str(store).encode() in cmdline:
            times[int(proc.name)] = int(stat[11]) + int(stat[12])
    return times


@contextmanager
def running_server(
    store_path: str | os.PathLike[str], extra_args: Sequence[str] = (), **options
) -> Iterator[str]:
    """``start_server`` as a context manager."""
    url = start_server(store_path, extra_args, **options)
    try:
        yield url
    finally:
        stop_server(url)
