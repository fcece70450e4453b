"""Shared fixtures: the real ``hcn-ld`` command run in subprocesses against temporary stores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
HCN_LD = str(Path(sys.executable).parent / "hcn-ld")


def run_cli(*args: str, check: bool = True, env: dict[str, str] | None = None):
    """Run ``hcn-ld ARGS`` as a user would; returns the CompletedProcess."""
    result = subprocess.run(
        [HCN_LD, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hcn-ld {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """A store built from data/ by ``hcn-ld build``."""
    store = tmp_path_factory.mktemp("store") / "store"
    run_cli("build", "--store", str(store))
    return store


@pytest.fixture(scope="session")
def server(built_store):
    """Base URL of ``hcn-ld serve`` running on ``built_store`` (default settings)."""
    from tests.server import running_server

    with running_server(built_store) as url:
        yield url


@pytest.fixture(scope="session")
def select(built_store):
    """Run a SELECT through ``hcn-ld query --format json``; returns rows of plain values."""

    def run(sparql: str) -> list[dict[str, str]]:
        out = run_cli("query", "--store", str(built_store), "--format", "json", PREFIXES + sparql)
        data = json.loads(out.stdout)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]

    return run


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ to break in a test."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


PREFIXES = """
PREFIX hcn: <https://w3id.org/hcn/ontology#>
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX cv: <http://data.europa.eu/m8g/>
PREFIX locn: <http://www.w3.org/ns/locn#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
