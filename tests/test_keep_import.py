"""``hcn-ld import keep``: KEEP Excel and API JSON exports (synthetic fixtures) -> graph/keep."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from hcn_ld.store import open_store
from tests.conftest import PREFIXES, ROOT, run_cli
from tests.support.servers import oxigraph_server

FIXTURE = ROOT / "tests" / "fixtures" / "keep" / "projects.json"
GENERATE = ROOT / "bench" / "generate.py"


def rows(store, sparql: str) -> list[dict[str, str]]:
    out = run_cli("query", "--store", str(store), "--format", "json", PREFIXES + sparql)
    data = json.loads(out.stdout)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


@pytest.fixture(scope="module")
def keep_store(tmp_path_factory):
    """A store with data/ built and the hand-written JSON fixture imported."""
    store = tmp_path_factory.mktemp("keep") / "store"
    run_cli("build", "--store", str(store))
    result = run_cli("import", "keep", str(FIXTURE), "--store", str(store))
    assert "imported 2 projects, 5 participations, 2 events" in result.stdout
    return store


def test_lead_partner_is_coordinator(keep_store):
    found = rows(
        keep_store,
        """SELECT ?acronym ?label ?name ?order WHERE {
             ?p eurio:hasAcronym/eurio:shortForm ?acronym ; eurio:hasInvolvedParty ?r .
             ?r eurio:roleLabel ?label ; eurio:order ?order ; eurio:isRoleOf/eurio:legalName ?name
           } ORDER BY ?acronym ?order""",
    )
    assert [(r["acronym"], r["label"], r["name"]) for r in found] == [
        ("SYNTH-HEALTH", "coordinator", "Synthetic Regional Agency"),
        ("SYNTH-HEALTH", "partner", "Synthetische Gesundheitsagentur"),
        ("SYNTH-HEALTH", "partner", "Agence synthétique de santé"),
        ("SYNTH-ΥΓΕΙΑ", "coordinator", "Synthetic Regional Agency"),
        ("SYNTH-ΥΓΕΙΑ", "partner", "Synthetic Health Cluster of Kraków"),
    ]


def test_project_fields(keep_store):
    found = rows(
        keep_store,
        """SELECT ?title (LANG(?title) AS ?lang) ?start ?end ?status ?rate ?budget ?funding
                  ?programme ?from ?to ?count WHERE {
             ?p eurio:identifier "90001" ; eurio:title ?title ; eurio:startDate ?start ;
                eurio:endDate ?end ; eurio:projectStatus ?status ; hcn:euCofinancingRate ?rate ;
                hcn:partnerCount ?count ; eurio:hasTotalCost/eurio:value ?budget ;
                eurio:isFundedBy ?g .
             ?g eurio:hasFundingAmount/eurio:value ?funding ;
                eurio:hasFundingSchemeProgramme ?prog .
             ?prog eurio:title ?programme ;
                   hcn:programmingPeriod [ dcat:startDate ?from ; dcat:endDate ?to ] }""",
    )
    assert found == [
        {
            "title": "Synthetic regional health innovation network",
            "lang": "en",
            "start": "2016-04-01",
            "end": "2020-03-31",
            "status": "finished",
            "rate": "0.85",
            "budget": "1250000.5",
            "funding": "1062500.43",
            "programme": "Synthetic Interreg Europe",
            "from": "2014",
            "to": "2020",
            "count": "3",
        }
    ]


def test_greek_title_european_amounts_and_dates(keep_store):
    found = rows(
        keep_store,
        """SELECT ?title (LANG(?title) AS ?lang) ?start ?budget ?rate WHERE {
             ?p eurio:identifier "90002" ; eurio:title ?title ; eurio:startDate ?start ;
                eurio:hasTotalCost/eurio:value ?budget ; hcn:euCofinancingRate ?rate }""",
    )
    assert found == [
        {
            "title": "Συνθετικό δίκτυο υγείας",
            "lang": "el",
            "start": "2018-01-01",
            "budget": "980000",
            "rate": "0.75",
        }
    ]


def test_partner_site_address_and_coordinates(keep_store):
    found = rows(
        keep_store,
        """SELECT ?town ?postcode ?country ?nuts ?lat ?type ?status WHERE {
             ?o eurio:legalName "Synthetic Regional Agency" ; hcn:organisationType ?type ;
                hcn:legalStatus ?status ; eurio:hasSite ?s .
             ?s eurio:hasAddress [ eurio:addressLocality ?town ; eurio:postalCode ?postcode ] ;
                eurio:hasGeographicalLocation ?country , ?nuts ;
                eurio:hasCoordinates/eurio:latitude ?lat .
             ?country a eurio:Country . ?nuts a eurio:AdministrativeArea }""",
    )
    assert found == [
        {
            "town": "Maribor",
            "postcode": "2000",
            "country": "http://publications.europa.eu/resource/authority/country/SVN",
            "nuts": "http://data.europa.eu/nuts/code/SI032",
            "lat": "46.5547",
            "type": "Regional public authority",
            "status": "public",
        }
    ]


def test_events_and_graph(keep_store):
    found = rows(
        keep_store,
        """SELECT DISTINCT ?g ?kind ?title ?city WHERE { GRAPH ?g {
             ?e a ?kind ; dct:isPartOf/eurio:identifier "90001" ; dct:title ?title ;
                locn:location ?place . FILTER (?kind != cv:PublicEvent) }
             ?place rdfs:label ?city } ORDER BY ?title""",
    )
    assert found == [
        {
            "g": "https://w3id.org/hcn/graph/keep",
            "kind": "https://w3id.org/hcn/ontology#InterRegionalWorkshop",
            "title": "Synthetic workshop on procurement",
            "city": "Maribor",
        },
        {
            "g": "https://w3id.org/hcn/graph/keep",
            "kind": "https://w3id.org/hcn/ontology#FinalConference",
            "title": "Synthetische Abschlusskonferenz",
            "city": "Potsdam",
        },
    ]


def test_import_leaves_the_healthclusternet_graph(keep_store):
    found = rows(keep_store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [r["g"].rsplit("/", 1)[-1] for r in found] == ["healthclusternet", "keep", "ontology"]


def test_excel_with_broken_rows_imports_the_rest(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(GENERATE), "3", "--out", str(corpus), "--format", "xlsx"],
        check=True,
        capture_output=True,
    )
    workbook = corpus / "keep-synthetic-0001.xlsx"
    book = load_workbook(workbook)
    partners = book["Search results, partners"]
    header = [c.value for c in partners[1]]
    partners.cell(row=4, column=header.index("Country") + 1, value="XX")
    broken_name = partners.cell(row=4, column=header.index("Name") + 1).value
    projects = book["Search results, projects"]
    header = [c.value for c in projects[1]]
    projects.cell(row=3, column=header.index("Start date") + 1, value="2019-02-30")
    book.save(workbook)

    store = tmp_path / "store"
    result = run_cli("import", "keep", str(workbook), "--store", str(store))
    assert (
        "bad row skipped: keep-synthetic-0001.xlsx [Search results, partners]:4: "
        "column 'country': not a country code: 'XX'" in result.stderr
    )
    assert (
        "bad row skipped: keep-synthetic-0001.xlsx [Search results, projects]:3: "
        "column 'start': not a date" in result.stderr
    )
    assert "imported 2 projects" in result.stdout
    names = rows(store, "SELECT ?n WHERE { ?o a eurio:Organisation ; eurio:legalName ?n }")
    assert broken_name not in {r["n"] for r in names}
    acronyms = rows(store, "SELECT ?a WHERE { ?p eurio:hasAcronym/eurio:shortForm ?a } ORDER BY ?a")
    assert [r["a"] for r in acronyms] == ["SYN-00001", "SYN-00003"]


def test_import_failing_shapes_changes_nothing(tmp_path, keep_store):
    before = rows(keep_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    data = json.loads(FIXTURE.read_text())
    data["projects"][0]["title"] = "ab"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = run_cli("import", "keep", str(bad), "--store", str(keep_store), check=False)
    assert result.returncode != 0
    assert "1 violation(s)" in result.stderr and "bad.json:1" in result.stderr
    assert "the published store is unchanged" in result.stderr
    assert rows(keep_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_import_into_an_oxigraph_server_is_checked_before_upload(tmp_path):
    """The remote path: validated in a scratch store, uploaded in pieces, switched at once."""
    with oxigraph_server(tmp_path / "oxigraph") as spec:
        run_cli("import", "keep", str(FIXTURE), "--store", spec)
        roles = "SELECT (COUNT(?r) AS ?n) WHERE { ?r a eurio:OrganisationRole }"
        assert rows(spec, roles) == [{"n": "5"}]
        data = json.loads(FIXTURE.read_text())
        data["projects"][0]["title"] = "ab"
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(data))
        version = open_store(spec).version()
        result = run_cli("import", "keep", str(bad), "--store", spec, check=False)
        assert result.returncode != 0 and "1 violation(s)" in result.stderr
        assert open_store(spec).version() == version
        assert rows(spec, roles) == [{"n": "5"}]
