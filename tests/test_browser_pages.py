"""The pages in a real browser: Debian's Chromium driven by Playwright, checked with axe-core.

Screenshots of the home page, a project page and the search page are saved to
``artifacts/screenshots/`` (gitignored) for people to look at.
"""

from __future__ import annotations

import json

import pytest

from tests.support.browser import axe_violations, chromium, screenshot
from tests.test_browse import CITIES, PROJECT

PAGES = ["", PROJECT, "search?q=health", "projects", "projects?status=planned"]


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A fresh desktop page that records console errors and failed requests; the test fails
    if any occurred."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    yield opened
    context.close()
    assert problems == [], f"console errors: {problems}"


def test_search_for_health_finds_healthclusternet(page, browse_server):
    page.goto(browse_server)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Search").click()
    box = page.get_by_role("searchbox", name="Search projects")
    box.fill("health")
    box.press("Enter")
    page.wait_for_url("**/search?q=health")
    hits = page.locator("ol.hits > li")
    assert hits.count() >= 2
    first = hits.first.locator("a.hit-title")
    assert first.inner_text() == "HealthClusterNET"
    assert hits.first.locator("mark").count() >= 1
    screenshot(page, "search")
    first.click()
    page.wait_for_url(f"**/{PROJECT}")


def test_choosing_a_facet_narrows_the_list_and_the_url_reopens(page, browser, browse_server):
    page.goto(browse_server + "projects")
    items = page.locator("ol.project-list > li")
    assert items.count() == 4
    choice = page.locator('a[data-facet="theme"]', has_text="Procurement")
    choice.focus()
    page.keyboard.press("Enter")  # keyboard works as well as the mouse
    page.wait_for_url("**/projects?theme=*")
    narrowed = sorted(items.all_inner_texts())
    assert len(narrowed) == 3  # HealthClusterNET and two synthetic projects
    assert page.locator('a[data-facet="theme"][aria-current="true"]').count() == 1
    shared = page.url
    again = browser.new_page()
    again.goto(shared)
    assert sorted(again.locator("ol.project-list > li").all_inner_texts()) == narrowed
    again.close()
    page.get_by_role("link", name="Remove Theme: Procurement").click()
    page.wait_for_url("**/projects")
    assert items.count() == 4


def test_project_page_timeline_in_date_order_and_map_with_every_city(page, browse_server):
    page.goto(browse_server + PROJECT)
    times = page.locator("#timeline time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert len(times) == 10 and times == sorted(times)
    assert page.locator("#timeline time").first.inner_text() == "June 2005"
    markers = page.locator("svg.map a.place")
    assert sorted(markers.evaluate_all("ms => ms.map(m => m.dataset.place)")) == sorted(CITIES)
    for marker in markers.all():
        box = marker.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
    map_box = page.locator("svg.map").bounding_box()
    assert map_box and map_box["width"] > 300
    assert page.locator("#places tbody tr").count() == len(CITIES)
    screenshot(page, "project")


def test_home_charts_render(page, browse_server):
    page.goto(browse_server)
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    for chart in charts.all():
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20
        widths = chart.locator("rect.bar").evaluate_all(
            "rs => rs.map(r => r.getBoundingClientRect().width)"
        )
        assert widths and min(widths) > 0
    assert page.locator("#validation").inner_text().startswith("Latest build: ✔ valid")
    screenshot(page, "home")


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, browse_server, path):
    page.goto(browse_server + path)
    assert page.locator("main").count() == 1 and page.locator("nav").count() >= 1
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


@pytest.mark.parametrize("path", PAGES)
def test_readable_on_a_phone(browser, browse_server, path):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(browse_server + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path or '/'} scrolls sideways by {overflow}px"
    if path == PROJECT:
        screenshot(phone, "project-phone")
    context.close()


def test_pages_work_with_javascript_off(browser, browse_server):
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(browse_server + PROJECT)
    assert plain.locator("svg.map a.place").count() == len(CITIES)
    assert plain.locator("#timeline li").count() == 10
    plain.goto(browse_server + "projects")
    plain.locator('a[data-facet="status"]', has_text="Planned").click()
    assert plain.locator("ol.project-list > li").count() == 1
    plain.goto(browse_server + "search?q=graz")
    assert plain.locator("ol.hits a.hit-title").first.inner_text() == "Graz"
    context.close()
