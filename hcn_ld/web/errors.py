"""Error pages that help: 404 with a search box and a way home, 406 listing the offered formats.

Errors answer in what the client asked for: an HTML page for browsers, a Turtle comment for
RDF clients, plain text otherwise.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from hcn_ld.rdf.formats import HTML, RDF_FORMATS, negotiate
from hcn_ld.store import NoData
from hcn_ld.store.base import RETRY_AFTER, UNAVAILABLE, StoreError
from hcn_ld.web import site
from hcn_ld.web.negotiation import OFFERED
from hcn_ld.web.urls import for_request

blueprint = Blueprint("errors", __name__)


@blueprint.app_errorhandler(NoData)
def no_data(error: NoData):
    """Nothing published yet: say how to publish rather than failing with a 500."""
    return http_error(ServiceUnavailable(f"{error}. Nothing is served until a build succeeds."))


MESSAGES = {
    404: "Nothing is published at this address.",
    406: "This resource is not available in the format you asked for.",
}


@blueprint.app_errorhandler(StoreError)
def store_unavailable(error: StoreError):
    """503 with Retry-After while the store is unreachable; service resumes when it is back."""
    current_app.logger.error("store error on %s: %s", request.path, error)
    return http_error(ServiceUnavailable(UNAVAILABLE, retry_after=RETRY_AFTER))


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    code = error.code or 500
    urls = for_request(site().settings)
    offered = OFFERED if code == 406 else ()
    message = error.description if code == 503 else MESSAGES.get(code, error.description or "")
    fmt = negotiate(request.headers.get("Accept"), (HTML, *RDF_FORMATS), HTML) or HTML
    if fmt is HTML:
        guess = request.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        body = render_template(
            "error.html",
            urls=urls,
            code=code,
            name=error.name,
            message=message,
            offered=offered,
            guess=guess,
        )
        response = error.get_response()
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response
    lines = [f"{code} {error.name}: {message}", f"Requested: {request.url}"]
    lines += [f"Offered: {f.media_type} (.{f.extension}, ?format={f.name})" for f in offered]
    lines += [f"Home: {urls.page()}", f"Search: {urls.search()}"]
    response = error.get_response()
    if fmt.name in ("turtle", "ntriples", "nquads", "trig"):
        # A valid (empty) document, so RDF clients can parse it; the reason is in comments.
        response.set_data("".join(f"# {line}\n" for line in lines))
        response.content_type = f"{fmt.media_type}; charset=utf-8"
    else:
        response.set_data("\n".join(lines) + "\n")
        response.content_type = "text/plain; charset=utf-8"
    return response
