"""The beneficiary's data (RGPD right of access): `personal_data` gathers everything held about
them as plain data, `export_personal_data` packs it in a ZIP with the delivered synthesis PDFs.

Deliberate choice for the export: the consultant's private working notes on meetings
(`Meeting.notes`) are not included. They are the consultant's working documents, destroyed at
the end of the bilan (R6313-7); the law gives the beneficiary the detailed results and the
synthesis (L6313-4), which the export contains. A beneficiary who wants those notes too asks
through a data request (kind "other"), which the organisation answers case by case.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import (
    SECTION_FIELDS,
    Action,
    Beneficiary,
    Bilan,
    Meeting,
    Synthesis,
    SynthesisAccess,
)
from portal.models import DataRequest, SynthesisShare
from portal.services.own_rows import delivered_synthesis
from portal.services.sharing import synthesis_pdf_filename


def _iso(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def personal_data(beneficiary: Beneficiary) -> dict[str, Any]:
    """Everything held about the beneficiary, as plain data (see the module docstring for
    what is left out and why)."""
    organisation = beneficiary.organisation
    bilans = (
        Bilan.objects.filter(beneficiary=beneficiary)
        .prefetch_related("consultants")
        .order_by("started_on", "created_at")
    )
    return {
        "exported_at": _iso(timezone.now()),
        "organisation": {"name": organisation.name, "contact_email": organisation.contact_email},
        "beneficiary": _identity(beneficiary),
        "portal_account": _portal_account(beneficiary.user),
        "bilans": [_bilan_data(bilan) for bilan in bilans],
        "data_requests": _data_requests(beneficiary),
    }


def _identity(beneficiary: Beneficiary) -> dict[str, Any]:
    return {
        "first_name": beneficiary.first_name,
        "last_name": beneficiary.last_name,
        "email": beneficiary.email,
        "phone": beneficiary.phone,
        "employment_status": beneficiary.get_employment_status_display(),
        "current_job": beneficiary.current_job,
        "consent_given_on": _iso(beneficiary.consent_given_on),
        "consent_method": beneficiary.get_consent_method_display(),
        "keeps_documents_for_follow_up": beneficiary.keeps_documents_for_follow_up,
        "created_at": _iso(beneficiary.created_at),
    }


def _portal_account(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "email": user.email,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }


def _bilan_data(bilan: Bilan) -> dict[str, Any]:
    """One bilan: its facts, meetings, delivered synthesis (with who read and received it),
    action plan and history."""
    return {
        "id": str(bilan.pk),
        "status": bilan.get_status_display(),
        "funding": bilan.get_funding_display(),
        "cpf_dossier_number": bilan.cpf_dossier_number,
        "cpf_registered_on": _iso(bilan.cpf_registered_on),
        "goals": bilan.goals,
        "planned_hours": str(bilan.planned_hours),
        "started_on": _iso(bilan.started_on),
        "ended_on": _iso(bilan.ended_on),
        "abandon_reason": bilan.abandon_reason,
        "consultants": [
            {"name": c.get_full_name() or c.email, "email": c.email}
            for c in bilan.consultants.all()
        ],
        "meetings": _meetings(bilan),
        **_synthesis_data(delivered_synthesis(bilan)),
        "action_plan": _action_plan(bilan),
        "history": [
            {"at": _iso(e.at), "kind": e.get_kind_display(), "message": e.message}
            for e in bilan.events.order_by("at")
        ],
    }


def _meetings(bilan: Bilan) -> list[dict[str, Any]]:
    return [
        {
            "phase": m.get_phase_display(),
            "starts_at": _iso(m.starts_at),
            "duration_minutes": m.duration_minutes,
            "mode": m.get_mode_display(),
            "is_accompaniment": m.is_accompaniment,
        }
        for m in Meeting.objects.filter(bilan=bilan).order_by("starts_at")
    ]


def _synthesis_data(synthesis: Synthesis | None) -> dict[str, Any]:
    """The delivered synthesis, its access log and its shares (empty before delivery)."""
    if synthesis is None:
        return {"synthesis": None, "synthesis_accesses": [], "synthesis_shares": []}
    return {
        "synthesis": {
            **{name: getattr(synthesis, name) for name in SECTION_FIELDS},
            "version": synthesis.version,
            "delivered_at": _iso(synthesis.delivered_at),
            "follow_up_accepted": synthesis.follow_up_accepted,
            "beneficiary_comment": synthesis.beneficiary_comment,
            "pdf_sha256": synthesis.pdf_sha256,
        },
        "synthesis_accesses": [
            {
                "at": _iso(a.at),
                "action": a.get_action_display(),
                "by": (a.user.get_full_name() or a.user.email) if a.user else None,
                "detail": a.detail,
            }
            for a in SynthesisAccess.objects.filter(synthesis=synthesis)
            .select_related("user")
            .order_by("at")
        ],
        "synthesis_shares": [
            {
                "recipient_name": s.recipient_name,
                "recipient_email": s.recipient_email,
                "purpose": s.get_purpose_display(),
                "created_at": _iso(s.created_at),
                "expires_at": _iso(s.expires_at),
                "revoked_at": _iso(s.revoked_at),
                "opened_count": s.opened_count,
            }
            for s in SynthesisShare.objects.filter(synthesis=synthesis).order_by("created_at")
        ],
    }


def _action_plan(bilan: Bilan) -> list[dict[str, Any]]:
    return [
        {
            "title": a.title,
            "description": a.description,
            "target_date": _iso(a.target_date),
            "status": a.get_status_display(),
            "resources": a.resources,
            "obstacles": a.obstacles,
            "notes": a.notes,
            "added_by_beneficiary": a.added_by_beneficiary,
        }
        for a in Action.objects.filter(plan__bilan=bilan)
    ]


def _data_requests(beneficiary: Beneficiary) -> list[dict[str, Any]]:
    return [
        {
            "kind": r.get_kind_display(),
            "details": r.details,
            "status": r.get_status_display(),
            "response": r.response,
            "created_at": _iso(r.created_at),
            "handled_at": _iso(r.handled_at),
        }
        for r in DataRequest.objects.filter(beneficiary=beneficiary).order_by("created_at")
    ]


def readme_text() -> str:
    return _(
        """Vos données chez %(organisation)s, exportées le %(date)s depuis Passerelle.

Contenu de cette archive :
- donnees.json : tout ce que nous conservons sur vous : votre identité et votre situation,
  votre consentement, vos bilans (phases, entretiens, heures), votre document de synthèse
  remis et votre commentaire, qui l'a consulté, téléchargé ou reçu, votre plan d'action,
  l'historique de vos bilans et vos demandes sur vos données ;
- syntheses/ : le PDF de chaque document de synthèse qui vous a été remis (l'empreinte
  SHA-256 de chaque PDF figure dans donnees.json).

Ce qui n'y figure pas : les notes de travail de votre consultant. Ce sont ses documents de
travail, détruits à la fin du bilan ; les résultats détaillés du bilan et la synthèse, qui
vous reviennent, sont dans cette archive. Pour toute autre demande (accès, correction,
effacement), utilisez la page « Mes données » de votre espace.
"""
    )


def export_personal_data(beneficiary: Beneficiary) -> bytes:
    """A ZIP: donnees.json, LISEZMOI.txt and the delivered synthesis PDFs."""
    data = personal_data(beneficiary)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "LISEZMOI.txt",
            readme_text()
            % {
                "organisation": beneficiary.organisation.name,
                "date": timezone.localtime().strftime("%d/%m/%Y à %H:%M"),
            },
        )
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        syntheses = Synthesis.objects.filter(
            bilan__beneficiary=beneficiary, delivered_at__isnull=False
        ).select_related("bilan__beneficiary")
        for synthesis in syntheses:
            if synthesis.pdf:
                with synthesis.pdf.open("rb") as pdf:
                    archive.writestr(f"syntheses/{synthesis_pdf_filename(synthesis)}", pdf.read())
    return buffer.getvalue()
