"""The consultant's availability: publishing a run of slots, withdrawing one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import is_member
from core import workdays
from core.tenancy import require_organisation
from suivi.models import Booking, Slot
from suivi.services.common import SuiviError

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
    if not is_member(consultant):
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
