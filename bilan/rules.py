"""Who sees and does what in a bilan (the "who may do what" table in docs/architecture.md).

One queryset function per model for lists and lookups (`visible_beneficiaries`,
`visible_bilans`; a bilan's meetings, synthesis and actions are reached through its bilan), and
named rules that views, API permissions and templates ask with
`rules.test_rule(name, user, obj)` (`{% load rules %}{% test_rule ... %}` in templates):

- an organisation admin sees every beneficiary and bilan of the organisation and changes a
  bilan's consultants; reads a synthesis only when the organisation allows it, never writes one;
- a consultant works on the bilans assigned to them, sees the beneficiaries of those bilans, and
  a beneficiary they entered until a bilan is opened for them (an admin may hand a bilan over:
  the beneficiary goes with it);
- a beneficiary reads their own record and bilans, and their synthesis;
- platform staff have no organisation scope, so no rule lets them in (the Django admin shows
  them rows without the synthesis's content).

The role comes from the organisation scope (accounts.rules.membership_in_scope and
`beneficiary_in_scope` below). Rules are tested with `rules.test_rule`, never `user.has_perm`:
Django answers True to every `has_perm` of a superuser, and the synthesis is not platform
staff's to read.
"""

from __future__ import annotations

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.rules import is_member, is_organisation_admin, membership_in_scope
from bilan.models import Beneficiary, Bilan
from core.tenancy import current_scope


def beneficiary_in_scope(user) -> Beneficiary | None:
    """The beneficiary record through which the user acts in the current organisation, None for
    members, platform staff and the beneficiaries of other organisations."""
    scope = current_scope()
    if scope is None or not getattr(user, "is_authenticated", False):
        return None
    if scope.acts_as(user):
        return scope.beneficiary
    profile = getattr(user, "beneficiary_profile", None)
    if profile is None or profile.organisation_id != scope.organisation.pk:
        return None
    return profile


# --- Lists -----------------------------------------------------------------------------------


def visible_beneficiaries(user) -> QuerySet[Beneficiary]:
    """The beneficiaries a person may see: all of the organisation for an admin; for a
    consultant those of their bilans and those they entered who have no bilan yet; for a
    beneficiary their own record."""
    membership = membership_in_scope(user)
    if membership is not None:
        if membership.is_admin:
            return Beneficiary.objects.all()
        assigned = Bilan.objects.filter(beneficiary=OuterRef("pk"), consultants=user)
        any_bilan = Bilan.objects.filter(beneficiary=OuterRef("pk"))
        return Beneficiary.objects.filter(
            Exists(assigned) | (Q(created_by=user) & ~Exists(any_bilan))
        )
    beneficiary = beneficiary_in_scope(user)
    if beneficiary is not None:
        return Beneficiary.objects.filter(pk=beneficiary.pk)
    return Beneficiary.objects.none()


def visible_bilans(user) -> QuerySet[Bilan]:
    """The bilans a person may see: all of the organisation for an admin, those assigned to
    them for a consultant, their own for a beneficiary."""
    membership = membership_in_scope(user)
    if membership is not None:
        if membership.is_admin:
            return Bilan.objects.all()
        return Bilan.objects.filter(consultants=user)
    beneficiary = beneficiary_in_scope(user)
    if beneficiary is not None:
        return Bilan.objects.filter(beneficiary=beneficiary)
    return Bilan.objects.none()


# --- Predicates ------------------------------------------------------------------------------


@rules.predicate
def is_beneficiary(user) -> bool:
    return beneficiary_in_scope(user) is not None


@rules.predicate
def is_assigned_consultant(user, bilan: Bilan) -> bool:
    """One of the bilan's consultants, acting as a member of its organisation."""
    return is_member(user) and bilan.consultants.filter(pk=user.pk).exists()


@rules.predicate
def is_own_bilan(user, bilan: Bilan) -> bool:
    beneficiary = beneficiary_in_scope(user)
    return beneficiary is not None and bilan.beneficiary_id == beneficiary.pk


@rules.predicate
def organisation_lets_admins_read_syntheses(user, bilan: Bilan) -> bool:
    return bilan.organisation.admins_read_syntheses


@rules.predicate
def may_see_beneficiary(user, beneficiary: Beneficiary) -> bool:
    return visible_beneficiaries(user).filter(pk=beneficiary.pk).exists()


may_manage_beneficiary = is_member & may_see_beneficiary
may_see_bilan = is_organisation_admin | is_assigned_consultant | is_own_bilan
may_work_on_bilan = is_organisation_admin | is_assigned_consultant
may_read_synthesis = (
    is_own_bilan
    | is_assigned_consultant
    | (is_organisation_admin & organisation_lets_admins_read_syntheses)
)

rules.add_rule("bilan.see_beneficiary", may_see_beneficiary)
# Edit the record, open a bilan for them, invite them to the portal.
rules.add_rule("bilan.manage_beneficiary", may_manage_beneficiary)
rules.add_rule("bilan.see_bilan", may_see_bilan)
# Edit the bilan, move it through its phases, log meetings, keep the action plan.
rules.add_rule("bilan.work_on_bilan", may_work_on_bilan)
# Change a bilan's consultants (hand it over) and let it pass the 24-hour ceiling.
rules.add_rule("bilan.assign_consultants", is_organisation_admin)
rules.add_rule("bilan.grant_hours_override", is_organisation_admin)
# The beneficiary's side: comment and share their synthesis, keep their action plan.
rules.add_rule("bilan.act_as_its_beneficiary", is_own_bilan)
rules.add_rule("bilan.read_synthesis", may_read_synthesis)
rules.add_rule("bilan.write_synthesis", is_assigned_consultant)  # write and deliver it
