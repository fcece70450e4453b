"""The SPARQL validator finds exactly what whole-graph pyshacl finds, on every shape of shapes/.

The corpus is the SYNTHETIC one of tests/test_partitions.py (bench/generate.py) plus the
HealthClusterNET build and a few SYNTHETIC linkset triples, with at least one error planted for
every node shape and every kind of constraint the validator compiles; and the HealthClusterNET
data broken as tests/test_shapes.py breaks it, and the CORDIS sample import.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, VOID, XSD

from hcn_ld.build.importers.cordis import read_cordis
from hcn_ld.build.mapping import Mapped
from hcn_ld.build.pipeline import map_data
from hcn_ld.build.shaclsparql import UnsupportedShape, compile_shapes, validate_store
from hcn_ld.build.validation import Report, shapes_graph, validate
from hcn_ld.config import Settings
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import EURIO, GEO, HCN, SCHEMA, SH
from tests.conftest import ORGANISATIONS, PROJECTS
from tests.test_partitions import key, planted_corpus
from tests.test_shapes import BROKEN, edit

DATA = ox.NamedNode("https://w3id.org/hcn/graph/test")
SSSOM = "https://w3id.org/sssom/"
ID = "https://w3id.org/hcn/id/"
SHAPES = shapes_graph(Settings())


def store_of(graph: Graph, named: bool = True) -> ox.Store:
    """A pyoxigraph store holding ``graph`` (in a named graph, or the default graph)."""
    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.bulk_load(data, ox.RdfFormat.N_TRIPLES, to_graph=DATA if named else ox.DefaultGraph())
    return store


def both(mapped: Mapped, named: bool = True) -> tuple[Report, Report]:
    """(pyshacl's report, the SPARQL validator's report) on the same data."""
    expected = validate(mapped, Settings(), shapes=SHAPES)
    store = store_of(mapped.graph, named)
    graph = DATA if named else None
    got = validate_store(store, Settings(), graph=graph, origins=mapped.origins, shapes=SHAPES)
    return expected, got


def assert_same(expected: Report, got: Report) -> None:
    """The same set of findings, with the same origins. (Counts may differ where pyshacl
    misses a result: it passes "abc"^^xsd:decimal as at most 90, the SPARQL <= does not.)"""
    assert sorted(set(map(key, got.findings))) == sorted(set(map(key, expected.findings)))
    origins = {key(f): f.origin for f in expected.findings}
    assert {key(f): f.origin for f in got.findings} == origins
    assert got.conforms == expected.conforms
    assert (None, SH.conforms, Literal(got.conforms)) in got.graph


# ------------------------------------------------------------------ planting errors


def one(graph: Graph, cls: URIRef, n: int = 0) -> URIRef:
    """The n-th instance of ``cls`` (by IRI, so the choice is stable)."""
    return sorted(graph.subjects(RDF.type, cls))[n]  # type: ignore[type-var,return-value]


def replace(graph: Graph, node: URIRef, prop: URIRef, value: object) -> None:
    graph.remove((node, prop, None))
    if value is not None:
        graph.add((node, prop, value))  # type: ignore[arg-type]


def plant_everywhere(g: Graph) -> None:
    """At least one error for every node shape and every constraint kind of shapes/."""
    org, role, site = one(g, EURIO.Organisation), one(g, EURIO.OrganisationRole), one(g, EURIO.Site)
    g.add((org, EURIO.identifier, Literal("PIC-1")))  # pattern
    g.add((org, EURIO.vatNumber, Literal(5)))  # datatype xsd:string
    g.add((org, HCN.activityType, Literal("PRC", lang="en")))  # in: not the same term
    replace(g, role, EURIO.order, Literal("-1", datatype=XSD.nonNegativeInteger))  # ill-formed
    replace(g, role, EURIO.roleLabel, Literal("boss"))  # in
    g.remove((None, EURIO.hasInvolvedParty, one(g, EURIO.OrganisationRole, 1)))  # inverse path
    country = URIRef("http://publications.europa.eu/resource/authority/country/XXX")
    g.add((site, EURIO.hasGeographicalLocation, country))  # qualifiedMaxCount
    g.add((country, RDF.type, EURIO.Country))
    g.add((site, EURIO.hasCoordinates, Literal("45,7")))  # class on a literal
    other = one(g, EURIO.Site, 1)
    g.remove((other, EURIO.hasGeographicalLocation, None))  # qualifiedMinCount
    address = one(g, EURIO.PostalAddress)
    replace(g, address, EURIO.fullAddress, None)  # minCount
    replace(g, address, EURIO.addressCountry, Literal("Deutschland"))
    replace(g, one(g, EURIO.PostalAddress, 1), EURIO.addressLocality, None)  # a warning
    coordinates = one(g, EURIO.Coordinates)
    replace(g, coordinates, EURIO.latitude, Literal("abc", datatype=XSD.decimal))  # ill-formed
    replace(g, coordinates, EURIO.longitude, Literal("200", datatype=XSD.decimal))  # maxInclusive
    replace(g, one(g, EURIO.Coordinates, 1), EURIO.latitude, Literal("-95", datatype=XSD.decimal))

    first, second, third = (one(g, EURIO.Project, n) for n in (0, 1, 3))
    replace(g, first, EURIO.startDate, Literal("2030-01-01", datatype=XSD.date))  # lessThanOrEq.
    replace(g, first, EURIO.projectStatus, Literal("paused"))  # in
    replace(g, first, HCN.euCofinancingRate, Literal("1.5", datatype=XSD.decimal))
    replace(g, second, EURIO.title, Literal(42))  # or (of datatypes)
    replace(g, second, EURIO.endDate, None)  # minCount (FundedProjectShape)
    replace(g, second, EURIO.description, None)  # or (of property shapes): a warning
    g.remove((third, EURIO.hasInvolvedParty, None))  # ProjectPartnersShape (a warning)
    g.remove((third, HCN.partnerCount, None))
    acronym = one(g, EURIO.Acronym)
    replace(g, acronym, EURIO.shortForm, Literal("A" * 41))  # maxLength
    amount, amount2 = one(g, EURIO.MonetaryAmount), one(g, EURIO.MonetaryAmount, 1)
    replace(g, amount, EURIO.currency, Literal("eur"))
    replace(g, amount2, EURIO.value, Literal("-5", datatype=XSD.decimal))  # minInclusive
    replace(g, one(g, EURIO.Grant), EURIO.hasFundingSchemeProgramme, None)
    g.add((one(g, HCN.Programme), EURIO.title, Literal("A second title")))  # maxCount
    period = one(g, DCTERMS.PeriodOfTime)
    replace(g, period, DCAT.startDate, Literal("2000"))  # datatype; incomparable with a gYear
    theme = URIRef(ID + "theme/Not_A_Slug")
    g.add((theme, RDF.type, HCN.Theme))  # node pattern without sh:message (generic message)
    g.add((theme, SKOS.prefLabel, Literal("Bad theme", lang="en")))

    event = one(g, HCN.PolicyForum)
    start = g.value(event, SCHEMA.startDate)
    g.add(
        (event, SCHEMA.endDate, Literal(f"{int(str(start)[:4]) - 1}-01", datatype=XSD.gYearMonth))
    )
    replace(g, one(g, HCN.InterRegionalWorkshop), DCTERMS.title, Literal("No language"))
    series = one(g, HCN.SteeringGroupMeetingSeries)
    replace(g, series, HCN.numberOfEvents, Literal("many"))
    replace(g, one(g, DCTERMS.Location), GEO.lat, None)  # a warning
    output = one(g, HCN.BusinessPlan)
    g.remove((None, EURIO.hasResult, output))  # inverse path, minCount
    replace(g, one(g, HCN.Website), HCN.numberOfPages, Literal(-87))
    replace(g, one(g, DCAT.CatalogRecord), FOAF.primaryTopic, URIRef(ID + "project/nowhere"))
    plant_linksets(g)


def plant_linksets(g: Graph) -> None:
    """SYNTHETIC linkset and mapping triples (as ``hcn-ld link`` writes them), one broken each."""
    linkset, good = URIRef(ID + "linkset/synthetic"), URIRef(ID + "linkset/synthetic-good")
    for node in (linkset, good):
        g.add((node, RDF.type, VOID.Linkset))
        g.add((node, VOID.subjectsTarget, URIRef("https://w3id.org/hcn/")))
        g.add((node, VOID.objectsTarget, URIRef("https://w3id.org/hcn/id/dataset/geonames")))
    g.add((URIRef("https://w3id.org/hcn/id/dataset/geonames"), RDF.type, VOID.Dataset))
    g.add((good, VOID.linkPredicate, OWL.sameAs))
    g.add((good, VOID.triples, Literal(3)))
    g.add((linkset, VOID.linkPredicate, Literal("owl:sameAs")))  # nodeKind
    for n, (justification, confidence) in enumerate(
        [
            ("https://w3id.org/semapv/vocab/LexicalMatching", "0.9"),
            ("https://example.org/manual", "1.5"),
        ]
    ):
        axiom = URIRef(f"{ID}mapping/synthetic-{n}")
        g.add((axiom, RDF.type, OWL.Axiom))
        g.add((axiom, OWL.annotatedSource, URIRef(ID + "organisation/x")))
        g.add((axiom, OWL.annotatedProperty, OWL.sameAs))
        g.add((axiom, OWL.annotatedTarget, URIRef("https://sws.geonames.org/1/")))
        g.add((axiom, URIRef(SSSOM + "mapping_justification"), URIRef(justification)))
        g.add((axiom, URIRef(SSSOM + "confidence"), Literal(confidence, datatype=XSD.double)))


def planted_graph(folder) -> Mapped:
    """The synthetic KEEP corpus with test_partitions' planted errors, the HealthClusterNET
    build, and an error planted for every shape."""
    graph, origins = Graph(), {}
    for part in planted_corpus(folder):
        for triple in part.all_triples():
            graph.add(triple)
        origins.update(part.origins)
    hcn = map_data(Settings())
    graph += hcn.graph
    origins.update(hcn.origins)
    plant_everywhere(graph)
    return Mapped(graph, origins)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Mapped:
    return planted_graph(tmp_path_factory.mktemp("keep"))


def test_planted_errors_are_found_exactly_as_pyshacl_finds_them(planted):
    expected, got = both(planted)
    assert_same(expected, got)
    assert len(got.violations) > 40 and len(got.warnings) >= 5
    # Every node shape of shapes/ has a finding, and every kind of constraint compiled.
    shapes = SHAPES
    reported = {s for s in got.graph.objects(None, SH.sourceShape)}
    owners = {next(iter(shapes.subjects(SH.property, s)), s) for s in reported}
    targeted = {*shapes.subjects(SH.targetClass, None), *shapes.subjects(SH.targetSubjectsOf, None)}
    assert targeted <= owners, targeted - owners
    compiled = {c.component for q in compile_shapes(shapes, {}) for c in q.checks}
    assert {*got.graph.objects(None, SH.sourceConstraintComponent)} == compiled
    assert len(compiled) == 16


def test_the_default_graph_and_two_threads_give_the_same_report(planted, tmp_path):
    expected, got = both(planted, named=False)
    assert_same(expected, got)
    folder = tmp_path / "store"
    store = ox.Store(str(folder))
    store.bulk_load(planted.graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    del store  # closed: opened again read-only
    parallel = validate_store(folder, Settings(), origins=planted.origins, workers=2)
    assert sorted(map(key, parallel.findings)) == sorted(map(key, got.findings))


def test_a_period_ending_before_it_starts_is_reported_where_pyshacl_crashes(planted):
    graph = Graph() + planted.graph
    period = one(graph, DCTERMS.PeriodOfTime, 1)
    replace(graph, period, DCAT.startDate, Literal("2100", datatype=XSD.gYear))
    with pytest.raises(TypeError):  # pyshacl compares two gYear literals with Python's <=
        validate(Mapped(graph, planted.origins), Settings())
    report = validate_store(store_of(graph), Settings(), graph=DATA)
    assert any(
        f.focus == str(period) and f.value == "2100" and "not after its end year" in f.message
        for f in report.violations
    )


def test_the_healthclusternet_build_conforms_for_both():
    expected, got = both(map_data(Settings()))
    assert_same(expected, got)
    assert got.conforms


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_healthclusternet_data_gets_the_same_findings(case, data_copy):
    file, old, new, message, _ = BROKEN[case]
    edit(data_copy / file, old, new)
    expected, got = both(map_data(dataclasses.replace(Settings(), data_dir=data_copy)))
    assert_same(expected, got)
    assert any(message in f.message for f in got.violations)


def test_the_cordis_sample_gets_the_same_findings():
    mapped = read_cordis(PROJECTS, ORGANISATIONS, Minter(Settings().base)).mapped
    expected, got = both(mapped)
    assert_same(expected, got)


# ------------------------------------------------------------------ unsupported shapes

UNSUPPORTED: dict[str, tuple[str, str]] = {
    "xone": ("sh:xone ( [ sh:datatype xsd:string ] [ sh:datatype xsd:integer ] )", "sh:xone"),
    "closed": ("sh:closed true", "sh:closed"),
    "sequence path": ("sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ]", "sh:path"),
    "flags": ('sh:property [ sh:path ex:a ; sh:pattern "x" ; sh:flags "i" ]', "sh:flags"),
    "node": ("sh:node ex:Other", "sh:node"),
    "target node": ("sh:targetNode ex:a", "sh:targetNode"),
    "minCount on a node shape": ("sh:minCount 1", "sh:minCount"),
    "sparql with OPTIONAL": (
        'sh:sparql [ sh:select "SELECT $this WHERE { OPTIONAL { $this ex:a ?x } }" ]',
        "OPTIONAL",
    ),
}


def with_shapes(tmp_path, turtle: str) -> Settings:
    """Settings whose shapes are ``turtle`` alone (prefixes sh:, ex:, xsd: declared)."""
    folder = tmp_path / "shapes"
    folder.mkdir()
    (folder / "test.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + turtle
    )
    return dataclasses.replace(Settings(), shapes_dir=folder)


@pytest.mark.parametrize("case", UNSUPPORTED, ids=list(UNSUPPORTED))
def test_an_unsupported_shape_feature_is_refused_by_name(case, tmp_path):
    text, feature = UNSUPPORTED[case]
    settings = with_shapes(
        tmp_path, f"ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; {text} ."
    )
    with pytest.raises(UnsupportedShape) as error:
        validate_store(ox.Store(), settings)
    assert "shape <http://example.org/Shape>" in str(error.value)
    assert feature in str(error.value)


def test_deactivated_shapes_are_skipped(tmp_path):
    settings = with_shapes(
        tmp_path,
        "ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ;\n"
        "  sh:property [ sh:path ex:a ; sh:minCount 1 ] .\n"
        "ex:On a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
        "  sh:property [ sh:path ex:b ; sh:minCount 1 ] .\n",
    )
    graph = Graph()
    graph.add((URIRef("http://example.org/t"), RDF.type, URIRef("http://example.org/Thing")))
    expected = validate(Mapped(graph, {}), settings)
    got = validate_store(store_of(graph), settings, graph=DATA)
    assert {f.path for f in got.findings} == {f.path for f in expected.findings}
    assert {f.path for f in got.findings} == {"http://example.org/b"}


def test_counts_above_one_are_counted_as_pyshacl_counts_them(tmp_path):
    settings = with_shapes(
        tmp_path,
        "ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
        "  sh:property [ sh:path ex:a ; sh:minCount 2 ; sh:maxCount 3 ; sh:message 'a' ] ,\n"
        "    [ sh:path ex:b ; sh:maxCount 0 ; sh:message 'b' ] ,\n"
        "    [ sh:path ex:c ; sh:qualifiedValueShape [ sh:class ex:Thing ] ;\n"
        "      sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 2 ; sh:message 'c' ] .\n",
    )
    ex = "http://example.org/"
    graph = Graph()
    for n, values in enumerate([1, 2, 4]):
        thing = URIRef(f"{ex}t{n}")
        graph.add((thing, RDF.type, URIRef(ex + "Thing")))
        for v in range(values):
            graph.add((thing, URIRef(ex + "a"), Literal(v)))
            graph.add((thing, URIRef(ex + "c"), URIRef(f"{ex}t{v}")))
        if n:
            graph.add((thing, URIRef(ex + "b"), Literal("x")))
    expected = validate(Mapped(graph, {}), settings)
    got = validate_store(store_of(graph), settings, graph=DATA)
    assert_same(expected, got)
    assert {(f.focus[-2:], f.message) for f in got.findings} >= {("t0", "a"), ("t2", "a")}
