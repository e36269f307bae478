"""Makers for the Django admin walk (tests/accounts/test_admin_scoping.py).

Every organisation-owned model (a `TenantModel`) registered in the admin needs a maker here: a
function that receives a side (see tests/conftest.py) and returns a saved object belonging to
that side's organisation. The walk makes one for organisation A and checks that organisation
B's admin can neither list it nor open it. It fails for a registered tenant model without a
maker, so register yours when you add a model to the admin:

    @admin_maker("bilan.Bilan")
    def make_bilan(side):
        return BilanFactory(organisation=side.organisation, ...)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import models

AdminMaker = Callable[[Any], models.Model]

ADMIN_MAKERS: dict[str, AdminMaker] = {}


def admin_maker(label: str):
    """Register the maker for a model, by its label ("app_label.ModelName")."""

    def register(function: AdminMaker) -> AdminMaker:
        ADMIN_MAKERS[label] = function
        return function

    return register


# --- accounts -------------------------------------------------------------------------------


@admin_maker("accounts.Membership")
def make_membership(side):
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(organisation=side.organisation, user=UserFactory())


@admin_maker("accounts.Invitation")
def make_invitation(side):
    from accounts.models import Invitation, Role

    invitation, _raw = Invitation.issue(
        valid_for=timedelta(days=7),
        organisation=side.organisation,
        email=f"invite-{uuid.uuid4().hex[:8]}@{side.organisation.slug}.test",
        role=Role.CONSULTANT,
        invited_by=side.admin,
    )
    return invitation


# --- bilan ----------------------------------------------------------------------------------


def _bilan_makers():
    from tests.bilan import makers

    return makers


@admin_maker("bilan.Beneficiary")
def make_bilan_beneficiary(side):
    return _bilan_makers().admin_beneficiary(side)


@admin_maker("bilan.Bilan")
def make_bilan_bilan(side):
    return _bilan_makers().admin_bilan(side)


@admin_maker("bilan.Meeting")
def make_bilan_meeting(side):
    return _bilan_makers().admin_meeting(side)


@admin_maker("bilan.Synthesis")
def make_bilan_synthesis(side):
    return _bilan_makers().admin_synthesis(side)


@admin_maker("bilan.Action")
def make_bilan_action(side):
    return _bilan_makers().admin_action(side)


# --- suivi ----------------------------------------------------------------------------------


def _suivi_makers():
    from tests.suivi import makers

    return makers


@admin_maker("suivi.FollowUp")
def make_suivi_follow_up(side):
    return _suivi_makers().admin_follow_up(side)


@admin_maker("suivi.Invitation")
def make_suivi_message(side):
    return _suivi_makers().admin_message(side)


@admin_maker("suivi.Slot")
def make_suivi_slot(side):
    return _suivi_makers().admin_slot(side)


@admin_maker("suivi.Booking")
def make_suivi_booking(side):
    return _suivi_makers().admin_booking(side)


@admin_maker("suivi.CheckIn")
def make_suivi_check_in(side):
    return _suivi_makers().admin_check_in(side)


@admin_maker("suivi.FollowUpInterview")
def make_suivi_interview(side):
    return _suivi_makers().admin_interview(side)


@admin_maker("suivi.Survey")
def make_suivi_survey(side):
    return _suivi_makers().admin_survey(side)


@admin_maker("suivi.SurveyResponse")
def make_suivi_survey_response(side):
    return _suivi_makers().admin_survey_response(side)


# --- portal ---------------------------------------------------------------------------------


def _portal_makers():
    from tests.portal import makers

    return makers


@admin_maker("portal.DataRequest")
def make_portal_data_request(side):
    return _portal_makers().admin_data_request(side)


@admin_maker("portal.PortalInvitation")
def make_portal_invitation(side):
    return _portal_makers().admin_portal_invitation(side)


@admin_maker("portal.SynthesisShare")
def make_portal_synthesis_share(side):
    return _portal_makers().admin_synthesis_share(side)
