"""Isolation-walk makers for this app's URL identifiers (see tests/isolation.py)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from suivi import services
from suivi.models import FollowUp, FollowUpState, Invitation, MessageKind, Slot
from tests.isolation import OBJECT_MAKERS, maker
from tests.suivi.helpers import delivered_bilan, make_slot


def _follow_up(side, context: dict) -> FollowUp:
    """A follow-up on the bilan of the same URL (made by the bilan maker when there is one, so
    that other makers sharing the context keep a bilan in progress)."""
    if "follow_up" in context:
        return context["follow_up"]
    if "bilan" not in context and "bilan_id" in OBJECT_MAKERS:
        OBJECT_MAKERS["bilan_id"](side, context)
    if "bilan" in context:
        with side.scope():
            follow_up = services.schedule_follow_up(context["bilan"], due_on=date(2031, 6, 2))
    else:
        name = f"SuiviMarqueur{len(context.get('markers', []))}"
        bilan, _ = delivered_bilan(side, last_name=name)
        context.setdefault("markers", []).append(name)
        with side.scope():
            follow_up = FollowUp.objects.get(bilan=bilan)
    with side.scope():
        follow_up.transition_to(FollowUpState.INVITED)
        follow_up.invited_at = timezone.now()
        follow_up.save()
    context["follow_up"] = follow_up
    return follow_up


@maker("followup_id")
def make_follow_up(side, context: dict) -> str:
    return str(_follow_up(side, context).pk)


@maker("slot_id")
def make_slot_id(side, context: dict) -> str:
    if "slot" not in context:
        starts = timezone.now().replace(microsecond=0) + timedelta(days=10)
        context["slot"] = make_slot(side, starts)
    return str(context["slot"].pk)


@maker("message_id")
def make_message(side, context: dict) -> str:
    follow_up = _follow_up(side, context)
    with side.scope():
        row, _ = Invitation.objects.get_or_create(
            follow_up=follow_up,
            kind=MessageKind.INVITATION,
            key="",
            defaults={
                "organisation": side.organisation,
                "to_email": follow_up.bilan.beneficiary.email,
                "state": "failed",
                "last_error": "SMTPRecipientsRefused",
            },
        )
    return str(row.pk)


# --- For the admin walk (registered in tests/admin_makers.py) --------------------------------


def admin_follow_up(side):
    return _follow_up(side, {})


def admin_message(side):
    return Invitation.objects.unscoped().get(pk=make_message(side, {}))


def admin_slot(side):
    return Slot.objects.unscoped().get(pk=make_slot_id(side, {}))


def admin_booking(side):
    context: dict = {}
    follow_up = _follow_up(side, context)
    slot = Slot.objects.unscoped().get(pk=make_slot_id(side, context))
    with side.scope():
        return services.book_slot(follow_up, slot.pk, "video")


def admin_check_in(side):
    follow_up = _follow_up(side, {})
    with side.scope():
        return services.save_check_in(
            follow_up, actions={}, went_well="Bien", obstacles="", help_needed=""
        )


def _held(side):
    follow_up = _follow_up(side, {})
    with side.scope():
        services.record_interview(
            follow_up,
            actor=side.consultant,
            held_on=timezone.localdate(),
            mode="video",
            outcome="in_progress",
        )
    return follow_up


def admin_interview(side):
    from suivi.models import FollowUpInterview

    return FollowUpInterview.objects.unscoped().get(follow_up=_held(side))


def admin_survey(side):
    from suivi.models import Survey

    return Survey.objects.unscoped().get(follow_up=_held(side))


def admin_survey_response(side):
    follow_up = _held(side)
    with side.scope():
        return services.submit_survey(
            follow_up, satisfaction=4, usefulness=5, project_status="in_progress", comment=""
        )
