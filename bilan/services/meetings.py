"""Meetings and the hours ledger: accompaniment hours per phase, under the 24-hour ceiling."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import MAX_ACCOMPANIMENT_HOURS, Bilan, BilanStatus, EventKind, Meeting, Phase
from bilan.services.common import BilanError, clean_or_refuse, record_event

PHASE_ORDER = [Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSION]


# --- The hours ledger ------------------------------------------------------------------------


@dataclass
class Ledger:
    by_phase: dict[str, Decimal]
    total: Decimal
    planned: Decimal
    minimum: Decimal | None
    maximum: Decimal = MAX_ACCOMPANIMENT_HOURS
    warnings: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return max(self.maximum - self.total, Decimal(0))

    @property
    def percent_of_planned(self) -> int:
        return min(int(self.total * 100 / self.planned), 100) if self.planned else 0

    @property
    def below_minimum(self) -> bool:
        return self.minimum is not None and self.total < self.minimum


def format_hours(value: Decimal | None) -> str:
    """Hours the French way: "13", "12,5"."""
    return floatformat(value, -1)


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"))


def _ledger_warnings(bilan: Bilan, ledger: Ledger) -> list[str]:
    """Near or past the ceiling, past the planned hours (open bilans); under the minimum the
    organisation asks for (in conclusion)."""
    warnings = []
    total = ledger.total
    if bilan.is_open:
        if MAX_ACCOMPANIMENT_HOURS - 2 <= total < MAX_ACCOMPANIMENT_HOURS:
            warnings.append(
                _("Plus que %(h)s h avant le plafond de 24 heures.")
                % {"h": format_hours(ledger.remaining)}
            )
        if total >= MAX_ACCOMPANIMENT_HOURS:
            warnings.append(_("Le plafond de 24 heures d'accompagnement est atteint."))
        elif total > bilan.planned_hours:
            warnings.append(
                _("%(t)s h réalisées : plus que les %(p)s h prévues.")
                % {"t": format_hours(total), "p": format_hours(bilan.planned_hours)}
            )
    if ledger.below_minimum and bilan.status == BilanStatus.CONCLUSION:
        warnings.append(
            _("%(t)s h réalisées : en dessous de la durée minimale de %(m)s h.")
            % {"t": format_hours(total), "m": format_hours(ledger.minimum)}
        )
    return warnings


def hours_ledger(bilan: Bilan) -> Ledger:
    rows = (
        Meeting.objects.filter(bilan=bilan, is_accompaniment=True)
        .values("phase")
        .annotate(minutes=Sum("duration_minutes"))
    )
    minutes = {row["phase"]: row["minutes"] for row in rows}
    by_phase = {phase.value: _hours(minutes.get(phase.value)) for phase in PHASE_ORDER}
    total = _hours(sum(minutes.values()))
    organisation = bilan.organisation
    minimum = organisation.minimum_hours if organisation.warn_below_minimum_hours else None
    ledger = Ledger(by_phase=by_phase, total=total, planned=bilan.planned_hours, minimum=minimum)
    ledger.warnings = _ledger_warnings(bilan, ledger)
    return ledger


# --- Meetings --------------------------------------------------------------------------------


def _check_meeting(bilan: Bilan, meeting: Meeting, exclude_pk=None) -> None:
    if not bilan.is_open:
        raise BilanError(_("Ce bilan n'est plus en cours : on ne peut plus y noter d'entretien."))
    if meeting.starts_at and timezone.localdate(meeting.starts_at) < bilan.started_on:
        raise BilanError(
            {
                "starts_at": _("L'entretien ne peut pas précéder le début du bilan (%(d)s).")
                % {"d": bilan.started_on.strftime("%d/%m/%Y")}
            }
        )
    current = PHASE_ORDER.index(Phase(bilan.status))
    if PHASE_ORDER.index(Phase(meeting.phase)) > current:
        raise BilanError(
            {
                "phase": _("Le bilan n'a pas encore atteint la phase « %(p)s ».")
                % {"p": meeting.get_phase_display()}
            }
        )
    if meeting.is_accompaniment and not bilan.hours_override_reason:
        _check_ceiling(bilan, meeting, exclude_pk)


def _check_ceiling(bilan: Bilan, meeting: Meeting, exclude_pk) -> None:
    """The accompaniment hours stay under 24 (unless an admin granted an exception)."""
    others = (
        Meeting.objects.filter(bilan=bilan, is_accompaniment=True)
        .exclude(pk=exclude_pk)
        .aggregate(m=Sum("duration_minutes"))["m"]
        or 0
    )
    if others + meeting.duration_minutes > MAX_ACCOMPANIMENT_HOURS * 60:
        raise BilanError(
            {
                "duration_minutes": _(
                    "Cet entretien porterait l'accompagnement à %(t)s h : le plafond est de "
                    "24 heures. Un administrateur peut accorder une dérogation motivée."
                )
                % {"t": format_hours(_hours(others + meeting.duration_minutes))}
            }
        )


def log_meeting(bilan: Bilan, *, actor: User | None = None, **fields) -> Meeting:
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)  # serialise the hours check
        meeting = Meeting(organisation=bilan.organisation, bilan=bilan, created_by=actor, **fields)
        _check_meeting(bilan, meeting)
        clean_or_refuse(meeting, ["organisation", "bilan", "created_by"])
        meeting.save()
        record_event(
            bilan,
            EventKind.MEETING,
            _("Entretien (%(phase)s, %(mode)s, %(min)s min) le %(date)s.")
            % {
                "phase": meeting.get_phase_display().lower(),
                "mode": meeting.get_mode_display().lower(),
                "min": meeting.duration_minutes,
                "date": timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y à %H:%M"),
            },
            actor,
        )
    return meeting


def update_meeting(meeting: Meeting, *, actor: User | None = None, **fields) -> Meeting:
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=meeting.bilan_id)
        for name, value in fields.items():
            setattr(meeting, name, value)
        _check_meeting(bilan, meeting, exclude_pk=meeting.pk)
        clean_or_refuse(meeting, ["organisation", "bilan", "created_by"])
        meeting.save()
    return meeting


def delete_meeting(meeting: Meeting, *, actor: User | None = None) -> None:
    if not meeting.bilan.is_open:
        raise BilanError(_("Ce bilan n'est plus en cours : ses entretiens sont figés."))
    meeting.delete()
