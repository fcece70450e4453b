"""The remote store on a real Oxigraph server and a real Virtuoso: atomic publish, clean reads."""

from __future__ import annotations

from urllib.parse import urlsplit

import psutil
import pytest
import requests

from hcn_ld.store import NoData, open_store
from hcn_ld.store.base import GraphFile, StoreError
from hcn_ld.store.remote import Endpoints
from tests.conftest import run_cli
from tests.support.server import running_server
from tests.test_shapes import edit

REMOTE_KINDS = ("oxigraph", "virtuoso")
RATE = "SELECT ?r WHERE { ?p <https://w3id.org/hcn/ontology#euCofinancingRate> ?r }"


@pytest.fixture(params=REMOTE_KINDS)
def remote(request) -> str:
    """A server of each kind with data/ published (shared with the fact checks: tests here
    leave the same data in it)."""
    spec = request.getfixturevalue(f"{request.param}_spec")
    try:
        open_store(spec).version()
    except NoData:
        run_cli("build", "--store", spec)
    return spec


def csv_value(spec: str, sparql: str) -> str:
    return run_cli("query", "--store", spec, "--format", "csv", sparql).stdout.splitlines()[1]


def put_graph(spec: str, graph: str, ntriples: str) -> None:
    """Write a graph straight into the server, behind the store's back."""
    endpoints = Endpoints.parse(spec)
    response = requests.put(
        endpoints.gsp,
        params={"graph": graph},
        data=ntriples.encode(),
        headers={"Content-Type": "application/n-triples"},
        auth=endpoints.auth,
        timeout=60,
    )
    response.raise_for_status()


def test_failed_build_leaves_the_server_unchanged(remote, data_copy):
    store = open_store(remote)
    before = (store.version(), store.graphs())
    edit(data_copy / "projects.yaml", 'eu_cofinancing_rate: "0.447"', 'eu_cofinancing_rate: "1.5"')
    failed = run_cli("--data", str(data_copy), "build", "--store", remote, check=False)
    assert failed.returncode != 0
    assert "the published store is unchanged" in failed.stderr
    assert (store.version(), store.graphs()) == before
    assert csv_value(remote, RATE) == "0.447"


def test_rebuild_switches_version_and_keeps_graph_names(remote):
    store = open_store(remote)
    first = store.version()
    run_cli("build", "--store", remote)
    store = open_store(remote)
    assert store.version() != first
    assert store.info()["previous"] == first
    graphs = csv_value(remote, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert graphs == "2"
    assert set(store.graphs()) == {
        "https://w3id.org/hcn/graph/healthclusternet",
        "https://w3id.org/hcn/graph/ontology",
    }


def test_other_graphs_on_the_server_stay_invisible(remote):
    stranger = "urn:example:not-published"
    put_graph(remote, stranger, "<urn:example:s> <urn:example:p> <urn:example:o> .\n")
    seen = run_cli(
        "query", "--store", remote, "--format", "csv", "ASK { ?s <urn:example:p> ?o }"
    ).stdout
    assert seen.strip() == "false"
    graphs = run_cli(
        "query",
        "--store",
        remote,
        "--format",
        "csv",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    ).stdout
    assert stranger not in graphs and "urn:hcn-ld" not in graphs


def test_publish_refused_by_the_server_changes_nothing(remote, tmp_path):
    store = open_store(remote)
    before = (store.version(), store.graphs())
    broken = tmp_path / "broken.nt"
    broken.write_text("<urn:example:s> <urn:example:p> this is not N-Triples\n")
    with pytest.raises(StoreError):
        store.publish([GraphFile("https://w3id.org/hcn/graph/healthclusternet", broken)])
    store = open_store(remote)
    assert (store.version(), store.graphs()) == before
    assert csv_value(remote, RATE) == "0.447"


def test_unreachable_server_is_a_clear_error(tmp_path):
    result = run_cli("query", "--store", "sparql+http://127.0.0.1:9/query", "ASK {}", check=False)
    assert result.returncode != 0
    assert "127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr


def closed_connections(port: int) -> int:
    """TCP connections to or from ``port`` closed in the last minute (in TIME_WAIT)."""
    return sum(
        1
        for c in psutil.net_connections("tcp")
        if c.status == psutil.CONN_TIME_WAIT and port in (c.laddr.port, c.raddr and c.raddr.port)
    )


def test_queries_through_the_app_reuse_its_connections_to_the_server(remote):
    """``hcn-ld serve`` keeps its connections to the store open: a query opens none (one
    connection per query would leave each one behind closed)."""
    port = urlsplit(Endpoints.parse(remote).query).port
    with running_server(remote, workers=1) as url:

        def ask(n: int) -> bool:
            query = f"ASK {{ ?s ?p <urn:example:absent:{n}> }}"
            response = requests.get(url + "sparql", params={"query": query}, timeout=30)
            response.raise_for_status()
            return response.json()["boolean"]

        ask(0)
        before = closed_connections(port)
        answers = [ask(n) for n in range(1, 21)]
        after = closed_connections(port)
    assert answers == [False] * 20
    assert after - before < 5, f"{after - before} connections to the store closed by 20 queries"


def test_a_query_endpoint_that_asks_for_credentials_gets_them(virtuoso_spec):
    """Queries go out without credentials; an endpoint that answers 401 (Virtuoso's
    digest-protected ``/sparql-auth``) gets them, for that query and the ones after it."""
    try:
        open_store(virtuoso_spec).version()
    except NoData:
        run_cli("build", "--store", virtuoso_spec)
    guarded = virtuoso_spec.replace("/sparql", "/sparql-auth")
    plain = requests.post(Endpoints.parse(guarded).query, data={"query": "ASK {}"}, timeout=30)
    assert plain.status_code == 401
    store = open_store(guarded)
    rates = [[row["r"].value for row in store.query(RATE)] for _ in range(3)]
    assert rates == [["0.447"]] * 3
