"""Bilans and their phases: open, change what was agreed, advance, close, abandon, and the
admin's exception to the 24-hour ceiling. Delivery is in bilan.services.synthesis."""

from __future__ import annotations

from datetime import date

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from bilan.models import ActionPlan, Beneficiary, Bilan, BilanStatus, EventKind, Meeting
from bilan.services.common import BilanError, clean_or_refuse, record_event
from core.tenancy import require_organisation
from core.workdays import add_working_days

NEXT_STATUS = {
    BilanStatus.PRELIMINARY: BilanStatus.INVESTIGATION,
    BilanStatus.INVESTIGATION: BilanStatus.CONCLUSION,
}
#: The legal withdrawal period after a CPF registration, in French working days (rule 8).
CPF_WITHDRAWAL_WORKING_DAYS = 11


def _check_consultants(consultants: list[User]) -> None:
    """A bilan has at least one consultant, and they are members of the current organisation."""
    if not consultants:
        raise BilanError({"consultants": _("Un bilan a au moins un consultant.")})
    ids = {u.pk for u in consultants}
    members = set(Membership.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    if ids - members:
        raise BilanError({"consultants": _("Choisissez des consultants de votre organisation.")})


def open_bilan(
    beneficiary: Beneficiary, consultants, *, actor: User | None = None, **fields
) -> Bilan:
    organisation = require_organisation()
    if beneficiary.organisation_id != organisation.pk:
        raise BilanError(
            {"beneficiary": _("Ce bénéficiaire n'appartient pas à votre organisation.")}
        )
    consultants = list(consultants)
    _check_consultants(consultants)
    with transaction.atomic():
        bilan = Bilan.objects.create(organisation=organisation, beneficiary=beneficiary, **fields)
        bilan.consultants.set(consultants)
        record_event(bilan, EventKind.CREATED, _("Bilan ouvert, phase préliminaire."), actor)
    return bilan


def _check_start_before_meetings(bilan: Bilan, started_on: date) -> None:
    """A bilan cannot start after a meeting that already took place."""
    first = Meeting.objects.filter(bilan=bilan).order_by("starts_at").first()
    if first is not None and timezone.localdate(first.starts_at) < started_on:
        raise BilanError(
            {
                "started_on": _(
                    "Un entretien a déjà eu lieu le %(d)s : le bilan ne peut pas commencer après."
                )
                % {"d": timezone.localtime(first.starts_at).strftime("%d/%m/%Y")}
            }
        )


def update_bilan(bilan: Bilan, *, actor: User | None = None, consultants=None, **fields) -> Bilan:
    """Change what was agreed (funding, goals, planned hours, dates, consultants)."""
    if bilan.status in (BilanStatus.CLOSED, BilanStatus.ABANDONED):
        raise BilanError(_("Ce bilan est terminé : il ne peut plus être modifié."))
    if consultants is not None:
        consultants = list(consultants)
        _check_consultants(consultants)
    if fields.get("started_on") is not None:
        _check_start_before_meetings(bilan, fields["started_on"])
    with transaction.atomic():
        for name, value in fields.items():
            setattr(bilan, name, value)
        clean_or_refuse(bilan, ["organisation", "beneficiary", "consultants", "hours_override_by"])
        bilan.save()
        if consultants is not None:
            bilan.consultants.set(consultants)
        record_event(bilan, EventKind.STATUS, _("Informations du bilan modifiées."), actor)
    return bilan


def advance_phase(bilan: Bilan, *, actor: User | None = None) -> Bilan:
    """Préliminaire → investigation → conclusion. Delivery is `deliver_synthesis`."""
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)
        target = NEXT_STATUS.get(BilanStatus(bilan.status))
        if target is None:
            if bilan.status == BilanStatus.CONCLUSION:
                raise BilanError(_("La phase de conclusion s'achève par la remise de la synthèse."))
            raise BilanError(
                _("Ce bilan est « %(status)s » : il ne change plus de phase.")
                % {"status": bilan.get_status_display()}
            )
        if target == BilanStatus.INVESTIGATION and not bilan.goals.strip():
            raise BilanError(
                _("Renseignez les objectifs convenus en phase préliminaire avant de poursuivre.")
            )
        bilan.status = target
        bilan.save(update_fields=["status", "updated_at"])
        if target == BilanStatus.CONCLUSION:
            ActionPlan.objects.get_or_create(organisation=bilan.organisation, bilan=bilan)
        record_event(
            bilan,
            EventKind.STATUS,
            _("Passage en %(s)s.") % {"s": bilan.get_status_display().lower()},
            actor,
        )
    return bilan


def _sync(target: Bilan, source: Bilan, fields: list[str]) -> Bilan:
    """Callers keep their instance: copy what changed onto it."""
    for name in fields:
        setattr(target, name, getattr(source, name))
    return target


def close_bilan(bilan: Bilan, *, actor: User | None = None) -> Bilan:
    original = bilan
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)
        if bilan.status != BilanStatus.DELIVERED:
            raise BilanError(_("Seul un bilan dont la synthèse est remise peut être clos."))
        bilan.status = BilanStatus.CLOSED
        bilan.ended_on = bilan.ended_on or timezone.localdate()
        bilan.save(update_fields=["status", "ended_on", "updated_at"])
        record_event(bilan, EventKind.STATUS, _("Bilan clos."), actor)
    return _sync(original, bilan, ["status", "ended_on", "updated_at"])


def abandon_bilan(bilan: Bilan, reason: str, *, actor: User | None = None) -> Bilan:
    original = bilan
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)
        if not bilan.is_open:
            raise BilanError(_("Seul un bilan en cours peut être abandonné."))
        if not reason.strip():
            raise BilanError({"abandon_reason": _("Indiquez le motif de l'abandon.")})
        bilan.status = BilanStatus.ABANDONED
        bilan.abandon_reason = reason.strip()
        bilan.ended_on = timezone.localdate()
        bilan.save(update_fields=["status", "abandon_reason", "ended_on", "updated_at"])
        record_event(
            bilan, EventKind.STATUS, _("Bilan abandonné : %(r)s") % {"r": reason.strip()}, actor
        )
    return _sync(original, bilan, ["status", "abandon_reason", "ended_on", "updated_at"])


def grant_hours_override(bilan: Bilan, reason: str, *, actor: User) -> Bilan:
    """Only an organisation admin may let a bilan pass 24 hours, with a reason."""
    if not rules.test_rule("bilan.grant_hours_override", actor, bilan):
        raise BilanError(_("Seul un administrateur peut accorder une dérogation au plafond."))
    if not reason.strip():
        raise BilanError({"hours_override_reason": _("Indiquez le motif de la dérogation.")})
    bilan.hours_override_reason = reason.strip()
    bilan.hours_override_by = actor
    bilan.save(update_fields=["hours_override_reason", "hours_override_by", "updated_at"])
    record_event(
        bilan, EventKind.STATUS, _("Dérogation au plafond de 24 h : %(r)s") % {"r": reason}, actor
    )
    return bilan


def cpf_withdrawal_ends_on(bilan: Bilan) -> date | None:
    """Registration + 11 French working days (rule 8)."""
    if bilan.funding != "cpf" or bilan.cpf_registered_on is None:
        return None
    return add_working_days(bilan.cpf_registered_on, CPF_WITHDRAWAL_WORKING_DAYS)
