"""Invitations: an organisation admin invites a consultant by email; the link works once.

Real services, real views, the real database and Django's test outbox.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.middleware import SESSION_KEY as ORG_SESSION_KEY
from accounts.models import Invitation, Membership, Role, User, memberships_of
from core.tenancy import organisation_scope
from core.tokens import hash_token
from tests.accounts.conftest import links_in, messages_of, path_of
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

NEW_EMAIL = "nouvelle.consultante@example.test"
NEW_PASSWORD = "un-mot-de-passe-tout-neuf-42"
INVALID_TEXT = "Ce lien n'est plus valable"


@pytest.fixture
def invite(side_a, django_capture_on_commit_callbacks, mailoutbox):
    """Invite someone to organisation A as its admin; the email really goes out (on commit)."""

    def _invite(email: str = NEW_EMAIL, role: str = Role.CONSULTANT, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            sent = services.invite_member(side_a.organisation, email, role, by or side_a.admin)
        return sent

    return _invite


def token_of(sent) -> str:
    return sent.url.rstrip("/").rsplit("/", 1)[-1]


def accept_form(**overrides):
    data = {
        "first_name": "Nadia",
        "last_name": "Rousseau",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


# --- The email -------------------------------------------------------------------------------


def test_invitation_email_is_french_with_text_and_html(side_a, invite, mailoutbox):
    sent = invite()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [NEW_EMAIL]
    assert message.reply_to == [side_a.admin.email]
    assert message.subject == f"Invitation à rejoindre {side_a.organisation.name} sur Passerelle"
    # Text part: French, with the link.
    assert "Bonjour" in message.body
    assert "vous invite à rejoindre" in message.body
    assert sent.url in message.body
    assert links_in(message) == [sent.url]
    assert "{{" not in message.body
    assert "{%" not in message.body
    # HTML part: French, with the same link.
    html = [c for c, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html) == 1
    assert '<html lang="fr">' in html[0]
    assert sent.url in html[0]
    assert "Accepter l'invitation" in html[0].replace("&#x27;", "'")
    assert "{{" not in html[0]


def test_only_the_hash_of_the_token_is_stored(side_a, invite):
    sent = invite()
    token = token_of(sent)
    invitation = Invitation.objects.unscoped().get(pk=sent.invitation.pk)
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.organisation == side_a.organisation
    assert invitation.invited_by == side_a.admin
    assert invitation.expires_at > timezone.now() + timedelta(days=6)


def test_no_email_is_sent_when_the_transaction_rolls_back(side_a, mailoutbox):
    # The email is sent on commit: an invitation that was never saved sends nothing.
    services.invite_member(side_a.organisation, NEW_EMAIL, Role.CONSULTANT, side_a.admin)
    assert mailoutbox == []


# --- Who may invite whom ---------------------------------------------------------------------


def test_a_consultant_cannot_invite(side_a, mailoutbox):
    with pytest.raises(PermissionDenied):
        services.invite_member(side_a.organisation, NEW_EMAIL, Role.CONSULTANT, side_a.consultant)
    assert not Invitation.objects.unscoped().exists()


def test_an_admin_of_another_organisation_cannot_invite(side_a, side_b):
    with pytest.raises(PermissionDenied):
        services.invite_member(side_a.organisation, NEW_EMAIL, Role.CONSULTANT, side_b.admin)


def test_an_existing_member_cannot_be_invited_again(side_a):
    with pytest.raises(ValidationError) as error:
        services.invite_member(
            side_a.organisation, side_a.consultant.email.upper(), Role.CONSULTANT, side_a.admin
        )
    assert "déjà membre" in str(error.value)
    assert not Invitation.objects.unscoped().exists()


def test_an_invalid_address_is_refused(side_a):
    with pytest.raises(ValidationError):
        services.invite_member(
            side_a.organisation, "pas-une-adresse", Role.CONSULTANT, side_a.admin
        )


def test_a_member_of_another_organisation_can_be_invited(side_a, side_b, invite, mailoutbox):
    sent = invite(side_b.consultant.email)
    assert sent.invitation.email == side_b.consultant.email


def test_platform_staff_can_invite_an_admin(side_a, platform_staff, invite):
    sent = invite("directrice@example.test", Role.ADMIN, by=platform_staff)
    assert sent.invitation.role == Role.ADMIN


# --- The link: GET shows, POST spends ----------------------------------------------------------


def test_get_shows_the_page_and_does_not_spend_the_token(client, side_a, invite):
    sent = invite()
    url = path_of(sent.url)
    for _ in range(3):  # a mail scanner, a preview, the person
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert f"Rejoindre {side_a.organisation.name}" in body
        assert NEW_EMAIL in body
        assert "Créer mon compte" in body
    invitation = Invitation.objects.unscoped().get(pk=sent.invitation.pk)
    assert invitation.used_at is None
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_post_creates_the_account_verified_member_and_signed_in(client, side_a, invite):
    sent = invite()
    response = client.post(path_of(sent.url), accept_form(), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("dashboard")

    user = User.objects.get(email=NEW_EMAIL)
    assert (user.first_name, user.last_name) == ("Nadia", "Rousseau")
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    assert EmailAddress.objects.get(user=user, email=NEW_EMAIL).verified
    membership = memberships_of(user).get()
    assert membership.organisation == side_a.organisation
    assert membership.role == Role.CONSULTANT
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    assert client.session[ORG_SESSION_KEY] == str(side_a.organisation.pk)
    assert Invitation.objects.unscoped().get(pk=sent.invitation.pk).used_at is not None
    assert any("Bienvenue" in m for m in messages_of(response))
    assert side_a.organisation.name in response.content.decode()

    # The new account signs in with its password afterwards.
    client.logout()
    client.post(reverse("account_login"), {"login": NEW_EMAIL, "password": NEW_PASSWORD})
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)


def test_an_invited_admin_gets_admin_access(client, side_a, invite):
    sent = invite("adjoint@example.test", Role.ADMIN)
    client.post(path_of(sent.url), accept_form())
    user = User.objects.get(email="adjoint@example.test")
    assert user.is_staff
    assert memberships_of(user).get().role == Role.ADMIN
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "autre-chose-encore-42"}, "password2"),
        ({"password1": "court", "password2": "court"}, "password1"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_invalid_form_shows_french_errors_and_spends_nothing(
    client, side_a, invite, overrides, field
):
    sent = invite()
    response = client.post(path_of(sent.url), accept_form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "Votre formulaire contient" in response.content.decode()
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert Invitation.objects.unscoped().get(pk=sent.invitation.pk).used_at is None


def test_a_reused_link_is_no_longer_valid(client, side_a, invite):
    sent = invite()
    client.post(path_of(sent.url), accept_form())
    client.logout()
    for method in ("get", "post"):
        response = getattr(client, method)(path_of(sent.url), accept_form(first_name="Autre"))
        assert response.status_code == 410
        assert INVALID_TEXT in response.content.decode()
    assert User.objects.filter(email=NEW_EMAIL).count() == 1


def test_an_expired_link_is_no_longer_valid(client, side_a, invite, settings):
    sent = invite()
    later = timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        for method in ("get", "post"):
            response = getattr(client, method)(path_of(sent.url), accept_form())
            assert response.status_code == 410
            assert INVALID_TEXT in response.content.decode()
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_a_link_still_works_just_before_it_expires(client, side_a, invite, settings):
    sent = invite()
    later = timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS, minutes=-1)
    with time_machine.travel(later, tick=False):
        response = client.get(path_of(sent.url))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t[:-4],
        lambda t: t + "x",
        lambda t: "x" * len(t),
    ],
    ids=["changed", "shortened", "lengthened", "made-up"],
)
def test_a_tampered_token_is_no_longer_valid(client, side_a, invite, mangle):
    sent = invite()
    url = reverse("accept_invitation", args=[mangle(token_of(sent))])
    for method in ("get", "post"):
        response = getattr(client, method)(url, accept_form())
        assert response.status_code == 410
        assert INVALID_TEXT in response.content.decode()
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_the_service_refuses_a_spent_token(side_a, invite):
    sent = invite()
    services.accept_invitation(token_of(sent), password=NEW_PASSWORD)
    with pytest.raises(ValidationError):
        services.accept_invitation(token_of(sent), password=NEW_PASSWORD)


# --- Existing accounts: sign in, then accept ------------------------------------------------------


@pytest.fixture
def freelance(side_b):
    """A consultant of organisation B, invited to A as well."""
    return side_b.consultant


def test_an_existing_account_must_sign_in_first(client, side_a, side_b, freelance, invite):
    sent = invite(freelance.email)
    url = path_of(sent.url)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Un compte existe déjà pour cette adresse" in body
    assert "Créer mon compte" not in body

    # Posting the form anonymously neither creates an account nor spends the link.
    response = client.post(url, accept_form())
    assert response.status_code == 200
    assert User.objects.filter(email=freelance.email).count() == 1
    assert memberships_of(freelance).count() == 1
    assert Invitation.objects.unscoped().get(pk=sent.invitation.pk).used_at is None

    # Sign in through the page's own link, come back, accept.
    login_url = f"{reverse('account_login')}?next={url}"
    assert login_url in body
    response = client.post(login_url, {"login": freelance.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Accepter l'invitation" in response.content.decode().replace("&#x27;", "'")
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")

    organisations = {m.organisation for m in memberships_of(freelance)}
    assert organisations == {side_a.organisation, side_b.organisation}
    # The dashboard now works for organisation A.
    assert side_a.organisation.name in response.content.decode()
    assert client.session[ORG_SESSION_KEY] == str(side_a.organisation.pk)


def test_signed_in_as_someone_else_cannot_accept_for_an_existing_account(
    client, side_a, side_b, freelance, invite
):
    sent = invite(freelance.email)
    client.force_login(side_b.admin)
    client.post(path_of(sent.url))
    assert memberships_of(freelance).count() == 1
    assert not memberships_of(side_b.admin).filter(organisation=side_a.organisation).exists()
    assert Invitation.objects.unscoped().get(pk=sent.invitation.pk).used_at is None


def test_the_service_refuses_another_users_acceptance(side_a, side_b, freelance, invite):
    sent = invite(freelance.email)
    with pytest.raises(ValidationError):
        services.accept_invitation(token_of(sent), user=side_b.admin)
    with pytest.raises(ValidationError):
        services.accept_invitation(token_of(sent), password="anything-goes-here")


def test_an_invitation_never_downgrades_an_existing_membership(side_a, invite):
    organisation = OrganisationFactory(slug="gamma", name="Gamma")
    person = UserFactory(email="double@example.test")
    MembershipFactory(organisation=organisation, user=person, role=Role.ADMIN)
    sent = invite(person.email)
    services.accept_invitation(token_of(sent), user=person)
    with organisation_scope(organisation):
        assert Membership.objects.get(user=person).role == Role.ADMIN
    with organisation_scope(side_a.organisation):
        assert Membership.objects.get(user=person).role == Role.CONSULTANT
