"""The suivi post-bilan: scheduling, claiming and sending follow-up invitations (issue 4)."""

from __future__ import annotations


def on_synthesis_delivered(synthesis) -> None:
    """Called by bilan.services.deliver_synthesis inside its transaction.

    The suivi issue creates the six-month FollowUp here when the beneficiary accepted it.
    """
    return None
