"""Where the beneficiary stands: the three phases of their bilan and their follow-up."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from bilan import services as bilan_services
from bilan.models import Bilan, BilanStatus, Phase
from suivi.models import FollowUp

PHASES = [Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSION]


def phase_steps(bilan: Bilan) -> list[dict[str, Any]]:
    """The three phases with their state, for the timeline (text, never colour alone)."""
    status = bilan.status
    if status in (BilanStatus.DELIVERED, BilanStatus.CLOSED):
        current_index = len(PHASES)
    elif status == BilanStatus.ABANDONED:
        current_index = -1
    else:
        current_index = PHASES.index(Phase(status))
    ledger = bilan_services.hours_ledger(bilan)
    steps = []
    for index, phase in enumerate(PHASES):
        if current_index == -1:
            state = "stopped"
        elif index < current_index:
            state = "done"
        elif index == current_index:
            state = "current"
        else:
            state = "upcoming"
        steps.append(
            {
                "phase": phase,
                "label": BilanStatus(phase.value).label,  # "Phase d'investigation"
                "state": state,
                "hours": ledger.by_phase.get(phase.value),
            }
        )
    return steps


def follow_up_summary(bilan: Bilan) -> dict[str, Any] | None:
    """The bilan's follow-up for the beneficiary's pages: its state, due date, booked slot and
    the page where they act on it; None before the synthesis is delivered."""
    follow_up = (
        FollowUp.objects.filter(bilan=bilan)
        .prefetch_related("bookings")
        .order_by("due_on", "created_at")
        .first()
    )
    if follow_up is None:
        return None
    booking = follow_up.active_booking
    return {
        "follow_up": follow_up,
        "status": follow_up.get_state_display(),
        "due_on": follow_up.due_on,
        "scheduled_at": booking.starts_at if booking is not None else None,
        "url": reverse("portal:followup", args=[follow_up.pk]),
    }
