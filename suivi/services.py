"""The rules of the suivi post-bilan (one function per action).

Scheduling (DESIGN §5): a due date is data. `dispatch_due_followups` is one tick of the clock:
1. plan: the follow-ups whose invitation date is reached, the reminders without an answer, the
   interview reminders get a message row (unique per follow-up, kind and key: at most once);
2. claim: pending rows are moved to "sending" with `select_for_update(skip_locked=True)`, the
   transaction commits, and only then is the send task enqueued (`transaction.on_commit`);
3. sweep: rows stuck in "sending" longer than the timeout (a worker died, Redis was down when the
   task was queued) are claimed again and re-enqueued; after the last attempt they are "failed".
The send task re-checks the row, stores a stable Message-ID before sending (a resend after a crash
reuses it), sends, and records `sent_at`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.mime.base import MIMEBase
from email.utils import make_msgid
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from bilan.models import Action, Bilan, EventKind, MeetingMode, Synthesis
from core import workdays
from core.tenancy import organisation_scope, require_organisation
from core.tokens import hash_token, new_token
from suivi.models import (
    ACTIVE_STATES,
    OPEN_STATES,
    AccessLink,
    Booking,
    CheckIn,
    FollowUp,
    FollowUpInterview,
    FollowUpKind,
    FollowUpState,
    Invitation,
    LinkPurpose,
    MessageKind,
    MessageState,
    Slot,
    Survey,
    SurveyResponse,
)

logger = logging.getLogger(__name__)

LINK_SALT = "suivi.link"
GRANTS_SESSION_KEY = "suivi_access"


class SuiviError(ValidationError):
    """A rule refused the action; the message is for the person who tried."""


def _setting(name: str, default):
    return getattr(settings, name, default)


def link_validity() -> timedelta:
    return timedelta(days=_setting("SUIVI_LINK_VALIDITY_DAYS", 60))


def sending_timeout() -> timedelta:
    return timedelta(seconds=_setting("SUIVI_SENDING_TIMEOUT_SECONDS", 15 * 60))


def max_attempts() -> int:
    return _setting("SUIVI_SEND_MAX_ATTEMPTS", 5)


def _record(follow_up: FollowUp, message: str, actor: User | None = None) -> None:
    from bilan.services import record_event

    record_event(follow_up.bilan, EventKind.FOLLOW_UP, message, actor)


# --- Creating the follow-up ------------------------------------------------------------------


def _default_consultant(bilan: Bilan, preferred: User | None) -> User:
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
        consultant=_default_consultant(bilan, consultant),
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
    """Called by bilan.services.deliver_synthesis inside its transaction: the six-month
    follow-up is planned when the beneficiary accepted it."""
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
    _record(
        follow_up,
        _("Entretien de suivi prévu vers le %(due)s ; invitation le %(inv)s.")
        % {
            "due": follow_up.due_on.strftime("%d/%m/%Y"),
            "inv": follow_up.invite_on.strftime("%d/%m/%Y"),
        },
        synthesis.delivered_by,
    )
    return follow_up


# --- Message rows ----------------------------------------------------------------------------


def _beneficiary_email(follow_up: FollowUp) -> str:
    return follow_up.bilan.beneficiary.email


def _new_message(
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


def _send_soon(follow_up: FollowUp, kind: str, to_email: str, now: datetime, **kwargs) -> None:
    """An event's message (a booking confirmation...): claimed at once, sent after commit."""
    row = _new_message(follow_up, kind, to_email, now, claim=True, **kwargs)
    if row is not None:
        enqueue_on_commit([row.pk])


def enqueue_on_commit(ids: Iterable[UUID]) -> None:
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: Iterable[UUID]) -> int:
    """Queue the send task for claimed rows. If the broker is down, stop: the rows stay
    "sending" and the sweep queues them again once it is back. Nothing is lost."""
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


# --- The tick --------------------------------------------------------------------------------


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


def _sent_at_by_kind(follow_up: FollowUp) -> dict[str, datetime | None]:
    return {m.kind: m.sent_at for m in follow_up.messages.all()}


def _plan(now: datetime, *, write: bool) -> list[Planned]:
    """Decide which messages are due at `now`; with write=True create their rows and move the
    follow-ups on (invited, sans réponse). Cross-organisation by design (.unscoped())."""
    today = workdays.paris_date(now)
    planned: list[Planned] = []
    batch = _setting("SUIVI_TICK_BATCH", 2000)
    messages = Prefetch(
        "messages", queryset=Invitation.objects.unscoped().only("kind", "sent_at", "follow_up_id")
    )

    def locked(qs: QuerySet) -> QuerySet:
        return qs.select_for_update(skip_locked=True, of=("self",)) if write else qs

    related = ("organisation", "bilan__beneficiary", "consultant")
    # 1. Invitations whose date is reached.
    due = locked(
        FollowUp.objects.unscoped()
        .filter(state=FollowUpState.SCHEDULED, invite_on__lte=today)
        .select_related(*related)
        .order_by("invite_on", "pk")
    )[:batch]
    for fu in due:
        item = Planned(fu, MessageKind.INVITATION, _beneficiary_email(fu))
        planned.append(item)
        if write:
            _new_message(fu, item.kind, item.to_email, now)
            fu.state = FollowUpState.INVITED
            fu.invited_at = now
            fu.save(update_fields=["state", "invited_at", "updated_at"])

    # 2. Reminders without an answer, then "sans réponse". They count from the invitation sent.
    waiting = locked(
        FollowUp.objects.unscoped()
        .filter(state=FollowUpState.INVITED, invited_at__lte=now - timedelta(days=1))
        .select_related(*related)
        .prefetch_related(messages)
        .order_by("invited_at", "pk")
    )[:batch]
    for fu in waiting:
        sent = _sent_at_by_kind(fu)
        invited = sent.get(MessageKind.INVITATION)
        if invited is None:
            continue  # not sent yet (or failed): no reminder of a message never received
        organisation = fu.organisation
        age = now - invited
        first = timedelta(days=organisation.first_reminder_days)
        second = timedelta(days=organisation.second_reminder_days)
        if MessageKind.REMINDER_2 in sent:
            if sent[MessageKind.REMINDER_2] is not None and age >= second + first and write:
                fu.state = FollowUpState.NO_RESPONSE
                fu.save(update_fields=["state", "updated_at"])
            continue
        kind = None
        if age >= second:
            kind = MessageKind.REMINDER_2
        elif age >= first and MessageKind.REMINDER_1 not in sent:
            kind = MessageKind.REMINDER_1
        if kind is not None:
            item = Planned(fu, kind, _beneficiary_email(fu))
            planned.append(item)
            if write:
                _new_message(fu, kind, item.to_email, now)

    # 3. Interview reminders, `interview_reminder_hours` before a booked slot.
    horizon = now + timedelta(hours=_setting("SUIVI_MAX_INTERVIEW_REMINDER_HOURS", 24 * 14))
    bookings = locked(
        Booking.objects.unscoped()
        .filter(
            cancelled_at__isnull=True,
            follow_up__state=FollowUpState.BOOKED,
            starts_at__gt=now,
            starts_at__lte=horizon,
        )
        .exclude(messages__kind=MessageKind.INTERVIEW_REMINDER)
        .select_related(*(f"follow_up__{r}" for r in related))
        .order_by("starts_at", "pk")
    )[:batch]
    for booking in bookings:
        fu = booking.follow_up
        hours = timedelta(hours=fu.organisation.interview_reminder_hours)
        if booking.starts_at.astimezone(UTC) - hours <= now:
            item = Planned(fu, MessageKind.INTERVIEW_REMINDER, _beneficiary_email(fu), booking)
            planned.append(item)
            if write:
                _new_message(fu, item.kind, item.to_email, now, booking=booking)
    return planned


def _claim(now: datetime) -> list[UUID]:
    """Pending rows that are due move to "sending". Two ticks never claim the same row."""
    batch = _setting("SUIVI_TICK_BATCH", 2000)
    ids = list(
        Invitation.objects.unscoped()
        .select_for_update(skip_locked=True)
        .filter(state=MessageState.PENDING, not_before__lte=now)
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    if ids:
        from django.db.models import F

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
    """The scheduler's tick (DESIGN §6): returns the number of messages queued for sending."""
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


# --- Sending ---------------------------------------------------------------------------------

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


def message_domain() -> str:
    return (
        _setting("SUIVI_MESSAGE_ID_DOMAIN", "")
        or urlsplit(settings.SITE_URL).hostname
        or "passerelle.local"
    )


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


def _email_context(row: Invitation, now: datetime) -> dict:
    fu = row.follow_up
    beneficiary = fu.bilan.beneficiary
    context = {
        "message": row,
        "follow_up": fu,
        "organisation": fu.organisation,
        "consultant": fu.consultant,
        "consultant_name": fu.consultant.get_full_name() or fu.consultant.email,
        "beneficiary": beneficiary,
        "booking": row.booking,
        "followup_url": _url("suivi:followup", followup_id=fu.pk),
        "slots_url": _url("suivi:slots"),
    }
    if row.kind in BENEFICIARY_INVITE_KINDS | BOOKING_KINDS | CANCEL_KINDS and row.kind not in (
        MessageKind.BOOKING_CONSULTANT,
        MessageKind.BOOKING_CANCELLED_CONSULTANT,
    ):
        expires = now + link_validity()
        context["access_url"] = _url("suivi:link", token=issue_link(fu, LinkPurpose.ACCESS, now))
        context["links_expire_on"] = expires
        if row.kind in BENEFICIARY_INVITE_KINDS:
            context["decline_url"] = _url(
                "suivi:link", token=issue_link(fu, LinkPurpose.DECLINE, now)
            )
    if row.kind == MessageKind.SURVEY:
        context["survey_url"] = _url("suivi:link", token=issue_link(fu, LinkPurpose.SURVEY, now))
    return context


def build_message(row: Invitation, now: datetime):
    from core.mail import build_email
    from suivi.ics import build_ics

    context = _email_context(row, now)
    headers = {"Message-ID": row.message_id}
    reply_to = (
        [row.follow_up.consultant.email] if row.to_email != row.follow_up.consultant.email else []
    )
    email = build_email(
        f"suivi_{row.kind}", [row.to_email], context, headers=headers, reply_to=reply_to
    )
    if row.booking is not None and (
        row.kind in CANCEL_KINDS
        or row.kind
        in (
            MessageKind.BOOKING_CONFIRMATION,
            MessageKind.BOOKING_CONSULTANT,
        )
    ):
        method = "CANCEL" if row.kind in CANCEL_KINDS else "PUBLISH"
        ics = build_ics(row.booking, method=method)
        attach_ics(email, ics, method)
    return email


def attach_ics(email, ics: bytes, method: str) -> None:
    """The ICS inline (text/calendar; method=...) and as a base64 attachment."""
    email.attach_alternative(ics.decode(), f"text/calendar; method={method}")
    part = MIMEBase("application", "ics", name="entretien-de-suivi.ics")
    part.set_payload(ics)
    from email import encoders

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
                email = build_message(row, now)
                email.send()
            except Exception as error:
                logger.warning("Sending %s failed (attempt %s): %s", row.pk, row.attempts, error)
                return record_failure(row, error, now)
            row.state = MessageState.SENT
            row.sent_at = now
            row.last_error = ""
            row.save(update_fields=["state", "sent_at", "last_error", "message_id"])
    return "sent"


def new_message_id() -> str:
    return make_msgid(idstring="suivi", domain=message_domain())


def record_failure(row: Invitation, error: Exception, now: datetime) -> str:
    """Retry later with backoff (the tick picks the row up again), or give up and show it."""
    base = Invitation.objects.unscoped().filter(pk=row.pk, state=MessageState.SENDING)
    text = f"{type(error).__name__}: {error}"[:1000]
    if row.attempts >= max_attempts():
        base.update(state=MessageState.FAILED, last_error=text)
        return "failed"
    delay = timedelta(seconds=_setting("SUIVI_RETRY_BASE_SECONDS", 60) * 5 ** (row.attempts - 1))
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


# --- Links sent by email ---------------------------------------------------------------------


def issue_link(follow_up: FollowUp, purpose: str, now: datetime | None = None) -> str:
    """A signed, expiring, single-use token for one purpose. Only its hash is stored."""
    now = now or timezone.now()
    secret, digest = new_token(nbytes=24)
    link = AccessLink.objects.unscoped().create(
        organisation_id=follow_up.organisation_id,
        follow_up=follow_up,
        purpose=purpose,
        secret_hash=digest,
        expires_at=now + link_validity(),
    )
    return signing.dumps({"l": str(link.pk), "s": secret}, salt=LINK_SALT)


class LinkError(SuiviError):
    pass


def resolve_link(token: str, now: datetime | None = None) -> AccessLink:
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_validity() + timedelta(days=400))
        link = (
            AccessLink.objects.unscoped()
            .select_related("follow_up__organisation", "follow_up__bilan__beneficiary")
            .filter(pk=data["l"], secret_hash=hash_token(data["s"]))
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, ValidationError):
        link = None
    if link is None:
        raise LinkError(
            _("Ce lien n'est pas valide. Vérifiez qu'il est complet, ou demandez-en un nouveau.")
        )
    if link.used_at is not None:
        raise LinkError(_("Ce lien a déjà servi : il ne fonctionne qu'une fois."), code="used")
    if link.expires_at <= now:
        raise LinkError(_("Ce lien a expiré."), code="expired")
    return link


def spend_link(link: AccessLink, now: datetime | None = None) -> bool:
    """Mark the link used (compare-and-swap: the first POST wins)."""
    now = now or timezone.now()
    return bool(
        AccessLink.objects.unscoped().filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    )


def request_new_link(follow_up: FollowUp, now: datetime | None = None) -> bool:
    """Send a fresh access link to the beneficiary's address (at most one per 10 minutes)."""
    now = now or timezone.now()
    if follow_up.state not in ACTIVE_STATES:
        return False
    recent = Invitation.objects.unscoped().filter(
        follow_up=follow_up, kind=MessageKind.NEW_LINK, created_at__gte=now - timedelta(minutes=10)
    )
    if recent.exists():
        return False
    _send_soon(
        follow_up,
        MessageKind.NEW_LINK,
        _beneficiary_email(follow_up),
        now,
        key=now.strftime("%Y%m%d%H%M%S%f"),
    )
    return True


def grant_access(session, follow_up: FollowUp) -> None:
    grants = list(session.get(GRANTS_SESSION_KEY, []))
    if str(follow_up.pk) not in grants:
        grants.append(str(follow_up.pk))
    session[GRANTS_SESSION_KEY] = grants[-20:]


def beneficiary_may_access(user: User | None, session, follow_up: FollowUp) -> bool:
    if str(follow_up.pk) in session.get(GRANTS_SESSION_KEY, []):
        return True
    if user is None or not user.is_authenticated:
        return False
    profile = getattr(user, "beneficiary_profile", None)
    return profile is not None and profile.pk == follow_up.bilan.beneficiary_id


def followups_of_beneficiary(beneficiary) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(bilan__beneficiary=beneficiary).order_by("due_on")


# --- Beneficiary actions ---------------------------------------------------------------------


def _lock(follow_up: FollowUp) -> FollowUp:
    return (
        FollowUp.objects.select_for_update()
        .select_related("organisation", "bilan__beneficiary", "consultant")
        .get(pk=follow_up.pk)
    )


def available_slots(follow_up: FollowUp, now: datetime | None = None) -> QuerySet[Slot]:
    now = now or timezone.now()
    notice = timedelta(hours=_setting("SUIVI_BOOKING_NOTICE_HOURS", 2))
    return Slot.objects.filter(
        consultant_id=follow_up.consultant_id, starts_at__gte=now + notice, booking__isnull=True
    ).order_by("starts_at")


def book_slot(
    follow_up: FollowUp,
    slot_id,
    mode: str,
    now: datetime | None = None,
    *,
    actor: User | None = None,
) -> Booking:
    """Book (or move to) a slot. The slot is re-checked under a row lock; its OneToOne makes a
    second booking of the same slot impossible even when two people click at once."""
    now = now or timezone.now()
    if mode not in MeetingMode.values:
        raise SuiviError({"mode": _("Choisissez une modalité : présentiel, visio ou téléphone.")})
    with transaction.atomic():
        fu = _lock(follow_up)
        if fu.state == FollowUpState.DECLINED:
            raise SuiviError(
                _("Vous avez décliné l'entretien de suivi : il n'est plus possible de réserver.")
            )
        if fu.state not in ACTIVE_STATES:
            raise SuiviError(
                _("Ce suivi est « %(s)s » : il ne se réserve plus.") % {"s": fu.get_state_display()}
            )
        slot = (
            Slot.objects.select_for_update()
            .filter(pk=slot_id, consultant_id=fu.consultant_id)
            .first()
        )
        if slot is None:
            raise SuiviError({"slot": _("Ce créneau n'existe plus. Choisissez-en un autre.")})
        if slot.starts_at < now:
            raise SuiviError({"slot": _("Ce créneau est passé. Choisissez-en un autre.")})
        if Booking.objects.filter(slot=slot).exists():
            raise SuiviError(
                {"slot": _("Ce créneau vient d'être réservé. Choisissez-en un autre.")}
            )
        previous = (
            Booking.objects.select_for_update()
            .filter(follow_up=fu, cancelled_at__isnull=True)
            .first()
        )
        if previous is not None:
            previous.cancelled_at = now
            previous.cancel_reason = _("Rendez-vous déplacé")
            previous.slot = None
            previous.save(update_fields=["cancelled_at", "cancel_reason", "slot"])
        fu.ics_sequence += 1
        booking = Booking(
            organisation=fu.organisation,
            follow_up=fu,
            slot=slot,
            starts_at=slot.starts_at,
            duration_minutes=slot.duration_minutes,
            mode=mode,
            location=slot.location if mode == MeetingMode.IN_PERSON else "",
            sequence=fu.ics_sequence,
        )
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError as error:
            raise SuiviError(
                {"slot": _("Ce créneau vient d'être réservé. Choisissez-en un autre.")}
            ) from error
        fu.state = FollowUpState.BOOKED
        fu.answered_at = fu.answered_at or now
        fu.save(update_fields=["state", "answered_at", "ics_sequence", "updated_at"])
        when = timezone.localtime(booking.starts_at).strftime("%d/%m/%Y à %H:%M")
        _record(
            fu,
            (
                _("Rendez-vous de suivi déplacé au %(w)s.")
                if previous
                else _("Rendez-vous de suivi pris pour le %(w)s.")
            )
            % {"w": when},
            actor,
        )
        _send_soon(
            fu, MessageKind.BOOKING_CONFIRMATION, _beneficiary_email(fu), now, booking=booking
        )
        _send_soon(fu, MessageKind.BOOKING_CONSULTANT, fu.consultant.email, now, booking=booking)
    return booking


def cancel_booking(
    follow_up: FollowUp, reason: str = "", now: datetime | None = None, *, actor: User | None = None
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        fu = _lock(follow_up)
        booking = (
            Booking.objects.select_for_update()
            .filter(follow_up=fu, cancelled_at__isnull=True)
            .first()
        )
        if booking is None:
            raise SuiviError(_("Il n'y a pas de rendez-vous à annuler."))
        fu.ics_sequence += 1
        booking.cancelled_at = now
        booking.cancel_reason = reason.strip()
        booking.slot = None
        booking.sequence = fu.ics_sequence
        booking.save(update_fields=["cancelled_at", "cancel_reason", "slot", "sequence"])
        if fu.state == FollowUpState.BOOKED:
            fu.state = FollowUpState.INVITED if fu.invited_at else FollowUpState.SCHEDULED
        fu.save(update_fields=["state", "ics_sequence", "updated_at"])
        _record(fu, _("Rendez-vous de suivi annulé."), actor)
        _send_soon(fu, MessageKind.BOOKING_CANCELLED, _beneficiary_email(fu), now, booking=booking)
        _send_soon(
            fu, MessageKind.BOOKING_CANCELLED_CONSULTANT, fu.consultant.email, now, booking=booking
        )
    return booking


def request_another_time(follow_up: FollowUp, text: str, now: datetime | None = None) -> FollowUp:
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise SuiviError({"message": _("Indiquez les jours et horaires qui vous conviendraient.")})
    with transaction.atomic():
        fu = _lock(follow_up)
        if fu.state not in ACTIVE_STATES:
            raise SuiviError(_("Ce suivi est « %(s)s ».") % {"s": fu.get_state_display()})
        fu.another_time_request = text[:2000]
        fu.another_time_requested_at = now
        fu.answered_at = fu.answered_at or now
        fu.save(
            update_fields=[
                "another_time_request",
                "another_time_requested_at",
                "answered_at",
                "updated_at",
            ]
        )
        _record(fu, _("Le bénéficiaire demande un autre horaire."))
        _send_soon(
            fu,
            MessageKind.ANOTHER_TIME,
            fu.consultant.email,
            now,
            key=now.strftime("%Y%m%d%H%M%S%f"),
        )
    return fu


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
        fu = _lock(follow_up)
        if fu.state == FollowUpState.DECLINED:
            return fu
        if fu.state not in ACTIVE_STATES:
            raise SuiviError(
                _("Ce suivi est « %(s)s » : il ne peut plus être décliné.")
                % {"s": fu.get_state_display()}
            )
        booking = (
            Booking.objects.select_for_update()
            .filter(follow_up=fu, cancelled_at__isnull=True)
            .first()
        )
        if booking is not None:
            fu.ics_sequence += 1
            booking.cancelled_at = now
            booking.cancel_reason = _("Suivi décliné")
            booking.slot = None
            booking.sequence = fu.ics_sequence
            booking.save(update_fields=["cancelled_at", "cancel_reason", "slot", "sequence"])
            _send_soon(
                fu,
                MessageKind.BOOKING_CANCELLED_CONSULTANT,
                fu.consultant.email,
                now,
                booking=booking,
            )
        fu.state = FollowUpState.DECLINED
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
        _record(
            fu,
            _("Entretien de suivi décliné par le bénéficiaire.")
            if by_beneficiary
            else _("Entretien de suivi décliné (noté par le consultant)."),
            actor,
        )
        if by_beneficiary:
            _send_soon(fu, MessageKind.DECLINED_CONSULTANT, fu.consultant.email, now)
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
    _record(follow_up, _("Auto-évaluation préalable complétée par le bénéficiaire."))
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


# --- Consultant actions ----------------------------------------------------------------------


def follow_ups_for(user: User) -> QuerySet[FollowUp]:
    """Admins see every follow-up of their organisation; consultants those they lead or whose
    bilan is theirs."""
    membership = Membership.objects.filter(user=user).first()
    qs = FollowUp.objects.all()
    if membership is None:
        return qs.none()
    if membership.role != Role.ADMIN:
        qs = qs.filter(Q(consultant=user) | Q(bilan__consultants=user)).distinct()
    return qs


def invite_now(
    follow_up: FollowUp, now: datetime | None = None, *, actor: User | None = None
) -> FollowUp:
    """Send the invitation now rather than on its date (it still goes out once)."""
    now = now or timezone.now()
    with transaction.atomic():
        fu = _lock(follow_up)
        if fu.state != FollowUpState.SCHEDULED:
            raise SuiviError(_("L'invitation a déjà été envoyée."))
        fu.invite_on = workdays.paris_date(now)
        fu.state = FollowUpState.INVITED
        fu.invited_at = now
        fu.save(update_fields=["invite_on", "state", "invited_at", "updated_at"])
        _send_soon(fu, MessageKind.INVITATION, _beneficiary_email(fu), now)
        _record(fu, _("Invitation à l'entretien de suivi envoyée."), actor)
    return fu


def move_follow_up(
    follow_up: FollowUp,
    due_on: date,
    reason: str,
    now: datetime | None = None,
    *,
    actor: User | None = None,
) -> FollowUp:
    now = now or timezone.now()
    today = workdays.paris_date(now)
    if not reason.strip():
        raise SuiviError({"reason": _("Indiquez le motif du report.")})
    if due_on < today:
        raise SuiviError({"due_on": _("La nouvelle échéance ne peut pas être passée.")})
    with transaction.atomic():
        fu = _lock(follow_up)
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
            fu.state = FollowUpState.INVITED
        fu.save()
        _record(
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
        fu = _lock(follow_up)
        if fu.state not in ACTIVE_STATES:
            raise SuiviError(
                _("Ce suivi est « %(s)s » : il ne s'annule plus.") % {"s": fu.get_state_display()}
            )
        booking = (
            Booking.objects.select_for_update()
            .filter(follow_up=fu, cancelled_at__isnull=True)
            .first()
        )
        if booking is not None:
            fu.ics_sequence += 1
            booking.cancelled_at = now
            booking.cancel_reason = reason.strip()
            booking.slot = None
            booking.sequence = fu.ics_sequence
            booking.save(update_fields=["cancelled_at", "cancel_reason", "slot", "sequence"])
            _send_soon(
                fu, MessageKind.BOOKING_CANCELLED, _beneficiary_email(fu), now, booking=booking
            )
        fu.state = FollowUpState.CANCELLED
        fu.cancel_reason = reason.strip()
        fu.save()
        Invitation.objects.filter(follow_up=fu, state=MessageState.PENDING).update(
            state=MessageState.SKIPPED
        )
        _record(fu, _("Suivi annulé : %(r)s") % {"r": reason.strip()}, actor)
    return fu


def record_interview(
    follow_up: FollowUp, *, actor: User, now: datetime | None = None, **fields
) -> FollowUpInterview:
    """Record the interview: the follow-up is held, a further follow-up may be planned, and the
    beneficiary receives the "à froid" questionnaire."""
    now = now or timezone.now()
    with transaction.atomic():
        fu = _lock(follow_up)
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
        interview = FollowUpInterview.objects.filter(follow_up=fu).first() or FollowUpInterview(
            organisation=fu.organisation, follow_up=fu
        )
        for name, value in fields.items():
            setattr(interview, name, value)
        interview.recorded_by = actor
        interview.full_clean(exclude=["organisation", "follow_up", "recorded_by"])
        interview.save()
        first_time = fu.state != FollowUpState.HELD
        fu.state = FollowUpState.HELD
        fu.held_at = fu.held_at or now
        fu.save(update_fields=["state", "held_at", "updated_at"])
        if (
            further is not None
            and fu.kind == FollowUpKind.SIX_MONTH
            and not FollowUp.objects.filter(
                bilan_id=fu.bilan_id, kind=FollowUpKind.ADDITIONAL
            ).exists()
        ):
            schedule_follow_up(
                fu.bilan,
                due_on=further,
                kind=FollowUpKind.ADDITIONAL,
                consultant=fu.consultant,
                today=workdays.paris_date(now),
            )
        if first_time:
            Survey.objects.get_or_create(follow_up=fu, defaults={"organisation": fu.organisation})
            _send_soon(fu, MessageKind.SURVEY, _beneficiary_email(fu), now)
            _record(
                fu,
                _("Entretien de suivi réalisé (%(o)s).")
                % {"o": interview.get_outcome_display().lower()},
                actor,
            )
    return interview


#: Slots are published at most this far ahead (and the last one of a run stays a real date).
SLOTS_HORIZON = timedelta(days=367)


def publish_slots(
    consultant: User,
    *,
    day: date,
    start: str | datetime,
    count: int,
    duration_minutes: int,
    location: str = "",
    now: datetime | None = None,
) -> list[Slot]:
    """Publish `count` consecutive slots from `start` (Paris time) on `day`."""
    now = now or timezone.now()
    organisation = require_organisation()
    if not Membership.objects.filter(user=consultant).exists():
        raise SuiviError(_("Seuls les consultants de l'organisation publient des créneaux."))
    first = (
        datetime.combine(day, start, tzinfo=workdays.PARIS)
        if not isinstance(start, datetime)
        else start
    )
    if first <= now:
        raise SuiviError({"day": _("Choisissez une date et une heure à venir.")})
    if first > now + SLOTS_HORIZON:
        raise SuiviError({"day": _("Publiez des créneaux au plus un an à l'avance.")})
    created = []
    with transaction.atomic():
        for index in range(count):
            starts_at = first + timedelta(minutes=duration_minutes * index)
            slot, made = Slot.objects.get_or_create(
                consultant=consultant,
                starts_at=starts_at,
                defaults={
                    "organisation": organisation,
                    "duration_minutes": duration_minutes,
                    "location": location,
                },
            )
            if made:
                created.append(slot)
    return created


def delete_slot(slot: Slot) -> None:
    if Booking.objects.filter(slot=slot).exists():
        raise SuiviError(_("Ce créneau est réservé : annulez d'abord le rendez-vous."))
    slot.delete()


# --- The Suivis page -------------------------------------------------------------------------


def overview(user: User, today: date | None = None) -> dict:
    """The consultant's Suivis page: sections and counts per state, in a fixed number of queries."""
    today = today or timezone.localdate()
    base = follow_ups_for(user)
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
