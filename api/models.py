"""API tokens: a user's bearer credentials, stored hashed (sha256), expiring, revocable
(core.tokens.RevocableToken)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tokens import RevocableToken

TOKEN_PREFIX = "psl_"  # noqa: S105 (a visible prefix, not a secret)


class ApiToken(RevocableToken):
    """A bearer token. Belongs to a person, not to an organisation: the organisation of each
    request is chosen by the X-Organisation header (or the person's only membership)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("utilisateur"),
    )
    name = models.CharField(_("nom"), max_length=100, blank=True)
    key_prefix = models.CharField(_("début du jeton"), max_length=12, editable=False)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    token_prefix = TOKEN_PREFIX

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name or self.key_prefix

    def keep_hint(self, raw: str) -> None:
        self.key_prefix = raw[: len(TOKEN_PREFIX) + 6]  # shown in lists to tell tokens apart
