"""The project browser: ``/projects`` narrowed by facets, with counts and the SPARQL it runs.

GET /projects                                    -> every project
GET /projects?theme=id/theme/procurement&from=2005&to=2006&status=finished

Every choice is a URL parameter (so every view can be shared and reopened); the page shows
the SPARQL query of the list with a link to run it at the endpoint. See :mod:`hcn_ld.web.facets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from hcn_ld.web import facets, site
from hcn_ld.web.languages import labels, wanted
from hcn_ld.web.project import rows, when
from hcn_ld.web.urls import Urls, for_request

blueprint = Blueprint("projects", __name__)


@dataclass
class Choice:
    """One value of a facet: its label, count, whether chosen, and the URL that toggles it."""

    label: str
    count: int
    chosen: bool
    url: str


@dataclass
class FacetView:
    facet: facets.Facet
    choices: list[Choice]


def _url(urls: Urls, params: list[tuple[str, str]]) -> str:
    return urls.page("projects") + (f"?{urlencode(params)}" if params else "")


def browse_context(selection: facets.Selection, urls: Urls, languages: list[str]) -> dict:
    """Everything ``projects.html`` shows for a selection."""
    store = site().store
    query = facets.list_query(selection)
    listed = rows(store, query)
    total = int(rows(store, facets.count_query(selection))[0]["n"])
    counted = {
        facet.name: rows(store, facets.facet_query(selection, facet)) for facet in facets.FACETS
    }
    named = [p["project"] for p in listed]
    for facet in facets.FACETS:
        if facet.iri:
            named += [row[facet.name] for row in counted[facet.name]]
            named += selection.values.get(facet.name, [])
    names = labels(store, named, languages)
    views = []
    for facet in facets.FACETS:
        chosen = selection.values.get(facet.name, [])
        values = {row[facet.name]: int(row["n"]) for row in counted[facet.name]}
        for value in chosen:  # a chosen value stays visible (to undo it) even at zero
            values.setdefault(value, 0)
        choices = [
            Choice(
                label=names.get(value, value) if facet.iri else value.capitalize(),
                count=count,
                chosen=value in chosen,
                url=_url(urls, selection.params(toggle=(facet.name, value))),
            )
            for value, count in values.items()
        ]
        if choices:
            views.append(FacetView(facet, sorted(choices, key=lambda c: (-c.count, c.label))))
    years = [(int(r["year"]), int(r["n"])) for r in rows(store, facets.years_query(selection))]
    chosen_labels = [
        (
            f"{facets.BY_NAME[name].label}: {names.get(v, v) if facets.BY_NAME[name].iri else v}",
            _url(urls, selection.params(toggle=(name, v))),
        )
        for name, values in selection.values.items()
        for v in values
    ]
    if selection.year_from is not None or selection.year_to is not None:
        span = f"{selection.year_from or '…'}–{selection.year_to or '…'}"
        chosen_labels.append((f"Years: {span}", _url(urls, selection.params(clear="years"))))
    pages = -(-total // facets.PAGE_SIZE)
    return {
        "projects": [
            {
                "url": urls.public(p["project"]),
                "label": names.get(p["project"]) or p.get("title") or p["project"],
                "title": p.get("title", ""),
                "dates": " – ".join(when(p[k]) for k in ("start", "end") if k in p),
            }
            for p in listed
        ],
        "total": total,
        "facets": views,
        "years": years,
        "selection": selection,
        "chosen": chosen_labels,
        "hidden": [(k, v) for k, v in selection.params() if k not in ("from", "to", "page")],
        "query": query,
        "sparql_url": urls.sparql(query),
        "clear_url": _url(urls, []),
        "first": (selection.page - 1) * facets.PAGE_SIZE + 1,
        "page": selection.page,
        "previous_page": _url(urls, selection.params(page=selection.page - 1))
        if selection.page > 1
        else None,
        "next_page": _url(urls, selection.params(page=selection.page + 1))
        if selection.page < pages
        else None,
    }


@blueprint.route("/projects", methods=["GET", "HEAD", "OPTIONS"])
def projects():
    current = site()
    urls = for_request(current.settings)
    params = {key: request.args.getlist(key) for key in request.args}
    selection = facets.Selection.from_params(params, current.settings.base)
    languages = wanted()
    key = ("projects", urls.served, tuple(selection.params()), tuple(languages))
    response = current.page(
        key,
        lambda: render_template(
            "projects.html", urls=urls, **browse_context(selection, urls, languages)
        ),
        "text/html",
    )
    response.vary.add("Accept-Language")
    return response
