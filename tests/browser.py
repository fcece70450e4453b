"""Headless Debian Chromium driven by Playwright, with no network beyond 127.0.0.1.

Chromium comes from Debian (``scripts/test-deps/10-chromium.sh``), never ``playwright install``::

    with browser_page() as page:
        page.goto(base_url + "sparql")
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

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
