"""The dataset dashboard on the home page: counts per class, projects per year and per country,
the latest build's validation status.

The per-country and per-year figures are the facet counts of the project list
(:mod:`hcn_ld.web.facets`), so every bar links to the projects it counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup

from hcn_ld.store import Store
from hcn_ld.web.charts import Bar, bar_chart
from hcn_ld.web.display import compact
from hcn_ld.web.facets import BY_NAME, Selection, facet_query
from hcn_ld.web.languages import labels
from hcn_ld.web.project import rows
from hcn_ld.web.urls import Urls

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


#: Namespaces of the ontology's own terms (classes of the vocabulary, not of the data).
META = (
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/ns/shacl#",
)


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


def dashboard(
    store: Store, base: str, languages: Sequence[str], classes: Sequence[tuple[str, int]]
) -> Dashboard:
    """Everything the home page charts show, read from ``store``; ``classes`` are the
    (class IRI, instances) counts the home page already has."""
    counted = [(c, n) for c, n in classes if not c.startswith(META)]
    countries = projects_per_country(store, base)
    names = labels(store, [c for c, _ in counted] + [c for c, _ in countries], languages)
    info = store.info()
    return Dashboard(
        classes=[(c, names.get(c) or compact(c), n) for c, n in counted[:TOP_CLASSES]],
        years=projects_per_year(store),
        countries=[(c, names.get(c) or compact(c), n) for c, n in countries],
        validation=dict(info.get("validation") or {}),  # type: ignore[call-overload]
        published=str(info["published"]) if info.get("published") else None,
        version=str(info.get("version") or "") or None,
    )


def home_parts(
    store: Store,
    base: str,
    urls: Urls,
    languages: Sequence[str],
    classes: Sequence[tuple[str, int]],
) -> dict[str, object]:
    """Template context for ``_dashboard.html``: the figures, their bars and SVG charts."""
    figures = dashboard(store, base, languages, classes)
    selection = Selection(base)
    projects = urls.page("projects")

    def country_link(iri: str) -> str:
        return projects + "?" + urlencode({"country": selection.compact(iri)})

    bars = {
        "years": [
            Bar(str(year), n, f"{projects}?from={year}&to={year}") for year, n in figures.years
        ],
        "countries": [Bar(name, n, country_link(iri)) for iri, name, n in figures.countries],
        "classes": [Bar(name, n, urls.class_list(iri)) for iri, name, n in figures.classes],
    }
    titles = {
        "years": "Projects running per year",
        "countries": "Projects per country",
        "classes": "Resources per class",
    }
    charts = {
        key: Markup(bar_chart(values, titles[key], f"svg-{key}")) for key, values in bars.items()
    }
    return {"dashboard": figures, "bars": bars, "charts": charts}


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value and value[:4].isdigit() else None
