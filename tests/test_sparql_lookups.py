"""Lookups (one resource, one triple pattern) answered in the web worker's thread.

They must answer exactly what the killable query process answers, in every format and on
every kind of store, and must never let a query that can run long skip the time limit. Bare
GETs of a lookup are answered before Flask (``web/lookups.py``): with the view's headers.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from hcn_ld.rdf import formats
from hcn_ld.sparql.executor import Request as QueryRequest
from hcn_ld.sparql.executor import written
from hcn_ld.sparql.text import is_lookup
from hcn_ld.store import open_store
from tests.support.server import executor_cpu_times, running_server

PROJECT = "https://w3id.org/hcn/id/project/healthclusternet"


def _rows(response: requests.Response, fmt: formats.Format) -> set[tuple]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(fmt.media_type)
    if fmt.name == "csv":  # lossy: pyoxigraph does not read it back
        return set(map(tuple, csv.reader(io.StringIO(response.text))))
    parsed = ox.parse_query_results(response.content, format=fmt.oxigraph)
    return {tuple(str(row[v]) for v in parsed.variables) for row in parsed}


@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.name)
def test_a_lookup_answers_as_the_query_process_does(server, fmt):
    lookup = f"SELECT ?p ?o WHERE {{ <{PROJECT}> ?p ?o }}"
    # The FILTER makes it a query that could run long: it goes to the query process.
    general = f"SELECT ?p ?o WHERE {{ <{PROJECT}> ?p ?o FILTER(true) }}"
    assert is_lookup(lookup) and not is_lookup(general)
    headers = {"Accept": fmt.media_type}
    got = [
        _rows(requests.get(server + "sparql", params={"query": q}, headers=headers), fmt)
        for q in (lookup, general)
    ]
    assert len(got[0]) >= 10  # the project's title, dates, budget, themes ...
    assert got[0] == got[1]


@pytest.mark.parametrize("fmt", formats.RDF_FORMATS[:4], ids=lambda f: f.name)
def test_a_describe_answers_as_the_query_process_does(server, fmt):
    graphs = []
    for query in (f"DESCRIBE <{PROJECT}>", f"DESCRIBE ?x WHERE {{ VALUES ?x {{ <{PROJECT}> }} }}"):
        response = requests.get(
            server + "sparql", params={"query": query}, headers={"Accept": fmt.media_type}
        )
        assert response.status_code == 200, response.text
        graph = rdflib.Graph().parse(io.BytesIO(response.content), format=fmt.media_type)
        graphs.append(graph)
    assert len(graphs[0]) >= 10
    assert isomorphic(*graphs)


def test_lookups_start_no_query_process_and_keep_the_row_limit(built_store):
    with running_server(built_store, ["--row-limit", "5", "--sparql-rate", "0"]) as url:
        for query in (
            f"SELECT ?p ?o WHERE {{ <{PROJECT}> ?p ?o }}",
            f"ASK {{ <{PROJECT}> a ?type }}",
            f"DESCRIBE <{PROJECT}>",
        ):
            response = requests.get(url + "sparql", params={"query": query}, timeout=30)
            assert response.status_code == 200, response.text
        rows = requests.get(
            url + "sparql",
            params={"query": f"SELECT ?p ?o WHERE {{ <{PROJECT}> ?p ?o }}"},
            headers={"Accept": "text/csv"},
            timeout=30,
        )
        assert rows.headers["X-SPARQL-Truncated"] == "5"
        assert len(rows.text.strip().splitlines()) == 1 + 5
        assert executor_cpu_times(built_store) == {}  # answered by the web workers themselves
        # Anything else still runs in a query process (which the time limit can kill).
        requests.get(url + "sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"}, timeout=30)
        assert executor_cpu_times(built_store) != {}


@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.name)
def test_a_lookup_of_as_many_rows_as_the_limit_is_whole_and_one_more_is_cut(store_spec, fmt):
    """A lookup is written by pyoxigraph unless its answer may be over the row limit."""
    store = open_store(store_spec)
    lookup = f"SELECT ?p ?o WHERE {{ <{PROJECT}> ?p ?o }}"
    count = len(list(store.query(lookup)))
    for limit, truncated in ((count, False), (count - 1, True), (count + 1, False)):
        whole = written(store, QueryRequest(lookup, fmt.name, limit=limit))
        assert (whole.format, whole.truncated) == (fmt.name, truncated)
        body = whole.body
        if fmt.name == "csv":
            rows = len(list(csv.reader(io.StringIO(body.decode())))) - 1
        else:
            rows = len(list(ox.parse_query_results(body, format=fmt.oxigraph)))
        assert rows == min(count, limit)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o }",  # nothing fixed: a scan
        "SELECT * { <x> ?p ?o . ?o ?q ?r }",  # a join
        "SELECT * { <x> ?p ?o . ?a ?b ?c }",  # a cross join
        "SELECT * { <x> ?p ?o ; ?q ?r }",
        "SELECT * { <x> ?p ?o , ?r }",
        "SELECT * { <x> <p>* ?o }",  # paths
        "SELECT * { <x> <p>/<q> ?o }",
        "SELECT * { <x> ^<p> ?o }",
        "SELECT * { <x> ?p ?o FILTER(regex(str(?o), '(a+)+b')) }",
        "SELECT * { <x> ?p ?o OPTIONAL { ?o ?q ?r } }",
        "SELECT * { { <x> ?p ?o } UNION { ?a ?b ?c } }",
        "SELECT * { GRAPH ?g { <x> ?p ?o } }",
        "SELECT * { SERVICE <http://example.org/> { <x> ?p ?o } }",
        "SELECT * { <x> ?p ?o } ORDER BY ?o",
        "SELECT * { <x> ?p ?o } OFFSET 1000000",
        "SELECT DISTINCT ?o { ?s ?p ?o . <x> ?p ?o }",
        "SELECT (COUNT(*) AS ?n) { <x> ?p ?o }",
        "SELECT * { <x> ?p ?o BIND(1 AS ?one) }",
        "SELECT * { <x> ?p ?o VALUES ?z { 1 2 } }",
        "SELECT * FROM <g> { <x> ?p ?o }",
        "SELECT * { _:b ?p ?o }",
        "SELECT * { { SELECT * { ?a ?b ?c . ?d ?e ?f } } }",
        "DESCRIBE ?x WHERE { ?x ?p ?o }",
        "DESCRIBE *",
        "CONSTRUCT WHERE { <x> ?p ?o }",
        "ASK { ?s ?p ?o . ?a ?b ?c }",
    ],
)
def test_queries_that_may_run_long_are_not_lookups(query):
    assert not is_lookup(query)
    assert not is_lookup("PREFIX e: <http://example.org/>\n" + query)


#: Headers a client relies on (the date and the length aside, everything must match).
COMPARED = ("Content-Type", "ETag", "Vary", "Access-Control-Allow-Origin",
            "Access-Control-Expose-Headers", "X-SPARQL-Truncated")  # fmt: skip


@pytest.mark.parametrize("accept", ["text/csv", "application/sparql-results+xml", "text/turtle"])
def test_a_bare_lookup_gets_the_views_answer_and_headers(built_store, accept):
    graph = accept == "text/turtle"
    query = f"DESCRIBE <{PROJECT}>" if graph else f"SELECT * {{ <{PROJECT}> ?p ?o }}"
    with running_server(built_store, ["--row-limit", "5", "--sparql-rate", "0"]) as url:
        bare = requests.get(url + "sparql", params={"query": query}, headers={"Accept": accept})
        # An explicit format parameter sends the same question through the Flask view.
        view = requests.get(
            url + "sparql", params={"query": query, "format": accept}, headers={"Accept": accept}
        )
        assert bare.status_code == view.status_code == 200
        assert bare.content == view.content
        assert {h: bare.headers.get(h) for h in COMPARED} == {
            h: view.headers.get(h) for h in COMPARED
        }
        again = requests.get(
            url + "sparql",
            params={"query": query},
            headers={"Accept": accept, "If-None-Match": bare.headers["ETag"]},
        )
        assert again.status_code == 304 and again.headers["ETag"] == bare.headers["ETag"]
        page = requests.get(
            url + "sparql", params={"query": query}, headers={"Accept": "text/html"}
        )
        assert (
            page.headers["Content-Type"].startswith("text/html") and "yasgui" in page.text.lower()
        )


JOIN = f"""SELECT ?p ?o ?type WHERE {{ <{PROJECT}> ?p ?o . OPTIONAL {{ ?o a ?type }} }}"""


def _sent(url: str, how: str, query: str, accept: str) -> requests.Response:
    """``query`` sent bare (GET, form POST, sparql-query POST) or through the view (a
    ``format`` parameter, which the bare path leaves to Flask)."""
    headers = {"Accept": accept}
    if how == "get":
        return requests.get(url, params={"query": query}, headers=headers, timeout=60)
    if how == "form":
        return requests.post(url, data={"query": query}, headers=headers, timeout=60)
    if how == "sparql-query":
        headers["Content-Type"] = "application/sparql-query"
        return requests.post(url, data=query.encode(), headers=headers, timeout=60)
    return requests.post(
        url, params={"format": accept}, data={"query": query}, headers=headers, timeout=60
    )


@pytest.mark.parametrize("how", ["form", "sparql-query"])
def test_a_bare_posted_lookup_gets_the_views_answer_and_headers(built_store, how):
    query = f"SELECT * {{ <{PROJECT}> ?p ?o }}"
    with running_server(built_store, ["--row-limit", "5", "--sparql-rate", "0"]) as url:
        bare, view = (_sent(url + "sparql", h, query, "text/csv") for h in (how, "view"))
        assert bare.status_code == view.status_code == 200
        assert bare.content == view.content
        assert {h: bare.headers.get(h) for h in COMPARED} == {
            h: view.headers.get(h) for h in COMPARED
        }
        assert bare.headers["X-SPARQL-Truncated"] == "5" and "ETag" not in bare.headers
        assert executor_cpu_times(built_store) == {}  # answered in the web worker
        # A posted query that may run long still goes to a query process.
        assert _sent(url + "sparql", how, JOIN, "text/csv").status_code == 200
        assert executor_cpu_times(built_store) != {}


def test_a_general_query_answers_the_same_bare_and_through_the_view(server):
    """On a remote store every query runs in the request's thread (the server stops its own
    queries), so a bare query is answered before Flask; on the embedded store this one goes
    to a query process. Either way: the view's rows, however the query is sent."""
    fmt = formats.by_name("json", formats.RESULT_FORMATS)
    got = {
        how: _rows(_sent(server + "sparql", how, JOIN, fmt.media_type), fmt)
        for how in ("get", "form", "sparql-query", "view")
    }
    assert len(got["view"]) >= 10
    assert got["get"] == got["form"] == got["sparql-query"] == got["view"]


def test_bare_queries_for_the_query_process_answer_as_the_view_does(built_store):
    """A query sent bare is answered before Flask; with another parameter (``format``) the
    view answers it. Both must say the same: answers small and streamed, ETags, errors."""
    small = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
    # Streamed (over 64 KiB), and cut at the row limit.
    large = "SELECT * WHERE { ?s ?p ?o VALUES ?x { 1 2 3 } } ORDER BY ?s ?p ?o ?x"
    malformed = "SELECT ?s WHERE { ?s ?p }"
    with running_server(built_store, ["--sparql-rate", "0"], workers=1) as url:
        for query, status in ((small, 200), (large, 200), (malformed, 400)):
            bare = requests.get(
                url + "sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=60
            )
            params = {"query": query, "format": "csv"}
            view = requests.get(url + "sparql", params=params, timeout=60)
            assert bare.status_code == view.status_code == status, bare.text
            assert bare.content == view.content
            assert query != large or len(bare.content) > 64 * 1024
            for header in ("Content-Type", "ETag", "X-SPARQL-Truncated", "Vary"):
                assert bare.headers.get(header) == view.headers.get(header), header
            if status == 200:
                processes = set(executor_cpu_times(built_store))
                assert processes  # the query ran in query processes
        assert "malformed query: error at 1:" in bare.text  # says where
        assert set(executor_cpu_times(built_store)) == processes  # an error kills none
        # A streamed answer the client leaves stops; the next query is answered.
        with requests.get(url + "sparql", params={"query": large}, stream=True, timeout=60) as r:
            next(r.iter_content(1024))
        again = requests.get(url + "sparql", params={"query": small}, timeout=60)
        assert again.status_code == 200 and len(again.json()["results"]["bindings"]) == 40
