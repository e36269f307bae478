"""Failed sign-ins are rate limited (ACCOUNT_RATE_LIMITS, counted in the cache)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = reverse("account_login")
TOO_MANY = "Trop de tentatives de connexion échouées"


def _limit(rule: str, kind: str) -> int:
    """The smallest count of the ACCOUNT_RATE_LIMITS rule for one kind ("ip" or "key")."""
    counts = [
        int(match.group(1))
        for part in settings.ACCOUNT_RATE_LIMITS[rule].split(",")
        if (match := re.match(r"(\d+)/\w+/(\w+)", part.strip())) and match.group(2) == kind
    ]
    assert counts, f"ACCOUNT_RATE_LIMITS[{rule!r}] has no {kind} rule"
    return min(counts)


def _attempt(client, email: str, password: str, ip: str = "127.0.0.1"):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_settings_configure_a_cache_and_login_limits():
    assert settings.CACHES["default"]["BACKEND"]
    assert "login_failed" in settings.ACCOUNT_RATE_LIMITS


def test_after_the_limit_even_the_right_password_is_refused(client, side_a):
    email = side_a.consultant.email
    limit = _limit("login_failed", "key")
    for _ in range(limit):
        response = _attempt(client, email, "wrong-password")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()

    response = _attempt(client, email, PASSWORD)
    assert response.status_code == 200
    assert AUTH_SESSION_KEY not in client.session
    assert TOO_MANY in response.content.decode()


def test_the_limit_is_per_account(client, side_a):
    for _ in range(_limit("login_failed", "key")):
        _attempt(client, side_a.consultant.email, "wrong-password")
    # The locked account stays locked from another address...
    response = _attempt(client, side_a.consultant.email, PASSWORD, ip="10.0.0.2")
    assert TOO_MANY in response.content.decode()
    # ...and another account from that address is not locked out by someone else's failures.
    response = _attempt(client, side_a.admin.email, PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302
    assert client.session[AUTH_SESSION_KEY] == str(side_a.admin.pk)


def test_the_ip_limit_stops_spraying_across_accounts(client, side_a, side_b):
    limit = _limit("login_failed", "ip")
    for n in range(limit):
        _attempt(client, f"personne{n}@example.test", "wrong-password")
    # The same address now trying a real account with its right password is refused.
    response = _attempt(client, side_b.consultant.email, PASSWORD)
    assert AUTH_SESSION_KEY not in client.session
    assert TOO_MANY in response.content.decode()


def test_successful_sign_ins_do_not_count_as_failures(client, side_a):
    for _ in range(_limit("login_failed", "key") + 2):
        response = _attempt(client, side_a.consultant.email, PASSWORD)
        assert response.status_code == 302
        client.logout()


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_starts_with_a_clean_counter(client, side_a, round_):
    # Run twice: if the cache leaked between tests, the second round would be locked out.
    limit = _limit("login_failed", "key")
    for _ in range(limit - 1):
        _attempt(client, side_a.consultant.email, "wrong-password")
    response = _attempt(client, side_a.consultant.email, PASSWORD)
    assert response.status_code == 302


def test_login_codes_are_rate_limited_too(client, side_a, mailoutbox):
    limit = _limit("request_login_code", "key")
    for _ in range(limit):
        client.post(reverse("account_request_login_code"), {"email": side_a.consultant.email})
        client.cookies.clear()  # a fresh session each time: only the key limit applies
    sent = len(mailoutbox)
    response = client.post(
        reverse("account_request_login_code"), {"email": side_a.consultant.email}
    )
    assert len(mailoutbox) == sent, "no code is sent past the limit"
    assert response.status_code in (200, 429)
