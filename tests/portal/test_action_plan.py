"""The beneficiary's action plan: progress, notes, their own actions; the consultant sees
the changes on the bilan's timeline and on the actions themselves."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from bilan.models import Action, BilanEvent, EventKind
from tests.portal.helpers import make_person


def test_the_beneficiary_marks_progress_and_keeps_notes(client, louise, side_a):
    client.force_login(louise.user)
    url = reverse("portal:action_edit", args=[louise.action.pk])
    page = client.get(url).content.decode()
    assert "Où en êtes-vous ?" in page
    assert 'name="title"' not in page  # the consultant's wording is not theirs to change
    response = client.post(
        url,
        {
            "status": "in_progress",
            "notes": "Dossier CPF ouvert, rendez-vous le 12/01.",
            "title": "Titre détourné",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:action_plan", args=[louise.bilan.pk])
    with side_a.scope():
        action = Action.objects.get(pk=louise.action.pk)
        assert action.status == "in_progress"
        assert action.notes == "Dossier CPF ouvert, rendez-vous le 12/01."
        assert action.title == "S'inscrire au titre professionnel"
        messages = list(
            BilanEvent.objects.filter(bilan=louise.bilan, kind=EventKind.ACTION, actor=louise.user)
            .order_by("at")
            .values_list("message", flat=True)
        )
    assert any("en cours" in m for m in messages)
    assert any("Notes du bénéficiaire" in m for m in messages)

    # The consultant sees the change on their bilan page (notes and timeline).
    client.force_login(side_a.consultant)
    consultant_page = client.get(reverse("bilan_detail", args=[louise.bilan.pk]))
    assert consultant_page.status_code == 200
    assert "Dossier CPF ouvert, rendez-vous le 12/01." in consultant_page.content.decode()
    assert "Notes du bénéficiaire mises à jour" in consultant_page.content.decode()


def test_the_beneficiary_adds_an_action_of_their_own(client, louise, side_a):
    client.force_login(louise.user)
    url = reverse("portal:action_plan", args=[louise.bilan.pk])
    response = client.post(
        url,
        {"title": "Appeler l'AFPA", "description": "Pour le stage.", "target_date": "15/01/2027"},
    )
    assert response.status_code == 302
    with side_a.scope():
        own = Action.objects.get(plan__bilan=louise.bilan, title="Appeler l'AFPA")
        assert own.added_by_beneficiary
        assert own.target_date == date(2027, 1, 15)
        assert BilanEvent.objects.filter(
            bilan=louise.bilan, actor=louise.user, message__contains="Appeler l'AFPA"
        ).exists()
    body = client.get(url).content.decode()
    assert "ajoutée par vous" in body

    # Their own action: they may reword it too.
    edit = reverse("portal:action_edit", args=[own.pk])
    assert 'name="title"' in client.get(edit).content.decode()
    client.post(
        edit,
        {"title": "Appeler l'AFPA de Lyon", "status": "done", "notes": "", "target_date": ""},
    )
    with side_a.scope():
        own.refresh_from_db()
        assert (own.title, own.status, own.target_date) == ("Appeler l'AFPA de Lyon", "done", None)


def test_bad_input_is_explained_and_kept(client, louise, side_a):
    client.force_login(louise.user)
    url = reverse("portal:action_plan", args=[louise.bilan.pk])
    response = client.post(
        url, {"title": "", "description": "Ma précision", "target_date": "32/13"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Votre formulaire contient des erreurs" in body
    assert "Ma précision" in body
    assert 'value="32/13"' in body
    bad_status = client.post(
        reverse("portal:action_edit", args=[louise.action.pk]), {"status": "hacked", "notes": "n"}
    )
    assert bad_status.status_code == 400
    with side_a.scope():
        assert Action.objects.filter(plan__bilan=louise.bilan).count() == 1
        assert Action.objects.get(pk=louise.action.pk).status == "todo"


def test_no_action_plan_before_the_conclusion_phase(client, side_a):
    early = make_person(side_a, first_name="Émile", stage="preliminary")
    client.force_login(early.user)
    url = reverse("portal:action_plan", args=[early.bilan.pk])
    assert "Pas encore de plan d'action" in client.get(url).content.decode()
    client.post(url, {"title": "Essai"})
    with side_a.scope():
        assert not Action.objects.filter(plan__bilan=early.bilan).exists()


def test_another_beneficiary_cannot_touch_the_action(client, louise, neighbour, foreigner):
    url = reverse("portal:action_edit", args=[louise.action.pk])
    for person in (neighbour, foreigner):
        client.force_login(person.user)
        assert client.post(url, {"status": "done", "notes": "x"}).status_code == 404
        plan = reverse("portal:action_plan", args=[louise.bilan.pk])
        assert client.post(plan, {"title": "Intrus"}).status_code == 404
    louise.action.refresh_from_db()
    assert louise.action.status == "todo"
