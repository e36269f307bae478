"""What every suivi service shares: the error, the settings, the bilan's event log, the lock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from bilan.models import EventKind
from bilan.services import record_event
from suivi.models import FollowUp


class SuiviError(ValidationError):
    """A rule refused the action; the message is for the person who tried."""


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def link_validity() -> timedelta:
    return timedelta(days=setting("SUIVI_LINK_VALIDITY_DAYS", 60))


def sending_timeout() -> timedelta:
    return timedelta(seconds=setting("SUIVI_SENDING_TIMEOUT_SECONDS", 15 * 60))


def max_attempts() -> int:
    return setting("SUIVI_SEND_MAX_ATTEMPTS", 5)


def record(follow_up: FollowUp, message: str, actor: User | None = None) -> None:
    """A line in the bilan's history (the consultant reads the follow-up's story there)."""
    record_event(follow_up.bilan, EventKind.FOLLOW_UP, message, actor)


def beneficiary_email(follow_up: FollowUp) -> str:
    return follow_up.bilan.beneficiary.email


def lock(follow_up: FollowUp) -> FollowUp:
    """The follow-up again, locked until the transaction ends (two clicks act one after the
    other)."""
    return (
        FollowUp.objects.select_for_update()
        .select_related("organisation", "bilan__beneficiary", "consultant")
        .get(pk=follow_up.pk)
    )
