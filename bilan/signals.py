"""Signals bilan sends, so that the apps above it (suivi) can act without bilan knowing them."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by `bilan.services.deliver_synthesis` inside the delivery transaction, after the
#: synthesis and its bilan are saved as delivered and before the transaction commits.
#:
#: Arguments: ``sender`` is the `Synthesis` class; ``synthesis`` is the delivered
#: `bilan.models.Synthesis`, with ``delivered_at``, ``delivered_by``, ``follow_up_accepted`` set
#: and ``synthesis.bilan`` loaded (with its beneficiary and organisation), inside the
#: organisation's scope.
#:
#: Sent with ``send()``, not ``send_robust()``: a receiver's exception propagates and rolls the
#: whole delivery back (no delivered synthesis without its follow-up). Receivers run in the
#: transaction, so they must not do slow work or anything that cannot roll back (an email:
#: use ``transaction.on_commit``). Connected: suivi.receivers (suivi/apps.py).
synthesis_delivered = Signal()
