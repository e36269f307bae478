"""Creating follow-ups: when a synthesis is delivered, and when an interview asks for another."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import Bilan, Synthesis
from core import workdays
from suivi.models import FollowUp, FollowUpKind
from suivi.services.common import SuiviError, record


def default_consultant(bilan: Bilan, preferred: User | None) -> User:
    """Who leads the follow-up: the preferred person if they are on the bilan, else its first
    consultant, else the preferred person anyway."""
    consultants = list(bilan.consultants.order_by("pk"))
    if preferred is not None and any(c.pk == preferred.pk for c in consultants):
        return preferred
    if consultants:
        return consultants[0]
    if preferred is not None:
        return preferred
    raise SuiviError(_("Ce bilan n'a pas de consultant pour mener le suivi."))


def schedule_follow_up(
    bilan: Bilan,
    *,
    due_on: date,
    kind: str = FollowUpKind.SIX_MONTH,
    consultant: User | None = None,
    today: date | None = None,
) -> FollowUp:
    """Create a follow-up (unique per bilan and kind) with its invitation date."""
    organisation = bilan.organisation
    today = today or timezone.localdate()
    invite_on = workdays.invitation_date(due_on, organisation.follow_up_lead_days, not_before=today)
    follow_up = FollowUp(
        organisation=organisation,
        bilan=bilan,
        kind=kind,
        consultant=default_consultant(bilan, consultant),
        due_on=due_on,
        invite_on=invite_on,
    )
    try:
        with transaction.atomic():
            follow_up.save()
    except IntegrityError as error:
        raise SuiviError(
            _("Un %(kind)s est déjà prévu pour ce bilan.")
            % {"kind": FollowUpKind(kind).label.lower()}
        ) from error
    return follow_up


def on_synthesis_delivered(synthesis: Synthesis) -> FollowUp | None:
    """The six-month follow-up, planned when the beneficiary accepted it. Called by suivi's
    receiver of bilan's synthesis_delivered, inside the delivery's transaction."""
    if not synthesis.follow_up_accepted:
        return None
    bilan = synthesis.bilan
    delivered_at = synthesis.delivered_at or timezone.now()
    due_on = workdays.follow_up_due_on(delivered_at, bilan.organisation.follow_up_delay_months)
    follow_up = schedule_follow_up(
        bilan,
        due_on=due_on,
        consultant=synthesis.delivered_by,
        today=workdays.paris_date(delivered_at),
    )
    record(
        follow_up,
        _("Entretien de suivi prévu vers le %(due)s ; invitation le %(inv)s.")
        % {
            "due": follow_up.due_on.strftime("%d/%m/%Y"),
            "inv": follow_up.invite_on.strftime("%d/%m/%Y"),
        },
        synthesis.delivered_by,
    )
    return follow_up
