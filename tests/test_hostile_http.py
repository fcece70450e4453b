"""Hostile HTTP: the real server under fuzz never answers 5xx (except the documented 503 for a
query past its time limit), never hangs, and never leaks a stack trace or a file path.

Hypothesis draws request paths, ``Accept`` headers, query strings, SPARQL texts (random, and the
UI's example queries mutated) and RDF/JSON uploads to the update paths, and sends them to
``hcn-ld serve`` over HTTP. ``HCN_FUZZ_EXAMPLES`` sets the number of inputs per test (default 150).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcn_ld.rdf.uris import TYPES
from hcn_ld.rdf.vocab import sparql_prologue
from hcn_ld.web.sparql import examples
from tests.conftest import ROOT, run_cli
from tests.support.server import running_server

EXAMPLES = int(os.environ.get("HCN_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
TOKEN = "fuzz-token-7"
QUERY_TIMEOUT = 3
#: A client-side limit far above the query time limit: a request taking longer is a hung worker.
HUNG = QUERY_TIMEOUT + 25
#: What must never appear in a response body: tracebacks, source files, server paths.
LEAKS = re.compile(r"Traceback|File \"|\.py\b|site-packages|/tmp/|/work/|/usr/lib|/home/")

SEEN: dict[str, int] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server over its own store, with an update token and no rate limit (to fuzz deeper)."""
    store = tmp_path_factory.mktemp("hostile-http") / "store"
    run_cli("build", "--store", str(store))
    args = ["--query-timeout", str(QUERY_TIMEOUT), "--update-token", TOKEN, "--sparql-rate", "0"]
    with running_server(store, args) as url:
        yield url, store
    log = sorted(store.parent.glob("server-*.log"))[-1].read_text()
    assert "Traceback" not in log, log[-4000:]


def check(response: requests.Response, label: str) -> None:
    """The rules every fuzzed answer obeys; counts the inputs tried."""
    SEEN[label] = SEEN.get(label, 0) + 1
    status, body = response.status_code, response.text
    documented_503 = status == 503 and "longer than this endpoint's limit" in body
    assert status < 500 or documented_503, f"{status} for {response.request.url}\n{body[:2000]}"
    assert not LEAKS.search(body if status >= 400 else ""), f"leak in {status}:\n{body[:2000]}"


def send(url: str, method: str = "GET", **options) -> requests.Response:
    try:
        return requests.request(method, url, timeout=HUNG, allow_redirects=False, **options)
    except requests.Timeout:
        pytest.fail(f"no answer within {HUNG} s (hung worker?): {method} {url}")


# ------------------------------------------------------------------------- strategies

SEGMENTS = [
    "id", "sparql", "dumps", "class", "sitemap.xml", "robots.txt", ".well-known", "void",
    "ontology", "shapes", "context.jsonld", "healthclusternet", "..", ".", "%2e%2e", "%00",
    "%ff", "%", "index.html", "x.ttl", "x.jsonld", "x.rdf", "x.nt", "x.unknown", "", *TYPES,
]  # fmt: skip
junk = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="#?"), max_size=40
)
segments = st.one_of(st.sampled_from(SEGMENTS), junk.map(lambda s: urllib.parse.quote(s, safe="")))
# Header values as an HTTP client can send them (requests refuses leading white space).
latin1 = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=200).map(
    str.lstrip
)
REAL_PATHS = [
    "", "id/project/healthclusternet", "id/project/healthclusternet.ttl", "id/project/",
    "id/place/", "class", "sparql", "dumps/", ".well-known/void", "ontology", "sitemap.xml",
]  # fmt: skip
paths = st.one_of(
    st.sampled_from(REAL_PATHS),
    st.lists(segments, min_size=0, max_size=6).map(lambda parts: "/".join(parts)),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "X-Forwarded-Host": latin1,
        "X-Forwarded-Proto": st.sampled_from(["http", "https", "javascript", ""]) | latin1,
        "X-Forwarded-For": latin1,
        "If-None-Match": latin1,
        "If-Modified-Since": latin1,
        "Range": latin1,
    },
)

MEDIA = [
    "text/html", "text/turtle", "application/ld+json", "application/rdf+xml",
    "application/n-triples", "application/n-quads", "application/trig", "text/csv",
    "text/tab-separated-values", "application/sparql-results+json",
    "application/sparql-results+xml", "application/json", "*/*", "text/*", "image/png",
]  # fmt: skip
accepts = st.one_of(
    st.lists(st.tuples(st.sampled_from(MEDIA), st.floats(-1, 2) | st.just(None)), max_size=5).map(
        lambda items: ", ".join(m if q is None else f"{m};q={q:.3f}" for m, q in items)
    ),
    latin1,
    st.sampled_from(["", ";", ",,,", "text/html;q=", "*/*;q=nan", "a/b;c=" + "d" * 5000]),
)
PARAMS = [
    "query", "update", "format", "default-graph-uri", "named-graph-uri", "page", "iri", "q",
    "using-graph-uri", "output", "callback", "timeout",
]  # fmt: skip
REAL_VALUES = ["-1", "0", "2", "99999999999999999999999999", "1e309", "nan", "<x>", "a>b", " "]
values = st.one_of(
    junk,
    st.integers().map(str),
    st.sampled_from([*REAL_VALUES, "json", "https://w3id.org/hcn/ontology#Project"]),
)
query_strings = st.lists(st.tuples(st.sampled_from(PARAMS) | junk, values), max_size=4)

REAL_QUERIES = [sparql_prologue() + example.sparql for example in examples()] + [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    "ASK { ?s a ?c }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5",
    "DESCRIBE <https://w3id.org/hcn/id/project/healthclusternet>",
    'SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "Health")) } LIMIT 3',
]
TOKENS = [
    "{", "}", "(", ")", "<", ">", '"', "'", "\\", "\n", "SELECT", "*", "WHERE", "FILTER", "?x",
    "SERVICE", "<http://127.0.0.1:1/sparql>", "GRAPH", "OPTIONAL", "UNION", "LIMIT", "999999999",
    "REGEX(?x, \"(a+)+$\")", "BIND", "VALUES", "#", ".", ";", ",", "a", "\u0000", "\U0001f600",
]  # fmt: skip


@st.composite
def sparql_texts(draw) -> str:
    """A random text, or one of the real queries with tokens inserted, deleted or replaced."""
    if draw(st.booleans()):
        soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)
        return draw(st.text(max_size=300) | soup)
    text = draw(st.sampled_from(REAL_QUERIES))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(TOKENS) | st.text(max_size=5))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


# ------------------------------------------------------------------------- the tests


def test_paths_accept_and_query_strings(server):
    url, _ = server

    @FUZZ
    @given(paths, accepts, query_strings, headers, st.sampled_from(["GET", "HEAD", "OPTIONS"]))
    def run(path, accept, params, extra, method):
        target = url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        check(send(target, method, headers={"Accept": accept, **extra}), "paths")

    run()
    print(f"\npaths, Accept headers and query strings: {SEEN['paths']} inputs tried")


def test_sparql_texts(server):
    url, _ = server

    @FUZZ
    @given(sparql_texts(), accepts, st.sampled_from(["get", "form", "direct"]))
    def run(text, accept, how):
        headers = {"Accept": accept}
        if how == "get":
            response = send(url + "sparql", params={"query": text}, headers=headers)
        elif how == "form":
            response = send(url + "sparql", "POST", data={"query": text}, headers=headers)
        else:
            headers["Content-Type"] = "application/sparql-query"
            response = send(url + "sparql", "POST", data=text.encode(), headers=headers)
        check(response, "sparql")

    run()
    print(f"\nSPARQL texts: {SEEN['sparql']} inputs tried")


TURTLE = (ROOT / "ontology").glob("*.ttl")
UPLOAD_TYPES = [
    "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples",
    "application/sparql-update", "application/x-www-form-urlencoded", "multipart/form-data",
    "application/json", "text/plain", "",
]  # fmt: skip
REAL_UPLOADS = [p.read_bytes()[:4000] for p in sorted(TURTLE)] + [
    b'{"@context": {"@vocab": "http://e/"}, "@id": "http://e/a", "p": "<script>"}',
    b'INSERT DATA { <http://e/a> <http://e/p> "x" }',
    b"update=DROP+ALL",
]


@st.composite
def uploads(draw) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=2000))
    body = bytearray(draw(st.sampled_from(REAL_UPLOADS)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(body)))
        body[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(body)


def test_uploads_to_update_paths(server):
    """Bodies of every RDF type POSTed/PUT to the endpoint, without and with the token."""
    url, store = server
    version = os.readlink(Path(store) / "current")

    @FUZZ
    @given(
        st.sampled_from(["sparql", "sparql?graph=http://e/g", "rdf-graph-store", "id/x/y"]),
        st.sampled_from(["POST", "PUT", "DELETE", "PATCH"]),
        st.sampled_from(UPLOAD_TYPES),
        uploads(),
        st.sampled_from([None, "Bearer wrong", f"Bearer {TOKEN}x", "Basic Zm9vOmJhcg==", ""]),
    )
    def run(path, method, content_type, body, authorization):
        headers = {"Content-Type": content_type}
        if authorization is not None:
            headers["Authorization"] = authorization
        response = send(url + path, method, data=body, headers=headers)
        check(response, "uploads")
        assert response.status_code != 200, f"{method} {path} accepted without the token"

    run()
    assert os.readlink(Path(store) / "current") == version, "a request without token wrote"
    print(f"\nuploads without a valid token: {SEEN['uploads']} inputs tried")
