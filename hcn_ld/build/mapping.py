"""Stage 2: map source records to RDF, EURIO-first, with SEMIC and W3C terms for the rest.

The result is an rdflib graph plus, for every IRI minted, the record it came from (so a
SHACL report can point a data editor at a file and line)::

    >>> from hcn_ld.config import ROOT
    >>> from hcn_ld.build.sources import load_sources
    >>> mapped = map_sources(load_sources(ROOT / "data"), Minter("https://w3id.org/hcn/"))
    >>> len(mapped.graph) > 100
    True

The term-by-term mapping is documented in ``ontology/README.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from hcn_ld.build.sources import Origin, Record, SourceError, Sources
from hcn_ld.rdf import uris
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import CV, EURIO, GEO, HCN, LOCN, PREFIXES, SCHEMA

EVENT_KINDS = {
    "inter-regional-workshop": HCN.InterRegionalWorkshop,
    "policy-forum": HCN.PolicyForum,
    "interim-conference": HCN.InterimConference,
    "final-conference": HCN.FinalConference,
}
SERIES_KINDS = {"steering-group-meeting": HCN.SteeringGroupMeetingSeries}
OUTPUT_KINDS = {
    "business-plan": HCN.BusinessPlan,
    "toolkit": HCN.Toolkit,
    "website": HCN.Website,
}
WEBSITE_FIGURES = {
    "pages": HCN.numberOfPages,
    "uploaded_documents": HCN.numberOfUploadedDocuments,
    "links": HCN.numberOfLinks,
    "average_monthly_hits": HCN.averageMonthlyHits,
    "external_linking_sites": HCN.numberOfExternalLinkingSites,
}
LANGUAGES = {"fr": "FRA", "en": "ENG"}
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/{code}"

_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Mapped:
    """The RDF of a set of sources and the record behind each minted IRI."""

    graph: Graph
    origins: dict[URIRef, Origin] = field(default_factory=dict)


def new_graph() -> Graph:
    """An empty rdflib graph with the dataset's prefixes bound."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def date_literal(record: Record, key: str) -> Literal:
    """A date field as ``xsd:date`` (YYYY-MM-DD) or ``xsd:gYearMonth`` (YYYY-MM), as given."""
    value = record.required(key)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if _DATE.match(text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise SourceError(record.origin, f"{key}: {text!r} is not a calendar date") from None
        return Literal(text, datatype=XSD.date)
    if _YEAR_MONTH.match(text):
        return Literal(text, datatype=XSD.gYearMonth)
    raise SourceError(record.origin, f"{key}: {text!r} is neither YYYY-MM-DD nor YYYY-MM")


def decimal_literal(record: Record, key: str) -> Literal:
    """A decimal field (write it quoted in YAML to keep every digit) as ``xsd:decimal``."""
    value = record.required(key)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SourceError(record.origin, f"{key}: {value!r} is not a number") from None
    return Literal(number, datatype=XSD.decimal)


def integer_literal(record: Record, key: str) -> Literal:
    """A whole-number field as ``xsd:integer``."""
    value = record.required(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SourceError(record.origin, f"{key}: {value!r} is not a whole number")
    return Literal(value, datatype=XSD.integer)


def year_literal(record: Record, key: str) -> Literal:
    """A year field as ``xsd:gYear``."""
    value = record.required(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise SourceError(record.origin, f"{key}: {value!r} is not a year")
    return Literal(f"{int(value):04d}", datatype=XSD.gYear)


class _Mapper:
    """Maps one :class:`Sources`; the public entry point is :func:`map_sources`."""

    def __init__(self, sources: Sources, minter: Minter) -> None:
        self.sources = sources
        self.uris = minter
        self.out = Mapped(new_graph())
        self.refs = {
            kind: {r["ref"] for r in getattr(sources, kind) if r.get("ref")}
            for kind in ("projects", "programmes", "themes", "events", "records")
        }

    def add(self, triple: tuple[URIRef, URIRef, URIRef | Literal]) -> None:
        """Add a triple whose IRIs the store accepts (a ValueError names a bad one)."""
        for term in triple:
            if isinstance(term, URIRef):
                try:
                    ox.NamedNode(str(term))
                except ValueError as exc:
                    raise ValueError(f"invalid IRI {str(term)!r}: {exc}") from None
        self.out.graph.add(triple)

    def mint(self, type_: str, record: Record, ref: str | None = None) -> URIRef:
        ref = ref or str(record.required("ref"))
        try:
            iri = self.uris.id(type_, ref)
        except ValueError as exc:
            raise SourceError(record.origin, str(exc)) from None
        if iri in self.out.origins and self.out.origins[iri] != record.origin:
            raise SourceError(record.origin, f"{iri} is also minted by {self.out.origins[iri]}")
        self.out.origins[iri] = record.origin
        return iri

    def ref(self, record: Record, key: str, kind: str, type_: str) -> URIRef:
        """The IRI of another record named by field ``key``; unknown refs are source errors."""
        value = str(record.required(key))
        if value not in self.refs[kind]:
            raise SourceError(record.origin, f"{key}: no record {value!r} in {kind}")
        return self.uris.id(type_, value)

    def kind(self, record: Record, kinds: dict[str, URIRef]) -> URIRef:
        """The class named by the record's ``kind`` field, one of ``kinds``."""
        kind = record.required("kind")
        if not isinstance(kind, str) or kind not in kinds:
            raise SourceError(record.origin, f"kind: {kind!r} is not one of {sorted(kinds)}")
        return kinds[kind]

    def place(self, record: Record) -> URIRef:
        name = str(record.required("place"))
        row = self.sources.places.get(name)
        if row is None:
            known = ", ".join(sorted(self.sources.places))
            raise SourceError(record.origin, f"place: unknown place {name!r} (known: {known})")
        return self.uris.id("place", uris.slug(name))

    def text(self, node: URIRef, prop: URIRef, record: Record, key: str) -> None:
        """An English text field, white space folded; absent fields are left to the shapes."""
        value = record.get(key)
        if value:
            self.add((node, prop, Literal(" ".join(str(value).split()), lang="en")))

    def optional(
        self,
        node: URIRef,
        prop: URIRef,
        record: Record,
        key: str,
        literal: Callable[[Record, str], Literal],
    ) -> None:
        """Add ``literal(record, key)`` when the field is present; absence is for the shapes."""
        if record.get(key) is not None and record.get(key) != "":
            self.add((node, prop, literal(record, key)))

    def period(self, record: Record, start_key: str, end_key: str) -> URIRef:
        start, end = year_literal(record, start_key), year_literal(record, end_key)
        iri = self.uris.id("period", f"{start}-{end}")
        self.out.origins.setdefault(iri, record.origin)
        self.add((iri, RDF.type, DCTERMS.PeriodOfTime))
        self.add((iri, RDFS.label, Literal(f"{start}–{end}")))
        self.add((iri, DCAT.startDate, start))
        self.add((iri, DCAT.endDate, end))
        return iri

    def run(self) -> Mapped:
        steps: list[tuple[str, Callable[[Record], None]]] = [
            ("places", self.map_place),
            ("programmes", self.map_programme),
            ("themes", self.map_theme),
            ("projects", self.map_project),
            ("events", self.map_event),
            ("event_series", self.map_series),
            ("outputs", self.map_output),
            ("records", self.map_record),
        ]
        for kind, step in steps:
            records = getattr(self.sources, kind)
            for record in records.values() if isinstance(records, dict) else records:
                try:
                    step(record)
                except (TypeError, ValueError, AttributeError) as exc:
                    # A field of an unexpected type (a list where text belongs, ...).
                    raise SourceError(record.origin, f"cannot map this record: {exc}") from None
        return self.out

    def map_place(self, row: Record) -> None:
        place = self.mint("place", row, uris.slug(row.required("city")))
        country = self.sources.countries.get(row.required("iso2"))
        if country is None:
            raise SourceError(row.origin, f"iso2: no country {row['iso2']!r} in countries.csv")
        country_iri = uris.eu_country(country.required("iso3"))
        self.add((place, RDF.type, DCTERMS.Location))
        self.add((place, RDF.type, SCHEMA.Place))
        self.add((place, RDFS.label, Literal(row["city"])))
        self.add((place, OWL.sameAs, uris.geonames(row.required("geonameid"))))
        self.add((place, HCN.nuts3Region2006, uris.nuts(row.required("nuts3_2006"))))
        self.add((place, HCN.nuts3Region2021, uris.nuts(row.required("nuts3_2021"))))
        self.add((place, HCN.country, country_iri))
        self.add((place, GEO.lat, decimal_literal(row, "lat")))
        self.add((place, GEO.long, decimal_literal(row, "lon")))
        self.add((country_iri, RDFS.label, Literal(country.required("name"), lang="en")))
        self.add((country_iri, SKOS.notation, Literal(country["iso2"])))
        self.add((country_iri, OWL.sameAs, URIRef(country.required("wikidata"))))

    def map_programme(self, record: Record) -> None:
        programme = self.mint("programme", record)
        self.add((programme, RDF.type, EURIO.FundingScheme))
        self.add((programme, RDF.type, HCN.Programme))
        self.text(programme, EURIO.title, record, "title")
        period = self.period(record, "period_start", "period_end")
        self.add((programme, HCN.programmingPeriod, period))

    def map_theme(self, record: Record) -> None:
        theme = self.mint("theme", record)
        self.add((theme, RDF.type, HCN.Theme))
        self.add((theme, RDF.type, SKOS.Concept))
        self.text(theme, SKOS.prefLabel, record, "label")

    def map_project(self, record: Record) -> None:
        project = self.mint("project", record)
        ref = record["ref"]
        self.add((project, RDF.type, EURIO.Project))
        self.text(project, EURIO.title, record, "title")
        label = record.get("label") or record.get("acronym")
        if label:
            self.add((project, RDFS.label, Literal(label)))
        if record.get("acronym"):
            acronym = self.mint("acronym", record, ref)
            self.add((project, EURIO.hasAcronym, acronym))
            self.add((acronym, RDF.type, EURIO.Acronym))
            self.add((acronym, EURIO.shortForm, Literal(record["acronym"])))
            self.add((acronym, EURIO.isAcronymOf, project))
        self.optional(project, EURIO.startDate, record, "start", date_literal)
        self.optional(project, EURIO.endDate, record, "end", date_literal)
        self.optional(project, EURIO.projectStatus, record, "status", lambda r, k: Literal(r[k]))
        self.text(project, EURIO.description, record, "description")
        self.text(project, HCN.achievements, record, "achievements")
        if record.get("budget_eur") is not None:
            amount = self.mint("amount", record, f"{ref}-total-budget")
            value = decimal_literal(record, "budget_eur")
            self.add((project, EURIO.hasTotalCost, amount))
            self.add((amount, RDF.type, EURIO.MonetaryAmount))
            self.add((amount, EURIO.value, value))
            self.add((amount, EURIO.currency, Literal("EUR")))
            self.add((amount, RDFS.label, Literal(f"{value} EUR")))
        self.optional(
            project, HCN.euCofinancingRate, record, "eu_cofinancing_rate", decimal_literal
        )
        self.optional(project, HCN.partnerCount, record, "partner_count", integer_literal)
        grant = self.mint("grant", record, ref)
        self.add((project, EURIO.isFundedBy, grant))
        self.add((grant, RDF.type, EURIO.Grant))
        self.add((grant, EURIO.funds, project))
        if record.get("programme"):
            programme = self.ref(record, "programme", "programmes", "programme")
            self.add((grant, EURIO.hasFundingSchemeProgramme, programme))
        for theme in record.get("themes") or []:
            if theme not in self.refs["themes"]:
                raise SourceError(record.origin, f"themes: no record {theme!r} in themes")
            self.add((project, DCTERMS.subject, self.uris.id("theme", theme)))

    def map_event(self, record: Record) -> None:
        event = self.mint("event", record)
        kind = self.kind(record, EVENT_KINDS)
        self.add((event, RDF.type, CV.PublicEvent))
        self.add((event, RDF.type, kind))
        self.text(event, DCTERMS.title, record, "title")
        self.add((event, DCTERMS.isPartOf, self.ref(record, "project", "projects", "project")))
        if record.get("place"):
            self.add((event, LOCN.location, self.place(record)))
        self.optional(event, SCHEMA.startDate, record, "start", date_literal)
        self.optional(event, SCHEMA.endDate, record, "end", date_literal)
        if record.get("theme"):
            self.add((event, DCTERMS.subject, self.ref(record, "theme", "themes", "theme")))
        if record.get("follows"):
            previous = self.ref(record, "follows", "events", "event")
            self.add((event, CV.hasPreviousEvent, previous))
            self.add((previous, CV.hasNextEvent, event))

    def map_series(self, record: Record) -> None:
        series = self.mint("event-series", record)
        kind = self.kind(record, SERIES_KINDS)
        self.add((series, RDF.type, kind))
        self.text(series, DCTERMS.title, record, "title")
        self.text(series, DCTERMS.description, record, "description")
        self.add((series, DCTERMS.isPartOf, self.ref(record, "project", "projects", "project")))
        self.optional(series, HCN.numberOfEvents, record, "count", integer_literal)

    def map_output(self, record: Record) -> None:
        output = self.mint("output", record)
        kind = self.kind(record, OUTPUT_KINDS)
        self.add((output, RDF.type, kind))
        self.text(output, DCTERMS.title, record, "title")
        self.text(output, DCTERMS.description, record, "description")
        project = self.ref(record, "project", "projects", "project")
        self.add((project, EURIO.hasResult, output))
        if record.get("covers_start"):
            self.add((output, DCTERMS.temporal, self.period(record, "covers_start", "covers_end")))
        for key, prop in WEBSITE_FIGURES.items():
            self.optional(output, prop, record, key, integer_literal)

    def map_record(self, record: Record) -> None:
        catalogue_record = self.mint("record", record)
        self.add((catalogue_record, RDF.type, DCAT.CatalogRecord))
        self.text(catalogue_record, DCTERMS.title, record, "title")
        self.add((catalogue_record, HCN.catalogue, Literal(record.required("catalogue"))))
        topic = self.ref(record, "topic", "projects", "project")
        self.add((catalogue_record, FOAF.primaryTopic, topic))
        language = LANGUAGES.get(str(record.get("language")))
        if language:
            self.add(
                (catalogue_record, DCTERMS.language, URIRef(EU_LANGUAGE.format(code=language)))
            )


def map_sources(sources: Sources, minter: Minter) -> Mapped:
    """Map all records of ``sources`` to RDF; raises :class:`SourceError` on a bad record."""
    return _Mapper(sources, minter).run()
