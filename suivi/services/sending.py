"""Sending one claimed message: re-checked against the follow-up, built (text, HTML, ICS,
fresh single-use links) and sent with the Message-ID stored when its row was created."""

from __future__ import annotations

import logging
from datetime import datetime
from email import encoders
from email.mime.base import MIMEBase
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.mail import build_email
from core.tenancy import organisation_scope
from suivi.ics import build_ics
from suivi.models import (
    ACTIVE_STATES,
    FollowUpState,
    Invitation,
    LinkPurpose,
    MessageKind,
    MessageState,
)
from suivi.services.common import link_validity
from suivi.services.links import LINK_PAGE, issue_link
from suivi.services.outbox import (
    BENEFICIARY_INVITE_KINDS,
    BOOKING_KINDS,
    CANCEL_KINDS,
    CONSULTANT_KINDS,
    new_message_id,
    record_failure,
)

logger = logging.getLogger(__name__)

# Messages about a booking that carry the event itself (the consultant's copies carry no link).
CALENDAR_KINDS = {
    *CANCEL_KINDS,
    MessageKind.BOOKING_CONFIRMATION,
    MessageKind.BOOKING_CONSULTANT,
}
CONSULTANT_BOOKING_KINDS = {
    MessageKind.BOOKING_CONSULTANT,
    MessageKind.BOOKING_CANCELLED_CONSULTANT,
}


def _to_beneficiary(row: Invitation) -> bool:
    return row.kind not in CONSULTANT_KINDS


def _still_relevant(row: Invitation) -> bool:
    fu = row.follow_up
    kind = row.kind
    if fu.state == FollowUpState.DECLINED and _to_beneficiary(row):
        return False  # rule 7: once declined, nothing more is sent to the beneficiary
    if kind == MessageKind.SURVEY:
        return fu.state == FollowUpState.HELD
    if kind in (MessageKind.INVITATION, MessageKind.REMINDER_1, MessageKind.REMINDER_2):
        return fu.state == FollowUpState.INVITED
    if kind == MessageKind.NEW_LINK:
        return fu.state in ACTIVE_STATES
    if kind in BOOKING_KINDS:
        return (
            row.booking is not None
            and row.booking.cancelled_at is None
            and fu.state == FollowUpState.BOOKED
        )
    return True


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


def _link_url(row: Invitation, purpose: str, now: datetime) -> str:
    return _url(LINK_PAGE, token=issue_link(row.follow_up, purpose, now))


def _email_context(row: Invitation, now: datetime) -> dict:
    fu = row.follow_up
    context = {
        "message": row,
        "follow_up": fu,
        "organisation": fu.organisation,
        "consultant": fu.consultant,
        "consultant_name": fu.consultant.get_full_name() or fu.consultant.email,
        "beneficiary": fu.bilan.beneficiary,
        "booking": row.booking,
        "followup_url": _url("suivi:followup", followup_id=fu.pk),
        "slots_url": _url("suivi:slots"),
    }
    with_links = BENEFICIARY_INVITE_KINDS | BOOKING_KINDS | CANCEL_KINDS
    if row.kind in with_links and row.kind not in CONSULTANT_BOOKING_KINDS:
        context["access_url"] = _link_url(row, LinkPurpose.ACCESS, now)
        context["links_expire_on"] = now + link_validity()
        if row.kind in BENEFICIARY_INVITE_KINDS:
            context["decline_url"] = _link_url(row, LinkPurpose.DECLINE, now)
    if row.kind == MessageKind.SURVEY:
        context["survey_url"] = _link_url(row, LinkPurpose.SURVEY, now)
    return context


def build_message(row: Invitation, now: datetime) -> EmailMultiAlternatives:
    context = _email_context(row, now)
    headers = {"Message-ID": row.message_id}
    consultant_email = row.follow_up.consultant.email
    reply_to = [consultant_email] if row.to_email != consultant_email else []
    email = build_email(
        f"suivi_{row.kind}", [row.to_email], context, headers=headers, reply_to=reply_to
    )
    if row.booking is not None and row.kind in CALENDAR_KINDS:
        method = "CANCEL" if row.kind in CANCEL_KINDS else "PUBLISH"
        attach_ics(email, build_ics(row.booking, method=method), method)
    return email


def attach_ics(email: EmailMultiAlternatives, ics: bytes, method: str) -> None:
    """The ICS inline (text/calendar; method=...) and as a base64 attachment."""
    email.attach_alternative(ics.decode(), f"text/calendar; method={method}")
    part = MIMEBase("application", "ics", name="entretien-de-suivi.ics")
    part.set_payload(ics)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename="entretien-de-suivi.ics")
    email.attach(part)


def send_message(pk: UUID | str, now: datetime | None = None) -> str:
    """Send one claimed message. Returns "sent", "skipped", "failed", "retry" or "noop".

    The row is locked (skip_locked) while the SMTP server takes the message and marked sent in
    the same transaction: a duplicate task for it (the sweep requeued it meanwhile) finds it
    locked or no longer "sending" and does nothing. If the process dies after the SMTP server
    accepted the message and before the commit, the row stays "sending" and the sweep resends
    it with the same Message-ID, stored when the row was created.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            Invitation.objects.unscoped()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "organisation",
                "follow_up__bilan__beneficiary",
                "follow_up__consultant",
                "follow_up__organisation",
                "booking",
            )
            .filter(pk=pk)
            .first()
        )
        if row is None or row.state != MessageState.SENDING:
            return "noop"  # being sent elsewhere, already sent, skipped or failed
        with organisation_scope(row.organisation):
            if not _still_relevant(row):
                row.state = MessageState.SKIPPED
                row.save(update_fields=["state"])
                return "skipped"
            if not row.message_id:
                row.message_id = new_message_id()
            try:
                build_message(row, now).send()
            except Exception as error:
                logger.warning("Sending %s failed (attempt %s): %s", row.pk, row.attempts, error)
                return record_failure(row, error, now)
            row.state = MessageState.SENT
            row.sent_at = now
            row.last_error = ""
            row.save(update_fields=["state", "sent_at", "last_error", "message_id"])
    return "sent"
