"""Partitioned validation finds exactly what whole-graph pyshacl finds; incremental imports skip
unchanged projects. The corpus is SYNTHETIC (bench/generate.py) with errors planted in it."""

from __future__ import annotations

import json
import subprocess
import sys

from rdflib import Graph, Literal
from rdflib.namespace import RDF

from hcn_ld.config import Settings
from hcn_ld.importers.common import ImportLog
from hcn_ld.importers.keep import partitions
from hcn_ld.mapping import Mapped
from hcn_ld.partitions import prepare
from hcn_ld.uris import Minter
from hcn_ld.validation import validate
from hcn_ld.vocab import EURIO
from tests.conftest import ROOT, run_cli

FIXTURE = ROOT / "tests" / "fixtures" / "keep" / "projects.json"


def planted_corpus(tmp_path):
    """Partitions of 5 synthetic projects, with shape violations planted in three of them."""
    folder = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "5", "--out", str(folder)],
        check=True,
        capture_output=True,
    )
    path = folder / "keep-synthetic-0001.json"
    data = json.loads(path.read_text())
    data["projects"][0]["title"] = "ab"  # ProjectShape: title too short
    data["projects"][1]["events"][0]["theme"] = ""  # workshop without a theme: a warning
    path.write_text(json.dumps(data))
    parts = list(partitions([path], Minter(Settings().base), Settings().data_dir, ImportLog()))
    # An organisation given a second legal name in one project only (OrganisationShape).
    organisation = next(s for s, p, o in parts[2].triples if o == EURIO.Organisation)
    parts[2].triples.append((organisation, EURIO.legalName, Literal("Second name (planted)")))
    # An acronym node that is not typed eurio:Acronym (ProjectShape's sh:class).
    parts[3].triples = [t for t in parts[3].triples if t[2] != EURIO.Acronym]
    return parts


def key(finding):
    return (finding.severity, finding.focus, finding.path, finding.message, finding.value)


def test_partitioned_validation_reports_exactly_the_whole_graph_violations(tmp_path):
    parts = planted_corpus(tmp_path)
    whole = Graph()
    origins = {}
    for part in parts:
        for triple in part.triples:
            whole.add(triple)
        origins.update(part.origins)
    expected = validate(Mapped(whole, origins), Settings())

    report, timings = prepare(parts, tmp_path / "keep.nt", Settings(), workers=2)

    assert len(expected.violations) >= 2 and len(expected.warnings) >= 2
    assert sorted(map(key, report.findings)) == sorted(map(key, expected.findings))
    assert [f.origin for f in report.findings] == [f.origin for f in expected.findings]
    assert timings.partitions == 5 and timings.cached == 0
    written = Graph().parse(tmp_path / "keep.nt", format="nt")
    assert len(written) == len(whole)
    assert (None, RDF.type, EURIO.Project) in written


def test_incremental_import_revalidates_only_changed_projects(tmp_path):
    store = str(tmp_path / "store")
    first = run_cli("import", "keep", "--incremental", str(FIXTURE), "--store", store)
    assert "(0 projects unchanged" in first.stderr
    again = run_cli("import", "keep", "--incremental", str(FIXTURE), "--store", store)
    assert "(2 projects unchanged" in again.stderr
    data = json.loads(FIXTURE.read_text())
    data["projects"][1]["title"] = "Ένα άλλο συνθετικό δίκτυο υγείας"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data, ensure_ascii=False))
    third = run_cli("import", "keep", "--incremental", str(changed), "--store", store)
    assert "(1 projects unchanged" in third.stderr
    out = run_cli(
        "query", "--store", store, "--format", "csv",
        'SELECT ?t WHERE { ?p <http://data.europa.eu/s66#identifier> "90002" ;'
        " <http://data.europa.eu/s66#title> ?t }",
    )  # fmt: skip
    assert out.stdout.splitlines()[1] == "Ένα άλλο συνθετικό δίκτυο υγείας"
