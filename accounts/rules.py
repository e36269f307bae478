"""Who a person is in the current organisation: the role predicates the other apps' rules build
on (bilan/rules.py, suivi/rules.py; docs/architecture.md says where each rule lives).

The role comes from the organisation scope (core.tenancy) when the person asked about is the
one acting in it: the web middleware and the API set it, so a request asks no query. Otherwise
(a task, a command, a test that enters a bare `organisation_scope`, a service asked about
another person) it comes from their membership in the scope's organisation. Without a scope
nobody has a role: platform staff work through the Django admin, never through these rules.
"""

from __future__ import annotations

import rules

from accounts.models import Membership, Role
from core.tenancy import current_scope


def membership_in_scope(user) -> Membership | None:
    """The user's membership in the current organisation, None when they do not act as one of
    its members (a beneficiary, platform staff, a member of another organisation)."""
    scope = current_scope()
    if scope is None or not getattr(user, "is_authenticated", False):
        return None
    if scope.acts_as(user):
        return scope.membership
    return Membership.objects.filter(user=user).first()  # the scope's organisation only


@rules.predicate
def is_member(user) -> bool:
    return membership_in_scope(user) is not None


@rules.predicate
def is_organisation_admin(user) -> bool:
    membership = membership_in_scope(user)
    return membership is not None and membership.role == Role.ADMIN


@rules.predicate
def is_consultant(user) -> bool:
    membership = membership_in_scope(user)
    return membership is not None and membership.role == Role.CONSULTANT


rules.add_rule("accounts.is_member", is_member)
rules.add_rule("accounts.is_organisation_admin", is_organisation_admin)
