"""Celery tasks: thin wrappers around suivi.services (docs/scheduling.md)."""

from __future__ import annotations

from celery import shared_task

from suivi import services


@shared_task(name="suivi.tasks.dispatch_due_followups")
def dispatch_due_followups() -> int:
    """The beat tick: claim what is due across organisations and queue the sends."""
    return services.dispatch_due_followups()


@shared_task(name="suivi.tasks.sweep_stuck_messages")
def sweep_stuck_messages() -> int:
    return len(services.sweep_stuck_messages())


@shared_task(name="suivi.tasks.send_invitation", acks_late=True)
def send_invitation(message_pk: str) -> str:
    """Send one claimed message (re-checked, stable Message-ID, sent_at recorded). A failure is
    retried with backoff by the tick (the row goes back to "pending" with a later not_before)."""
    return services.send_message(message_pk)
