"""The consultant's Suivis page: sections and counts per state."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from accounts.models import User
from suivi.models import ACTIVE_STATES, Booking, FollowUpState, Invitation, MessageState
from suivi.rules import visible_follow_ups


def overview(user: User, today: date | None = None) -> dict:
    """Sections and counts per state, in a fixed number of queries."""
    today = today or timezone.localdate()
    base = visible_follow_ups(user)
    counts = {
        row["state"]: row["n"]
        for row in base.order_by().values("state").annotate(n=Count("pk", distinct=True))
    }
    rows = list(
        base.select_related("bilan__beneficiary", "consultant")
        .prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.filter(cancelled_at__isnull=True))
        )
        .filter(
            Q(state__in=ACTIVE_STATES)
            | Q(state=FollowUpState.HELD, held_at__gte=timezone.now() - timedelta(days=90))
            | Q(state=FollowUpState.DECLINED, declined_at__gte=timezone.now() - timedelta(days=180))
        )
        .order_by("due_on", "pk")[:500]
    )
    soon_limit = today + timedelta(days=30)
    sections = {
        "soon": [f for f in rows if f.is_active and today <= f.due_on <= soon_limit],
        "later": [f for f in rows if f.state == FollowUpState.SCHEDULED and f.due_on > soon_limit],
        "invited": [f for f in rows if f.state == FollowUpState.INVITED],
        "booked": [f for f in rows if f.state == FollowUpState.BOOKED],
        "held": [f for f in rows if f.state == FollowUpState.HELD],
        "no_response": [f for f in rows if f.state == FollowUpState.NO_RESPONSE],
        "declined": [f for f in rows if f.state == FollowUpState.DECLINED],
    }
    failed = list(
        Invitation.objects.filter(state=MessageState.FAILED, follow_up__in=base.values("pk"))
        .select_related("follow_up__bilan__beneficiary")
        .order_by("-created_at")[:100]
    )
    return {
        "counts": [(state, label, counts.get(state, 0)) for state, label in FollowUpState.choices],
        "sections": sections,
        "failed": failed,
    }
