"""suivi's answers to what happens in bilan (bilan sends, and does not know who listens)."""

from __future__ import annotations

from bilan.models import Synthesis
from suivi import services


def plan_follow_up_on_delivery(sender: type[Synthesis], *, synthesis: Synthesis, **kwargs) -> None:
    """bilan.signals.synthesis_delivered: plan the six-month follow-up if it was accepted.

    Runs inside the delivery transaction; an exception here rolls the delivery back."""
    services.on_synthesis_delivered(synthesis)
