"""The ontology (``{base}ontology``) and the SHACL shapes (``{base}shapes``), negotiated.

Terms such as ``{base}ontology#Theme`` are fragments of the ontology document, so they resolve
here; the HTML documentation lists every class and property with its label, definition and
links, each under an anchor named after the term. RDF comes from the ontology graph the build
publishes (``{base}graph/ontology``); the shapes come from ``shapes/*.ttl``.
(pyLODE 3.4.1 installs on Python 3.11 but fails at import - it reads a ``pyproject.toml`` its
wheel lacks - so the documentation is rendered by our own template.)
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint

from hcn_ld.build.pipeline import ONTOLOGY_GRAPH
from hcn_ld.rdf.uris import Minter
from hcn_ld.web import site
from hcn_ld.web.describe import best_labels, label_quads, mentioned
from hcn_ld.web.display import Display
from hcn_ld.web.negotiation import Loaded, serve
from hcn_ld.web.urls import ONTOLOGY_PATH, SHAPES_PATH, Urls

blueprint = Blueprint("ontology", __name__)

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SH = "http://www.w3.org/ns/shacl#"
#: Section heading -> the rdf:types that put a term in it (first match wins).
ONTOLOGY_SECTIONS = (
    ("Ontology", (OWL + "Ontology",)),
    ("Classes", (OWL + "Class", RDFS + "Class")),
    ("Object properties", (OWL + "ObjectProperty",)),
    ("Datatype properties", (OWL + "DatatypeProperty",)),
    ("Other terms", ()),
)
SHAPES_SECTIONS = (
    ("Node shapes", (SH + "NodeShape",)),
    ("Property shapes", (SH + "PropertyShape",)),
    ("Other", ()),
)


def _document(
    quads: list[ox.Quad], urls: Urls, title: str, sections, known: list[ox.Quad]
) -> Loaded:
    """A :class:`Loaded` whose HTML lists the subjects of ``quads`` in ``sections``."""
    names = best_labels(known)
    show = Display(urls, names, quads)
    grouped: dict[str, list] = {heading: [] for heading, _ in sections}
    for iri in show.named_subjects():
        types = set(show.types(ox.NamedNode(iri)))
        heading = next(h for h, kinds in sections if not kinds or types & set(kinds))
        grouped[heading].append(show.subject(iri))
    for subjects in grouped.values():
        subjects.sort(key=lambda s: s.title.lower())
    return Loaded(
        quads,
        "document.html",
        {"title": title, "sections": [(h, s) for h, s in grouped.items() if s]},
    )


def load_ontology(iri: str, page: int, urls: Urls) -> Loaded | None:
    """The whole ontology graph, at the ontology IRI and its version IRIs."""
    current = site()
    base = current.settings.base
    if page != 1 or not (iri == base + ONTOLOGY_PATH or iri.startswith(f"{base}{ONTOLOGY_PATH}/")):
        return None
    graph = ox.NamedNode(str(Minter(base).graph(ONTOLOGY_GRAPH)))
    rows = current.store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    quads = [ox.Quad(r["s"], r["p"], r["o"], graph) for r in rows]
    if not quads:
        return None
    known = quads + label_quads(current.store, mentioned(quads))
    return _document(quads, urls, "hcn-ld ontology", ONTOLOGY_SECTIONS, known)


def load_shapes(iri: str, page: int, urls: Urls) -> Loaded | None:
    """The SHACL shapes the build validates with."""
    current = site()
    if page != 1 or iri != current.settings.base + SHAPES_PATH:
        return None
    quads = [
        quad
        for path in sorted(current.settings.shapes_dir.glob("*.ttl"))
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    ]
    known = quads + label_quads(current.store, mentioned(quads))
    return _document(quads, urls, "hcn-ld SHACL shapes", SHAPES_SECTIONS, known)


@blueprint.route(f"/{ONTOLOGY_PATH}")
@blueprint.route(f"/{ONTOLOGY_PATH}.<ext>")
@blueprint.route(f"/{ONTOLOGY_PATH}/<path:version>")
def ontology(ext: str | None = None, version: str | None = None):
    path = ONTOLOGY_PATH + (f".{ext}" if ext else "") + (f"/{version}" if version else "")
    return serve(path, load_ontology)


@blueprint.route(f"/{SHAPES_PATH}")
@blueprint.route(f"/{SHAPES_PATH}.<ext>")
def shapes(ext: str | None = None):
    return serve(SHAPES_PATH + (f".{ext}" if ext else ""), load_shapes)
