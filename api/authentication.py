"""`Authorization: Bearer <token>`: the token is looked up by its sha256, never stored raw."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken

# last_used_at is written at most this often per token (one UPDATE, not one per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: sessions may still authenticate the request
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("En-tête Authorization invalide : attendu « Bearer <jeton> ».")
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Jeton invalide.")) from exc
        token = ApiToken.matching(raw).select_related("user").first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide."))
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(_("Ce jeton a été révoqué."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("Ce jeton a expiré : demandez-en un nouveau sur /api/v1/auth/token/.")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Ce compte est désactivé."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
