"""The linked-data server over HTTP: dereferencing, negotiation, caching headers, CORS, errors."""

from __future__ import annotations

import pytest
import requests
from rdflib import Dataset, Graph, URIRef

from hcn_ld.rdf.formats import RDF_FORMATS
from tests.conftest import run_cli
from tests.support.server import running_server

#: One resource of each kind, as paths under the base (the ontology term is a fragment).
RESOURCES = {
    "project": "id/project/healthclusternet",
    "event": "id/event/final-conference-brussels-2007-11",
    "place": "id/place/graz",
    "theme": "id/theme/procurement",
    "dataset": "id/dataset/hcn",
    "ontology term": "ontology#Theme",
}
HYDRA_NEXT = URIRef("http://www.w3.org/ns/hydra/core#next")
SCRIPT = "<script>alert(1)</script>"
RDFLIB = {
    "turtle": "turtle",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
}


def parse(body: str, fmt_name: str, location: str) -> Graph:
    """Parse a response body with rdflib (datasets for N-Quads/TriG)."""
    fmt = RDFLIB[fmt_name]
    graph = Dataset() if fmt in ("nquads", "trig") else Graph()
    graph.parse(data=body, format=fmt, publicID=location)
    return graph


def subjects(graph: Graph) -> set:
    if isinstance(graph, Dataset):
        return {s for s, _p, _o, _g in graph.quads()}
    return set(graph.subjects())


@pytest.mark.parametrize("kind", RESOURCES)
@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_every_format_parses_and_describes_the_resource(server, kind, fmt):
    iri = server + RESOURCES[kind]
    document = iri.split("#")[0]
    response = requests.get(document, headers={"Accept": fmt.media_type}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(fmt.media_type)
    graph = parse(response.text, fmt.name, document)
    assert URIRef(iri) in subjects(graph), f"{iri} is not a subject of the {fmt.label} answer"


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_suffix_and_format_parameter_pick_the_format(server, fmt):
    iri = server + RESOURCES["place"]
    for url in (f"{iri}.{fmt.extension}", f"{iri}?format={fmt.name}"):
        response = requests.get(url, headers={"Accept": "text/html"}, timeout=10)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith(fmt.media_type), url
        assert URIRef(iri) in subjects(parse(response.text, fmt.name, iri))


def test_jsonld_is_compact_with_a_published_context(server):
    iri = server + RESOURCES["theme"]
    document = requests.get(iri, headers={"Accept": "application/ld+json"}, timeout=10).json()
    assert document["@context"] == server + "context.jsonld"
    context = requests.get(document["@context"], timeout=10).json()["@context"]
    assert context["hcn"] == server + "ontology#"
    assert context["skos"] == "http://www.w3.org/2004/02/skos/core#"
    assert any(key.startswith("skos:") for node in document["@graph"] for key in node)


def test_html_by_default_and_for_browsers(server):
    iri = server + RESOURCES["project"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for accept in (None, "*/*", browser):
        response = requests.get(iri, headers={"Accept": accept} if accept else {}, timeout=10)
        assert response.headers["Content-Type"].startswith("text/html"), accept
    page = requests.get(iri, timeout=10).text
    assert "<h1>HealthClusterNET</h1>" in page
    assert 'href="' + server + 'id/theme/procurement"' in page  # links, with labels:
    assert ">Procurement</a>" in page
    assert "application/ld+json" in page and '"@type": "Project"' in page
    assert server + "sparql?query=DESCRIBE" in page
    for landmark in ("<header>", '<nav aria-label="Site">', '<main id="main">', "<footer>"):
        assert landmark in page
    for target in ("", "search", "sparql", "dumps/", "ontology"):
        assert f'href="{server}{target}"' in page, target


def test_q_values_are_honoured(server):
    iri = server + RESOURCES["theme"]
    accept = "text/html;q=0.3, text/turtle;q=0.9, application/ld+json;q=0.5"
    response = requests.get(iri, headers={"Accept": accept}, timeout=10)
    assert response.headers["Content-Type"].startswith("text/turtle")


def test_200_with_content_location_vary_link_etag(server):
    iri = server + RESOURCES["project"]
    turtle = requests.get(iri, headers={"Accept": "text/turtle"}, timeout=10)
    html = requests.get(iri, headers={"Accept": "text/html"}, timeout=10)
    assert turtle.status_code == 200 and turtle.headers["Content-Location"] == iri + ".ttl"
    assert html.headers["Content-Location"] == iri + ".html"
    assert "Accept" in turtle.headers["Vary"]
    assert f'<{iri}.jsonld>; rel="alternate"; type="application/ld+json"' in turtle.headers["Link"]
    assert turtle.headers["ETag"] != html.headers["ETag"]
    assert not turtle.headers["ETag"].startswith("W/")  # strong
    assert turtle.headers["Last-Modified"]


def test_conditional_requests_get_304(server):
    iri = server + RESOURCES["event"]
    first = requests.get(iri, headers={"Accept": "text/turtle"}, timeout=10)
    again = requests.get(
        iri, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304 and again.content == b""
    other = requests.get(
        iri, headers={"Accept": "text/html", "If-None-Match": first.headers["ETag"]}, timeout=10
    )
    assert other.status_code == 200  # another representation, another ETag
    since = requests.get(
        iri,
        headers={"Accept": "text/turtle", "If-Modified-Since": first.headers["Last-Modified"]},
        timeout=10,
    )
    assert since.status_code == 304


def test_cors_on_reads_and_preflight(server):
    iri = server + RESOURCES["place"]
    preflight = requests.options(
        iri,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Accept",
        },
        timeout=10,
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Accept" in preflight.headers["Access-Control-Allow-Headers"]
    for path in (RESOURCES["place"], "", ".well-known/void", "dumps/", "sitemap.xml"):
        response = requests.get(server + path, headers={"Origin": "https://x.org"}, timeout=10)
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
    exposed = requests.get(iri, timeout=10).headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "Link" in exposed


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_unknown_iri_is_a_helpful_404(server, accept):
    response = requests.get(server + "id/project/no-such-project", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith(accept)
    if accept == "text/html":
        assert 'action="' + server + 'search"' in response.text
        assert 'href="' + server + '"' in response.text
    else:
        Graph().parse(data=response.text, format="turtle")  # still parses (comments only)


def test_unknown_format_is_406_listing_offered_formats(server):
    iri = server + RESOURCES["project"]
    for response in (
        requests.get(iri, headers={"Accept": "image/png"}, timeout=10),
        requests.get(iri + "?format=docx", timeout=10),
    ):
        assert response.status_code == 406
        for fmt in RDF_FORMATS:
            assert fmt.media_type in response.text


def test_forwarded_headers_rewrite_iris_everywhere(server):
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org"}
    iri = server + RESOURCES["project"]
    response = requests.get(iri, headers={"Accept": "text/turtle", **proxied}, timeout=10)
    public = "https://data.example.org/" + RESOURCES["project"]
    graph = Graph().parse(data=response.text, format="turtle")
    assert URIRef(public) in set(graph.subjects())
    assert server not in response.text and "w3id.org/hcn/id/" not in response.text
    assert response.headers["Content-Location"] == public + ".ttl"
    assert f"<{public}.nt>" in response.headers["Link"]
    html = requests.get(iri, headers=proxied, timeout=10).text
    assert 'href="https://data.example.org/id/theme/procurement"' in html


def test_redirect_mode_and_canonical_iris(built_store):
    with running_server(built_store, ["--redirect", "--no-rewrite-base"]) as url:
        canonical = "https://w3id.org/hcn/" + RESOURCES["project"]
        response = requests.get(
            url + RESOURCES["project"],
            headers={"Accept": "text/turtle"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 303
        assert response.headers["Location"] == canonical + ".ttl"
        assert "Accept" in response.headers["Vary"]
        document = requests.get(url + RESOURCES["project"] + ".ttl", timeout=10)
        assert document.status_code == 200 and "Content-Location" not in document.headers
        graph = Graph().parse(data=document.text, format="turtle")
        assert URIRef(canonical) in set(graph.subjects())
        missing = requests.get(url + "id/project/nope", allow_redirects=False, timeout=10)
        assert missing.status_code == 404


def facts(graph: Graph, iri: URIRef, url: str) -> set[tuple[str, str]]:
    """The (property, value) pairs of ``iri`` with the server URL taken out (hydra links too)."""
    return {
        (str(p).replace(url, "/"), str(o).replace(url, "/"))
        for p, o in graph.predicate_objects(iri)
        if not str(p).startswith("http://www.w3.org/ns/hydra/")
    }


def test_long_descriptions_are_paged_not_cut(built_store):
    iri_path = RESOURCES["project"]
    with running_server(built_store, env={"HCN_PAGE_SIZE": "5"}) as url:
        iri = URIRef(url + iri_path)
        seen, page, next_url = set(), 1, url + iri_path + ".ttl"
        while next_url:
            response = requests.get(next_url, timeout=10)
            assert response.status_code == 200
            graph = Graph().parse(data=response.text, format="turtle")
            seen |= facts(graph, iri, url)
            hydra_next = [str(o) for o in graph.objects(None, HYDRA_NEXT)]
            assert bool(hydra_next) == ('rel="next"' in response.headers["Link"])
            next_url = hydra_next[0].replace(iri_path, iri_path + ".ttl") if hydra_next else None
            page += 1
        html = requests.get(url + iri_path, timeout=10).text
        assert 'rel="next"' in html
    with running_server(built_store) as url:
        whole = Graph().parse(url + iri_path + ".ttl", format="turtle")
        everything = facts(whole, URIRef(url + iri_path), url)
    assert page > 3 and seen == everything


def test_a_publish_changes_what_is_served_and_its_etag(data_copy, tmp_path):
    store = tmp_path / "store"
    run_cli("--data", str(data_copy), "build", "--store", str(store))
    with running_server(store) as url:
        iri = url + RESOURCES["project"]
        before = requests.get(iri, headers={"Accept": "text/turtle"}, timeout=10)
        assert requests.get(iri, headers={"Accept": "text/turtle"}).text == before.text  # cached
        projects = data_copy / "projects.yaml"
        renamed = projects.read_text().replace("label: HealthClusterNET", "label: HCN renamed")
        projects.write_text(renamed)
        run_cli("--data", str(data_copy), "build", "--store", str(store))
        after = requests.get(
            iri, headers={"Accept": "text/turtle", "If-None-Match": before.headers["ETag"]}
        )
        assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
        assert "HCN renamed" in after.text and "HCN renamed" in requests.get(iri).text


def test_literal_markup_is_escaped(data_copy, tmp_path):
    projects = data_copy / "projects.yaml"
    text = projects.read_text()
    projects.write_text(text.replace("label: HealthClusterNET", f'label: "{SCRIPT}"'))
    store = tmp_path / "store"
    run_cli("--data", str(data_copy), "build", "--store", str(store))
    with running_server(store) as url:
        for path in (RESOURCES["project"], "id/project/", RESOURCES["theme"]):
            page = requests.get(url + path, timeout=10).text
            assert SCRIPT not in page, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_an_empty_store_says_how_to_publish(tmp_path):
    with running_server(tmp_path / "empty-store") as url:
        response = requests.get(url + RESOURCES["project"], timeout=10)
        assert response.status_code == 503
        assert "hcn-ld build" in response.text
