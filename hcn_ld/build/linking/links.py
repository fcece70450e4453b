"""Links from our places, sites and organisations to GeoNames, NUTS, EU countries and CORDIS.

Each link carries its method (an SSSOM mapping justification plus a comment) and a score;
:func:`link_all` gathers them, :func:`linkset_graph` turns them into RDF (the link triples,
one SSSOM ``owl:Axiom`` per link, a ``void:Linkset`` per kind of link) and
:mod:`hcn_ld.build.linking.sssom` writes the SSSOM table::

    >>> LINKSETS["nuts-2021"].predicate
    rdflib.term.URIRef('https://w3id.org/hcn/ontology#nuts3Region2021')
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID, XSD

from hcn_ld.build.linking.endpoint import Endpoint
from hcn_ld.build.linking.names import fold, normalise, score
from hcn_ld.build.mapping import new_graph
from hcn_ld.rdf import uris
from hcn_ld.rdf.countries import EU_TO_ISO
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import EURIO, HCN, PREFIXES

SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
REFERENCE = Path(__file__).resolve().parents[2] / "reference"
JRC_TABLE = REFERENCE / "nuts-jrc" / "n3_cm_v2006_v2021.csv"
#: Default score a name match needs (0-1).
THRESHOLD = 0.9
_PROLOGUE = "".join(
    f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("eurio", "rdfs", "owl", "dct", "hcn")
)


@dataclass(frozen=True)
class Target:
    """An external dataset links point into."""

    ref: str
    title: str
    uri_space: str
    homepage: str


#: Link targets; slugs, titles and URI spaces as on the VoID page (hcn_ld.web.dataset.TARGETS).
TARGETS = {
    "geonames": Target("geonames", "GeoNames", uris.GEONAMES[:-5], "https://www.geonames.org/"),
    "nuts": Target(
        "nuts",
        "Eurostat NUTS regions",
        "http://data.europa.eu/nuts/",
        "https://ec.europa.eu/eurostat/web/nuts",
    ),
    "countries": Target(
        "eu-country",
        "EU Publications Office country table",
        uris.EU_COUNTRY[:-6],
        "https://op.europa.eu/en/web/eu-vocabularies/dataset/-/resource?uri=http://publications.europa.eu/resource/dataset/country",
    ),
    "cordis": Target("cordis", "CORDIS knowledge graph", "", "https://cordis.europa.eu/"),
}


@dataclass(frozen=True)
class Linkset:
    """One kind of link: its predicate, target dataset and a description of the method."""

    name: str
    predicate: URIRef
    target: str
    title: str


LINKSETS = {
    ls.name: ls
    for ls in (
        Linkset("geonames", OWL.sameAs, "geonames", "Places to GeoNames"),
        Linkset("nuts-2006", HCN.nuts3Region2006, "nuts", "Places to their NUTS 3 region (2006)"),
        Linkset("nuts-2021", HCN.nuts3Region2021, "nuts", "Places to their NUTS 3 region (2021)"),
        Linkset("place-countries", HCN.country, "countries", "Places to their country"),
        Linkset(
            "site-countries",
            EURIO.hasGeographicalLocation,
            "countries",
            "Organisation sites to their country",
        ),
        Linkset(
            "site-nuts", EURIO.hasGeographicalLocation, "nuts", "Organisation sites to NUTS regions"
        ),
        Linkset(
            "cordis-organisations-by-id",
            OWL.sameAs,
            "cordis",
            "Organisations to CORDIS organisations with the same PIC or VAT number",
        ),
        Linkset(
            "cordis-organisations-by-name",
            SKOS.exactMatch,
            "cordis",
            "Organisations to CORDIS organisations by normalised name, country and city",
        ),
    )
}


@dataclass(frozen=True)
class Link:
    """One link with its method and score (SSSOM: justification, confidence, comment)."""

    linkset: str
    subject: str
    subject_label: str
    object: str
    object_label: str
    justification: str
    confidence: float
    comment: str

    @property
    def predicate(self) -> URIRef:
        return LINKSETS[self.linkset].predicate


@dataclass(frozen=True)
class Organisation:
    """An organisation as the linker sees it (from our store, a test set or CORDIS)."""

    iri: str
    name: str
    pic: str = ""
    vat: str = ""
    country: str = ""
    city: str = ""


# ---------------------------------------------------------------- places and sites


@cache
def nuts_2006_to_2021() -> dict[str, dict[str, float]]:
    """NUTS 3 code 2006 -> {code 2021: share of the 2006 region's area} (JRC converter)."""
    areas: dict[str, dict[str, float]] = defaultdict(dict)
    with JRC_TABLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            areas[row["code_v2006"]][row["code_v2021"]] = float(row["areaKm"] or 0)
    return {
        old: {new: area / (sum(shares.values()) or 1) for new, area in shares.items()}
        for old, shares in areas.items()
    }


PLACES = (
    _PROLOGUE
    + """SELECT DISTINCT ?place ?label ?geonames ?nuts2006 ?nuts2021 ?country WHERE {
  ?place a dct:Location ; rdfs:label ?label .
  OPTIONAL { ?place owl:sameAs ?geonames
             FILTER STRSTARTS(STR(?geonames), "https://sws.geonames.org/") }
  OPTIONAL { ?place hcn:nuts3Region2006 ?nuts2006 }
  OPTIONAL { ?place hcn:nuts3Region2021 ?nuts2021 }
  OPTIONAL { ?place hcn:country ?country }
} ORDER BY ?place"""
)
CURATED = "curated in data/places.csv (GeoNames, JRC tables, EU country table)"


def place_links(ours: Endpoint) -> list[Link]:
    """Places -> GeoNames, NUTS 3 (2006; 2021 derived through the JRC converter), country."""
    links = []
    converter = nuts_2006_to_2021()
    for row in ours.select(PLACES):
        place, label = row["place"], row["label"]

        def add(linkset: str, target: str, why: str, score: float, comment: str) -> None:
            code = target.rstrip("/").rsplit("/", 1)[-1]
            links.append(Link(linkset, place, label, target, code, why, score, comment))  # noqa: B023

        curated = str(SEMAPV.ManualMappingCuration)
        if "geonames" in row:
            add("geonames", row["geonames"], curated, 1.0, CURATED)
        if "country" in row:
            add("place-countries", row["country"], curated, 1.0, CURATED)
        if "nuts2006" in row:
            add("nuts-2006", row["nuts2006"], curated, 1.0, CURATED)
            old = row["nuts2006"].rsplit("/", 1)[-1]
            shares = converter.get(old, {})
            if shares:
                new, share = max(shares.items(), key=lambda item: item[1])
                comment = f"NUTS 2006 {old} -> 2021 by the JRC NUTS converter; score = area share"
                add("nuts-2021", str(uris.nuts(new)), str(SEMAPV.MappingChaining), share, comment)
            elif "nuts2021" in row:
                add("nuts-2021", row["nuts2021"], curated, 1.0, CURATED)
    return links


SITES = (
    _PROLOGUE
    + """SELECT DISTINCT ?site ?name ?location WHERE {
  ?site a eurio:Site ; eurio:name ?name ; eurio:hasGeographicalLocation ?location .
} ORDER BY ?site ?location"""
)


def site_links(ours: Endpoint) -> list[Link]:
    """Organisation sites -> their country (EU authority table) and NUTS region, as imported."""
    links = []
    why = str(SEMAPV.BackgroundKnowledgeBasedMatching)
    for row in ours.select(SITES):
        location = row["location"]
        if location.startswith(TARGETS["countries"].uri_space):
            comment = "country code of the source record (ISO 3166 via pycountry)"
            linkset = "site-countries"
        elif location.startswith(TARGETS["nuts"].uri_space):
            comment = "NUTS code of the source record"
            linkset = "site-nuts"
        else:
            continue
        code = location.rsplit("/", 1)[-1]
        links.append(Link(linkset, row["site"], row["name"], location, code, why, 1.0, comment))
    return links


# ---------------------------------------------------------------- organisations

ORGANISATIONS = (
    _PROLOGUE
    + """SELECT DISTINCT ?org ?name ?pic ?vat ?country ?city WHERE {
  %s
  ?org a eurio:Organisation ; eurio:legalName ?name .
  OPTIONAL { ?org eurio:identifier ?pic }
  OPTIONAL { ?org eurio:vatNumber ?vat }
  OPTIONAL { ?org eurio:hasSite/eurio:hasAddress ?address .
             OPTIONAL { ?address eurio:addressCountry ?country }
             OPTIONAL { ?address eurio:addressLocality ?city } }
} ORDER BY ?org"""
)


def _organisations(rows: Iterable[dict[str, str]]) -> list[Organisation]:
    seen: dict[str, Organisation] = {}
    for row in rows:
        if row["org"] not in seen:
            seen[row["org"]] = Organisation(
                row["org"],
                row["name"],
                row.get("pic", ""),
                row.get("vat", ""),
                row.get("country", "").upper(),
                row.get("city", ""),
            )
    return list(seen.values())


def organisations(endpoint: Endpoint) -> list[Organisation]:
    """Every ``eurio:Organisation`` of an endpoint with its identifiers and address."""
    return _organisations(endpoint.select(ORGANISATIONS % ""))


def _literals(values: Iterable[str]) -> str:
    return " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)


IDENTIFIERS = {"pic": "eurio:identifier", "vat": "eurio:vatNumber"}


def _by_value(target: Endpoint, variable: str, values: list[str]) -> dict[str, list[Organisation]]:
    """Target organisations whose PIC or VAT (``variable``) is one of ``values``, in batches."""
    found: dict[str, list[Organisation]] = defaultdict(list)
    unique = sorted(set(values))
    for start in range(0, len(unique), 200):
        batch = _literals(unique[start : start + 200])
        clause = f"VALUES ?{variable} {{ {batch} }} ?org {IDENTIFIERS[variable]} ?{variable} ."
        for org in _organisations(target.select(ORGANISATIONS % clause)):
            found[getattr(org, variable)].append(org)
    return found


def country_codes(code: str) -> list[str]:
    """The ways a country's two-letter code is written (ISO and EU style: GB/UK, GR/EL)."""
    code = code.upper()
    iso = EU_TO_ISO.get(code, code)
    return sorted({code, iso, *(eu for eu, i in EU_TO_ISO.items() if i == iso)})


#: Rows asked for at once (public endpoints such as Virtuoso cap a result at 10,000 rows).
PAGE = 10000


def _in_country(target: Endpoint, country: str) -> list[Organisation]:
    """The target's organisations with an address in ``country``, page by page."""
    codes = _literals(country_codes(country))
    path = "eurio:hasSite/eurio:hasAddress/eurio:addressCountry"
    query = ORGANISATIONS % f"VALUES ?country {{ {codes} }} ?org {path} ?country ."
    rows: list[dict[str, str]] = []
    while True:
        page = target.select(f"{query} LIMIT {PAGE} OFFSET {len(rows)}")
        rows += page
        if len(page) < PAGE:
            return _organisations(rows)


def name_score(ours: Organisation, theirs: Organisation, name: float) -> float:
    """Name similarity adjusted by the city: a different city costs, an equal one confirms."""
    if not ours.city or not theirs.city:
        return name
    city = fuzz.ratio(fold(ours.city), fold(theirs.city)) / 100
    return 0.85 * name + 0.15 * city


def match_organisations(
    sources: list[Organisation], target: Endpoint, threshold: float = THRESHOLD
) -> list[Link]:
    """Links from ``sources`` to ``target`` organisations: by PIC, else VAT, else by name.

    A name match needs the same country, a score of at least ``threshold`` and a clear lead
    (0.02) over the next candidate; a different organisation IRI is required throughout, so
    a store can be linked against itself.
    """
    links = []
    by_pic = _by_value(target, "pic", [s.pic for s in sources if s.pic])
    by_vat = _by_value(target, "vat", [s.vat for s in sources if s.vat])
    pending: dict[str, list[Organisation]] = defaultdict(list)
    same = str(SEMAPV.BackgroundKnowledgeBasedMatching)
    for source in sources:
        for key, index, what in ((source.pic, by_pic, "PIC"), (source.vat, by_vat, "VAT number")):
            hits = {o.iri: o for o in index.get(key, []) if o.iri != source.iri} if key else {}
            if len(hits) == 1:
                hit = next(iter(hits.values()))
                comment = f"same {what} {key}"
                link = Link(
                    "cordis-organisations-by-id",
                    *(source.iri, source.name, hit.iri, hit.name, same, 1.0, comment),
                )
                links.append(link)
                break
        else:
            if source.country:
                pending[source.country].append(source)
    lexical = str(SEMAPV.LexicalSimilarityThresholdMatching)
    for country, group in sorted(pending.items()):
        candidates = _in_country(target, country)
        names = [normalise(c.name) for c in candidates]
        for source in group:
            scored = []
            wanted = normalise(source.name)
            for name, _, index in process.extract(
                wanted, names, scorer=fuzz.token_sort_ratio, limit=8
            ):
                candidate = candidates[index]
                if candidate.iri != source.iri:
                    similar = score(wanted, name)
                    scored.append((name_score(source, candidate, similar), candidate))
            scored.sort(key=lambda item: -item[0])
            if not scored or scored[0][0] < threshold:
                continue
            if len(scored) > 1 and scored[0][0] - scored[1][0] < 0.02:
                continue
            best, hit = scored[0]
            comment = (
                "normalised name + country + city, rapidfuzz token_sort_ratio; "
                f"threshold {threshold}"
            )
            linkset = "cordis-organisations-by-name"
            args = (source.iri, source.name, hit.iri, hit.name, lexical, round(best, 4), comment)
            links.append(Link(linkset, *args))
    return links


def link_all(ours: Endpoint, cordis: Endpoint, threshold: float = THRESHOLD) -> list[Link]:
    """Every link of our data: places, sites, and organisations against CORDIS."""
    found = place_links(ours) + site_links(ours)
    return found + match_organisations(organisations(ours), cordis, threshold)


# ---------------------------------------------------------------- RDF


def linkset_graph(links: list[Link], minter: Minter, cordis: str) -> Graph:
    """The links, one SSSOM axiom per link, and a VoID description of each linkset."""
    graph = new_graph()
    graph.bind("sssom", str(SSSOM))
    graph.bind("semapv", str(SEMAPV))
    # the dataset described at id/dataset/hcn (hcn_ld.web.urls.DATASET_PATH); targets are its
    # fragments, as on the VoID page
    ours = minter.id("dataset", "hcn")
    counts: dict[str, int] = defaultdict(int)
    for link in links:
        subject, target = URIRef(link.subject), URIRef(link.object)
        graph.add((subject, link.predicate, target))
        axiom = BNode()
        graph.add((axiom, RDF.type, OWL.Axiom))
        graph.add((axiom, OWL.annotatedSource, subject))
        graph.add((axiom, OWL.annotatedProperty, link.predicate))
        graph.add((axiom, OWL.annotatedTarget, target))
        graph.add((axiom, SSSOM.mapping_justification, URIRef(link.justification)))
        graph.add((axiom, SSSOM.confidence, Literal(link.confidence, datatype=XSD.double)))
        graph.add((axiom, RDFS.comment, Literal(link.comment)))
        graph.add((axiom, VOID.inDataset, minter.id("linkset", link.linkset)))
        counts[link.linkset] += 1
    for name, count in counts.items():
        linkset = LINKSETS[name]
        node = minter.id("linkset", name)
        target = TARGETS[linkset.target]
        dataset = URIRef(f"{ours}#{target.ref}")
        graph.add((node, RDF.type, VOID.Linkset))
        graph.add((node, DCTERMS.title, Literal(linkset.title, lang="en")))
        graph.add((node, VOID.subjectsTarget, ours))
        graph.add((node, VOID.objectsTarget, dataset))
        graph.add((node, VOID.target, ours))
        graph.add((node, VOID.target, dataset))
        graph.add((node, VOID.linkPredicate, linkset.predicate))
        graph.add((node, VOID.triples, Literal(count, datatype=XSD.integer)))
        graph.add((dataset, RDF.type, VOID.Dataset))
        graph.add((dataset, DCTERMS.title, Literal(target.title, lang="en")))
        graph.add((dataset, FOAF.homepage, URIRef(target.homepage)))
        if target.uri_space:
            graph.add((dataset, VOID.uriSpace, Literal(target.uri_space)))
        if linkset.target == "cordis" and cordis.startswith("http"):
            graph.add((dataset, VOID.sparqlEndpoint, URIRef(cordis)))
    return graph
