"""Publishing is atomic: a failed build leaves the served store byte-for-byte as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import requests

from hcn_ld.store import LocalStore
from hcn_ld.store.base import GraphFile
from hcn_ld.store.local import TRUST_COUNT
from tests.conftest import run_cli
from tests.support.server import running_server
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


def test_large_versions_get_dumps_and_search_index_after_the_switch(tmp_path):
    store = tmp_path / "store"
    run_cli("build", "--store", str(store), env={"HCN_LD_DERIVE_INLINE": "0"})
    generation = (store / "current").resolve()
    marker = generation / ".deriving"
    for _ in range(300):  # the background writer finishes on its own
        if not marker.exists():
            break
        time.sleep(0.2)
    assert not marker.exists()
    assert (generation / "search.sqlite").exists()
    assert len((generation / "dumps" / "SHA256SUMS").read_text().splitlines()) == 4

    # While a writer is at work, downloads and search say so; VoID and the data still answer.
    (generation / "dumps" / "manifest.json").rename(generation / "manifest.aside")
    (generation / "search.sqlite").rename(generation / "search.aside")
    marker.write_text(str(os.getpid()))
    with running_server(store) as url:
        dumps = requests.get(url + "dumps/", timeout=10)
        assert dumps.status_code == 503 and dumps.headers["Retry-After"]
        assert "being written" in dumps.text
        search = requests.get(url + "search", params={"q": "health"}, timeout=10)
        assert search.status_code == 503 and search.headers["Retry-After"]
        assert requests.get(url + ".well-known/void", timeout=10).status_code == 200
        assert requests.get(url + "id/project/healthclusternet", timeout=10).status_code == 200
        # A writer that died leaves its marker: the web writes what is missing itself.
        marker.write_text("999999999")
        dumps = requests.get(url + "dumps/", timeout=60)
        assert dumps.status_code == 200 and "hcn.nt.gz" in dumps.text
        search = requests.get(url + "search", params={"q": "health"}, timeout=60)
        assert search.status_code == 200 and "HealthClusterNET" in search.text


def test_a_reader_sees_each_publish_at_once_and_a_replaced_store_within_a_second(tmp_path):
    """Readers check a switch count in memory instead of reading ``current`` on every call."""
    store = tmp_path / "store"
    data = tmp_path / "g.nt"

    def publish(value: str) -> str:
        data.write_text(f'<http://e/a> <http://e/p> "{value}" .\n')
        return LocalStore(store).publish([GraphFile("http://e/g", data)])

    def value(reader: LocalStore) -> str:
        return next(iter(reader.query("SELECT ?v { <http://e/a> <http://e/p> ?v }")))["v"].value

    publish("one")
    reader = LocalStore(store)
    assert value(reader) == "one"
    for word in ("two", "three"):
        version = publish(word)
        assert reader.version() == version and value(reader) == word  # at once
    shutil.rmtree(store)  # a new store in the same place: a switch count the reader never saw
    version = publish("four")
    deadline = time.monotonic() + TRUST_COUNT + 2
    while reader.version() != version and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value(reader) == "four"
