"""The site as a crawler and a data user see it: links reach everything; VoID, dumps, sitemap."""

from __future__ import annotations

import gzip
import hashlib
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag

import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID

from hcn_ld.store import LocalStore
from hcn_ld.store.base import GraphFile
from tests.conftest import run_cli
from tests.support.server import running_server

BASE = "https://w3id.org/hcn/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
#: Pages owned by other modules (SPARQL endpoint, search, the project facets, whose
#: combinations are endless and disallowed in robots.txt) are not crawled here.
NOT_CRAWLED = ("sparql", "search", "projects?")


class Links(HTMLParser):
    """``<a href>`` and ``<link rel=alternate href>`` of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" or (tag == "link" and "alternate" in (attributes.get("rel") or "")):
            if attributes.get("href"):
                self.found.append(attributes["href"])


def resources_in_store(select) -> set[str]:
    rows = select(
        "SELECT DISTINCT ?r WHERE { { ?r ?p ?o } UNION { ?s ?p ?r } "
        f'FILTER(isIRI(?r) && STRSTARTS(STR(?r), "{BASE}id/")) }}'
    )
    return {row["r"] for row in rows}


def test_a_crawler_reaches_every_resource_by_following_links(server, select):
    expected = {server + iri[len(BASE) :] for iri in resources_in_store(select)}
    assert len(expected) > 30
    queue, seen, broken = deque([server]), {server}, []
    while queue:
        url = queue.popleft()
        response = requests.get(url, timeout=10)
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        kind = response.headers["Content-Type"]
        if kind.startswith("text/html"):
            parser = Links()
            parser.feed(response.text)
            links = parser.found
        elif kind.startswith("text/turtle"):
            graph = Graph().parse(data=response.text, format="turtle", publicID=url)
            links = [str(o) for o in graph.objects() if isinstance(o, URIRef)]
        else:
            links = []
        for link in links:
            target = urldefrag(link)[0]
            if (
                target.startswith(server)
                and not target[len(server) :].startswith(NOT_CRAWLED)
                and target not in seen
            ):
                seen.add(target)
                queue.append(target)
    assert not broken, f"broken links: {broken[:10]}"
    assert expected - seen == set(), "resources no link leads to"


def test_void_counts_links_and_describes_dumps(server, select):
    response = requests.get(server + ".well-known/void", headers={"Accept": "text/turtle"})
    void = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(server + "id/dataset/hcn")
    assert (dataset, RDF.type, VOID.Dataset) in void and (dataset, RDF.type, DCAT.Dataset) in void
    total = select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    assert void.value(dataset, VOID.triples) == Literal(int(total))
    assert void.value(dataset, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "http://creativecommons.org/licenses/by/4.0/"
    )
    assert "KEEP" in str(void.value(dataset, URIRef("http://purl.org/dc/terms/rights")))
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(server + "sparql")
    assert str(void.value(dataset, VOID.uriSpace)) == server + "id/"
    for target, namespace in (
        ("geonames", "https://sws.geonames.org/"),
        ("nuts", "http://data.europa.eu/nuts/"),
        ("eu-country", "http://publications.europa.eu/resource/authority/country/"),
    ):
        links = select(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
            f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{namespace}") '
            f'&& !STRSTARTS(STR(?s), "{namespace}")) }}'
        )[0]["n"]
        linkset = URIRef(f"{dataset}#linkset-{target}")
        assert (dataset, VOID.subset, linkset) in void, target
        assert void.value(linkset, VOID.triples) == Literal(int(links)), target
    dumps = list(void.objects(dataset, VOID.dataDump))
    assert len(dumps) == 4
    for distribution in void.objects(dataset, DCAT.distribution):
        url = void.value(distribution, DCAT.downloadURL)
        checksum = void.value(void.value(distribution, SPDX.checksum), SPDX.checksumValue)
        body = requests.get(str(url), timeout=10).content
        assert hashlib.sha256(body).hexdigest() == str(checksum), url


def test_named_graphs_are_parts_of_the_dataset_and_dereference(server, select):
    void = Graph().parse(server + "id/dataset/hcn.ttl", format="turtle")
    sizes = select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert len(sizes) >= 2
    for row in sizes:
        public = URIRef(server + row["g"][len(BASE) :])
        assert (URIRef(server + "id/dataset/hcn"), DCTERMS.hasPart, public) in void
        graph = Graph().parse(str(public), format="turtle")
        assert graph.value(public, VOID.triples) == Literal(int(row["n"]))


def test_dumps_hold_the_whole_graph_with_checksums(server, select):
    index = requests.get(server + "dumps/", timeout=10).text
    sums = requests.get(server + "dumps/SHA256SUMS", timeout=10).text.splitlines()
    assert len(sums) == 4
    for line in sums:
        digest, name = line.split()
        assert f'href="{server}dumps/{name}"' in index
        body = requests.get(server + "dumps/" + name, timeout=10)
        assert hashlib.sha256(body.content).hexdigest() == digest
        assert body.headers["ETag"].strip('"') == digest
    triples = requests.get(server + "dumps/hcn.nt.gz", timeout=10).content
    graph = Graph().parse(data=gzip.decompress(triples).decode(), format="nt")
    distinct = select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    assert len(graph) == int(distinct[0]["n"])
    turtle = Graph().parse(server + "dumps/hcn.ttl", format="turtle")
    assert len(turtle) == len(graph)


def test_a_store_without_dumps_gets_them_written_by_the_server(tmp_path):
    """Stores that keep no dumps (e.g. remote ones) are still served with dumps."""
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    folder = LocalStore(store).dumps_folder()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    with running_server(store) as url:
        sums = requests.get(url + "dumps/SHA256SUMS", timeout=30).text.splitlines()
        assert len(sums) == 4
        for line in sums:
            digest, name = line.split()
            body = requests.get(url + "dumps/" + name, timeout=10).content
            assert hashlib.sha256(body).hexdigest() == digest


def test_sitemap_lists_every_resource_and_robots_points_to_it(server, select):
    sitemap = requests.get(server + "sitemap.xml", timeout=10).text
    subjects = select(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{BASE}id/")) }}'
    )
    for row in subjects:
        assert f"<loc>{server}{row['s'][len(BASE) :]}</loc>" in sitemap
    robots = requests.get(server + "robots.txt", timeout=10).text
    assert f"Sitemap: {server}sitemap.xml" in robots


def test_home_page_says_what_and_how_big(server, select):
    page = requests.get(server, timeout=10).text
    total = select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    events = select(
        "SELECT (COUNT(?e) AS ?n) WHERE { ?e a <http://data.europa.eu/m8g/PublicEvent> }"
    )
    assert f"{total} triples" in page
    assert "HealthClusterNET" in page
    assert f'href="{server}id/project/"' in page
    assert f">cv:PublicEvent</a></th><td>{events[0]['n']}</td>" in page


def test_ontology_is_documented_and_negotiated(server):
    html = requests.get(server + "ontology", timeout=10).text
    assert 'id="Theme"' in html and "Theme" in html
    turtle = requests.get(server + "ontology", headers={"Accept": "text/turtle"}, timeout=10)
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef(server + "ontology#Theme"), RDF.type, OWL.Class) in graph
    shapes = requests.get(server + "shapes", headers={"Accept": "text/turtle"}, timeout=10)
    assert URIRef(server + "shapes#ProjectShape") in set(
        Graph().parse(data=shapes.text, format="turtle").subjects()
    )


def test_linksets_in_the_store_are_listed_in_void(built_store, tmp_path):
    """An importer's own ``void:Linkset`` (here a synthetic one) appears as a subset."""
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    linkset = f"{BASE}id/linkset/synthetic-test-links"
    nt = tmp_path / "linkset.nt"
    nt.write_text(
        f"<{linkset}> <{RDF.type}> <{VOID.Linkset}> .\n"
        f'<{linkset}> <http://www.w3.org/2000/01/rdf-schema#label> "synthetic test linkset" .\n'
    )
    LocalStore(store).publish([GraphFile(f"{BASE}graph/synthetic-linkset", nt)])
    with running_server(store) as url:
        void = Graph().parse(url + ".well-known/void", format="turtle")
        public = URIRef(url + "id/linkset/synthetic-test-links")
        assert (URIRef(url + "id/dataset/hcn"), VOID.subset, public) in void
        assert requests.get(str(public), timeout=10).status_code == 200
