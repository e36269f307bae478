"""Delivery tells the apps above bilan through `synthesis_delivered` (bilan does not import
suivi): sent once, with the synthesis; suivi listens. That it is sent inside the delivery
transaction is shown by test_services' rollback test (a failing suivi undoes the delivery)."""

from __future__ import annotations

import pytest

from bilan import services
from bilan.models import BilanStatus, Synthesis
from bilan.signals import synthesis_delivered
from tests.bilan import builders

pytestmark = pytest.mark.django_db


def test_delivery_sends_the_signal_once_with_the_synthesis(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    calls = []

    def listen(sender, **kwargs):
        calls.append((sender, kwargs))

    synthesis_delivered.connect(listen, weak=False, dispatch_uid="test-listen")
    try:
        with side_a.scope():
            services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
            delivered = services.deliver_synthesis(
                bilan, actor=side_a.consultant, follow_up_accepted=True
            )
    finally:
        synthesis_delivered.disconnect(dispatch_uid="test-listen")
    assert len(calls) == 1
    sender, kwargs = calls[0]
    assert sender is Synthesis
    assert kwargs["synthesis"] == delivered
    assert kwargs["synthesis"].is_delivered
    assert kwargs["synthesis"].bilan.status == BilanStatus.DELIVERED


def test_suivi_listens_to_the_delivery(side_a, monkeypatch):
    from suivi import services as suivi_services

    received = []
    monkeypatch.setattr(suivi_services, "on_synthesis_delivered", received.append)
    synthesis = Synthesis(bilan=builders.bilan(side_a))
    synthesis_delivered.send(sender=Synthesis, synthesis=synthesis)
    assert received == [synthesis]
