"""``hcn-ld import cordis``: the CORDIS sample lands as EURIO, and CORDIS-style queries see it."""

from __future__ import annotations

import csv
import json

from tests.conftest import ORGANISATIONS, PREFIXES, PROJECTS, import_cordis, run_cli


def rows_of(store, sparql: str) -> list[dict[str, str]]:
    out = run_cli("query", "--store", str(store), "--format", "json", PREFIXES + sparql)
    bindings = json.loads(out.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def test_sample_gives_every_project_and_participation(cordis_store):
    counts = rows_of(
        cordis_store,
        """SELECT (COUNT(DISTINCT ?p) AS ?projects) (COUNT(DISTINCT ?r) AS ?roles) WHERE {
             GRAPH <https://w3id.org/hcn/graph/cordis> {
               ?p a eurio:Project ; eurio:hasInvolvedParty ?r . ?r a eurio:OrganisationRole } }""",
    )[0]
    assert (counts["projects"], counts["roles"]) == ("336", "2722")
    # the project file's one row (QFPROBA) is not among the organisation file's 336 projects
    total = rows_of(
        cordis_store,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?p a eurio:Project } }",
    )
    assert total[0]["n"] == "338"  # 336 + QFPROBA + HealthClusterNET


def test_cordis_style_participation_query_returns_every_row(cordis_store):
    rows = rows_of(
        cordis_store,
        """SELECT ?acronym ?roleLabel ?name ?order WHERE {
             ?project a eurio:Project ; eurio:hasAcronym/eurio:shortForm ?acronym ;
                      eurio:hasInvolvedParty ?role .
             ?role eurio:roleLabel ?roleLabel ; eurio:isRoleOf ?org ; eurio:order ?order .
             ?org eurio:legalName ?name . }""",
    )
    assert len(rows) == 2722
    with ORGANISATIONS.open(encoding="utf-8", newline="") as handle:
        source = list(csv.DictReader(handle))
    # white space inside names is folded on import
    expected = {(r["projectAcronym"], " ".join(r["name"].split()), r["order"]) for r in source}
    assert {(r["acronym"], r["name"], r["order"]) for r in rows} == expected
    labels = {r["roleLabel"] for r in rows}
    assert labels == {
        "coordinator",
        "participant",
        "partner",
        "third party",
        "international partner",
    }


def test_organisation_site_address_coordinates(cordis_store):
    rows = rows_of(
        cordis_store,
        """SELECT ?name ?pic ?vat ?city ?country ?lat ?lon ?countryIri ?amount WHERE {
             ?org eurio:identifier "999627875" ; eurio:legalName ?name ; eurio:identifier ?pic ;
                  eurio:vatNumber ?vat ; eurio:hasSite ?site ; eurio:hasRole ?role .
             ?site a eurio:Site ; eurio:hasAddress ?a ; eurio:hasCoordinates ?c ;
                   eurio:hasGeographicalLocation ?countryIri .
             ?a eurio:addressLocality ?city ; eurio:addressCountry ?country .
             ?c eurio:latitude ?lat ; eurio:longitude ?lon .
             ?role eurio:isInvolvedIn/eurio:hasAcronym/eurio:shortForm "EU-RADION" ;
                   hcn:ecContribution/eurio:value ?amount . }""",
    )
    assert rows == [
        {
            "name": "TOTALFORSVARETS FORSKNINGSINSTITUT",
            "pic": "999627875",
            "vat": "SE202100518201",
            "city": "Stockholm",
            "country": "SE",
            "lat": "59.4044539",
            "lon": "17.9453627",
            "countryIri": "http://publications.europa.eu/resource/authority/country/SWE",
            "amount": "771225",
        }
    ]


def test_one_cordis_style_query_returns_healthclusternet_and_cordis_projects(cordis_store):
    rows = rows_of(
        cordis_store,
        """SELECT ?project ?acronym ?title ?start ?end ?scheme ?cost ?funding WHERE {
             ?project a eurio:Project ; eurio:hasAcronym ?a ; eurio:title ?title ;
                      eurio:startDate ?start ; eurio:endDate ?end ;
                      eurio:hasTotalCost/eurio:value ?cost ;
                      eurio:isFundedBy ?grant .
             ?a eurio:shortForm ?acronym .
             ?grant eurio:hasFundingSchemeProgramme ?scheme .
             OPTIONAL { ?grant eurio:hasFundingAmount/eurio:value ?funding }
           } ORDER BY ?acronym""",
    )
    by_acronym = {r["acronym"]: r for r in rows}
    assert set(by_acronym) == {"HealthClusterNet", "QFPROBA"}
    assert by_acronym["HealthClusterNet"]["cost"] == "674659.65"
    assert by_acronym["QFPROBA"]["start"] == "2017-10-01"
    assert by_acronym["QFPROBA"]["funding"] == "2463412"
    acronyms = rows_of(
        cordis_store,
        """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
             ?p a eurio:Project ; eurio:hasAcronym/eurio:shortForm ?s }""",
    )
    assert acronyms[0]["n"] == "338"


def _write(path, header, rows, delimiter=";"):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)


def test_official_layouts_and_bad_rows_are_reported_and_skipped(tmp_path):
    """';'-separated FP7-style columns; three broken rows are named and the rest imported."""
    with ORGANISATIONS.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header, rows = next(reader), [r for _, r in zip(range(40), reader, strict=False)]
    old = {
        "projectID": "projectReference",
        "organisationID": "id",
        "organizationURL": "organizationUrl",
    }
    column = {name: i for i, name in enumerate(header)}
    rows[4][column["role"]] = "sponsor"
    rows[9][column["geolocation"]] = "north-ish"
    rows[20][column["ecContribution"]] = "lots"
    rows[1][column["nutsCode"]] = "SE110"  # the sample has none; the FOI sits in Stockholm
    organisations = tmp_path / "organization.csv"
    _write(organisations, [old.get(h, h) for h in header], rows)
    with PROJECTS.open(encoding="utf-8", newline="") as handle:
        project_rows = list(csv.reader(handle))
    renamed = {"id": "reference", "legalBasis": "programme", "masterCall": "call"}
    projects = tmp_path / "project.csv"
    _write(projects, [renamed.get(h, h) for h in project_rows[0]], project_rows[1:])
    store = tmp_path / "store"
    result = import_cordis(store, projects, organisations)
    assert "organization.csv:6: column 'role': unknown role 'sponsor'" in result.stderr
    assert "organization.csv:11: column 'geolocation'" in result.stderr
    assert "organization.csv:22: column 'ecContribution': not a number: 'lots'" in result.stderr
    assert "37 participations" in result.stdout and "skipped 3 bad row(s)" in result.stdout
    titled = rows_of(store, 'SELECT ?t WHERE { ?p eurio:identifier "741487" ; eurio:title ?t }')
    assert titled == [{"t": "Quantum Fields and Probability"}]
    regions = rows_of(
        store,
        """SELECT ?region WHERE { ?org eurio:identifier "999627875" ; eurio:hasSite ?site .
             ?site eurio:hasGeographicalLocation ?region . ?region a eurio:AdministrativeArea }""",
    )
    assert regions == [{"region": "http://data.europa.eu/nuts/code/SE110"}]


def test_violation_refuses_the_import_and_keeps_the_store(tmp_path, cordis_store):
    """A project row that passes the row checks but breaks a shape (acronym > 40 characters)."""
    with PROJECTS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][1] = "X" * 60
    projects = tmp_path / "project.csv"
    _write(projects, rows[0], rows[1:], delimiter=",")
    organisations = tmp_path / "organization.csv"
    with ORGANISATIONS.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()[:3]
    organisations.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    failed = import_cordis(store, projects, organisations, check=False)
    assert failed.returncode != 0
    assert "project.csv:2" in failed.stderr and "at most 40 characters" in failed.stderr
    assert "the published store is unchanged" in failed.stderr
    graphs = rows_of(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert "https://w3id.org/hcn/graph/cordis" not in {g["g"] for g in graphs}


def test_federation_examples_are_valid_sparql_with_a_cordis_service():
    from rdflib.plugins.sparql import prepareQuery

    from tests.conftest import ROOT

    examples = sorted((ROOT / "examples" / "federation").glob("*.rq"))
    assert len(examples) >= 3
    for path in examples:
        text = path.read_text(encoding="utf-8")
        prepareQuery(text)
        assert "SERVICE <https://cordis.europa.eu/datalab/sparql>" in text
