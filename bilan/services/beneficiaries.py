"""Beneficiaries: one person, one record in an organisation."""

from __future__ import annotations

import rules
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import Beneficiary
from bilan.services.common import BilanError, clean_or_refuse
from core.tenancy import require_organisation


def find_duplicate_beneficiary(
    email: str, exclude: Beneficiary | None = None
) -> Beneficiary | None:
    qs = Beneficiary.objects.filter(email__iexact=email.strip())
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def _refuse_duplicate(duplicate: Beneficiary | None, actor: User | None) -> None:
    """One person, one record. The name is told only to someone who may see that record."""
    if duplicate is None:
        return
    if actor is None or rules.test_rule("bilan.see_beneficiary", actor, duplicate):
        message = _("%(name)s est déjà enregistré(e) avec cette adresse.") % {
            "name": duplicate.full_name
        }
    else:
        message = _("Cette adresse e-mail est déjà enregistrée dans l'organisation.")
    raise BilanError({"email": message})


def create_beneficiary(*, actor: User | None = None, **fields) -> Beneficiary:
    fields["email"] = fields["email"].strip().lower()
    _refuse_duplicate(find_duplicate_beneficiary(fields["email"]), actor)
    return Beneficiary.objects.create(
        organisation=require_organisation(), created_by=actor, **fields
    )


def update_beneficiary(
    beneficiary: Beneficiary, *, actor: User | None = None, **fields
) -> Beneficiary:
    if "email" in fields:
        fields["email"] = fields["email"].strip().lower()
        _refuse_duplicate(find_duplicate_beneficiary(fields["email"], exclude=beneficiary), actor)
    for name, value in fields.items():
        setattr(beneficiary, name, value)
    clean_or_refuse(beneficiary, ["organisation", "user", "created_by"])
    beneficiary.save()
    return beneficiary
