"""KEEP exports (Excel workbook, project-API JSON) -> EURIO RDF, one partition per project.

KEEP (keep.eu) is the database of Interreg projects. Two export layouts are read:

* the **Excel export**: sheet ``Search results, projects`` (one row per project) and sheet
  ``Search results, partners`` (one row per partner, ``Project ID`` names its project);
* the **project API JSON**: one project object, a list of them, or ``{"projects": [...]}``;
  each project carries ``programme`` (``id``, ``title``, ``period``) and a ``partners`` list.

Column / field names (first match wins, see :data:`PROJECT_FIELDS`, :data:`PARTNER_FIELDS`):
project id, acronym, title (+ title language), programme id/title/period, priority, themes
(``;``-separated in Excel), total budget, EU funding, union co-financing rate (``0.447`` or
``44.7%``), start and end date (``YYYY-MM-DD`` or ``DD/MM/YYYY``), status, description,
achievements, website; partner type (lead / partner), name, budget share, co-financing, legal
status, organisation type, town, postcode, country (ISO or EU two-letter code), NUTS region,
latitude, longitude.

KEEP exports no events. This importer also reads an ``Events`` sheet (Excel) or an ``events``
list (JSON) so that synthetic benchmark corpora (``bench/generate.py``) can carry them:
project id, event id, type (``inter-regional-workshop``, ``policy-forum``,
``interim-conference``, ``final-conference``), title (+ language), start, end (``YYYY-MM`` or
``YYYY-MM-DD``), place (a city of ``data/places.csv``), theme (a theme label).

The lead partner's participation gets ``eurio:roleLabel "coordinator"``, the others
``"partner"``. A bad row (file, row, field, why) is reported and skipped, the rest is imported;
a bad project row skips its partners and events too. Every project's triples (with its
organisations, sites, programme, themes and places) form one *partition* that is meaningful
alone: organisations and programmes are described as the first row naming them describes them,
identically in every partition, so the union of the partitions is the whole graph.

    >>> from hcn_ld.config import ROOT
    >>> result = read_keep([ROOT / "tests" / "fixtures" / "keep" / "projects.json"],
    ...                    Minter("https://w3id.org/hcn/"), ROOT / "data")
    >>> result.log.counts["projects"] > 0
    True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS, XSD

from hcn_ld.build.importers.common import (
    NUTS_CODE,
    ImportLog,
    Place,
    Row,
    RowError,
    canonical_columns,
    organisation_triples,
)
from hcn_ld.build.mapping import EVENT_KINDS, Mapped, map_sources, new_graph
from hcn_ld.build.partitions import Partition, Triple
from hcn_ld.build.sources import Sources, load_sources
from hcn_ld.rdf import uris
from hcn_ld.rdf.countries import lookup as country_of
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import CV, EURIO, HCN, LOCN, SCHEMA

#: The named graph (under ``{base}graph/``) an import publishes.
GRAPH = "keep"

PROJECTS_SHEET = "Search results, projects"
PARTNERS_SHEET = "Search results, partners"
EVENTS_SHEET = "Events"

#: Canonical project field -> its names in the Excel export and the API JSON.
PROJECT_FIELDS = {
    "id": ("Project ID", "id", "projectId"),
    "acronym": ("Acronym", "Project acronym", "acronym"),
    "title": ("Title", "Project name", "title"),
    "language": ("Title language", "language"),
    "programme_id": ("Programme ID", "programme.id"),
    "programme": ("Programme", "programme.title"),
    "period": ("Programming period", "Period", "programme.period"),
    "priority": ("Priority", "priority"),
    "themes": ("Themes", "Thematic", "themes"),
    "budget": ("Total budget", "totalBudget"),
    "eu_funding": ("EU funding", "ERDF", "euFunding"),
    "rate": ("Union co-financing rate", "Co-financing rate", "cofinancingRate"),
    "start": ("Start date", "startDate"),
    "end": ("End date", "endDate"),
    "status": ("Status", "status"),
    "description": ("Description", "description"),
    "achievements": ("Achievements", "achievements"),
    "website": ("Website", "website"),
}
#: Canonical partner field -> its names in the Excel export and the API JSON.
PARTNER_FIELDS = {
    "project": ("Project ID", "projectId"),
    "type": ("Partner type", "Type", "type"),
    "name": ("Name", "Partner name", "name"),
    "budget": ("Budget share", "Partner budget", "budgetShare"),
    "cofinancing": ("Co-financing", "EU co-financing", "cofinancing"),
    "legal_status": ("Legal status", "legalStatus"),
    "organisation_type": ("Organisation type", "organisationType"),
    "town": ("Town", "City", "town"),
    "postcode": ("Postcode", "Postal code", "postcode"),
    "country": ("Country", "country"),
    "nuts": ("NUTS", "NUTS region", "nuts"),
    "lat": ("Latitude", "coordinates.lat", "latitude"),
    "lon": ("Longitude", "coordinates.lon", "longitude"),
}
#: Canonical event field -> its names (a synthetic extension of KEEP's layout, see above).
EVENT_FIELDS = {
    "project": ("Project ID", "projectId"),
    "id": ("Event ID", "id"),
    "type": ("Type", "type"),
    "title": ("Title", "title"),
    "language": ("Title language", "language"),
    "start": ("Start", "start"),
    "end": ("End", "end"),
    "place": ("Place", "place"),
    "theme": ("Theme", "theme"),
}

PARTNER_ROLES = {"lead": "coordinator", "lead partner": "coordinator", "partner": "partner"}
STATUSES = {
    "finished": "finished",
    "closed": "finished",
    "completed": "finished",
    "ongoing": "ongoing",
    "planned": "planned",
}
_PERIOD = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass
class KeepProject:
    """One project as exported: its row, and the rows of its partners and events."""

    row: Row
    partners: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


@dataclass
class KeepImport:
    """The mapped RDF of one KEEP import and what happened to its rows."""

    mapped: Mapped
    log: ImportLog = field(default_factory=ImportLog)


# ------------------------------------------------------------------ reading the exports


def _text(value: object) -> str:
    """A cell or JSON value as text (dates as ISO dates, whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value).strip()


#: (field set, column names) -> renaming: rows of one export share a few column layouts.
_RENAMES: dict[tuple[int, tuple[str, ...]], dict[str, str]] = {}


def _row(values: Mapping[str, object], aliases: Mapping[str, Sequence[str]], file: str, line: int):
    layout = (id(aliases), tuple(values))
    rename = _RENAMES.get(layout)
    if rename is None:
        rename = _RENAMES.setdefault(layout, canonical_columns(list(values), aliases))
    row = Row({rename.get(k, k): _text(v) for k, v in values.items()})
    row.file, row.line = file, line
    return row


def _sheet_rows(path: Path, sheet, aliases: Mapping[str, Sequence[str]]) -> Iterator[Row]:
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    for number, values in enumerate(rows, start=2):
        if any(v not in (None, "") for v in values):
            label = f"{path.name} [{sheet.title}]"
            yield _row(dict(zip(header, values, strict=False)), aliases, label, number)


def read_excel(path: Path) -> tuple[list[Row], list[Row], list[Row]]:
    """Project, partner and event rows of a KEEP Excel export."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if PROJECTS_SHEET not in book.sheetnames:
            raise RowError(path.name, 1, PROJECTS_SHEET, "no such sheet in the workbook")
        sheets = {
            PROJECTS_SHEET: PROJECT_FIELDS,
            PARTNERS_SHEET: PARTNER_FIELDS,
            EVENTS_SHEET: EVENT_FIELDS,
        }
        found = [
            list(_sheet_rows(path, book[name], aliases)) if name in book.sheetnames else []
            for name, aliases in sheets.items()
        ]
    finally:
        book.close()
    return found[0], found[1], found[2]


def _flat(item: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Nested JSON objects flattened to dotted keys (``programme.title``)."""
    out: dict[str, object] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def read_json(path: Path) -> tuple[list[Row], list[Row], list[Row]]:
    """Project, partner and event rows of KEEP project-API JSON (row = project's position)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RowError(path.name, 1, "(file)", f"not valid JSON: {exc}") from None
    items = data.get("projects", [data]) if isinstance(data, dict) else data
    projects, partners, events = [], [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise RowError(path.name, number, "(project)", "a project must be a JSON object")
        flat = _flat({k: v for k, v in item.items() if k not in ("partners", "events")})
        project = _row(flat, PROJECT_FIELDS, path.name, number)
        projects.append(project)
        for kind, aliases, out in (
            ("partners", PARTNER_FIELDS, partners),
            ("events", EVENT_FIELDS, events),
        ):
            for position, sub in enumerate(item.get(kind) or [], start=1):
                label = f"{path.name} ({kind} {position} of project)"
                row = _row(_flat(sub), aliases, label, number)
                row.setdefault("project", project.get("id", ""))
                out.append(row)
    return projects, partners, events


def read_exports(paths: Iterable[Path], log: ImportLog) -> list[KeepProject]:
    """Every project of the given exports with its partners and events, in file order."""
    projects: dict[str, KeepProject] = {}
    orphans: list[tuple[Row, str]] = []
    for path in paths:
        reader = read_excel if path.suffix.lower() in (".xlsx", ".xlsm") else read_json
        try:
            project_rows, partner_rows, event_rows = reader(path)
        except RowError as error:
            log.error(error)
            continue
        for row in project_rows:
            key = row.get("id", "")
            if not key:
                log.error(row.fail("id", "missing project id"))
            elif key in projects:
                first = projects[key].row
                log.error(row.fail("id", f"project {key} is also in {first.file}:{first.line}"))
            else:
                projects[key] = KeepProject(row)
        for rows, kind in ((partner_rows, "partners"), (event_rows, "events")):
            for row in rows:
                owner = projects.get(row.get("project", ""))
                if owner is None:
                    orphans.append((row, kind))
                else:
                    getattr(owner, kind).append(row)
    for row, kind in orphans:  # partners listed before their project in another file
        owner = projects.get(row.get("project", ""))
        if owner is None:
            log.error(row.fail("project", f"no project {row.get('project')!r} in the exports"))
        else:
            getattr(owner, kind).append(row)
    return list(projects.values())


# ------------------------------------------------------------------ values


def _date(row: Row, column: str, required: bool = False) -> Literal | None:
    value = row.get(column, "")
    if not value:
        if required:
            raise row.fail(column, "missing date")
        return None
    match = _DMY.match(value)
    text = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}" if match else value[:10]
    try:
        return Literal(dt.date.fromisoformat(text), datatype=XSD.date)
    except ValueError:
        raise row.fail(column, f"not a date (YYYY-MM-DD or DD/MM/YYYY): {value!r}") from None


def _month_or_date(row: Row, column: str) -> Literal:
    value = row.required(column)
    if _MONTH.match(value):
        return Literal(value, datatype=XSD.gYearMonth)
    return _date(row, column, required=True)  # type: ignore[return-value]


def _amount(row: Row, column: str) -> Decimal | None:
    raw = row.get(column, "")
    cleaned = raw.replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "")
    row[column] = cleaned
    try:
        value = row.decimal(column)
    finally:
        row[column] = raw
    if value is not None and value < 0:
        raise row.fail(column, f"a negative amount: {raw!r}")
    return value


def _rate(row: Row) -> Decimal | None:
    raw = row.get("rate", "")
    if not raw:
        return None
    percent = raw.endswith("%")
    row["rate"] = raw.rstrip("%").strip()
    try:
        value = row.decimal("rate")
    finally:
        row["rate"] = raw
    assert value is not None
    value = value / 100 if percent or value > 1 else value
    if not 0 <= value <= 1:
        raise row.fail("rate", f"not a rate between 0 and 100%: {raw!r}")
    return value


def _language(row: Row) -> str:
    language = row.get("language", "").lower() or "en"
    if not _LANGUAGE.match(language):
        raise row.fail("language", f"not a language code (ISO 639-1): {language!r}")
    return language


def _key(*parts: str) -> str:
    """A stable IRI reference for a name: its slug and a short hash of the exact text."""
    text = "|".join(parts)
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"keep-{uris.slug(parts[0])[:48].strip('-') or 'x'}-{digest}"


# ------------------------------------------------------------------ mapping


class KeepMapper:
    """Maps KEEP projects one partition at a time (see the module docstring)."""

    def __init__(self, minter: Minter, places: Sources) -> None:
        self.uris = minter
        self.place_names = set(places.places)
        self.place_graph = map_sources(places, minter).graph
        #: first row describing each organisation / programme (same in every partition)
        self.organisations: dict[str, Row] = {}
        self.programmes: dict[str, Row] = {}
        #: organisation key -> its triples (mapped once, shared by every partition)
        self.described: dict[str, list[Triple]] = {}
        self.places: dict[URIRef, list[Triple]] = {}

    def register(self, projects: Iterable[KeepProject]) -> None:
        """Remember the first row naming each organisation and programme."""
        for project in projects:
            self.programmes.setdefault(self.programme_key(project.row), project.row)
            for partner in project.partners:
                if partner.get("name"):
                    self.organisations.setdefault(self.organisation_key(partner), partner)

    @staticmethod
    def programme_key(row: Row) -> str:
        return row.get("programme_id") or row.get("programme", "")

    @staticmethod
    def organisation_key(row: Row) -> str:
        return _key(row.get("name", ""), row.get("country", "").upper())

    # -------------------------------------------------------------- one project

    def project(self, keep: KeepProject, log: ImportLog) -> Partition | None:
        """The partition of one project (``None`` and a logged error if its row is bad)."""
        try:
            triples, shared, origins = self.project_row(keep.row)
        except RowError as error:
            log.error(error)
            for row in keep.partners + keep.events:
                log.error(row.fail("project", f"skipped with its project ({error.why})"))
            return None
        project = self.uris.id("project", f"keep-{uris.slug(keep.row['id'])}")
        part = Partition(str(project), triples, shared)
        roles = 0
        for order, partner in enumerate(keep.partners, start=1):
            try:
                more, organisation, new = self.partner(partner, project, keep.row["id"], order)
            except RowError as error:
                log.error(error)
                continue
            part.triples += more
            part.shared += organisation
            origins.update(new)
            roles += 1
        part.triples.append((project, HCN.partnerCount, Literal(roles, datatype=XSD.integer)))
        events: dict[str, URIRef] = {}
        places: set[URIRef] = set()
        for event in keep.events:
            try:
                more, theme, new, place = self.event(event, project, keep.row["id"], events)
            except RowError as error:
                log.error(error)
                continue
            part.triples += more
            part.shared += theme
            origins.update(new)
            places.add(place)
        for place in sorted(places):
            part.shared += self.place(place)
        part.origins = {
            iri: row.origin(str(iri).rsplit("/", 1)[-1]) for iri, row in origins.items()
        }
        log.count("projects")
        log.count("participations", roles)
        log.count("events", len(events))
        return part

    def place(self, place: URIRef) -> list[Triple]:
        """A place of data/places.csv with its country (looked up once)."""
        if place not in self.places:
            triples = []
            for p, o in self.place_graph.predicate_objects(place):
                triples.append((place, p, o))
                if p == HCN.country:
                    triples += [(o, q, v) for q, v in self.place_graph.predicate_objects(o)]
            self.places[place] = triples  # type: ignore[assignment]
        return self.places[place]

    def project_row(self, row: Row) -> tuple[list[Triple], list[Triple], dict[URIRef, Row]]:
        """A project's own triples, those of shared nodes (themes, programme), its rows."""
        pid = row.required("id")
        ref = f"keep-{uris.slug(pid)}"
        if not uris.slug(pid):
            raise row.fail("id", f"not a project id: {pid!r}")
        project = self.uris.id("project", ref)
        language = _language(row)
        title = " ".join(row.required("title").split())
        start, end = _date(row, "start", True), _date(row, "end", True)
        if start.toPython() > end.toPython():  # type: ignore[union-attr]
            raise row.fail("end", f"ends ({end}) before it starts ({start})")
        triples: list[Triple] = [
            (project, RDF.type, EURIO.Project),
            (project, EURIO.identifier, Literal(pid)),
            (project, EURIO.title, Literal(title, lang=language)),
            (project, EURIO.startDate, start),  # type: ignore[list-item]
            (project, EURIO.endDate, end),  # type: ignore[list-item]
        ]
        origins: dict[URIRef, Row] = {project: row}
        if row.get("acronym"):
            acronym = self.uris.id("acronym", ref)
            triples += [
                (project, RDFS.label, Literal(row["acronym"])),
                (project, EURIO.hasAcronym, acronym),
                (acronym, RDF.type, EURIO.Acronym),
                (acronym, EURIO.shortForm, Literal(row["acronym"])),
                (acronym, EURIO.isAcronymOf, project),
            ]
            origins[acronym] = row
        if row.get("status"):
            status = STATUSES.get(row["status"].lower())
            if status is None:
                known = ", ".join(sorted(STATUSES))
                raise row.fail("status", f"unknown status {row['status']!r} (known: {known})")
            triples.append((project, EURIO.projectStatus, Literal(status)))
        for column, prop in (
            ("description", EURIO.description),
            ("achievements", HCN.achievements),
        ):
            if row.get(column):
                text = " ".join(row[column].split())
                triples.append((project, prop, Literal(text, lang=language)))
        if row.get("website"):
            triples.append((project, EURIO.url, Literal(row["website"], datatype=XSD.anyURI)))
        budget = _amount(row, "budget")
        if budget is not None:
            amount, more = self.money(f"{ref}-total-budget", budget)
            triples += [(project, EURIO.hasTotalCost, amount), *more]
        rate = _rate(row)
        if rate is not None:
            triples.append((project, HCN.euCofinancingRate, Literal(rate, datatype=XSD.decimal)))
        shared: list[Triple] = []
        for label in filter(None, (t.strip() for t in row.get("themes", "").split(";"))):
            theme, more = self.theme(label)
            triples.append((project, DCTERMS.subject, theme))
            shared += more
        own, programme = self.grant(row, project, ref)
        return triples + own, shared + programme, origins

    def money(self, ref: str, value: Decimal) -> tuple[URIRef, list[Triple]]:
        amount = self.uris.id("amount", ref)
        return amount, [
            (amount, RDF.type, EURIO.MonetaryAmount),
            (amount, EURIO.value, Literal(value, datatype=XSD.decimal)),
            (amount, EURIO.currency, Literal("EUR")),
            (amount, RDFS.label, Literal(f"{value} EUR")),
        ]

    def theme(self, label: str) -> tuple[URIRef, list[Triple]]:
        theme = self.uris.id("theme", _key(label))
        return theme, [
            (theme, RDF.type, HCN.Theme),
            (theme, RDF.type, SKOS.Concept),
            (theme, SKOS.prefLabel, Literal(label, lang="en")),
        ]

    def grant(self, row: Row, project: URIRef, ref: str) -> tuple[list[Triple], list[Triple]]:
        """The grant with its EU funding, and the (shared) programme with its programming
        period and priority."""
        grant = self.uris.id("grant", ref)
        key = self.programme_key(row)
        if not key:
            raise row.fail("programme", "missing programme")
        first = self.programmes.get(key, row)
        programme = self.uris.id("programme", _key(key))
        name = first.get("programme") or key
        triples: list[Triple] = [
            (project, EURIO.isFundedBy, grant),
            (grant, RDF.type, EURIO.Grant),
            (grant, EURIO.funds, project),
            (grant, EURIO.hasFundingSchemeProgramme, programme),
        ]
        shared: list[Triple] = [
            (programme, RDF.type, EURIO.FundingScheme),
            (programme, RDF.type, HCN.Programme),
            (programme, EURIO.title, Literal(name, lang="en")),
        ]
        match = _PERIOD.match(first.get("period", ""))
        if not match:
            raise first.fail(
                "period", f"not a programming period 'YYYY - YYYY': {first.get('period')!r}"
            )
        start, end = (Literal(match[i], datatype=XSD.gYear) for i in (1, 2))
        period = self.uris.id("period", f"{match[1]}-{match[2]}")
        shared += [
            (programme, HCN.programmingPeriod, period),
            (period, RDF.type, DCTERMS.PeriodOfTime),
            (period, RDFS.label, Literal(f"{match[1]}–{match[2]}")),
            (period, DCAT.startDate, start),
            (period, DCAT.endDate, end),
        ]
        if row.get("priority"):
            priority = self.uris.id("programme", _key(row["priority"], key))
            triples.append((grant, EURIO.hasFundingSchemeTopic, priority))
            shared += [
                (priority, RDF.type, EURIO.FundingScheme),
                (priority, EURIO.title, Literal(row["priority"], lang="en")),
                (priority, EURIO.isSubSchemeOf, programme),
            ]
        funding = _amount(row, "eu_funding")
        if funding is not None:
            amount, more = self.money(f"{ref}-eu-funding", funding)
            triples += [(grant, EURIO.hasFundingAmount, amount), *more]
        return triples, shared

    def partner(
        self, row: Row, project: URIRef, pid: str, order: int
    ) -> tuple[list[Triple], list[Triple], dict[URIRef, Row]]:
        """A participation, and its organisation as the first row naming it describes it."""
        kind = row.required("type").lower()
        if kind not in PARTNER_ROLES:
            raise row.fail("type", f"unknown partner type {row['type']!r} (lead or partner)")
        row.required("name")
        key = self.organisation_key(row)
        first = self.organisations.get(key, row)
        organisation = self.uris.id("organisation", key)
        role = self.uris.id("role", f"keep-{uris.slug(pid)}-{order}")
        triples: list[Triple] = [
            (role, RDF.type, EURIO.OrganisationRole),
            (role, EURIO.roleLabel, Literal(PARTNER_ROLES[kind])),
            (role, EURIO.isRoleOf, organisation),
            (role, EURIO.isInvolvedIn, project),
            (role, EURIO.order, Literal(order, datatype=XSD.nonNegativeInteger)),
            (project, EURIO.hasInvolvedParty, role),
            (organisation, EURIO.hasRole, role),
        ]
        for column, prop, suffix in (
            ("budget", HCN.participationTotalCost, "budget"),
            ("cofinancing", HCN.ecContribution, "eu-cofinancing"),
        ):
            value = _amount(row, column)
            if value is not None:
                amount, more = self.money(f"keep-{uris.slug(pid)}-{order}-{suffix}", value)
                triples += [(role, prop, amount), *more]
        if key not in self.described:
            self.described[key] = self.organisation(first, organisation, key)
        return triples, self.described[key], {role: row, organisation: first}

    def organisation(self, row: Row, organisation: URIRef, key: str) -> list[Triple]:
        """An organisation, its site, address, coordinates and country (from its first row)."""
        name = " ".join(row.required("name").split())
        country = country_of(row.required("country"))
        if country is None:
            raise row.fail("country", f"not a country code: {row['country']!r}")
        nuts = row.get("nuts", "").upper()
        if nuts and not NUTS_CODE.match(nuts):
            raise row.fail("nuts", f"not a NUTS code: {nuts!r}")
        lat = lon = None
        if row.get("lat") or row.get("lon"):
            lat, lon = row.decimal("lat"), row.decimal("lon")
            if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise row.fail(
                    "lat", f"coordinates out of range: {row.get('lat')}, {row.get('lon')}"
                )
        place = Place(
            country,
            row["country"].strip().upper(),
            postcode=row.get("postcode", ""),
            town=row.get("town", ""),
            nuts=nuts,
            latitude=lat,
            longitude=lon,
        )
        triples = organisation_triples(self.uris, organisation, key, name, place)
        for column, prop in (
            ("legal_status", HCN.legalStatus),
            ("organisation_type", HCN.organisationType),
        ):
            if row.get(column):
                triples.append((organisation, prop, Literal(row[column])))
        return triples

    def event(
        self, row: Row, project: URIRef, pid: str, seen: dict[str, URIRef]
    ) -> tuple[list[Triple], list[Triple], dict[URIRef, Row], URIRef]:
        """An event of a project, its (shared) theme, its row and its place."""
        kind = row.required("type")
        if kind not in EVENT_KINDS:
            raise row.fail("type", f"unknown event type {kind!r} (known: {', '.join(EVENT_KINDS)})")
        eid = row.required("id")
        event = self.uris.id("event", f"keep-{uris.slug(pid)}-{uris.slug(eid)}")
        if eid in seen:
            raise row.fail("id", f"event {eid!r} is listed twice")
        place_name = row.required("place")
        if place_name not in self.place_names:
            raise row.fail("place", f"unknown place {place_name!r} (a city of data/places.csv)")
        place = self.uris.id("place", uris.slug(place_name))
        title = " ".join(row.required("title").split())
        triples: list[Triple] = [
            (event, RDF.type, CV.PublicEvent),
            (event, RDF.type, EVENT_KINDS[kind]),
            (event, DCTERMS.title, Literal(title, lang=_language(row))),
            (event, DCTERMS.isPartOf, project),
            (event, LOCN.location, place),
            (event, SCHEMA.startDate, _month_or_date(row, "start")),
        ]
        if row.get("end"):
            triples.append((event, SCHEMA.endDate, _month_or_date(row, "end")))
        shared: list[Triple] = []
        if row.get("theme"):
            theme, shared = self.theme(row["theme"])
            triples.append((event, DCTERMS.subject, theme))
        seen[eid] = event
        return triples, shared, {event: row}, place


def reference_places(data_dir: Path) -> Sources:
    """The places and countries of ``data_dir`` (where KEEP events take place), nothing else."""
    full = load_sources(data_dir)
    return Sources(
        **{
            k: []
            for k in (
                "projects",
                "programmes",
                "themes",
                "events",
                "event_series",
                "outputs",
                "records",
            )
        },
        places=full.places,
        countries=full.countries,
        files=[],
    )


def read_projects(
    paths: Sequence[Path], minter: Minter, data_dir: Path, log: ImportLog
) -> tuple[KeepMapper, list[KeepProject]]:
    """The projects of the exports, and a mapper that knows them all
    (``mapper.project(project, log)`` maps one; see
    :func:`hcn_ld.build.pipeline.import_partitioned`)."""
    projects = read_exports(paths, log)
    mapper = KeepMapper(minter, reference_places(data_dir))
    mapper.register(projects)
    return mapper, projects


def partitions(
    paths: Sequence[Path], minter: Minter, data_dir: Path, log: ImportLog
) -> Iterator[Partition]:
    """The partition of every good project of the exports, in order."""
    mapper, projects = read_projects(paths, minter, data_dir, log)
    for project in projects:
        part = mapper.project(project, log)
        if part is not None:
            yield part


def read_keep(paths: Sequence[Path], minter: Minter, data_dir: Path) -> KeepImport:
    """Map KEEP exports to one rdflib graph (for small imports and tests)."""
    result = KeepImport(Mapped(new_graph()))
    for part in partitions(paths, minter, data_dir, result.log):
        for triple in part.all_triples():
            result.mapped.graph.add(triple)
        for iri, origin in part.origins.items():
            result.mapped.origins.setdefault(iri, origin)
    result.log.count(
        "organisations", len(set(result.mapped.graph.subjects(RDF.type, EURIO.Organisation)))
    )
    return result
