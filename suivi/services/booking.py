"""Booking the follow-up interview: the free slots, booking (or moving to) one, cancelling it,
asking for another time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import MeetingMode
from suivi.models import ACTIVE_STATES, Booking, FollowUp, FollowUpState, MessageKind, Slot
from suivi.services.common import SuiviError, beneficiary_email, lock, record, setting
from suivi.services.outbox import send_soon


def available_slots(follow_up: FollowUp, now: datetime | None = None) -> QuerySet[Slot]:
    now = now or timezone.now()
    notice = timedelta(hours=setting("SUIVI_BOOKING_NOTICE_HOURS", 2))
    return Slot.objects.filter(
        consultant_id=follow_up.consultant_id, starts_at__gte=now + notice, booking__isnull=True
    ).order_by("starts_at")


def locked_active_booking(follow_up: FollowUp) -> Booking | None:
    return (
        Booking.objects.select_for_update()
        .filter(follow_up=follow_up, cancelled_at__isnull=True)
        .first()
    )


def release_booking(follow_up: FollowUp, booking: Booking, reason: str, now: datetime) -> None:
    """Cancel a booking: its slot is free again and its calendar event gets a new SEQUENCE (the
    caller saves the follow-up's ics_sequence)."""
    follow_up.ics_sequence += 1
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.slot = None
    booking.sequence = follow_up.ics_sequence
    booking.save(update_fields=["cancelled_at", "cancel_reason", "slot", "sequence"])


def _slot_taken() -> SuiviError:
    return SuiviError({"slot": _("Ce créneau vient d'être réservé. Choisissez-en un autre.")})


def _check_bookable(fu: FollowUp) -> None:
    if fu.state == FollowUpState.DECLINED:
        raise SuiviError(
            _("Vous avez décliné l'entretien de suivi : il n'est plus possible de réserver.")
        )
    if fu.state not in ACTIVE_STATES:
        raise SuiviError(
            _("Ce suivi est « %(s)s » : il ne se réserve plus.") % {"s": fu.get_state_display()}
        )


def _lock_free_slot(fu: FollowUp, slot_id, now: datetime) -> Slot:
    """The consultant's slot, locked, still to come and not booked."""
    slot = Slot.objects.select_for_update().filter(pk=slot_id, consultant_id=fu.consultant_id)
    slot = slot.first()
    if slot is None:
        raise SuiviError({"slot": _("Ce créneau n'existe plus. Choisissez-en un autre.")})
    if slot.starts_at < now:
        raise SuiviError({"slot": _("Ce créneau est passé. Choisissez-en un autre.")})
    if Booking.objects.filter(slot=slot).exists():
        raise _slot_taken()
    return slot


def _let_go_of_previous(fu: FollowUp, now: datetime) -> Booking | None:
    """A move: the booking being replaced lets go of its slot (the new one carries the next
    SEQUENCE of the same calendar event)."""
    previous = locked_active_booking(fu)
    if previous is not None:
        previous.cancelled_at = now
        previous.cancel_reason = _("Rendez-vous déplacé")
        previous.slot = None
        previous.save(update_fields=["cancelled_at", "cancel_reason", "slot"])
    return previous


def _new_booking(fu: FollowUp, slot: Slot, mode: str) -> Booking:
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
        raise _slot_taken() from error
    return booking


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
        fu = lock(follow_up)
        _check_bookable(fu)
        slot = _lock_free_slot(fu, slot_id, now)
        previous = _let_go_of_previous(fu, now)
        booking = _new_booking(fu, slot, mode)
        fu.transition_to(FollowUpState.BOOKED)
        fu.answered_at = fu.answered_at or now
        fu.save(update_fields=["state", "answered_at", "ics_sequence", "updated_at"])
        message = (
            _("Rendez-vous de suivi déplacé au %(w)s.")
            if previous
            else _("Rendez-vous de suivi pris pour le %(w)s.")
        )
        when = timezone.localtime(booking.starts_at).strftime("%d/%m/%Y à %H:%M")
        record(fu, message % {"w": when}, actor)
        send_soon(fu, MessageKind.BOOKING_CONFIRMATION, beneficiary_email(fu), now, booking=booking)
        send_soon(fu, MessageKind.BOOKING_CONSULTANT, fu.consultant.email, now, booking=booking)
    return booking


def cancel_booking(
    follow_up: FollowUp, reason: str = "", now: datetime | None = None, *, actor: User | None = None
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        fu = lock(follow_up)
        booking = locked_active_booking(fu)
        if booking is None:
            raise SuiviError(_("Il n'y a pas de rendez-vous à annuler."))
        release_booking(fu, booking, reason.strip(), now)
        if fu.state == FollowUpState.BOOKED:
            fu.transition_to(FollowUpState.INVITED if fu.invited_at else FollowUpState.SCHEDULED)
        fu.save(update_fields=["state", "ics_sequence", "updated_at"])
        record(fu, _("Rendez-vous de suivi annulé."), actor)
        send_soon(fu, MessageKind.BOOKING_CANCELLED, beneficiary_email(fu), now, booking=booking)
        send_soon(
            fu, MessageKind.BOOKING_CANCELLED_CONSULTANT, fu.consultant.email, now, booking=booking
        )
    return booking


def request_another_time(follow_up: FollowUp, text: str, now: datetime | None = None) -> FollowUp:
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise SuiviError({"message": _("Indiquez les jours et horaires qui vous conviendraient.")})
    with transaction.atomic():
        fu = lock(follow_up)
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
        record(fu, _("Le bénéficiaire demande un autre horaire."))
        send_soon(
            fu,
            MessageKind.ANOTHER_TIME,
            fu.consultant.email,
            now,
            key=now.strftime("%Y%m%d%H%M%S%f"),
        )
    return fu
