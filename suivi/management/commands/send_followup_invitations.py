"""One tick of the follow-up scheduler, by hand: catch-up after an outage, or a preview."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.workdays import PARIS
from suivi import services


def parse_at(value: str) -> datetime:
    """An ISO datetime (Paris time when naive), or a date alone meaning 09:00 Paris."""
    try:
        day = parse_date(value) if len(value.strip()) == 10 else None
        moment = None if day else parse_datetime(value)
    except ValueError:
        day = moment = None
    if day is not None:
        moment = datetime(day.year, day.month, day.day, 9, 0, tzinfo=PARIS)
    if moment is None:
        raise CommandError(
            f"--at : « {value} » n'est pas une date ISO (par exemple 2027-05-31T09:00)."
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=PARIS)  # naive means Paris time
    return moment


class Command(BaseCommand):
    help = (
        "Run one tick of the follow-up scheduler in this process (no worker needed): send the "
        "invitations, reminders and interview reminders that are due. Ends with 'sent: N' "
        "(or 'would send: N' with --dry-run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            help="The clock for the whole tick (ISO date or datetime, Paris time if naive).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; change nothing."
        )

    def handle(self, *args, at: str | None = None, dry_run: bool = False, **options) -> None:
        now = parse_at(at) if at else timezone.now()
        services.run_tick_in_process(now, dry_run=dry_run, write=self.stdout.write)
