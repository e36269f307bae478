"""The rules of the beneficiary's portal (one function per action). Views and the admin call them.

- Access: `invite_beneficiary` (consultant) then `activate_portal_account` (the beneficiary sets
  a password through a single-use, expiring link whose secret is stored hashed).
- What a beneficiary may see: `own_bilans`, `own_bilan`, `own_action`, `own_share` (their own
  rows only; everything else is a 404).
- The synthesis: `share_synthesis`, `revoke_share`, `find_share`, `open_share`.
- The action plan: `add_own_action`, `update_own_action` (the bilan services write the timeline).
- Their data (RGPD): `export_personal_data` (a ZIP) and `request_data_change`,
  `handle_data_request`.

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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from bilan import services as bilan_services
from bilan.models import (
    SECTION_FIELDS,
    AccessAction,
    Action,
    ActionStatus,
    Beneficiary,
    Bilan,
    BilanStatus,
    EventKind,
    Meeting,
    Phase,
    Synthesis,
    SynthesisAccess,
)
from core.mail import build_email
from core.tenancy import organisation_scope
from core.tokens import hash_token, new_token
from portal.models import (
    DataRequest,
    DataRequestStatus,
    PortalInvitation,
    SharePurpose,
    SynthesisShare,
)

SHARE_VALIDITY_CHOICES = (7, 30, 90)  # days the beneficiary may choose for a share link
DEFAULT_SHARE_VALIDITY_DAYS = 30


class PortalError(ValidationError):
    """A rule refused the action; the message is for the person who tried."""


def _fmt_date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y")


# --- Who sees what ---------------------------------------------------------------------------


def beneficiary_of(user: User) -> Beneficiary | None:
    """The beneficiary record behind a portal account (None for staff and consultants)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "beneficiary_profile", None)


def own_bilans(user: User) -> QuerySet[Bilan]:
    """The bilans of the signed-in beneficiary, inside the current organisation scope."""
    if beneficiary_of(user) is None:
        return Bilan.objects.none()
    return Bilan.objects.filter(beneficiary__user=user)


def own_bilan(user: User, bilan_id) -> Bilan | None:
    return own_bilans(user).select_related("beneficiary").filter(pk=bilan_id).first()


def own_action(user: User, action_id) -> Action | None:
    if beneficiary_of(user) is None:
        return None
    return (
        Action.objects.filter(plan__bilan__beneficiary__user=user, pk=action_id)
        .select_related("plan__bilan")
        .first()
    )


def own_share(user: User, share_id) -> SynthesisShare | None:
    if beneficiary_of(user) is None:
        return None
    return (
        SynthesisShare.objects.filter(synthesis__bilan__beneficiary__user=user, pk=share_id)
        .select_related("synthesis__bilan")
        .first()
    )


def delivered_synthesis(bilan: Bilan) -> Synthesis | None:
    """The synthesis once it has been handed over; a draft is not the beneficiary's to see."""
    synthesis = Synthesis.objects.filter(bilan=bilan, delivered_at__isnull=False).first()
    return synthesis


def beneficiaries_for(user: User) -> QuerySet[Beneficiary]:
    """The beneficiaries a member may invite: all for an admin, those of their bilans otherwise."""
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return Beneficiary.objects.none()
    if membership.role == Role.ADMIN:
        return Beneficiary.objects.all()
    return Beneficiary.objects.filter(bilans__consultants=user).distinct()


# --- Access: invitation and password ---------------------------------------------------------


@dataclass
class SentPortalInvitation:
    invitation: PortalInvitation
    url: str


def portal_invitation_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("portal:activate", args=[raw_token])


def invite_beneficiary(beneficiary: Beneficiary, actor: User) -> SentPortalInvitation:
    """Email the beneficiary a single-use, expiring link to set their portal password.
    A new invitation replaces any earlier one that was not used."""
    if not beneficiaries_for(actor).filter(pk=beneficiary.pk).exists():
        raise PermissionDenied(_("Seuls ses consultants peuvent inviter ce bénéficiaire."))
    if beneficiary.user_id is not None:
        raise PortalError(
            _("%(name)s a déjà accès à son espace : il ou elle se connecte avec son adresse.")
            % {"name": beneficiary.full_name}
        )
    email = beneficiary.email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise PortalError(
            _(
                "L'adresse %(email)s est déjà utilisée par un autre compte Passerelle : "
                "corrigez l'adresse du bénéficiaire ou contactez le support."
            )
            % {"email": email}
        )
    now = timezone.now()
    with transaction.atomic():
        PortalInvitation.objects.filter(
            beneficiary=beneficiary, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        raw, digest = new_token()
        invitation = PortalInvitation.objects.create(
            organisation=beneficiary.organisation,
            beneficiary=beneficiary,
            email=email,
            token_hash=digest,
            invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
        )
        url = portal_invitation_url(raw)
        message = build_email(
            "portal_invitation",
            [email],
            {
                "beneficiary": beneficiary,
                "organisation": beneficiary.organisation,
                "inviter": actor,
                "invitation": invitation,
                "url": url,
            },
            reply_to=[actor.email],
        )
        transaction.on_commit(message.send)
    return SentPortalInvitation(invitation, url)


def portal_access(beneficiary: Beneficiary) -> dict[str, Any]:
    """For the consultant's pages: has the beneficiary access to their portal, or a pending
    invitation? {"state": "active" | "invited" | "none", "invitation": ..., "can_invite": bool}"""
    if beneficiary.user_id is not None:
        return {"state": "active", "invitation": None, "can_invite": False}
    invitation = (
        PortalInvitation.objects.filter(
            beneficiary=beneficiary, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    return {
        "state": "invited" if invitation else "none",
        "invitation": invitation,
        "can_invite": True,
    }


def find_portal_invitation(raw_token: str) -> PortalInvitation | None:
    """The invitation behind a link, whatever its state (a token carries no organisation)."""
    return (
        PortalInvitation.objects.unscoped()
        .select_related("beneficiary", "organisation")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


def activate_portal_account(raw_token: str, password: str) -> User:
    """Spend the invitation: create the beneficiary's account with a verified address."""
    with transaction.atomic():
        invitation = (
            PortalInvitation.objects.unscoped()
            .select_for_update()
            .filter(token_hash=hash_token(raw_token))
            .first()
        )
        if invitation is None or not invitation.is_usable:
            raise PortalError(_("Ce lien n'est plus valable."))
        with organisation_scope(invitation.organisation):
            beneficiary = Beneficiary.objects.select_for_update().get(pk=invitation.beneficiary_id)
            if beneficiary.user_id is not None:
                raise PortalError(_("Votre espace est déjà activé : connectez-vous."))
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise PortalError(_("Un compte existe déjà pour cette adresse : connectez-vous."))
            user = User.objects.create_user(
                invitation.email,
                password,
                first_name=beneficiary.first_name,
                last_name=beneficiary.last_name,
            )
            # The link arrived by email: the address is proven.
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            beneficiary.user = user
            beneficiary.save(update_fields=["user"])
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
    return user


# --- The synthesis: sharing ------------------------------------------------------------------


@dataclass
class CreatedShare:
    share: SynthesisShare
    url: str


def share_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("portal:shared_synthesis", args=[raw_token])


def share_synthesis(
    synthesis: Synthesis,
    *,
    actor: User,
    recipient_name: str,
    recipient_email: str,
    purpose: str,
    message: str = "",
    valid_days: int = DEFAULT_SHARE_VALIDITY_DAYS,
) -> CreatedShare:
    """Send the delivered synthesis to someone the beneficiary names (their decision only)."""
    bilan = synthesis.bilan
    if bilan.beneficiary.user_id != actor.pk:
        raise PermissionDenied(_("Seul le bénéficiaire peut partager sa synthèse."))
    if not synthesis.is_delivered:
        raise PortalError(_("Votre synthèse ne vous a pas encore été remise."))
    if valid_days not in SHARE_VALIDITY_CHOICES:
        raise PortalError({"valid_days": _("Choisissez une durée proposée.")})
    if purpose not in SharePurpose.values:
        raise PortalError({"purpose": _("Choisissez un destinataire proposé.")})
    recipient_email = recipient_email.strip().lower()
    recipient_name = " ".join(recipient_name.split())
    with transaction.atomic():
        raw, digest = new_token()
        share = SynthesisShare.objects.create(
            organisation=synthesis.organisation,
            synthesis=synthesis,
            recipient_name=recipient_name,
            recipient_email=recipient_email,
            purpose=purpose,
            message=message.strip(),
            token_hash=digest,
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=valid_days),
        )
        bilan_services.record_access(
            synthesis, actor, AccessAction.SHARE, f"{recipient_name} <{recipient_email}>"
        )
        url = share_url(raw)
        email = build_email(
            "portal_share",
            [recipient_email],
            {
                "share": share,
                "beneficiary": bilan.beneficiary,
                "organisation": synthesis.organisation,
                "url": url,
            },
            reply_to=[bilan.beneficiary.email],
        )
        transaction.on_commit(email.send)
    return CreatedShare(share, url)


def revoke_share(share: SynthesisShare, *, actor: User) -> SynthesisShare:
    if share.synthesis.bilan.beneficiary.user_id != actor.pk:
        raise PermissionDenied(_("Seul le bénéficiaire peut retirer un partage."))
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    return share


def find_share(raw_token: str) -> SynthesisShare | None:
    """The share behind a link, whatever its state (a token carries no organisation)."""
    return (
        SynthesisShare.objects.unscoped()
        .select_related("organisation", "synthesis__bilan__beneficiary")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )


def open_share(share: SynthesisShare, *, download: bool = False) -> Synthesis:
    """The recipient opens the shared synthesis (a POST): recorded as a `shared_read`."""
    if not share.is_active:
        raise PortalError(_("Ce lien de partage n'est plus valable."))
    synthesis = share.synthesis
    detail = f"{share.recipient_name} <{share.recipient_email}>"
    if download:
        detail = _("%(who)s · téléchargement du PDF") % {"who": detail}
    bilan_services.record_access(synthesis, None, AccessAction.SHARED_READ, detail)
    SynthesisShare.objects.unscoped().filter(pk=share.pk).update(
        opened_count=F("opened_count") + 1, last_opened_at=timezone.now()
    )
    return synthesis


def synthesis_pdf_filename(synthesis: Synthesis) -> str:
    beneficiary = synthesis.bilan.beneficiary
    day = timezone.localtime(synthesis.delivered_at).strftime("%Y-%m-%d")
    return f"synthese-{slugify(beneficiary.full_name)}-{day}.pdf"


# --- The action plan -------------------------------------------------------------------------

ACTION_PLAN_STATUSES = (BilanStatus.CONCLUSION, BilanStatus.DELIVERED, BilanStatus.CLOSED)


def action_plan_open(bilan: Bilan) -> bool:
    return bilan.status in ACTION_PLAN_STATUSES


def add_own_action(bilan: Bilan, *, actor: User, **fields) -> Action:
    if bilan.beneficiary.user_id != actor.pk:
        raise PermissionDenied(_("Ce bilan n'est pas le vôtre."))
    return bilan_services.add_action(bilan, actor=actor, by_beneficiary=True, **fields)


BENEFICIARY_ACTION_FIELDS = {"status", "notes"}
OWN_ACTION_FIELDS = BENEFICIARY_ACTION_FIELDS | {"title", "description", "target_date"}


def update_own_action(action: Action, *, actor: User, **fields) -> Action:
    """The beneficiary marks progress and keeps notes; on the actions they added themselves
    they may also change the title, description and due date."""
    bilan = action.plan.bilan
    if bilan.beneficiary.user_id != actor.pk:
        raise PermissionDenied(_("Cette action n'est pas la vôtre."))
    allowed = OWN_ACTION_FIELDS if action.added_by_beneficiary else BENEFICIARY_ACTION_FIELDS
    unknown = set(fields) - allowed
    if unknown:
        raise PermissionDenied(_("Vous ne pouvez pas modifier ces informations."))
    if "status" in fields and fields["status"] not in ActionStatus.values:
        raise PortalError({"status": _("Choisissez un état proposé.")})
    notes_changed = "notes" in fields and fields["notes"].strip() != action.notes
    if "notes" in fields:
        fields["notes"] = fields["notes"].strip()
    with transaction.atomic():
        action = bilan_services.update_action(action, actor=actor, **fields)
        if notes_changed:
            bilan_services.record_event(
                bilan,
                EventKind.ACTION,
                _("Notes du bénéficiaire mises à jour sur « %(t)s ».") % {"t": action.title},
                actor,
            )
    return action


# --- Their data (RGPD) -----------------------------------------------------------------------


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
    user = beneficiary.user
    data: dict[str, Any] = {
        "exported_at": _iso(timezone.now()),
        "organisation": {"name": organisation.name, "contact_email": organisation.contact_email},
        "beneficiary": {
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
        },
        "portal_account": None,
        "bilans": [],
        "data_requests": [],
    }
    if user is not None:
        data["portal_account"] = {
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }
    bilans = (
        Bilan.objects.filter(beneficiary=beneficiary)
        .prefetch_related("consultants")
        .order_by("started_on", "created_at")
    )
    for bilan in bilans:
        entry: dict[str, Any] = {
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
            "meetings": [
                {
                    "phase": m.get_phase_display(),
                    "starts_at": _iso(m.starts_at),
                    "duration_minutes": m.duration_minutes,
                    "mode": m.get_mode_display(),
                    "is_accompaniment": m.is_accompaniment,
                }
                for m in Meeting.objects.filter(bilan=bilan).order_by("starts_at")
            ],
            "synthesis": None,
            "synthesis_accesses": [],
            "synthesis_shares": [],
            "action_plan": [],
            "history": [
                {"at": _iso(e.at), "kind": e.get_kind_display(), "message": e.message}
                for e in bilan.events.order_by("at")
            ],
        }
        synthesis = delivered_synthesis(bilan)
        if synthesis is not None:
            entry["synthesis"] = {
                **{name: getattr(synthesis, name) for name in SECTION_FIELDS},
                "version": synthesis.version,
                "delivered_at": _iso(synthesis.delivered_at),
                "follow_up_accepted": synthesis.follow_up_accepted,
                "beneficiary_comment": synthesis.beneficiary_comment,
                "pdf_sha256": synthesis.pdf_sha256,
            }
            entry["synthesis_accesses"] = [
                {
                    "at": _iso(a.at),
                    "action": a.get_action_display(),
                    "by": (a.user.get_full_name() or a.user.email) if a.user else None,
                    "detail": a.detail,
                }
                for a in SynthesisAccess.objects.filter(synthesis=synthesis)
                .select_related("user")
                .order_by("at")
            ]
            entry["synthesis_shares"] = [
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
            ]
        entry["action_plan"] = [
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
        data["bilans"].append(entry)
    data["data_requests"] = [
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
    return data


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


def organisation_admin_emails(organisation) -> list[str]:
    with organisation_scope(organisation):
        emails = list(
            Membership.objects.filter(role=Role.ADMIN, user__is_active=True)
            .order_by("user__email")
            .values_list("user__email", flat=True)
        )
    if not emails and organisation.contact_email:
        emails = [organisation.contact_email]
    return emails


def request_data_change(
    beneficiary: Beneficiary, *, kind: str, details: str, actor: User
) -> DataRequest:
    """The beneficiary asks for a correction or erasure; the organisation's admins are told."""
    if beneficiary.user_id != actor.pk:
        raise PermissionDenied(_("Seul le bénéficiaire peut faire cette demande."))
    if not details.strip():
        raise PortalError({"details": _("Précisez votre demande.")})
    with transaction.atomic():
        data_request = DataRequest(
            organisation=beneficiary.organisation,
            beneficiary=beneficiary,
            kind=kind,
            details=details.strip(),
        )
        data_request.full_clean(exclude=["organisation", "beneficiary"])
        data_request.save()
        recipients = organisation_admin_emails(beneficiary.organisation)
        if recipients:
            message = build_email(
                "portal_data_request",
                recipients,
                {
                    "data_request": data_request,
                    "beneficiary": beneficiary,
                    "organisation": beneficiary.organisation,
                    "admin_url": settings.SITE_URL
                    + reverse("admin:portal_datarequest_change", args=[data_request.pk]),
                },
                reply_to=[beneficiary.email],
            )
            transaction.on_commit(message.send)
    return data_request


def handle_data_request(
    data_request: DataRequest, *, status: str, response: str, actor: User
) -> DataRequest:
    """An admin records the outcome; a finished request is dated and the beneficiary told."""
    if status == DataRequestStatus.REFUSED and not response.strip():
        raise PortalError({"response": _("Indiquez au bénéficiaire le motif du refus.")})
    was_open = data_request.is_open
    data_request.status = status
    data_request.response = response.strip()
    finished = status in (DataRequestStatus.DONE, DataRequestStatus.REFUSED)
    if finished and was_open:
        data_request.handled_at = timezone.now()
        data_request.handled_by = actor
    data_request.save()
    if finished and was_open:
        beneficiary = data_request.beneficiary
        message = build_email(
            "portal_data_request_handled",
            [beneficiary.email],
            {
                "data_request": data_request,
                "beneficiary": beneficiary,
                "organisation": data_request.organisation,
                "url": settings.SITE_URL + reverse("portal:data"),
            },
        )
        transaction.on_commit(message.send)
    return data_request


# --- The home page ---------------------------------------------------------------------------

PHASES = [Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSION]


def phase_steps(bilan: Bilan) -> list[dict[str, Any]]:
    """The three phases with their state, for the timeline (text, never colour alone)."""
    status = bilan.status
    if status in (BilanStatus.DELIVERED, BilanStatus.CLOSED):
        current_index = len(PHASES)
    elif status == BilanStatus.ABANDONED:
        current_index = -1
    else:
        current_index = PHASES.index(Phase(status))
    ledger = bilan_services.hours_ledger(bilan)
    steps = []
    for index, phase in enumerate(PHASES):
        if current_index == -1:
            state = "stopped"
        elif index < current_index:
            state = "done"
        elif index == current_index:
            state = "current"
        else:
            state = "upcoming"
        steps.append(
            {
                "phase": phase,
                "label": BilanStatus(phase.value).label,  # "Phase d'investigation"
                "state": state,
                "hours": ledger.by_phase.get(phase.value),
            }
        )
    return steps


def follow_up_summary(bilan: Bilan) -> dict[str, Any] | None:
    """The follow-up state, when the suivi app provides one (guarded: it lands separately)."""
    try:
        from suivi.models import FollowUp
    except ImportError:
        return None
    follow_up = (
        FollowUp.objects.filter(bilan=bilan)
        .prefetch_related("bookings")
        .order_by("due_on", "created_at")
        .first()
    )
    if follow_up is None:
        return None
    booking = getattr(follow_up, "active_booking", None)
    url = None
    try:
        url = reverse("suivi:portal", args=[follow_up.pk])
    except NoReverseMatch:
        url = None
    display = getattr(follow_up, "get_state_display", None)
    return {
        "follow_up": follow_up,
        "status": display() if display else "",
        "due_on": getattr(follow_up, "due_on", None),
        "scheduled_at": booking.starts_at if booking is not None else None,
        "url": url,
    }
