"""Shared fixtures: the real ``hcn-ld`` command run in subprocesses against temporary stores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import oxigraph_server, virtuoso_server

ROOT = Path(__file__).resolve().parent.parent
#: Third-party material the tests read, copied into the repository (see tests/data/README.md).
TEST_DATA = ROOT / "tests" / "data"
HCN_LD = str(Path(sys.executable).parent / "hcn-ld")
CORDIS = TEST_DATA / "cordis"
PROJECTS = CORDIS / "h2020-projects-sample.csv"
ORGANISATIONS = CORDIS / "h2020-organizations-sample.csv"


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


def import_cordis(store, projects=PROJECTS, organisations=ORGANISATIONS, base=None, check=True):
    """Run ``hcn-ld [--base B] import cordis`` (no ``--projects`` when ``projects`` is None)."""
    args = ["--base", base] if base else []
    args += ["import", "cordis", "--organizations", str(organisations), "--store", str(store)]
    args += ["--projects", str(projects)] if projects else []
    return run_cli(*args, check=check)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """A store built from data/ by ``hcn-ld build``."""
    store = tmp_path_factory.mktemp("store") / "store"
    run_cli("build", "--store", str(store))
    return store


#: The kinds of store every fact check, dereferencing and SPARQL test runs against.
STORE_KINDS = ("local", "oxigraph", "virtuoso")
#: Seconds the test servers give a query (a runaway query the app gave up on stops there).
QUERY_TIMEOUT = 10


@pytest.fixture(scope="session")
def server(store_spec):
    """Base URL of ``hcn-ld serve`` on each kind of store (default settings)."""
    from tests.support.server import running_server

    with running_server(store_spec) as url:
        yield url


@pytest.fixture(scope="session")
def oxigraph_spec(tmp_path_factory) -> Iterator[str]:
    """A real Oxigraph server on a free port (empty); its ``sparql+http://`` store spec."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph"), timeout=QUERY_TIMEOUT) as spec:
        yield spec


@pytest.fixture(scope="session")
def virtuoso_spec(tmp_path_factory) -> Iterator[str]:
    """A real Virtuoso 7 on free ports with a fresh database; its store spec (user dba)."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso"), timeout=QUERY_TIMEOUT) as spec:
        yield spec


@pytest.fixture(scope="session", params=STORE_KINDS)
def store_spec(request, built_store) -> str:
    """The store spec of each kind of store, with data/ published by ``hcn-ld build --store``."""
    if request.param == "local":
        return str(built_store)
    spec = request.getfixturevalue(f"{request.param}_spec")
    run_cli("build", "--store", spec)
    return spec


@pytest.fixture(scope="session")
def select(store_spec):
    """Run a SELECT through ``hcn-ld query --format json``; returns rows of plain values."""

    def run(sparql: str) -> list[dict[str, str]]:
        out = run_cli("query", "--store", store_spec, "--format", "json", PREFIXES + sparql)
        data = json.loads(out.stdout)
        return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]

    return run


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ to break in a test."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


@pytest.fixture(scope="session")
def cordis_store(tmp_path_factory):
    """A store with the HealthClusterNET build and the CORDIS sample imported."""
    store = tmp_path_factory.mktemp("cordis") / "store"
    run_cli("build", "--store", str(store))
    result = import_cordis(store)
    assert "2722 participations" in result.stdout
    assert "skipped 0 bad row(s)" in result.stdout
    return store


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


@pytest.fixture(scope="session")
def browse_server(tmp_path_factory):
    """Base URL of ``hcn-ld serve`` on data/ plus three synthetic projects (support/synthetic.py),
    so that facets and charts have something to narrow and count."""
    from tests.support.server import running_server
    from tests.support.synthetic import add_synthetic_projects

    folder = tmp_path_factory.mktemp("browse")
    shutil.copytree(ROOT / "data", folder / "data")
    add_synthetic_projects(folder / "data")
    run_cli("--data", str(folder / "data"), "build", "--store", str(folder / "store"))
    with running_server(folder / "store") as url:
        yield url
