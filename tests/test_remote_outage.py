"""The remote store goes away: pages and queries answer 503 with a clear message (no internals)
and Retry-After, and service resumes by itself when the store is back — the web server is never
restarted."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import run_cli
from tests.support.server import running_server
from tests.support.servers import free_port, oxigraph_binary

PAGE = "id/project/healthclusternet"
ASK = "sparql?query=ASK%7B%3Fs%20a%20%3Fc%7D"


@contextmanager
def oxigraph(folder: Path, port: int) -> Iterator[str]:
    """An Oxigraph server on ``folder``'s database at a fixed port (so it can come back)."""
    command = [oxigraph_binary(), "serve", "--location", str(folder / "db")]
    command += ["--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=5).raise_for_status()
            break
        except requests.RequestException:
            assert process.poll() is None and time.monotonic() < deadline, "oxigraph did not start"
            time.sleep(0.2)
    try:
        yield f"sparql+{url}"
    finally:
        process.kill()
        process.wait()


def answers(url: str, page: str = PAGE, ask: str = ASK) -> dict[str, requests.Response]:
    return {
        "page": requests.get(url + page, headers={"Accept": "text/turtle"}, timeout=60),
        "html": requests.get(url + page, headers={"Accept": "text/html"}, timeout=60),
        "query": requests.get(url + ask, timeout=60),
    }


def test_remote_store_outage_gives_503_then_recovers_without_restart(tmp_path):
    port = free_port()
    with oxigraph(tmp_path, port) as spec:
        run_cli("build", "--store", spec)
    with running_server(spec) as url:  # the store is down when the server starts
        down = answers(url)
        with oxigraph(tmp_path, port):
            up = answers(url)
        # What a worker already rendered it may still serve; anything else needs the store.
        down_again = answers(url, "id/place/maribor", ASK + "%20%23%20another")
        with oxigraph(tmp_path, port):
            deadline = time.monotonic() + 30
            back = answers(url)
            while any(r.status_code != 200 for r in back.values()) and time.monotonic() < deadline:
                time.sleep(1)
                back = answers(url)
    for outage in (down, down_again):
        for kind, response in outage.items():
            assert response.status_code == 503, (kind, response.status_code, response.text[:500])
            assert "store" in response.text and "unavailable" in response.text, response.text
            assert "Traceback" not in response.text and str(port) not in response.text
            assert int(response.headers["Retry-After"]) > 0
    for recovered in (up, back):
        assert {k: r.status_code for k, r in recovered.items()} == dict.fromkeys(recovered, 200)
        assert "HealthClusterNET" in recovered["page"].text
        assert recovered["query"].json()["boolean"] is True
