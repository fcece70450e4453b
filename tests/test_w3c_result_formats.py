"""The W3C JSON and CSV/TSV result-format suites, queried over HTTP from the real server.

Each suite's data files are loaded into named graphs of one store; each test asks its query with
``default-graph-uri`` naming its data and ``Accept`` asking for the format of its expected
result, and the answer must equal the expected file (blank nodes compared up to renaming).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Namespace

from tests.conftest import TEST_DATA, run_cli
from tests.support.server import running_server

SUITES = [TEST_DATA / "w3c" / "sparql11" / name for name in ("json-res", "csv-tsv-res")]
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
MEDIA_TYPES = {
    ".srj": "application/sparql-results+json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
}


def _path(node) -> Path:
    return Path(str(node).removeprefix("file://"))


def load_tests() -> list[tuple[str, Path, Path, Path]]:
    """(name, query file, data file, expected result file) for every test of the suites."""
    tests = []
    for suite in SUITES:
        manifest = suite / "manifest.ttl"
        graph = Graph().parse(manifest, publicID=manifest.as_uri())
        for entry in graph.subjects(MF.result, None):
            action = graph.value(entry, MF.action)
            tests.append(
                (
                    str(graph.value(entry, MF.name)).split(" ")[0],
                    _path(graph.value(action, QT.query)),
                    _path(graph.value(action, QT.data)),
                    _path(graph.value(entry, MF.result)),
                )
            )
    return sorted(tests)


TESTS = load_tests()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("w3c-results") / "store"
    for data in sorted({t[2] for t in TESTS}):
        run_cli("load", "--store", str(store), "--graph", data.as_uri(), str(data))
    with running_server(store) as url:
        yield url.rstrip("/")


XSD = "http://www.w3.org/2001/XMLSchema#"
DOUBLES = (f"{XSD}double", f"{XSD}float")
#: Oxigraph stores these as xsd:integer (csv-tsv-res/data2.ttl has "-3"^^xsd:negativeInteger).
INTEGERS = tuple(
    XSD + t
    for t in (
        "integer",
        "negativeInteger",
        "nonPositiveInteger",
        "nonNegativeInteger",
        "positiveInteger",
        "long",
        "int",
        "short",
        "byte",
    )
)


def _canonical_bnodes(rows: list[tuple]) -> list[tuple]:
    """Rows with blank node labels renamed in order of first appearance.

    Oxigraph stores numbers by value ("1.0E6"^^xsd:double comes back as "1000000",
    "-3"^^xsd:negativeInteger as "-3"^^xsd:integer): the store's canonical forms, not the
    endpoint's doing, so doubles, integers (and numeric CSV cells) are compared by value.
    """
    names: dict[str, str] = {}

    def rename(value):
        if isinstance(value, ox.BlankNode) or (isinstance(value, str) and value.startswith("_:")):
            label = value.value if isinstance(value, ox.BlankNode) else value
            return names.setdefault(label, f"_:b{len(names)}")
        if isinstance(value, ox.Literal) and value.datatype.value in DOUBLES:
            return (float(value.value), "double")
        if isinstance(value, ox.Literal) and value.datatype.value in INTEGERS:
            return (int(value.value), "integer")
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return value
        return value

    return [tuple(rename(v) for v in row) for row in rows]


def _table(body: bytes, suffix: str) -> tuple[list[str], list[tuple] | bool]:
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return rows[0], _canonical_bnodes([tuple(r) for r in rows[1:]])
    fmt = ox.QueryResultsFormat.JSON if suffix == ".srj" else ox.QueryResultsFormat.TSV
    parsed = ox.parse_query_results(io.BytesIO(body), format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return [], bool(parsed)
    names = [v.value for v in parsed.variables]
    return names, _canonical_bnodes([tuple(s[n] for n in names) for s in parsed])


def test_suites_read():
    assert len(TESTS) == 10


@pytest.mark.parametrize(("name", "query", "data", "expected"), TESTS, ids=[t[0] for t in TESTS])
def test_result_format(name: str, query: Path, data: Path, expected: Path, server: str):
    response = requests.post(
        server + "/sparql",
        params={"default-graph-uri": data.as_uri()},
        data=query.read_bytes(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": MEDIA_TYPES[expected.suffix],
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(MEDIA_TYPES[expected.suffix])
    got_vars, got = _table(response.content, expected.suffix)
    want_vars, want = _table(expected.read_bytes(), expected.suffix)
    # SELECT * leaves the column order to the implementation: compare columns by name.
    assert sorted(got_vars) == sorted(want_vars)
    if isinstance(got, list):
        order = [got_vars.index(v) for v in want_vars]
        got = [tuple(row[i] for i in order) for row in got]
    if isinstance(want, bool):
        assert got is want
    elif "ORDER BY" in query.read_text().upper():
        assert got == want
    else:
        assert sorted(map(repr, got)) == sorted(map(repr, want))
