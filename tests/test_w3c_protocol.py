"""The W3C SPARQL 1.1 Protocol test suite, run against the real server over HTTP.

A small runner reads ``protocol/manifest.ttl``: each test's ``ut:graphData`` files are loaded
into the named graphs the manifest gives (``hcn-ld load``), then its ``ht:Request``s are sent
in order and each response checked for the expected status, result format and boolean.
Query tests run against a read-only server; update tests against a scratch store with an update
token, and are refused (403) by the read-only server.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

from tests.conftest import TEST_DATA, run_cli
from tests.support.server import running_server

SUITE = TEST_DATA / "w3c" / "sparql11" / "protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
TOKEN = "w3c-protocol-test-token"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: tuple[str, ...]  # "2xx", "4xx", ...
    result_format: str | None  # "boolean", "tabular", "RDF"
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    label: str
    data: tuple[tuple[Path, str], ...]  # (file, graph IRI)
    requests: tuple[HttpRequest, ...]

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def load_manifest() -> list[ProtocolTest]:
    graph = Graph().parse(MANIFEST, publicID=MANIFEST.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        data = tuple(
            (
                Path(str(graph.value(item, UT.graph)).removeprefix("file://")),
                str(graph.value(item, RDFS.label)),
            )
            for item in graph.objects(entry, UT.graphData)
        )
        action = graph.value(entry, MF.action)
        reqs = []
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            header_list = graph.value(node, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(
                        graph.value(header, HT.fieldValue)
                    )
            body = graph.value(node, HT.body)
            content = None
            if body is not None:
                encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
                content = str(graph.value(body, CNT.chars)).encode(encoding)
            response = graph.value(node, HT.resp)
            boolean = graph.value(response, MF.expectedBoolean)
            result_format = graph.value(response, MF.expectedFormat)
            reqs.append(
                HttpRequest(
                    method=str(graph.value(node, HT.methodName)),
                    path=str(graph.value(node, HT.absolutePath)),
                    headers=headers,
                    body=content,
                    statuses=tuple(
                        sorted(
                            str(s).rsplit("StatusCode", 1)[1].lower()
                            for s in graph.objects(response, MF.expectedStatus)
                        )
                    ),
                    result_format=None if result_format is None else str(result_format),
                    boolean=None if boolean is None else boolean.toPython(),
                )
            )
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(graph.value(entry, MF.name)), data, tuple(reqs)))
    return tests


TESTS = load_manifest()


def send(base: str, req: HttpRequest, token: str | None = None) -> requests.Response:
    path = req.path.replace("/sparql/", "/sparql", 1)
    headers = dict(req.headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(
        req.method,
        base + path,
        headers=headers,
        data=req.body,
        timeout=30,
        allow_redirects=False,
    )


def check(response: requests.Response, req: HttpRequest) -> None:
    status = f"{response.status_code // 100}xx"
    assert status in req.statuses, (
        f"{req.method} {req.path}: status {response.status_code}, expected {req.statuses}; "
        f"body: {response.text[:300]}"
    )
    if req.result_format is None:
        return
    media_type = response.headers["Content-Type"].split(";")[0].strip()
    if req.result_format == "RDF":
        fmt = ox.RdfFormat.from_media_type(media_type)
        assert fmt is not None, f"not an RDF media type: {media_type}"
        list(ox.parse(response.content, format=fmt))
        return
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    assert fmt is not None, f"not a SPARQL results media type: {media_type}"
    parsed = ox.parse_query_results(io.BytesIO(response.content), format=fmt)
    if req.result_format == "boolean":
        assert isinstance(parsed, ox.QueryBoolean)
        if req.boolean is not None:
            assert bool(parsed) is req.boolean
    else:
        assert isinstance(parsed, ox.QuerySolutions)


def _store_with_suite_data(root: Path) -> Path:
    store = root / "store"
    graphs = {iri: path for test in TESTS for path, iri in test.data}
    for iri, path in sorted(graphs.items()):
        run_cli("load", "--store", str(store), "--graph", iri, str(path))
    return store


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """A read-only server over a store holding the suite's data graphs."""
    with running_server(_store_with_suite_data(tmp_path_factory.mktemp("w3c"))) as url:
        yield url.rstrip("/")


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    """A server with an update token over a scratch store (same data)."""
    store = _store_with_suite_data(tmp_path_factory.mktemp("w3c-update"))
    with running_server(store, ["--update-token", TOKEN]) as url:
        yield url.rstrip("/")


QUERY_TESTS = [t for t in TESTS if not t.is_update]
UPDATE_TESTS = [t for t in TESTS if t.is_update]


def test_manifest_read_completely():
    assert len(TESTS) == 34
    assert len(UPDATE_TESTS) == 7


@pytest.mark.parametrize("test", QUERY_TESTS, ids=[t.name for t in QUERY_TESTS])
def test_query_and_error_tests(test: ProtocolTest, read_only: str, writable: str):
    """Query tests and the bad-request tests, against the read-only server; the bad-update
    tests also against the writable one, with the token, so they fail for the right reason."""
    for req in test.requests:
        check(send(read_only, req), req)
    if test.name.startswith("bad_update"):
        for req in test.requests:
            check(send(writable, req, TOKEN), req)


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t.name for t in UPDATE_TESTS])
def test_update_tests_with_token(test: ProtocolTest, writable: str):
    for req in test.requests:
        check(send(writable, req, TOKEN), req)


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t.name for t in UPDATE_TESTS])
def test_update_tests_refused_without_token(test: ProtocolTest, read_only: str, writable: str):
    first = test.requests[0]
    for base in (read_only, writable):
        response = send(base, first)
        assert response.status_code == 403, response.text
        assert "Update" in response.text
