"""The vocabularies hcn-ld speaks: namespaces and the prefixes every output declares."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

#: The hcn-ld ontology: terms the EU vocabularies lack (see ``ontology/hcn.ttl``).
HCN = Namespace("https://w3id.org/hcn/ontology#")
#: EURIO, the CORDIS knowledge graph's ontology.
EURIO = Namespace("http://data.europa.eu/s66#")
#: SEMIC core vocabularies (Core Public Event, Core Location share this namespace).
CV = Namespace("http://data.europa.eu/m8g/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SCHEMA = Namespace("http://schema.org/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")

#: Prefix -> namespace, declared in Turtle output, JSON-LD contexts and the query UI.
PREFIXES: dict[str, str] = {
    "hcn": str(HCN),
    "eurio": str(EURIO),
    "cv": str(CV),
    "locn": str(LOCN),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "time": str(TIME),
    "void": str(VOID),
    "xsd": str(XSD),
    "geo": str(GEO),
    "geosparql": str(GSP),
    "sh": str(SH),
    "sd": str(SD),
    "hydra": str(HYDRA),
}


def sparql_prologue(prefixes: dict[str, str] = PREFIXES) -> str:
    """``PREFIX`` lines for a SPARQL query.

    >>> sparql_prologue({"ex": "http://example.org/"})
    'PREFIX ex: <http://example.org/>\\n'
    """
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
