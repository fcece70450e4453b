"""The YASGUI query page in headless Chromium, with the network cut off: it loads, runs an
example query and shows its rows."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from hcn_ld.web.sparql import examples
from tests.support.browser import browser_page
from tests.support.server import running_server


@pytest.fixture(scope="module")
def base_url(built_store: Path):
    with running_server(built_store) as url:
        yield url


def test_query_ui_runs_an_example_and_shows_rows(base_url: str):
    blocked: list[str] = []
    errors: list[str] = []
    with browser_page(blocked) as page:
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(base_url + "sparql", wait_until="load")
        page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
        timeline = next(e for e in examples() if e.name == "03-events-timeline")
        page.select_option("#examples", timeline.name)
        rows = page.locator(".yasr table tbody tr")
        rows.first.wait_for(timeout=20_000)
        assert rows.count() == 10
        assert "Final conference" in page.locator(".yasr").inner_text()
    assert not errors, errors
    assert not blocked, f"the page tried to reach the network: {blocked}"


def test_sparql_link_opens_the_ui_on_that_query(base_url: str):
    with browser_page() as page:
        query = "SELECT ?label WHERE { ?p a <http://data.europa.eu/s66#Project> ; "
        query += "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
        page.goto(base_url + "sparql?" + urlencode({"query": query}))
        page.locator(".yasr table tbody tr").first.wait_for(timeout=20_000)
        assert "HealthClusterNET" in page.locator(".yasr").inner_text()
