"""Partners as CORDIS imports shape them (EURIO participations) on project pages and in facets.

The participations are synthetic (generated here, labelled so), written the way the CORDIS
importer writes them: project -> eurio:hasInvolvedParty -> role (eurio:roleLabel, eurio:order,
hcn:ecContribution) -> eurio:isRoleOf -> organisation -> eurio:hasSite ->
eurio:hasGeographicalLocation -> EU country.
"""

from __future__ import annotations

from hcn_ld.derived.search import index_for
from hcn_ld.store import LocalStore
from hcn_ld.store.base import GraphFile
from hcn_ld.web import facets
from hcn_ld.web.project import project_view, rows
from tests.conftest import run_cli

BASE = "https://w3id.org/hcn/"
EURIO = "http://data.europa.eu/s66#"
PROJECT = f"{BASE}id/project/healthclusternet"
COUNTRY = "http://publications.europa.eu/resource/authority/country/{}"


def participation(n: int, name: str, role: str, iso3: str, euros: str) -> list[str]:
    org, site = f"{BASE}id/organisation/synthetic-{n}", f"{BASE}id/site/synthetic-{n}"
    part, amount = f"{BASE}id/role/synthetic-{n}", f"{BASE}id/amount/synthetic-{n}"
    return [
        f"<{PROJECT}> <{EURIO}hasInvolvedParty> <{part}> .",
        f'<{part}> <{EURIO}roleLabel> "{role}" .',
        f'<{part}> <{EURIO}order> "{n}"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .',
        f"<{part}> <{EURIO}isRoleOf> <{org}> .",
        f"<{part}> <https://w3id.org/hcn/ontology#ecContribution> <{amount}> .",
        f'<{amount}> <{EURIO}value> "{euros}"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
        f'<{org}> <{EURIO}legalName> "{name}" .',
        f"<{org}> <{EURIO}hasSite> <{site}> .",
        f"<{site}> <{EURIO}hasGeographicalLocation> <{COUNTRY.format(iso3)}> .",
        f'<{COUNTRY.format(iso3)}> <{EURIO}name> "Country {iso3}" .',
    ]


def test_partners_table_role_facet_and_search_see_participations(tmp_path):
    store_path = tmp_path / "store"
    run_cli("build", "--store", str(store_path))
    lines = participation(2, "Synthetic Partner Two Ltd", "participant", "IRL", "1000.5")
    lines += participation(1, "Synthetic Coordinator Org", "coordinator", "NLD", "25000")
    coordinator = f"{BASE}id/organisation/synthetic-1"
    lines += [
        f'<{coordinator}> <http://www.w3.org/2000/01/rdf-schema#label> "Coordinator"@en .',
        f'<{coordinator}> <http://www.w3.org/2000/01/rdf-schema#label> "Coordinateur"@fr .',
    ]
    extra = tmp_path / "partners.nt"
    extra.write_text("\n".join(lines) + "\n")
    store = LocalStore(store_path)
    store.publish([GraphFile(f"{BASE}graph/synthetic-partners", extra)])

    view = project_view(store, PROJECT, ["en"])
    assert [(p.order, p.organisation.text, p.role, p.contribution) for p in view.partners] == [
        ("1", "Coordinator", "coordinator", "25\u202f000.00 EUR"),
        ("2", "Synthetic Partner Two Ltd", "participant", "1\u202f000.50 EUR"),
    ]
    assert [p.country for p in view.partners] == ["Country NLD", "Country IRL"]
    in_french = project_view(store, PROJECT, ["fr-be", "fr", "en"]).partners
    assert in_french[0].organisation.text == "Coordinateur"  # the reader's language first

    selection = facets.Selection.from_params({"role": ["coordinator"]}, BASE)
    assert [r["project"] for r in rows(store, facets.list_query(selection))] == [PROJECT]
    roles = rows(store, facets.facet_query(facets.Selection(BASE), facets.BY_NAME["role"]))
    assert {r["role"]: r["n"] for r in roles} == {"coordinator": "1", "participant": "1"}
    countries = rows(store, facets.facet_query(facets.Selection(BASE), facets.BY_NAME["country"]))
    assert COUNTRY.format("IRL") in {r["country"] for r in countries}

    hits = index_for(store).search("synthetic coordinator").hits
    assert PROJECT in [hit.iri for hit in hits]  # organisation names find their projects
