"""RDF renderers, registered in one place: quads -> bytes in every RDF format of ``formats.py``.

IRIs under the base are made public for the request (see :mod:`hcn_ld.web.urls`) before
writing; pyoxigraph writes every format except compact JSON-LD, which rdflib compacts against
the published ``@context`` (:func:`context`).

    >>> import pyoxigraph as ox
    >>> from hcn_ld.rdf.formats import by_name
    >>> from hcn_ld.web.urls import Urls
    >>> q = ox.Quad(ox.NamedNode("https://w3id.org/hcn/id/theme/x"),
    ...             ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("X"))
    >>> render([q], by_name("nt"), Urls("https://w3id.org/hcn/", "http://localhost/"))
    b'<http://localhost/id/theme/x> <http://www.w3.org/2000/01/rdf-schema#label> "X" .\\n'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import pyoxigraph as ox
import rdflib

from hcn_ld.rdf.formats import RDF_FORMATS, Format
from hcn_ld.rdf.vocab import HYDRA, PREFIXES
from hcn_ld.web.urls import Urls

Renderer = Callable[[list[ox.Quad], Urls], bytes]


def prefixes(urls: Urls) -> dict[str, str]:
    """The prefixes every output declares, with namespaces under the base made public."""
    return {prefix: urls.public(namespace) for prefix, namespace in PREFIXES.items()}


def context(urls: Urls) -> dict[str, object]:
    """The JSON-LD context document published at :meth:`Urls.context`."""
    return {"@context": prefixes(urls)}


def public_quads(quads: Iterable[ox.Quad], urls: Urls) -> list[ox.Quad]:
    """``quads`` with their IRIs under the base made public (graph names too)."""
    if not urls.rewriting:
        return list(quads)
    term = urls.term
    return [
        ox.Quad(
            term(q.subject),
            term(q.predicate),
            term(q.object),
            q.graph_name if isinstance(q.graph_name, ox.DefaultGraph) else term(q.graph_name),
        )
        for q in quads
    ]


def triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The distinct triples of ``quads`` (graph names dropped), in order."""
    return list(dict.fromkeys(q.triple for q in quads))


def used_prefixes(quads: Iterable[ox.Quad], declared: dict[str, str]) -> dict[str, str]:
    """The ``declared`` prefixes whose namespace some IRI in ``quads`` starts with."""
    iris = {
        term.value
        for quad in quads
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name)
        if isinstance(term, ox.NamedNode)
    }
    return {p: ns for p, ns in declared.items() if any(i.startswith(ns) for i in iris)}


def _oxigraph(fmt: Format) -> Renderer:
    def write(quads: list[ox.Quad], urls: Urls) -> bytes:
        data = public_quads(quads, urls)
        graph_or_dataset = data if fmt.datasets else triples(data)
        declared = used_prefixes(data, prefixes(urls))
        return ox.serialize(graph_or_dataset, format=fmt.oxigraph, prefixes=declared)

    return write


def _compact_jsonld(quads: list[ox.Quad], urls: Urls) -> bytes:
    """Compact JSON-LD whose ``@context`` is the URL of the published context."""
    graph = rdflib.Graph()
    nt = ox.serialize(triples(public_quads(quads, urls)), format=ox.RdfFormat.N_TRIPLES)
    graph.parse(data=nt.decode(), format="nt")
    document = json.loads(graph.serialize(format="json-ld", context=context(urls)["@context"]))
    document["@context"] = urls.context()
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


#: Format name -> renderer; every RDF format of the registry has one.
RENDERERS: dict[str, Renderer] = {fmt.name: _oxigraph(fmt) for fmt in RDF_FORMATS} | {
    "jsonld": _compact_jsonld
}


def render(quads: list[ox.Quad], fmt: Format, urls: Urls) -> bytes:
    """``quads`` written in ``fmt`` for a client of ``urls``."""
    return RENDERERS[fmt.name](quads, urls)


def paging_quads(resource_url: str, page: int, has_next: bool) -> list[ox.Quad]:
    """Hydra links between pages of a long description (empty when there is only one page)."""
    if page == 1 and not has_next:
        return []

    def at(number: int) -> ox.NamedNode:
        return ox.NamedNode(resource_url + (f"?page={number}" if number > 1 else ""))

    view = at(page)
    quads = [
        ox.Quad(ox.NamedNode(resource_url), ox.NamedNode(HYDRA.view), view),
        ox.Quad(view, ox.NamedNode(HYDRA.first), at(1)),
    ]
    if page > 1:
        quads.append(ox.Quad(view, ox.NamedNode(HYDRA.previous), at(page - 1)))
    if has_next:
        quads.append(ox.Quad(view, ox.NamedNode(HYDRA.next), at(page + 1)))
    return quads
