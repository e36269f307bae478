"""The tick: what is due is sent once, reminders follow, nothing is sent twice or lost."""

from __future__ import annotations

import io
import re
import socket
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from suivi import services
from suivi.models import FollowUpState, Invitation, MessageState
from tests.suivi.helpers import delivered_bilan, follow_up_of, make_slot, paris

DELIVERED = paris(2026, 5, 29, 15, 0)  # due 29/11/2026 (Sunday), invitation 09/11/2026 (Monday)
INVITE_DAY = paris(2026, 11, 9, 9, 0)


def run(at, *extra) -> str:
    out = io.StringIO()
    call_command("send_followup_invitations", "--at", at.isoformat(), *extra, stdout=out)
    return out.getvalue()


def rows(side, **filters):
    with side.scope():
        return list(Invitation.objects.filter(**filters).order_by("created_at"))


@pytest.fixture
def follow_up(side_a):
    bilan, _ = delivered_bilan(side_a, delivered_at=DELIVERED)
    fu = follow_up_of(side_a, bilan)
    assert (fu.due_on, fu.invite_on) == (date(2026, 11, 29), date(2026, 11, 9))
    return fu


def test_nothing_is_sent_before_the_invitation_date(follow_up):
    output = run(INVITE_DAY - timedelta(days=1))
    assert output.strip().splitlines()[-1] == "sent: 0"
    assert mail.outbox == []


def test_the_invitation_is_sent_once_on_its_date_even_when_the_tick_runs_twice(side_a, follow_up):
    first = run(INVITE_DAY)
    assert first.strip().splitlines()[-1] == "sent: 1"
    assert "Invitation → " in first
    second = run(INVITE_DAY + timedelta(minutes=10))
    assert second.strip().splitlines()[-1] == "sent: 0"
    assert len(mail.outbox) == 1
    [row] = rows(side_a)
    assert row.state == MessageState.SENT
    assert row.sent_at == INVITE_DAY
    assert row.message_id.startswith("<")
    assert row.message_id.endswith("@testserver>")
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.INVITED


def test_the_invitation_email_is_french_with_text_html_and_links(side_a, follow_up):
    run(INVITE_DAY)
    [message] = mail.outbox
    beneficiary = follow_up.bilan.beneficiary
    assert message.to == [beneficiary.email]
    assert message.subject == "Votre entretien de suivi avec Alpha Bilans"
    consultant = side_a.consultant.get_full_name()
    assert consultant in message.body
    assert "Pourquoi cet entretien" in message.body
    assert "n'est pas obligatoire" in message.body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "Choisir un créneau" in html
    assert consultant in html
    links = re.findall(r"http://testserver/suivi/lien/[^\s]+/", message.body)
    assert len(links) == 2  # book, decline
    assert all(link in html for link in links)
    expiry = (INVITE_DAY + timedelta(days=60)).strftime("%d/%m/%Y")
    assert f"expirent le {expiry}" in message.body


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(side_a, follow_up):
    output = run(INVITE_DAY, "--dry-run")
    lines = output.strip().splitlines()
    assert lines[-1] == "would send: 1"
    assert follow_up.bilan.beneficiary.email in lines[0]
    assert rows(side_a) == []
    assert mail.outbox == []
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.SCHEDULED


def test_reminders_after_7_and_14_days_then_no_response(side_a, follow_up):
    run(INVITE_DAY)
    assert run(INVITE_DAY + timedelta(days=6)).strip().endswith("sent: 0")
    assert run(INVITE_DAY + timedelta(days=7)).strip().endswith("sent: 1")
    assert run(INVITE_DAY + timedelta(days=8)).strip().endswith("sent: 0")
    assert run(INVITE_DAY + timedelta(days=14)).strip().endswith("sent: 1")
    assert run(INVITE_DAY + timedelta(days=20)).strip().endswith("sent: 0")
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.INVITED
    assert run(INVITE_DAY + timedelta(days=21)).strip().endswith("sent: 0")
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.NO_RESPONSE
    assert run(INVITE_DAY + timedelta(days=60)).strip().endswith("sent: 0")
    kinds = [row.kind for row in rows(side_a)]
    assert kinds == ["invitation", "reminder_1", "reminder_2"]
    assert [m.subject.split(" :")[0] for m in mail.outbox] == [
        "Votre entretien de suivi avec Alpha Bilans",
        "Rappel",
        "Dernier rappel",
    ]


def test_reminder_delays_are_organisation_settings(side_a, follow_up):
    side_a.organisation.first_reminder_days = 3
    side_a.organisation.second_reminder_days = 5
    side_a.organisation.save()
    run(INVITE_DAY)
    assert run(INVITE_DAY + timedelta(days=3)).strip().endswith("sent: 1")
    assert run(INVITE_DAY + timedelta(days=5)).strip().endswith("sent: 1")


def test_a_late_catch_up_sends_one_reminder_not_both(side_a, follow_up):
    run(INVITE_DAY)
    assert run(INVITE_DAY + timedelta(days=15)).strip().endswith("sent: 1")
    assert [row.kind for row in rows(side_a)] == ["invitation", "reminder_2"]


def test_no_reminder_once_booked_and_an_interview_reminder_48_hours_before(
    side_a, follow_up, django_capture_on_commit_callbacks
):
    run(INVITE_DAY)
    slot = make_slot(side_a, paris(2026, 11, 26, 14, 30))
    with side_a.scope(), django_capture_on_commit_callbacks(execute=True):
        services.book_slot(follow_up, slot.pk, "video", now=INVITE_DAY + timedelta(days=2))
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.BOOKED
    assert run(INVITE_DAY + timedelta(days=7)).strip().endswith("sent: 0")  # no reminder
    assert run(paris(2026, 11, 24, 14, 0)).strip().endswith("sent: 0")  # 48 h 30 before
    output = run(paris(2026, 11, 24, 14, 30))
    assert output.strip().endswith("sent: 1")
    assert "Rappel avant l'entretien" in output
    assert run(paris(2026, 11, 25, 9, 0)).strip().endswith("sent: 0")
    reminder = mail.outbox[-1]
    assert reminder.subject == "Rappel : entretien de suivi jeudi 26 novembre à 14:30"
    assert "jeudi 26 novembre 2026 à 14:30" in reminder.body


def test_a_declined_follow_up_gets_nothing_more(
    side_a, follow_up, django_capture_on_commit_callbacks
):
    with side_a.scope(), django_capture_on_commit_callbacks(execute=True):
        services.decline_follow_up(follow_up, "Plus besoin", now=INVITE_DAY - timedelta(days=3))
    assert run(INVITE_DAY).strip().endswith("sent: 0")
    assert run(INVITE_DAY + timedelta(days=30)).strip().endswith("sent: 0")
    # Only the consultant was told; the beneficiary receives nothing.
    assert [m.to for m in mail.outbox] == [[side_a.consultant.email]]
    assert "Plus besoin" in mail.outbox[0].body
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.DECLINED


def test_one_tick_serves_every_organisation(side_a, side_b, follow_up):
    _other, _ = delivered_bilan(side_b, delivered_at=DELIVERED)
    output = run(INVITE_DAY)
    assert output.strip().endswith("sent: 2")
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Votre entretien de suivi avec Alpha Bilans",
        "Votre entretien de suivi avec Beta Conseil",
    ]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(settings, side_a, follow_up):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.SUIVI_SEND_MAX_ATTEMPTS = 3
    settings.SUIVI_RETRY_BASE_SECONDS = 60
    assert run(INVITE_DAY).strip().endswith("sent: 0")
    [row] = rows(side_a)
    assert (row.state, row.attempts) == (MessageState.PENDING, 1)
    assert row.not_before == INVITE_DAY + timedelta(seconds=60)
    assert "ConnectionRefusedError" in row.last_error
    message_id = row.message_id
    assert run(INVITE_DAY + timedelta(seconds=30)).strip().endswith("sent: 0")
    assert rows(side_a)[0].attempts == 1  # not yet due again
    run(INVITE_DAY + timedelta(seconds=60))
    [row] = rows(side_a)
    assert (row.state, row.attempts) == (MessageState.PENDING, 2)
    assert row.not_before == INVITE_DAY + timedelta(seconds=60 + 300)
    run(INVITE_DAY + timedelta(seconds=360))
    [row] = rows(side_a)
    assert (row.state, row.attempts) == (MessageState.FAILED, 3)
    assert row.message_id == message_id  # every attempt carried the same Message-ID
    # The SMTP server is back: the tick does not resend a failed row by itself...
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run(INVITE_DAY + timedelta(days=1)).strip().endswith("sent: 0")
    # ...the consultant asks for it from the follow-up page.
    with side_a.scope():
        services.retry_failed_message(
            row, actor=side_a.consultant, now=INVITE_DAY + timedelta(days=1)
        )
    assert run(INVITE_DAY + timedelta(days=1, minutes=10)).strip().endswith("sent: 1")
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id


def test_the_sweep_requeues_a_message_stuck_in_sending_with_its_message_id(
    settings, side_a, follow_up
):
    settings.SUIVI_SENDING_TIMEOUT_SECONDS = 600
    ids = services.tick(INVITE_DAY, enqueue_ids=False)  # claimed, but the task never ran
    [row] = rows(side_a)
    assert row.state == MessageState.SENDING
    assert [row.pk] == ids
    # A worker had stored the Message-ID and crashed after the SMTP server took the message.
    Invitation.objects.unscoped().filter(pk=row.pk).update(message_id="<crash@testserver>")
    assert services.sweep_stuck_messages(INVITE_DAY + timedelta(minutes=5), enqueue_ids=False) == []
    requeued = services.sweep_stuck_messages(INVITE_DAY + timedelta(minutes=11), enqueue_ids=False)
    assert requeued == [row.pk]
    assert services.send_message(row.pk, now=INVITE_DAY + timedelta(minutes=11)) == "sent"
    assert services.send_message(row.pk, now=INVITE_DAY + timedelta(minutes=12)) == "noop"
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == ["<crash@testserver>"]


def test_the_beat_task_queues_the_send_on_commit(
    side_a, follow_up, django_capture_on_commit_callbacks
):
    from suivi import tasks

    with (
        time_machine.travel(INVITE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert tasks.dispatch_due_followups.delay().get() == 1
    assert callbacks  # the send was queued only once the claim had committed
    assert len(mail.outbox) == 1
    assert rows(side_a)[0].state == MessageState.SENT


def test_the_beat_schedule_ticks_at_an_interval_never_daily_at_2am(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    tick = schedule["suivi-dispatch-due-followups"]
    assert tick["task"] == "suivi.tasks.dispatch_due_followups"
    assert tick["schedule"] == settings.FOLLOWUP_TICK_MINUTES * 60
    assert all(isinstance(entry["schedule"], float) for entry in schedule.values())


def test_the_command_refuses_a_bad_date_with_a_clear_message(follow_up):
    from django.core.management import CommandError

    for bad in ("31/02/2027", "2027-02-31", "2027-02-28T25:00", "demain"):
        with pytest.raises(CommandError, match="n'est pas une date ISO"):
            call_command("send_followup_invitations", "--at", bad, stdout=io.StringIO())
    assert mail.outbox == []


def test_the_command_takes_a_plain_date_as_9am_paris(side_a, follow_up):
    out = io.StringIO()
    call_command("send_followup_invitations", "--at", "2026-11-09", stdout=out)
    assert out.getvalue().strip().endswith("sent: 1")
    assert rows(side_a)[0].sent_at == INVITE_DAY
