"""Access to the portal: the consultant invites (`invite_beneficiary`), the beneficiary sets a
password through a single-use, expiring link whose secret is stored hashed
(`activate_portal_account`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import rules
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import Beneficiary
from core.mail import build_email
from core.tenancy import organisation_scope
from portal.models import PortalInvitation
from portal.services.errors import PortalError


@dataclass
class SentPortalInvitation:
    invitation: PortalInvitation
    url: str


def portal_invitation_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("portal:activate", args=[raw_token])


def invite_beneficiary(beneficiary: Beneficiary, actor: User) -> SentPortalInvitation:
    """Email the beneficiary a single-use, expiring link to set their portal password.
    A new invitation replaces any earlier one that was not used."""
    if not rules.test_rule("bilan.manage_beneficiary", actor, beneficiary):
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
            PortalInvitation.usable_filter(now), beneficiary=beneficiary
        ).update(expires_at=now)
        invitation, raw = PortalInvitation.issue(
            valid_for=timedelta(days=settings.INVITATION_VALIDITY_DAYS),
            now=now,
            organisation=beneficiary.organisation,
            beneficiary=beneficiary,
            email=email,
            invited_by=actor,
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
        PortalInvitation.objects.filter(PortalInvitation.usable_filter(), beneficiary=beneficiary)
        .order_by("-created_at")
        .first()
    )
    return {
        "state": "invited" if invitation else "none",
        "invitation": invitation,
        "can_invite": True,
    }


def find_portal_invitation(raw_token: str) -> PortalInvitation | None:
    """The invitation behind a link, if it can still be used."""
    return PortalInvitation.find(raw_token, related=["beneficiary", "organisation"])


def activate_portal_account(raw_token: str, password: str) -> User:
    """Spend the invitation: create the beneficiary's account with a verified address.

    The invitation is spent first (a concurrent activation loses) and given back by the
    rollback if a check below fails.
    """
    with transaction.atomic():
        invitation = find_portal_invitation(raw_token)
        if invitation is None or not invitation.spend():
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
    return user
