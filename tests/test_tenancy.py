"""The organisation scope fails closed and only `.unscoped()` crosses it."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership
from core.tenancy import TenantScopeMissing, current_organisation


def test_query_without_scope_raises(side_a):
    with pytest.raises(TenantScopeMissing):
        list(Membership.objects.all())
    with pytest.raises(TenantScopeMissing):
        Membership.objects.filter(role="admin").exists()


def test_scope_returns_only_its_organisation(side_a, side_b):
    with side_a.scope():
        emails = set(Membership.objects.values_list("user__email", flat=True))
    assert emails == {"admin@alpha.test", "consultant@alpha.test"}
    with side_b.scope():
        assert Membership.objects.count() == 2
        assert not Membership.objects.filter(organisation=side_a.organisation).exists()
        # Even a direct lookup of a foreign row's primary key finds nothing.
        foreign = Membership.objects.unscoped().filter(organisation=side_a.organisation).first()
        assert not Membership.objects.filter(pk=foreign.pk).exists()


def test_unscoped_is_the_explicit_way_across(side_a, side_b):
    assert Membership.objects.unscoped().count() == 4


def test_scope_is_reset_after_the_block_even_on_error(side_a):
    assert current_organisation() is None

    def fail_inside_scope():
        with side_a.scope():
            assert current_organisation() == side_a.organisation
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail_inside_scope()
    assert current_organisation() is None


def test_nested_scopes_restore_the_outer_one(side_a, side_b):
    with side_a.scope():
        with side_b.scope():
            assert current_organisation() == side_b.organisation
        assert current_organisation() == side_a.organisation


def test_new_rows_take_the_current_organisation(side_a):
    from tests.factories import UserFactory

    user = UserFactory()
    with side_a.scope():
        membership = Membership(user=user)
        membership.save()
    assert membership.organisation == side_a.organisation


def test_check_same_organisation_refuses_foreign_rows(side_a, side_b):
    with side_a.scope():
        mine = Membership.objects.first()
    with side_b.scope():
        theirs = Membership.objects.first()
    with pytest.raises(ValidationError):
        mine.check_same_organisation(other=theirs)
    mine.check_same_organisation(other=mine)


def test_middleware_scope_does_not_leak_between_requests(client, side_a):
    client.force_login(side_a.consultant)
    assert client.get("/tableau-de-bord/").status_code == 200
    assert current_organisation() is None


def test_unscoped_queryset_fails_closed_when_only_compiled(side_a):
    """A queryset built without a scope raises when read and matches nothing as a subquery."""
    from accounts.models import User

    guard = Membership.objects.values("user_id")
    with pytest.raises(TenantScopeMissing):
        list(guard)
    with pytest.raises(TenantScopeMissing):
        Membership.objects.filter(role="admin").update(role="consultant")
    with pytest.raises(TenantScopeMissing):
        Membership.objects.all().delete()
    with pytest.raises(TenantScopeMissing):
        Membership.objects.get(user=side_a.admin)
    assert not User.objects.filter(pk__in=guard).exists()
    with side_a.scope():
        assert User.objects.filter(pk__in=Membership.objects.values("user_id")).count() == 2


# --- The scope carries who is acting -----------------------------------------------------------


def _scope_seen_by_a_view(user, session=None):
    """Run the web middleware for `user` and return the scope the view saw."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accounts.middleware import OrganisationScopeMiddleware
    from core.tenancy import current_scope

    seen = []

    def view(request):
        seen.append(current_scope())
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    request.session = session or SessionStore()
    OrganisationScopeMiddleware(view)(request)
    assert current_scope() is None  # and it is left afterwards
    return seen[0]


def test_the_web_scope_acts_as_the_chosen_membership(side_a, side_b):
    from accounts.middleware import SESSION_KEY
    from tests.factories import MembershipFactory

    scope = _scope_seen_by_a_view(side_a.admin)
    assert scope.organisation == side_a.organisation
    assert (scope.role, scope.is_admin, scope.user_id) == ("admin", True, side_a.admin.pk)
    assert scope.acts_as(side_a.admin)
    assert not scope.acts_as(side_a.consultant)
    # A freelance consultant of both organisations acts in the one chosen in the session.
    MembershipFactory(organisation=side_b.organisation, user=side_a.consultant, role="admin")
    session = {SESSION_KEY: str(side_b.organisation.pk)}
    scope = _scope_seen_by_a_view(side_a.consultant, session)
    assert (scope.organisation, scope.role) == (side_b.organisation, "admin")


def test_the_web_scope_acts_as_a_beneficiary_without_membership(side_a, platform_staff):
    from tests.portal.helpers import make_person

    person = make_person(side_a, stage="preliminary")
    scope = _scope_seen_by_a_view(person.user)
    assert (scope.organisation, scope.role) == (side_a.organisation, "beneficiary")
    assert scope.beneficiary == person.beneficiary
    assert scope.membership is None
    assert _scope_seen_by_a_view(platform_staff) is None  # no organisation, no scope


def test_the_api_scope_acts_as_the_token_holder(side_a, monkeypatch):
    from api.viewsets import ScopedViewSet
    from core.tenancy import current_scope
    from tests.api.conftest import bearer

    seen = []
    check = ScopedViewSet.check_permissions

    def spy(self, request):
        seen.append(current_scope())
        return check(self, request)

    monkeypatch.setattr(ScopedViewSet, "check_permissions", spy)
    assert bearer(side_a.consultant).get("/api/v1/bilans/").status_code == 200
    assert seen[0].membership.user == side_a.consultant
    assert seen[0].role == "consultant"
    assert current_scope() is None


def test_a_scope_acts_for_one_person_of_its_own_organisation(side_a, side_b):
    from core.tenancy import Scope, current_scope, organisation_scope

    with side_a.scope():
        mine = Membership.objects.get(user=side_a.consultant)
    with side_b.scope():
        theirs = Membership.objects.get(user=side_b.consultant)
    with pytest.raises(ValueError, match="belongs to its organisation"):
        Scope(side_a.organisation, membership=theirs)
    with organisation_scope(side_a.organisation, membership=mine):
        assert current_scope().role == "consultant"
        with side_a.scope():  # a bare scope (a task inside a request): nobody acts
            assert current_scope().role is None
            assert current_scope().user_id is None
        assert current_scope().membership == mine
