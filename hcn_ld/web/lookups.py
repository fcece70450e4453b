"""Bare queries answered before Flask: ``/sparql`` queries sent with nothing else.

The one-resource questions scripts and crawlers ask most (``DESCRIBE <iri>``,
``SELECT ?p ?o { <iri> ?p ?o }``) take the store a fraction of a millisecond, and so do many
queries a remote store answers; routing them through Flask cost about a millisecond more
(``bench/sparql.py``, ``bench/scale.py``), and half a millisecond of a cheap query in a query
process. This WSGI middleware answers a query sent bare — ``GET /sparql?query=``, or a
``POST`` of just the query (form field or ``application/sparql-query`` body) — with the
``/sparql`` view's own parts: format negotiation, query request, ETag and 304, remembered
answers, content type, CORS, rate limit, time limit, the query processes
(:func:`~hcn_ld.web.sparql.execute`) and their errors. Everything else goes
on to the view: other parameters, browsers (the query page), HEAD, a client over its rate
(the view answers 429), long or federated queries (the view checks the allowlist).

Each step here costs: on an idle machine a request finds the CPU's caches cold, and a fresh
lookup took the Oxigraph server about 1 ms against 1.3 ms here before this path was cut to
what it needs (one version read, no werkzeug request, the query string decoded by C code,
common lookups recognised by one regex, answers written by pyoxigraph and made whole without
the frames of a query process: 1.15 ms).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus

from flask import Flask
from werkzeug.http import parse_etags
from werkzeug.wrappers import Request

from hcn_ld.sparql.executor import NoAnswer
from hcn_ld.sparql.text import is_lookup, is_volatile, service_endpoints
from hcn_ld.store import StoreError
from hcn_ld.store.base import RETRY_AFTER, UNAVAILABLE, QueryTimeout
from hcn_ld.web.http import CORS
from hcn_ld.web.limits import LIMITER, client_address
from hcn_ld.web.replay import REPLAYABLE, VERSION
from hcn_ld.web.sparql import (
    FORM,
    QUERY_TYPE,
    SMALL_ANSWER,
    TRUNCATED,
    ProtocolError,
    accepted,
    answer_etag,
    content_type,
    execute,
    parse_params,
    query_request,
    timeout_message,
)
from hcn_ld.web.urls import Urls, served_base

Reply = tuple[str, list[tuple[str, str]], Iterable[bytes]]
#: The request parts that decide where the app is served (see :func:`served_base`).
_ORIGIN = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
)


class Lookups:
    """WSGI middleware: answers bare in-thread queries itself, hands every other request to
    ``app``."""

    def __init__(self, flask_app: Flask, app: Callable) -> None:
        self.flask_app = flask_app
        self.app = app
        #: The endpoint's IRI (the base of relative IRIs in queries) by the request parts that
        #: decide the served origin: a few distinct values, so kept rather than rebuilt.
        self._endpoints: dict[tuple, str] = {}

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        reply = None
        if environ.get("PATH_INFO") == "/sparql":
            reply = self._reply(environ)
        if reply is None:
            return self.app(environ, start_response)
        status, headers, body = reply
        start_response(status, headers)
        return body

    def _reply(self, environ: dict) -> Reply | None:
        """The reply to a bare query, or None to let the view answer."""
        site = self.flask_app.extensions["hcn"]
        settings = site.settings
        method = environ.get("REQUEST_METHOD")
        page, table, graph = accepted(environ.get("HTTP_ACCEPT"))
        if method == "GET":
            text = _only_query(environ.get("QUERY_STRING", ""))
            if text is not None and page:
                return None
        elif method == "POST" and not environ.get("QUERY_STRING"):
            text = _posted_query(environ, settings.max_query_length, settings.max_request_bytes)
        else:
            return None
        if text is None or len(text) > settings.max_query_length:
            return None
        # SERVICE is left to the view, which checks the allowlist and says why it refuses.
        lookup = is_lookup(text)
        if not lookup and service_endpoints(text):
            return None
        limiter = self.flask_app.extensions.get(LIMITER)
        if limiter and limiter.wait(client_address(settings, environ)):
            return None
        query = query_request(settings, text, (table, graph), self._endpoint(environ))
        headers = [("Vary", "Accept"), *CORS]
        try:
            # A lookup has no functions; the answer to a query that has them is not kept.
            volatile = not lookup and is_volatile(text)
            key = None if volatile else (environ.get(VERSION) or site.store.version(), query)
            if method == "GET" and key:
                etag = answer_etag(*key)
                headers.append(("ETag", f'"{etag}"'))
                matches = environ.get("HTTP_IF_NONE_MATCH")
                if matches and parse_etags(matches).contains(etag):
                    return "304 NOT MODIFIED", headers, [b""]
            answer, body, close = execute(self.flask_app, query, key)
        except NoAnswer as exc:
            if exc.status == 503:  # not asked twice
                return _plain(503, UNAVAILABLE, [("Retry-After", str(RETRY_AFTER))])
            return _plain(exc.status, str(exc))
        except QueryTimeout:
            return _plain(503, timeout_message(settings))
        except StoreError:
            return None
        headers.append(("Content-Type", content_type(answer.format)))
        if answer.truncated:
            headers.append((TRUNCATED, str(settings.row_limit)))
        if not isinstance(body, bytes):
            return "200 OK", headers, _Streamed(body, close)  # type: ignore[arg-type]
        headers.append(("Content-Length", str(len(body))))
        if method == "GET" and key and len(body) <= SMALL_ANSWER:
            environ[REPLAYABLE] = True  # repeats are replayed by the replay cache
        return "200 OK", headers, [body]

    def _endpoint(self, environ: dict) -> str:
        """The endpoint's IRI as served for this request (as the view's ``url_for``)."""
        origin = tuple(map(environ.get, _ORIGIN))
        endpoint = self._endpoints.get(origin)
        if endpoint is None:
            settings = self.flask_app.extensions["hcn"].settings
            request = Request({name: environ[name] for name in _ORIGIN if name in environ})
            endpoint = Urls(settings.base, served_base(settings, request)).page("sparql")
            if len(self._endpoints) >= 256:  # forged Host headers must not grow it
                self._endpoints.clear()
            self._endpoints[origin] = endpoint
        return endpoint


def _plain(status: int, message: str, extra: list[tuple[str, str]] | None = None) -> Reply:
    """An error saying ``message``, as the view writes it."""
    headers = [("Content-Type", "text/plain; charset=utf-8"), *CORS, *(extra or [])]
    return f"{status} {HTTPStatus(status).phrase.upper()}", headers, [f"{message}\n".encode()]


class _Streamed:
    """A streamed answer as a WSGI body: the server calls ``close`` when it is done with it,
    read or not (a client gone), and that stops the query."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self.chunks = chunks
        self.close = close

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks


def _only_query(raw: str) -> str | None:
    """The query of parameters (WSGI ``QUERY_STRING``) that hold one ``query`` and nothing
    else. Clients percent-encode ``\\``; one sent raw, which the fast decoding would read as
    an escape, goes the general way."""
    if raw.startswith("query=") and "&" not in raw and "\\" not in raw and raw.isascii():
        try:  # the common case: decoded by C code (urllib's unquote loops over each %XX)
            escaped = raw[6:].replace("%", "\\x").replace("+", " ")
            return escaped.encode().decode("unicode_escape").encode("latin-1").decode()
        except UnicodeDecodeError:  # a stray %, or not UTF-8: read as the view reads it
            pass
    try:
        params = parse_params(raw.encode("latin-1"))
    except (ProtocolError, UnicodeEncodeError):
        return None
    texts = params.get("query", [])
    return texts[0] if len(params) == 1 and len(texts) == 1 else None


def _posted_query(environ: dict, max_length: int, max_bytes: int) -> str | None:
    """The query of a POST body that holds only a query (form or ``sparql-query``); the body
    is put back for the view to read in any case (and one over ``max_bytes`` is not read: the
    view refuses it)."""
    media_type, _, options = environ.get("CONTENT_TYPE", "").partition(";")
    media_type = media_type.strip().lower()
    if media_type not in (FORM, QUERY_TYPE) or options.strip().lower() not in ("", "charset=utf-8"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    # A form encodes each character in up to 9 bytes (%XX for each UTF-8 byte).
    if not 0 <= length <= min(9 * max_length, max_bytes):
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    if media_type == FORM:
        return _only_query(body.decode("latin-1"))
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
