"""Dereferencing ``{base}id/{type}/{ref}``: the resource page and its RDF representations.

GET /id/project/healthclusternet            -> HTML (or RDF by Accept / ?format=)
GET /id/project/healthclusternet.ttl        -> Turtle (also .jsonld .rdf .nt .nq .trig .html)
GET /graph/healthclusternet                 -> a named graph: its size and dataset
GET /.well-known/void                       -> the dataset description (VoID + DCAT-AP)
GET /context.jsonld                         -> the JSON-LD context the JSON-LD bodies use
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint

from hcn_ld.rdf.vocab import SCHEMA
from hcn_ld.web import project, site
from hcn_ld.web.dataset import dataset_quads, graph_quads
from hcn_ld.web.describe import Description, describe, label_quads, mentioned
from hcn_ld.web.display import Display, Value
from hcn_ld.web.http import representation, respond
from hcn_ld.web.languages import wanted
from hcn_ld.web.negotiation import Loaded, serve
from hcn_ld.web.render import context, paging_quads
from hcn_ld.web.urls import DATASET_PATH, Urls, for_request

blueprint = Blueprint("resources", __name__)

#: Our classes -> the schema.org type embedded for search engines.
SCHEMA_TYPES = {
    "http://data.europa.eu/s66#Project": "Project",
    "http://data.europa.eu/m8g/PublicEvent": "Event",
    "http://purl.org/dc/terms/Location": "Place",
    "http://www.w3.org/2004/02/skos/core#Concept": "DefinedTerm",
    "http://www.w3.org/ns/dcat#Dataset": "Dataset",
    "http://data.europa.eu/s66#Grant": "MonetaryGrant",
}
_DESCRIPTIONS = ("http://data.europa.eu/s66#description", "http://purl.org/dc/terms/description")


def page_context(described: Description, urls: Urls) -> dict[str, object]:
    """What ``resource.html`` shows for one page of a description."""
    iri, page = described.iri, described.page
    show = Display(urls, described.labels, described.out)
    main = show.subject(iri)
    incoming: dict[str, list[Value]] = {}
    for quad in described.incoming:
        incoming.setdefault(quad.predicate.value, []).append(show.link(quad.subject.value))
    return {
        "title": main.title,
        "public_iri": main.url,
        "types": main.types,
        "properties": main.properties,
        "parts": [show.subject(s) for s in show.named_subjects() if s != iri],
        "incoming": [show.row(p, values) for p, values in incoming.items()],
        "describe_query": f"DESCRIBE <{iri}>",
        "select_query": (
            f"SELECT ?property ?value WHERE {{ <{iri}> ?property ?value }}\n"
            f"# what links here: SELECT ?subject ?property WHERE {{ ?subject ?property <{iri}> }}"
        ),
        "previous_page": urls.resource(iri, page - 1) if page > 1 else None,
        "next_page": urls.resource(iri, page + 1) if described.has_next else None,
        "schema_org": schema_org(described, show.types(ox.NamedNode(iri)), main.title, urls),
        **project.page_parts(site().store, iri, urls, wanted()),
    }


def schema_org(
    described: Description, types: list[str], title: str, urls: Urls
) -> dict[str, object]:
    """The schema.org JSON-LD embedded in the page for search engines."""
    kind = next((SCHEMA_TYPES[t] for t in types if t in SCHEMA_TYPES), None)
    schema = str(SCHEMA)
    kind = kind or next((t[len(schema) :] for t in types if t.startswith(schema)), "Thing")
    url = urls.public(described.iri)
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": url,
        "url": url,
        "name": title,
    }
    for quad in described.out:
        if quad.predicate.value in _DESCRIPTIONS and isinstance(quad.object, ox.Literal):
            data["description"] = quad.object.value
    return data


def load_resource(iri: str, page: int, urls: Urls) -> Loaded | None:
    """The description of a resource in the store (plus the dataset description at its IRI)."""
    current = site()
    described = describe(current.store, iri, page, current.settings.page_size)
    if iri == current.settings.base + DATASET_PATH and page == 1:
        described.out = dataset_quads(urls) + described.out
    if not described.exists:
        return None
    public = urls.resource(iri)
    quads = described.quads + paging_quads(public, page, described.has_next)
    headers: tuple[tuple[str, str], ...] = ()
    if described.has_next:
        headers = (("Link", f'<{urls.resource(iri, page + 1)}>; rel="next"'),)
    return Loaded(quads, "resource.html", page_context(described, urls), headers)


@blueprint.route("/id/<type_>/<path:ref>")
def resource(type_: str, ref: str):
    return serve(f"id/{type_}/{ref}", load_resource)


def load_graph(iri: str, page: int, urls: Urls) -> Loaded | None:
    """A named graph: how many triples, which dataset it belongs to."""
    current = site()
    if page != 1:
        return None
    quads = graph_quads(current.store, iri, current.settings.base + DATASET_PATH)
    quads += label_quads(current.store, mentioned(quads))
    described = Description(iri, quads, [])
    return Loaded(quads, "resource.html", page_context(described, urls)) if quads else None


@blueprint.route("/graph/<path:name>")
def graph(name: str):
    return serve(f"graph/{name}", load_graph)


@blueprint.route("/.well-known/void")
def well_known_void():
    return serve(DATASET_PATH, load_resource)


@blueprint.route("/context.jsonld")
def jsonld_context():
    current = site()
    urls = for_request(current.settings)
    body = json.dumps(context(urls), indent=1)
    rep = current.cache.get(
        ("context", urls.served), lambda: representation(body, "application/ld+json")
    )
    return respond(rep)
