"""``hcn-ld query`` works from the command line in every output format, on every kind of store."""

from __future__ import annotations

import csv
import io
import json

from rdflib import Graph

from tests.conftest import run_cli

TITLE = (
    "SELECT ?t WHERE { ?p a <http://data.europa.eu/s66#Project> ;"
    " <http://data.europa.eu/s66#title> ?t }"
)


def query(store, sparql, fmt):
    return run_cli("query", "--store", str(store), "--format", fmt, sparql).stdout


def test_table(store_spec):
    out = query(store_spec, TITLE, "table")
    assert "Health Cluster Network" in out and out.rstrip().endswith("(1 row)")


def test_json_csv_tsv(store_spec):
    data = json.loads(query(store_spec, TITLE, "json"))
    assert data["head"]["vars"] == ["t"]
    rows = list(csv.reader(io.StringIO(query(store_spec, TITLE, "csv"))))
    assert rows[0] == ["t"] and rows[1][0].startswith("Health Cluster Network")
    tsv = query(store_spec, TITLE, "tsv").splitlines()
    assert tsv[0] == "?t" and tsv[1].startswith('"Health Cluster Network')


def test_ask_and_construct_as_turtle(store_spec):
    assert query(store_spec, "ASK { ?s ?p ?o }", "table").strip() == "true"
    turtle = query(
        store_spec, "CONSTRUCT WHERE { ?s a <http://data.europa.eu/s66#Project> }", "turtle"
    )
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(graph) == 1


def test_malformed_query_says_so(store_spec):
    result = run_cli("query", "--store", store_spec, "SELECT ?x WHERE {", check=False)
    assert result.returncode != 0
    assert "malformed query" in result.stderr


def test_query_before_any_build_says_what_to_do(tmp_path):
    result = run_cli("query", "--store", str(tmp_path / "none"), "ASK {}", check=False)
    assert result.returncode != 0
    assert "run 'hcn-ld build'" in result.stderr
