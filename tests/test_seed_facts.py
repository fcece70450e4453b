"""Every HealthClusterNET fact of the seed page is in the built graph, queried as a user would."""

from __future__ import annotations

PROJECT = "https://w3id.org/hcn/id/project/healthclusternet"


def test_title_acronym_status(select):
    rows = select("""
        SELECT ?title ?acronym ?status WHERE {
          ?p a eurio:Project ; eurio:title ?title ; eurio:projectStatus ?status ;
             eurio:hasAcronym/eurio:shortForm ?acronym .
        }""")
    assert rows == [
        {
            "title": "Health Cluster Network: engaging the health sectorr more effectively in "
            "regional economic and social policy and development",
            "acronym": "HealthClusterNet",
            "status": "finished",
        }
    ]


def test_dates_are_full_dates(select):
    rows = select("""
        SELECT ?start ?end (DATATYPE(?start) AS ?type) WHERE {
          ?p a eurio:Project ; eurio:startDate ?start ; eurio:endDate ?end .
        }""")
    assert rows == [
        {
            "start": "2005-03-31",
            "end": "2007-12-30",
            "type": "http://www.w3.org/2001/XMLSchema#date",
        }
    ]


def test_budget_rate_and_partner_count(select):
    rows = select("""
        SELECT ?value ?currency ?rate ?partners WHERE {
          ?p a eurio:Project ; hcn:euCofinancingRate ?rate ; hcn:partnerCount ?partners ;
             eurio:hasTotalCost [ eurio:value ?value ; eurio:currency ?currency ] .
          FILTER (?value = 674659.65 && ?rate = 0.447 && ?partners = 12)
        }""")
    assert rows == [{"value": "674659.65", "currency": "EUR", "rate": "0.447", "partners": "12"}]


def test_no_partner_organisation_is_named(select):
    rows = select("SELECT ?o WHERE { { ?o a eurio:Organisation } UNION { ?r eurio:isRoleOf ?o } }")
    assert rows == []


def test_programme_and_period(select):
    rows = select("""
        SELECT ?programme ?from ?to WHERE {
          ?p eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?prog .
          ?prog eurio:title ?programme ;
                hcn:programmingPeriod [ dcat:startDate ?from ; dcat:endDate ?to ] .
        }""")
    assert rows == [{"programme": "Interreg IIIC West", "from": "2000", "to": "2006"}]


def test_description_and_achievements(select):
    rows = select("""
        SELECT ?d ?a WHERE { ?p a eurio:Project ; eurio:description ?d ; hcn:achievements ?a }""")
    assert len(rows) == 1
    assert rows[0]["d"].startswith("HealthClusterNET believes that the health sector")
    assert "running for 33 months" in rows[0]["a"]


def test_four_themes(select):
    rows = select("""
        SELECT ?label WHERE { ?p a eurio:Project ; dct:subject ?t . ?t skos:prefLabel ?label }
        ORDER BY ?label""")
    assert [r["label"] for r in rows] == [
        "Capital investment",
        "Inclusive employment",
        "Procurement",
        "Regional health innovation",
    ]


def test_four_workshops_with_city_month_theme(select):
    rows = select("""
        SELECT ?city ?month ?theme WHERE {
          ?e a hcn:InterRegionalWorkshop ; dct:isPartOf ?p ; schema:startDate ?month ;
             locn:location/rdfs:label ?city ; dct:subject/skos:prefLabel ?theme .
        } ORDER BY ?month""")
    assert rows == [
        {"city": "Maribor", "month": "2005-06", "theme": "Procurement"},
        {"city": "Kraków", "month": "2006-04", "theme": "Capital investment"},
        {"city": "Hämeenlinna", "month": "2006-10", "theme": "Inclusive employment"},
        {"city": "Potsdam", "month": "2007-05", "theme": "Regional health innovation"},
    ]


def test_months_are_published_as_months(select):
    rows = select("""
        SELECT DISTINCT (DATATYPE(?d) AS ?type) WHERE {
          ?e a cv:PublicEvent . { ?e schema:startDate ?d } UNION { ?e schema:endDate ?d }
        }""")
    assert rows == [{"type": "http://www.w3.org/2001/XMLSchema#gYearMonth"}]


def test_potsdam_workshop_spans_may_to_june(select):
    rows = select("""
        SELECT ?start ?end WHERE {
          ?e a hcn:InterRegionalWorkshop ; locn:location/rdfs:label "Potsdam" ;
             schema:startDate ?start ; schema:endDate ?end }""")
    assert rows == [{"start": "2007-05", "end": "2007-06"}]


def test_four_policy_forums_follow_their_workshops(select):
    rows = select("""
        SELECT ?city ?month ?workshopCity WHERE {
          ?f a hcn:PolicyForum ; schema:startDate ?month ; locn:location/rdfs:label ?city ;
             cv:hasPreviousEvent/locn:location/rdfs:label ?workshopCity .
        } ORDER BY ?month""")
    assert rows == [
        {"city": "Bilbao", "month": "2005-10", "workshopCity": "Maribor"},
        {"city": "Graz", "month": "2006-06", "workshopCity": "Kraków"},
        {"city": "Pécs", "month": "2007-03", "workshopCity": "Hämeenlinna"},
        {"city": "Liverpool", "month": "2007-09", "workshopCity": "Potsdam"},
    ]


def test_both_conferences(select):
    rows = select("""
        SELECT ?kind ?city ?month WHERE {
          VALUES ?kind { hcn:InterimConference hcn:FinalConference }
          ?e a ?kind ; schema:startDate ?month ; locn:location/rdfs:label ?city .
        } ORDER BY ?month""")
    assert rows == [
        {
            "kind": "https://w3id.org/hcn/ontology#InterimConference",
            "city": "Budapest",
            "month": "2006-09",
        },
        {
            "kind": "https://w3id.org/hcn/ontology#FinalConference",
            "city": "Brussels",
            "month": "2007-11",
        },
    ]


def test_steering_group_meetings_are_a_count_without_dates_or_places(select):
    rows = select("""
        SELECT ?n (COUNT(?x) AS ?placesOrDates) WHERE {
          ?s a hcn:SteeringGroupMeetingSeries ; hcn:numberOfEvents ?n .
          OPTIONAL { ?s locn:location|schema:startDate ?x }
        } GROUP BY ?n""")
    assert rows == [{"n": "8", "placesOrDates": "0"}]


def test_business_plan_and_toolkit(select):
    rows = select("""
        SELECT ?title WHERE {
          ?p eurio:hasResult ?o . ?o dct:title ?title .
          { ?o a hcn:BusinessPlan ; dct:temporal [ dcat:startDate "2008"^^xsd:gYear ;
                                                   dcat:endDate "2010"^^xsd:gYear ] }
          UNION { ?o a hcn:Toolkit }
        } ORDER BY ?title""")
    assert [r["title"] for r in rows] == ["Business Plan 2008-2010", "Cross-thematic toolkit"]


def test_website_figures(select):
    rows = select("""
        SELECT ?pages ?docs ?links ?hits ?linking WHERE {
          ?p eurio:hasResult ?w . ?w a hcn:Website ; hcn:numberOfPages ?pages ;
             hcn:numberOfUploadedDocuments ?docs ; hcn:numberOfLinks ?links ;
             hcn:averageMonthlyHits ?hits ; hcn:numberOfExternalLinkingSites ?linking .
        }""")
    assert rows == [{"pages": "87", "docs": "434", "links": "89", "hits": "450", "linking": "18"}]


def test_keep_record(select):
    rows = select(f"""
        SELECT ?catalogue WHERE {{
          ?r a dcat:CatalogRecord ; foaf:primaryTopic <{PROJECT}> ; hcn:catalogue ?catalogue }}""")
    assert rows == [{"catalogue": "KEEP platform"}]


def test_every_event_city_links_to_geonames_nuts_and_country(select):
    rows = select("""
        SELECT ?city ?geonames ?nuts2006 ?nuts2021 ?country WHERE {
          ?e a cv:PublicEvent ; locn:location ?place .
          ?place rdfs:label ?city ; owl:sameAs ?geonames ; hcn:nuts3Region2006 ?nuts2006 ;
                 hcn:nuts3Region2021 ?nuts2021 ; hcn:country ?country .
        } ORDER BY ?city""")
    assert len(rows) == 10
    for row in rows:
        assert row["geonames"].startswith("https://sws.geonames.org/")
        assert row["nuts2006"].startswith("http://data.europa.eu/nuts/code/")
        assert row["nuts2021"].startswith("http://data.europa.eu/nuts/code/")
        assert row["country"].startswith(
            "http://publications.europa.eu/resource/authority/country/"
        )
    maribor = next(r for r in rows if r["city"] == "Maribor")
    assert maribor == {
        "city": "Maribor",
        "geonames": "https://sws.geonames.org/3195506/",
        "nuts2006": "http://data.europa.eu/nuts/code/SI012",
        "nuts2021": "http://data.europa.eu/nuts/code/SI032",
        "country": "http://publications.europa.eu/resource/authority/country/SVN",
    }


def test_default_graph_is_union_and_graph_tells_sources_apart(select):
    rows = select("""
        SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g""")
    assert [r["g"] for r in rows] == [
        "https://w3id.org/hcn/graph/healthclusternet",
        "https://w3id.org/hcn/graph/ontology",
    ]
    total = select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert int(total) == sum(int(r["n"]) for r in rows)
