"""What the consultant does with a follow-up: invite now, move it, cancel it, record the
interview. Which follow-ups they see and act on is suivi/rules.py's to say."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import workdays
from suivi.models import (
    ACTIVE_STATES,
    OPEN_STATES,
    FollowUp,
    FollowUpInterview,
    FollowUpKind,
    FollowUpState,
    Invitation,
    MessageKind,
    MessageState,
    Survey,
)
from suivi.services.booking import locked_active_booking, release_booking
from suivi.services.common import SuiviError, beneficiary_email, lock, record
from suivi.services.outbox import send_soon
from suivi.services.planning import schedule_follow_up


def invite_now(
    follow_up: FollowUp, now: datetime | None = None, *, actor: User | None = None
) -> FollowUp:
    """Send the invitation now rather than on its date (it still goes out once)."""
    now = now or timezone.now()
    with transaction.atomic():
        fu = lock(follow_up)
        if fu.state != FollowUpState.SCHEDULED:
            raise SuiviError(_("L'invitation a déjà été envoyée."))
        fu.invite_on = workdays.paris_date(now)
        fu.transition_to(FollowUpState.INVITED)
        fu.invited_at = now
        fu.save(update_fields=["invite_on", "state", "invited_at", "updated_at"])
        send_soon(fu, MessageKind.INVITATION, beneficiary_email(fu), now)
        record(fu, _("Invitation à l'entretien de suivi envoyée."), actor)
    return fu


def move_follow_up(
    follow_up: FollowUp,
    due_on: date,
    reason: str,
    now: datetime | None = None,
    *,
    actor: User | None = None,
) -> FollowUp:
    """A new due date (with its reason). A follow-up left without an answer is open again."""
    now = now or timezone.now()
    today = workdays.paris_date(now)
    if not reason.strip():
        raise SuiviError({"reason": _("Indiquez le motif du report.")})
    if due_on < today:
        raise SuiviError({"due_on": _("La nouvelle échéance ne peut pas être passée.")})
    with transaction.atomic():
        fu = lock(follow_up)
        if fu.state not in OPEN_STATES:
            raise SuiviError(
                _("Ce suivi est « %(s)s » : il ne se déplace plus.") % {"s": fu.get_state_display()}
            )
        old = fu.due_on
        fu.due_on = due_on
        fu.move_reason = reason.strip()
        if fu.state == FollowUpState.SCHEDULED:
            fu.invite_on = workdays.invitation_date(
                due_on, fu.organisation.follow_up_lead_days, not_before=today
            )
        elif fu.state == FollowUpState.NO_RESPONSE:
            fu.transition_to(FollowUpState.INVITED)
        fu.save()
        record(
            fu,
            _("Suivi déplacé du %(a)s au %(b)s : %(r)s")
            % {
                "a": old.strftime("%d/%m/%Y"),
                "b": due_on.strftime("%d/%m/%Y"),
                "r": reason.strip(),
            },
            actor,
        )
    return fu


def cancel_follow_up(
    follow_up: FollowUp, reason: str, now: datetime | None = None, *, actor: User | None = None
) -> FollowUp:
    now = now or timezone.now()
    if not reason.strip():
        raise SuiviError({"reason": _("Indiquez le motif de l'annulation.")})
    with transaction.atomic():
        fu = lock(follow_up)
        if fu.state not in ACTIVE_STATES:
            raise SuiviError(
                _("Ce suivi est « %(s)s » : il ne s'annule plus.") % {"s": fu.get_state_display()}
            )
        booking = locked_active_booking(fu)
        if booking is not None:
            release_booking(fu, booking, reason.strip(), now)
            send_soon(
                fu, MessageKind.BOOKING_CANCELLED, beneficiary_email(fu), now, booking=booking
            )
        fu.transition_to(FollowUpState.CANCELLED)
        fu.cancel_reason = reason.strip()
        fu.save()
        Invitation.objects.filter(follow_up=fu, state=MessageState.PENDING).update(
            state=MessageState.SKIPPED
        )
        record(fu, _("Suivi annulé : %(r)s") % {"r": reason.strip()}, actor)
    return fu


def _save_interview(fu: FollowUp, actor: User, fields: dict) -> FollowUpInterview:
    """Create or correct the interview record, validated like a form."""
    interview = FollowUpInterview.objects.filter(follow_up=fu).first() or FollowUpInterview(
        organisation=fu.organisation, follow_up=fu
    )
    for name, value in fields.items():
        setattr(interview, name, value)
    interview.recorded_by = actor
    interview.full_clean(exclude=["organisation", "follow_up", "recorded_by"])
    interview.save()
    return interview


def _plan_further_follow_up(fu: FollowUp, further: date | None, now: datetime) -> None:
    """The interview may ask for one more follow-up (after the six-month one, once)."""
    if (
        further is not None
        and fu.kind == FollowUpKind.SIX_MONTH
        and not FollowUp.objects.filter(bilan_id=fu.bilan_id, kind=FollowUpKind.ADDITIONAL).exists()
    ):
        schedule_follow_up(
            fu.bilan,
            due_on=further,
            kind=FollowUpKind.ADDITIONAL,
            consultant=fu.consultant,
            today=workdays.paris_date(now),
        )


def record_interview(
    follow_up: FollowUp, *, actor: User, now: datetime | None = None, **fields
) -> FollowUpInterview:
    """Record the interview: the follow-up is held, a further follow-up may be planned, and the
    beneficiary receives the "à froid" questionnaire."""
    now = now or timezone.now()
    with transaction.atomic():
        fu = lock(follow_up)
        if fu.state in (FollowUpState.DECLINED, FollowUpState.CANCELLED):
            raise SuiviError(
                _("Ce suivi est « %(s)s » : aucun entretien ne peut y être noté.")
                % {"s": fu.get_state_display()}
            )
        further = fields.get("further_follow_up_on")
        if further is not None and further <= fields["held_on"]:
            raise SuiviError(
                {"further_follow_up_on": _("Le nouveau suivi doit suivre l'entretien.")}
            )
        interview = _save_interview(fu, actor, fields)
        first_time = fu.state != FollowUpState.HELD
        fu.transition_to(FollowUpState.HELD)
        fu.held_at = fu.held_at or now
        fu.save(update_fields=["state", "held_at", "updated_at"])
        _plan_further_follow_up(fu, further, now)
        if first_time:
            Survey.objects.get_or_create(follow_up=fu, defaults={"organisation": fu.organisation})
            send_soon(fu, MessageKind.SURVEY, beneficiary_email(fu), now)
            record(
                fu,
                _("Entretien de suivi réalisé (%(o)s).")
                % {"o": interview.get_outcome_display().lower()},
                actor,
            )
    return interview
