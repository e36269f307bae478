"""The delivered synthesis, shared by the beneficiary with someone they name (their decision
only, L6313-4): a link that expires, can be revoked, and logs every opening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from bilan import services as bilan_services
from bilan.models import AccessAction, Synthesis
from core.mail import build_email
from portal.models import SharePurpose, SynthesisShare
from portal.services.errors import PortalError

SHARE_VALIDITY_CHOICES = (7, 30, 90)  # days the beneficiary may choose for a share link
DEFAULT_SHARE_VALIDITY_DAYS = 30


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
    if not rules.test_rule("bilan.act_as_its_beneficiary", actor, bilan):
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
        share, raw = SynthesisShare.issue(
            valid_for=timedelta(days=valid_days),
            organisation=synthesis.organisation,
            synthesis=synthesis,
            recipient_name=recipient_name,
            recipient_email=recipient_email,
            purpose=purpose,
            message=message.strip(),
            created_by=actor,
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
    if not rules.test_rule("bilan.act_as_its_beneficiary", actor, share.synthesis.bilan):
        raise PermissionDenied(_("Seul le bénéficiaire peut retirer un partage."))
    share.revoke()
    return share


def find_share(raw_token: str) -> SynthesisShare | None:
    """The share behind a link, if it is neither expired nor revoked."""
    return SynthesisShare.find(raw_token, related=["organisation", "synthesis__bilan__beneficiary"])


def open_share(share: SynthesisShare, *, download: bool = False) -> Synthesis:
    """The recipient opens the shared synthesis (a POST): recorded as a `shared_read`."""
    if not share.is_usable:
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
