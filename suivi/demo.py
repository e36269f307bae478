"""Demo data of the suivi post-bilan (called by `manage.py seed_demo` after bilan.demo).

For each demo organisation: follow-ups in every state (programmé, invité, rendez-vous pris,
réalisé, sans réponse, décliné, annulé, and an invitation whose sending failed), pending ones that
fall due in the coming months, and free slots for the consultant. Idempotent: the extra bilans are
found again by their beneficiary's address, and a follow-up already moved on is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import Organisation, User
from bilan import services as bilan_services
from bilan.models import Beneficiary, Bilan, BilanStatus
from core import workdays
from core.tenancy import organisation_scope
from suivi import services
from suivi.models import (
    Booking,
    CheckIn,
    FollowUp,
    FollowUpInterview,
    FollowUpState,
    Invitation,
    MessageKind,
    MessageState,
    Slot,
    Survey,
    SurveyResponse,
)

# (key, first name, last name, delivered days ago, target state)
EXTRA = [
    ("emma", "Emma", "Girard", 178, "booked"),
    ("hugo", "Hugo", "Marchand", 205, "no_response"),
    ("chloe", "Chloé", "Bernard", 190, "declined"),
    ("paul", "Paul", "Roux", 186, "cancelled"),
    ("ines", "Inès", "Lambert", 170, "failed"),
    ("leo", "Léo", "Fontaine", 100, "scheduled"),
    ("manon", "Manon", "Chevalier", 55, "scheduled"),
]
GOALS = (
    "Clarifier un projet de reconversion\n"
    "Identifier une formation finançable\n"
    "Sécuriser la transition"
)
ACTIONS = ["Rencontrer deux professionnels du métier visé", "Monter le dossier de financement"]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=workdays.PARIS)


def seed(organisations: dict[str, Organisation], stdout=None) -> None:
    now = timezone.now()
    for slug, organisation in organisations.items():
        consultant = User.objects.get(email=f"consultant@{slug}.test")
        with organisation_scope(organisation):
            _publish_slots(organisation, consultant, now)
            for profile in EXTRA:
                _extra(organisation, slug, consultant, profile, now)
            _demo_beneficiaries(slug, now)
            counts = {
                state: FollowUp.objects.filter(state=state).count()
                for state in FollowUpState.values
            }
        if stdout is not None:
            summary = ", ".join(f"{FollowUpState(s).label.lower()} {n}" for s, n in counts.items())
            stdout.write(f"  suivis de {organisation.name} : {summary}")


def _publish_slots(organisation: Organisation, consultant: User, now: datetime) -> None:
    today = workdays.paris_date(now)
    day = today + timedelta(days=2)
    end = today + timedelta(days=24)
    while day <= end:
        if workdays.is_working_day(day):
            for hour, minute in ((9, 30), (11, 0), (14, 0), (16, 30)):
                if (day.toordinal() + hour) % 3 == 0:
                    continue  # not every hour of every day: a realistic agenda
                Slot.objects.get_or_create(
                    consultant=consultant,
                    starts_at=_at(day, hour, minute),
                    defaults={
                        "organisation": organisation,
                        "duration_minutes": 60,
                        "location": "Agence : 8 rue des Lilas, 69003 Lyon",
                    },
                )
        day += timedelta(days=1)


def _delivered_bilan(organisation, slug, consultant, first, last, key, delivered_ago, now):
    email = f"suivi-{key}.{slug}@exemple.fr"
    beneficiary = Beneficiary.objects.filter(email=email).first()
    if beneficiary is not None:
        return Bilan.objects.filter(beneficiary=beneficiary).first()
    today = workdays.paris_date(now)
    delivered_on = workdays.next_working_day(today - timedelta(days=delivered_ago))
    beneficiary = bilan_services.create_beneficiary(
        first_name=first,
        last_name=last,
        email=email,
        employment_status="cdi",
        consent_given_on=delivered_on - timedelta(days=90),
        consent_method="signed",
        keeps_documents_for_follow_up=True,
    )
    bilan = bilan_services.open_bilan(
        beneficiary,
        [consultant],
        actor=consultant,
        funding="cpf",
        started_on=delivered_on - timedelta(days=90),
        goals=GOALS,
    )
    bilan = bilan_services.advance_phase(bilan, actor=consultant)
    bilan = bilan_services.advance_phase(bilan, actor=consultant)
    bilan_services.save_synthesis_draft(
        bilan,
        {
            "request_context": f"{first} souhaitait faire le point sur son parcours.",
            "path_followed": "Entretiens, tests d'intérêts, enquêtes métier.",
            "competences": "Organisation, relation client, rigueur.",
            "project": "Reconversion vers la formation professionnelle pour adultes.",
            "success_conditions": "Titre professionnel FPA, financement CPF.",
            "implementation_steps": "Enquêtes métier, dossier de financement, candidatures.",
            "follow_up_offer": "Un entretien de suivi est proposé six mois après la remise.",
        },
        actor=consultant,
    )
    for title in ACTIONS:
        bilan_services.add_action(bilan, actor=consultant, title=title, status="in_progress")
    bilan_services.deliver_synthesis(
        bilan,
        actor=consultant,
        follow_up_accepted=True,
        delivered_at=_at(delivered_on, 16),
    )
    return Bilan.objects.get(pk=bilan.pk)


def _sent(fu: FollowUp, kind: str, at: datetime, *, booking=None, to=None) -> None:
    Invitation.objects.get_or_create(
        follow_up=fu,
        kind=kind,
        key=str(booking.pk) if booking else "",
        defaults={
            "organisation": fu.organisation,
            "booking": booking,
            "to_email": to or fu.bilan.beneficiary.email,
            "state": MessageState.SENT,
            "not_before": at,
            "claimed_at": at,
            "attempts": 1,
            "sent_at": at,
            "message_id": services.new_message_id(),
        },
    )


def _invite(fu: FollowUp, at: datetime) -> None:
    fu.transition_to(FollowUpState.INVITED)
    fu.invited_at = at
    fu.invite_on = workdays.paris_date(at)
    fu.save()
    _sent(fu, MessageKind.INVITATION, at)


def _extra(organisation, slug, consultant, profile, now) -> None:
    key, first, last, delivered_ago, target = profile
    bilan = _delivered_bilan(organisation, slug, consultant, first, last, key, delivered_ago, now)
    if bilan is None:
        return
    fu = FollowUp.objects.filter(bilan=bilan).first()
    if fu is None or fu.state != FollowUpState.SCHEDULED or target == "scheduled":
        return  # already set up (idempotent), or meant to stay scheduled
    invited_at = now - timedelta(days=delivered_ago - 160)
    if target == "failed":
        _failed_invitation(fu, now)
        return
    _invite(fu, invited_at)
    if target == "booked":
        _booked(fu, consultant, invited_at, now)
    elif target == "no_response":
        _sent(fu, MessageKind.REMINDER_1, invited_at + timedelta(days=7))
        _sent(fu, MessageKind.REMINDER_2, invited_at + timedelta(days=14))
        fu.transition_to(FollowUpState.NO_RESPONSE)
        fu.save()
    elif target == "declined":
        services.decline_follow_up(
            fu,
            "J'ai retrouvé un emploi stable, je n'en ressens pas le besoin.",
            now=invited_at + timedelta(days=3),
        )
        Invitation.objects.filter(follow_up=fu, state=MessageState.SENDING).update(
            state=MessageState.SENT, sent_at=invited_at + timedelta(days=3)
        )
    elif target == "cancelled":
        services.cancel_follow_up(
            fu, "Départ à l'étranger : injoignable.", now=invited_at + timedelta(days=5)
        )


def _failed_invitation(fu: FollowUp, now: datetime) -> None:
    """Invited yesterday; the SMTP server refused the address five times."""
    fu.transition_to(FollowUpState.INVITED)
    fu.invited_at = now - timedelta(days=1)
    fu.save()
    Invitation.objects.get_or_create(
        follow_up=fu,
        kind=MessageKind.INVITATION,
        key="",
        defaults={
            "organisation": fu.organisation,
            "to_email": fu.bilan.beneficiary.email,
            "state": MessageState.FAILED,
            "attempts": 5,
            "claimed_at": now - timedelta(hours=3),
            "message_id": services.new_message_id(),
            "last_error": "SMTPRecipientsRefused: 550 5.1.1 adresse inconnue",
        },
    )


def _booked(fu: FollowUp, consultant: User, invited_at: datetime, now: datetime) -> None:
    """Booked two days after the invitation, and the check-in filled in."""
    slot = (
        Slot.objects.filter(consultant=consultant, booking__isnull=True, starts_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    if slot is None:
        return
    booking = services.book_slot(fu, slot.pk, "video", now=invited_at + timedelta(days=2))
    Invitation.objects.filter(booking=booking).update(
        state=MessageState.SENT, sent_at=invited_at + timedelta(days=2)
    )
    actions = {
        str(a.pk): {"status": "in_progress", "comment": "Deux rendez-vous pris."}
        for a in services.plan_actions(fu)
    }
    services.save_check_in(
        fu,
        actions=actions,
        went_well="J'ai rencontré une formatrice d'adultes : le métier me plaît.",
        obstacles="Le dossier de financement est long à monter.",
        help_needed="Relire ma lettre de motivation pour l'organisme de formation.",
    )


def _demo_beneficiaries(slug: str, now: datetime) -> None:
    """The demo beneficiary (portal login) is invited; the closed bilan's follow-up was held."""
    camille = FollowUp.objects.filter(bilan__beneficiary__email=f"beneficiaire@{slug}.test").first()
    if camille is not None and camille.state == FollowUpState.SCHEDULED:
        _invite(camille, now - timedelta(days=2))
    held = (
        FollowUp.objects.filter(bilan__status=BilanStatus.CLOSED, state=FollowUpState.SCHEDULED)
        .select_related("bilan", "consultant")
        .first()
    )
    if held is None:
        return
    _invite(held, now - timedelta(days=60))
    booking = _past_booking(held, now)
    _held_interview(held, booking)


def _past_booking(held: FollowUp, now: datetime) -> Booking:
    """A booking forty days ago (made by hand: a slot in the past cannot be booked)."""
    held_on = workdays.paris_date(now - timedelta(days=40))
    booking_slot = Slot.objects.create(
        organisation=held.organisation,
        consultant=held.consultant,
        starts_at=_at(workdays.next_working_day(held_on), 10),
    )
    booking = Booking.objects.create(
        organisation=held.organisation,
        follow_up=held,
        slot=booking_slot,
        starts_at=booking_slot.starts_at,
        mode="in_person",
        location="Agence : 8 rue des Lilas, 69003 Lyon",
        sequence=1,
    )
    _sent(held, MessageKind.BOOKING_CONFIRMATION, now - timedelta(days=55), booking=booking)
    return booking


def _held_interview(held: FollowUp, booking: Booking) -> None:
    """The check-in, the interview record, the state "held" and the survey's answer."""
    CheckIn.objects.get_or_create(
        follow_up=held,
        defaults={
            "organisation": held.organisation,
            "went_well": "J'ai décroché un entretien dans une entreprise de logistique.",
            "obstacles": "Peu de postes près de chez moi.",
            "help_needed": "Préparer l'entretien d'embauche.",
        },
    )
    actions = {
        str(a.pk): {"status": "done", "comment": "Fait."} for a in services.plan_actions(held)
    }
    FollowUpInterview.objects.get_or_create(
        follow_up=held,
        defaults={
            "organisation": held.organisation,
            "held_on": booking.starts_at.astimezone(workdays.PARIS).date(),
            "mode": "in_person",
            "action_progress": actions,
            "results_vs_goals": "Le projet de reconversion est engagé ; la formation est financée.",
            "obstacles": "Mobilité géographique limitée.",
            "levers": "Réseau d'anciens collègues, conseiller CEP.",
            "adjustment": "Élargir la recherche aux postes de coordinateur.",
            "next_steps": "Deux candidatures par semaine ; point avec le CEP en janvier.",
            "outcome": "in_progress",
            "recorded_by": held.consultant,
        },
    )
    held.transition_to(FollowUpState.HELD)
    held.held_at = booking.starts_at
    held.save()
    survey, _ = Survey.objects.get_or_create(
        follow_up=held, defaults={"organisation": held.organisation}
    )
    SurveyResponse.objects.get_or_create(
        survey=survey,
        defaults={
            "organisation": held.organisation,
            "satisfaction": 5,
            "usefulness": 4,
            "project_status": "in_progress",
            "comment": "Le bilan m'a donné confiance.",
        },
    )
