"""What a project page shows besides its triples: KEEP summary, partners, timeline, map, links out.

Everything is read from the store by SPARQL (EURIO terms, so CORDIS and KEEP imports get the
same page); literals come in the reader's language where the data has several::

    >>> when("2005-06")
    'June 2005'
    >>> when("2005-03-31")
    '31 March 2005'
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from markupsafe import Markup

from hcn_ld.derived.search import pick_language
from hcn_ld.rdf.vocab import sparql_prologue
from hcn_ld.store import Store
from hcn_ld.web.facets import sparql_iri
from hcn_ld.web.languages import labels, texts
from hcn_ld.web.maps import MapPoint, europe_svg
from hcn_ld.web.urls import Urls

PROJECT_CLASS = "http://data.europa.eu/s66#Project"
#: Where reference data lives, to name the links out.
LINK_OUT = {
    "https://sws.geonames.org/": "GeoNames",
    "http://data.europa.eu/nuts/": "NUTS (Eurostat)",
    "http://publications.europa.eu/resource/authority/": "EU Publications Office",
    "http://data.europa.eu/s66": "CORDIS",
    "https://cordis.europa.eu/": "CORDIS",
    "http://www.wikidata.org/": "Wikidata",
}


def when(value: str) -> str:
    """A date, a month or a year as people write it (months stay months)."""
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).strftime("%-d %B %Y")
        if len(value) == 7:
            return dt.date.fromisoformat(value + "-01").strftime("%B %Y")
    except ValueError:
        pass
    return value


def money(value: str, currency: str | None) -> str:
    """``674 659.65 EUR`` (thin-space thousands, two decimals)."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return f"{value} {currency or ''}".strip()
    return f"{number:,.2f}".replace(",", "\u202f") + (f" {currency}" if currency else "")


def percent(value: str) -> str:
    """A rate between 0 and 1 as a percentage: ``0.447`` -> ``44.7 %``."""
    try:
        return f"{Decimal(value) * 100:.1f}".rstrip("0").rstrip(".") + " %"
    except InvalidOperation:
        return value


@dataclass
class Link:
    """A link with its text (``href`` is a canonical IRI or an external URL)."""

    text: str
    href: str
    note: str = ""


@dataclass
class Event:
    iri: str
    title: str
    kind: str
    start: str | None
    end: str | None
    place: Link | None

    @property
    def dates(self) -> str:
        if self.start and self.end and self.end != self.start:
            return f"{when(self.start)} – {when(self.end)}"
        return when(self.start) if self.start else "date unknown"


@dataclass
class Place:
    iri: str
    label: str
    lat: float | None
    lon: float | None
    country: Link | None
    links: list[Link] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass
class Partner:
    organisation: Link
    role: str
    order: str
    country: str
    contribution: str


@dataclass
class ProjectView:
    """The parts of a project page beyond its property table."""

    iri: str
    summary: list[tuple[str, list[Link]]]
    partners: list[Partner]
    events: list[Event]
    places: list[Place]
    links_out: list[Link]

    @property
    def map_points(self) -> list[MapPoint]:
        return [
            MapPoint(p.label, p.lat, p.lon, p.iri)
            for p in self.places
            if p.lat is not None and p.lon is not None
        ]

    @property
    def countries(self) -> list[str]:
        """ISO alpha-2 codes of the countries with places (to shade on the map)."""
        return sorted({p.country.note for p in self.places if p.country and p.country.note})


def rows(store: Store, query: str) -> list[dict[str, str]]:
    """SELECT solutions as dicts of plain values (unbound variables left out)."""
    result = store.query(sparql_prologue() + query)
    names = [v.value for v in result.variables]
    return [
        {name: term.value for name, term in zip(names, solution, strict=True) if term is not None}
        for solution in result
    ]


def is_project(store: Store, iri: str) -> bool:
    """Whether ``iri`` is a ``eurio:Project`` (the project page parts apply)."""
    return bool(store.query(f"ASK {{ {sparql_iri(iri)} a <{PROJECT_CLASS}> }}"))


def project_view(store: Store, iri: str, languages: Sequence[str]) -> ProjectView:
    """Read the summary, partners, events and places of project ``iri``."""
    node = sparql_iri(iri)
    facts = rows(
        store,
        f"""SELECT ?start ?end ?status ?budget ?currency ?rate ?count ?programme ?period
        WHERE {{
          OPTIONAL {{ {node} eurio:startDate ?start }}
          OPTIONAL {{ {node} eurio:endDate ?end }}
          OPTIONAL {{ {node} eurio:projectStatus ?status }}
          OPTIONAL {{ {node} eurio:hasTotalCost ?cost . ?cost eurio:value ?budget .
                      OPTIONAL {{ ?cost eurio:currency ?currency }} }}
          OPTIONAL {{ {node} hcn:euCofinancingRate ?rate }}
          OPTIONAL {{ {node} hcn:partnerCount ?count }}
          OPTIONAL {{ {node} eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?programme .
                      OPTIONAL {{ ?programme hcn:programmingPeriod ?period }} }}
        }} LIMIT 1""",
    )
    fact = facts[0] if facts else {}
    pages = rows(
        store,
        f"""SELECT ?page ?kind ?url WHERE {{
          {{ {node} foaf:homepage|schema:url|eurio:url ?url . BIND("website" AS ?kind) }}
          UNION {{ {node} eurio:hasResult ?page . ?page a hcn:Website .
                   OPTIONAL {{ ?page foaf:homepage|schema:url|dcat:landingPage ?url }}
                   BIND("website" AS ?kind) }}
          UNION {{ ?page foaf:primaryTopic {node} ; a dcat:CatalogRecord .
                   OPTIONAL {{ ?page dcat:landingPage|foaf:page ?url }}
                   BIND("record" AS ?kind) }}
        }}""",
    )
    partners = rows(
        store,
        f"""SELECT ?role ?org ?label ?order ?country ?contribution WHERE {{
          {node} eurio:hasInvolvedParty ?role . ?role eurio:isRoleOf ?org .
          OPTIONAL {{ ?role eurio:roleLabel ?label }}
          OPTIONAL {{ ?role eurio:order ?order }}
          OPTIONAL {{ ?role (hcn:ecContribution|eurio:hasFundingAmount)/eurio:value ?contribution }}
          OPTIONAL {{ ?org (hcn:country|eurio:hasSite/eurio:hasGeographicalLocation) ?country }}
        }}""",
    )
    events = rows(
        store,
        f"""SELECT ?event ?type ?start ?end ?place WHERE {{
          ?event dct:isPartOf {node} ; a cv:PublicEvent .
          OPTIONAL {{ ?event a ?type . FILTER(?type != cv:PublicEvent) }}
          OPTIONAL {{ ?event schema:startDate ?start }}
          OPTIONAL {{ ?event schema:endDate ?end }}
          OPTIONAL {{ ?event locn:location ?place }}
        }}""",
    )
    place_iris = sorted({e["place"] for e in events if "place" in e})
    places = rows(
        store,
        f"""SELECT ?place ?lat ?long ?country ?code ?same WHERE {{
          VALUES ?place {{ {" ".join(sparql_iri(p) for p in place_iris)} }}
          OPTIONAL {{ ?place geo:lat ?lat ; geo:long ?long }}
          OPTIONAL {{ ?place hcn:country ?country . OPTIONAL {{ ?country skos:notation ?code }} }}
          OPTIONAL {{ ?place owl:sameAs|hcn:nuts3Region2021|hcn:nuts3Region2006 ?same }}
        }}""",
    )
    same = rows(store, f"SELECT ?same WHERE {{ {node} owl:sameAs|skos:exactMatch ?same }}")

    named = {
        fact.get("programme"),
        fact.get("period"),
        *(p.get("page") for p in pages),
        *(p["org"] for p in partners),
        *(p.get("country") for p in partners),
        *(e["event"] for e in events),
        *(e.get("type") for e in events),
        *place_iris,
        *(p.get("country") for p in places),
    }
    name = labels(store, [n for n in named if n], languages)
    titles = {
        i: pick_language(t, languages) or ""
        for i, t in texts(store, [e["event"] for e in events], ("dct:title",)).items()
    }

    def link(target: str | None, fallback: str = "") -> list[Link]:
        return [Link(name.get(target, fallback or target), target)] if target else []

    summary: list[tuple[str, list[Link]]] = []

    def add(label: str, *values: Link) -> None:
        if values:
            summary.append((label, list(values)))

    if "start" in fact:
        add("Start", Link(when(fact["start"]), ""))
    if "end" in fact:
        add("End", Link(when(fact["end"]), ""))
    if "status" in fact:
        add("Status", Link(fact["status"].capitalize(), ""))
    if "budget" in fact:
        add("Total budget", Link(money(fact["budget"], fact.get("currency")), ""))
    if "rate" in fact:
        add("EU co-financing rate", Link(percent(fact["rate"]), ""))
    add("Programme", *link(fact.get("programme")))
    add("Programming period", *link(fact.get("period")))
    stated = fact.get("count")
    add(
        "Partners",
        Link(
            f"{stated} (as stated by the source)" if stated else str(len(partners)),
            "",
            f"{len(partners)} named in the data" if stated else "",
        ),
    )
    for kind, label in (("website", "Website"), ("record", "KEEP record")):
        found_pages = [p for p in pages if p["kind"] == kind]
        add(label, *(_page_link(p, name) for p in found_pages))

    by_place: dict[str, list[str]] = defaultdict(list)
    timeline = []
    seen = set()
    for row in sorted(events, key=lambda r: (r.get("start", "9999"), r["event"])):
        if row["event"] in seen:
            continue
        seen.add(row["event"])
        kinds = [e.get("type") for e in events if e["event"] == row["event"] and e.get("type")]
        kind = next((name[k] for k in kinds if k in name), "Event")
        place = row.get("place")
        timeline.append(
            Event(
                iri=row["event"],
                title=titles.get(row["event"]) or name.get(row["event"], row["event"]),
                kind=kind,
                start=row.get("start"),
                end=row.get("end"),
                place=Link(name.get(place, place), place) if place else None,
            )
        )
        if place:
            by_place[place].append(timeline[-1].title)

    found: dict[str, Place] = {}
    for row in places:
        place = found.setdefault(
            row["place"],
            Place(
                iri=row["place"],
                label=name.get(row["place"], row["place"]),
                lat=float(row["lat"]) if "lat" in row else None,
                lon=float(row["long"]) if "long" in row else None,
                country=_country(row, name),
                events=by_place[row["place"]],
            ),
        )
        if "same" in row and all(link.href != row["same"] for link in place.links):
            place.links.append(Link(_link_out_name(row["same"]), row["same"]))

    return ProjectView(
        iri=iri,
        summary=summary,
        partners=[
            Partner(
                organisation=Link(name.get(p["org"], p["org"]), p["org"]),
                role=p.get("label", ""),
                order=p.get("order", ""),
                country=name.get(p.get("country", ""), p.get("country", "")),
                contribution=money(p["contribution"], "EUR") if "contribution" in p else "",
            )
            for p in sorted(partners, key=lambda p: (_number(p.get("order")), p["org"]))
        ],
        events=timeline,
        places=sorted(found.values(), key=lambda p: p.label),
        links_out=[Link(_link_out_name(r["same"]), r["same"]) for r in same],
    )


def _page_link(row: dict[str, str], name: dict[str, str]) -> Link:
    """A web page of the project: its own URL where the data has one, else its resource."""
    page = row.get("page", "")
    return Link(name.get(page) or row.get("url", page), row.get("url") or page)


def _country(row: dict[str, str], name: dict[str, str]) -> Link | None:
    if "country" not in row:
        return None
    return Link(name.get(row["country"], row["country"]), row["country"], row.get("code", ""))


def _number(text: str | None) -> float:
    try:
        return float(text) if text else float("inf")
    except ValueError:
        return float("inf")


def _link_out_name(iri: str) -> str:
    for prefix, name in LINK_OUT.items():
        if iri.startswith(prefix):
            if "nuts/code/" in iri:
                return f"NUTS {iri.rsplit('/', 1)[-1]}"
            return name
    return iri


def page_parts(store: Store, iri: str, urls: Urls, languages: Sequence[str]) -> dict[str, object]:
    """Template context for ``_project.html`` (empty when ``iri`` is not a project)."""
    if not is_project(store, iri):
        return {}
    view = project_view(store, iri, languages)
    points = [replace(point, href=urls.public(point.href)) for point in view.map_points]
    title = f"Map of the places of {len(points)} events" if points else ""
    svg = europe_svg(points, title, view.countries) if points else ""
    return {"project": view, "project_map": Markup(svg)}
