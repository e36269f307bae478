"""The scheduler's tick: plan the messages that are due, claim them, queue them on commit, and
sweep the rows stuck in "sending". Cross-organisation by design (`.unscoped()`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import workdays
from suivi.models import Booking, FollowUp, FollowUpState, Invitation, MessageKind, MessageState
from suivi.services.common import beneficiary_email, max_attempts, sending_timeout, setting
from suivi.services.outbox import enqueue_on_commit, new_message
from suivi.services.sending import send_message

logger = logging.getLogger(__name__)

_RELATED = ("organisation", "bilan__beneficiary", "consultant")


@dataclass
class Planned:
    follow_up: FollowUp
    kind: str
    to_email: str
    booking: Booking | None = None

    def describe(self) -> str:
        fu = self.follow_up
        when = ""
        if self.booking is not None:
            when = " · " + timezone.localtime(self.booking.starts_at).strftime("%d/%m/%Y %H:%M")
        return (
            f"{MessageKind(self.kind).label} → {self.to_email} "
            f"({fu.organisation.name}, {fu.bilan.beneficiary.full_name}, "
            f"échéance {fu.due_on:%d/%m/%Y}{when})"
        )


def _batch() -> int:
    return setting("SUIVI_TICK_BATCH", 2000)


def _locked(qs: QuerySet, write: bool) -> QuerySet:
    """When the tick writes, rows another tick holds are skipped (it is planning them)."""
    return qs.select_for_update(skip_locked=True, of=("self",)) if write else qs


def _plan_invitations(now: datetime, write: bool) -> list[Planned]:
    """Follow-ups whose invitation date is reached: the invitation, and the state "invited"."""
    due = _locked(
        FollowUp.objects.unscoped()
        .filter(state=FollowUpState.SCHEDULED, invite_on__lte=workdays.paris_date(now))
        .select_related(*_RELATED)
        .order_by("invite_on", "pk"),
        write,
    )[: _batch()]
    planned = []
    for fu in due:
        item = Planned(fu, MessageKind.INVITATION, beneficiary_email(fu))
        planned.append(item)
        if write:
            new_message(fu, item.kind, item.to_email, now)
            fu.transition_to(FollowUpState.INVITED)
            fu.invited_at = now
            fu.save(update_fields=["state", "invited_at", "updated_at"])
    return planned


def _reminder_due(fu: FollowUp, sent: dict[str, datetime | None], now: datetime) -> str | None:
    """The reminder owed to an invited follow-up at `now`, if any. They count from the
    invitation sent; the sans-réponse move is made by the caller."""
    invited = sent[MessageKind.INVITATION]
    age = now - invited
    first = timedelta(days=fu.organisation.first_reminder_days)
    second = timedelta(days=fu.organisation.second_reminder_days)
    if age >= second:
        return MessageKind.REMINDER_2
    if age >= first and MessageKind.REMINDER_1 not in sent:
        return MessageKind.REMINDER_1
    return None


def _went_unanswered(fu: FollowUp, sent: dict[str, datetime | None], now: datetime) -> bool:
    """The second reminder was sent and its delay has passed without an answer."""
    organisation = fu.organisation
    age = now - sent[MessageKind.INVITATION]
    silence = timedelta(days=organisation.second_reminder_days + organisation.first_reminder_days)
    return sent[MessageKind.REMINDER_2] is not None and age >= silence


def _plan_reminders(now: datetime, write: bool) -> list[Planned]:
    """Reminders without an answer, then "sans réponse"."""
    messages = Prefetch(
        "messages", queryset=Invitation.objects.unscoped().only("kind", "sent_at", "follow_up_id")
    )
    waiting = _locked(
        FollowUp.objects.unscoped()
        .filter(state=FollowUpState.INVITED, invited_at__lte=now - timedelta(days=1))
        .select_related(*_RELATED)
        .prefetch_related(messages)
        .order_by("invited_at", "pk"),
        write,
    )[: _batch()]
    planned = []
    for fu in waiting:
        sent = {m.kind: m.sent_at for m in fu.messages.all()}
        if sent.get(MessageKind.INVITATION) is None:
            continue  # not sent yet (or failed): no reminder of a message never received
        if MessageKind.REMINDER_2 in sent:
            if write and _went_unanswered(fu, sent, now):
                fu.transition_to(FollowUpState.NO_RESPONSE)
                fu.save(update_fields=["state", "updated_at"])
            continue
        kind = _reminder_due(fu, sent, now)
        if kind is not None:
            item = Planned(fu, kind, beneficiary_email(fu))
            planned.append(item)
            if write:
                new_message(fu, kind, item.to_email, now)
    return planned


def _plan_interview_reminders(now: datetime, write: bool) -> list[Planned]:
    """`interview_reminder_hours` before a booked slot, a reminder."""
    horizon = now + timedelta(hours=setting("SUIVI_MAX_INTERVIEW_REMINDER_HOURS", 24 * 14))
    bookings = _locked(
        Booking.objects.unscoped()
        .filter(
            cancelled_at__isnull=True,
            follow_up__state=FollowUpState.BOOKED,
            starts_at__gt=now,
            starts_at__lte=horizon,
        )
        .exclude(messages__kind=MessageKind.INTERVIEW_REMINDER)
        .select_related(*(f"follow_up__{r}" for r in _RELATED))
        .order_by("starts_at", "pk"),
        write,
    )[: _batch()]
    planned = []
    for booking in bookings:
        fu = booking.follow_up
        hours = timedelta(hours=fu.organisation.interview_reminder_hours)
        if booking.starts_at.astimezone(UTC) - hours <= now:
            item = Planned(fu, MessageKind.INTERVIEW_REMINDER, beneficiary_email(fu), booking)
            planned.append(item)
            if write:
                new_message(fu, item.kind, item.to_email, now, booking=booking)
    return planned


def _plan(now: datetime, *, write: bool) -> list[Planned]:
    """Decide which messages are due at `now`; with write=True create their rows and move the
    follow-ups on (invited, sans réponse)."""
    return [
        *_plan_invitations(now, write),
        *_plan_reminders(now, write),
        *_plan_interview_reminders(now, write),
    ]


def _claim(now: datetime) -> list[UUID]:
    """Pending rows that are due move to "sending". Two ticks never claim the same row."""
    ids = list(
        Invitation.objects.unscoped()
        .select_for_update(skip_locked=True)
        .filter(state=MessageState.PENDING, not_before__lte=now)
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[: _batch()]
    )
    if ids:
        Invitation.objects.unscoped().filter(pk__in=ids, state=MessageState.PENDING).update(
            state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return ids


def sweep_stuck_messages(now: datetime | None = None, *, enqueue_ids: bool = True) -> list[UUID]:
    """Rows left in "sending" longer than the timeout are claimed again (or failed)."""
    now = now or timezone.now()
    cutoff = now - sending_timeout()
    requeued: list[UUID] = []
    with transaction.atomic():
        stuck = list(
            Invitation.objects.unscoped()
            .select_for_update(skip_locked=True)
            .filter(state=MessageState.SENDING, claimed_at__lt=cutoff)
            .order_by("claimed_at")
        )
        for row in stuck:
            if row.attempts >= max_attempts():
                row.state = MessageState.FAILED
                row.last_error = row.last_error or _("Envoi resté bloqué : abandonné.")
                row.save(update_fields=["state", "last_error"])
                continue
            row.claimed_at = now
            row.attempts += 1
            row.save(update_fields=["claimed_at", "attempts"])
            requeued.append(row.pk)
        if enqueue_ids:
            enqueue_on_commit(requeued)
    if requeued:
        logger.info("Sweep: %d stuck message(s) queued again", len(requeued))
    return requeued


def tick(now: datetime | None = None, *, enqueue_ids: bool = True) -> list[UUID]:
    """One tick: plan, claim (committed), enqueue on commit, sweep. Returns the claimed ids."""
    now = now or timezone.now()
    with transaction.atomic():
        _plan(now, write=True)
    with transaction.atomic():
        ids = _claim(now)
        if enqueue_ids:
            enqueue_on_commit(ids)
    ids += sweep_stuck_messages(now, enqueue_ids=enqueue_ids)
    return ids


def dispatch_due_followups(now: datetime | None = None) -> int:
    """The scheduler's tick (a contract, docs/scheduling.md): the number of messages queued."""
    return len(tick(now))


def preview_due(now: datetime) -> list[str]:
    """What a tick at `now` would send, without writing anything (--dry-run)."""
    lines = [item.describe() for item in _plan(now, write=False)]
    pending = (
        Invitation.objects.unscoped()
        .filter(state=MessageState.PENDING, not_before__lte=now)
        .select_related("follow_up__organisation", "follow_up__bilan__beneficiary")
        .order_by("not_before", "pk")
    )
    for row in pending:
        fu = row.follow_up
        lines.append(
            f"{row.get_kind_display()} → {row.to_email} "
            f"({fu.organisation.name}, {fu.bilan.beneficiary.full_name}, "
            f"échéance {fu.due_on:%d/%m/%Y})"
        )
    return lines


def run_tick_in_process(
    now: datetime, *, dry_run: bool = False, write: Callable[[str], None] = print
) -> int:
    """`send_followup_invitations`: one tick at `now`, sent here and now (no worker)."""
    if dry_run:
        lines = preview_due(now)
        for line in lines:
            write(line)
        write(f"would send: {len(lines)}")
        return len(lines)
    ids = tick(now, enqueue_ids=False)
    sent = 0
    for pk in ids:
        outcome = send_message(pk, now=now)
        row = (
            Invitation.objects.unscoped().select_related("follow_up__bilan__beneficiary").get(pk=pk)
        )
        name = row.follow_up.bilan.beneficiary.full_name
        write(f"{outcome}: {row.get_kind_display()} → {row.to_email} ({name})")
        if outcome == "sent":
            sent += 1
    write(f"sent: {sent}")
    return sent
