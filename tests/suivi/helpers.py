"""Builders for the suivi tests: delivered bilans with a follow-up, slots, a captured mailbox."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta

from django.core import mail
from django.utils import timezone

from bilan.models import Action, ActionPlan, Beneficiary, Bilan, BilanStatus, Synthesis
from core.workdays import PARIS
from suivi import services
from suivi.models import FollowUp, Slot

_counter = itertools.count(1)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def delivered_bilan(
    side,
    *,
    delivered_at: datetime | None = None,
    accepted: bool = True,
    first_name: str = "Léa",
    last_name: str | None = None,
    goals: str = "Devenir formatrice\nObtenir le titre professionnel",
    actions: tuple[str, ...] = ("Se renseigner sur le titre FPA", "Rencontrer deux formatrices"),
    consultant=None,
) -> tuple[Bilan, Synthesis]:
    """A bilan whose synthesis was delivered (without the PDF machinery), and its follow-up."""
    n = next(_counter)
    delivered_at = delivered_at or timezone.now()
    consultant = consultant or side.consultant
    with side.scope():
        beneficiary = Beneficiary.objects.create(
            organisation=side.organisation,
            first_name=first_name,
            last_name=last_name or f"Suivi{n}",
            email=f"beneficiaire{n}@{side.organisation.slug}.test",
            employment_status="cdi",
            consent_given_on=date(2026, 1, 5),
            consent_method="signed",
        )
        bilan = Bilan.objects.create(
            organisation=side.organisation,
            beneficiary=beneficiary,
            status=BilanStatus.DELIVERED,
            funding="cpf",
            goals=goals,
            started_on=date(2026, 1, 5),
        )
        bilan.consultants.set([consultant])
        plan = ActionPlan.objects.create(organisation=side.organisation, bilan=bilan)
        for position, title in enumerate(actions):
            Action.objects.create(
                organisation=side.organisation, plan=plan, title=title, position=position
            )
        synthesis = Synthesis.objects.create(
            organisation=side.organisation,
            bilan=bilan,
            delivered_at=delivered_at,
            delivered_by=consultant,
            follow_up_accepted=accepted,
        )
        services.on_synthesis_delivered(synthesis)
    return bilan, synthesis


def follow_up_of(side, bilan) -> FollowUp:
    with side.scope():
        return FollowUp.objects.select_related("bilan__beneficiary").get(bilan=bilan)


def make_slot(side, starts_at: datetime, consultant=None, minutes: int = 60) -> Slot:
    with side.scope():
        return Slot.objects.create(
            organisation=side.organisation,
            consultant=consultant or side.consultant,
            starts_at=starts_at,
            duration_minutes=minutes,
            location="12 rue de la Paix, 75002 Paris",
        )


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+/suivi/lien/[^\s\"<]+/", message.body)


def outbox_for(email: str) -> list:
    return [m for m in mail.outbox if email in m.to]


def plus_days(moment: datetime, days: float) -> datetime:
    return moment + timedelta(days=days)
