"""The rules of the bilan (one function per action). Views, API, admin and tasks call these.

Every function runs inside the caller's organisation scope and refuses rows of another
organisation. Refusals are `BilanError` (a ValidationError) with a French message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from bilan.models import (
    MAX_ACCOMPANIMENT_HOURS,
    SECTION_FIELDS,
    Action,
    ActionPlan,
    Beneficiary,
    Bilan,
    BilanEvent,
    BilanStatus,
    EventKind,
    Meeting,
    Phase,
    Synthesis,
    SynthesisAccess,
    SynthesisRevision,
)
from core.tenancy import require_organisation


class BilanError(ValidationError):
    """A rule refused the action; the message is for the person who tried."""


PHASE_ORDER = [Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSION]
NEXT_STATUS = {
    BilanStatus.PRELIMINARY: BilanStatus.INVESTIGATION,
    BilanStatus.INVESTIGATION: BilanStatus.CONCLUSION,
}


def record_event(bilan: Bilan, kind: str, message: str, actor: User | None = None) -> BilanEvent:
    return BilanEvent.objects.create(
        organisation=bilan.organisation, bilan=bilan, kind=kind, message=message[:500], actor=actor
    )


def _clean(instance, exclude: list[str]) -> None:
    """Model validation, refused as a BilanError (same messages, same fields)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise BilanError(error.message_dict) from error


def _check_consultants(consultants) -> None:
    """Consultants must be members of the current organisation."""
    ids = {u.pk for u in consultants}
    members = set(Membership.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    if ids - members:
        raise BilanError({"consultants": _("Choisissez des consultants de votre organisation.")})


# --- Beneficiaries ---------------------------------------------------------------------------


def find_duplicate_beneficiary(
    email: str, exclude: Beneficiary | None = None
) -> Beneficiary | None:
    qs = Beneficiary.objects.filter(email__iexact=email.strip())
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.first()


def _refuse_duplicate(duplicate: Beneficiary | None, actor: User | None) -> None:
    """One person, one record. The name is told only to someone who may see that record."""
    if duplicate is None:
        return
    if actor is None or beneficiaries_for(actor).filter(pk=duplicate.pk).exists():
        message = _("%(name)s est déjà enregistré(e) avec cette adresse.") % {
            "name": duplicate.full_name
        }
    else:
        message = _("Cette adresse e-mail est déjà enregistrée dans l'organisation.")
    raise BilanError({"email": message})


def create_beneficiary(*, actor: User | None = None, **fields) -> Beneficiary:
    fields["email"] = fields["email"].strip().lower()
    _refuse_duplicate(find_duplicate_beneficiary(fields["email"]), actor)
    return Beneficiary.objects.create(
        organisation=require_organisation(), created_by=actor, **fields
    )


def update_beneficiary(
    beneficiary: Beneficiary, *, actor: User | None = None, **fields
) -> Beneficiary:
    if "email" in fields:
        fields["email"] = fields["email"].strip().lower()
        _refuse_duplicate(find_duplicate_beneficiary(fields["email"], exclude=beneficiary), actor)
    for name, value in fields.items():
        setattr(beneficiary, name, value)
    _clean(beneficiary, ["organisation", "user", "created_by"])
    beneficiary.save()
    return beneficiary


def beneficiaries_for(user: User):
    """Admins see every beneficiary; a consultant those of their bilans and those they entered."""
    membership = Membership.objects.filter(user=user).first()
    qs = Beneficiary.objects.all()
    if membership is None:
        return qs.none()
    if membership.role != Role.ADMIN:
        qs = qs.filter(Q(bilans__consultants=user) | Q(created_by=user)).distinct()
    return qs


# --- Bilans and their phases -----------------------------------------------------------------


def open_bilan(
    beneficiary: Beneficiary, consultants, *, actor: User | None = None, **fields
) -> Bilan:
    organisation = require_organisation()
    if beneficiary.organisation_id != organisation.pk:
        raise BilanError(
            {"beneficiary": _("Ce bénéficiaire n'appartient pas à votre organisation.")}
        )
    consultants = list(consultants)
    if not consultants:
        raise BilanError({"consultants": _("Un bilan a au moins un consultant.")})
    _check_consultants(consultants)
    with transaction.atomic():
        bilan = Bilan.objects.create(organisation=organisation, beneficiary=beneficiary, **fields)
        bilan.consultants.set(consultants)
        record_event(bilan, EventKind.CREATED, _("Bilan ouvert, phase préliminaire."), actor)
    return bilan


def update_bilan(bilan: Bilan, *, actor: User | None = None, consultants=None, **fields) -> Bilan:
    """Change what was agreed (funding, goals, planned hours, dates, consultants)."""
    if bilan.status in (BilanStatus.CLOSED, BilanStatus.ABANDONED):
        raise BilanError(_("Ce bilan est terminé : il ne peut plus être modifié."))
    if consultants is not None:
        consultants = list(consultants)
        if not consultants:
            raise BilanError({"consultants": _("Un bilan a au moins un consultant.")})
        _check_consultants(consultants)
    started_on = fields.get("started_on")
    if started_on is not None:
        first = Meeting.objects.filter(bilan=bilan).order_by("starts_at").first()
        if first is not None and timezone.localdate(first.starts_at) < started_on:
            raise BilanError(
                {
                    "started_on": _(
                        "Un entretien a déjà eu lieu le %(d)s : "
                        "le bilan ne peut pas commencer après."
                    )
                    % {"d": timezone.localtime(first.starts_at).strftime("%d/%m/%Y")}
                }
            )
    with transaction.atomic():
        for name, value in fields.items():
            setattr(bilan, name, value)
        _clean(bilan, ["organisation", "beneficiary", "consultants", "hours_override_by"])
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
    membership = Membership.objects.filter(user=actor).first()
    if membership is None or membership.role != Role.ADMIN:
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
    from django.template.defaultfilters import floatformat

    return floatformat(value, -1)


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"))


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
    if bilan.is_open:
        if MAX_ACCOMPANIMENT_HOURS - 2 <= total < MAX_ACCOMPANIMENT_HOURS:
            ledger.warnings.append(
                _("Plus que %(h)s h avant le plafond de 24 heures.")
                % {"h": format_hours(ledger.remaining)}
            )
        if total >= MAX_ACCOMPANIMENT_HOURS:
            ledger.warnings.append(_("Le plafond de 24 heures d'accompagnement est atteint."))
        elif total > bilan.planned_hours:
            ledger.warnings.append(
                _("%(t)s h réalisées : plus que les %(p)s h prévues.")
                % {"t": format_hours(total), "p": format_hours(bilan.planned_hours)}
            )
    if ledger.below_minimum and bilan.status == BilanStatus.CONCLUSION:
        ledger.warnings.append(
            _("%(t)s h réalisées : en dessous de la durée minimale de %(m)s h.")
            % {"t": format_hours(total), "m": format_hours(minimum)}
        )
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
        _clean(meeting, ["organisation", "bilan", "created_by"])
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
        _clean(meeting, ["organisation", "bilan", "created_by"])
        meeting.save()
    return meeting


def delete_meeting(meeting: Meeting, *, actor: User | None = None) -> None:
    if not meeting.bilan.is_open:
        raise BilanError(_("Ce bilan n'est plus en cours : ses entretiens sont figés."))
    meeting.delete()


# --- The document de synthèse ----------------------------------------------------------------


def get_synthesis(bilan: Bilan) -> Synthesis:
    synthesis, _created = Synthesis.objects.get_or_create(
        organisation=bilan.organisation, bilan=bilan
    )
    return synthesis


def can_read_synthesis(user: User, bilan: Bilan) -> bool:
    """Rule 4: the beneficiary, the assigned consultants, and admins only if the organisation
    grants it. Platform staff never (they have no membership, so no scope to read it in)."""
    if not user.is_authenticated:
        return False
    if bilan.beneficiary.user_id == user.pk:
        return True
    if bilan.consultants.filter(pk=user.pk).exists():
        return True
    membership = Membership.objects.filter(user=user).first()
    return bool(
        membership and membership.role == Role.ADMIN and bilan.organisation.admins_read_syntheses
    )


def can_write_synthesis(user: User, bilan: Bilan) -> bool:
    """Only the bilan's own consultants write and deliver its synthesis (an authorised admin
    reads it)."""
    return bool(user and user.is_authenticated and bilan.consultants.filter(pk=user.pk).exists())


def _require_writer(actor: User | None, bilan: Bilan) -> None:
    if actor is not None and not can_write_synthesis(actor, bilan):
        raise BilanError(_("Seuls les consultants du bilan rédigent et remettent la synthèse."))


def record_access(synthesis: Synthesis, user: User | None, action: str, detail: str = "") -> None:
    SynthesisAccess.objects.create(
        organisation=synthesis.organisation,
        synthesis=synthesis,
        user=user,
        action=action,
        detail=detail[:255],
    )


def save_synthesis_draft(bilan: Bilan, content: dict[str, str], *, actor: User) -> Synthesis:
    """Save the sections as a new version (history kept in SynthesisRevision)."""
    _require_writer(actor, bilan)
    with transaction.atomic():
        synthesis = get_synthesis(bilan)
        synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
        if synthesis.is_delivered:
            raise BilanError(_("La synthèse a été remise : elle ne peut plus être modifiée."))
        if bilan.status not in (BilanStatus.INVESTIGATION, BilanStatus.CONCLUSION):
            raise BilanError(
                _("La synthèse se rédige pendant les phases d'investigation et de conclusion.")
            )
        changed = False
        for name in SECTION_FIELDS:
            if name in content and content[name] != getattr(synthesis, name):
                setattr(synthesis, name, content[name])
                changed = True
        if not changed:
            return synthesis
        synthesis.version += 1
        synthesis.save()
        SynthesisRevision.objects.create(
            organisation=synthesis.organisation,
            synthesis=synthesis,
            version=synthesis.version,
            content={name: getattr(synthesis, name) for name in SECTION_FIELDS},
            author=actor,
        )
        record_event(
            bilan,
            EventKind.SYNTHESIS,
            _("Synthèse enregistrée (version %(v)s).") % {"v": synthesis.version},
            actor,
        )
    return synthesis


def set_beneficiary_comment(synthesis: Synthesis, comment: str, *, actor: User) -> Synthesis:
    synthesis.beneficiary_comment = comment.strip()
    synthesis.save(update_fields=["beneficiary_comment", "updated_at"])
    record_event(
        synthesis.bilan, EventKind.SYNTHESIS, _("Commentaire du bénéficiaire ajouté."), actor
    )
    return synthesis


def delivery_warnings(bilan: Bilan) -> list[str]:
    """What the consultant should know before delivering (does not block)."""
    ledger = hours_ledger(bilan)
    warnings = []
    if ledger.below_minimum:
        warnings.append(
            _("Seulement %(t)s h d'accompagnement réalisées, pour une durée minimale de %(m)s h.")
            % {"t": format_hours(ledger.total), "m": format_hours(ledger.minimum)}
        )
    return warnings


def deliver_synthesis(
    bilan: Bilan, *, actor: User, follow_up_accepted: bool, delivered_at=None
) -> Synthesis:
    """Freeze the synthesis, render and store its PDF with its SHA-256, mark the bilan
    delivered and plan the follow-up, all in one transaction. Happens once."""
    from bilan.pdf import render_synthesis_pdf
    from suivi import services as suivi_services

    _require_writer(actor, bilan)
    with transaction.atomic():
        bilan = (
            Bilan.objects.select_for_update()
            .select_related("beneficiary", "organisation")
            .get(pk=bilan.pk)
        )
        synthesis = Synthesis.objects.select_for_update().get(pk=get_synthesis(bilan).pk)
        if synthesis.is_delivered:
            raise BilanError(
                _("La synthèse a déjà été remise le %(d)s.")
                % {"d": timezone.localtime(synthesis.delivered_at).strftime("%d/%m/%Y")}
            )
        if bilan.status != BilanStatus.CONCLUSION:
            raise BilanError(_("La synthèse se remet en phase de conclusion."))
        empty = [name for name in SECTION_FIELDS if not getattr(synthesis, name).strip()]
        if empty:
            raise BilanError(
                _("Complétez toutes les sections de la synthèse avant de la remettre.")
            )
        synthesis.delivered_at = delivered_at or timezone.now()
        synthesis.delivered_by = actor
        synthesis.follow_up_accepted = follow_up_accepted
        synthesis.bilan = bilan
        pdf_bytes = render_synthesis_pdf(synthesis)
        synthesis.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        synthesis.pdf.save(f"synthese-{bilan.pk}.pdf", ContentFile(pdf_bytes), save=False)
        stored_name = synthesis.pdf.name
        try:
            synthesis.save()
            bilan.status = BilanStatus.DELIVERED
            bilan.ended_on = timezone.localdate(synthesis.delivered_at)
            bilan.save(update_fields=["status", "ended_on", "updated_at"])
            ActionPlan.objects.get_or_create(organisation=bilan.organisation, bilan=bilan)
            record_event(
                bilan,
                EventKind.DELIVERY,
                _("Synthèse remise (version %(v)s). Entretien de suivi : %(f)s.")
                % {
                    "v": synthesis.version,
                    "f": _("accepté") if follow_up_accepted else _("refusé"),
                },
                actor,
            )
            suivi_services.on_synthesis_delivered(synthesis)
        except BaseException:
            # The transaction rolls back; do not leave an orphan PDF in the storage either.
            synthesis.pdf.storage.delete(stored_name)
            raise
    return synthesis


# --- The action plan -------------------------------------------------------------------------


def get_action_plan(bilan: Bilan) -> ActionPlan:
    plan, _created = ActionPlan.objects.get_or_create(organisation=bilan.organisation, bilan=bilan)
    return plan


def add_action(bilan: Bilan, *, actor: User, by_beneficiary: bool = False, **fields) -> Action:
    if bilan.status not in (BilanStatus.CONCLUSION, BilanStatus.DELIVERED, BilanStatus.CLOSED):
        raise BilanError(_("Le plan d'action se construit en phase de conclusion."))
    plan = get_action_plan(bilan)
    position = Action.objects.filter(plan=plan).count()
    action = Action(
        organisation=bilan.organisation,
        plan=plan,
        position=position,
        added_by_beneficiary=by_beneficiary,
        **fields,
    )
    _clean(action, ["organisation", "plan"])
    action.save()
    record_event(bilan, EventKind.ACTION, _("Action ajoutée : %(t)s") % {"t": action.title}, actor)
    return action


def update_action(action: Action, *, actor: User, **fields) -> Action:
    old_status = action.status
    for name, value in fields.items():
        setattr(action, name, value)
    _clean(action, ["organisation", "plan"])
    action.save()
    if action.status != old_status:
        record_event(
            action.plan.bilan,
            EventKind.ACTION,
            _("« %(t)s » : %(s)s.") % {"t": action.title, "s": action.get_status_display().lower()},
            actor,
        )
    return action


# --- Helpers for lists -----------------------------------------------------------------------


def bilans_for(user: User):
    """The bilans a member may work on: all of them for an admin, their own for a consultant."""
    membership = Membership.objects.filter(user=user).first()
    qs = Bilan.objects.all()
    if membership is None:
        return qs.none()
    if membership.role != Role.ADMIN:
        qs = qs.filter(consultants=user)
    return qs


def cpf_withdrawal_ends_on(bilan: Bilan) -> date | None:
    """Registration + 11 French working days (rule 8)."""
    if bilan.funding != "cpf" or bilan.cpf_registered_on is None:
        return None
    from core.workdays import add_working_days

    return add_working_days(bilan.cpf_registered_on, 11)
