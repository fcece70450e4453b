"""Headless Debian Chromium driven by Playwright, with no network beyond 127.0.0.1.

Chromium comes from Debian (``scripts/test-deps/10-chromium.sh``), never ``playwright install``::

    with browser_page() as page:
        page.goto(base_url + "sparql")
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def require_chromium() -> None:
    """Fail clearly when Chromium is missing (``make test-deps`` installs it)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: run 'make test-deps' (scripts/test-deps/10-chromium.sh)")


@contextmanager
def browser_page(blocked: list[str] | None = None) -> Iterator[object]:
    """A fresh page; requests to anything but 127.0.0.1 fail (and are listed in ``blocked``)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()

            def only_local(route) -> None:
                host = urlsplit(route.request.url).hostname
                if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
                    route.continue_()
                else:
                    if blocked is not None:
                        blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local)
            yield page
        finally:
            browser.close()


# ------------------------------------------------- whole browsers, axe-core, screenshots

AXE = (
    Path(os.environ.get("HCN_TEST_CACHE", Path.home() / ".cache" / "hcn-ld"))
    / "axe-core/node_modules/axe-core/axe.min.js"
)
#: Where tests save screenshots (gitignored).
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@contextmanager
def chromium() -> Iterator[object]:
    """A whole headless browser (for several contexts: phone viewport, JavaScript off)."""
    require_chromium()
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run 'make test-deps' (scripts/test-deps/20-axe-core.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of the given impacts on the loaded page (id, impact, nodes)."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``artifacts/screenshots/{name}.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
