"""The remote store: a SPARQL 1.1 server (Oxigraph server, Virtuoso) over Query, Update and GSP.

Store spec (``--store`` / ``$HCN_STORE``)::

    sparql+http://[USER:PASSWORD@]HOST:PORT/QUERY-PATH[?update=PATH&gsp=PATH&auth=digest|basic]

``sparql+https://`` works the same over TLS. The query endpoint is the URL without
``sparql+``. Where ``update`` and ``gsp`` (Graph Store Protocol) are not given they follow the
server's usual layout:

* a path ending in ``/query`` (Oxigraph server): ``…/update`` and ``…/store`` (uploads ask
  for ``no_transaction``, Oxigraph's bulk loader: they go into new graphs nobody reads yet);
* any other path, e.g. ``/sparql`` (Virtuoso): ``/sparql-auth`` and ``/sparql-graph-crud-auth``.

Credentials (for update and GSP) come from the URL or from ``$HCN_STORE_USER`` and
``$HCN_STORE_PASSWORD``; ``auth`` is ``digest`` (default, Virtuoso's ``-auth`` endpoints)
or ``basic``.

How publishing stays atomic without copying: the *registry* graph ``urn:hcn-ld:registry``
holds the version and the manifest as JSON: the published (logical) graphs with their triple
counts, publish info, and where each graph is stored on the server (``physical``: logical
graph IRI -> physical graph IRI; a graph missing there is stored under its own name, as
graphs created by SPARQL Update are). A publish loads every file (GSP ``POST``) into a new
physical graph ``<logical>!hcn-ld-<time>-<random>``, then one small SPARQL Update rewrites the
registry: that is the switch. The physical graphs it replaced are ``retired`` (readers may
still use them for a while: the registry is cached, queries run on) and dropped at the next
publish; a failed publish drops the graphs it loaded.

What clients see is logical names only: a query's dataset and every graph IRI it names
(``<iri>``, prefixed or relative) are rewritten to physical names before it is sent, and
physical names in the answer are written back as logical ones (each holds a unique random
part, so that is a plain text replacement; no stored triple mentions a graph IRI). Updates are
rewritten the same way. A physical name starts with its logical one and goes on with ``!``,
the lowest character an IRI may hold: the server sorts graphs (``ORDER BY ?g``) and compares
their strings (``STRSTARTS``) as it would their logical names.

What the default graph means here: the server's own default graph (Oxigraph: a graph of its
own; Virtuoso: every graph, system graphs included) is never used. Each query names its
graphs explicitly: ``default-graph-uri`` for every graph of the registry (so the default graph
is their union, as in the embedded store) and ``named-graph-uri`` for the same graphs, so
retired graphs, the registry and anything else on the server stay invisible.
The registry is re-read at most every :data:`REGISTRY_TTL` seconds, so a running server sees
a publish by another process within that time.

    >>> RemoteStore("sparql+http://127.0.0.1:7878/query").endpoints.update
    'http://127.0.0.1:7878/update'
    >>> RemoteStore("sparql+http://h:8890/sparql").endpoints.gsp
    'http://h:8890/sparql-graph-crud-auth'
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import pyoxigraph as ox
import requests
import urllib3
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from SPARQLWrapper import POST, SPARQLWrapper

from hcn_ld.sparql.text import from_named, rename_iris
from hcn_ld.store.base import (
    Check,
    GraphFile,
    NoData,
    QueryResult,
    QueryTimeout,
    Store,
    StoreError,
    check_in_scratch,
)

#: The spec schemes of a remote store.
SCHEMES = ("sparql+http", "sparql+https")
#: The graph holding the version and manifest of the published data.
REGISTRY = "urn:hcn-ld:registry"
#: Stands for "no graph" in a dataset parameter; nothing is ever stored in it.
NO_GRAPH = "urn:hcn-ld:no-graph"
VERSION = "urn:hcn-ld:version"
MANIFEST = "urn:hcn-ld:manifest"
#: Where a publish stores a graph: its logical IRI, this, then the time and a random part.
PHYSICAL = "!hcn-ld-"
#: Manifest entries that describe where graphs are stored (not shown by ``info()``).
_LAYOUT = ("physical", "retired")
#: Seconds a reader trusts the registry it read last.
REGISTRY_TTL = 2.0
#: An empty in-memory store: parses queries (results are lazy, so nothing is evaluated).
_SCRATCH = ox.Store()
#: Seconds to wait for the server on one request.
TIMEOUT = 600
#: Triples deleted by one request when a retired graph is dropped.
DROP_PIECE = 200_000
#: Bytes read from the server at a time.
_CHUNK = 64 * 1024

# Graphs an update names: GRAPH <g>, INTO <g>, TO <g>, CLEAR/DROP/CREATE [SILENT] GRAPH <g>.
_NAMED_GRAPH = re.compile(r"(?:GRAPH|INTO|TO)\s*<([^>]+)>", re.IGNORECASE)
_OWN_BASE = re.compile(r"\s*BASE\b", re.IGNORECASE)
# Virtuoso labels blank nodes "nodeID://b1234" in results, which is no valid blank node id.
_VIRTUOSO_BNODE = re.compile(rb"(<bnode>|\"bnode\",\s*\"value\":\s*\")nodeID://")


def is_remote(spec: str) -> bool:
    """True for a ``sparql+http(s)://`` spec.

    >>> is_remote("sparql+http://localhost:7878/query"), is_remote("var/store")
    (True, False)
    """
    return spec.split("://", 1)[0] in SCHEMES


@dataclass(frozen=True)
class Endpoints:
    """Where to send queries, updates and graph uploads, and how to authenticate."""

    query: str
    update: str
    gsp: str
    auth: AuthBase | None
    #: Extra parameters of a Graph Store upload.
    upload: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> Endpoints:
        """Endpoints of a ``sparql+http(s)://`` spec (see the module docstring)."""
        parts = urlsplit(spec)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise StoreError(f"not a remote store spec: {spec!r} (want sparql+http://host/path)")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        scheme = parts.scheme.removeprefix("sparql+")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        origin = f"{scheme}://{netloc}"
        path = parts.path or "/sparql"
        upload = {}
        if path.endswith("/query"):
            update, gsp = path[: -len("query")] + "update", path[: -len("query")] + "store"
            upload = {"no_transaction": ""}
        else:
            update, gsp = "/sparql-auth", "/sparql-graph-crud-auth"
        user = parts.username or os.environ.get("HCN_STORE_USER")
        password = parts.password or os.environ.get("HCN_STORE_PASSWORD") or ""
        kind = options.get("auth", "digest")
        if kind not in ("digest", "basic"):
            raise StoreError(f"auth must be digest or basic, not {kind!r}")
        auth = None
        if user:
            auth = (HTTPDigestAuth if kind == "digest" else HTTPBasicAuth)(user, password)

        def absolute(value: str) -> str:
            return value if "://" in value else origin + value

        return cls(
            query=urlunsplit((scheme, netloc, path, "", "")),
            update=absolute(options.get("update", update)),
            gsp=absolute(options.get("gsp", gsp)),
            auth=auth,
            upload=upload,
        )


class RemoteStore(Store):
    """A SPARQL 1.1 server as a store (see the module docstring for the spec and the layout)."""

    def __init__(self, spec: str, *, timeout: float = TIMEOUT) -> None:
        self.spec = spec
        #: Seconds a query may wait for the server's complete answer.
        self.timeout = timeout
        self.endpoints = Endpoints.parse(spec)
        self._http = requests.Session()
        self._http.auth = self.endpoints.auth
        self._lean = _KeptAlive(self.endpoints.query, timeout)
        self._query_needs_auth = False
        self._registry: dict[str, object] | None = None
        self._read_at = 0.0

    # ---------------------------------------------------------------- reading

    def _manifest(self) -> dict[str, object]:
        """The registry's manifest (cached for :data:`REGISTRY_TTL`); NoData if none."""
        if self._registry is None or time.monotonic() - self._read_at > REGISTRY_TTL:
            rows = list(
                self._select(
                    f"SELECT ?v ?m WHERE {{ <{REGISTRY}> <{VERSION}> ?v ; <{MANIFEST}> ?m }}",
                    default_graphs=[REGISTRY],
                    named_graphs=[],
                )
            )
            if not rows:
                raise NoData(f"no data published in {self.endpoints.query}: run 'hcn-ld build'")
            manifest = json.loads(rows[0]["m"].value)
            self._registry = {**manifest, "version": rows[0]["v"].value}
            self._read_at = time.monotonic()
        return self._registry

    def _select(self, sparql: str, **graphs: Sequence[str]) -> ox.QuerySolutions:
        result = self._send(sparql, **graphs)
        assert isinstance(result, ox.QuerySolutions)
        return result

    def _send(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        base_iri: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> QueryResult:
        """Answer ``sparql`` over the graphs given by logical name; ``names`` maps the logical
        names stored elsewhere to their physical ones (see the module docstring)."""
        # Parse here first: malformed queries get the same SyntaxError as from the embedded
        # store, and the parse tells the query form (results or a graph) to ask the server for.
        form = _SCRATCH.query(sparql, base_iri=base_iri)
        graph_result = isinstance(form, ox.QueryTriples)
        names = names or {}
        client = SPARQLWrapper(self.endpoints.query)
        client.setMethod(POST)
        text = rename_iris(sparql, names, base_iri)
        # A query's own BASE wins (Virtuoso refuses two BASE declarations).
        own_base = _OWN_BASE.match(text)
        client.setQuery(f"BASE <{base_iri}> {text}" if base_iri and not own_base else text)
        # An empty list is sent as one graph that holds nothing: servers (Virtuoso) read a
        # missing parameter as "all graphs".
        for graph in default_graphs or [NO_GRAPH]:
            client.addDefaultGraph(names.get(graph, graph))
        for graph in named_graphs or [NO_GRAPH]:
            client.addNamedGraph(names.get(graph, graph))
        # Our parse, not SPARQLWrapper's keyword guess, decides what to accept.
        client.queryType = "CONSTRUCT" if graph_result else "SELECT"
        client.setReturnFormat("turtle" if graph_result else "xml")
        body = self._fetch(client)
        if graph_result:
            return _as_query_triples(_logical(body, names, str))
        return ox.parse_query_results(
            _VIRTUOSO_BNODE.sub(rb"\1", _logical(body, names, escape)),
            format=ox.QueryResultsFormat.XML,
        )

    def _fetch(self, client: SPARQLWrapper) -> bytes:
        """The answer to the protocol request ``client`` writes.

        It goes over this thread's kept-alive connection to the query endpoint: plain
        ``http.client``, about half a millisecond less per query than a ``requests`` session
        (which reads the proxy settings from the environment on every call). An endpoint that asks
        for credentials (HTTP 401) gets them, from then on, through the authenticating session.
        Raises :class:`QueryTimeout` when the server has not answered within ``timeout``.
        """
        request = client._createRequest()  # the protocol request: URL, body, Accept
        headers = dict(request.header_items())
        if self._query_needs_auth:
            return self._fetch_with_session(request.full_url, request.data, headers)
        deadline = time.monotonic() + self.timeout
        url = self.endpoints.query
        try:
            status, body = self._lean.post(request.selector, request.data, headers, deadline)
        except TimeoutError:
            raise QueryTimeout(f"{url}: no answer in {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise StoreError(f"{url}: {exc}") from None
        if status == 401 and self.endpoints.auth is not None:
            self._query_needs_auth = True
            return self._fetch_with_session(request.full_url, request.data, headers)
        return _answer_body(url, status, body)

    def _fetch_with_session(self, url: str, data: bytes, headers: dict[str, str]) -> bytes:
        """The answer to a query sent over the authenticating ``requests`` session."""
        deadline = time.monotonic() + self.timeout
        try:
            with self._http.post(
                url, data=data, headers=headers, timeout=self.timeout, stream=True
            ) as response:
                body = bytearray()
                while chunk := response.raw.read(_CHUNK, decode_content=True):
                    body += chunk
                    if time.monotonic() > deadline:
                        raise QueryTimeout(f"{url}: no complete answer in {self.timeout:g} s")
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise QueryTimeout(f"{url}: no answer in {self.timeout:g} s") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise StoreError(f"{url}: {exc}") from None
        return _answer_body(url, response.status_code, bytes(body))

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        manifest = self._manifest()  # read once: graphs and names of the same version
        published = list(manifest["graphs"])  # type: ignore[call-overload]
        if named_graphs is None and (named := from_named(sparql, base_iri)) is not None:
            # As on the embedded store: the query's FROM NAMED graphs (no others if it has
            # only FROM), those published; the default graph stays the union.
            named_graphs = [g for g in named if g in published]
        return self._send(
            sparql,
            default_graphs=published if default_graphs is None else default_graphs,
            named_graphs=published if named_graphs is None else named_graphs,
            base_iri=base_iri,
            names=_physical(manifest),
        )

    def version(self) -> str:
        return str(self._manifest()["version"])

    def graphs(self) -> dict[str, int]:
        return dict(self._manifest()["graphs"])  # type: ignore[arg-type]

    def info(self) -> dict[str, object]:
        return {k: v for k, v in self._manifest().items() if k not in _LAYOUT}

    def stored_in(self) -> dict[str, str]:
        """Published graph -> the graph on the server that holds it, for tools that query
        the server itself (``bench/scale.py``); the store's own answers never name these."""
        names = _physical(self._manifest())
        return {g: names.get(g, g) for g in self.graphs()}

    # ---------------------------------------------------------------- publishing

    def update(self, sparql: str, *, base_iri: str | None = None) -> str:
        """Apply a SPARQL Update on the server (one request), then record a new version.

        Graphs the update names (``GRAPH``, ``INTO``, ``TO``, ``CLEAR``, ``DROP``, ``CREATE``)
        join the published graphs; graphs left empty leave them. Published graphs are named
        by their logical IRIs (rewritten to where they are stored); graphs the update creates
        are stored under their own names. The server applies one request as one transaction
        (Oxigraph) or one commit (Virtuoso).
        """
        previous = self._previous()
        names = _physical(previous)
        text = rename_iris(sparql, names, base_iri)
        try:
            self._update(f"BASE <{base_iri}>\n{text}" if base_iri else text)
        except StoreError as exc:
            if "HTTP 400" in str(exc):
                raise SyntaxError(str(exc).split(": ", 2)[-1]) from None
            raise
        named = set(_NAMED_GRAPH.findall(sparql)) - {REGISTRY}
        graphs = set(previous["graphs"]) | named  # type: ignore[arg-type]
        counts = {g: n for g in sorted(graphs) if (n := self._count(names.get(g, g)))}
        emptied = [p for g, p in names.items() if g not in counts]
        return self._record(
            counts,
            previous,
            {"updated_by": "SPARQL Update"},
            names={g: p for g, p in names.items() if g in counts},
            retired=[*_retired(previous), *emptied],
        )

    def _previous(self) -> dict[str, object]:
        """The manifest as it is on the server now (an empty one before the first publish)."""
        self._registry = None
        try:
            return self._manifest()
        except NoData:
            return {"graphs": {}}

    def _record(
        self,
        counts: Mapping[str, int],
        previous: Mapping[str, object],
        info: Mapping[str, object],
        *,
        names: Mapping[str, str],
        retired: Sequence[str],
    ) -> str:
        """Write a new version and manifest into the registry in one update request (the
        switch); returns the version. ``names`` and ``retired`` are the physical layout."""
        now = dt.datetime.now(dt.UTC)
        version = f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"
        manifest = {
            "published": now.isoformat(timespec="seconds"),
            "previous": previous.get("version"),
            "graphs": dict(sorted(counts.items())),
            **info,
            "physical": dict(sorted(names.items())),
            "retired": sorted(set(retired)),
        }
        document = ox.Literal(json.dumps(manifest, default=str))
        operations = [
            f"DROP SILENT GRAPH <{REGISTRY}>",
            f"INSERT DATA {{ GRAPH <{REGISTRY}> {{ <{REGISTRY}> <{VERSION}> "
            f"{ox.Literal(version)} ; <{MANIFEST}> {document} }} }}",
        ]
        self._update(" ;\n".join(operations))
        self._registry = None
        return version

    def _update(self, sparql: str) -> None:
        self._request(
            "POST",
            self.endpoints.update,
            data=sparql.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

    def _request(self, method: str, url: str, **options: object) -> requests.Response:
        try:
            response = self._http.request(method, url, timeout=TIMEOUT, **options)
        except requests.RequestException as exc:
            raise StoreError(f"{url}: {exc}") from None
        if response.status_code >= 400:
            raise StoreError(f"{method} {url}: HTTP {response.status_code}: {response.text[:500]}")
        return response

    def _count(self, graph: str) -> int:
        rows = self._select(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[graph], named_graphs=[]
        )
        return int(next(iter(rows))["n"].value)

    def publish(
        self,
        files: Sequence[GraphFile],
        info: Mapping[str, object] | None = None,
        check: Check | None = None,
    ) -> str:
        files = [GraphFile(f.graph, tuple(f.paths)) for f in files]  # read more than once
        if check is not None:
            check_in_scratch(files, check)
        self.drop_retired()
        previous = self._previous()
        stamp = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}"
        new = {f.graph: f"{f.graph}{PHYSICAL}{stamp}-{secrets.token_hex(6)}" for f in files}
        try:
            # Created first: Virtuoso drops (DROP GRAPH) only graphs created explicitly.
            if new:
                self._update(" ;\n".join(f"CREATE SILENT GRAPH <{g}>" for g in new.values()))
            for item in files:
                for path in item.paths:  # each adds to its new, empty graph
                    with open(path, "rb") as body:
                        self._request(
                            "POST",
                            self.endpoints.gsp,
                            params={"graph": new[item.graph], **self.endpoints.upload},
                            data=body,
                            headers={"Content-Type": "application/n-triples"},
                        )
            counts = {**previous["graphs"]}  # type: ignore[dict-item]
            counts.update({graph: self._count(physical) for graph, physical in new.items()})
            names = _physical(previous)
            replaced = [names.get(g, g) for g in new if g in previous["graphs"]]  # type: ignore[operator]
            return self._record(
                counts, previous, info or {}, names={**names, **new}, retired=replaced
            )
        except BaseException:
            self._drop_unused(new.values(), self._previous())
            raise

    def drop_retired(self) -> None:
        """Drop the graphs the last publish replaced. The next publish does this first; call
        it to free their space sooner, once readers are done with them (the registry they
        cache expires after :data:`REGISTRY_TTL`; queries run up to the server's timeout)."""
        manifest = self._previous()
        self._drop_unused(_retired(manifest), manifest)

    def _drop_unused(self, graphs: Iterable[str], manifest: Mapping[str, object]) -> None:
        """Drop those of ``graphs`` that ``manifest`` (read just now) does not use."""
        names = _physical(manifest)
        in_use = {names.get(g, g) for g in manifest["graphs"]}  # type: ignore[attr-defined]
        for graph in sorted(set(graphs) - in_use):
            self._drop(graph)

    def _drop(self, graph: str) -> None:
        """Delete ``graph`` :data:`DROP_PIECE` triples at a time: each piece is a small
        transaction (the Oxigraph server holds one update in memory) and nobody reads it."""
        piece = (
            f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE "
            f"{{ SELECT ?s ?p ?o {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} LIMIT {DROP_PIECE} }}"
        )
        while self._send("ASK { ?s ?p ?o }", default_graphs=[graph], named_graphs=[]):
            self._update(piece)
        self._update(f"DROP SILENT GRAPH <{graph}>")


def _physical(manifest: Mapping[str, object]) -> dict[str, str]:
    """Logical graph IRI -> physical graph IRI, for the graphs stored under another name."""
    return dict(manifest.get("physical") or {})  # type: ignore[call-overload]


def _retired(manifest: Mapping[str, object]) -> list[str]:
    """The physical graphs the last publish replaced (still there, no longer published)."""
    return list(manifest.get("retired") or [])  # type: ignore[call-overload]


def _logical(answer: bytes, names: Mapping[str, str], quote: Callable[[str], str]) -> bytes:
    """``answer`` with every physical graph IRI replaced by its logical one (as ``quote``
    writes it in the answer's format)."""
    for logical, physical in names.items():
        answer = answer.replace(quote(physical).encode(), quote(logical).encode())
    return answer


def _answer_body(url: str, status: int, body: bytes) -> bytes:
    """``body`` of a successful answer; the server's complaint as an exception otherwise."""
    if status == 400:
        raise SyntaxError(_server_message(body))
    if status >= 400:
        raise StoreError(f"{url}: HTTP {status}: {_server_message(body)}")
    return body


class _KeptAlive:
    """One kept-alive HTTP connection per thread to one server (``http.client``).

    >>> _KeptAlive("http://127.0.0.1:7878/query", 30).origin
    ('http', '127.0.0.1', 7878)
    """

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        default_port = 443 if parts.scheme == "https" else 80
        self.origin = (parts.scheme, parts.hostname or "", parts.port or default_port)
        self.timeout = timeout
        self._local = threading.local()

    def post(
        self, target: str, body: bytes, headers: Mapping[str, str], deadline: float
    ) -> tuple[int, bytes]:
        """The status and body of the answer to a POST of ``body`` to ``target``; reading
        stops with :class:`TimeoutError` past ``deadline`` (``time.monotonic()``)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            try:
                return self._exchange(connection, target, body, headers, deadline)
            except (http.client.RemoteDisconnected, ConnectionError):
                # The server closed the idle connection as it was reused: once more on a new
                # one (a query changes nothing, so that is safe).
                connection.close()
        scheme, host, port = self.origin
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        self._local.connection = connection = kind(host, port, timeout=self.timeout)
        return self._exchange(connection, target, body, headers, deadline)

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        target: str,
        body: bytes,
        headers: Mapping[str, str],
        deadline: float,
    ) -> tuple[int, bytes]:
        try:
            if connection.sock is None:
                connection.connect()
                # Headers and body go out as two writes: neither may wait for the other's ACK.
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            data = bytearray()
            while chunk := response.read(_CHUNK):
                data += chunk
                if time.monotonic() > deadline:
                    raise TimeoutError
        except BaseException:
            connection.close()  # a half-read answer must not be read as the next one's
            raise
        if response.will_close:
            connection.close()
        return response.status, bytes(data)


def _server_message(body: bytes) -> str:
    """The server's explanation of an error (Virtuoso echoes the query, with our graph
    parameters, after the message: that part is left out)."""
    text = body.decode("utf-8", "replace")
    return text.split("\n\nSPARQL query:", 1)[0].strip()[:2000]


def _as_query_triples(turtle: bytes) -> ox.QueryTriples:
    """A CONSTRUCT/DESCRIBE answer as pyoxigraph ``QueryTriples``, like the embedded store's."""
    scratch = ox.Store()
    scratch.bulk_extend(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")  # type: ignore[return-value]
