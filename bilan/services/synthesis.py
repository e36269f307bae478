"""The document de synthèse: drafts and their versions, the beneficiary's comment, and delivery
(the PDF archived with its hash, once). Who reads and writes it is bilan/rules.py's to say."""

from __future__ import annotations

import hashlib
from datetime import datetime

import rules
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan import pdf
from bilan.models import (
    SECTION_FIELDS,
    ActionPlan,
    Bilan,
    BilanStatus,
    EventKind,
    Synthesis,
    SynthesisAccess,
    SynthesisRevision,
)
from bilan.services.common import BilanError, record_event
from bilan.services.meetings import format_hours, hours_ledger
from bilan.signals import synthesis_delivered


def get_synthesis(bilan: Bilan) -> Synthesis:
    synthesis, _created = Synthesis.objects.get_or_create(
        organisation=bilan.organisation, bilan=bilan
    )
    return synthesis


def _require_writer(actor: User | None, bilan: Bilan) -> None:
    if actor is not None and not rules.test_rule("bilan.write_synthesis", actor, bilan):
        raise BilanError(_("Seuls les consultants du bilan rédigent et remettent la synthèse."))


def record_access(synthesis: Synthesis, user: User | None, action: str, detail: str = "") -> None:
    SynthesisAccess.objects.create(
        organisation=synthesis.organisation,
        synthesis=synthesis,
        user=user,
        action=action,
        detail=detail[:255],
    )


# --- Drafts ----------------------------------------------------------------------------------


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


# --- Delivery --------------------------------------------------------------------------------


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


def _check_deliverable(bilan: Bilan, synthesis: Synthesis) -> None:
    """Once, in the conclusion phase, with every section written."""
    if synthesis.is_delivered:
        raise BilanError(
            _("La synthèse a déjà été remise le %(d)s.")
            % {"d": timezone.localtime(synthesis.delivered_at).strftime("%d/%m/%Y")}
        )
    if bilan.status != BilanStatus.CONCLUSION:
        raise BilanError(_("La synthèse se remet en phase de conclusion."))
    if any(not getattr(synthesis, name).strip() for name in SECTION_FIELDS):
        raise BilanError(_("Complétez toutes les sections de la synthèse avant de la remettre."))


def _store_pdf(synthesis: Synthesis) -> str:
    """Render the PDF, keep its SHA-256 and put it in the storage; returns its stored name."""
    pdf_bytes = pdf.render_synthesis_pdf(synthesis)
    synthesis.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    synthesis.pdf.save(f"synthese-{synthesis.bilan.pk}.pdf", ContentFile(pdf_bytes), save=False)
    return synthesis.pdf.name


def _mark_delivered(bilan: Bilan, synthesis: Synthesis, actor: User) -> None:
    """Save the delivered synthesis, end the bilan, open its action plan, tell the timeline."""
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
            "f": _("accepté") if synthesis.follow_up_accepted else _("refusé"),
        },
        actor,
    )


def deliver_synthesis(
    bilan: Bilan,
    *,
    actor: User,
    follow_up_accepted: bool,
    delivered_at: datetime | None = None,
) -> Synthesis:
    """Freeze the synthesis, render and store its PDF with its SHA-256, mark the bilan
    delivered and send `synthesis_delivered` (suivi plans the follow-up), all in one
    transaction: a failure anywhere, in a receiver too, leaves nothing half done. Happens once."""
    _require_writer(actor, bilan)
    with transaction.atomic():
        bilan = (
            Bilan.objects.select_for_update()
            .select_related("beneficiary", "organisation")
            .get(pk=bilan.pk)
        )
        synthesis = Synthesis.objects.select_for_update().get(pk=get_synthesis(bilan).pk)
        _check_deliverable(bilan, synthesis)
        synthesis.delivered_at = delivered_at or timezone.now()
        synthesis.delivered_by = actor
        synthesis.follow_up_accepted = follow_up_accepted
        synthesis.bilan = bilan
        stored_name = _store_pdf(synthesis)
        try:
            _mark_delivered(bilan, synthesis, actor)
            synthesis_delivered.send(sender=Synthesis, synthesis=synthesis)
        except BaseException:
            # The transaction rolls back; do not leave an orphan PDF in the storage either.
            synthesis.pdf.storage.delete(stored_name)
            raise
    return synthesis
