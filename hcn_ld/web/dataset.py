"""The dataset description: VoID and DCAT-AP at ``{base}id/dataset/hcn`` and ``/.well-known/void``.

Counts (triples, entities, classes, properties, links to GeoNames / NUTS / the EU country
table) are computed from the store once per version; ``void:Linkset`` resources found in the
store (written by importers) are listed as subsets, and each named graph as a part that
dereferences at its IRI (``{base}graph/{source}``: size and dataset). The dereferencing view
(:mod:`hcn_ld.web.resources`) serves the description at the dataset IRI, in every format.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from hcn_ld.rdf.vocab import SD
from hcn_ld.store import Store
from hcn_ld.web import site
from hcn_ld.web.dumps import dump_entries
from hcn_ld.web.urls import DATASET_PATH, Urls

TITLE = "HealthClusterNET and EU cooperation projects, as linked data"
DESCRIPTION = (
    "EU cooperation projects (starting with the Interreg IIIC West project HealthClusterNET "
    "from the KEEP platform) described with EURIO and the SEMIC core vocabularies: projects, "
    "funding, events, places, themes and outputs, linked to GeoNames, Eurostat NUTS regions "
    "and the EU Publications Office country table."
)
LICENCE = "http://creativecommons.org/licenses/by/4.0/"
RIGHTS = (
    "Project content from the KEEP platform (keep.eu, Interact), republished under CC BY 4.0 "
    "with attribution to KEEP; reference data from GeoNames (CC BY 4.0), JRC/Eurostat NUTS and "
    "the EU Publications Office."
)
SPDX = "http://spdx.org/rdf/terms#"
IANA = "http://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Target:
    """A dataset the data links to, recognised by the namespace of link objects."""

    slug: str
    title: str
    namespace: str
    homepage: str


TARGETS = (
    Target("geonames", "GeoNames", "https://sws.geonames.org/", "https://www.geonames.org/"),
    Target(
        "nuts",
        "Eurostat NUTS regions",
        "http://data.europa.eu/nuts/",
        "https://ec.europa.eu/eurostat/web/nuts",
    ),
    Target(
        "eu-country",
        "EU Publications Office country table",
        "http://publications.europa.eu/resource/authority/country/",
        "https://op.europa.eu/en/web/eu-vocabularies/dataset/-/resource?uri=http://publications.europa.eu/resource/dataset/country",
    ),
)


@dataclass
class Statistics:
    """What the store holds, for VoID."""

    triples: int
    entities: int
    classes: int
    properties: int
    vocabularies: list[str]
    links: dict[str, dict[str, int]]  # target slug -> predicate -> count
    linksets: list[str]
    examples: list[str]
    published: str | None


def _count(store: Store, sparql: str) -> int:
    return int(next(iter(store.query(sparql)))["n"].value)


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def statistics(store: Store, base: str) -> Statistics:
    """Counts and links of the published data (one pass of a few queries)."""
    predicates = [r["p"].value for r in store.query("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")]
    classes = [
        r["c"].value for r in store.query("SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(isIRI(?c)) }")
    ]
    values = " ".join(f'("{t.slug}" "{t.namespace}")' for t in TARGETS)
    links: dict[str, dict[str, int]] = {t.slug: {} for t in TARGETS}
    for row in store.query(
        f"SELECT ?t ?p (COUNT(*) AS ?n) WHERE {{ VALUES (?t ?ns) {{ {values} }} ?s ?p ?o "
        f"FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?ns) && !STRSTARTS(STR(?s), ?ns)) }} "
        f"GROUP BY ?t ?p"
    ):
        links[row["t"].value][row["p"].value] = int(row["n"].value)
    examples = [
        r["s"].value
        for r in store.query(
            "SELECT ?s WHERE { ?s a <http://data.europa.eu/s66#Project> } ORDER BY ?s LIMIT 3"
        )
    ]
    return Statistics(
        triples=sum(store.graphs().values()),
        entities=_count(
            store,
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
            f'FILTER(STRSTARTS(STR(?s), "{base}id/")) }}',
        ),
        classes=len(classes),
        properties=len(predicates),
        vocabularies=sorted({_namespace(i) for i in predicates + classes}),
        links=links,
        linksets=[
            r["l"].value
            for r in store.query(f"SELECT DISTINCT ?l WHERE {{ ?l a <{VOID.Linkset}> }}")
        ],
        examples=examples,
        published=str(store.info().get("published") or "") or None,
    )


def dataset_quads(urls: Urls) -> list[ox.Quad]:
    """The VoID + DCAT-AP description of the dataset, with canonical IRIs under the base."""
    current = site()
    stats: Statistics = current.cache.get(
        ("statistics", current.store.version()),
        lambda: statistics(current.store, current.settings.base),
    )
    base = current.settings.base
    dataset = ox.NamedNode(base + DATASET_PATH)
    quads: list[ox.Quad] = []

    def node(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def add(subject, predicate, obj) -> None:
        quads.append(ox.Quad(subject, node(str(predicate)), obj))

    def text(value: str, language: str | None = "en") -> ox.Literal:
        return ox.Literal(value, language=language)

    def number(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=node(str(XSD.integer)))

    def part(name: str) -> ox.NamedNode:
        return node(f"{dataset.value}#{name}")

    for kind in (VOID.Dataset, DCAT.Dataset):
        add(dataset, RDF.type, node(str(kind)))
    add(dataset, DCTERMS.title, text(TITLE))
    add(dataset, DCTERMS.description, text(DESCRIPTION))
    add(dataset, DCTERMS.license, node(LICENCE))
    add(node(LICENCE), RDF.type, node(str(DCTERMS.LicenseDocument)))
    add(node(LICENCE), DCTERMS.title, text("Creative Commons Attribution 4.0 International"))
    add(dataset, DCTERMS.rights, text(RIGHTS))
    add(dataset, DCTERMS.source, node("https://keep.eu/"))
    publisher = part("publisher")
    add(dataset, DCTERMS.publisher, publisher)
    add(publisher, RDF.type, node(str(FOAF.Agent)))
    add(publisher, FOAF.name, text("hcn-ld project", None))
    add(dataset, DCAT.landingPage, node(urls.page()))
    if stats.published:
        add(
            dataset, DCTERMS.modified, ox.Literal(stats.published, datatype=node(str(XSD.dateTime)))
        )
    add(dataset, VOID.triples, number(stats.triples))
    add(dataset, VOID.entities, number(stats.entities))
    add(dataset, VOID.classes, number(stats.classes))
    add(dataset, VOID.properties, number(stats.properties))
    add(dataset, VOID.uriSpace, ox.Literal(urls.public(base + "id/")))
    for vocabulary in stats.vocabularies:
        add(dataset, VOID.vocabulary, node(vocabulary))
    for example in stats.examples:
        add(dataset, VOID.exampleResource, node(example))
    sparql = node(urls.page("sparql"))
    add(dataset, VOID.sparqlEndpoint, sparql)
    service = part("sparql")
    add(service, RDF.type, node(str(DCAT.DataService)))
    add(service, RDF.type, node(str(SD.Service)))
    add(service, DCAT.endpointURL, sparql)
    add(service, DCAT.servesDataset, dataset)
    add(service, DCTERMS.title, text("SPARQL 1.1 endpoint"))
    for entry in dump_entries():
        download = node(urls.dumps(str(entry["name"])))
        add(dataset, VOID.dataDump, download)
        distribution = part(f"dump-{str(entry['name']).replace('.', '-')}")
        add(dataset, DCAT.distribution, distribution)
        add(distribution, RDF.type, node(str(DCAT.Distribution)))
        add(distribution, DCTERMS.title, text(f"Whole dataset as {entry['format']}"))
        add(distribution, DCAT.downloadURL, download)
        add(distribution, DCAT.accessURL, node(urls.dumps()))
        add(distribution, DCAT.mediaType, node(IANA + str(entry["media_type"])))
        add(distribution, DCAT.byteSize, number(int(entry["bytes"])))
        add(distribution, DCTERMS.license, node(LICENCE))
        checksum = part(f"checksum-{str(entry['name']).replace('.', '-')}")
        add(distribution, SPDX + "checksum", checksum)
        add(checksum, RDF.type, node(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", node(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", ox.Literal(str(entry["sha256"])))
    for target in TARGETS:
        counts = stats.links[target.slug]
        if not counts:
            continue
        linkset, other = part(f"linkset-{target.slug}"), part(target.slug)
        add(dataset, VOID.subset, linkset)
        add(linkset, RDF.type, node(str(VOID.Linkset)))
        add(linkset, DCTERMS.title, text(f"Links to {target.title}"))
        add(linkset, VOID.subjectsTarget, dataset)
        add(linkset, VOID.objectsTarget, other)
        add(linkset, VOID.triples, number(sum(counts.values())))
        for predicate in counts:
            add(linkset, VOID.linkPredicate, node(predicate))
        add(other, RDF.type, node(str(VOID.Dataset)))
        add(other, DCTERMS.title, text(target.title))
        add(other, VOID.uriSpace, ox.Literal(target.namespace))
        add(other, FOAF.homepage, node(target.homepage))
    for linkset in stats.linksets:
        add(dataset, VOID.subset, node(linkset))
    for graph in current.store.graphs():
        add(dataset, DCTERMS.hasPart, node(graph))
    return quads


def graph_quads(store: Store, iri: str, dataset_iri: str) -> list[ox.Quad]:
    """What a named graph of the store is (empty if ``iri`` names none): size, dataset, dump."""
    size = store.graphs().get(iri)
    if size is None:
        return []
    graph = ox.NamedNode(iri)

    def statement(predicate, obj) -> ox.Quad:
        return ox.Quad(graph, ox.NamedNode(str(predicate)), obj)

    name = iri.rstrip("/").rsplit("/", 1)[-1]
    return [
        statement(RDF.type, ox.NamedNode(str(SD.NamedGraph))),
        statement(SD.name, graph),
        statement(RDFS.label, ox.Literal(f"Named graph {name}", language="en")),
        statement(VOID.triples, ox.Literal(str(size), datatype=ox.NamedNode(str(XSD.integer)))),
        statement(DCTERMS.isPartOf, ox.NamedNode(dataset_iri)),
    ]
