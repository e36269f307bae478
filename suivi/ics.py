"""The calendar file of a follow-up interview (RFC 5545, icalendar).

One event per follow-up: a stable UID, SEQUENCE raised on each change (booking, move,
cancellation), METHOD:PUBLISH or METHOD:CANCEL, times in Europe/Paris with its VTIMEZONE.
Minimal content: no beneficiary name, no detail of the bilan.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.workdays import PARIS
from suivi.models import Booking, FollowUp


def event_uid(booking: Booking) -> str:
    return f"suivi-{booking.follow_up_id}@passerelle"


def build_ics(booking: Booking, *, method: str = "PUBLISH", sequence: int | None = None) -> bytes:
    follow_up = booking.follow_up
    organisation = follow_up.organisation
    calendar = Calendar()
    calendar.add("prodid", "-//Passerelle//Suivi post-bilan//FR")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", booking.sequence if sequence is None else sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", booking.starts_at.astimezone(PARIS))
    event.add("dtend", booking.ends_at.astimezone(PARIS))
    event.add("summary", _("Entretien de suivi · %(org)s") % {"org": organisation.name})
    mode = booking.get_mode_display()
    if booking.location:
        event.add("location", booking.location)
    else:
        event.add("location", mode)
    event.add(
        "description",
        _("Modalité : %(mode)s. Détails et changements : %(url)s")
        % {"mode": mode, "url": settings.SITE_URL},
    )
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_response(follow_up: FollowUp) -> HttpResponse:
    """The calendar file of the follow-up's booked interview, to download (404 when nothing is
    booked): the consultant's page and the beneficiary's both offer it."""
    booking = Booking.objects.filter(follow_up=follow_up, cancelled_at__isnull=True).first()
    if booking is None:
        raise Http404
    response = HttpResponse(build_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="entretien-de-suivi.ics"'
    return response
