"""Organisation switching: the choice lives in the session and only ever names a membership."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Role
from core import tenancy
from tests.accounts.conftest import messages_of
from tests.factories import MembershipFactory, UserFactory

SWITCH = reverse("switch_organisation")
DASHBOARD = reverse("dashboard")


@pytest.fixture
def freelance(side_a, side_b):
    """A consultant working for both organisations."""
    user = UserFactory(email="independant@example.test", first_name="Inès")
    MembershipFactory(organisation=side_a.organisation, user=user, role=Role.CONSULTANT)
    MembershipFactory(organisation=side_b.organisation, user=user, role=Role.CONSULTANT)
    return user


def current_organisation_name(response) -> str:
    return response.context["current_organisation"].name


def test_the_switcher_lists_both_organisations(client, side_a, side_b, freelance):
    client.force_login(freelance)
    response = client.get(DASHBOARD)
    html = response.content.decode()
    assert f'action="{SWITCH}"' in html
    assert f'value="{side_a.organisation.pk}"' in html
    assert f'value="{side_b.organisation.pk}"' in html


def test_single_organisation_people_see_no_switcher(client, side_a):
    client.force_login(side_a.consultant)
    html = client.get(DASHBOARD).content.decode()
    assert f'action="{SWITCH}"' not in html
    assert side_a.organisation.name in html


def test_switching_changes_the_dashboard(client, side_a, side_b, freelance):
    client.force_login(freelance)
    response = client.get(DASHBOARD)
    first = response.context["current_organisation"]
    other = side_b.organisation if first == side_a.organisation else side_a.organisation

    response = client.post(SWITCH, {"organisation": str(other.pk)}, follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert current_organisation_name(response) == other.name
    assert f"Vous travaillez maintenant pour {other.name}." in messages_of(response)
    assert client.session[SESSION_KEY] == str(other.pk)
    # The choice sticks for later requests...
    response = client.get(DASHBOARD)
    assert current_organisation_name(response) == other.name
    assert f'<p class="eyebrow">{other.name}</p>' in response.content.decode()
    # ...and switching back works.
    response = client.post(SWITCH, {"organisation": str(first.pk)}, follow=True)
    assert current_organisation_name(response) == first.name


@pytest.mark.parametrize("value", ["foreign", "unknown", "not-a-uuid", ""])
def test_an_organisation_they_do_not_belong_to_is_refused(client, side_a, side_b, value):
    client.force_login(side_a.consultant)
    client.get(DASHBOARD)
    before = dict(client.session.items())
    organisation = {
        "foreign": str(side_b.organisation.pk),
        "unknown": str(uuid.uuid4()),
    }.get(value, value)
    response = client.post(SWITCH, {"organisation": organisation}, follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "Vous n'êtes pas membre de cette organisation." in messages_of(response)
    assert current_organisation_name(response) == side_a.organisation.name
    assert client.session.get(SESSION_KEY) == before.get(SESSION_KEY)
    assert side_b.organisation.name not in response.content.decode()


def test_switching_needs_a_post(client, freelance, side_b):
    client.force_login(freelance)
    response = client.get(SWITCH, {"organisation": str(side_b.organisation.pk)})
    assert response.status_code == 405
    assert SESSION_KEY not in client.session


def test_anonymous_visitors_cannot_switch(client, side_b):
    response = client.post(SWITCH, {"organisation": str(side_b.organisation.pk)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_stale_choice_falls_back_to_a_real_membership(client, side_a, side_b, freelance):
    # The membership the session names was removed: the user works in the one they still have.
    client.force_login(freelance)
    client.post(SWITCH, {"organisation": str(side_b.organisation.pk)})
    from accounts.models import Membership

    Membership.objects.unscoped().filter(user=freelance, organisation=side_b.organisation).delete()
    response = client.get(DASHBOARD)
    assert current_organisation_name(response) == side_a.organisation.name


def test_the_scope_follows_the_choice_and_is_reset_after_the_request(
    client, side_a, side_b, freelance
):
    client.force_login(freelance)
    client.post(SWITCH, {"organisation": str(side_b.organisation.pk)})
    response = client.get(DASHBOARD)
    assert response.wsgi_request.organisation == side_b.organisation
    assert tenancy.current_organisation() is None
