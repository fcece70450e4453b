"""The dataset dashboard on the home page: counts per class, projects per year and per country,
the latest build's validation status.

The per-country and per-year figures are the facet counts of the project list
(:mod:`hcn_ld.facets`), so every bar links to the projects it counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hcn_ld.facets import BY_NAME, Selection, facet_query
from hcn_ld.store import Store
from hcn_ld.web.charts import Bar
from hcn_ld.web.languages import labels
from hcn_ld.web.project import rows

#: How many classes the class chart shows (the home page lists them all).
TOP_CLASSES = 12


@dataclass
class Dashboard:
    """Figures for the home page charts (bars carry canonical-relative links, see ``urls``)."""

    classes: list[tuple[str, str, int]]
    years: list[tuple[int, int]]
    countries: list[tuple[str, str, int]]
    validation: dict[str, object]
    published: str | None
    version: str | None


def class_counts(store: Store) -> list[tuple[str, int]]:
    """(class IRI, number of instances), most used first; the ontology's own OWL/RDFS/SHACL
    terms are left out (they describe the vocabulary, not the data)."""
    result = store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c) && "
        '!STRSTARTS(STR(?c), "http://www.w3.org/2002/07/owl#") && '
        '!STRSTARTS(STR(?c), "http://www.w3.org/2000/01/rdf-schema#") && '
        '!STRSTARTS(STR(?c), "http://www.w3.org/ns/shacl#")) } '
        "GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    return [(row["c"].value, int(row["n"].value)) for row in result]


def projects_per_year(store: Store) -> list[tuple[int, int]]:
    """(year, number of projects running that year), every year from the first to the last."""
    running: Counter[int] = Counter()
    query = """SELECT ?project (MIN(?s) AS ?start) (MAX(?e) AS ?end) WHERE {
        ?project a eurio:Project .
        OPTIONAL { ?project eurio:startDate ?s } OPTIONAL { ?project eurio:endDate ?e }
    } GROUP BY ?project"""
    for row in rows(store, query):
        first = _year(row.get("start"))
        last = _year(row.get("end")) or first
        if first:
            running.update(range(first, max(first, last or first) + 1))
    if not running:
        return []
    return [(year, running[year]) for year in range(min(running), max(running) + 1)]


def projects_per_country(store: Store, base: str) -> list[tuple[str, int]]:
    """(country IRI, number of projects with events or partners there), most first."""
    query = facet_query(Selection(base), BY_NAME["country"])
    return [(row["country"], int(row["n"])) for row in rows(store, query)]


def dashboard(store: Store, base: str, languages: Sequence[str]) -> Dashboard:
    """Everything the home page charts show, read from ``store``."""
    counted = class_counts(store)
    countries = projects_per_country(store, base)
    names = labels(store, [c for c, _ in counted] + [c for c, _ in countries], languages)
    info = store.info()
    return Dashboard(
        classes=[(c, names.get(c) or _local_name(c), n) for c, n in counted[:TOP_CLASSES]],
        years=projects_per_year(store),
        countries=[(c, names.get(c) or _local_name(c), n) for c, n in countries],
        validation=dict(info.get("validation") or {}),  # type: ignore[call-overload]
        published=str(info["published"]) if info.get("published") else None,
        version=str(info.get("version") or "") or None,
    )


def year_bars(years: list[tuple[int, int]], link: Callable[[int], str]) -> list[Bar]:
    """Bars for :func:`projects_per_year`; ``link(year)`` gives each bar's URL."""
    return [Bar(str(year), count, link(year)) for year, count in years]


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value and value[:4].isdigit() else None


def _local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
