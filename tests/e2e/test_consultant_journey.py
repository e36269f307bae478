"""The consultant's first minutes: sign in, the dashboard, accessibility, organisation switching,
sign out (issue 2). Later issues add their journeys beside this one."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, screenshot, sign_in, sign_out


def test_consultant_signs_in_sees_the_dashboard_and_signs_out(page, live_server, demo):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    screenshot(page, "01-connexion")
    assert_accessible(page)

    sign_in(page, live_server, "consultant@cap-avenir.test")
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    expect(page).to_have_title(re.compile("Mon portefeuille"))
    expect(page.get_by_role("heading", name="Mon portefeuille", exact=True).first).to_be_visible()
    expect(page.locator("header")).to_contain_text("Cap Avenir")
    # A single-organisation consultant has no switcher.
    expect(page.get_by_role("combobox", name="Organisation")).to_have_count(0)
    screenshot(page, "02-tableau-de-bord-consultant")
    assert_accessible(page)

    page.locator(".user-menu summary").click()
    screenshot(page, "03-menu-utilisateur")
    # The open menu itself (it covers part of the page, as any drop-down menu does).
    assert_accessible(page, context=".site-header")

    sign_out(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.goto(live_server.url + "/tableau-de-bord/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_freelance_consultant_switches_organisation(page, live_server, demo):
    sign_in(page, live_server, "independant@passerelle.test")
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    switcher = page.get_by_role("combobox", name="Organisation")
    expect(switcher).to_be_visible()
    current = switcher.locator("option:checked").inner_text().strip()
    other = "Horizon Bilans" if current == "Cap Avenir" else "Cap Avenir"
    expect(page.locator("main")).to_contain_text(current)
    screenshot(page, "04-tableau-de-bord-independant")
    assert_accessible(page)

    switcher.select_option(label=other)
    page.get_by_role("button", name="Changer").click()
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Vous travaillez maintenant pour {other}")
    expect(page.locator("main")).to_contain_text(other)
    expect(
        page.get_by_role("combobox", name="Organisation").locator("option:checked")
    ).to_have_text(other)
    screenshot(page, "05-organisation-changee")
    assert_accessible(page)

    # The choice lives in the session: it survives a new page load.
    page.reload()
    expect(page.locator("main")).to_contain_text(other)
    expect(
        page.get_by_role("combobox", name="Organisation").locator("option:checked")
    ).to_have_text(other)

    sign_out(page)
