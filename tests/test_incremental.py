"""Incremental builds and imports validate only what changed, and find what a full run finds."""

from __future__ import annotations

import json
import re
import shutil

from tests.conftest import ROOT, run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "keep" / "projects.json"
PROCUREMENT = "  theme: procurement\n  place: Maribor\n"


def build(data, store, *flags):
    return run_cli("--data", str(data), "build", "--store", str(store), *flags, check=False)


def validated(result) -> str:
    return re.search(r"validated ([^;]+);", result.stdout + result.stderr)[1]


def test_incremental_build_validates_changed_records_and_matches_a_full_build(tmp_path, data_copy):
    store = tmp_path / "store"
    assert validated(build(data_copy, store, "--incremental")) == "all"
    assert validated(build(data_copy, store, "--incremental")) == "0 changed nodes"

    events = data_copy / "events.yaml"
    events.write_text(events.read_text().replace(PROCUREMENT, "  place: Maribor\n"))
    incremental = build(data_copy, store, "--incremental")
    changed = int(validated(incremental).split()[0])
    assert 0 < changed < 20  # the workshop, and the nodes pointing at it
    assert "1 warning(s)" in incremental.stdout  # a workshop without a theme
    full = build(data_copy, tmp_path / "other", "--incremental")
    assert validated(full) == "all" and "1 warning(s)" in full.stdout
    assert validated(build(data_copy, store, "--incremental")) == "0 changed nodes"

    events.write_text(events.read_text().replace("  place: Maribor\n", "", 1))
    broken = build(data_copy, store, "--incremental")
    assert broken.returncode != 0
    assert "workshop-procurement-maribor-2005-06" in broken.stderr
    assert "the published store is unchanged" in broken.stderr


def test_incremental_import_validates_changed_projects_and_matches_a_full_import(tmp_path):
    store = str(tmp_path / "store")
    first = run_cli("import", "keep", "--incremental", str(FIXTURE), "--store", store)
    assert "validated all" in first.stderr
    again = run_cli("import", "keep", "--incremental", str(FIXTURE), "--store", store)
    assert "validated 0 changed subjects" in again.stderr

    data = json.loads(FIXTURE.read_text())
    data["projects"][0]["title"] = "Ένα άλλο συνθετικό δίκτυο υγείας"
    del data["projects"][0]["events"][0]["theme"]  # a workshop without a theme: a warning
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data, ensure_ascii=False))
    third = run_cli("import", "keep", "--incremental", str(changed), "--store", store)
    subjects = int(re.search(r"validated (\d+) changed subjects", third.stderr)[1])
    everything = run_cli(
        "query", "--store", store, "--format", "csv",
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH <https://w3id.org/hcn/graph/keep>"
        " { ?s ?p ?o } }",
    )  # fmt: skip
    assert 0 < subjects < int(everything.stdout.splitlines()[1])  # one project's nodes
    fresh = tmp_path / "fresh"
    full = run_cli("import", "keep", str(changed), "--store", str(fresh))
    summary = [line for line in third.stderr.splitlines() if "warning" in line.lower()]
    assert summary and summary == [
        line for line in full.stderr.splitlines() if "warning" in line.lower()
    ]
    out = run_cli(
        "query", "--store", store, "--format", "csv",
        'SELECT ?t WHERE { ?p <http://data.europa.eu/s66#identifier> "90001" ;'
        " <http://data.europa.eu/s66#title> ?t }",
    )  # fmt: skip
    assert out.stdout.splitlines()[1] == "Ένα άλλο συνθετικό δίκτυο υγείας"
    shutil.rmtree(fresh)
