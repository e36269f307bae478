"""Demo data for the bilan (called by `manage.py seed_demo`). Idempotent: a bilan is made once
per demo beneficiary (found by email), through the real services, so it obeys every rule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.demo import ensure_user
from accounts.models import Organisation, User
from bilan import services
from bilan.models import Beneficiary, BilanStatus, MeetingMode
from core.tenancy import organisation_scope

PARIS = ZoneInfo("Europe/Paris")

SYNTHESIS = {
    "request_context": (
        "{first} a sollicité ce bilan après {years} ans comme {job}. Elle/il souhaite « donner "
        "du sens » à la suite de son parcours et vérifier si une reconversion est réaliste.\n\n"
        "Le bilan a été financé par {funding}."
    ),
    "path_followed": (
        "Trois phases : un entretien préliminaire pour analyser la demande ; une phase "
        "d'investigation (questionnaires d'intérêts, enquêtes métier auprès de deux "
        "professionnels, analyse du parcours) ; une phase de conclusion consacrée au projet."
    ),
    "competences": (
        "Rigueur, sens de l'organisation, écoute ; goût pour la transmission. Des motivations "
        "claires : autonomie, utilité sociale, équilibre entre vie professionnelle et personnelle."
    ),
    "project": (
        "Projet principal : devenir formateur(trice) pour adultes dans son domaine. Alternative "
        "étudiée : un poste de coordination au sein de son entreprise actuelle."
    ),
    "success_conditions": (
        "Obtenir le titre professionnel de formateur professionnel d'adultes (FPA) ; mobiliser "
        "le CPF et, si besoin, un projet de transition professionnelle ; s'appuyer sur le réseau "
        "d'anciens collègues."
    ),
    "implementation_steps": (
        "1. Rencontrer deux organismes de formation d'ici deux mois.\n"
        "2. Déposer le dossier de financement.\n"
        "3. Suivre la formation et réaliser le stage pratique.\n"
        "4. Premières missions en parallèle de l'emploi actuel."
    ),
    "follow_up_offer": (
        "Un entretien de suivi est proposé environ six mois après la remise de ce document, "
        "en visio ou dans nos locaux, pour faire le point sur le plan d'action."
    ),
}

ACTIONS = [
    {
        "title": "Rencontrer deux organismes de formation",
        "description": "Comparer les programmes, le rythme et les débouchés.",
        "resources": "AFPA, GRETA de la région ; salon de la formation en mars.",
        "obstacles": "Disponibilités en semaine.",
        "status": "in_progress",
        "days": 45,
    },
    {
        "title": "Déposer le dossier de financement CPF",
        "description": "Vérifier les droits sur moncompteformation.gouv.fr.",
        "resources": "Conseiller en évolution professionnelle (CEP).",
        "obstacles": "",
        "status": "todo",
        "days": 75,
    },
    {
        "title": "Enquête métier auprès d'un formateur en poste",
        "description": "",
        "resources": "Contact donné par la consultante.",
        "obstacles": "",
        "status": "done",
        "days": 20,
    },
]


class Profile(NamedTuple):
    key: str
    first: str
    last: str
    job: str
    status: str  # how far the demo takes the bilan
    funding: str
    started_ago: int  # days
    delivered_ago: int | None  # days


PROFILES = [
    Profile(
        "beneficiaire", "Camille", "Rousseau", "assistante de gestion", "delivered", "cpf", 330, 160
    ),
    Profile("lucas", "Lucas", "Petit", "technicien de maintenance", "preliminary", "cpf", 4, None),
    Profile("amina", "Amina", "Benali", "infirmière", "investigation", "employer", 40, None),
    Profile("julien", "Julien", "Garnier", "commercial", "conclusion", "opco", 75, None),
    Profile("sophie", "Sophie", "Lemaire", "comptable", "delivered", "personal", 150, 20),
    Profile("thomas", "Thomas", "Faure", "chef de rayon", "closed", "france_travail", 420, 230),
    Profile("nadia", "Nadia", "Haddad", "secrétaire médicale", "abandoned", "cpf", 60, None),
    Profile("marc", "Marc", "Vidal", "conducteur de travaux", "investigation", "cpf", 25, None),
]
FUNDING_LABELS = {
    "cpf": "le CPF",
    "employer": "le plan de développement des compétences de l'employeur",
    "opco": "l'OPCO",
    "france_travail": "France Travail",
    "personal": "un financement personnel",
}
PHASE_ORDER = ["preliminary", "investigation", "conclusion"]
MEETINGS_PER_PHASE = {
    "preliminary": [90, 60],
    "investigation": [120, 120, 180],
    "conclusion": [120, 90],
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=PARIS)


def _weekday(day: date) -> date:
    """Demo meetings fall on working days."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def seed(organisations: dict[str, Organisation], stdout=None) -> None:
    for slug, organisation in organisations.items():
        consultant = User.objects.get(email=f"consultant@{slug}.test")
        independent = User.objects.filter(email="independant@passerelle.test").first()
        with organisation_scope(organisation):
            created = sum(
                _seed_one(organisation, slug, profile, consultant, independent, index)
                for index, profile in enumerate(PROFILES)
            )
        if stdout is not None:
            stdout.write(f"  bilans de {organisation.name} : {created} créé(s)")


def _seed_one(organisation, slug, profile, consultant, independent, index) -> int:
    """One demo bilan, taken as far as its profile says, through the real services."""
    key = profile.key
    email = f"{key}@{slug}.test" if key == "beneficiaire" else f"{key}.{slug}@exemple.fr"
    if Beneficiary.objects.filter(email=email).exists():
        return 0
    today = timezone.localdate()
    started_on = today - timedelta(days=profile.started_ago)
    end = today - timedelta(days=profile.delivered_ago) if profile.delivered_ago else today
    beneficiary = _beneficiary(profile, email, started_on, consultant, index)
    consultants = [consultant]
    if key == "amina" and independent is not None:
        consultants.append(independent)
    bilan = _open(beneficiary, consultants, profile, started_on, consultant, index)
    bilan = _meetings(bilan, profile, started_on, end, consultant, index)
    content = {
        name: text.format(
            first=profile.first,
            years=5 + index,
            job=profile.job,
            funding=FUNDING_LABELS[profile.funding],
        )
        for name, text in SYNTHESIS.items()
    }
    _synthesis_and_actions(bilan, profile, content, end, consultant)
    _finish(bilan, profile, slug, content, consultant)
    return 1


def _beneficiary(profile, email, started_on, consultant, index) -> Beneficiary:
    first, last, funding, status = profile.first, profile.last, profile.funding, profile.status
    beneficiary = services.create_beneficiary(
        actor=consultant,
        first_name=first,
        last_name=last,
        email=email,
        phone=f"06 12 34 5{index} 0{index}",
        employment_status="job_seeker" if funding == "france_travail" else "cdi",
        current_job=profile.job.capitalize(),
        consent_given_on=started_on - timedelta(days=3),
        consent_method="cpf" if funding == "cpf" else "signed",
        keeps_documents_for_follow_up=status in ("delivered", "closed"),
    )
    if profile.key == "beneficiaire":
        beneficiary.user = ensure_user(email, first, last)
        beneficiary.save(update_fields=["user"])
    return beneficiary


def _open(beneficiary, consultants, profile, started_on, consultant, index):
    funding = profile.funding
    cpf = {}
    if funding == "cpf":
        cpf = {
            "cpf_dossier_number": f"{7_000_000_000 + index * 7919}",
            "cpf_registered_on": started_on - timedelta(days=1 if profile.key == "lucas" else 20),
        }
    return services.open_bilan(
        beneficiary,
        consultants,
        actor=consultant,
        funding=funding,
        started_on=started_on,
        planned_hours=Decimal(20 if funding == "personal" else 24),
        goals=(
            f"Faire le point sur mes compétences de {profile.job}\n"
            "Explorer une reconversion dans la formation\n"
            "Construire un plan d'action réaliste"
        ),
        **cpf,
    )


def _target_phase(status: str) -> str:
    if status in ("delivered", "closed"):
        return "conclusion"
    return "investigation" if status == "abandoned" else status


def _meetings(bilan, profile, started_on, end, consultant, index):
    """Meetings spread between the start and the delivery (or today), phase by phase."""
    key, status = profile.key, profile.status
    today = timezone.localdate()
    target = _target_phase(status)
    span = max((end - started_on).days, 1)
    step = span / (sum(len(m) for m in MEETINGS_PER_PHASE.values()) + 1)
    n = 0
    for phase in PHASE_ORDER:
        for minutes in MEETINGS_PER_PHASE[phase]:
            day = _weekday(started_on + timedelta(days=int(step * n)))
            n += 1
            if day > today:
                break
            services.log_meeting(
                bilan,
                actor=consultant,
                phase=phase,
                starts_at=_at(day, 9 + (n % 6)),
                duration_minutes=minutes,
                mode=[MeetingMode.IN_PERSON, MeetingMode.VIDEO, MeetingMode.PHONE][n % 3],
                notes="Notes de travail de démonstration." if n % 2 else "",
            )
            if phase == "preliminary" and key == "lucas":
                break
        if phase == target:
            break
        bilan = services.advance_phase(bilan, actor=consultant)
    if status in ("preliminary", "investigation", "conclusion"):
        # A meeting to come, for the dashboard's "prochain entretien".
        services.log_meeting(
            bilan,
            actor=consultant,
            phase=target,
            starts_at=_at(_weekday(today + timedelta(days=2 + index)), 14),
            duration_minutes=90,
            mode=MeetingMode.VIDEO,
        )
    return bilan


def _synthesis_and_actions(bilan, profile, content, end, consultant) -> None:
    key, status = profile.key, profile.status
    if status in ("investigation", "conclusion") and key != "marc":
        partial = (
            dict(content)
            if status == "conclusion"
            else {"request_context": content["request_context"]}
        )
        services.save_synthesis_draft(bilan, partial, actor=consultant)
    if status not in ("conclusion", "delivered", "closed"):
        return
    for position, action in enumerate(ACTIONS):
        if status == "conclusion" and position > 0:
            break
        services.add_action(
            bilan,
            actor=consultant,
            title=action["title"],
            description=action["description"],
            resources=action["resources"],
            obstacles=action["obstacles"],
            status=action["status"] if status != "conclusion" else "todo",
            target_date=end + timedelta(days=action["days"]),
        )


def _finish(bilan, profile, slug, content, consultant) -> None:
    """Deliver, close or abandon, as the profile says."""
    key, status = profile.key, profile.status
    if status in ("delivered", "closed"):
        services.save_synthesis_draft(bilan, content, actor=consultant)
        delivered_on = timezone.localdate() - timedelta(days=profile.delivered_ago)
        services.deliver_synthesis(
            bilan,
            actor=consultant,
            follow_up_accepted=key != "sophie" or slug == "cap-avenir",
            delivered_at=_at(_weekday(delivered_on), 16),
        )
    if status == "closed":
        services.close_bilan(bilan, actor=consultant)
    if status == "abandoned":
        services.abandon_bilan(
            bilan, "La bénéficiaire a retrouvé un emploi et suspend sa démarche.", actor=consultant
        )


__all__ = ["BilanStatus", "seed"]
