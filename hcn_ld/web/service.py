"""The SPARQL 1.1 Service Description of the endpoint, as an rdflib graph.

>>> from hcn_ld.config import Settings
>>> g = service_description("http://h/sparql", "http://h/.well-known/void", {"http://g": 3},
...                         Settings())
>>> (URIRef("http://h/sparql"), SD.endpoint, URIRef("http://h/sparql")) in g
True
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD

from hcn_ld.config import Settings
from hcn_ld.rdf import formats
from hcn_ld.rdf.vocab import PREFIXES, SD

#: W3C format IRIs (https://www.w3.org/ns/formats/) of the formats the endpoint writes.
W3C_FORMATS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "ntriples": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
}
ENTAILMENT_SIMPLE = URIRef("http://www.w3.org/ns/entailment/Simple")


def service_description(
    endpoint: str, dataset: str, void: str, graphs: dict[str, int], settings: Settings
) -> Graph:
    """Describe the endpoint: languages, formats, features, limits and its default dataset.

    The default dataset is the published dataset (its IRI, described by VoID and DCAT-AP at
    ``void``); its default graph is the union of the named graphs (``sd:UnionDefaultGraph``),
    and each named graph is listed with its size.
    """
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.update_token:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in formats.RESULT_FORMATS + formats.RDF_FORMATS:
        iri = URIRef(f"http://www.w3.org/ns/formats/{W3C_FORMATS[fmt.name]}")
        g.add((service, SD.resultFormat, iri))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allowlist:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT_SIMPLE))
    limits = (
        f"Read-only unless started with an update token. Limits: {settings.query_timeout:g} s "
        f"per query, {settings.row_limit} rows per answer, {settings.max_query_length} "
        "characters per query; SERVICE only to allowlisted endpoints."
    )
    g.add((service, RDFS.comment, Literal(limits, lang="en")))
    dataset = URIRef(dataset)
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDFS.seeAlso, URIRef(void)))
    g.add((dataset, VOID.sparqlEndpoint, service))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(sum(graphs.values()), datatype=XSD.integer)))
    for name, size in graphs.items():
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(size, datatype=XSD.integer)))
    return g
