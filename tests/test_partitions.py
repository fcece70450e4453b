"""Partitions mapped in worker processes write exactly the whole graph, shared nodes once per
worker. The corpus is SYNTHETIC (bench/generate.py), with errors planted in it for the
validation tests (tests/test_shaclsparql.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from rdflib import Graph, Literal

from hcn_ld.build.importers.common import ImportLog
from hcn_ld.build.importers.keep import partitions, read_keep, read_projects
from hcn_ld.build.partitions import MappingJob
from hcn_ld.config import Settings
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import EURIO
from tests.conftest import ROOT


def generated(tmp_path, n: int):
    """The export file of ``n`` synthetic projects."""
    folder = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(n), "--out", str(folder)],
        check=True,
        capture_output=True,
    )
    return folder / "keep-synthetic-0001.json"


def planted_corpus(tmp_path):
    """Partitions of 5 synthetic projects, with shape violations planted in three of them."""
    path = generated(tmp_path, 5)
    data = json.loads(path.read_text())
    data["projects"][0]["title"] = "ab"  # ProjectShape: title too short
    data["projects"][1]["events"][0]["theme"] = ""  # workshop without a theme: a warning
    path.write_text(json.dumps(data))
    parts = list(partitions([path], Minter(Settings().base), Settings().data_dir, ImportLog()))
    # An organisation given a second legal name in one project only (OrganisationShape).
    organisation = next(s for s, p, o in parts[2].all_triples() if o == EURIO.Organisation)
    parts[2].triples.append((organisation, EURIO.legalName, Literal("Second name (planted)")))
    # An acronym node that is not typed eurio:Acronym (ProjectShape's sh:class).
    parts[3].triples = [t for t in parts[3].triples if t[2] != EURIO.Acronym]
    return parts


def key(finding):
    """What identifies a finding, whichever validator found it."""
    return (finding.severity, finding.focus, finding.path, finding.message, finding.value)


def test_workers_write_exactly_the_whole_graph_with_shared_nodes_once(tmp_path):
    path = generated(tmp_path, 40)
    settings = Settings()
    whole = read_keep([path], Minter(settings.base), settings.data_dir).mapped.graph
    mapper, projects = read_projects([path], Minter(settings.base), settings.data_dir, ImportLog())
    out = tmp_path / "out"
    out.mkdir()

    with MappingJob(projects, mapper.project, out, workers=2) as job:
        announced = list(job.files())
        written, log = job.result()

    assert len(written.files) >= 2 and written.partitions == 40
    assert sorted(announced) == sorted(written.files)
    assert log.counts["projects"] == 40 and not log.errors
    loaded = Graph()
    for file in written.files:
        loaded.parse(file, format="nt")
    assert set(loaded) == set(whole)
    everything = sum(len(part.all_triples()) for part in map(mapper.project, projects, [log] * 40))
    assert written.lines < everything  # organisations, programmes, places: once per worker
    organisation = next(iter(written.origins.values()))
    assert organisation.file == path.name
