"""Issuing and revoking API tokens (the rules; views are thin callers)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User, memberships_of
from accounts.services import has_totp
from api.models import ApiToken

MAX_TOKEN_DAYS = 365


class TokenRefused(ValidationError):
    """The credentials do not give a token; the message says why, in French."""


def _email_verified(user: User) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def token_for_credentials(request, email: str, password: str, *, name: str = "") -> tuple:
    """Check email + password the way the sign-in page does, then issue a token."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if user is None:
        raise TokenRefused(_("Adresse e-mail ou mot de passe incorrect."))
    if not _email_verified(user):
        raise TokenRefused(
            _("Confirmez d'abord votre adresse e-mail en vous connectant sur le site.")
        )
    if has_totp(user):
        raise TokenRefused(
            _(
                "Votre compte est protégé par la double authentification : créez un jeton depuis "
                "la page « Jetons d'API » de votre compte."
            )
        )
    if any(m.organisation.require_mfa for m in memberships_of(user)):
        raise TokenRefused(
            _(
                "Votre organisation exige la double authentification : activez-la sur le site, "
                "puis créez un jeton depuis la page « Jetons d'API » de votre compte."
            )
        )
    return _issue(user, name=name or _("Jeton créé par l'API"), days=settings.API_TOKEN_TTL_DAYS)


def create_token(user: User, *, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    days = settings.API_TOKEN_TTL_DAYS if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            {"days": _("Choisissez une durée entre 1 et %(max)s jours.") % {"max": MAX_TOKEN_DAYS}}
        )
    return _issue(user, name=name, days=days)


def _issue(user: User, *, name: str, days: int) -> tuple[ApiToken, str]:
    """The raw token is returned once and never stored."""
    return ApiToken.issue(valid_for=timedelta(days=days), user=user, name=name.strip()[:100])


def revoke_token(token: ApiToken) -> None:
    token.revoke()


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def active_tokens_count(user: User) -> int:
    return ApiToken.objects.filter(ApiToken.usable_filter(), user=user).count()
