"""List pages: every resource of one kind (``{base}id/{type}/``) or one class (``/class?iri=``).

Lists are paged (:data:`LIST_SIZE` per page, with previous/next links) and show labels.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, abort, render_template, request

from hcn_ld.rdf.uris import TYPES
from hcn_ld.web import site
from hcn_ld.web.describe import labels
from hcn_ld.web.display import compact
from hcn_ld.web.http import page_number
from hcn_ld.web.urls import for_request

blueprint = Blueprint("lists", __name__)

LIST_SIZE = 200


def _listing(where: str, heading: str, page: int, link) -> str:
    """Render one page of the subjects matching the SPARQL pattern ``where`` (binds ``?s``)."""
    current = site()
    urls = for_request(current.settings)
    rows = current.store.query(
        f"SELECT DISTINCT ?s WHERE {{ {where} FILTER(isIRI(?s)) }} ORDER BY ?s "
        f"LIMIT {LIST_SIZE + 1} OFFSET {(page - 1) * LIST_SIZE}"
    )
    iris = [row["s"].value for row in rows]
    if not iris:
        abort(404)
    more, iris = len(iris) > LIST_SIZE, iris[:LIST_SIZE]
    names = labels(current.store, iris)
    items = [(urls.public(i), names.get(i) or i.rsplit("/", 1)[-1], i) for i in iris]
    return render_template(
        "list.html",
        urls=urls,
        heading=heading,
        items=items,
        page=page,
        first=(page - 1) * LIST_SIZE + 1,
        previous_page=link(urls, page - 1) if page > 1 else None,
        next_page=link(urls, page + 1) if more else None,
    )


@blueprint.route("/id/<type_>/")
def by_kind(type_: str):
    current = site()
    if type_ not in TYPES:
        abort(404)
    page = page_number()
    prefix = f"{current.settings.base}id/{type_}/"
    served = for_request(current.settings).served
    return current.page(
        ("kind", served, type_, page),
        lambda: _listing(
            f'?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}"))',
            f"All {type_} resources",
            page,
            lambda urls, n: urls.type_list(type_, n),
        ),
        "text/html",
    )


@blueprint.route("/class")
def by_class():
    current = site()
    try:
        node = ox.NamedNode(request.args.get("iri", ""))
    except ValueError:
        abort(404)
    page = page_number()
    served = for_request(current.settings).served
    name = labels(current.store, [node.value]).get(node.value) or compact(node.value)
    return current.page(
        ("class", served, node.value, page),
        lambda: _listing(
            f"?s a {node}",
            f"Instances of {name}",
            page,
            lambda urls, n: urls.class_list(node.value, n),
        ),
        "text/html",
    )
