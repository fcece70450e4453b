"""The /sparql endpoint as researchers and crawlers use it: real server, real clients."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
import requests
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from hcn_ld.rdf.vocab import sparql_prologue
from hcn_ld.store import is_remote
from hcn_ld.web.sparql import examples
from tests.conftest import PREFIXES
from tests.support.server import executor_cpu_times, running_server

TIMEOUT = 2
ROW_LIMIT = 100
PROJECT = "https://w3id.org/hcn/id/project/healthclusternet"
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
EVENTS = PREFIXES + "SELECT ?e ?start { ?e a cv:PublicEvent ; schema:startDate ?start }"


@pytest.fixture(scope="module")
def sparql_server(store_spec: str):
    """The server on each kind of store, with short limits to test them."""
    limits = ["--query-timeout", str(TIMEOUT), "--row-limit", str(ROW_LIMIT)]
    with running_server(store_spec, [*limits, "--max-query-length", "20000"]) as url:
        yield url.rstrip("/")


@pytest.fixture
def endpoint(sparql_server: str) -> str:
    return sparql_server + "/sparql"


def _wrapper(endpoint: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


# ----------------------------------------------------------------------------- researchers


def test_sparqlwrapper_select_in_every_result_format(endpoint: str):
    bindings = _wrapper(endpoint, EVENTS, JSON).queryAndConvert()["results"]["bindings"]
    starts = sorted(b["start"]["value"] for b in bindings)
    assert len(starts) == 10 and starts[0] == "2005-06" and starts[-1] == "2007-11"

    xml = _wrapper(endpoint, EVENTS, XML).queryAndConvert()
    results = xml.getElementsByTagName("result")
    assert len(results) == 10

    for fmt, sep in ((CSV, ","), (TSV, "\t")):
        text = _wrapper(endpoint, EVENTS, fmt).queryAndConvert().decode()
        lines = text.strip().splitlines()
        assert lines[0].replace("?", "").split(sep) == ["e", "start"]
        assert len(lines) == 11
        assert any("2007-11" in line for line in lines[1:])


def test_sparqlwrapper_ask_and_post(endpoint: str):
    client = _wrapper(endpoint, PREFIXES + "ASK { ?p a eurio:Project }", JSON)
    client.setMethod("POST")
    assert client.queryAndConvert()["boolean"] is True
    client = _wrapper(endpoint, PREFIXES + "ASK { ?p a eurio:Nothing }", XML)
    assert "false" in client.queryAndConvert().toxml()


@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld", "n3"])
def test_sparqlwrapper_construct_and_describe(endpoint: str, fmt: str):
    query = PREFIXES + "CONSTRUCT { ?e dct:title ?t } WHERE { ?e a cv:PublicEvent ; dct:title ?t }"
    client = _wrapper(endpoint, query, fmt if fmt != "n3" else "n3")
    graph = client.queryAndConvert()
    if not isinstance(graph, rdflib.Graph):  # SPARQLWrapper returns bytes for some formats
        graph = rdflib.Graph().parse(data=graph, format=fmt if fmt != "xml" else "xml")
    assert len(graph) == 10
    describe = _wrapper(
        endpoint, "DESCRIBE <https://w3id.org/hcn/id/project/healthclusternet>", fmt
    )
    described = describe.queryAndConvert()
    if not isinstance(described, rdflib.Graph):
        described = rdflib.Graph().parse(data=described, format=fmt)
    assert (
        rdflib.URIRef("https://w3id.org/hcn/id/project/healthclusternet"),
        rdflib.RDFS.label,
        rdflib.Literal("HealthClusterNET"),
    ) in described


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("ntriples", "application/n-triples"),
        ("nquads", "application/n-quads"),
        ("trig", "application/trig"),
        ("rdfxml", "application/rdf+xml"),
    ],
)
def test_format_parameter_for_graphs(endpoint: str, fmt: str, media_type: str):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://data.europa.eu/s66#Project> ; ?p ?o }"
    response = requests.get(endpoint, params={"query": query, "format": fmt}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(media_type)
    parsed = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media_type)))
    assert len(parsed) > 10


@pytest.mark.parametrize(
    "query",
    [
        "DESCRIBE p:healthclusternet",  # answered in the web worker
        "CONSTRUCT { p:healthclusternet ?p ?o } WHERE { p:healthclusternet ?p ?o }",  # a process
    ],
)
def test_graph_answers_use_the_prefixes_their_query_declared(endpoint: str, query: str):
    declared = "PREFIX p: <https://w3id.org/hcn/id/project/>\n"
    asked, plain = (
        requests.get(endpoint, params={"query": q}, headers={"Accept": "text/turtle"}, timeout=10)
        for q in (declared + query, query.replace("p:healthclusternet", f"<{PROJECT}>"))
    )
    assert "@prefix p: <https://w3id.org/hcn/id/project/> ." in asked.text
    assert "@prefix eurio:" not in asked.text
    assert "@prefix eurio: <http://data.europa.eu/s66#> ." in plain.text  # none declared
    graphs = [rdflib.Graph().parse(data=r.text, format="turtle") for r in (asked, plain)]
    assert len(graphs[0]) > 10 and rdflib.compare.isomorphic(*graphs)


def test_accept_q_values_pick_the_format(endpoint: str):
    headers = {"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9"}
    response = requests.get(endpoint, params={"query": EVENTS}, headers=headers, timeout=10)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
def test_every_example_query_returns_rows(endpoint: str, example):
    response = requests.post(
        endpoint,
        data={"query": sparql_prologue() + example.sparql},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"], f"{example.title} returned no rows"


def test_default_graph_is_the_union_and_graph_tells_sources_apart(endpoint: str):
    query = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    rows = requests.get(endpoint, params={"query": query}, timeout=10).json()["results"]
    graphs = {b["g"]["value"]: int(b["n"]["value"]) for b in rows["bindings"]}
    assert set(graphs) == {
        "https://w3id.org/hcn/graph/healthclusternet",
        "https://w3id.org/hcn/graph/ontology",
    }
    total = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    union = requests.get(endpoint, params={"query": total}, timeout=10).json()
    assert int(union["results"]["bindings"][0]["n"]["value"]) == sum(graphs.values())
    only = requests.get(
        endpoint,
        params={"query": total, "default-graph-uri": "https://w3id.org/hcn/graph/ontology"},
        timeout=10,
    ).json()
    assert (
        int(only["results"]["bindings"][0]["n"]["value"])
        == graphs["https://w3id.org/hcn/graph/ontology"]
    )


def test_either_dataset_parameter_replaces_the_whole_dataset(endpoint: str):
    ontology = "https://w3id.org/hcn/graph/ontology"

    def count(query: str, **dataset: str) -> int:
        params = {"query": query, **{k.replace("_", "-"): v for k, v in dataset.items()}}
        answer = requests.get(endpoint, params=params, timeout=10).json()
        return int(answer["results"]["bindings"][0]["n"]["value"])

    in_default = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    in_named = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    # Only named-graph-uri: that graph is named, the default graph is empty.
    assert count(in_default, named_graph_uri=ontology) == 0
    assert count(in_named, named_graph_uri=ontology) == 1
    # Only default-graph-uri: no graph is named.
    assert count(in_named, default_graph_uri=ontology) == 0


def test_concurrent_queries_get_their_own_answers(endpoint: str):
    """Worker threads share executors: no answer may leak into another request."""
    from concurrent.futures import ThreadPoolExecutor

    def count(i: int) -> tuple[int, int]:
        query = f"SELECT ?i {{ VALUES ?i {{ {' '.join(str(n) for n in range(i))} }} }}"
        response = requests.get(endpoint, params={"query": query}, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        return i, len(body["results"]["bindings"])

    with ThreadPoolExecutor(8) as pool:
        for wanted, got in pool.map(count, [1 + n % 40 for n in range(60)]):
            assert got == wanted


# ----------------------------------------------------------------------------- errors


def test_syntax_error_says_where(endpoint: str):
    response = requests.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=10)
    assert response.status_code == 400
    assert "malformed query: error at 1:25" in response.text


def test_wrong_method_and_media_type(endpoint: str):
    assert requests.delete(endpoint, timeout=10).status_code == 405
    response = requests.post(
        endpoint, data=b"ASK {}", headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert response.status_code == 415 and "application/sparql-query" in response.text


def test_query_too_long(endpoint: str):
    query = "ASK {}" + " " * 20001
    response = requests.post(
        endpoint, data=query, headers={"Content-Type": "application/sparql-query"}, timeout=10
    )
    assert response.status_code == 413 and "20000" in response.text


def test_update_without_token_is_forbidden(endpoint: str):
    response = requests.post(
        endpoint,
        data="DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
        timeout=10,
    )
    assert response.status_code == 403
    assert "read-only" in response.text
    still = requests.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=10).json()
    assert still["boolean"] is True


def test_service_not_in_allowlist_is_refused(endpoint: str):
    query = "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    response = requests.get(endpoint, params={"query": query}, timeout=10)
    assert response.status_code == 400
    assert "SERVICE <http://example.org/sparql> refused" in response.text
    assert "allowlist" in response.text
    hidden = "PREFIX ex: <http://example.org/>\nSELECT * { SERVICE SILENT ex:sparql { ?s ?p ?o } }"
    assert requests.get(endpoint, params={"query": hidden}, timeout=10).status_code == 400


def test_service_in_allowlist_is_called(endpoint: str, built_store: Path):
    """A second server that may federate to the first one."""
    query = (
        f"SELECT ?label {{ SERVICE <{endpoint}> {{ ?p a <http://data.europa.eu/s66#Project> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } }"
    )
    with running_server(built_store, ["--service-allow", endpoint]) as url:
        response = requests.get(url + "sparql", params={"query": query}, timeout=30)
        assert response.status_code == 200, response.text
        labels = [b["label"]["value"] for b in response.json()["results"]["bindings"]]
        assert labels == ["HealthClusterNET"]
        elsewhere = query.replace(endpoint, "http://example.org/sparql")
        assert (
            requests.get(url + "sparql", params={"query": elsewhere}, timeout=10).status_code == 400
        )


# ----------------------------------------------------------------------------- limits


def test_row_limit_truncation_is_announced(endpoint: str):
    query = "SELECT * { ?s ?p ?o }"
    response = requests.get(endpoint, params={"query": query}, timeout=10)
    assert response.headers["X-SPARQL-Truncated"] == str(ROW_LIMIT)
    body = response.json()
    assert body["truncated"] is True and len(body["results"]["bindings"]) == ROW_LIMIT
    small = requests.get(endpoint, params={"query": EVENTS}, timeout=10)
    assert "X-SPARQL-Truncated" not in small.headers and "truncated" not in small.json()


def test_runaway_query_is_stopped_while_others_are_answered(endpoint: str, store_spec: str):
    """On every store: 503 at the endpoint's limit, other queries answered meanwhile (a remote
    store's query is given up by the app, and stopped by the server at its own limit)."""
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["response"] = requests.get(endpoint, params={"query": RUNAWAY}, timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    latencies = []
    while thread.is_alive():
        started = time.monotonic()
        quick = requests.get(endpoint, params={"query": EVENTS}, timeout=10)
        latencies.append(time.monotonic() - started)
        assert quick.status_code == 200
        time.sleep(0.1)
    thread.join()
    response = outcome["response"]
    assert response.status_code == 503
    assert f"limit of {TIMEOUT} seconds" in response.text
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 3
    assert latencies and max(latencies) < 1.0
    if is_remote(store_spec):
        return
    # The stopped query no longer burns CPU: no executor process is busy.
    before = executor_cpu_times(store_spec)
    time.sleep(0.5)
    after = executor_cpu_times(store_spec)
    busy = [pid for pid in after if after[pid] - before.get(pid, 0) > 20]
    assert not busy, f"executor processes still running a query: {busy}"


# ----------------------------------------------------------------------------- caching, SD, UI


def test_head_and_unread_answers_leave_the_endpoint_consistent(endpoint: str):
    big = "SELECT * { ?s ?p ?o }"
    for _ in range(3):
        head = requests.head(endpoint, params={"query": big}, timeout=10)
        assert head.status_code == 200 and head.content == b""
        with requests.get(endpoint, params={"query": big + " # x"}, stream=True, timeout=10):
            pass  # hang up without reading the answer
    answer = requests.get(endpoint, params={"query": EVENTS}, timeout=10).json()
    assert len(answer["results"]["bindings"]) == 10


def test_etag_and_not_modified(endpoint: str):
    first = requests.get(endpoint, params={"query": EVENTS}, timeout=10)
    etag = first.headers["ETag"]
    again = requests.get(
        endpoint, params={"query": EVENTS}, headers={"If-None-Match": etag}, timeout=10
    )
    assert again.status_code == 304 and again.content == b""
    other = requests.get(
        endpoint,
        params={"query": EVENTS},
        headers={"If-None-Match": etag, "Accept": "text/csv"},
        timeout=10,
    )
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_service_description(endpoint: str):
    response = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(endpoint)
    assert (service, sd.endpoint, service) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) not in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    names = {str(n) for n in graph.objects(None, sd.name)}
    assert "https://w3id.org/hcn/graph/healthclusternet" in names
    void = rdflib.URIRef(endpoint.removesuffix("sparql") + ".well-known/void")
    assert (None, rdflib.RDFS.seeAlso, void) in graph
    jsonld = requests.get(endpoint, headers={"Accept": "application/ld+json"}, timeout=10)
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)
    browser = {"Accept": "text/html"}
    linked = requests.get(endpoint, params={"format": "ttl"}, headers=browser, timeout=10)
    assert linked.headers["Content-Type"].startswith("text/turtle")


def test_browsers_get_the_query_ui(endpoint: str):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = requests.get(endpoint, headers={"Accept": accept}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "yasgui.min.js" in page.text
    for example in examples():
        assert example.title in page.text
    script = requests.get(
        endpoint.removesuffix("sparql") + "static/yasgui/yasgui.min.js", timeout=10
    )
    assert script.status_code == 200 and len(script.content) > 100_000


def test_results_parse_with_pyoxigraph(endpoint: str):
    for media_type in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/tab-separated-values",
    ):
        response = requests.get(
            endpoint, params={"query": EVENTS}, headers={"Accept": media_type}, timeout=10
        )
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        rows = list(ox.parse_query_results(io.BytesIO(response.content), format=fmt))
        assert len(rows) == 10
