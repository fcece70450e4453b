"""``hcn-ld link`` against a real Oxigraph server standing in for CORDIS, and ``hcn-ld merge``."""

from __future__ import annotations

import csv
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from tests.conftest import ORGANISATIONS, import_cordis, run_cli
from tests.test_cordis import rows_of

OXIGRAPH = str(Path(sys.executable).parent / "oxigraph")
CORDIS_BASE = "http://cordis.test/"
LOD_TARGETS = ("geonames", "nuts", "eu-country")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cordis_source(tmp_path_factory) -> Path:
    """The CORDIS sample imported under another base, standing in for the CORDIS graph."""
    store = tmp_path_factory.mktemp("cordis-kg") / "store"
    import_cordis(store, base=CORDIS_BASE)
    return store


@pytest.fixture(scope="module")
def cordis_endpoint(cordis_source, tmp_path_factory):
    """A real Oxigraph server on 127.0.0.1 loaded with that import; yields its query URL."""
    folder = tmp_path_factory.mktemp("oxigraph")
    dump = folder / "cordis.nq"
    run_cli("--base", CORDIS_BASE, "merge", "--store", str(cordis_source), "--out", str(dump))
    location = folder / "db"
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(location), "--file", str(dump)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            *(OXIGRAPH, "serve-read-only", "--location", str(location)),
            *("--bind", f"127.0.0.1:{port}", "--union-default-graph"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):
            try:
                requests.get(url, params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def linked(cordis_store, cordis_endpoint, tmp_path_factory):
    """A copy of the HealthClusterNET + CORDIS store, linked against the Oxigraph server."""
    store = tmp_path_factory.mktemp("linked") / "store"
    shutil.copytree(cordis_store, store, symlinks=True)
    sssom = store.parent / "links.sssom.tsv"
    result = run_cli(
        "link", "--store", str(store), "--cordis-endpoint", cordis_endpoint,
        "--sssom", str(sssom),
    )  # fmt: skip
    return store, sssom, result.stdout


def test_every_organisation_links_to_cordis_by_pic(linked):
    store, _, out = linked
    rows = rows_of(
        store,
        """SELECT ?ours ?theirs WHERE { GRAPH <https://w3id.org/hcn/graph/linksets> {
             ?ours owl:sameAs ?theirs FILTER STRSTARTS(STR(?theirs), "http://cordis.test/") } }""",
    )
    assert len(rows) == 1819
    assert all(r["ours"].rsplit("/", 1)[1] == r["theirs"].rsplit("/", 1)[1] for r in rows)
    assert "1819  cordis-organisations-by-id" in out


def test_void_linksets_count_at_least_50_links_into_the_lod_cloud(linked):
    store, _, _ = linked
    rows = rows_of(
        store,
        """PREFIX void: <http://rdfs.org/ns/void#>
           SELECT ?linkset ?target ?predicate ?triples WHERE {
             ?linkset a void:Linkset ; void:objectsTarget ?target ;
                      void:linkPredicate ?predicate ; void:triples ?triples . }""",
    )
    lod = [r for r in rows if r["target"].rsplit("#", 1)[1] in LOD_TARGETS]
    assert sum(int(r["triples"]) for r in lod) >= 50
    named = {r["linkset"].rsplit("/", 1)[1]: int(r["triples"]) for r in rows}
    assert named["geonames"] == named["nuts-2006"] == named["nuts-2021"] == 10
    assert named["place-countries"] == 10 and named["site-countries"] == 1819
    # the counts are the links actually present
    actual = rows_of(
        store,
        """SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/hcn/graph/linksets> {
             ?place hcn:nuts3Region2021 ?region } }""",
    )
    assert actual[0]["n"] == "10"


def test_nuts_2021_comes_from_the_jrc_converter_with_an_area_score(linked):
    _, sssom, _ = linked
    lines = sssom.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert "# mapping_set_id: https://w3id.org/hcn/id/linkset/all" in header
    assert any(line.startswith("#   semapv: ") for line in header)
    table = list(csv.DictReader([x for x in lines if not x.startswith("#")], delimiter="\t"))
    hameenlinna = [r for r in table if r["subject_label"] == "Hämeenlinna"]
    nuts2021 = next(r for r in hameenlinna if r["predicate_id"] == "hcn:nuts3Region2021")
    assert nuts2021["object_id"] == "nuts:FI1C2"  # FI184 in 2006
    assert nuts2021["mapping_justification"] == "semapv:MappingChaining"
    assert 0.9 < float(nuts2021["confidence"]) <= 1.0
    by_pic = [r for r in table if r["comment"].startswith("same PIC")]
    assert len(by_pic) == 1819 and {r["confidence"] for r in by_pic} == {"1.0"}


def test_offline_mode_finds_the_same_organisation_links(linked, cordis_source, tmp_path):
    store, _, _ = linked
    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    out = run_cli(
        "link", "--store", str(copy), "--offline", "--cordis-store", str(cordis_source),
        "--sssom", str(tmp_path / "x.tsv"),
    ).stdout  # fmt: skip
    assert "1819  cordis-organisations-by-id" in out


def test_unreachable_endpoint_is_a_clear_error(cordis_store, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(cordis_store, copy, symlinks=True)
    url = f"http://127.0.0.1:{free_port()}/query"
    result = run_cli("link", "--store", str(copy), "--cordis-endpoint", url, check=False)
    assert result.returncode != 0 and f"cannot query {url}" in result.stderr


def test_merge_writes_our_graph_cordis_and_linksets_as_nquads(linked, tmp_path):
    store, _, _ = linked
    out = tmp_path / "merged.nq"
    run_cli("merge", "--store", str(store), "--out", str(out))
    sizes: dict[str, int] = {}
    for quad in ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS):
        sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
    graphs = rows_of(
        store,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    )
    expected = {r["g"]: int(r["n"]) for r in graphs if not r["g"].endswith("/ontology")}
    assert set(expected) == {
        "https://w3id.org/hcn/graph/healthclusternet",
        "https://w3id.org/hcn/graph/cordis",
        "https://w3id.org/hcn/graph/linksets",
    }
    assert sizes == expected


# Organisations written the way another database writes them (SYNTHETIC variants of real
# CORDIS rows, with made-up identifiers and no VAT), and the CORDIS PIC each stands for.
RENAMED = {
    "Totalförsvarets Forskningsinstitut": ("999627875", "Stockholm"),
    "Univ. of Sheffield": ("999976881", "Sheffield"),
    "Universidad Politécnica de Madrid, S.A.": ("999974844", "MADRID"),
    "Scapos GmbH": ("952497903", "Sankt Augustin"),
    "Grand Duchy Institute of Nowhere": ("", "Luxembourg"),  # in no CORDIS row: no link
}


def test_organisations_without_identifiers_link_by_name_offline(cordis_source, tmp_path):
    with ORGANISATIONS.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, {r["organisationID"]: r for r in reader}
    countries = {"Grand Duchy Institute of Nowhere": "LU"}
    written = []
    for number, (name, (pic, city)) in enumerate(RENAMED.items(), start=1):
        row = dict(rows[pic]) if pic else dict(next(iter(rows.values())))
        row.update(organisationID=str(900000000000 + number), vatNumber="", name=name, city=city)
        row["country"] = countries.get(name, row["country"])
        written.append(row)
    other = tmp_path / "other-database.csv"
    with other.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(written)
    store = tmp_path / "store"
    import_cordis(store, projects=None, organisations=other)
    sssom = tmp_path / "links.tsv"
    run_cli(
        "link", "--store", str(store), "--offline", "--cordis-store", str(cordis_source),
        "--sssom", str(sssom),
    )  # fmt: skip
    lines = [x for x in sssom.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    table = list(csv.DictReader(lines, delimiter="\t"))
    by_name = {r["subject_label"]: r for r in table if r["predicate_id"] == "skos:exactMatch"}
    expected = {name: pic for name, (pic, _) in RENAMED.items() if pic}
    assert {name: r["object_id"].rsplit("pic-", 1)[1] for name, r in by_name.items()} == expected
    assert all(float(r["confidence"]) >= 0.9 for r in by_name.values())
    assert {r["mapping_justification"] for r in by_name.values()} == {
        "semapv:LexicalSimilarityThresholdMatching"
    }
