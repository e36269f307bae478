"""The consultant's portfolio ("Mon portefeuille"): one query for the page, whatever the number
of bilans. Figures per row come from subqueries; pages are cut by keyset on the index
(organisation, -started_on, -created_at), and the total is counted up to a bound."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import (
    DateField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import MAX_ACCOMPANIMENT_HOURS, Bilan, BilanStatus, Meeting
from bilan.rules import visible_bilans

PAGE_SIZE = 25
COUNT_BOUND = 1000
OPEN_STATUSES = [BilanStatus.PRELIMINARY, BilanStatus.INVESTIGATION, BilanStatus.CONCLUSION]
FOLLOW_UP_SOON_DAYS = 30


def _follow_up_due_subquery() -> Subquery:
    """The due date of the bilan's next follow-up still to hold (invited, booked, ...)."""
    from suivi.models import ACTIVE_STATES, FollowUp

    qs = FollowUp.objects.filter(bilan=OuterRef("pk"), state__in=ACTIVE_STATES)
    return Subquery(qs.order_by("due_on").values("due_on")[:1], output_field=DateField())


def portfolio_queryset(user: User) -> QuerySet[Bilan]:
    now = timezone.now()
    minutes = (
        Meeting.objects.filter(bilan=OuterRef("pk"), is_accompaniment=True)
        .order_by()
        .values("bilan")
        .annotate(total=Sum("duration_minutes"))
        .values("total")
    )
    next_meeting = (
        Meeting.objects.filter(bilan=OuterRef("pk"), starts_at__gte=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    qs = (
        visible_bilans(user)
        .select_related("beneficiary")
        .annotate(
            minutes_used=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0)),
            next_meeting_at=Subquery(next_meeting, output_field=DateTimeField()),
            synthesis_version=F("synthesis__version"),
            synthesis_delivered_at=F("synthesis__delivered_at"),
        )
        .order_by("-started_on", "-created_at", "-pk")
    )
    return qs.annotate(follow_up_due_on=_follow_up_due_subquery())


def apply_filters(qs: QuerySet[Bilan], q: str = "", status: str = "", funding: str = ""):
    q = q.strip()
    if q:
        condition = Q(beneficiary__email__icontains=q)
        for word in q.split():
            condition |= Q(beneficiary__last_name__icontains=word) | Q(
                beneficiary__first_name__icontains=word
            )
        qs = qs.filter(condition)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if funding:
        qs = qs.filter(funding=funding)
    return qs


# --- Keyset pagination -----------------------------------------------------------------------


def encode_cursor(bilan: Bilan) -> str:
    raw = f"{bilan.started_on.isoformat()}|{bilan.created_at.isoformat()}|{bilan.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, datetime, UUID] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        started, created, pk = raw.split("|")
        started_on, created_at = parse_date(started), parse_datetime(created)
        if started_on is None or created_at is None or created_at.tzinfo is None:
            return None
        if not (1900 < started_on.year < 9999 and 1900 < created_at.year < 9999):
            return None  # out of range: PostgreSQL would overflow on it
        return started_on, created_at, UUID(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass
class Page:
    rows: list[Bilan]
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool
    total: int
    total_is_bounded: bool


def paginate(qs: QuerySet[Bilan], after: str = "", before: str = "") -> Page:
    base = qs
    is_first = True
    position = decode_cursor(after) if after else None
    backwards = False
    if position is None and before:
        position = decode_cursor(before)
        backwards = position is not None
    if position is not None:
        started_on, created_at, pk = position
        if backwards:
            qs = qs.filter(
                Q(started_on__gt=started_on)
                | Q(started_on=started_on, created_at__gt=created_at)
                | Q(started_on=started_on, created_at=created_at, pk__gt=pk)
            ).order_by("started_on", "created_at", "pk")
        else:
            is_first = False
            qs = qs.filter(
                Q(started_on__lt=started_on)
                | Q(started_on=started_on, created_at__lt=created_at)
                | Q(started_on=started_on, created_at=created_at, pk__lt=pk)
            )
    rows = list(qs[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
        is_first = not has_more
        next_cursor = encode_cursor(rows[-1]) if rows else None
        previous_cursor = encode_cursor(rows[0]) if rows and has_more else None
    else:
        next_cursor = encode_cursor(rows[-1]) if rows and has_more else None
        previous_cursor = encode_cursor(rows[0]) if rows and not is_first else None
    total = base.order_by().values("pk")[: COUNT_BOUND + 1].count()
    return Page(
        rows=rows,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        is_first=is_first,
        total=min(total, COUNT_BOUND),
        total_is_bounded=total > COUNT_BOUND,
    )


# --- What needs attention --------------------------------------------------------------------


@dataclass
class Flag:
    text: str
    tone: str = "amber"  # badge colour


@dataclass
class Row:
    bilan: Bilan
    hours_used: Decimal
    flags: list[Flag] = field(default_factory=list)
    consultants: list[str] = field(default_factory=list)


def attention_flags(bilan: Bilan, minimum: Decimal | None, today: date) -> list[Flag]:
    from bilan.services import cpf_withdrawal_ends_on

    flags: list[Flag] = []
    hours = Decimal(bilan.minutes_used or 0) / 60
    if bilan.status == BilanStatus.CONCLUSION:
        if not bilan.synthesis_version:
            flags.append(Flag(_("Synthèse à rédiger"), "red"))
        else:
            flags.append(Flag(_("Synthèse à remettre"), "blue"))
        if minimum is not None and hours < minimum:
            flags.append(Flag(_("Sous le minimum de %(m)s h") % {"m": _number(minimum)}))
    if bilan.is_open and hours >= MAX_ACCOMPANIMENT_HOURS - 2:
        flags.append(Flag(_("Proche du plafond de 24 h"), "red"))
    if bilan.is_open:
        ends_on = cpf_withdrawal_ends_on(bilan)
        if ends_on is not None and today <= ends_on:
            flags.append(
                Flag(
                    _("Rétractation CPF jusqu'au %(d)s")
                    % {"d": date_format(ends_on, "SHORT_DATE_FORMAT")}
                )
            )
    due_on = getattr(bilan, "follow_up_due_on", None)
    if due_on is not None and due_on <= today + timedelta(days=FOLLOW_UP_SOON_DAYS):
        flags.append(
            Flag(
                _("Suivi dû le %(d)s") % {"d": date_format(due_on, "SHORT_DATE_FORMAT")},
                "red" if due_on < today else "blue",
            )
        )
    return flags


def _number(value: Decimal) -> str:
    from django.template.defaultfilters import floatformat

    return floatformat(value, -1)


def rows_for(page: Page, organisation) -> list[Row]:
    minimum = organisation.minimum_hours if organisation.warn_below_minimum_hours else None
    today = timezone.localdate()
    return [
        Row(
            bilan=bilan,
            hours_used=(Decimal(bilan.minutes_used or 0) / 60).quantize(Decimal("0.1")),
            flags=attention_flags(bilan, minimum, today),
        )
        for bilan in page.rows
    ]


def attach_consultants(rows: list[Row]) -> None:
    """Each row's consultants, in one query for the page (admins see everyone's bilans)."""
    through = Bilan.consultants.through
    links = (
        through.objects.filter(bilan_id__in=[row.bilan.pk for row in rows])
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    names: dict = {}
    for link in links:
        names.setdefault(link.bilan_id, []).append(link.user.get_full_name() or link.user.email)
    for row in rows:
        row.consultants = names.get(row.bilan.pk, [])


WAITING_LIMIT = 5


def beneficiaries_without_bilan(user: User) -> list:
    """Beneficiaries this member entered whose bilan is not opened yet (at most a few)."""
    from bilan.models import Beneficiary

    return list(
        Beneficiary.objects.filter(created_by=user, bilans__isnull=True).order_by("-created_at")[
            :WAITING_LIMIT
        ]
    )
