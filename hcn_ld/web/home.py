"""The home page: what the dataset is, its size, kinds of resources, classes, where to start."""

from __future__ import annotations

from flask import Blueprint, render_template

from hcn_ld.rdf.uris import TYPES
from hcn_ld.store import Store
from hcn_ld.web import site
from hcn_ld.web.dashboard import home_parts
from hcn_ld.web.dataset import DESCRIPTION, TITLE
from hcn_ld.web.describe import labels
from hcn_ld.web.display import compact
from hcn_ld.web.languages import wanted
from hcn_ld.web.urls import for_request

blueprint = Blueprint("home", __name__)


def kinds(store: Store, base: str) -> dict[str, int]:
    """Resource kind (``{base}id/{kind}/``) -> number of resources, in :data:`TYPES` order."""
    prefix = f"{base}id/"
    rows = store.query(
        f"SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && "
        f'STRSTARTS(STR(?s), "{prefix}")) BIND(STRBEFORE(STRAFTER(STR(?s), "{prefix}"), "/") '
        f"AS ?t) }} GROUP BY ?t"
    )
    found = {row["t"].value: int(row["n"].value) for row in rows}
    return {kind: found[kind] for kind in TYPES if found.get(kind)}


def classes(store: Store) -> list[tuple[str, int]]:
    """(class IRI, number of instances), most used first."""
    rows = store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
        "GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    return [(row["c"].value, int(row["n"].value)) for row in rows]


@blueprint.route("/")
def home():
    current = site()
    urls = for_request(current.settings)
    languages = wanted()

    def page() -> str:
        store = current.store
        counted = classes(store)
        names = labels(store, [c for c, _ in counted])
        return render_template(
            "home.html",
            urls=urls,
            title=TITLE,
            description=DESCRIPTION,
            triples=sum(store.graphs().values()),
            graphs=len(store.graphs()),
            kinds=kinds(store, current.settings.base),
            classes=[(c, names.get(c) or compact(c), n) for c, n in counted],
            published=store.info().get("published"),
            **home_parts(store, current.settings.base, urls, languages, counted),
        )

    response = current.page(("home", urls.served, tuple(languages)), page, "text/html")
    response.vary.add("Accept-Language")
    return response
