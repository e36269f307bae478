"""Platform staff (no organisation scope) can open every admin page of every tenant model."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.tenancy import TenantModel

TENANT_ADMINS = [model for model in admin.site._registry if issubclass(model, TenantModel)]


@pytest.mark.parametrize("model", TENANT_ADMINS, ids=lambda m: m._meta.label)
def test_platform_staff_open_changelist_and_add_form(client, platform_staff, side_a, model):
    client.force_login(platform_staff)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    model_admin = admin.site._registry[model]
    request = changelist.wsgi_request
    if model_admin.has_add_permission(request):
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == 200


@pytest.mark.parametrize("model", TENANT_ADMINS, ids=lambda m: m._meta.label)
def test_empty_add_form_gives_errors_not_a_crash(client, side_a, model):
    """An organisation admin posting an empty add form gets the form back with errors."""
    client.force_login(side_a.admin)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    response = client.get(url)
    if response.status_code == 403:
        return  # this model is created by the services, not in the admin
    assert response.status_code == 200
    response = client.post(url, {})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def _bilan_change_data(bilan, **overrides) -> dict:
    data = {
        "consultants": [str(u.pk) for u in bilan.consultants.all()],
        "funding": bilan.funding,
        "cpf_dossier_number": bilan.cpf_dossier_number,
        "cpf_registered_on": "",
        "goals": bilan.goals,
        "planned_hours": str(bilan.planned_hours),
        "started_on": bilan.started_on.strftime("%d/%m/%Y"),
        "hours_override_reason": bilan.hours_override_reason,
    }
    data.update(overrides)
    return data


def test_platform_staff_cannot_move_a_row_or_assign_foreign_people(
    client, platform_staff, side_a, side_b
):
    from bilan.models import Bilan
    from tests.bilan.makers import _bilan

    bilan = _bilan(side_a, {})
    client.force_login(platform_staff)
    url = reverse("admin:bilan_bilan_change", args=[bilan.pk])

    # Another organisation's consultant is refused with a message; nothing changes.
    response = client.post(url, _bilan_change_data(bilan, consultants=[str(side_b.consultant.pk)]))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "ne fait pas partie de l'organisation" in errors["consultants"][0]
    bilan = Bilan.objects.unscoped().get(pk=bilan.pk)
    assert side_b.consultant not in bilan.consultants.all()

    # The organisation is read-only: posting another one does not move the bilan.
    response = client.post(url, _bilan_change_data(bilan, organisation=str(side_b.organisation.pk)))
    assert response.status_code == 302
    assert Bilan.objects.unscoped().get(pk=bilan.pk).organisation == side_a.organisation


def test_platform_staff_still_add_a_membership_for_a_newcomer(client, platform_staff, side_a):
    from accounts.models import Membership
    from tests.factories import UserFactory

    newcomer = UserFactory(email="nouvelle@example.test")
    client.force_login(platform_staff)
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {
            "organisation": str(side_a.organisation.pk),
            "user": str(newcomer.pk),
            "role": "consultant",
        },
    )
    assert response.status_code == 302
    assert (
        Membership.objects.unscoped()
        .filter(user=newcomer, organisation=side_a.organisation)
        .exists()
    )
