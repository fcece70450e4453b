"""The remote store's switch copies nothing: graphs live under new names, clients see the old.

Each publish loads into new physical graphs on the server and switches by rewriting the
registry; these tests check, on a real Oxigraph server and a real Virtuoso, that queries
naming graphs answer as on the embedded store, that replaced graphs go away at the next
publish, and that failed publishes and cached readers lose nothing.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from hcn_ld.store import open_store
from hcn_ld.store import remote as remote_module
from hcn_ld.store.base import GraphFile, StoreError
from hcn_ld.store.remote import PHYSICAL, Endpoints, RemoteStore
from tests.conftest import run_cli
from tests.test_remote_store import RATE, csv_value, remote  # noqa: F401 (fixture)

BASE = "https://w3id.org/hcn/"
DATA = BASE + "graph/healthclusternet"
ONTOLOGY = BASE + "graph/ontology"
HG = f"PREFIX hg: <{BASE}graph/> "
COUNT = "(COUNT(*) AS ?n)"
IN_G, BY_G = "GRAPH ?g { ?s ?p ?o }", "GROUP BY ?g"
PER_GRAPH = f"SELECT ?g {COUNT} WHERE {{ {IN_G} }} {BY_G}"

#: Queries that name graphs every way SPARQL allows; each must answer as on the embedded store.
NAMING_QUERIES = {
    "GRAPH ?g": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    "STR(?g)": "SELECT DISTINCT (STR(?g) AS ?name) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "GRAPH <iri>": f"SELECT {COUNT} WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}",
    "GRAPH prefixed": HG + f"SELECT {COUNT} WHERE {{ GRAPH hg:healthclusternet {{ ?s ?p ?o }} }}",
    "GRAPH relative": f"SELECT {COUNT} WHERE {{ GRAPH <graph/ontology> {{ ?s ?p ?o }} }}",
    "own BASE": f"BASE <{BASE}id/x> SELECT {COUNT} {{ GRAPH <../graph/ontology> {{ ?s ?p ?o }} }}",
    "FILTER": f"SELECT ?g {COUNT} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g = <{DATA}>) }} {BY_G}",
    "VALUES": HG + f"SELECT ?g {COUNT} WHERE {{ VALUES ?g {{ hg:ontology }} {IN_G} }} {BY_G}",
    "FROM": HG + f"SELECT {COUNT} FROM hg:ontology WHERE {{ ?s ?p ?o }}",
    "FROM, GRAPH": HG + f"SELECT ?g {COUNT} FROM hg:ontology WHERE {{ {IN_G} }} {BY_G}",
    "FROM NAMED": HG + f"SELECT ?g {COUNT} FROM NAMED hg:ontology WHERE {{ {IN_G} }} {BY_G}",
    "ASK": HG + "ASK { GRAPH hg:ontology { ?s a ?c } }",
    "CONSTRUCT": f"CONSTRUCT {{ ?g <urn:example:holds> ?n }} WHERE {{ {PER_GRAPH} }}",
}  # fmt: skip


def answers(result) -> list[tuple[str, ...]]:
    """A query result as sorted rows of term values (the same on every store)."""
    if isinstance(result, ox.QueryBoolean):
        return [(str(bool(result)),)]
    if isinstance(result, ox.QueryTriples):
        return sorted((t.subject.value, t.predicate.value, t.object.value) for t in result)
    names = [v.value for v in result.variables]
    return sorted(tuple(row[n].value if row[n] else "" for n in names) for row in result)


def on_server(spec: str, query: str) -> list[str]:
    """The CSV lines of a query's answer over everything on the server (behind the store's back)."""
    endpoints = Endpoints.parse(spec)
    response = requests.post(
        endpoints.query, data={"query": query}, headers={"Accept": "text/csv"}, timeout=60
    )
    response.raise_for_status()
    return response.text.split()[1:]


def physical_graphs(spec: str) -> set[str]:
    """The graphs on the server that publishes stored data in."""
    query = f'SELECT DISTINCT ?g WHERE {{ {IN_G} FILTER(CONTAINS(STR(?g), "{PHYSICAL}")) }}'
    return set(on_server(spec, query))


@pytest.fixture
def republished(remote) -> str:  # noqa: F811
    """The server after one more publish of data/ (so every graph has been replaced once)."""
    run_cli("build", "--store", remote)
    return remote


@pytest.mark.parametrize("name", NAMING_QUERIES)
def test_queries_naming_graphs_answer_as_on_the_embedded_store(remote, built_store, name):  # noqa: F811
    query = NAMING_QUERIES[name]
    expected = answers(open_store(str(built_store)).query(query, base_iri=BASE))
    assert all(PHYSICAL in g for g in RemoteStore(remote).stored_in().values())
    got = answers(open_store(remote).query(query, base_iri=BASE))
    assert got == expected
    assert not any(PHYSICAL in value for row in got for value in row)


@pytest.mark.parametrize(
    "dataset",
    [{"default_graphs": [ONTOLOGY]}, {"default_graphs": [], "named_graphs": [DATA]}],
    ids=["default-graph-uri", "named-graph-uri"],
)
def test_protocol_dataset_names_logical_graphs(remote, built_store, dataset):  # noqa: F811
    query = f"SELECT ?g {COUNT} WHERE {{ {{ ?s ?p ?o }} UNION {{ {IN_G} }} }} {BY_G}"
    expected = answers(open_store(str(built_store)).query(query, **dataset))
    assert answers(open_store(remote).query(query, **dataset)) == expected


def test_replaced_graphs_are_dropped_at_the_next_publish(republished):
    first = physical_graphs(republished)
    run_cli("build", "--store", republished)
    second = physical_graphs(republished)
    run_cli("build", "--store", republished)
    third = physical_graphs(republished)
    # Two graphs published each time: the current two and the two they replaced remain.
    assert len(first) == len(second) == len(third) == 4
    assert not first & third, "graphs replaced two publishes ago are still on the server"
    assert len(second & third) == 2, "the graphs replaced just now must stay for cached readers"


def test_reader_with_the_old_registry_cached_still_gets_complete_answers(republished, monkeypatch):
    monkeypatch.setattr(remote_module, "REGISTRY_TTL", 3600.0)
    reader = open_store(republished)
    before, version = answers(reader.query(PER_GRAPH)), reader.version()
    run_cli("build", "--store", republished)
    assert reader.version() == version  # still the registry read before the publish
    assert answers(reader.query(PER_GRAPH)) == before
    assert open_store(republished).version() != version


def test_failed_publish_leaves_no_new_graphs_and_serves_the_same_data(republished, tmp_path):
    store = open_store(republished)
    before = (store.version(), store.graphs())
    graphs = physical_graphs(republished)
    broken = tmp_path / "broken.nt"
    valid = "".join(f"<urn:example:s{n}> <urn:example:p> <urn:example:o> .\n" for n in range(500))
    broken.write_text(valid + "<urn:example:s> <urn:example:p> this is not N-Triples\n")
    with pytest.raises(StoreError):
        store.publish([GraphFile(DATA, broken)])

    def refuse(scratch: ox.Store) -> None:
        raise ValueError("refused by the check")

    good = tmp_path / "good.nt"
    good.write_text(valid)
    with pytest.raises(ValueError, match="refused by the check"):
        store.publish([GraphFile(ONTOLOGY, good)], check=refuse)
    assert physical_graphs(republished) <= graphs
    store = open_store(republished)
    assert (store.version(), store.graphs()) == before
    assert csv_value(republished, RATE) == "0.447"


def test_update_naming_a_logical_graph_changes_what_queries_see(republished):
    store = open_store(republished)
    size = store.graphs()[ONTOLOGY]
    ask = HG + "ASK { GRAPH hg:ontology { <urn:example:added> ?p ?o } }"
    triple = '<urn:example:added> <urn:example:p> "x"'
    store.update(f"INSERT DATA {{ GRAPH <{ONTOLOGY}> {{ {triple} }} }}")
    assert bool(store.query(ask))
    assert store.graphs()[ONTOLOGY] == size + 1
    assert set(store.graphs()) == {DATA, ONTOLOGY}
    store.update(HG + f"DELETE DATA {{ GRAPH hg:ontology {{ {triple} }} }}")
    assert not bool(store.query(ask))
    assert store.graphs()[ONTOLOGY] == size


def test_a_graph_created_by_an_update_can_be_published_over(republished, tmp_path):
    store = open_store(republished)
    extra = "urn:example:extra-graph"
    store.update(f'INSERT DATA {{ GRAPH <{extra}> {{ <urn:example:a> <urn:example:p> "old" }} }}')
    query = f"SELECT ?o WHERE {{ GRAPH <{extra}> {{ ?s ?p ?o }} }}"
    assert answers(store.query(query)) == [("old",)]
    new = tmp_path / "new.nt"
    new.write_text('<urn:example:a> <urn:example:p> "new" .\n')
    store.publish([GraphFile(extra, new)])
    assert answers(store.query(query)) == [("new",)]
    assert store.graphs()[extra] == 1
    run_cli("build", "--store", republished)  # the next publish drops the graph replaced
    assert on_server(republished, f"SELECT ?s WHERE {{ GRAPH <{extra}> {{ ?s ?p ?o }} }}") == []
    assert answers(store.query(query)) == [("new",)]
    store.update(f"DROP GRAPH <{extra}>")
    assert set(store.graphs()) == {DATA, ONTOLOGY}
    assert answers(store.query(query)) == []
