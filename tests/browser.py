"""Headless Chromium for browser tests: Debian's ``/usr/bin/chromium`` driven by Playwright.

Installed by ``scripts/test-deps/10-chromium.sh`` (never ``playwright install``)::

    with chromium() as browser:
        page = browser.new_page()
        page.goto(url)

axe-core (npm) is installed by ``scripts/test-deps/20-axe-core.sh``; :func:`axe_violations`
injects it into a page and returns what it reports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

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
AXE = (
    Path(os.environ.get("HCN_TEST_CACHE", Path.home() / ".cache" / "hcn-ld"))
    / "axe-core/node_modules/axe-core/axe.min.js"
)
#: Where tests save screenshots (gitignored).
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def missing() -> str | None:
    """Why browser tests cannot run here (``None`` when they can)."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: run scripts/test-deps/10-chromium.sh (make test-deps)"
    if not AXE.exists():
        return f"{AXE} is missing: run scripts/test-deps/20-axe-core.sh (make test-deps)"
    return None


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
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


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``artifacts/screenshots/{name}.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def dump(value: object) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False)
