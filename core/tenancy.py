"""The organisation scope: every read of tenant data goes through it, and it fails closed.

A ContextVar holds the current `Scope`: the organisation, and who is acting in it (a member,
whose membership carries the role, or a beneficiary working on their own rows; nobody for
tasks and commands). The middleware (web), the API base viewset and `organisation_scope()`
(tasks, commands, tests) set it and always reset it. A `TenantModel`'s default manager raises
`TenantScopeMissing` when no scope is set; code that really works across organisations (the
scheduler, platform staff) says so with `.unscoped()`, which is easy to grep. Who may see and do
what is decided by the rules modules (accounts/rules.py, bilan/rules.py, suivi/rules.py), which
read the actor from here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import Membership, Organisation

#: The role of a person acting on their own rows (members' roles are accounts.Role's values).
BENEFICIARY = "beneficiary"


@dataclass(frozen=True)
class Scope:
    """Where the current code runs (the organisation) and who acts in it, if anyone: a member
    (their membership carries the role) or a beneficiary (bilan.Beneficiary), never both."""

    organisation: Organisation
    membership: Membership | None = None
    beneficiary: Any = None  # bilan.Beneficiary (core knows no app above it)

    def __post_init__(self) -> None:
        for actor in (self.membership, self.beneficiary):
            if actor is not None and actor.organisation_id != self.organisation.pk:
                raise ValueError("The actor of a scope belongs to its organisation.")
        if self.membership is not None and self.beneficiary is not None:
            raise ValueError("A scope has one actor: a member or a beneficiary.")

    @property
    def user_id(self):
        """The acting user's id (None for tasks, commands, emailed-link visitors)."""
        actor = self.membership or self.beneficiary
        return getattr(actor, "user_id", None)

    @property
    def role(self) -> str | None:
        """The acting role: a member's ("admin", "consultant"), "beneficiary", or None."""
        if self.membership is not None:
            return self.membership.role
        return BENEFICIARY if self.beneficiary is not None else None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_admin(self) -> bool:
        return self.membership is not None and self.membership.is_admin

    @property
    def is_beneficiary(self) -> bool:
        return self.beneficiary is not None

    def acts_as(self, user) -> bool:
        """True when `user` is the person this scope acts for (then their role is known here,
        without a query)."""
        user_id = getattr(user, "pk", None)
        return user_id is not None and user_id == self.user_id


_current_scope: ContextVar[Scope | None] = ContextVar("current_scope", default=None)


class TenantScopeMissing(RuntimeError):
    """Tenant data was read with no organisation scope: a bug, never a user error."""


def current_scope() -> Scope | None:
    return _current_scope.get()


def current_organisation() -> Organisation | None:
    scope = _current_scope.get()
    return scope.organisation if scope is not None else None


def require_organisation() -> Organisation:
    organisation = current_organisation()
    if organisation is None:
        raise TenantScopeMissing(
            "No organisation scope is set. Enter one with organisation_scope(...) or, "
            "for deliberate cross-organisation work, use .unscoped()."
        )
    return organisation


def _scope(organisation: Organisation | None, membership, beneficiary) -> Scope | None:
    if organisation is None:
        return None
    return Scope(organisation, membership=membership, beneficiary=beneficiary)


@contextmanager
def organisation_scope(
    organisation: Organisation | None,
    *,
    membership: Membership | None = None,
    beneficiary: Any = None,
) -> Iterator[Organisation | None]:
    """Run a block inside one organisation's scope (tasks, commands, tests), optionally acting
    as one of its members or beneficiaries."""
    token = _current_scope.set(_scope(organisation, membership, beneficiary))
    try:
        yield organisation
    finally:
        _current_scope.reset(token)


def activate(
    organisation: Organisation | None,
    *,
    membership: Membership | None = None,
    beneficiary: Any = None,
) -> Token:
    """Set the scope and return the token for `deactivate` (the web middleware)."""
    return enter(_scope(organisation, membership, beneficiary))


def enter(scope: Scope | None) -> Token:
    """Set a scope already built (the API's, resolved from the request); `deactivate` it."""
    return _current_scope.set(scope)


def deactivate(token: Token) -> None:
    _current_scope.reset(token)


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
