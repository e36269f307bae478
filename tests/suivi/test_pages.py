"""The consultant's pages: Suivis, slots, move/cancel, the interview record, the survey."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bilan.models import Action
from suivi import services
from suivi.models import (
    FollowUp,
    FollowUpInterview,
    FollowUpKind,
    FollowUpState,
    Invitation,
    Slot,
    SurveyResponse,
)
from tests.suivi.helpers import delivered_bilan, follow_up_of, make_slot

NOW = timezone.now()
_minutes = itertools.count(0, 60)


def _set_state(side, bilan, state, **extra):
    with side.scope():
        FollowUp.objects.filter(bilan=bilan).update(state=state, **extra)


def _many(side, count: int):
    """Follow-ups in every state."""
    states = [
        FollowUpState.SCHEDULED,
        FollowUpState.INVITED,
        FollowUpState.BOOKED,
        FollowUpState.HELD,
        FollowUpState.NO_RESPONSE,
        FollowUpState.DECLINED,
    ]
    for n in range(count):
        bilan, _ = delivered_bilan(side, delivered_at=NOW - timedelta(days=170))
        state = states[n % len(states)]
        extra = {}
        if state == FollowUpState.HELD:
            extra["held_at"] = NOW
        if state == FollowUpState.DECLINED:
            extra["declined_at"] = NOW
        if state == FollowUpState.BOOKED:
            with side.scope():
                fu = FollowUp.objects.get(bilan=bilan)
                fu.transition_to(FollowUpState.INVITED)
                fu.save()
                slot = make_slot(side, NOW + timedelta(days=3, minutes=next(_minutes)))
                services.book_slot(fu, slot.pk, "video")
            continue
        _set_state(side, bilan, state, **extra)


def test_the_suivis_page_shows_counts_sections_and_links(client, side_a, side_b):
    _many(side_a, 6)
    delivered_bilan(side_b, last_name="Étrangère")
    client.force_login(side_a.consultant)
    response = client.get("/suivi/")
    assert response.status_code == 200
    body = response.content.decode()
    for title in (
        "Dans les 30 prochains jours",
        "Invités, en attente de réponse",
        "Rendez-vous pris",
        "Sans réponse",
        "Entretiens réalisés",
        "Déclinés",
    ):
        assert title in body
    counts = {
        label: int(n)
        for n, label in re.findall(
            r'<span class="suivi-count">(\d+)</span> <span class="muted">([^<]+)</span>', body
        )
    }
    assert counts["Programmé"] == 1
    assert counts["Rendez-vous pris"] == 1
    assert counts["Décliné"] == 1
    assert "Étrangère" not in body
    with side_a.scope():
        some = FollowUp.objects.first()
    assert f'href="{reverse("bilan_detail", args=[some.bilan_id])}"' in body
    assert 'aria-current="page"' in body
    assert ">Suivis<" in body


def test_the_suivis_page_query_count_does_not_grow_with_rows(
    client, side_a, django_assert_max_num_queries
):
    _many(side_a, 6)
    client.force_login(side_a.consultant)
    with django_assert_max_num_queries(20) as few:
        client.get("/suivi/")
    _many(side_a, 18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/suivi/")
    assert response.status_code == 200


def test_another_consultant_of_the_organisation_sees_only_their_follow_ups(client, side_a):
    from accounts.models import Role
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory(email="collegue@alpha.test")
    MembershipFactory(organisation=side_a.organisation, user=colleague, role=Role.CONSULTANT)
    delivered_bilan(side_a, last_name="Portefeuille", delivered_at=NOW - timedelta(days=170))
    delivered_bilan(side_a, last_name="Lointain")  # due in six months: listed further down
    client.force_login(colleague)
    assert "Portefeuille" not in client.get("/suivi/").content.decode()
    client.force_login(side_a.admin)
    body = client.get("/suivi/").content.decode()
    assert "Portefeuille" in body
    assert body.index("Programmés plus tard") < body.index("Lointain")


def test_failed_sends_show_on_the_suivis_page_and_can_be_retried(client, side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        row = Invitation.objects.create(
            follow_up=fu,
            kind="invitation",
            to_email="faute@exemple",
            state="failed",
            last_error="SMTPRecipientsRefused: faute@exemple",
        )
    client.force_login(side_a.consultant)
    body = client.get("/suivi/").content.decode()
    assert "Envois en échec" in body
    assert "faute@exemple" in body
    response = client.post(f"/suivi/{fu.pk}/messages/{row.pk}/renvoyer/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == "pending"


def test_move_needs_a_reason_and_a_valid_date(client, side_a):
    bilan, _ = delivered_bilan(side_a, delivered_at=NOW - timedelta(days=30))
    fu = follow_up_of(side_a, bilan)
    client.force_login(side_a.consultant)
    url = f"/suivi/{fu.pk}/deplacer/"
    response = client.post(url, {"due_on": "31/02/2027", "reason": ""})
    body = response.content.decode()
    assert "Votre formulaire contient des erreurs" in body
    assert "jj/mm/aaaa" in body
    assert "Indiquez le motif" in body
    response = client.post(url, {"due_on": "01/01/2020", "reason": "Congé"})
    assert "ne peut pas être passée" in response.content.decode()
    response = client.post(url, {"due_on": "15/09/2027", "reason": "Congé maternité"})
    assert response.status_code == 302
    fu.refresh_from_db()
    assert fu.due_on == date(2027, 9, 15)
    assert fu.invite_on == date(2027, 8, 25)  # 21 days before, a Wednesday
    assert fu.move_reason == "Congé maternité"


def test_cancel_with_a_reason(client, side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    client.force_login(side_a.consultant)
    response = client.post(f"/suivi/{fu.pk}/annuler/", {"reason": "Déménagement à l'étranger"})
    assert response.status_code == 302
    fu.refresh_from_db()
    assert fu.state == FollowUpState.CANCELLED
    page = client.get(f"/suivi/{fu.pk}/").content.decode()
    assert "Déménagement" in page


def test_recording_the_interview_holds_it_sends_the_survey_and_plans_a_further_follow_up(
    client, side_a, django_capture_on_commit_callbacks
):
    bilan, _ = delivered_bilan(side_a, delivered_at=NOW - timedelta(days=180))
    fu = follow_up_of(side_a, bilan)
    client.force_login(side_a.consultant)
    url = f"/suivi/{fu.pk}/entretien/"
    page = client.get(url).content.decode()
    assert "Devenir formatrice" in page  # the goals, next to the form
    assert "Se renseigner sur le titre FPA" in page
    with side_a.scope():
        actions = services.plan_actions(fu)
    data = {
        "held_on": timezone.localdate().strftime("%d/%m/%Y"),
        "mode": "video",
        "results_vs_goals": "Titre FPA en cours",
        "obstacles": "Financement",
        "levers": "OPCO",
        "adjustment": "Viser un premier poste en CDD",
        "next_steps": "Candidater",
        "outcome": "",
        "further_follow_up_on": "pas une date",
    }
    for action in actions:
        data[f"action_{action.pk}_status"] = "done"
        data[f"action_{action.pk}_comment"] = "Fait en mars"
    response = client.post(url, data)
    body = response.content.decode()
    assert "Choisissez l&#x27;issue du projet" in body or "Choisissez l'issue" in body
    assert "Titre FPA en cours" in body  # nothing typed is lost
    data["outcome"] = "in_progress"
    data["further_follow_up_on"] = (timezone.localdate() + timedelta(days=180)).strftime("%d/%m/%Y")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    fu.refresh_from_db()
    assert fu.state == FollowUpState.HELD
    with side_a.scope():
        interview = FollowUpInterview.objects.get(follow_up=fu)
        further = FollowUp.objects.get(bilan=bilan, kind=FollowUpKind.ADDITIONAL)
    assert interview.action_progress[str(actions[0].pk)] == {
        "status": "done",
        "comment": "Fait en mars",
    }
    assert further.state == FollowUpState.SCHEDULED
    [survey_mail] = mail.outbox
    assert survey_mail.to == [bilan.beneficiary.email]
    [link] = re.findall(r"http://testserver(/suivi/lien/[^\s]+/)", survey_mail.body)
    # The beneficiary answers the questionnaire "à froid".
    client.logout()
    response = client.post(link)
    assert response["Location"] == f"/suivi/mon-suivi/{fu.pk}/questionnaire/"
    response = client.post(
        response["Location"],
        {"satisfaction": "5", "usefulness": "4", "project_status": "in_progress", "comment": ""},
    )
    assert response.status_code == 302
    with side_a.scope():
        assert SurveyResponse.objects.get(survey__follow_up=fu).satisfaction == 5


def test_publish_slots_and_bad_input(client, side_a):
    client.force_login(side_a.consultant)
    response = client.post(
        "/suivi/creneaux/",
        {"day": "demain", "start": "25:00", "count": "0", "duration_minutes": "60"},
    )
    body = response.content.decode()
    assert "Votre formulaire contient des erreurs" in body
    assert "jj/mm/aaaa" in body
    assert "hh:mm" in body
    day = (timezone.localdate() + timedelta(days=7)).strftime("%d/%m/%Y")
    response = client.post(
        "/suivi/creneaux/",
        {"day": day, "start": "09:00", "count": "3", "duration_minutes": "60", "location": ""},
    )
    assert response.status_code == 302
    with side_a.scope():
        slots = list(Slot.objects.order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots] == [
        "09:00",
        "10:00",
        "11:00",
    ]
    page = client.get("/suivi/creneaux/").content.decode()
    assert "Libre" in page
    response = client.post(f"/suivi/creneaux/{slots[0].pk}/supprimer/")
    assert response.status_code == 302
    with side_a.scope():
        assert Slot.objects.count() == 2


@pytest.mark.parametrize("path", ["/suivi/", "/suivi/creneaux/"])
def test_beneficiaries_and_visitors_do_not_reach_consultant_pages(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_interview_form_starts_from_the_beneficiarys_check_in(client, side_a):
    bilan, _ = delivered_bilan(side_a, delivered_at=NOW - timedelta(days=180))
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        first, second = services.plan_actions(fu)
        services.save_check_in(
            fu,
            actions={str(first.pk): {"status": "done", "comment": "Fini en mars"}},
            went_well="",
            obstacles="La garde des enfants",
            help_needed="",
        )
    client.force_login(side_a.consultant)
    page = client.get(f"/suivi/{fu.pk}/entretien/").content.decode()
    assert "La garde des enfants" in page  # the check-in next to the form
    first_select = re.search(rf'name="action_{first.pk}_status".*?</select>', page, re.S).group()
    second_select = re.search(rf'name="action_{second.pk}_status".*?</select>', page, re.S).group()
    assert '<option value="done" selected>' in first_select
    assert '<option value="todo" selected>' in second_select


def test_the_slots_page_query_count_does_not_grow_with_slots(
    client, side_a, django_assert_max_num_queries
):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    for hour in range(3):
        make_slot(side_a, NOW + timedelta(days=2, hours=hour))
    with side_a.scope():
        services.book_slot(fu, Slot.objects.order_by("starts_at").first().pk, "phone")
    client.force_login(side_a.consultant)
    with django_assert_max_num_queries(20) as few:
        client.get("/suivi/creneaux/")
    for hour in range(3, 15):
        make_slot(side_a, NOW + timedelta(days=2, hours=hour))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/suivi/creneaux/").content.decode()
    assert body.count("Libre") == 14
    assert bilan.beneficiary.full_name in body


def test_the_follow_up_page_query_count_does_not_grow_with_actions_or_messages(
    client, side_a, django_assert_max_num_queries
):
    bilan, _ = delivered_bilan(side_a, actions=("Une", "Deux"))
    fu = follow_up_of(side_a, bilan)
    client.force_login(side_a.consultant)
    with django_assert_max_num_queries(30) as few:
        client.get(f"/suivi/{fu.pk}/")
    with side_a.scope():
        for n in range(8):
            Action.objects.create(plan=bilan.action_plan, title=f"Action {n}", position=n + 2)
            Invitation.objects.create(
                follow_up=fu, kind="new_link", key=str(n), to_email="x@exemple.fr"
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/suivi/{fu.pk}/").content.decode()
    assert "Action 7" in body
