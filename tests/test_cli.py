"""``hcn-ld query`` works from the command line in every output format."""

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


def test_table(built_store):
    out = query(built_store, TITLE, "table")
    assert "Health Cluster Network" in out and out.rstrip().endswith("(1 row)")


def test_json_csv_tsv(built_store):
    data = json.loads(query(built_store, TITLE, "json"))
    assert data["head"]["vars"] == ["t"]
    rows = list(csv.reader(io.StringIO(query(built_store, TITLE, "csv"))))
    assert rows[0] == ["t"] and rows[1][0].startswith("Health Cluster Network")
    tsv = query(built_store, TITLE, "tsv").splitlines()
    assert tsv[0] == "?t" and tsv[1].startswith('"Health Cluster Network')


def test_ask_and_construct_as_turtle(built_store):
    assert query(built_store, "ASK { ?s ?p ?o }", "table").strip() == "true"
    turtle = query(
        built_store, "CONSTRUCT WHERE { ?s a <http://data.europa.eu/s66#Project> }", "turtle"
    )
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(graph) == 1


def test_malformed_query_says_so(built_store):
    result = run_cli("query", "--store", str(built_store), "SELECT ?x WHERE {", check=False)
    assert result.returncode != 0
    assert "malformed query" in result.stderr


def test_query_before_any_build_says_what_to_do(tmp_path):
    result = run_cli("query", "--store", str(tmp_path / "none"), "ASK {}", check=False)
    assert result.returncode != 0
    assert "run 'hcn-ld build'" in result.stderr
