"""``/sparql``: the SPARQL 1.1 Protocol endpoint, its Service Description and the query UI.

Queries by GET, by form POST and by ``application/sparql-query`` POST; updates (only with the
server's bearer token) by form POST and ``application/sparql-update`` POST. Queries on the
embedded store run in a killable child process that streams the answer already serialized;
queries on a remote store, and lookups that cannot run long (one resource, one triple pattern)
on either, are answered in the request's thread (:mod:`hcn_ld.sparql.executor`).

    $ curl -H 'Accept: text/csv' 'http://127.0.0.1:8080/sparql?query=SELECT+*+{?s+?p+?o}+LIMIT+3'
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template, request

from hcn_ld.config import Settings
from hcn_ld.rdf import formats
from hcn_ld.rdf.vocab import sparql_prologue
from hcn_ld.sparql.executor import Answer, ExecutorPool, Frame, NoAnswer, written
from hcn_ld.sparql.executor import Request as QueryRequest
from hcn_ld.sparql.text import Refused, check_services, is_lookup, is_volatile, with_using
from hcn_ld.store import NoData, StoreError, is_remote
from hcn_ld.store.base import RETRY_AFTER, UNAVAILABLE, QueryTimeout
from hcn_ld.web import site
from hcn_ld.web.http import RenderCache
from hcn_ld.web.replay import REPLAYABLE
from hcn_ld.web.service import service_description
from hcn_ld.web.urls import Urls, for_request

blueprint = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

QUERIES = Path(__file__).parent / "queries"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
#: Header announcing that an answer was cut at the row limit (its value: the limit).
TRUNCATED = "X-SPARQL-Truncated"


class ProtocolError(Exception):
    """A request the protocol does not allow: the HTTP status and a message saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Operation:
    """What a request asks for: a query or an update, its text and its protocol parameters."""

    kind: str  # "query", "update" or "" (no operation: service description or UI)
    text: str
    params: dict[str, list[str]]

    def values(self, name: str) -> list[str]:
        return self.params.get(name, [])


@dataclass(frozen=True)
class Example:
    """An example query from ``web/queries/*.rq``: first comment line title, second the help."""

    name: str
    title: str
    description: str
    sparql: str


def examples() -> list[Example]:
    """The example queries of the query UI (also run by the tests against the built store)."""
    found = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title, description = (line.lstrip("# ").strip() for line in text.splitlines()[:2])
        found.append(Example(path.stem, title, description, text))
    return found


@blueprint.route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    try:
        operation = parse_operation()
        if operation.kind == "query":
            return run_query(operation)
        if operation.kind == "update":
            return run_update(operation)
        return describe()
    except ProtocolError as exc:
        return _error(exc.status, exc.message)
    except NoData as exc:
        return _error(503, str(exc))


def parse_operation() -> Operation:
    """The operation of the current request, checked against the SPARQL 1.1 Protocol."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise ProtocolError(405, f"{request.method} is not allowed: use GET or POST")
    params = parse_params(request.query_string)
    if request.method != "POST":
        if "update" in params:
            raise ProtocolError(405, "SPARQL Update must be sent by POST, not GET")
        return _operation(params, "query" if "query" in params else "", "query")
    content_type = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if content_type == FORM:
        body = parse_params(request.get_data())
        for name, values in body.items():
            params.setdefault(name, []).extend(values)
        kinds = [k for k in ("query", "update") if k in body]
        if len(kinds) != 1:
            raise ProtocolError(400, "a form POST needs exactly one 'query' or 'update' field")
        return _operation(params, kinds[0], kinds[0])
    if content_type in (QUERY_TYPE, UPDATE_TYPE):
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"{content_type} must be UTF-8, not charset={charset}")
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(400, f"the request body is not UTF-8: {exc}") from None
        kind = "query" if content_type == QUERY_TYPE else "update"
        if kind in params:
            raise ProtocolError(400, f"'{kind}' given both in the URL and as the request body")
        return Operation(kind, text, params)
    raise ProtocolError(
        415,
        f"unsupported Content-Type {content_type or '(none)'}: POST a query as {QUERY_TYPE} "
        f"or {FORM}, an update as {UPDATE_TYPE} or {FORM}",
    )


def parse_params(raw: bytes) -> dict[str, list[str]]:
    try:
        return urllib.parse.parse_qs(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, errors="strict"
        )
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"parameters are not UTF-8: {exc}") from None


def _operation(params: dict[str, list[str]], kind: str, name: str) -> Operation:
    if not kind:
        return Operation("", "", params)
    if len(params[name]) != 1:
        count = len(params[name])
        raise ProtocolError(400, f"exactly one '{name}' parameter is allowed, got {count}")
    if "query" in params and "update" in params:
        raise ProtocolError(400, "a request carries either 'query' or 'update', not both")
    return Operation(kind, params[name][0], params)


# ----------------------------------------------------------------------------- queries


def run_query(operation: Operation) -> Response:
    settings = site().settings
    if len(operation.text) > settings.max_query_length:
        raise ProtocolError(
            413,
            f"query too long: {len(operation.text)} characters, the limit is "
            f"{settings.max_query_length}",
        )
    _check_services(operation.text)
    _check_graph_iris(operation, "default-graph-uri", "named-graph-uri")
    accept = request.headers.get("Accept")
    if request.method != "POST" and not operation.values("format") and wants_html(accept):
        page = query_ui(for_request(settings), operation.text)
        response = Response(page, mimetype="text/html")
        response.vary.add("Accept")
        return response
    query = query_request(
        settings,
        operation.text,
        negotiated_formats(accept, operation.values("format")),
        for_request(settings).page("sparql"),
        operation.values("default-graph-uri"),
        operation.values("named-graph-uri"),
    )
    # The data of a version never changes: the same request gets the same answer, unless the
    # query itself asks for the time or random values.
    key = None if is_volatile(operation.text) else (site().store.version(), query)
    etag = None
    if key and request.method != "POST":
        etag = answer_etag(*key)
        if request.if_none_match.contains(etag):
            response = Response(status=304)
            response.set_etag(etag)
            return response
    return _execute(query, key, etag)


def query_request(
    settings: Settings,
    text: str,
    answer_formats: tuple[formats.Format, formats.Format],
    base_iri: str,
    defaults: Sequence[str] = (),
    named: Sequence[str] = (),
) -> QueryRequest:
    """What the executor is asked: the query, its formats (table, graph), dataset and limit."""
    # Either dataset parameter replaces the whole dataset (SPARQL 1.1 Protocol 2.1.4): with
    # only named-graph-uri the default graph is empty, with only default-graph-uri no graph is
    # named. Without both, the store's dataset: the union of its graphs, each one named.
    given = bool(defaults or named)
    return QueryRequest(
        sparql=text,
        result_format=answer_formats[0].name,
        graph_format=answer_formats[1].name,
        default_graphs=tuple(defaults) if given else None,
        named_graphs=tuple(named) if given else None,
        base_iri=base_iri,
        limit=settings.row_limit or None,
    )


#: Answers up to this size are read whole before responding (and replayed for repeated GETs,
#: see :mod:`hcn_ld.web.replay`); larger ones stream.
SMALL_ANSWER = 64 * 1024
#: Complete answers each worker remembers for repeated queries (GET or POST, any ``Accept``
#: that picks the same format), in bytes, and the largest answer it keeps.
REMEMBERED_BYTES = 64 * 1024 * 1024
REMEMBERED_ANSWER = REMEMBERED_BYTES // 8


class Execution(NamedTuple):
    """A query's answer as it comes: the bytes when it came whole (up to SMALL_ANSWER), else
    its chunks as they come and the function that stops them (for a body never read)."""

    answer: Answer
    body: bytes | Iterator[bytes]
    close: Callable[[], None] | None = None


def execute(app: Flask, query: QueryRequest, key: tuple | None) -> Execution:
    """Answer ``query`` without Flask, for the view and the bare path alike: from the
    remembered answers (under ``key``), in the request's thread (a lookup, a remote store's
    query: made whole), or in a query process (streamed when large).

    Raises :class:`~hcn_ld.sparql.executor.NoAnswer` (status 503: the store is unavailable) and
    :class:`QueryTimeout`.
    """
    current = app.extensions["hcn"]
    remote, lookup = is_remote(current.settings.store), is_lookup(query.sparql)
    # A lookup in the embedded store is as quick to rerun as to find.
    kept = key if remote or not lookup else None
    answer = remembered_answers(app).find(kept) if kept else None
    if answer is not None:
        return Execution(answer, answer.body)
    # A lookup cannot run long; a remote store's HTTP client gives up at the time limit.
    # Any other query runs in this worker's killable processes.
    if remote or lookup:
        answer = written(current.store, query)
        if kept and len(answer.body) <= REMEMBERED_ANSWER:
            remember(app, kept, answer)
        return Execution(answer, answer.body)
    frames = query_processes(app).run(query)
    try:
        first = next(frames)
    except QueryTimeout:
        raise
    except StoreError as exc:
        app.logger.error("query executor failed: %s", exc)
        raise NoAnswer(503, UNAVAILABLE) from None
    if first.kind == "E":
        try:  # read to its end: a query process left mid-answer is killed
            for _ in frames:
                pass
        except StoreError:  # QueryTimeout too: the process is stopped anyway
            pass
        raise NoAnswer(int(first.meta["status"]), str(first.meta["message"]))
    answer = Answer(str(first.meta["format"]), bool(first.meta["truncated"]))

    def keep(body: bytes) -> None:
        remember(app, kept, answer._replace(body=body))  # type: ignore[arg-type]

    head, complete = _prefetch(frames, SMALL_ANSWER)
    if not complete:
        return Execution(answer, _rest(frames, head, keep if kept else None), frames.close)
    body = b"".join(head)
    if kept:
        keep(body)
    return Execution(answer, body)


def _execute(query: QueryRequest, key: tuple | None, etag: str | None) -> Response:
    """Run ``query`` and answer (remembered under ``key`` when complete)."""
    try:
        run = execute(current_app._get_current_object(), query, key)  # type: ignore[attr-defined]
    except QueryTimeout:
        return _error(503, timeout_message(site().settings))
    except NoAnswer as exc:
        return _unavailable() if exc.status == 503 else _error(exc.status, str(exc))
    response = _answer_response(run.answer, run.body, etag)
    if run.close:  # a body never read (HEAD, client gone) must still stop the query process
        response.call_on_close(run.close)
    return response


@functools.lru_cache(maxsize=32)
def content_type(format_name: str) -> str:
    """The ``Content-Type`` of an answer in a format (text formats say UTF-8).

    >>> content_type("json"), content_type("rdfxml")
    ('application/sparql-results+json; charset=utf-8', 'application/rdf+xml')
    """
    fmt = formats.by_name(format_name)
    if fmt.media_type.startswith("text/") or fmt.name in ("json", "jsonld"):
        return f"{fmt.media_type}; charset=utf-8"
    return fmt.media_type


def _answer_response(answer: Answer, body: bytes | Iterator[bytes], etag: str | None) -> Response:
    response = Response(body, content_type=content_type(answer.format))
    response.vary.add("Accept")
    if answer.truncated:
        response.headers[TRUNCATED] = str(site().settings.row_limit)
    if etag:
        response.set_etag(etag)
        if isinstance(body, bytes) and len(body) <= SMALL_ANSWER:
            request.environ[REPLAYABLE] = True  # repeats are replayed before reaching Flask
    return response


def remembered_answers(app: Flask) -> RenderCache:
    """This worker's remembered answers, keyed by (data version, query request)."""
    extensions = app.extensions
    if "hcn-answers" not in extensions:
        extensions["hcn-answers"] = RenderCache(
            REMEMBERED_BYTES, weigh=lambda answer: len(answer.body) + 1024
        )
    return extensions["hcn-answers"]


def remember(app: Flask, key: tuple, answer: Answer) -> None:
    """Keep a complete answer under ``key`` (data version, query request), unless the data
    version moved while the query ran (the answer might then come from either version)."""
    try:
        unchanged = app.extensions["hcn"].store.version() == key[0]
    except StoreError:
        return
    if unchanged:
        remembered_answers(app).put(key, answer)


def _prefetch(frames: Iterator[Frame], size: int) -> tuple[list[bytes], bool]:
    """The first chunks of an answer, up to about ``size`` bytes, and whether that was all."""
    head: list[bytes] = []
    total = 0
    try:
        while total <= size:
            frame = next(frames)
            if frame.kind == "E":
                log.warning("query failed while answering: %s", frame.meta)
                return head, False
            head.append(frame.data)
            total += len(frame.data)
    except StopIteration:
        return head, True
    except StoreError as exc:  # QueryTimeout too
        log.warning("query stopped while answering: %r", exc)
    return head, False


def _rest(
    frames: Iterator[Frame], head: list[bytes], remember: Callable[[bytes], None] | None
) -> Iterator[bytes]:
    """``head``, then the rest of a streamed answer; a timeout or error ends it early (headers
    are gone). A complete answer of at most :data:`REMEMBERED_ANSWER` bytes is remembered."""
    kept: list[bytes] | None = list(head) if remember else None
    size = sum(map(len, head))
    try:
        yield from head
        for frame in frames:
            if frame.kind == "E":
                log.warning("query failed while streaming: %s", frame.meta)
                return
            size += len(frame.data)
            if kept is not None and size <= REMEMBERED_ANSWER:
                kept.append(frame.data)
            else:
                kept = None
            yield frame.data
        if kept is not None and remember:
            remember(b"".join(kept))
    except StoreError as exc:  # QueryTimeout too
        log.warning("query stopped while streaming: %r", exc)
    finally:
        frames.close()  # type: ignore[attr-defined]


#: ``format`` parameter values clients send (SPARQLWrapper, Virtuoso style) -> graph format.
GRAPH_FORMAT_ALIASES = {
    "xml": "rdfxml",
    "rdf+xml": "rdfxml",
    "json": "jsonld",
    "json-ld": "jsonld",
    "n3": "turtle",
    "n-triples": "ntriples",
}


def negotiated_formats(
    accept: str | None, names: Sequence[str] = ()
) -> tuple[formats.Format, formats.Format]:
    """The formats for a table/boolean answer and for a graph answer.

    A ``format`` parameter (``names``: name, extension or media type) wins over ``Accept``; a
    value that names only one kind (``csv``, ``turtle``) leaves the other to ``Accept``.

    >>> [f.name for f in negotiated_formats("text/csv, text/turtle;q=0.9")]
    ['csv', 'turtle']
    """
    _, result, graph = accepted(accept)
    if not names:
        return result, graph
    value = names[0].strip().lower()
    by_param = (
        _lookup(value, formats.RESULT_FORMATS),
        _lookup(GRAPH_FORMAT_ALIASES.get(value, value), formats.RDF_FORMATS),
    )
    if by_param == (None, None):
        known = ", ".join(f.name for f in formats.RESULT_FORMATS + formats.RDF_FORMATS)
        raise ProtocolError(400, f"unknown format {names[0]!r}; known: {known}")
    return by_param[0] or result, by_param[1] or graph


def wants_html(accept: str | None) -> bool:
    """True when the client (a browser) prefers a page to any result format."""
    return accepted(accept)[0]


@functools.lru_cache(maxsize=1024)
def accepted(accept: str | None) -> tuple[bool, formats.Format, formats.Format]:
    """What an ``Accept`` header asks of the endpoint: a page?, the table and graph formats
    (parsed once per distinct header: clients send the same few).

    >>> page, table, graph = accepted("text/html, text/csv;q=0.9")
    >>> page, table.name, graph.name
    (True, 'csv', 'turtle')
    """
    default_result, default_graph = formats.RESULT_FORMATS[0], formats.RDF_FORMATS[0]
    page = (formats.HTML, *formats.RESULT_FORMATS, *formats.RDF_FORMATS)
    return (
        bool(accept) and formats.negotiate(accept, page, default_result) is formats.HTML,
        formats.negotiate(accept, formats.RESULT_FORMATS, default_result) or default_result,
        formats.negotiate(accept, formats.RDF_FORMATS, default_graph) or default_graph,
    )


def _lookup(value: str, offered: tuple[formats.Format, ...]) -> formats.Format | None:
    for find in (formats.by_name, formats.by_media_type):
        try:
            return find(value, offered)
        except KeyError:
            pass
    return None


def answer_etag(version: str, query: QueryRequest) -> str:
    """The ETag of the answer to ``query`` in a data version: a hash of both (BLAKE2, as
    the pages' ETags: on an idle machine OpenSSL's SHA-256 took twice as long)."""
    key = (
        f"{version}\n{query.result_format}\n{query.graph_format}\n{query.default_graphs}\n"
        f"{query.named_graphs}\n{query.base_iri}\n{query.limit}\n{query.sparql}"
    )
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def timeout_message(settings: Settings) -> str:
    """What a client is told about a query stopped at the time limit (with a 503)."""
    return (
        f"query stopped: it ran longer than this endpoint's limit of {settings.query_timeout:g}"
        " seconds; narrow it down (LIMIT, more specific patterns)"
    )


def query_processes(app: Flask) -> ExecutorPool:
    """This worker's query processes (started with its first query that needs them)."""
    settings = app.extensions["hcn"].settings
    extensions = app.extensions
    if "hcn-executors" not in extensions:
        extensions["hcn-executors"] = ExecutorPool(
            settings.store, settings.query_timeout, settings.memory_triples
        )
    return extensions["hcn-executors"]


def _check_graph_iris(operation: Operation, *names: str) -> None:
    """400 unless every dataset parameter (``default-graph-uri`` ...) is an absolute IRI."""
    for name in names:
        for value in operation.values(name):
            try:
                ox.NamedNode(value)
            except ValueError as exc:
                raise ProtocolError(400, f"{name}: {value!r} is not an IRI ({exc})") from None


def _check_services(text: str) -> None:
    try:
        check_services(text, site().settings.service_allowlist)
    except Refused as exc:
        raise ProtocolError(400, str(exc)) from None


# ----------------------------------------------------------------------------- updates


def run_update(operation: Operation) -> Response:
    settings = site().settings
    if not settings.update_token:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is disabled")
    supplied = request.headers.get("Authorization", "")
    scheme, _, token = supplied.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), settings.update_token.encode()
    ):
        response = _error(403, "SPARQL Update needs 'Authorization: Bearer <update token>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="sparql-update"'
        return response
    if len(operation.text) > settings.max_query_length:
        raise ProtocolError(413, f"update too long: limit {settings.max_query_length} characters")
    _check_services(operation.text)
    _check_graph_iris(operation, "using-graph-uri", "using-named-graph-uri")
    try:
        update = with_using(
            operation.text,
            operation.values("using-graph-uri"),
            operation.values("using-named-graph-uri"),
        )
        base_iri = for_request(settings).page("sparql")
        version = site().store.update(update, base_iri=base_iri)
    except Refused as exc:
        raise ProtocolError(400, str(exc)) from None
    except SyntaxError as exc:
        raise ProtocolError(400, f"malformed update: {exc}") from None
    except (OSError, StoreError) as exc:
        return _error(500, f"update failed, nothing was changed: {exc}")
    return Response(f"update applied; data version {version}\n", mimetype="text/plain")


# ----------------------------------------------------------------------------- no operation


def describe() -> Response:
    """The Service Description (RDF by Accept) or, for browsers, the query UI."""
    if request.method == "POST":
        raise ProtocolError(400, "POST needs a 'query' or 'update'")
    current = site()
    urls = for_request(current.settings)
    asked = request.args.get("format")
    fmt = _lookup(asked.lower(), DESCRIBED) if asked else None
    if asked and fmt is None:
        raise ProtocolError(400, f"unknown format {asked!r} for the Service Description")
    fmt = fmt or formats.negotiate(request.headers.get("Accept"), DESCRIBED, TURTLE) or TURTLE
    if fmt is formats.HTML:
        return current.page(("sparql-ui", urls.served), lambda: query_ui(urls), "text/html")

    def produce() -> bytes:
        graph = service_description(
            endpoint=urls.page("sparql"),
            dataset=urls.dataset(),
            void=urls.page(".well-known/void"),
            graphs=current.store.graphs(),
            settings=current.settings,
        )
        return graph.serialize(format=_RDFLIB[fmt.name], encoding="utf-8")

    response = current.page(("sparql-sd", urls.served, fmt.name), produce, fmt.media_type)
    response.vary.add("Accept")
    return response


TURTLE = formats.RDF_FORMATS[0]
DESCRIBED = (formats.HTML, *formats.RDF_FORMATS)
_RDFLIB = {
    "turtle": "turtle",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
}


def query_ui(urls: Urls, query: str | None = None) -> str:
    """The YASGUI page: this endpoint, the dataset's prefixes, the example queries.

    With ``query`` (a browser following a ``/sparql?query=`` link) the page opens on that query
    and runs it.
    """
    return render_template(
        "sparql.html",
        urls=urls,
        endpoint=urls.page("sparql"),
        prologue=sparql_prologue(),
        examples=examples(),
        examples_by_name={e.name: e.sparql for e in examples()},
        settings=site().settings,
        query=query,
    )


def _unavailable() -> Response:
    response = _error(503, UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _error(status: int, message: str) -> Response:
    response = Response(f"{message}\n", status=status, mimetype="text/plain")
    if status == 405:
        response.headers["Allow"] = "GET, POST"
    return response
