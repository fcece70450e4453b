"""Publishing is atomic: a failed build leaves the served store byte-for-byte as it was."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.conftest import run_cli
from tests.test_shapes import edit


def snapshot(store: Path) -> dict[str, str]:
    """Every file of the published generation with its hash, plus where ``current`` points."""
    current = store / "current"
    files = {"current ->": os.readlink(current)}
    for path in sorted(current.resolve().rglob("*")):
        if path.is_file():
            files[str(path.relative_to(store.resolve()))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return files


def count(store: Path, sparql: str) -> str:
    out = run_cli("query", "--store", str(store), "--format", "csv", sparql)
    return out.stdout.splitlines()[1]


def test_failed_build_leaves_published_store_untouched(tmp_path, data_copy):
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    before = snapshot(store)
    edit(data_copy / "projects.yaml", 'eu_cofinancing_rate: "0.447"', 'eu_cofinancing_rate: "1.5"')
    failed = run_cli("--data", str(data_copy), "build", "--store", str(store), check=False)
    assert failed.returncode != 0
    assert "the published store is unchanged" in failed.stderr
    assert snapshot(store) == before
    assert (
        count(store, "SELECT ?r WHERE { ?p <https://w3id.org/hcn/ontology#euCofinancingRate> ?r }")
        == "0.447"
    )


def test_rebuild_replaces_only_its_own_graph(tmp_path, data_copy):
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    first = os.readlink(store / "current")
    edit(data_copy / "projects.yaml", "partner_count: 12", "partner_count: 13")
    run_cli("--data", str(data_copy), "build", "--store", str(store))
    assert os.readlink(store / "current") != first
    assert (
        count(store, "SELECT ?n WHERE { ?p <https://w3id.org/hcn/ontology#partnerCount> ?n }")
        == "13"
    )
    graphs = count(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert graphs == "2"


def test_old_generations_are_collected(tmp_path):
    store = tmp_path / "store"
    for _ in range(5):
        run_cli("build", "--store", str(store))
    assert len(list((store / "generations").iterdir())) == 3
