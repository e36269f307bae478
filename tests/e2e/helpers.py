"""Helpers for the browser journeys: sign in and out, check accessibility, keep screenshots."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
DEMO_PASSWORD = "passerelle-demo"  # the documented demo password

# What fails a journey: WCAG 2.x A and AA rules (and best practices) at these impacts.
BLOCKING_IMPACTS = ("serious", "critical")
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def url(live_server, path: str) -> str:
    return f"{live_server.url}{path}"


def sign_in(page: Page, live_server, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real sign-in page and wait until the next page is shown."""
    page.goto(url(live_server, "/accounts/login/"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.wait_for_load_state("load")


def sign_out(page: Page) -> None:
    """Sign out with the user menu of the header (a POST form), back to the sign-in page."""
    if page.locator("details.user-menu[open]").count() == 0:
        page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def axe_check(
    page: Page, *, context: str | None = None, impacts: tuple[str, ...] = BLOCKING_IMPACTS
) -> list[dict]:
    """Run axe-core (vendored, never downloaded) on the current page, or on the part of it that
    the CSS selector `context` names; return the violations at the given impacts, each reduced
    to what a person needs to fix it."""
    # Judge the page as a person sees it: stylesheets applied and fonts loaded, or sizes and
    # contrasts are measured on a half-laid-out page.
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)",
        [context, AXE_OPTIONS],
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]],
            "summary": [node.get("failureSummary", "") for node in violation["nodes"]][:3],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]


def assert_accessible(page: Page, context: str | None = None) -> None:
    violations = axe_check(page, context=context)
    listed = "\n".join(f"- {v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in violations)
    assert not violations, f"axe-core: serious or critical violations on {page.url}:\n{listed}"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ (git-ignored) to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
