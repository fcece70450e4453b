"""The vocabularies hcn-ld speaks: namespaces and the prefixes every output declares."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD


class Vocabulary(Namespace):
    """An rdflib ``Namespace`` that makes each term once (rdflib builds and checks a new
    ``URIRef`` at every ``NS.term``, a large share of an importer's time)::

        >>> EURIO.hasRole is EURIO.hasRole
        True
    """

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):  # copy, pickle and friends look for dunders
            raise AttributeError(name)
        term = self.term(name)
        self.__dict__[name] = term
        return term


#: The hcn-ld ontology: terms the EU vocabularies lack (see ``ontology/hcn.ttl``).
HCN = Vocabulary("https://w3id.org/hcn/ontology#")
#: EURIO, the CORDIS knowledge graph's ontology.
EURIO = Vocabulary("http://data.europa.eu/s66#")
#: SEMIC core vocabularies (Core Public Event, Core Location share this namespace).
CV = Vocabulary("http://data.europa.eu/m8g/")
LOCN = Vocabulary("http://www.w3.org/ns/locn#")
SCHEMA = Vocabulary("http://schema.org/")
GEO = Vocabulary("http://www.w3.org/2003/01/geo/wgs84_pos#")
GSP = Vocabulary("http://www.opengis.net/ont/geosparql#")
SH = Vocabulary("http://www.w3.org/ns/shacl#")
SD = Vocabulary("http://www.w3.org/ns/sparql-service-description#")
HYDRA = Vocabulary("http://www.w3.org/ns/hydra/core#")
ADMS = Vocabulary("http://www.w3.org/ns/adms#")

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
