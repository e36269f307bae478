"""The emailed-token base: issue, find, expiry, single use (raced on PostgreSQL), revocation.

Two throwaway concrete models live in an isolated app registry, so the walks over every
installed model (tests/test_tenant_isolation.py) never see them; their tables exist only
during each test.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from core.tokens import RevocableToken, SingleUseToken, hash_token

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)

with isolate_apps("core"):

    class OneTimePass(SingleUseToken):
        label = models.CharField(max_length=20, blank=True)

        class Meta:
            app_label = "core"

    class Badge(RevocableToken):
        token_prefix = "bdg_"

        class Meta:
            app_label = "core"


@pytest.fixture
def tables(transactional_db):
    """Real tables (committed, so that other connections see the rows)."""
    with connection.schema_editor() as editor:
        editor.create_model(OneTimePass)
        editor.create_model(Badge)
    yield
    with connection.schema_editor() as editor:
        editor.delete_model(OneTimePass)
        editor.delete_model(Badge)


def test_issue_stores_only_the_hash(tables):
    row, raw = OneTimePass.issue(valid_for=DAY, now=NOW, label="x")
    stored = OneTimePass._base_manager.get(pk=row.pk)
    assert stored.token_hash == hash_token(raw)
    assert raw not in stored.token_hash
    assert stored.label == "x"
    assert stored.expires_at == NOW + DAY
    assert stored.created_at is not None
    assert stored.used_at is None
    assert len(raw) >= 40  # 32 random bytes, URL-safe
    badge, badge_raw = Badge.issue(valid_for=DAY)
    assert badge_raw.startswith("bdg_")
    assert badge.token_hash == hash_token(badge_raw)


def test_find_returns_only_usable_rows(tables):
    row, raw = OneTimePass.issue(valid_for=DAY, now=NOW)
    assert OneTimePass.find(raw, now=NOW) == row
    assert OneTimePass.find(raw, now=NOW + DAY - timedelta(seconds=1)) == row
    assert OneTimePass.find(raw, now=NOW + DAY) is None  # expired at expires_at exactly
    assert OneTimePass.find("not-a-token", now=NOW) is None
    assert OneTimePass.find(raw[:-1], now=NOW) is None
    assert OneTimePass.matching(raw).get() == row  # whatever the state, for error pages


def test_expired_row_is_neither_usable_nor_spendable(tables):
    row, raw = OneTimePass.issue(valid_for=DAY, now=NOW - 2 * DAY)
    assert row.is_expired
    assert not row.is_usable
    assert OneTimePass.find(raw) is None
    assert row.spend() is False
    assert OneTimePass._base_manager.get(pk=row.pk).used_at is None


def test_spend_works_once(tables):
    row, raw = OneTimePass.issue(valid_for=DAY)
    assert row.is_usable
    assert row.spend() is True
    assert row.used_at is not None
    assert not row.is_usable
    assert OneTimePass.find(raw) is None
    again = OneTimePass.matching(raw).get()
    assert again.spend() is False  # a stale copy loses too
    assert not OneTimePass._base_manager.filter(OneTimePass.usable_filter()).exists()


def test_revocable_token_is_used_many_times_until_revoked(tables):
    badge, raw = Badge.issue(valid_for=DAY)
    assert Badge.find(raw) == badge
    assert Badge.find(raw) == badge  # not spent by finding it
    assert badge.revoke() is True
    assert badge.is_revoked
    assert not badge.is_usable
    assert badge.revoke() is False
    assert Badge.find(raw) is None
    assert Badge.matching(raw).get().revoked_at == badge.revoked_at


def race_to_spend(pk, racers: int) -> list[bool]:
    """`racers` threads, each with its own connection, spend the same row at the same instant."""
    start = threading.Barrier(racers)
    results: list[bool] = []

    def spend() -> None:
        try:
            copy = OneTimePass._base_manager.get(pk=pk)
            start.wait(timeout=10)
            results.append(copy.spend())
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real race needs concurrent connections"
)
def test_concurrent_spends_one_wins(tables):
    for _round in range(5):
        row, _raw = OneTimePass.issue(valid_for=DAY)
        assert sorted(race_to_spend(row.pk, racers=4)) == [False, False, False, True]
        assert OneTimePass._base_manager.get(pk=row.pk).used_at is not None
