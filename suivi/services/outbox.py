"""The message rows of a follow-up: creating them (at most once), queueing them for the send
task after the commit, recording a failure and retrying.

Who receives which kind is decided here too: the consultant's kinds are listed, every other
kind is written to the beneficiary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from suivi.models import Booking, FollowUp, FollowUpState, Invitation, MessageKind, MessageState
from suivi.services.common import SuiviError, max_attempts, setting

logger = logging.getLogger(__name__)

BENEFICIARY_INVITE_KINDS = {
    MessageKind.INVITATION,
    MessageKind.REMINDER_1,
    MessageKind.REMINDER_2,
    MessageKind.NEW_LINK,
}
BOOKING_KINDS = {
    MessageKind.BOOKING_CONFIRMATION,
    MessageKind.BOOKING_CONSULTANT,
    MessageKind.INTERVIEW_REMINDER,
}
CANCEL_KINDS = {MessageKind.BOOKING_CANCELLED, MessageKind.BOOKING_CANCELLED_CONSULTANT}
# What goes to the consultant; every other kind is written to the beneficiary.
CONSULTANT_KINDS = {
    MessageKind.BOOKING_CONSULTANT,
    MessageKind.BOOKING_CANCELLED_CONSULTANT,
    MessageKind.ANOTHER_TIME,
    MessageKind.DECLINED_CONSULTANT,
}


def message_domain() -> str:
    return (
        setting("SUIVI_MESSAGE_ID_DOMAIN", "")
        or urlsplit(settings.SITE_URL).hostname
        or "passerelle.local"
    )


def new_message_id() -> str:
    return make_msgid(idstring="suivi", domain=message_domain())


def new_message(
    follow_up: FollowUp,
    kind: str,
    to_email: str,
    now: datetime,
    *,
    booking: Booking | None = None,
    key: str = "",
    claim: bool = False,
) -> Invitation | None:
    """Create one message row; None when it already exists (the unique constraint decides)."""
    row = Invitation(
        organisation_id=follow_up.organisation_id,
        follow_up=follow_up,
        booking=booking,
        kind=kind,
        key=key or (str(booking.pk) if booking is not None else ""),
        to_email=to_email,
        not_before=now,
        message_id=new_message_id(),  # stable from the start: a resend reuses it
    )
    if claim:
        row.state = MessageState.SENDING
        row.claimed_at = now
        row.attempts = 1
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def send_soon(follow_up: FollowUp, kind: str, to_email: str, now: datetime, **kwargs) -> None:
    """An event's message (a booking confirmation...): claimed at once, sent after commit."""
    row = new_message(follow_up, kind, to_email, now, claim=True, **kwargs)
    if row is not None:
        enqueue_on_commit([row.pk])


def enqueue_on_commit(ids: Iterable[UUID]) -> None:
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: Iterable[UUID]) -> int:
    """Queue the send task for claimed rows. If the broker is down, stop: the rows stay
    "sending" and the sweep queues them again once it is back. Nothing is lost."""
    # suivi.tasks imports this package, so the task is looked up when it is needed.
    from suivi.tasks import send_invitation

    ids = list(ids)
    queued = 0
    for pk in ids:
        try:
            send_invitation.apply_async(
                args=[str(pk)],
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception:
            logger.warning(
                "Broker unavailable: %d message(s) left for the sweep", len(ids) - queued
            )
            break
        queued += 1
    return queued


def record_failure(row: Invitation, error: Exception, now: datetime) -> str:
    """Retry later with backoff (the tick picks the row up again), or give up and show it."""
    base = Invitation.objects.unscoped().filter(pk=row.pk, state=MessageState.SENDING)
    text = f"{type(error).__name__}: {error}"[:1000]
    if row.attempts >= max_attempts():
        base.update(state=MessageState.FAILED, last_error=text)
        return "failed"
    delay = timedelta(seconds=setting("SUIVI_RETRY_BASE_SECONDS", 60) * 5 ** (row.attempts - 1))
    base.update(state=MessageState.PENDING, not_before=now + delay, last_error=text)
    return "retry"


def retry_failed_message(row: Invitation, *, actor: User, now: datetime | None = None) -> None:
    """The consultant asks for a failed message to be sent again."""
    if row.state != MessageState.FAILED:
        raise SuiviError(_("Ce message n'est pas en échec."))
    state = FollowUp.objects.unscoped().filter(pk=row.follow_up_id).values_list("state", flat=True)
    if state.first() == FollowUpState.DECLINED:
        raise SuiviError(_("Ce suivi a été décliné : plus aucun message n'est renvoyé."))
    row.state = MessageState.PENDING
    row.attempts = 0
    row.not_before = now or timezone.now()
    row.save(update_fields=["state", "attempts", "not_before"])
