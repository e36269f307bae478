"""Rules about people and organisations: invitations, memberships, organisation switching."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import (
    ROLE_RANK,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    memberships_of,
)
from core.mail import build_email
from core.tenancy import organisation_scope


@dataclass
class SentInvitation:
    invitation: Invitation
    url: str


def invitation_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("accept_invitation", args=[raw_token])


def check_can_invite(organisation: Organisation, email: str, role: str, invited_by: User) -> str:
    """Raise PermissionDenied or ValidationError unless `invited_by` may invite `email` as `role`.

    Returns the normalised address. Forms call it in `clean()` so bad input is a form error.
    """
    inviter = memberships_of(invited_by).filter(organisation=organisation).first()
    if not invited_by.is_superuser and (inviter is None or not inviter.is_admin):
        raise PermissionDenied(_("Seul un administrateur de l'organisation peut inviter."))
    if role not in Role.values:
        raise ValidationError({"role": _("Ce rôle n'existe pas.")})
    if (
        not invited_by.is_superuser
        and inviter is not None
        and ROLE_RANK[Role(role)] > ROLE_RANK[Role(inviter.role)]
    ):
        raise PermissionDenied(_("Vous ne pouvez pas attribuer un rôle supérieur au vôtre."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Saisissez une adresse e-mail valide.")}) from None
    with organisation_scope(organisation):
        if Membership.objects.filter(user__email__iexact=email).exists():
            raise ValidationError({"email": _("Cette personne est déjà membre de l'organisation.")})
    return email


def invite_member(
    organisation: Organisation, email: str, role: str, invited_by: User
) -> SentInvitation:
    """Send a single-use, expiring invitation to join `organisation` with `role`."""
    email = check_can_invite(organisation, email, role, invited_by)
    invitation, raw = Invitation.issue(
        valid_for=timedelta(days=settings.INVITATION_VALIDITY_DAYS),
        organisation=organisation,
        email=email,
        role=role,
        invited_by=invited_by,
    )
    url = invitation_url(raw)
    message = build_email(
        "invitation",
        [email],
        {"invitation": invitation, "organisation": organisation, "url": url, "inviter": invited_by},
        reply_to=[invited_by.email],
    )
    transaction.on_commit(message.send)
    return SentInvitation(invitation, url)


def has_totp(user: User | int) -> bool:
    """Has the person (a user or their id) activated an authenticator app?"""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def find_invitation(raw_token: str) -> Invitation | None:
    """The invitation behind a link, if it can still be accepted."""
    return Invitation.find(raw_token, related=["organisation"])


def add_membership(organisation: Organisation, user: User, role: str) -> Membership:
    with organisation_scope(organisation):
        membership, _created = Membership.objects.get_or_create(
            organisation=organisation, user=user, defaults={"role": role}
        )
    if membership.role == Role.ADMIN and not user.is_staff:
        user.is_staff = True  # organisation admins work in the (scoped) Django admin
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def accept_invitation(
    raw_token: str,
    *,
    user: User | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Spend the invitation: create the account if needed, verify its email, add the membership.

    The invitation is spent first (a concurrent acceptance loses) and given back if any check
    below fails, since the whole function is one transaction.
    """
    invitation = find_invitation(raw_token)
    if invitation is None or not invitation.spend():
        raise ValidationError(_("Ce lien d'invitation n'est plus valable."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("Un compte existe déjà pour cette adresse : connectez-vous pour accepter.")
            )
        user = User.objects.create_user(
            invitation.email, password, first_name=first_name, last_name=last_name
        )
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("Cette invitation a été envoyée à %(email)s.") % {"email": invitation.email}
        )
    # The link arrived by email: the address is proven.
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return add_membership(invitation.organisation, user, invitation.role)
