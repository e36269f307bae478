"""What the beneficiary does: decline the follow-up (rule 7: then nothing more is sent to
them), review their action plan before the interview, answer the "à froid" questionnaire."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import Action
from suivi.models import (
    ACTIVE_STATES,
    CheckIn,
    FollowUp,
    FollowUpState,
    Invitation,
    MessageKind,
    MessageState,
    Survey,
    SurveyResponse,
)
from suivi.services.booking import locked_active_booking, release_booking
from suivi.services.common import SuiviError, lock, record
from suivi.services.outbox import CONSULTANT_KINDS, send_soon


def decline_follow_up(
    follow_up: FollowUp,
    reason: str = "",
    now: datetime | None = None,
    *,
    by_beneficiary: bool = True,
    actor: User | None = None,
) -> FollowUp:
    """The beneficiary declines (rule 7): nothing more is sent to them."""
    now = now or timezone.now()
    with transaction.atomic():
        fu = lock(follow_up)
        if fu.state == FollowUpState.DECLINED:
            return fu
        if fu.state not in ACTIVE_STATES:
            raise SuiviError(
                _("Ce suivi est « %(s)s » : il ne peut plus être décliné.")
                % {"s": fu.get_state_display()}
            )
        booking = locked_active_booking(fu)
        if booking is not None:
            release_booking(fu, booking, _("Suivi décliné"), now)
            send_soon(
                fu,
                MessageKind.BOOKING_CANCELLED_CONSULTANT,
                fu.consultant.email,
                now,
                booking=booking,
            )
        fu.transition_to(FollowUpState.DECLINED)
        fu.declined_at = now
        fu.declined_by_beneficiary = by_beneficiary
        fu.cancel_reason = reason.strip()
        fu.answered_at = fu.answered_at or now
        fu.save()
        # Messages not yet sent to the beneficiary (waiting or failed) are dropped; a message
        # being sent right now is checked again by send_message (_still_relevant).
        Invitation.objects.filter(
            follow_up=fu, state__in=(MessageState.PENDING, MessageState.FAILED)
        ).exclude(kind__in=CONSULTANT_KINDS).update(state=MessageState.SKIPPED)
        record(
            fu,
            _("Entretien de suivi décliné par le bénéficiaire.")
            if by_beneficiary
            else _("Entretien de suivi décliné (noté par le consultant)."),
            actor,
        )
        if by_beneficiary:
            send_soon(fu, MessageKind.DECLINED_CONSULTANT, fu.consultant.email, now)
    return fu


def plan_actions(follow_up: FollowUp) -> list[Action]:
    return list(
        Action.objects.filter(plan__bilan_id=follow_up.bilan_id).order_by("position", "created_at")
    )


def save_check_in(
    follow_up: FollowUp, *, actions: dict, went_well: str, obstacles: str, help_needed: str
) -> CheckIn:
    if follow_up.state not in ACTIVE_STATES:
        raise SuiviError(
            _("Ce suivi est « %(s)s » : la préparation est close.")
            % {"s": follow_up.get_state_display()}
        )
    known = {str(a.pk) for a in plan_actions(follow_up)}
    check_in, _created = CheckIn.objects.update_or_create(
        follow_up=follow_up,
        defaults={
            "organisation": follow_up.organisation,
            "actions": {k: v for k, v in actions.items() if k in known},
            "went_well": went_well.strip(),
            "obstacles": obstacles.strip(),
            "help_needed": help_needed.strip(),
        },
    )
    record(follow_up, _("Auto-évaluation préalable complétée par le bénéficiaire."))
    return check_in


def submit_survey(follow_up: FollowUp, **answers) -> SurveyResponse:
    survey = Survey.objects.filter(follow_up=follow_up).first()
    if survey is None:
        raise SuiviError(_("Aucun questionnaire n'est ouvert pour ce suivi."))
    if SurveyResponse.objects.filter(survey=survey).exists():
        raise SuiviError(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    response = SurveyResponse(organisation=follow_up.organisation, survey=survey, **answers)
    response.full_clean(exclude=["organisation", "survey"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as error:
        raise SuiviError(_("Vous avez déjà répondu à ce questionnaire. Merci !")) from error
    return response
