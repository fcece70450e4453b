"""Remembered SPARQL answers: a repeated query is answered from memory, never from stale data.

A real ``hcn-ld serve`` (one worker, so repeats reach the same memory) over a scratch store
that the test publishes into while the server runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from hcn_ld.store import LocalStore
from hcn_ld.store.base import GraphFile
from tests.support.server import executor_cpu_times, running_server

GRAPH = "http://example.org/graph/synthetic"
#: A cross join: long enough (about a second) to show up in the executor's CPU time.
HEAVY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }"
JSON = {"Accept": "application/sparql-results+json"}


def publish(root: Path, triples: int) -> None:
    """Publish ``triples`` SYNTHETIC triples as the store's one graph."""
    data = root.parent / f"synthetic-{triples}.nt"
    data.write_text(
        "".join(
            f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(triples)
        )
    )
    LocalStore(root).publish([GraphFile(GRAPH, data)])


@pytest.fixture
def scratch(tmp_path: Path):
    """A store holding 2,000 triples, served by one worker; yields (store root, endpoint)."""
    root = tmp_path / "store"
    publish(root, 2000)
    with running_server(root, ["--sparql-rate", "0"], workers=1) as url:
        yield root, url + "sparql"


def _executor_ticks(store: Path) -> int:
    """CPU ticks used so far by all query executor processes of ``store``."""
    return sum(executor_cpu_times(store).values())


def _count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_repeated_query_is_answered_from_memory_until_the_data_changes(scratch):
    root, endpoint = scratch
    post = lambda: requests.post(endpoint, data={"query": HEAVY}, headers=JSON, timeout=60)  # noqa: E731
    ticks = _executor_ticks(root)
    assert _count(post()) == 2000 * 2000
    first_run = _executor_ticks(root) - ticks
    assert first_run > 20, f"the cross join took only {first_run} ticks: too light to tell"
    ticks = _executor_ticks(root)
    # Repeats by POST and by GET, under an Accept that picks the same format: no new run.
    assert _count(post()) == 2000 * 2000
    get = requests.get(endpoint, params={"query": HEAVY}, headers={"Accept": "application/json"})
    assert _count(get) == 2000 * 2000
    assert _executor_ticks(root) - ticks < 5, "a repeated query ran again"
    # A publish changes the data version: the next answer is the new data's.
    publish(root, 2001)
    assert _count(post()) == 2001 * 2001
    again = requests.get(endpoint, params={"query": HEAVY}, headers={"Accept": "application/json"})
    assert _count(again) == 2001 * 2001
    assert again.headers["ETag"] != get.headers["ETag"]


def test_remembered_answers_keep_their_format(scratch):
    _, endpoint = scratch
    query = 'SELECT ?s { ?s ?p "7" }'
    for accept, start in [
        ("application/sparql-results+json", b"{"),
        ("text/csv", b"s\r\nhttp://example.org/s7"),
        ("application/sparql-results+json", b"{"),
        ("text/csv", b"s\r\nhttp://example.org/s7"),
    ]:
        response = requests.post(endpoint, data={"query": query}, headers={"Accept": accept})
        assert response.headers["Content-Type"].startswith(accept)
        assert response.content.startswith(start)


def test_queries_asking_for_random_values_run_each_time(scratch):
    _, endpoint = scratch
    query = "SELECT (STRUUID() AS ?id) {}"
    answers = {
        requests.post(endpoint, data={"query": query}, headers=JSON).json()["results"]["bindings"][
            0
        ]["id"]["value"]
        for _ in range(3)
    }
    assert len(answers) == 3
    fresh = requests.get(endpoint, params={"query": query}, headers=JSON)
    assert "ETag" not in fresh.headers
