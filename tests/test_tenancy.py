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
