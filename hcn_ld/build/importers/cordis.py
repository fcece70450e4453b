"""CORDIS ``project.csv`` + ``organization.csv`` -> EURIO RDF shaped as in the CORDIS graph.

Both export layouts are read: the current one (``id``, ``organisationID``, ...) and the older
FP6/FP7 one (``reference``, ``projectReference``, ``projectRcn``, ...), ``;``-separated as
published or comma-quoted. Every participation row becomes an ``eurio:OrganisationRole``
between an ``eurio:Project`` and an ``eurio:Organisation`` (with its ``eurio:Site``,
``eurio:PostalAddress`` and ``eurio:Coordinates``); a project named only by participation
rows still becomes an ``eurio:Project`` with its identifier and acronym. A bad row is
reported (file, line, column, why) and skipped; the rest is imported::

    >>> from hcn_ld.config import ROOT
    >>> sample = ROOT / "tests" / "data" / "cordis"
    >>> result = read_cordis(sample / "h2020-projects-sample.csv",
    ...                      sample / "h2020-organizations-sample.csv",
    ...                      Minter("https://w3id.org/hcn/"))
    >>> counts = result.log.counts
    >>> counts["projects with participations"], counts["participations"], counts["projects"]
    (336, 2722, 337)

The term-by-term mapping is documented in ``ontology/README.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from hcn_ld.build.importers.common import (
    NUTS_CODE,
    ImportLog,
    Place,
    Row,
    RowError,
    organisation_triples,
    read_rows,
)
from hcn_ld.build.mapping import Mapped, new_graph
from hcn_ld.rdf import uris
from hcn_ld.rdf.countries import lookup as country_of
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import EURIO, HCN

#: The named graph (under ``{base}graph/``) an import publishes.
GRAPH = "cordis"

#: Canonical project column -> its names in the current and the FP6/FP7 layouts.
PROJECT_COLUMNS = {
    "id": ("id", "reference", "projectReference"),
    "rcn": ("rcn", "projectRcn"),
    "legalBasis": ("legalBasis", "programme"),
    "masterCall": ("masterCall", "call"),
}
#: Canonical organisation column -> its names in the current and the FP6/FP7 layouts.
ORGANISATION_COLUMNS = {
    "projectID": ("projectID", "projectReference", "projectId"),
    "organisationID": ("organisationID", "organizationID", "id"),
    "organizationURL": ("organizationURL", "organisationURL", "organizationUrl"),
}

#: CORDIS role codes -> EURIO's ``eurio:roleLabel`` values.
ROLE_LABELS = {
    "coordinator": "coordinator",
    "participant": "participant",
    "partner": "partner",
    "thirdparty": "third party",
    "internationalpartner": "international partner",
}
#: CORDIS activity types -> EURIO organisation classes (OTH has none).
ACTIVITY_CLASSES = {
    "PRC": EURIO.ForProfitOrganisation,
    "HES": EURIO.HigherOrSecondaryEducation,
    "REC": EURIO.ResearchOrganisation,
    "PUB": EURIO.PublicBody,
    "OTH": None,
}
_NUMBER = re.compile(r"^[0-9]+$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")

Triple = tuple[URIRef, URIRef, URIRef | Literal]


@dataclass
class CordisImport:
    """The mapped RDF of one CORDIS import and what happened to its rows."""

    mapped: Mapped
    log: ImportLog = field(default_factory=ImportLog)


def _date(row: Row, column: str, required: bool = False) -> Literal | None:
    value = (row.get(column) or "").strip()
    if not value:
        if required:
            raise row.fail(column, "missing date")
        return None
    match = _DATE.match(value)
    try:
        return Literal(dt.date.fromisoformat(match.group(1)), datatype=XSD.date)  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        raise row.fail(column, f"not a date (YYYY-MM-DD): {value!r}") from None


def _number(row: Row, column: str) -> str:
    value = row.required(column)
    if not _NUMBER.match(value):
        raise row.fail(column, f"not a CORDIS number: {value!r}")
    return value


def _amount(row: Row, column: str) -> Decimal | None:
    value = row.decimal(column)
    if value is not None and value < 0:
        raise row.fail(column, f"a negative amount: {value}")
    return value


class _CordisMapper:
    """Maps the rows of one import; the entry point is :func:`read_cordis`."""

    def __init__(self, minter: Minter) -> None:
        self.uris = minter
        self.result = CordisImport(Mapped(new_graph()))
        self.graph = self.result.mapped.graph
        self.origins = self.result.mapped.origins
        self.projects: set[str] = set()
        self.organisations: set[str] = set()
        self.participations: dict[tuple[str, str, str], int] = {}

    def keep(self, row: Row, triples: list[Triple], minted: dict[URIRef, str]) -> None:
        """Add a row's triples and remember which row minted which IRI."""
        for triple in triples:
            self.graph.add(triple)
        for iri, ref in minted.items():
            self.origins.setdefault(iri, row.origin(ref))

    def money(self, ref: str, value: Decimal, net: bool | None = None) -> tuple[URIRef, list]:
        amount = self.uris.id("amount", ref)
        triples: list[Triple] = [
            (amount, RDF.type, EURIO.MonetaryAmount),
            (amount, EURIO.value, Literal(value, datatype=XSD.decimal)),
            (amount, EURIO.currency, Literal("EUR")),
            (amount, RDFS.label, Literal(f"{value} EUR")),
        ]
        if net is not None:
            triples.append((amount, EURIO.isNet, Literal(net)))
        return amount, triples

    def scheme(self, code: str) -> tuple[URIRef, list[Triple]]:
        scheme = self.uris.id("programme", f"cordis-{uris.slug(code)}")
        return scheme, [
            (scheme, RDF.type, EURIO.FundingScheme),
            (scheme, EURIO.code, Literal(code)),
            (scheme, RDFS.label, Literal(code)),
        ]

    def acronym(self, project: URIRef, pid: str, short_form: str) -> list[Triple]:
        acronym = self.uris.id("acronym", f"cordis-{pid}")
        return [
            (project, EURIO.hasAcronym, acronym),
            (acronym, RDF.type, EURIO.Acronym),
            (acronym, EURIO.shortForm, Literal(short_form)),
            (acronym, EURIO.isAcronymOf, project),
        ]

    # ------------------------------------------------------------ project.csv

    def map_project(self, row: Row) -> None:
        pid = _number(row, "id")
        if pid in self.projects:
            raise row.fail("id", f"project {pid} is listed twice")
        project = self.uris.id("project", f"cordis-{pid}")
        title = row.required("title")
        start, end = _date(row, "startDate", True), _date(row, "endDate", True)
        triples: list[Triple] = [
            (project, RDF.type, EURIO.Project),
            (project, EURIO.identifier, Literal(pid)),
            (project, EURIO.title, Literal(" ".join(title.split()))),
            (project, EURIO.startDate, start),  # type: ignore[list-item]
            (project, EURIO.endDate, end),  # type: ignore[list-item]
        ]
        if start > end:  # type: ignore[operator]
            raise row.fail("endDate", f"ends ({end}) before it starts ({start})")
        if row.get("acronym", "").strip():
            triples += self.acronym(project, pid, row["acronym"].strip())
        for column, prop in (("status", EURIO.projectStatus), ("objective", EURIO.abstract)):
            if row.get(column, "").strip():
                triples.append((project, prop, Literal(" ".join(row[column].split()))))
        signed = _date(row, "ecSignatureDate")
        if signed is not None:
            triples.append((project, EURIO.signatureDate, signed))
        if row.get("rcn", "").strip():
            rcn = _number(row, "rcn")
            triples.append((project, EURIO.rcn, Literal(rcn, datatype=XSD.nonNegativeInteger)))
        if row.get("grantDoi", "").strip():
            doi = f"https://doi.org/{row['grantDoi'].strip()}"
            triples.append((project, EURIO.doi, Literal(doi, datatype=XSD.anyURI)))
        total = _amount(row, "totalCost")
        if total is not None:
            amount, more = self.money(f"cordis-{pid}-total-cost", total)
            triples += [(project, EURIO.hasTotalCost, amount), *more]
        triples += self.grant(row, project, pid)
        self.projects.add(pid)
        self.keep(row, triples, {project: pid})

    def grant(self, row: Row, project: URIRef, pid: str) -> list[Triple]:
        """The grant: EU contribution and funding schemes (programme, topic, call, type)."""
        grant = self.uris.id("grant", f"cordis-{pid}")
        triples: list[Triple] = [
            (project, EURIO.isFundedBy, grant),
            (grant, RDF.type, EURIO.Grant),
            (grant, EURIO.funds, project),
        ]
        programme = (row.get("legalBasis") or row.get("frameworkProgramme") or "").strip()
        if not programme:
            raise row.fail("legalBasis", "no programme (legalBasis or frameworkProgramme)")
        framework = (row.get("frameworkProgramme") or "").strip()
        scheme, more = self.scheme(programme)
        triples += [(grant, EURIO.hasFundingSchemeProgramme, scheme), *more]
        if framework and framework != programme:
            parent, more = self.scheme(framework)
            triples += [(scheme, EURIO.isSubSchemeOf, parent), *more]
        links = (
            ("topics", EURIO.hasFundingSchemeTopic),
            ("masterCall", EURIO.hasFundingSchemeCall),
            ("fundingScheme", EURIO.hasFundingSchemeType),
        )
        for column, prop in links:
            code = (row.get(column) or "").strip()
            if code:
                node, more = self.scheme(code)
                triples += [(grant, prop, node), *more]
        contribution = _amount(row, "ecMaxContribution")
        if contribution is not None:
            amount, more = self.money(f"cordis-{pid}-ec-max-contribution", contribution)
            triples += [(grant, EURIO.hasFundingAmount, amount), *more]
        return triples

    # ------------------------------------------------------------ organization.csv

    def map_participation(self, row: Row) -> None:
        pid, pic = _number(row, "projectID"), _number(row, "organisationID")
        order = (row.get("order") or "").strip() or "0"
        if not _NUMBER.match(order):
            raise row.fail("order", f"not a whole number: {order!r}")
        key = (pid, pic, order)
        if key in self.participations:
            first = self.participations[key]
            raise row.fail("organisationID", f"the same participation as line {first}")
        code = re.sub(r"[\s_-]", "", row.required("role")).lower()
        if code not in ROLE_LABELS:
            known = ", ".join(ROLE_LABELS)
            raise row.fail("role", f"unknown role {row['role']!r} (known: {known})")
        project = self.uris.id("project", f"cordis-{pid}")
        organisation = self.uris.id("organisation", f"pic-{pic}")
        role = self.uris.id("role", f"cordis-{pid}-{pic}-{order}")
        triples: list[Triple] = [
            (role, RDF.type, EURIO.OrganisationRole),
            (role, EURIO.roleLabel, Literal(ROLE_LABELS[code])),
            (role, EURIO.isRoleOf, organisation),
            (role, EURIO.isInvolvedIn, project),
            (role, EURIO.order, Literal(order, datatype=XSD.nonNegativeInteger)),
            (project, EURIO.hasInvolvedParty, role),
            (organisation, EURIO.hasRole, role),
        ]
        amounts = (
            ("ecContribution", HCN.ecContribution, "ec-contribution", False),
            ("netEcContribution", HCN.netEcContribution, "net-ec-contribution", True),
            ("totalCost", HCN.participationTotalCost, "total-cost", None),
        )
        for column, prop, suffix, net in amounts:
            value = _amount(row, column)
            if value is not None:
                amount, more = self.money(f"cordis-{pid}-{pic}-{order}-{suffix}", value, net)
                triples += [(role, prop, amount), *more]
        minted = {role: f"{pid}/{pic}"}
        if pic not in self.organisations:
            triples += self.organisation(row, organisation, pic)
            for type_ in ("organisation", "site", "address", "coordinates"):
                minted[self.uris.id(type_, f"pic-{pic}")] = pic
        if pid not in self.projects:
            triples.append((project, RDF.type, EURIO.Project))
            triples.append((project, EURIO.identifier, Literal(pid)))
            if row.get("projectAcronym", "").strip():
                triples += self.acronym(project, pid, row["projectAcronym"].strip())
            minted[project] = pid
        self.participations[key] = row.line
        self.organisations.add(pic)
        self.projects.add(pid)
        self.keep(row, triples, minted)

    def organisation(self, row: Row, organisation: URIRef, pic: str) -> list[Triple]:
        """An organisation, its site, address, coordinates and country (first row of a PIC)."""
        name = " ".join(row.required("name").split())
        activity = (row.get("activityType") or "").strip().upper()
        if activity and activity not in ACTIVITY_CLASSES:
            raise row.fail("activityType", f"unknown activity type {activity!r}")
        country = country_of(row.required("country"))
        if country is None:
            raise row.fail("country", f"not a country code: {row['country']!r}")
        nuts = (row.get("nutsCode") or "").strip().upper()
        if nuts and not NUTS_CODE.match(nuts):
            raise row.fail("nutsCode", f"not a NUTS code: {nuts!r}")
        latitude, longitude = self.coordinates(row)
        street, postcode, town = (
            (row.get(c) or "").strip() for c in ("street", "postCode", "city")
        )
        place = Place(country, row["country"].strip().upper(), street, postcode, town, nuts,
                      latitude, longitude)  # fmt: skip
        triples = organisation_triples(self.uris, organisation, f"pic-{pic}", name, place)
        triples.append((organisation, EURIO.identifier, Literal(pic)))
        if activity:
            triples.append((organisation, HCN.activityType, Literal(activity)))
            if ACTIVITY_CLASSES[activity] is not None:
                triples.append((organisation, RDF.type, ACTIVITY_CLASSES[activity]))
        if (row.get("SME") or "").strip().lower() == "true":
            triples.append((organisation, RDF.type, EURIO.SME))
        short = " ".join((row.get("shortName") or "").split())
        if short and short != name:
            triples.append((organisation, SKOS.altLabel, Literal(short)))
        if (row.get("vatNumber") or "").strip():
            triples.append((organisation, EURIO.vatNumber, Literal(row["vatNumber"].strip())))
        url = (row.get("organizationURL") or "").strip()
        if url:
            triples.append((organisation, EURIO.url, Literal(url, datatype=XSD.anyURI)))
        return triples

    def coordinates(self, row: Row) -> tuple[Decimal | None, Decimal | None]:
        """Latitude and longitude of the ``geolocation`` column ("lat,lon"), if given."""
        value = (row.get("geolocation") or "").strip()
        if not value:
            return None, None
        parts = [p.strip() for p in value.strip("()").split(",")]
        try:
            lat, lon = (Decimal(p) for p in parts)
        except (ValueError, ArithmeticError):
            raise row.fail("geolocation", f"not 'latitude,longitude': {value!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise row.fail("geolocation", f"coordinates out of range: {value!r}")
        return lat, lon

    def run(self, projects: Path | None, organisations: Path) -> CordisImport:
        log = self.result.log
        steps = ((projects, PROJECT_COLUMNS, self.map_project),)
        steps += ((organisations, ORGANISATION_COLUMNS, self.map_participation),)
        for path, columns, step in steps:
            if path is None:
                continue
            for row in read_rows(path, columns):
                try:
                    step(row)
                except RowError as error:
                    log.error(error)
        log.count("projects", len(self.projects))
        log.count("projects with participations", len({key[0] for key in self.participations}))
        log.count("participations", len(self.participations))
        log.count("organisations", len(self.organisations))
        return self.result


def read_cordis(projects: Path | None, organisations: Path, minter: Minter) -> CordisImport:
    """Map a CORDIS ``project.csv`` (optional) and ``organization.csv`` to EURIO RDF."""
    return _CordisMapper(minter).run(projects, organisations)
