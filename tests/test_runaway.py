"""Runaway work: heavy queries do not starve cheap requests, workers survive being killed, and
clients that hammer the SPARQL endpoint get 429 with Retry-After.

All against the real ``hcn-ld serve`` over HTTP; the figures measured are printed.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from tests.support.server import running_server

QUERY_TIMEOUT = 6
#: A cross product of every triple five times over: runs until the time limit stops it.
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
CHEAP = [
    ("id/project/healthclusternet", {"Accept": "text/html"}),
    ("id/project/healthclusternet", {"Accept": "text/turtle"}),
    ("id/place/maribor.jsonld", {}),
    ("sparql?query=ASK%20%7B%3Fs%20a%20%3Fc%7D", {"Accept": "application/sparql-results+json"}),
]


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


@pytest.fixture(scope="module")
def server(built_store):
    args = ["--query-timeout", str(QUERY_TIMEOUT), "--sparql-rate", "0"]
    with running_server(built_store, args, workers=2) as url:
        yield url


def test_burst_of_heavy_queries_does_not_starve_cheap_requests(server):
    """Ten runaway queries at once; cheap requests meanwhile stay fast (p99 printed)."""
    heavy_answers: list[int] = []

    def heavy() -> None:
        response = requests.get(server + "sparql", params={"query": RUNAWAY}, timeout=60)
        heavy_answers.append(response.status_code)

    with ThreadPoolExecutor(10) as pool:
        # A server that has been running: its threads have started their query executors.
        ask = server + CHEAP[-1][0]
        list(pool.map(lambda _: requests.get(ask, timeout=60).raise_for_status(), range(16)))
        started = time.monotonic()
        burst = [pool.submit(heavy) for _ in range(10)]
        time.sleep(0.5)  # let the burst occupy the server first
        latencies, statuses = [], []
        i = 0
        while not all(f.done() for f in burst) and time.monotonic() - started < 60:
            path, headers = CHEAP[i % len(CHEAP)]
            t0 = time.monotonic()
            statuses.append(requests.get(server + path, headers=headers, timeout=60).status_code)
            latencies.append(time.monotonic() - t0)
            i += 1
        for f in burst:
            f.result()
    figure = p99(latencies)
    print(
        f"\ncheap requests during a burst of 10 runaway queries ({QUERY_TIMEOUT}s limit): "
        f"{len(latencies)} requests, median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {figure * 1000:.0f} ms; heavy answers {sorted(heavy_answers)}"
    )
    assert set(statuses) == {200}
    assert sorted(heavy_answers) == [503] * 10
    # A starving server makes cheap requests wait for a runaway query to be stopped.
    assert figure < QUERY_TIMEOUT / 2, f"p99 {figure:.2f}s: cheap requests starved"


def _workers(master: psutil.Process) -> list[psutil.Process]:
    """The workers of a server (children of the master that run the app)."""
    return [p for p in master.children() if "hcn_ld.sparql.executor" not in " ".join(p.cmdline())]


def test_killed_worker_mid_request_server_keeps_answering(built_store):
    from tests.support.server import _RUNNING

    with running_server(built_store, ["--query-timeout", "20"], workers=2) as url:
        master = psutil.Process(_RUNNING[url][0].pid)
        # The server answers as soon as one worker is up; wait for the server to fork the second.
        deadline = time.monotonic() + 20
        while len(_workers(master)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        before = {p.pid for p in _workers(master)}
        assert len(before) == 2
        slow = ThreadPoolExecutor(1).submit(
            lambda: requests.get(url + "sparql", params={"query": RUNAWAY}, timeout=60)
        )
        # The worker running the query is the one whose query executor is busy.
        deadline = time.monotonic() + 20
        busy = None
        while busy is None and time.monotonic() < deadline:
            for worker in _workers(master):
                if any(c.cpu_percent(0.2) > 10 for c in worker.children()):
                    busy = worker
                    break
        assert busy is not None, "the runaway query never started"
        executors = busy.children()
        os.kill(busy.pid, signal.SIGKILL)
        with pytest.raises(requests.ConnectionError):
            slow.result()  # its client sees the connection drop, not a hang
        # Each worker listens on its own socket (SO_REUSEPORT): until the killed one is gone,
        # a connection the kernel hands to its socket is reset like the query's.
        busy.wait(timeout=10)
        answers = [requests.get(url + CHEAP[i % 4][0], timeout=30).status_code for i in range(20)]
        assert answers == [200] * 20
        # The server replaced the worker; the killed worker's query process died with it.
        deadline = time.monotonic() + 20
        while len(_workers(master)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        after = {p.pid for p in _workers(master)}
        assert len(after) == 2 and busy.pid not in after
        time.sleep(1)
        assert not [c for c in executors if c.is_running() and c.status() != "zombie"]


def test_rate_limit_answers_429_with_retry_after(built_store):
    args = ["--sparql-rate", "1", "--sparql-burst", "3"]
    with running_server(built_store, args, workers=2) as url:
        # Different queries: a repeated identical GET may come from the replay cache (cheap).
        ask = url + "sparql?query=ASK%7B%3Curn%3Ax%3A{}%3E%20%3Fp%20%3Fo%7D"
        answers = [requests.get(ask.format(i), timeout=30) for i in range(20)]
        codes = [a.status_code for a in answers]
        limited = [a for a in answers if a.status_code == 429]
        print(f"\n20 rapid queries from one client (1/s, burst 3, 2 workers): {codes}")
        assert limited and set(codes) <= {200, 429}
        assert codes.count(200) <= 2 * 3 + 4  # each worker's burst, plus what refilled
        assert int(limited[0].headers["Retry-After"]) >= 1
        assert "too many requests" in limited[0].text
        # Other clients (behind the trusted local proxy) and other pages are not limited.
        other = requests.get(ask.format(99), headers={"X-Forwarded-For": "192.0.2.7"}, timeout=30)
        assert other.status_code == 200
        assert requests.get(url + "id/project/healthclusternet", timeout=30).status_code == 200
        time.sleep(int(limited[-1].headers["Retry-After"]) + 1)
        assert requests.get(ask.format(100), timeout=30).status_code == 200
