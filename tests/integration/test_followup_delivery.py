"""200 follow-ups due, a real Celery worker, a real Redis, a real SMTP server: every invitation
is received, once; a killed worker or a stopped Redis loses nothing (docs/scheduling.md)."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bilan.models import Beneficiary, Bilan, BilanStatus
from core.tenancy import organisation_scope
from suivi.models import FollowUp, Invitation, MessageState
from tests.integration.conftest import wait_for

COUNT = 200


@pytest.fixture
def due_follow_ups(postgresql_db, side_a, side_b) -> set[str]:
    """COUNT follow-ups whose invitation date has passed, in two organisations."""
    today = timezone.localdate()
    emails = set()
    for index in range(COUNT):
        side = side_a if index % 2 else side_b
        with organisation_scope(side.organisation), transaction.atomic():
            beneficiary = Beneficiary.objects.create(
                organisation=side.organisation,
                first_name="Camille",
                last_name=f"Integration{index}",
                email=f"camille{index}@{side.organisation.slug}.test",
                employment_status="cdi",
                consent_given_on=date(2026, 1, 5),
                consent_method="signed",
            )
            bilan = Bilan.objects.create(
                organisation=side.organisation,
                beneficiary=beneficiary,
                status=BilanStatus.DELIVERED,
                funding="cpf",
                started_on=date(2026, 1, 5),
            )
            bilan.consultants.set([side.consultant])
            FollowUp.objects.create(
                organisation=side.organisation,
                bilan=bilan,
                consultant=side.consultant,
                due_on=today + timedelta(days=20),
                invite_on=today - timedelta(days=1),
            )
        emails.add(beneficiary.email)
    return emails


def _assert_all_sent_once_by_message_id(mailbox, emails, extra_allowed: int) -> None:
    copies = mailbox.copies()
    assert len(copies) == COUNT, f"{len(copies)} distinct Message-IDs for {COUNT} invitations"
    extra = sum(n - 1 for n in copies.values())
    assert extra <= extra_allowed, f"{extra} extra copies (at most {extra_allowed} allowed)"
    assert {rcpt for _mid, rcpt, _subject in mailbox.received} == emails
    rows = Invitation.objects.unscoped().filter(kind="invitation")
    assert rows.count() == COUNT
    assert set(rows.values_list("state", flat=True)) == {MessageState.SENT}
    assert set(rows.values_list("message_id", flat=True)) == set(copies)


def _all_sent() -> bool:
    rows = Invitation.objects.unscoped().filter(kind="invitation")
    return rows.count() == COUNT and not rows.exclude(state=MessageState.SENT).exists()


def _queue_drained(mailbox, quiet: float = 2.5):
    """True once nothing new has arrived for `quiet` seconds."""
    last = {"count": -1, "since": time.monotonic()}

    def check() -> bool:
        count = mailbox.count()
        if count != last["count"]:
            last.update(count=count, since=time.monotonic())
            return False
        return time.monotonic() - last["since"] >= quiet

    return check


def test_200_due_invitations_are_received_each_once(due_follow_ups, mailbox, workers, run_tick):
    workers.start()
    result = run_tick()
    assert result.returncode == 0, result.stderr
    assert f"queued {COUNT}" in result.stdout
    wait_for(lambda: mailbox.count() >= COUNT, 120, f"{COUNT} messages ({workers.log()})")
    # A second tick (beat's next run) changes nothing.
    assert "queued 0" in run_tick().stdout
    time.sleep(1)
    _assert_all_sent_once_by_message_id(mailbox, due_follow_ups, extra_allowed=0)
    subjects = {subject for _mid, _rcpt, subject in mailbox.received}
    assert subjects == {
        "Votre entretien de suivi avec Alpha Bilans",
        "Votre entretien de suivi avec Beta Conseil",
    }


def test_a_worker_killed_mid_run_loses_nothing_and_duplicates_at_most_one(
    due_follow_ups, mailbox, workers, run_tick
):
    first = workers.start(concurrency=1)  # one message in flight when it is killed
    result = run_tick()
    assert result.returncode == 0, result.stderr
    wait_for(lambda: mailbox.count() >= 40, 120, f"the first messages ({workers.log()})", 0.01)
    workers.kill(first)  # SIGKILL to the worker's process group, mid-run
    killed_at = mailbox.count()
    assert killed_at < COUNT, "the worker finished before it could be killed"
    workers.start()
    wait_for(_queue_drained(mailbox), 120, "the restarted worker to drain the queue")
    time.sleep(4)  # older than SUIVI_SENDING_TIMEOUT_SECONDS: the stuck row is swept
    result = run_tick()  # beat's next tick runs the sweep
    assert result.returncode == 0, result.stderr
    wait_for(_all_sent, 120, f"every row sent ({workers.log()})")
    time.sleep(1)
    _assert_all_sent_once_by_message_id(mailbox, due_follow_ups, extra_allowed=1)


def test_redis_stopped_during_a_tick_loses_nothing(
    due_follow_ups, mailbox, workers, run_tick, redis_server
):
    workers.start()
    time.sleep(3)  # the worker is up and connected
    redis_server.stop()
    started = time.monotonic()
    result = run_tick()  # claims and commits, but cannot queue the sends
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    assert mailbox.count() == 0
    rows = Invitation.objects.unscoped()
    assert rows.count() == COUNT
    assert set(rows.values_list("state", flat=True)) == {MessageState.SENDING}
    redis_server.start()  # a fresh, empty Redis on the same port: the queue was lost
    time.sleep(4)  # past SUIVI_SENDING_TIMEOUT_SECONDS
    result = run_tick()  # the sweep queues every stuck message again
    assert result.returncode == 0, result.stderr
    assert f"queued {COUNT}" in result.stdout
    wait_for(lambda: mailbox.count() >= COUNT, 180, f"{COUNT} messages ({workers.log()})")
    time.sleep(1)
    _assert_all_sent_once_by_message_id(mailbox, due_follow_ups, extra_allowed=0)
