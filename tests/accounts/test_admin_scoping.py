"""Django admin scoping: platform staff see every organisation, an organisation admin only theirs.

The walk is generic: every organisation-owned model registered in the admin is tried with an
object of organisation A (made by its maker in tests/admin_makers.py) against organisation B's
admin. A registered tenant model without a maker fails the walk.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from django import forms
from django.contrib import admin
from django.core import serializers
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Invitation, Membership, Organisation, Role, User, memberships_of
from core.tenancy import TenantModel, organisation_scope
from tests.admin_makers import ADMIN_MAKERS
from tests.factories import PASSWORD, MembershipFactory, UserFactory

OWN_ACCOUNT_MODELS = {User, Organisation}  # non-tenant models an organisation admin may see


def params(pairs):
    return [pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in pairs]


def tenant_admins() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if issubclass(model, TenantModel)
        ),
        key=lambda pair: pair[0]._meta.label,
    )


def other_admins() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if not issubclass(model, TenantModel) and model not in OWN_ACCOUNT_MODELS
        ),
        key=lambda pair: pair[0]._meta.label,
    )


def url(model: type[models.Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def fingerprint(*objects: models.Model) -> str:
    rows = [type(o)._default_manager.model._base_manager.filter(pk=o.pk) for o in objects]
    digest = hashlib.sha256()
    for qs in rows:
        digest.update(serializers.serialize("json", qs).encode())
    return digest.hexdigest()


def option_values(html: str) -> set[str]:
    return set(re.findall(r'<option value="([^"]+)"', html))


def form_data(response) -> dict:
    """The admin form's current values, ready to post back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled or isinstance(field, forms.FileField):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


def make(model: type[models.Model], side) -> models.Model:
    label = model._meta.label
    if label not in ADMIN_MAKERS:
        # test_every_registered_tenant_model_has_a_maker fails for it, with the full list.
        pytest.skip(f"{label} has no maker in tests/admin_makers.py")
    obj = ADMIN_MAKERS[label](side)
    assert isinstance(obj, model), f"the maker of {model._meta.label} returned {obj!r}"
    assert obj.organisation_id == side.organisation.pk
    return obj


def admin_request(user, organisation):
    """A request as the middleware leaves it, for calling ModelAdmin methods directly."""
    request = RequestFactory().get("/admin/")
    request.user = user
    request.memberships = list(memberships_of(user))
    request.membership = next(
        (m for m in request.memberships if m.organisation_id == organisation.pk), None
    )
    request.organisation = organisation
    return request


# --- The registry ------------------------------------------------------------------------------


def test_every_registered_tenant_model_has_a_maker():
    missing = [
        model._meta.label for model, _ in tenant_admins() if model._meta.label not in ADMIN_MAKERS
    ]
    assert not missing, f"add a maker in tests/admin_makers.py for: {missing}"


def test_the_walk_covers_the_accounts_models():
    labels = {model._meta.label for model, _ in tenant_admins()}
    assert {"accounts.Membership", "accounts.Invitation"} <= labels


# --- The generic walk --------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "model_admin"), params(tenant_admins()))
def test_another_organisations_admin_cannot_see_or_open_the_row(
    client, side_a, side_b, model, model_admin
):
    foreign = make(model, side_a)
    own = make(model, side_b)
    before = fingerprint(foreign)
    client.force_login(side_b.admin)

    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert str(foreign.pk) not in body
    assert str(own.pk) in body
    assert side_a.organisation.name not in body

    # Even a search or a filter by the foreign row's organisation shows nothing of it.
    response = client.get(
        url(model, "changelist"),
        {"q": str(foreign), "organisation__id__exact": side_a.organisation.pk},
    )
    assert str(foreign.pk) not in response.content.decode()

    for view in ("change", "delete", "history"):
        response = client.get(url(model, view, foreign.pk))
        assert response.status_code in (302, 403, 404), f"{view}: {response.status_code}"
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index")
        response = client.post(url(model, view, foreign.pk), {"post": "yes"})
        assert response.status_code in (302, 403, 404), f"POST {view}: {response.status_code}"

    # The changelist's delete action with a foreign id deletes nothing.
    client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(foreign.pk)], "post": "yes"},
    )
    assert model._base_manager.filter(pk=foreign.pk).exists()
    assert fingerprint(foreign) == before


@pytest.mark.parametrize(("model", "model_admin"), params(tenant_admins()))
def test_platform_staff_see_every_organisation(
    client, side_a, side_b, platform_staff, model, model_admin
):
    rows = [make(model, side_a), make(model, side_b)]
    client.force_login(platform_staff)
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    for row in rows:
        assert str(row.pk) in body
    # ...and may filter by organisation.
    response = client.get(
        url(model, "changelist"), {"organisation__id__exact": side_a.organisation.pk}
    )
    body = response.content.decode()
    assert str(rows[0].pk) in body
    assert str(rows[1].pk) not in body
    for row in rows:
        assert client.get(url(model, "change", row.pk)).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), params(tenant_admins()))
def test_organisation_admins_never_see_the_organisation_field(
    client, side_a, side_b, model, model_admin
):
    own = make(model, side_b)
    client.force_login(side_b.admin)
    pages = [url(model, "change", own.pk), url(model, "add")]
    for page in pages:
        response = client.get(page)
        if response.status_code == 403:
            continue  # e.g. memberships are added by invitation only
        assert response.status_code == 200, page
        html = response.content.decode()
        assert 'name="organisation"' not in html, page
        assert side_a.organisation.name not in html, page


@pytest.mark.parametrize(("model", "model_admin"), params(tenant_admins()))
def test_foreign_key_choices_never_offer_another_organisations_rows(
    client, side_a, side_b, model, model_admin
):
    foreign = make(model, side_a)
    own = make(model, side_b)
    a_only_users = {str(u.pk) for u in (side_a.admin, side_a.consultant)}
    foreign_values = a_only_users | {str(foreign.pk), str(side_a.organisation.pk)}

    # Through the pages...
    client.force_login(side_b.admin)
    for page in (url(model, "change", own.pk), url(model, "add")):
        response = client.get(page)
        if response.status_code == 200:
            assert not option_values(response.content.decode()) & foreign_values, page

    # ...and through every relation of the model, whether the form shows it today or not.
    request = admin_request(side_b.admin, side_b.organisation)
    with organisation_scope(side_b.organisation):
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.remote_field):
                continue
            if field.many_to_many:
                formfield = model_admin.formfield_for_manytomany(field, request)
            elif field.many_to_one or field.one_to_one:
                formfield = model_admin.formfield_for_foreignkey(field, request)
            else:
                continue
            if formfield is None:
                continue
            related = field.remote_field.model
            choices = list(formfield.queryset)
            if related is Organisation:
                assert choices == [side_b.organisation], field.name
            elif related is User:
                assert not {str(u.pk) for u in choices} & a_only_users, field.name
            elif issubclass(related, TenantModel):
                assert all(c.organisation_id == side_b.organisation.pk for c in choices), field.name


@pytest.mark.parametrize(("model", "model_admin"), params(other_admins()))
def test_organisation_admins_cannot_open_platform_models(
    client, side_a, platform_staff, model, model_admin
):
    # allauth's email addresses and authenticators, groups, periodic tasks...: platform only.
    client.force_login(side_a.admin)
    assert client.get(url(model, "changelist")).status_code == 403
    client.force_login(platform_staff)
    assert client.get(url(model, "changelist")).status_code == 200


# --- Entering the admin ------------------------------------------------------------------------


def test_a_consultant_cannot_enter_the_admin(client, side_a):
    client.force_login(side_a.consultant)
    response = client.get(reverse("admin:index"))
    assert response.status_code in (302, 403)
    for model, _ in [*tenant_admins(), (User, None), (Organisation, None)]:
        response = client.get(url(model, "changelist"))
        assert response.status_code in (302, 403), model._meta.label
    assert "Administration" not in client.get(reverse("dashboard")).content.decode()


def test_a_consultant_who_is_staff_still_cannot_enter(client, side_a):
    User.objects.filter(pk=side_a.consultant.pk).update(is_staff=True)
    client.force_login(side_a.consultant)
    assert client.get(reverse("admin:index")).status_code in (302, 403)
    assert client.get(url(Membership, "changelist")).status_code in (302, 403)


def test_an_admin_works_in_the_admin_only_for_the_organisation_they_administer(
    client, side_a, side_b
):
    # Admin of A, consultant of B: with B chosen, the admin is closed.
    MembershipFactory(organisation=side_b.organisation, user=side_a.admin, role=Role.CONSULTANT)
    client.force_login(side_a.admin)
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("switch_organisation"), {"organisation": str(side_b.organisation.pk)})
    assert client.get(reverse("admin:index")).status_code in (302, 403)


def test_the_admin_sign_in_page_goes_through_allauth(client, side_a):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Posting credentials to the admin's own form signs nobody in (it would skip MFA).
    client.post(reverse("admin:login"), {"username": side_a.admin.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_admin_index_lists_only_what_an_organisation_admin_may_use(client, side_a):
    client.force_login(side_a.admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    models_shown = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert models_shown >= {"Membership", "Invitation", "Organisation", "User"}
    assert not models_shown & {m.__name__ for m, _ in other_admins()}


# --- Organisations -----------------------------------------------------------------------------


def test_platform_staff_see_and_add_organisations(client, side_a, side_b, platform_staff):
    client.force_login(platform_staff)
    body = client.get(url(Organisation, "changelist")).content.decode()
    assert side_a.organisation.name in body
    assert side_b.organisation.name in body
    assert client.get(url(Organisation, "add")).status_code == 200


def test_organisation_admins_see_only_their_organisation(client, side_a, side_b):
    client.force_login(side_b.admin)
    body = client.get(url(Organisation, "changelist")).content.decode()
    assert side_b.organisation.name in body
    assert side_a.organisation.name not in body
    response = client.get(url(Organisation, "change", side_a.organisation.pk))
    assert response.status_code in (302, 404)
    assert client.get(url(Organisation, "add")).status_code == 403
    assert client.get(url(Organisation, "delete", side_b.organisation.pk)).status_code == 403


def test_organisation_admins_edit_their_settings_but_not_the_slug(client, side_b):
    organisation = side_b.organisation
    client.force_login(side_b.admin)
    response = client.get(url(Organisation, "change", organisation.pk))
    assert response.status_code == 200
    assert 'name="slug"' not in response.content.decode()
    data = form_data(response)
    data.update(name="Beta Conseil et Bilans", slug="pirate", require_mfa="on")
    response = client.post(url(Organisation, "change", organisation.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation.refresh_from_db()
    assert organisation.name == "Beta Conseil et Bilans"
    assert organisation.slug == "beta"
    assert organisation.require_mfa


# --- Memberships ---------------------------------------------------------------------------


def test_organisation_admins_cannot_add_memberships_directly(client, side_a, side_b):
    client.force_login(side_b.admin)
    assert client.get(url(Membership, "add")).status_code == 403
    response = client.post(
        url(Membership, "add"),
        {"user": side_a.consultant.pk, "role": Role.ADMIN, "organisation": side_b.organisation.pk},
    )
    assert response.status_code == 403
    assert not memberships_of(side_a.consultant).filter(organisation=side_b.organisation).exists()


def own_membership(side) -> Membership:
    return memberships_of(side.admin).get(organisation=side.organisation)


def test_organisation_admins_cannot_change_their_own_role(client, side_b):
    membership = own_membership(side_b)
    client.force_login(side_b.admin)
    response = client.post(url(Membership, "change", membership.pk), {"role": Role.CONSULTANT})
    assert response.status_code == 200
    assert "Vous ne pouvez pas modifier votre propre rôle." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_organisation_admins_cannot_delete_their_own_membership(client, side_b):
    membership = own_membership(side_b)
    client.force_login(side_b.admin)
    assert client.get(url(Membership, "delete", membership.pk)).status_code == 403
    assert client.post(url(Membership, "delete", membership.pk), {"post": "yes"}).status_code == 403
    # Nor through the changelist's bulk action.
    client.post(
        url(Membership, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(membership.pk)], "post": "yes"},
    )
    assert Membership.objects.unscoped().filter(pk=membership.pk).exists()


def test_organisation_admins_manage_their_consultants(client, side_b):
    consultant = memberships_of(side_b.consultant).get()
    client.force_login(side_b.admin)
    response = client.get(url(Membership, "change", consultant.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="role"' in html
    assert 'name="user"' not in html
    assert 'name="organisation"' not in html
    response = client.post(url(Membership, "change", consultant.pk), {"role": Role.ADMIN})
    assert response.status_code == 302
    consultant.refresh_from_db()
    assert consultant.role == Role.ADMIN
    assert User.objects.get(pk=side_b.consultant.pk).is_staff

    # And may remove a colleague.
    response = client.post(url(Membership, "delete", consultant.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.unscoped().filter(pk=consultant.pk).exists()


def test_organisation_admins_cannot_move_a_membership_elsewhere(client, side_a, side_b):
    consultant = memberships_of(side_b.consultant).get()
    client.force_login(side_b.admin)
    client.post(
        url(Membership, "change", consultant.pk),
        {"role": Role.CONSULTANT, "organisation": side_a.organisation.pk, "user": side_a.admin.pk},
    )
    consultant.refresh_from_db()
    assert consultant.organisation == side_b.organisation
    assert consultant.user == side_b.consultant


# --- Users ---------------------------------------------------------------------------------


def test_organisation_admins_see_their_colleagues_read_only(client, side_a, side_b):
    client.force_login(side_b.admin)
    body = client.get(url(User, "changelist")).content.decode()
    assert side_b.consultant.email in body
    assert side_a.consultant.email not in body

    colleague = side_b.consultant
    response = client.get(url(User, "change", colleague.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' not in html
    assert 'name="is_superuser"' not in html
    response = client.post(
        url(User, "change", colleague.pk),
        {"email": "pirate@example.test", "is_staff": "on", "is_superuser": "on"},
    )
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.email == "consultant@beta.test"
    assert not colleague.is_superuser

    password_change = reverse("admin:auth_user_password_change", args=[colleague.pk])
    assert client.get(password_change).status_code == 403
    assert client.get(url(User, "add")).status_code == 403
    assert client.get(url(User, "delete", colleague.pk)).status_code == 403
    assert client.get(url(User, "change", side_a.consultant.pk)).status_code in (302, 404)


def test_organisation_admins_cannot_make_themselves_superusers(client, side_b):
    client.force_login(side_b.admin)
    response = client.post(
        url(User, "change", side_b.admin.pk),
        {"email": side_b.admin.email, "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )
    assert response.status_code == 403
    assert not User.objects.get(pk=side_b.admin.pk).is_superuser


def test_a_freelance_consultant_shows_in_both_organisations(client, side_a, side_b):
    freelance = UserFactory(email="independant@example.test")
    MembershipFactory(organisation=side_a.organisation, user=freelance)
    MembershipFactory(organisation=side_b.organisation, user=freelance)
    for side in (side_a, side_b):
        client.force_login(side.admin)
        assert freelance.email in client.get(url(User, "changelist")).content.decode()


# --- Invitations through the admin -------------------------------------------------------------


def test_the_admin_invitation_form_sends_the_invitation(
    client, side_b, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(side_b.admin)
    response = client.get(url(Invitation, "add"))
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(Invitation, "add"), {"email": "Nouvelle@Example.test", "role": Role.CONSULTANT}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.unscoped().get()
    assert invitation.organisation == side_b.organisation
    assert invitation.email == "nouvelle@example.test"
    assert invitation.invited_by == side_b.admin
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nouvelle@example.test"]
    assert side_b.organisation.name in mailoutbox[0].subject
    response = client.get(response["Location"])
    assert response.status_code == 200


def test_platform_staff_invite_into_any_organisation(
    client, side_a, platform_staff, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(platform_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(Invitation, "add"),
            {
                "email": "direction@example.test",
                "role": Role.ADMIN,
                "organisation": side_a.organisation.pk,
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.unscoped().get()
    assert (invitation.organisation, invitation.role) == (side_a.organisation, Role.ADMIN)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "consultant@beta.test", "role": Role.CONSULTANT}, "déjà membre"),
        ({"email": "CONSULTANT@beta.test", "role": Role.CONSULTANT}, "déjà membre"),
        ({"email": "pas-une-adresse", "role": Role.CONSULTANT}, "adresse e-mail valide"),
        ({"email": "ok@example.test", "role": "superadmin"}, "Sélectionnez un choix valide"),
        ({"email": "", "role": Role.CONSULTANT}, "Ce champ est obligatoire"),
    ],
)
def test_bad_invitations_in_the_admin_are_form_errors_not_500s(
    client, side_b, mailoutbox, django_capture_on_commit_callbacks, data, error
):
    client.force_login(side_b.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(Invitation, "add"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Invitation.objects.unscoped().exists()
    assert mailoutbox == []


def test_platform_staff_without_organisation_get_a_form_error(client, platform_staff):
    client.force_login(platform_staff)
    response = client.post(
        url(Invitation, "add"), {"email": "x@example.test", "role": Role.CONSULTANT}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in response.content.decode()


def test_invitations_cannot_be_edited_after_sending(client, side_b):
    invitation = ADMIN_MAKERS["accounts.Invitation"](side_b)
    client.force_login(side_b.admin)
    response = client.get(url(Invitation, "change", invitation.pk))
    assert response.status_code == 200  # read-only view
    assert 'name="email"' not in response.content.decode()
    response = client.post(
        url(Invitation, "change", invitation.pk), {"email": "autre@example.test", "role": "admin"}
    )
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.email != "autre@example.test"


def test_a_consultant_invited_as_admin_by_a_consultant_is_refused(side_b):
    # Service-level guard behind the admin: a consultant cannot invite at all.
    from django.core.exceptions import PermissionDenied

    from accounts import services

    with pytest.raises(PermissionDenied):
        services.invite_member(side_b.organisation, "x@example.test", Role.ADMIN, side_b.consultant)


def test_other_organisation_rows_stay_out_of_user_choices(side_a, side_b):
    from accounts.admin import users_of_current_organisation

    with organisation_scope(side_b.organisation):
        users = set(users_of_current_organisation())
    assert users == {side_b.admin, side_b.consultant}
