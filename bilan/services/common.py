"""What every bilan service shares: the refusal, the timeline, and model validation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Model

from accounts.models import User
from bilan.models import Bilan, BilanEvent


class BilanError(ValidationError):
    """A rule refused the action; the message is for the person who tried."""


def record_event(bilan: Bilan, kind: str, message: str, actor: User | None = None) -> BilanEvent:
    """Add a line to the bilan's timeline."""
    return BilanEvent.objects.create(
        organisation=bilan.organisation, bilan=bilan, kind=kind, message=message[:500], actor=actor
    )


def clean_or_refuse(instance: Model, exclude: list[str]) -> None:
    """Model validation, refused as a BilanError (same messages, same fields)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise BilanError(error.message_dict) from error
