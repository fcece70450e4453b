"""``/sitemap.xml`` listing every resource under ``{base}id/`` and the main pages; ``/robots.txt``.

The sitemap protocol allows 50,000 URLs per file; beyond that :data:`SITEMAP_SIZE` pages of
``/sitemap.xml?page=N`` are listed by a sitemap index at ``/sitemap.xml``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, request

from hcn_ld.store import Store
from hcn_ld.web import site
from hcn_ld.web.urls import for_request

blueprint = Blueprint("sitemap", __name__)

SITEMAP_SIZE = 50_000
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def resource_iris(store: Store, base: str) -> list[str]:
    """Every IRI under ``{base}id/`` that the store says something about, sorted."""
    rows = store.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && "
        f'STRSTARTS(STR(?s), "{base}id/")) }} ORDER BY ?s'
    )
    return [row["s"].value for row in rows]


@blueprint.route("/sitemap.xml")
def sitemap():
    current = site()
    urls = for_request(current.settings)
    page = request.args.get("page", 0, type=int) or 0

    def produce() -> str:
        iris = resource_iris(current.store, current.settings.base)
        published = current.last_modified()
        lastmod = f"<lastmod>{published.date().isoformat()}</lastmod>" if published else ""
        if len(iris) > SITEMAP_SIZE and page == 0:
            pages = range(1, (len(iris) - 1) // SITEMAP_SIZE + 2)
            entries = "".join(
                f"<sitemap><loc>{escape(urls.page('sitemap.xml', page=n))}</loc>{lastmod}</sitemap>"
                for n in pages
            )
            return f"{_HEAD}<sitemapindex {_NS}>{entries}</sitemapindex>\n"
        if page:
            iris = iris[(page - 1) * SITEMAP_SIZE : page * SITEMAP_SIZE]
        pages = [urls.page(), urls.dataset(), urls.ontology(), urls.dumps()] if page < 2 else []
        entries = "".join(
            f"<url><loc>{escape(url)}</loc>{lastmod}</url>\n"
            for url in pages + [urls.public(i) for i in iris]
        )
        return f"{_HEAD}<urlset {_NS}>\n{entries}</urlset>\n"

    return current.page(("sitemap", urls.served, page), produce, "application/xml")


@blueprint.route("/robots.txt")
def robots():
    current = site()
    urls = for_request(current.settings)
    body = f"User-agent: *\nDisallow: /sparql\nAllow: /\nSitemap: {urls.page('sitemap.xml')}\n"
    return current.page(("robots", urls.served), lambda: body, "text/plain")
