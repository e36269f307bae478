"""Two ticks at the same time (threads, each with its own PostgreSQL connection) claim each
message once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from suivi import services
from suivi.models import FollowUp, Invitation, MessageState
from tests.suivi.helpers import delivered_bilan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SKIP LOCKED); CI runs it on PostgreSQL")


def _run_together(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_ticks_at_once_claim_each_invitation_once(side_a, side_b):
    for side in (side_a, side_b):
        for _ in range(15):
            delivered_bilan(side, delivered_at=timezone.now() - timedelta(days=200))
    now = timezone.now()
    first, second = _run_together(2, lambda: services.tick(now, enqueue_ids=False))
    assert set(first).isdisjoint(second)
    rows = Invitation.objects.unscoped().all()
    assert sorted(map(str, first + second)) == sorted(str(r.pk) for r in rows)
    assert rows.count() == 30
    assert FollowUp.objects.unscoped().filter(state="invited").count() == 30
    assert all(r.state == MessageState.SENDING and r.attempts == 1 for r in rows)


def test_four_ticks_and_sweeps_at_once_then_every_message_sent_once(side_a, settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUIVI_SENDING_TIMEOUT_SECONDS = 0
    for _ in range(12):
        delivered_bilan(side_a, delivered_at=timezone.now() - timedelta(days=200))
    now = timezone.now()
    claimed = _run_together(4, lambda: services.tick(now, enqueue_ids=False))
    ids = [pk for batch in claimed for pk in batch]
    # Every tick also swept (timeout 0): rows may be claimed again, but each is sent once.
    assert len(set(ids)) == 12

    def send_all():
        return [services.send_message(pk, now=now) for pk in set(ids)]

    outcomes = _run_together(3, send_all)
    assert sum(o.count("sent") for o in outcomes) == 12
    assert len(mailoutbox) == 12
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 12
