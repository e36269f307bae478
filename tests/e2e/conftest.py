"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server. Every test in this folder is marked `e2e` (`make test-fast` leaves them out).

Nothing is downloaded: the browser is the system's /usr/bin/chromium (`apt-get install chromium`;
.ci/run installs it) and axe-core is vendored under vendor/. Without Chromium the tests are skipped,
except in CI (the CI variable is set), where a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.helpers import axe_check, screenshot, sign_in, sign_out

__all__ = ["axe_check", "screenshot", "sign_in", "sign_out"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
E2E_DIR = Path(__file__).resolve().parent
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the tests of this folder, closed after the last of them."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install -y chromium (the browser tests need it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API runs, an asyncio loop runs in the test thread, and Django's
    # async-safety guard then refuses every ORM call the test itself makes (fixtures such as
    # `demo`, assertions). The test thread serves no request (the live server has its own
    # threads), so the guard is lifted, for the browser tests only: other tests, and the
    # subprocesses they start, keep it.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh browser context per test (no cookies carried over), as a French user in Paris."""
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
        # Lets axe-core be injected even once a Content-Security-Policy forbids inline scripts.
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def demo(transactional_db):
    """The demo organisations and accounts (`manage.py seed_demo`) in the test database."""
    call_command("seed_demo", stdout=io.StringIO())
