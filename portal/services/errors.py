"""The portal services' refusal: a ValidationError whose message is for the person who tried."""

from django.core.exceptions import ValidationError


class PortalError(ValidationError):
    """A rule refused the action; the message is for the person who tried."""
