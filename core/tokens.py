"""Secrets sent by email or to API clients: random, URL-safe, and stored only as a digest.

Invitation links, portal links, share links, follow-up links and API tokens are all rows of an
`EmailedToken` subclass, so a leaked database never yields a usable link, and issuing, finding,
expiring, spending and revoking are written once, here:

    row, raw = PortalInvitation.issue(valid_for=timedelta(days=7), beneficiary=...)
    row = PortalInvitation.find(raw)      # None when unknown, expired, spent or revoked
    row.spend()                           # single use: True for exactly one caller
    share.revoke()                        # multi-use: works until it expires or is revoked
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str = "", nbytes: int = 32) -> tuple[str, str]:
    """A new secret (to send once) and its SHA-256 digest (to store)."""
    raw = prefix + secrets.token_urlsafe(nbytes)
    return raw, hash_token(raw)


class EmailedToken(models.Model):
    """A secret handed out once and stored only as its SHA-256, usable until `expires_at`.

    Subclass one of its two kinds: `SingleUseToken` (spent once) or `RevocableToken` (used
    many times until revoked). Rows are read through the plain base manager, never the
    organisation scope: a secret carries no organisation, and knowing it is the permission.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("date de création"), auto_now_add=True)
    expires_at = models.DateTimeField(_("date d'expiration"), editable=False)

    token_prefix: ClassVar[str] = ""  # a visible prefix helps people and secret scanners
    token_bytes: ClassVar[int] = 32
    # The date that ends a token before it expires: `used_at` or `revoked_at` (the two kinds).
    stop_field: ClassVar[str]

    class Meta:
        abstract = True

    @classmethod
    def issue(
        cls, *, valid_for: timedelta, now: datetime | None = None, **fields: Any
    ) -> tuple[Self, str]:
        """Save a new row; return it and the raw secret, which is never stored: send it once."""
        raw, digest = new_token(cls.token_prefix, cls.token_bytes)
        row = cls(token_hash=digest, expires_at=(now or timezone.now()) + valid_for, **fields)
        row.keep_hint(raw)
        row.save(force_insert=True)
        return row, raw

    def keep_hint(self, raw: str) -> None:
        """Called once, before the first save, with the raw secret: a subclass may keep a
        harmless part of it to show (an API token keeps its first characters)."""

    @classmethod
    def matching(cls, raw: str) -> models.QuerySet[Self]:
        """The row behind a raw secret whatever its state, for pages that say why a link no
        longer works. Everything else uses `find`."""
        return cls._base_manager.filter(token_hash=hash_token(raw))

    @classmethod
    def usable_filter(cls, now: datetime | None = None) -> models.Q:
        """The rows still usable at `now`: `Model.objects.filter(Model.usable_filter())`."""
        return models.Q(expires_at__gt=now or timezone.now(), **{f"{cls.stop_field}__isnull": True})

    @classmethod
    def find(
        cls, raw: str, *, related: Sequence[str] = (), now: datetime | None = None
    ) -> Self | None:
        """The usable row behind a raw secret; None when unknown, expired, spent or revoked."""
        rows = cls.matching(raw).filter(cls.usable_filter(now))
        if related:
            rows = rows.select_related(*related)
        return rows.first()

    def _stamp_once(self, field: str, now: datetime, **still: Any) -> bool:
        """Set the empty date `field` to `now` in one UPDATE that checks it is still empty
        (a compare-and-swap): of callers racing in several processes, exactly one wins."""
        rows = type(self)._base_manager.filter(pk=self.pk, **{f"{field}__isnull": True}, **still)
        if rows.update(**{field: now}) != 1:
            return False
        setattr(self, field, now)
        return True

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return getattr(self, self.stop_field) is None and not self.is_expired


class SingleUseToken(EmailedToken):
    """A link that works once: an invitation, a portal activation, a follow-up link."""

    used_at = models.DateTimeField(_("date d'utilisation"), null=True, blank=True, editable=False)
    stop_field = "used_at"

    class Meta:
        abstract = True

    def spend(self, now: datetime | None = None) -> bool:
        """Mark the token used unless someone did first; True for exactly one caller.

        Inside a transaction the row stays locked until the commit, and a rollback gives the
        token back: spend first, then do the work.
        """
        now = now or timezone.now()
        return self._stamp_once("used_at", now, expires_at__gt=now)


class RevocableToken(EmailedToken):
    """A secret used many times until it expires or is revoked: a share link, an API token."""

    revoked_at = models.DateTimeField(
        _("date de révocation"), null=True, blank=True, editable=False
    )
    stop_field = "revoked_at"

    class Meta:
        abstract = True

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, now: datetime | None = None) -> bool:
        """Stop the secret working; True if this call revoked it (False: it already was)."""
        return self._stamp_once("revoked_at", now or timezone.now())
