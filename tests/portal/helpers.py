"""Builders for the portal tests: a beneficiary with a bilan, taken through the real bilan
services up to a delivered synthesis (so the PDF is the real WeasyPrint one)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from accounts.models import User
from bilan import services as bilan_services
from bilan.models import Action, Beneficiary, Bilan, Synthesis
from tests.factories import UserFactory

PARIS = ZoneInfo("Europe/Paris")
_counter = itertools.count(1)


@dataclass
class Person:
    beneficiary: Beneficiary
    bilan: Bilan
    user: User | None
    synthesis: Synthesis | None = None
    action: Action | None = None


SECTION_TEXT = {
    "request_context": "Reconversion souhaitée après quinze ans en comptabilité.",
    "path_followed": "Six entretiens, deux enquêtes métier, un stage d'observation.",
    "competences": "Rigueur, sens du service, goût pour la transmission.",
    "project": "Devenir formatrice en gestion pour adultes.",
    "success_conditions": "Titre professionnel de formateur, financement CPF.",
    "implementation_steps": "Inscription en mars, stage en juin, premiers cours en septembre.",
    "follow_up_offer": "Entretien de suivi à six mois, en visio.",
}


def make_person(
    side,
    *,
    first_name: str = "Louise",
    last_name: str | None = None,
    stage: str = "delivered",
    with_user: bool = True,
    email: str | None = None,
) -> Person:
    """A beneficiary of `side` and one bilan at `stage` (preliminary, conclusion, delivered)."""
    n = next(_counter)
    last_name = last_name or f"Portail{n}"
    email = email or f"portail{n}@{side.organisation.slug}.test"
    consultant = side.consultant
    with side.scope():
        beneficiary = bilan_services.create_beneficiary(
            actor=consultant,
            first_name=first_name,
            last_name=last_name,
            email=email,
            employment_status="cdi",
            consent_given_on=date(2026, 9, 1),
            consent_method="signed",
        )
        bilan = bilan_services.open_bilan(
            beneficiary,
            [consultant],
            actor=consultant,
            funding="cpf",
            started_on=date(2026, 9, 1),
            goals="Changer de métier\nTrouver une formation",
        )
        bilan_services.log_meeting(
            bilan,
            actor=consultant,
            phase="preliminary",
            starts_at=datetime(2026, 9, 3, 14, 30, tzinfo=PARIS),
            duration_minutes=120,
            mode="in_person",
            notes="NOTE-PRIVEE-DU-CONSULTANT",
        )
        person = Person(beneficiary, bilan, None)
        if stage in ("conclusion", "delivered"):
            bilan_services.advance_phase(bilan, actor=consultant)
            bilan_services.advance_phase(bilan, actor=consultant)
            bilan.refresh_from_db()
            bilan_services.save_synthesis_draft(bilan, SECTION_TEXT, actor=consultant)
            person.action = bilan_services.add_action(
                bilan,
                actor=consultant,
                title="S'inscrire au titre professionnel",
                target_date=date(2027, 3, 15),
            )
        if stage == "delivered":
            person.synthesis = bilan_services.deliver_synthesis(
                bilan, actor=consultant, follow_up_accepted=True
            )
        bilan.refresh_from_db()
        if with_user:
            user = UserFactory(email=email, first_name=first_name, last_name=last_name)
            beneficiary.user = user
            beneficiary.save(update_fields=["user"])
            person.user = user
    return person
