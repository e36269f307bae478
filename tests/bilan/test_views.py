"""The consultant's pages: owner, colleague of the same organisation, the other organisation."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from pypdf import PdfReader

from bilan import panels, services
from bilan.models import (
    Action,
    Beneficiary,
    Bilan,
    BilanStatus,
    Meeting,
    Synthesis,
    SynthesisAccess,
)
from tests.bilan import builders

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, args=[str(a) for a in args])


def body(response) -> str:
    return response.content.decode()


# --- Who sees a bilan ------------------------------------------------------------------------


def test_bilan_page_owner_colleague_admin_other_organisation(
    client, side_a, side_b, colleague, platform_staff
):
    bilan = builders.bilan(side_a, status=BilanStatus.INVESTIGATION)
    page = url("bilan_detail", bilan.pk)
    client.force_login(side_a.consultant)
    response = client.get(page)
    assert response.status_code == 200
    assert bilan.beneficiary.full_name in body(response)
    assert "Passer en conclusion" in body(response)
    for outsider in (colleague, side_b.consultant, side_b.admin, platform_staff):
        client.force_login(outsider)
        assert client.get(page).status_code == 404, outsider
        assert client.post(url("bilan_advance", bilan.pk)).status_code == 404
        assert client.get(url("synthesis", bilan.pk)).status_code == 404
    client.force_login(side_a.admin)
    assert client.get(page).status_code == 200
    with side_a.scope():
        assert Bilan.objects.get(pk=bilan.pk).status == BilanStatus.INVESTIGATION


def test_beneficiary_of_the_portal_gets_404_on_consultant_pages(client, side_a):
    from tests.factories import UserFactory

    bilan = builders.bilan(side_a)
    user = UserFactory(email="portail@alpha.test")
    with side_a.scope():
        Beneficiary.objects.filter(pk=bilan.beneficiary_id).update(user=user)
    client.force_login(user)
    assert client.get(url("bilan_detail", bilan.pk)).status_code == 404
    assert client.get(url("beneficiary_detail", bilan.beneficiary_id)).status_code == 404


# --- The dashboard ---------------------------------------------------------------------------


def test_bilan_page_query_count_does_not_grow_with_rows(
    client, side_a, django_assert_max_num_queries
):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    client.force_login(side_a.consultant)
    with django_assert_max_num_queries(30) as few:
        client.get(url("bilan_detail", bilan.pk))
    with side_a.scope():
        for index in range(6):
            services.log_meeting(
                bilan,
                actor=side_a.consultant,
                phase="conclusion",
                starts_at=timezone.now() - timedelta(hours=index),
                duration_minutes=30,
                mode="phone",
            )
            services.add_action(bilan, actor=side_a.consultant, title=f"Action {index}")
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
        synthesis = services.get_synthesis(bilan)
        for _ in range(5):
            services.record_access(synthesis, side_a.consultant, "read")
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        # +1: the synthesis now has accesses to list (one query, whatever their number).
        response = client.get(url("bilan_detail", bilan.pk))
    assert body(response).count("Action ") >= 6


# --- Beneficiaries and opening a bilan -------------------------------------------------------


BENEFICIARY = {
    "first_name": "Léa",
    "last_name": "Ngô",
    "email": "lea.ngo@exemple.fr",
    "phone": "06 12 34 56 78",
    "employment_status": "cdi",
    "current_job": "Comptable",
    "consent_given_on": "2026-01-05",
    "consent_method": "signed",
}


def test_create_beneficiary_then_open_a_bilan(client, side_a, side_b):
    client.force_login(side_a.consultant)
    response = client.post(url("beneficiary_create"), BENEFICIARY)
    with side_a.scope():
        person = Beneficiary.objects.get(email="lea.ngo@exemple.fr")
    assert response["Location"] == url("bilan_create", person.pk)
    form = client.get(response["Location"])
    assert side_b.consultant.email not in body(form)  # only the organisation's members
    data = {
        "consultants": [str(side_a.consultant.pk)],
        "funding": "cpf",
        "cpf_dossier_number": "",
        "started_on": "2026-01-10",
        "planned_hours": "24",
        "goals": "",
    }
    response = client.post(url("bilan_create", person.pk), data)
    assert response.status_code == 200
    assert "Indiquez le numéro du dossier" in body(response)
    assert "Votre formulaire contient" in body(response)
    data |= {"cpf_dossier_number": "987654", "cpf_registered_on": "2026-01-02"}
    data["consultants"] = [str(side_b.consultant.pk)]
    response = client.post(url("bilan_create", person.pk), data)
    assert "Choisissez des consultants de votre organisation" in body(response)
    assert 'value="987654"' in body(response)  # nothing typed is lost
    data["consultants"] = [str(side_a.consultant.pk)]
    response = client.post(url("bilan_create", person.pk), data)
    with side_a.scope():
        bilan = Bilan.objects.get(beneficiary=person)
    assert response["Location"] == url("bilan_detail", bilan.pk)
    assert list(bilan.consultants.all()) == [side_a.consultant]


def test_duplicate_beneficiary_is_reported_with_a_link(client, side_a):
    existing = builders.beneficiary(side_a, email="lea.ngo@exemple.fr")
    client.force_login(side_a.consultant)
    response = client.post(url("beneficiary_create"), BENEFICIARY | {"email": "LEA.NGO@exemple.fr"})
    html = body(response)
    assert response.status_code == 200
    assert "déjà enregistré(e) avec cette adresse" in html
    assert url("beneficiary_detail", existing.pk) in html
    assert 'value="Ngô"' in html
    with side_a.scope():
        assert Beneficiary.objects.count() == 1


def test_beneficiary_form_rejects_bad_input_in_french(client, side_a):
    client.force_login(side_a.consultant)
    response = client.post(
        url("beneficiary_create"),
        BENEFICIARY | {"email": "pas-une-adresse", "consent_given_on": "2999-01-01"},
    )
    html = body(response)
    assert "Saisissez une adresse e-mail valide" in html
    assert "ne peut pas être daté dans le futur" in html
    assert 'value="Léa"' in html


# --- Phases, meetings, hours -----------------------------------------------------------------


def test_refused_transition_shows_a_french_message(client, side_a):
    bilan = builders.bilan(side_a, goals="")
    client.force_login(side_a.consultant)
    response = client.post(url("bilan_advance", bilan.pk), follow=True)
    assert "Renseignez les objectifs" in body(response)
    with side_a.scope():
        assert Bilan.objects.get(pk=bilan.pk).status == BilanStatus.PRELIMINARY


def test_meeting_beyond_24_hours_is_refused_and_the_input_kept(client, side_a):
    bilan = builders.bilan(side_a)
    with side_a.scope():
        for _ in range(5):
            services.log_meeting(
                bilan,
                actor=side_a.consultant,
                phase="preliminary",
                starts_at=timezone.now(),
                duration_minutes=240,
                mode="video",
            )
    client.force_login(side_a.consultant)
    data = {
        "phase": "preliminary",
        "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "180",
        "mode": "phone",
        "is_accompaniment": "on",
        "notes": "Notes précieuses",
    }
    response = client.post(url("meeting_create", bilan.pk), data)
    html = body(response)
    assert "le plafond est de 24 heures" in html
    assert "Notes précieuses" in html
    data["starts_at"] = "2001-01-01T10:00"
    assert "précéder le début du bilan" in body(client.post(url("meeting_create", bilan.pk), data))
    with side_a.scope():
        assert Meeting.objects.filter(bilan=bilan).count() == 6


def test_meeting_edit_and_delete(client, side_a):
    bilan = builders.bilan(side_a)
    with side_a.scope():
        meeting = Meeting.objects.get(bilan=bilan)
    client.force_login(side_a.consultant)
    edit = url("meeting_edit", bilan.pk, meeting.pk)
    assert client.get(edit).status_code == 200
    client.post(
        edit,
        {
            "phase": "preliminary",
            "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "45",
            "mode": "in_person",
            "notes": "",
        },
    )
    with side_a.scope():
        assert Meeting.objects.get(pk=meeting.pk).duration_minutes == 45
    assert client.get(url("meeting_delete", bilan.pk, meeting.pk)).status_code == 200
    client.post(url("meeting_delete", bilan.pk, meeting.pk))
    with side_a.scope():
        assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_only_an_admin_grants_the_override(client, side_a):
    bilan = builders.bilan(side_a)
    client.force_login(side_a.consultant)
    assert client.get(url("bilan_override", bilan.pk)).status_code == 404
    client.force_login(side_a.admin)
    response = client.post(url("bilan_override", bilan.pk), {"hours_override_reason": ""})
    assert "Ce champ est obligatoire" in body(response)
    client.post(url("bilan_override", bilan.pk), {"hours_override_reason": "Handicap"})
    with side_a.scope():
        assert Bilan.objects.get(pk=bilan.pk).hours_override_by == side_a.admin


def test_abandon_with_reason(client, side_a):
    bilan = builders.bilan(side_a)
    client.force_login(side_a.consultant)
    response = client.post(url("bilan_abandon", bilan.pk), {"abandon_reason": ""})
    assert "Votre formulaire contient" in body(response)
    client.post(url("bilan_abandon", bilan.pk), {"abandon_reason": "Nouvel emploi"})
    with side_a.scope():
        assert Bilan.objects.get(pk=bilan.pk).status == BilanStatus.ABANDONED


# --- The synthesis, its confidentiality and the access log ----------------------------------


def _sections(**extra) -> dict:
    return {**builders.SECTIONS, **extra}


def test_synthesis_editor_versions_and_conflicts(client, side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    client.force_login(side_a.consultant)
    page = url("synthesis", bilan.pk)
    assert client.get(page).status_code == 200
    response = client.post(page, _sections(version="0"), follow=True)
    assert "Version 1 enregistrée" in body(response)
    # Someone saved in between: the text typed is kept, nothing is overwritten.
    response = client.post(page, _sections(version="0", project="Mon texte à moi"))
    assert "pendant que vous écriviez" in body(response)
    assert "Mon texte à moi" in body(response)
    with side_a.scope():
        assert Synthesis.objects.get(bilan=bilan).version == 1
    client.post(page, _sections(version="1", project="Mon texte à moi"))
    with side_a.scope():
        assert Synthesis.objects.get(bilan=bilan).project == "Mon texte à moi"


def test_synthesis_confidentiality(client, side_a, colleague):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    with side_a.scope():
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
    client.force_login(side_a.admin)
    response = client.get(url("synthesis", bilan.pk))
    assert response.status_code == 403
    assert builders.SECTIONS["project"] not in body(response)
    assert "Synthèse confidentielle" in body(response)
    assert client.post(url("synthesis", bilan.pk), _sections(version="1")).status_code == 403
    side_a.organisation.admins_read_syntheses = True
    side_a.organisation.save()
    assert client.get(url("synthesis", bilan.pk)).status_code == 200
    client.force_login(colleague)
    assert client.get(url("synthesis", bilan.pk)).status_code == 404
    with side_a.scope():
        reads = list(SynthesisAccess.objects.values_list("user", "action"))
    assert reads == [(side_a.admin.pk, "read")]


def test_only_the_writers_are_offered_the_delivery(client, side_a):
    """An authorised admin reads the synthesis, but only its consultants deliver it: the bilan
    page asks bilan/rules.py (it used to show the admin a button the service refuses)."""
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    side_a.organisation.admins_read_syntheses = True
    side_a.organisation.save()
    client.force_login(side_a.admin)
    html = body(client.get(url("bilan_detail", bilan.pk)))
    assert url("synthesis", bilan.pk) in html  # reads it
    assert url("synthesis_deliver", bilan.pk) not in html
    client.force_login(side_a.consultant)
    assert url("synthesis_deliver", bilan.pk) in body(client.get(url("bilan_detail", bilan.pk)))


def test_delivery_pdf_download_and_access_log(client, side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    with side_a.scope():
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
    client.force_login(side_a.consultant)
    deliver = url("synthesis_deliver", bilan.pk)
    form = client.get(deliver)
    assert "en dessous" in body(form) or "durée minimale" in body(form)
    response = client.post(deliver, {"follow_up_accepted": "yes"})
    assert "Cochez la case pour confirmer" in body(response)
    response = client.post(deliver, {"follow_up_accepted": "yes", "confirm": "on"}, follow=True)
    assert "La synthèse est remise" in body(response)
    assert "lecture seule" in body(response)
    # Read-only now: a POST changes nothing.
    client.post(url("synthesis", bilan.pk), _sections(version="1", project="Après coup"))
    download = client.get(url("synthesis_pdf", bilan.pk))
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert "Le projet professionnel" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=bilan)
        assert synthesis.project == builders.SECTIONS["project"]
        actions = list(
            SynthesisAccess.objects.filter(synthesis=synthesis)
            .order_by("at")
            .values_list("action", flat=True)
        )
    assert actions == ["read", "download"]
    page = body(client.get(url("bilan_detail", bilan.pk)))
    assert "Téléchargement" in page
    assert "Lecture" in page
    assert "Clore le bilan" in page
    # A second delivery is refused politely.
    response = client.post(deliver, {"follow_up_accepted": "no", "confirm": "on"}, follow=True)
    assert "déjà été remise" in body(response)


def test_pdf_before_delivery_is_explained(client, side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    client.force_login(side_a.consultant)
    response = client.get(url("synthesis_pdf", bilan.pk), follow=True)
    assert "une fois la synthèse remise" in body(response)


# --- The action plan -------------------------------------------------------------------------


def test_add_and_edit_actions(client, side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    client.force_login(side_a.consultant)
    response = client.post(url("action_create", bilan.pk), {"title": "", "status": "todo"})
    assert "Votre formulaire contient" in body(response)
    client.post(
        url("action_create", bilan.pk),
        {
            "title": "S'inscrire à la formation",
            "status": "todo",
            "target_date": "2026-03-01",
            "resources": "Centre de formation",
            "obstacles": "Horaires",
        },
    )
    with side_a.scope():
        action = Action.objects.get(plan__bilan=bilan)
    client.post(
        url("action_edit", bilan.pk, action.pk),
        {"title": action.title, "status": "in_progress", "target_date": "2026-03-01"},
    )
    with side_a.scope():
        assert Action.objects.get(pk=action.pk).status == "in_progress"
    assert "En cours" in body(client.get(url("bilan_detail", bilan.pk)))


def test_beneficiary_page_offers_the_portal_invitation(
    client, side_a, mailoutbox, django_capture_on_commit_callbacks
):
    person = builders.bilan(side_a).beneficiary
    client.force_login(side_a.consultant)
    page = url("beneficiary_detail", person.pk)
    html = body(client.get(page))
    assert "Pas de compte" in html
    assert "Inviter à son espace bénéficiaire" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:invite", args=[person.pk]), {"next": page}, follow=True
        )
    assert "Invitation envoyée" in body(response)
    assert "Renvoyer l'invitation" in body(response)
    assert [m.to for m in mailoutbox] == [[person.email]]


def test_edit_bilan_consultants_and_goals(client, side_a, colleague):
    bilan = builders.bilan(side_a)
    data = {
        "consultants": [str(colleague.pk)],
        "funding": "personal",
        "started_on": bilan.started_on.isoformat(),
        "planned_hours": "18",
        "goals": "Nouvel objectif",
    }
    client.force_login(side_a.consultant)
    assert client.get(url("bilan_edit", bilan.pk)).status_code == 200
    response = client.post(url("bilan_edit", bilan.pk), data)
    assert "Seul un administrateur peut vous retirer de ce bilan" in body(response)
    data["planned_hours"] = "30"
    data["consultants"] = [str(side_a.consultant.pk), str(colleague.pk)]
    response = client.post(url("bilan_edit", bilan.pk), data)
    assert "inférieure ou égale à 24" in body(response)
    data["planned_hours"] = "18"
    client.post(url("bilan_edit", bilan.pk), data)
    with side_a.scope():
        bilan.refresh_from_db()
        assert bilan.goals == "Nouvel objectif"
        assert set(bilan.consultants.all()) == {side_a.consultant, colleague}
    # The admin hands the bilan over to the colleague alone.
    client.force_login(side_a.admin)
    data["consultants"] = [str(colleague.pk)]
    client.post(url("bilan_edit", bilan.pk), data)
    with side_a.scope():
        assert list(bilan.consultants.all()) == [colleague]
    client.force_login(side_a.consultant)
    assert client.get(url("bilan_detail", bilan.pk)).status_code == 404
    # The person goes with the bilan, although A's consultant entered them (bilan/rules.py).
    assert client.get(url("beneficiary_detail", bilan.beneficiary_id)).status_code == 404


def test_edit_beneficiary_refuses_another_persons_email(client, side_a, colleague):
    builders.beneficiary(side_a, email="pris@exemple.fr")
    person = builders.bilan(side_a).beneficiary
    client.force_login(side_a.consultant)
    edit = url("beneficiary_edit", person.pk)
    data = BENEFICIARY | {"email": "pris@exemple.fr", "first_name": "Nouveau"}
    response = client.post(edit, data)
    assert "déjà enregistré(e) avec cette adresse" in body(response)
    assert 'value="Nouveau"' in body(response)
    client.post(edit, data | {"email": "nouvelle@exemple.fr"})
    with side_a.scope():
        person.refresh_from_db()
    assert (person.first_name, person.email) == ("Nouveau", "nouvelle@exemple.fr")
    # A colleague who does not follow this person does not see them.
    client.force_login(colleague)
    assert client.get(edit).status_code == 404
    assert client.get(url("beneficiary_detail", person.pk)).status_code == 404


def test_draft_preview_pdf_is_marked_and_logged(client, side_a, colleague):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    with side_a.scope():
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
    client.force_login(side_a.consultant)
    assert "Aperçu PDF" in body(client.get(url("synthesis", bilan.pk)))
    response = client.get(url("synthesis_preview", bilan.pk))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Brouillon" in text
    with side_a.scope():
        assert not Synthesis.objects.get(bilan=bilan).is_delivered
        assert SynthesisAccess.objects.filter(detail="aperçu PDF du brouillon").count() == 1
    client.force_login(colleague)
    assert client.get(url("synthesis_preview", bilan.pk)).status_code == 404


def test_beneficiary_page_shows_the_panels_other_apps_register(client, side_a, monkeypatch):
    """The extension point through which apps above bilan (portal) add to the page."""
    bilan = builders.bilan(side_a)
    person = bilan.beneficiary
    client.force_login(side_a.consultant)
    page = url("beneficiary_detail", person.pk)
    monkeypatch.setattr(panels, "_beneficiary_panels", [])
    assert "Espace bénéficiaire" not in body(client.get(page))
    seen = []

    def first(request, beneficiary, bilans):
        seen.append((beneficiary.pk, [b.pk for b in bilans]))
        return mark_safe("<h3>Premier</h3><p>un</p>")

    panels.register_beneficiary_panel(first)
    panels.register_beneficiary_panel(first)  # registered once
    panels.register_beneficiary_panel(lambda request, beneficiary, bilans: "")
    panels.register_beneficiary_panel(lambda request, beneficiary, bilans: "<b>Second</b>")
    html = body(client.get(page))
    assert html.count("<h3>Premier</h3>") == 1
    assert html.index("<h3>Premier</h3>") < html.index("&lt;b&gt;Second&lt;/b&gt;")  # escaped
    assert seen == [(person.pk, [bilan.pk])]
