"""Bare lookups answered before Flask: ``GET /sparql?query=`` of a query that cannot run long.

The one-resource questions scripts and crawlers ask most (``DESCRIBE <iri>``,
``SELECT ?p ?o { <iri> ?p ?o }``) take the store a fraction of a millisecond; routing them
through Flask cost about a millisecond more (``bench/sparql.py``). This WSGI middleware answers
them in the worker's thread with the ``/sparql`` view's own parts (format negotiation, query
request, ETag, content type, CORS, rate limit) and passes everything else on to the view:
other parameters, browsers (the query page), HEAD, a client over its rate (the view answers
429), a query :func:`~hcn_ld.sparqltext.is_lookup` does not accept, and any error (the view
then answers with the full explanation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.wrappers import Request

from hcn_ld.executor import InThread
from hcn_ld.sparqltext import is_lookup
from hcn_ld.store import StoreError
from hcn_ld.web.http import CORS
from hcn_ld.web.limits import LIMITER, client_address
from hcn_ld.web.replay import REPLAYABLE
from hcn_ld.web.sparql import (
    TRUNCATED,
    ProtocolError,
    answer_etag,
    content_type,
    negotiated_formats,
    parse_params,
    query_request,
    wants_html,
)
from hcn_ld.web.urls import Urls, served_base

Answer = tuple[str, list[tuple[str, str]], bytes]


class Lookups:
    """WSGI middleware: answers bare lookups itself, hands every other request to ``app``."""

    def __init__(self, flask_app: Flask, app: Callable) -> None:
        self.flask_app = flask_app
        self.app = app

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        answer = None
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == "/sparql":
            answer = self._answer(environ)
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _answer(self, environ: dict) -> Answer | None:
        """The answer to a bare lookup, or None to let the view answer."""
        try:
            params = parse_params(environ.get("QUERY_STRING", "").encode("latin-1"))
        except (ProtocolError, UnicodeEncodeError):
            return None
        texts = params.get("query", [])
        site = self.flask_app.extensions["hcn"]
        settings = site.settings
        accept = environ.get("HTTP_ACCEPT")
        if (
            len(params) != 1
            or len(texts) != 1
            or len(texts[0]) > settings.max_query_length
            or wants_html(accept)
            or not is_lookup(texts[0])
        ):
            return None
        request = Request(environ)
        limiter = self.flask_app.extensions.get(LIMITER)
        if limiter and limiter.wait(client_address(settings, request)):
            return None
        base_iri = Urls(settings.base, served_base(settings, request)).page("sparql")
        query = query_request(settings, texts[0], negotiated_formats(accept), base_iri)
        try:
            etag = answer_etag(site.store.version(), query)
            headers = [("Vary", "Accept"), ("ETag", f'"{etag}"'), *CORS]
            if request.if_none_match.contains(etag):
                return "304 NOT MODIFIED", headers, b""
            head, *rest = InThread(site.store).run(query)
        except StoreError:
            return None
        if head.kind != "H" or any(frame.kind != "D" for frame in rest):
            return None
        body = b"".join(frame.data for frame in rest)
        headers += [
            ("Content-Type", content_type(str(head.meta["format"]))),
            ("Content-Length", str(len(body))),
        ]
        if head.meta["truncated"]:
            headers.append((TRUNCATED, str(settings.row_limit)))
        environ[REPLAYABLE] = True  # repeats are replayed by the replay cache
        return "200 OK", headers, body
