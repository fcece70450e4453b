"""Full-text search pages: ``/search?q=`` (HTML) and the same results as JSON.

GET /search?q=health             -> ranked hits with snippets (HTML)
GET /search.json?q=health        -> the same as JSON (also /search with Accept: application/json)

The index is :mod:`hcn_ld.derived.search` (SQLite FTS5 written with each published version).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from hcn_ld.derived import search as fulltext
from hcn_ld.rdf.formats import HTML, JSON, negotiate
from hcn_ld.web import site
from hcn_ld.web.languages import wanted
from hcn_ld.web.urls import for_request

blueprint = Blueprint("search", __name__)

PAGE_SIZE = 20
#: Longest query text searched (longer input is cut, not refused).
MAX_QUERY = 200


def _results() -> tuple[str, int, fulltext.Results]:
    text = " ".join(request.args.get("q", "").split())[:MAX_QUERY]
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    index = fulltext.index_for(site().store)
    found = index.search(text, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, languages=wanted())
    return text, page, found


def _json(text: str, page: int, found: fulltext.Results):
    urls = for_request(site().settings)
    more = page * PAGE_SIZE < found.total
    response = jsonify(
        {
            "query": text,
            "total": found.total,
            "page": page,
            "next": urls.page("search.json", q=text, page=page + 1) if more else None,
            "results": [{**hit.as_json(), "url": urls.public(hit.iri)} for hit in found.hits],
        }
    )
    response.vary.add("Accept")
    return response


@blueprint.route("/search", methods=["GET", "HEAD", "OPTIONS"])
def search_page():
    text, page, found = _results()
    if negotiate(request.headers.get("Accept"), (HTML, JSON), HTML) is JSON:
        return _json(text, page, found)
    urls = for_request(site().settings)
    more = page * PAGE_SIZE < found.total
    body = render_template(
        "search.html",
        urls=urls,
        text=text,
        found=found,
        page=page,
        first=(page - 1) * PAGE_SIZE + 1,
        previous_page=urls.page("search", q=text, page=page - 1) if page > 1 else None,
        next_page=urls.page("search", q=text, page=page + 1) if more else None,
        json_url=urls.page("search.json", q=text or None),
    )
    return body, 200, {"Vary": "Accept, Accept-Language"}


@blueprint.route("/search.json", methods=["GET", "HEAD", "OPTIONS"])
def search_json():
    return _json(*_results())
