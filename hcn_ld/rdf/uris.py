"""The one place that mints IRIs: ``{base}id/{type}/{ref}`` and the named graphs.

Every IRI the dataset publishes is built here, so the pattern (EU persistent-URI
practice, W3C Cool URIs) is stated once::

    >>> uris = Minter("https://w3id.org/hcn/")
    >>> uris.id("project", "healthclusternet")
    rdflib.term.URIRef('https://w3id.org/hcn/id/project/healthclusternet')
    >>> uris.graph("healthclusternet")
    rdflib.term.URIRef('https://w3id.org/hcn/graph/healthclusternet')
    >>> slug("Hämeenlinna & Kraków")
    'hameenlinna-krakow'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

#: The resource types published under ``id/``; the web app routes exactly these.
TYPES = (
    "project",
    "acronym",
    "amount",
    "grant",
    "programme",
    "period",
    "event",
    "event-series",
    "place",
    "theme",
    "output",
    "record",
    "organisation",
    "role",
    "site",
    "address",
    "coordinates",
    "dataset",
    "linkset",
)

_REF = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# External reference data (EU Publications Office, Eurostat, GeoNames).
NUTS = "http://data.europa.eu/nuts/code/{code}"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/{iso3}"
GEONAMES = "https://sws.geonames.org/{id}/"


def slug(text: str) -> str:
    """A lower-case ASCII reference for a name: accents dropped, runs of other characters -> '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class Minter:
    """Mints the dataset's IRIs under one base (which must end with '/')."""

    base: str

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {self.base!r}")

    def id(self, type_: str, ref: str) -> URIRef:
        """The persistent IRI of a resource: ``{base}id/{type}/{ref}``."""
        if type_ not in TYPES:
            raise ValueError(f"unknown resource type {type_!r}; known: {', '.join(TYPES)}")
        if not _REF.match(ref):
            raise ValueError(f"reference {ref!r} is not a lower-case slug (see uris.slug)")
        return URIRef(f"{self.base}id/{type_}/{ref}")

    def graph(self, source: str) -> URIRef:
        """The named graph that holds one source's triples: ``{base}graph/{source}``."""
        return URIRef(f"{self.base}graph/{slug(source)}")

    def parse(self, iri: str) -> tuple[str, str] | None:
        """``(type, ref)`` for an IRI minted here, else ``None``."""
        prefix = f"{self.base}id/"
        if not iri.startswith(prefix):
            return None
        type_, _, ref = iri[len(prefix) :].partition("/")
        return (type_, ref) if type_ in TYPES and ref else None


def nuts(code: str) -> URIRef:
    """Eurostat's IRI for a NUTS code (any version): ``http://data.europa.eu/nuts/code/{code}``."""
    return URIRef(NUTS.format(code=code))


def eu_country(iso3: str) -> URIRef:
    """The EU Publications Office country authority IRI for an ISO 3166-1 alpha-3 code."""
    return URIRef(EU_COUNTRY.format(iso3=iso3.upper()))


def geonames(geonames_id: str | int) -> URIRef:
    """The GeoNames IRI for a GeoNames id."""
    return URIRef(GEONAMES.format(id=geonames_id))
