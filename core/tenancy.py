"""The organisation scope: every read of tenant data goes through it, and it fails closed.

A ContextVar holds the current organisation. The middleware (web), the API base viewset and
`organisation_scope()` (tasks, commands, tests) set it and always reset it. A `TenantModel`'s
default manager raises `TenantScopeMissing` when no scope is set; code that really works across
organisations (the scheduler, platform staff) says so with `.unscoped()`, which is easy to grep.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import Organisation

_current_organisation: ContextVar[Organisation | None] = ContextVar(
    "current_organisation", default=None
)


class TenantScopeMissing(RuntimeError):
    """Tenant data was read with no organisation scope: a bug, never a user error."""


def current_organisation() -> Organisation | None:
    return _current_organisation.get()


def require_organisation() -> Organisation:
    organisation = _current_organisation.get()
    if organisation is None:
        raise TenantScopeMissing(
            "No organisation scope is set. Enter one with organisation_scope(...) or, "
            "for deliberate cross-organisation work, use .unscoped()."
        )
    return organisation


@contextmanager
def organisation_scope(organisation: Organisation | None) -> Iterator[Organisation | None]:
    """Run a block inside one organisation's scope (tasks, commands, tests)."""
    token = _current_organisation.set(organisation)
    try:
        yield organisation
    finally:
        _current_organisation.reset(token)


def activate(organisation: Organisation | None):
    """Set the scope and return the token for `deactivate` (middleware, API views)."""
    return _current_organisation.set(organisation)


def deactivate(token) -> None:
    _current_organisation.reset(token)


class TenantQuerySet(models.QuerySet):
    pass


def _refuse(*args, **kwargs):
    require_organisation()  # raises TenantScopeMissing: there is no scope


class ScopeMissingQuerySet(TenantQuerySet):
    """What the manager hands out with no scope: it raises when it is read, and it matches
    no row where it is only compiled (a subquery, a form field's default choices), so it
    fails closed either way without breaking code that builds a queryset it never reads."""

    _fetch_all = _refuse
    count = _refuse
    exists = _refuse
    aggregate = _refuse
    update = _refuse
    delete = _refuse
    iterator = _refuse
    in_bulk = _refuse
    contains = _refuse
    explain = _refuse


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Filters by the current organisation; without one, reading raises."""

    def get_queryset(self) -> TenantQuerySet:
        organisation = current_organisation()
        if organisation is None:
            return ScopeMissingQuerySet(self.model, using=self._db).filter(
                organisation__isnull=True  # never true: the column is NOT NULL
            )
        return super().get_queryset().filter(organisation=organisation)

    def unscoped(self) -> TenantQuerySet:
        """All organisations' rows. Only for deliberate cross-organisation work."""
        return super().get_queryset()


class TenantModel(models.Model):
    """An organisation-owned row: UUID primary key, the organisation, a scoped manager."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
        db_index=True,
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.organisation_id is None:
            self.organisation = require_organisation()
        super().save(*args, **kwargs)

    def check_same_organisation(self, **related: models.Model | None) -> None:
        """Raise ValidationError when a related row belongs to another organisation."""
        errors = {
            field: _("Cet élément appartient à une autre organisation.")
            for field, obj in related.items()
            if obj is not None and getattr(obj, "organisation_id", None) != self.organisation_id
        }
        if errors:
            raise ValidationError(errors)
