"""The portal's pages for their beneficiary, and a 404 for everyone else: another
beneficiary of the same organisation, any user of another organisation, a consultant."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from bilan import services as bilan_services
from bilan.models import AccessAction, BilanEvent, Meeting, Synthesis, SynthesisAccess
from portal import services
from tests.portal.helpers import make_person


def own_urls(person) -> list[str]:
    bilan = person.bilan.pk
    return [
        reverse("portal:bilan", args=[bilan]),
        reverse("portal:synthesis", args=[bilan]),
        reverse("portal:synthesis_pdf", args=[bilan]),
        reverse("portal:synthesis_share", args=[bilan]),
        reverse("portal:action_plan", args=[bilan]),
        reverse("portal:action_edit", args=[person.action.pk]),
    ]


def test_the_beneficiary_reaches_every_page_of_their_own(client, louise):
    client.force_login(louise.user)
    for url in [reverse("portal:home"), reverse("portal:data"), *own_urls(louise)]:
        assert client.get(url).status_code == 200, url


def test_another_beneficiary_of_the_same_organisation_gets_404(client, louise, neighbour):
    client.force_login(neighbour.user)
    for url in own_urls(louise):
        for method in ("get", "post"):
            assert getattr(client, method)(url).status_code in (404, 405), (method, url)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Garnier" not in home
    assert str(louise.bilan.pk) not in home


def test_users_of_another_organisation_get_404(client, louise, foreigner, side_b):
    for user in (foreigner.user, side_b.consultant, side_b.admin):
        client.force_login(user)
        for url in own_urls(louise):
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code in (404, 405), url


def test_consultants_are_not_beneficiaries(client, louise, side_a):
    client.force_login(side_a.consultant)
    assert client.get(reverse("portal:home")).status_code == 302
    for url in own_urls(louise):
        assert client.get(url).status_code == 404, url


def test_a_consultant_who_is_also_a_beneficiary_sees_only_their_own_rows(
    client, louise, neighbour, side_a, side_b
):
    """The portal acts as the beneficiary (bilan/rules.py), whether their membership is in
    another organisation or in the same one: their own bilan, not the bilans they follow."""
    from tests.factories import MembershipFactory

    for organisation in (side_b.organisation, side_a.organisation):
        membership = MembershipFactory(organisation=organisation, user=louise.user)
        with side_a.scope():
            neighbour.bilan.consultants.add(louise.user)  # a bilan Louise would follow
        client.force_login(louise.user)
        home = client.get(reverse("portal:home")).content.decode()
        assert str(louise.bilan.pk) in home
        assert str(neighbour.bilan.pk) not in home
        for url in own_urls(louise):
            assert client.get(url).status_code == 200, url
        for url in own_urls(neighbour):
            assert client.get(url).status_code == 404, url
        membership.delete()


def test_a_beneficiary_cannot_send_themself_a_portal_invitation(client, louise):
    client.force_login(louise.user)
    response = client.post(reverse("portal:invite", args=[louise.beneficiary.pk]))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, louise):
    for url in [reverse("portal:home"), *own_urls(louise)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_home_shows_the_bilan_timeline_and_consultant(client, louise, side_a):
    client.force_login(louise.user)
    body = client.get(reverse("portal:home")).content.decode()
    assert "Bonjour Louise" in body
    assert "Votre bilan commencé le 01/09/2026" in body
    assert "Phase préliminaire" in body
    assert "Terminée" in body
    assert "2 h d'accompagnement sur 24 h prévues" in body
    assert side_a.consultant.email in body
    assert reverse("portal:synthesis", args=[louise.bilan.pk]) in body


def test_bilan_page_lists_meetings_without_the_consultants_notes(client, louise):
    client.force_login(louise.user)
    body = client.get(reverse("portal:bilan", args=[louise.bilan.pk])).content.decode()
    assert "jeudi 3 septembre 2026 à 14:30" in body
    assert "Présentiel" in body
    assert "NOTE-PRIVEE-DU-CONSULTANT" not in body


def test_home_query_count_does_not_grow_with_meetings(
    client, louise, side_a, django_assert_max_num_queries
):
    client.force_login(louise.user)
    with django_assert_max_num_queries(30):
        client.get(reverse("portal:home"))
    with side_a.scope():
        for day in range(4, 14):
            Meeting.objects.create(
                organisation=side_a.organisation,
                bilan=louise.bilan,
                phase="conclusion",
                starts_at=louise.bilan.created_at.replace(day=day),
                duration_minutes=30,
                mode="video",
            )
    with django_assert_max_num_queries(30):
        assert client.get(reverse("portal:home")).status_code == 200


def test_a_draft_synthesis_is_not_the_beneficiarys_to_see(client, side_a):
    person = make_person(side_a, first_name="Diane", stage="conclusion")
    client.force_login(person.user)
    response = client.get(reverse("portal:synthesis", args=[person.bilan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pas encore remis" in body
    assert "Reconversion souhaitée" not in body  # the draft's text
    assert client.get(reverse("portal:synthesis_pdf", args=[person.bilan.pk])).status_code == 404
    assert (
        client.post(
            reverse("portal:synthesis_comment", args=[person.bilan.pk]), {"comment": "x"}
        ).status_code
        == 404
    )
    with side_a.scope():
        assert not SynthesisAccess.objects.exists()


def test_reading_and_downloading_are_recorded(client, louise, side_a):
    client.force_login(louise.user)
    page = client.get(reverse("portal:synthesis", args=[louise.bilan.pk]))
    assert "Reconversion souhaitée après quinze ans en comptabilité." in page.content.decode()
    pdf = client.get(reverse("portal:synthesis_pdf", args=[louise.bilan.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert "synthese-louise-garnier-" in pdf["Content-Disposition"]
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF")
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=louise.bilan)
        assert hashlib.sha256(content).hexdigest() == synthesis.pdf_sha256
        actions = list(
            SynthesisAccess.objects.filter(user=louise.user).values_list("action", flat=True)
        )
    assert sorted(actions) == [AccessAction.DOWNLOAD, AccessAction.READ]
    journal = client.get(reverse("portal:synthesis", args=[louise.bilan.pk])).content.decode()
    assert "Téléchargement" in journal
    assert "Lecture" in journal


def test_the_beneficiary_comments_their_synthesis(client, louise, side_a):
    client.force_login(louise.user)
    url = reverse("portal:synthesis_comment", args=[louise.bilan.pk])
    response = client.post(url, {"comment": "  Merci, je me retrouve dans ce document.  "})
    assert response.status_code == 302
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=louise.bilan)
        assert synthesis.beneficiary_comment == "Merci, je me retrouve dans ce document."
        assert BilanEvent.objects.filter(
            bilan=louise.bilan, message__contains="Commentaire du bénéficiaire"
        ).exists()
    too_long = client.post(url, {"comment": "x" * 5001})
    assert too_long.status_code == 400
    body = too_long.content.decode()
    assert "Votre formulaire contient une erreur" in body
    assert "x" * 5001 in body  # nothing typed is lost


@pytest.mark.parametrize("name", ["home", "data"])
def test_plain_pages_need_a_beneficiary(client, side_b, name):
    client.force_login(side_b.consultant)
    response = client.get(reverse(f"portal:{name}"))
    assert response.status_code in (302, 404)


def test_home_shows_the_follow_up_and_links_to_it(client, louise, side_a):
    from suivi.models import FollowUp

    with side_a.scope():
        follow_up = FollowUp.objects.get(bilan=louise.bilan)
    client.force_login(louise.user)
    body = client.get(reverse("portal:home")).content.decode()
    assert "Entretien de suivi :" in body
    assert follow_up.get_state_display().lower() in body
    assert reverse("portal:followup", args=[follow_up.pk]) in body


@pytest.mark.parametrize("page", ["synthesis", "action_plan", "data"])
def test_list_pages_keep_a_fixed_number_of_queries(
    client, louise, side_a, page, django_assert_max_num_queries
):
    client.force_login(louise.user)
    url = (
        reverse("portal:data")
        if page == "data"
        else reverse(f"portal:{page}", args=[louise.bilan.pk])
    )
    client.get(url)
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=louise.bilan)
        for n in range(15):
            bilan_services.record_access(synthesis, side_a.consultant, AccessAction.READ)
            bilan_services.add_action(louise.bilan, actor=louise.user, title=f"Action {n}")
            services.request_data_change(
                louise.beneficiary, kind="other", details=f"Demande {n}", actor=louise.user
            )
            services.share_synthesis(
                synthesis,
                actor=louise.user,
                recipient_name=f"Personne {n}",
                recipient_email=f"p{n}@example.test",
                purpose="other",
            )
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_personal_pages_are_never_cached(client, louise):
    client.force_login(louise.user)
    for url in [
        reverse("portal:home"),
        reverse("portal:synthesis", args=[louise.bilan.pk]),
        reverse("portal:data_export"),
    ]:
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_a_consultant_elsewhere_still_sees_their_own_bilan(client, louise, side_b):
    """A person who is a beneficiary in A and a consultant in B: the portal works in A."""
    from accounts.models import Role
    from tests.factories import MembershipFactory

    MembershipFactory(organisation=side_b.organisation, user=louise.user, role=Role.CONSULTANT)
    client.force_login(louise.user)
    assert "Bonjour Louise" in client.get(reverse("portal:home")).content.decode()
    assert client.get(reverse("portal:synthesis", args=[louise.bilan.pk])).status_code == 200
