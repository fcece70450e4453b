"""Search, facets, project page parts and the dashboard over HTTP (real server, no JavaScript)."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rdflib.plugins.sparql import prepareQuery
from SPARQLWrapper import JSON, SPARQLWrapper

PROJECT = "id/project/healthclusternet"
CITIES = ["Maribor", "Bilbao", "Kraków", "Graz", "Budapest", "Hämeenlinna", "Pécs", "Potsdam",
          "Liverpool", "Brussels"]  # fmt: skip
#: Event months in date order, as the seed page gives them.
MONTHS = ["June 2005", "October 2005", "April 2006", "June 2006", "September 2006",
          "October 2006", "March 2007", "May 2007 – June 2007", "September 2007",
          "November 2007"]  # fmt: skip


def get(url: str, **kwargs) -> requests.Response:
    response = requests.get(url, timeout=30, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return response


def project_titles(html: str) -> list[str]:
    block = html.split('class="project-list"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block)


# ---------------------------------------------------------------- search


def test_search_finds_healthclusternet_first_with_snippet(browse_server):
    data = get(browse_server + "search.json", params={"q": "health"}).json()
    first = data["results"][0]
    assert first["label"] == "HealthClusterNET"
    assert first["url"] == browse_server + PROJECT
    assert (
        "[health]" in first["snippet"].lower() or "[healthclusternet]" in first["snippet"].lower()
    )
    assert data["total"] >= len(data["results"]) > 1


def test_search_ignores_accents_and_matches_places_and_prefixes(browse_server):
    labels = [r["label"] for r in get(browse_server + "search.json?q=krakow").json()["results"]]
    assert labels[0] == "Kraków"
    assert "HealthClusterNET" in labels  # the project held an event there
    prefix = get(browse_server + "search.json?q=hameen").json()["results"]
    assert prefix[0]["label"] == "Hämeenlinna"


def test_search_html_and_accept_json_agree(browse_server):
    html = get(browse_server + "search", params={"q": "policy forum"}).text
    as_json = get(
        browse_server + "search", params={"q": "policy forum"},
        headers={"Accept": "application/json"},
    ).json()  # fmt: skip
    assert as_json["total"] >= 4
    for hit in as_json["results"]:
        assert hit["label"].replace("&", "&amp;") in html
    assert "<mark>" in html


def test_search_operators_and_markup_are_just_words(browse_server):
    for text in ['" OR *', "health) NOT (", "<script>alert(1)</script>", "a" * 500]:
        response = get(browse_server + "search", params={"q": text})
        assert "<script>alert" not in response.text
    assert get(browse_server + "search.json", params={"q": "zzzz nothing"}).json()["total"] == 0


def test_index_is_written_with_the_published_version(browse_server):
    from tests.support.synthetic import PROJECTS

    hits = get(browse_server + "search.json", params={"q": "synthetic alpha"}).json()["results"]
    assert hits[0]["label"] == PROJECTS[0][0].upper()


# ---------------------------------------------------------------- facets


def test_facet_narrows_the_list_and_the_url_reopens_it(browse_server):
    everything = get(browse_server + "projects").text
    assert len(project_titles(everything)) == 4
    link = re.search(
        r'<a href="([^"]+)"[^>]*data-facet="status">\s*<span>Planned</span>', everything
    )
    assert link, "the status facet offers 'Planned'"
    url = link.group(1).replace("&amp;", "&")
    narrowed = get(url).text
    assert project_titles(narrowed) == ["SYNTHETIC-GAMMA"]
    assert parse_qs(urlsplit(url).query) == {"status": ["planned"]}
    assert get(url).text == narrowed  # the same URL gives the same view


def test_facets_combine_and_counts_follow(browse_server):
    url = (
        browse_server
        + "projects?theme=id/theme/procurement&programme=id/programme/synthetic-programme"
    )
    html = get(url).text
    assert project_titles(html) == ["SYNTHETIC-GAMMA"]
    assert ">1 project</h2>" in html
    # Within the theme facet, alternatives keep their counts under the other choices.
    assert re.search(r"<span>Capital investment</span><span class=\"count\">1</span>", html)


def test_year_range_selects_projects_running_in_it(browse_server):
    html = get(browse_server + "projects?from=2006&to=2007").text
    assert project_titles(html) == ["HealthClusterNET"]
    html = get(browse_server + "projects?from=2017&to=2017").text
    assert sorted(project_titles(html)) == ["SYNTHETIC-ALPHA", "SYNTHETIC-BETA"]


def test_country_facet_counts_projects_with_events_there(browse_server):
    html = get(browse_server + "projects").text
    austria = re.search(r"<span>Austria</span><span class=\"count\">(\d+)</span>", html)
    assert austria and austria.group(1) == "2"  # HealthClusterNET (Graz) and Alpha (Graz)


def test_shown_sparql_is_the_query_that_made_the_list(browse_server):
    html = get(browse_server + "projects?status=finished").text
    query = html_lib.unescape(re.search(r"<pre><code>(.*?)</code></pre>", html, re.S).group(1))
    link = html_lib.unescape(re.search(r'<a href="([^"]+)">Run it at the SPARQL endpoint', html)[1])
    assert parse_qs(urlsplit(link).query)["query"] == [query]
    assert 'FILTER(STR(?status) IN ("finished"))' in query
    endpoint = SPARQLWrapper(link.split("?", 1)[0], returnFormat=JSON)
    endpoint.setQuery(query)
    answer = endpoint.query().convert()
    listed = {b["project"]["value"].rsplit("/", 1)[-1] for b in answer["results"]["bindings"]}
    assert listed == {"healthclusternet", "synthetic-beta"}
    assert sorted(project_titles(html)) == ["HealthClusterNET", "SYNTHETIC-BETA"]


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        ({"theme": "x> } ; DROP ALL ; SELECT * { <y"}, 4),  # not an IRI: ignored
        ({"status": 'finished")) } UNION { ?project ?p ?o FILTER(("'}, 0),  # one odd status
        ({"from": "2000; DROP"}, 4),
        ({"programme": "javascript:alert(1)>"}, 4),
    ],
)
def test_hostile_facet_values_never_change_the_query(browse_server, params, listed):
    html = get(browse_server + "projects", params=params).text
    query = html_lib.unescape(html.split("<pre><code>", 1)[1].split("</code>", 1)[0])
    prepareQuery(query)
    outside_literals = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
    assert "DROP" not in outside_literals and "UNION" not in outside_literals
    assert f">{listed} project{'' if listed == 1 else 's'}</h2>" in html


# ---------------------------------------------------------------- project page


def test_project_page_summary_has_the_keep_fields(browse_server):
    html = get(browse_server + PROJECT).text
    summary = html.split('id="summary-heading"', 1)[1].split("</dl>", 1)[0]
    for text in ["31 March 2005", "30 December 2007", "Finished", "674\u202f659.65 EUR", "44.7 %",
                 "Interreg IIIC West", "2000–2006", "12", "network website",
                 "HealthClusterNet on the KEEP platform"]:  # fmt: skip
        assert text in summary, text
    assert "names no partner organisations" in html


def test_timeline_lists_every_event_in_date_order_with_months_as_months(browse_server):
    html = get(browse_server + PROJECT).text
    timeline = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"<time[^>]*>([^<]+)</time>", timeline) == MONTHS
    assert '<time datetime="2005-06">' in timeline


def test_map_marks_every_event_city_and_a_table_repeats_them(browse_server):
    html = get(browse_server + PROJECT).text
    svg = html.split('<svg class="map"', 1)[1].split("</svg>", 1)[0]
    assert sorted(re.findall(r'data-place="([^"]+)"', svg)) == sorted(CITIES)
    table = html.split('id="places"', 1)[1].split("</table>", 1)[0]
    for city in CITIES:
        assert f">{city}</a></th>" in table
    assert "https://sws.geonames.org/3054643/" in table  # Budapest on GeoNames
    assert "http://data.europa.eu/nuts/code/HU110" in table


def test_literals_follow_accept_language_where_the_data_has_them(browse_server):
    # The data holds the themes' labels in English only: any language falls back to them.
    html = get(browse_server + "projects", headers={"Accept-Language": "fr-FR, fr;q=0.9"}).text
    assert "<span>Procurement</span>" in html
    response = get(browse_server + PROJECT, headers={"Accept-Language": "de"})
    assert "Accept-Language" in response.headers["Vary"]


# ---------------------------------------------------------------- home dashboard


def test_home_dashboard_charts_link_to_what_they_count(browse_server):
    html = get(browse_server).text
    assert "✔ valid" in html and "0 violations" in html
    years = html.split('id="svg-years"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r"<title>(\d{4}): (\d+)</title>", years)[:3] == [
        ("2005", "1"), ("2006", "1"), ("2007", "1")
    ]  # fmt: skip
    assert "<title>2017: 2</title>" in years
    countries = html.split('id="svg-countries"', 1)[1].split("</svg>", 1)[0]
    assert "<title>Austria: 2</title>" in countries
    for link in [".well-known/void", "dumps/", "sparql", "ontology"]:
        assert f'href="{browse_server}{link}"' in html, link


# ---------------------------------------------------------------- budget


@pytest.mark.parametrize("path", ["", PROJECT, "search?q=health", "projects"])
def test_pages_stay_under_200_kb(browse_server, path):
    response = get(browse_server + path)
    size = len(response.content) + len(get(browse_server + "static/browse.css").content)
    size += len(get(browse_server + "static/site.css").content)
    assert size < 200_000, f"{path or '/'}: {size} bytes"
    assert "<script" not in response.text.replace('<script type="application/ld+json">', "")
