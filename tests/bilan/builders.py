"""Builders for bilan tests and makers: real rows through the real services."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from bilan import services
from bilan.models import BilanStatus, ConsentMethod, EmploymentStatus, Funding, MeetingMode

PARIS = ZoneInfo("Europe/Paris")
_counter = itertools.count(1)

SECTIONS = {
    "request_context": "Hélène veut évoluer après douze ans en comptabilité ; elle s'interroge.",
    "path_followed": "Entretiens, tests d'intérêts et enquêtes métier : trois rencontres.",
    "competences": "Rigueur, sens du détail, pédagogie ! Goût pour l'accompagnement.",
    "project": "Devenir formatrice en gestion ; alternative : contrôleuse de gestion.",
    "success_conditions": "Titre professionnel de formatrice (FPA), financement par le CPF.",
    "implementation_steps": "Inscription en février, stage en mai, premières missions à l'été.",
    "follow_up_offer": "Un entretien de suivi à six mois, en visio ou à l'agence.",
}


def paris(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def beneficiary(side, **fields):
    n = next(_counter)
    values = {
        "first_name": "Hélène",
        "last_name": f"Bénéficiaire{n}",
        "email": f"beneficiaire{n}@{side.organisation.slug}.test",
        "employment_status": EmploymentStatus.EMPLOYEE_PERMANENT,
        "consent_given_on": timezone.localdate() - timedelta(days=60),
        "consent_method": ConsentMethod.SIGNED,
        **fields,
    }
    with side.scope():
        return services.create_beneficiary(actor=side.consultant, **values)


def bilan(side, *, status: str = BilanStatus.PRELIMINARY, consultants=None, **fields):
    """A bilan brought to `status` the way a consultant would (meetings in each phase)."""
    started_on = fields.pop("started_on", timezone.localdate() - timedelta(days=45))
    person = fields.pop("beneficiary", None) or beneficiary(side)
    values = {"funding": Funding.PERSONAL, "goals": "Clarifier mon projet\nValider une formation"}
    values.update(fields)
    with side.scope():
        b = services.open_bilan(
            person,
            consultants or [side.consultant],
            actor=side.consultant,
            started_on=started_on,
            **values,
        )
        order = [BilanStatus.PRELIMINARY, BilanStatus.INVESTIGATION, BilanStatus.CONCLUSION]
        target = status if status in order else BilanStatus.CONCLUSION
        day = datetime.combine(started_on, datetime.min.time(), tzinfo=PARIS) + timedelta(hours=9)
        for index, phase in enumerate(order):
            services.log_meeting(
                b,
                actor=side.consultant,
                phase=phase,
                starts_at=day + timedelta(days=7 * index),
                duration_minutes=120,
                mode=MeetingMode.IN_PERSON,
            )
            if phase == target:
                break
            b = services.advance_phase(b, actor=side.consultant)
        if status in (BilanStatus.DELIVERED, BilanStatus.CLOSED):
            services.save_synthesis_draft(b, SECTIONS, actor=side.consultant)
            services.deliver_synthesis(b, actor=side.consultant, follow_up_accepted=True)
        if status == BilanStatus.CLOSED:
            services.close_bilan(b, actor=side.consultant)
        if status == BilanStatus.ABANDONED:
            services.abandon_bilan(b, "Déménagement", actor=side.consultant)
        b.refresh_from_db()
        return b


def today_paris() -> date:
    return timezone.localdate()
