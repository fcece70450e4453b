"""The ontology and shapes parse, every hcn: term is documented and tied to an EU/W3C term."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from tests.conftest import ROOT, run_cli

HCN = "https://w3id.org/hcn/ontology#"
TIES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "hcn.ttl")


def hcn_terms(graph: Graph) -> set[URIRef]:
    return {
        s
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(HCN) and str(s) != HCN
    }


def test_ontology_has_a_versioned_iri(ontology):
    onto = next(ontology.subjects(RDF.type, OWL.Ontology))
    assert str(ontology.value(onto, OWL.versionIRI)).startswith(str(onto) + "/")


def test_every_term_has_label_definition_and_a_tie(ontology):
    terms = hcn_terms(ontology)
    assert len(terms) > 20
    for term in terms:
        assert ontology.value(term, RDFS.label), f"{term} has no label"
        assert ontology.value(term, SKOS.definition), f"{term} has no definition"
        ties = [o for p in TIES for o in ontology.objects(term, p)]
        assert ties, f"{term} is tied to no other term"


def test_every_hcn_term_the_data_uses_is_defined(ontology, built_store):
    out = run_cli(
        "query",
        "--store",
        str(built_store),
        "--format",
        "csv",
        f"""
        SELECT DISTINCT ?t WHERE {{
          GRAPH <https://w3id.org/hcn/graph/healthclusternet> {{
            {{ ?s ?t ?o }} UNION {{ ?s a ?t }} }}
          FILTER STRSTARTS(STR(?t), "{HCN}") }}""",
    )
    used = {URIRef(line) for line in out.stdout.splitlines()[1:]}
    assert used and used <= hcn_terms(ontology), used - hcn_terms(ontology)


def test_shapes_parse_and_every_shape_has_messages():
    shapes = Graph().parse(ROOT / "shapes" / "hcn-shapes.ttl")
    sh = "http://www.w3.org/ns/shacl#"
    properties = list(shapes.objects(None, URIRef(sh + "property")))
    assert len(properties) > 30
    for prop in properties:
        assert shapes.value(prop, URIRef(sh + "message")), f"property shape without message: {prop}"
