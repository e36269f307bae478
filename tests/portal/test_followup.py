"""The beneficiary's follow-up pages: emailed links, booking a slot, ICS, decline, check-in,
survey. Their paths stay under /suivi/ (links in emails already sent), so these tests use paths."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.workdays import PARIS
from suivi import services
from suivi.models import Booking, CheckIn, FollowUpState, Invitation, MessageState
from tests.api.conftest import link_portal_user
from tests.suivi.helpers import delivered_bilan, follow_up_of, make_slot

pytestmark = pytest.mark.usefixtures("eager_celery")

NOW = timezone.now()


def test_the_pages_keep_their_paths_and_suivi_names_the_link_page():
    """Emails already sent carry /suivi/lien/<token>/ links and the pages are bookmarked: the
    paths do not move with the views. suivi builds its links from the URL name alone."""
    assert reverse(services.LINK_PAGE, args=["t0k3n"]) == "/suivi/lien/t0k3n/"
    assert reverse("portal:followup_link_renew", args=["t0k3n"]) == "/suivi/lien/t0k3n/nouveau/"
    followup_id = uuid.uuid4()
    tails = {
        "followup": "",
        "followup_book": "reserver/",
        "followup_another_time": "autre-horaire/",
        "followup_cancel_booking": "annuler-rendez-vous/",
        "followup_decline": "decliner/",
        "followup_check_in": "preparation/",
        "followup_survey": "questionnaire/",
        "followup_calendar": "agenda.ics",
    }
    for name, tail in tails.items():
        path = reverse(f"portal:{name}", args=[followup_id])
        assert path == f"/suivi/mon-suivi/{followup_id}/{tail}"


@pytest.fixture
def invited(side_a, django_capture_on_commit_callbacks):
    """A follow-up whose invitation has just been emailed; returns (follow_up, access, decline)."""
    bilan, _ = delivered_bilan(side_a, delivered_at=NOW - timedelta(days=200))
    follow_up = follow_up_of(side_a, bilan)
    services.run_tick_in_process(timezone.now(), write=lambda line: None)
    [message] = mail.outbox
    access, decline = re.findall(r"http://testserver(/suivi/lien/[^\s]+/)", message.body)
    mail.outbox.clear()
    return follow_up_of(side_a, follow_up.bilan), access, decline


def open_link(client, path):
    """GET shows a confirmation page only; the POST spends the token."""
    response = client.get(path)
    assert response.status_code == 200
    return client.post(path)


def test_get_on_a_link_changes_nothing_and_post_opens_the_portal(client, invited):
    follow_up, access, _decline = invited
    for _ in range(3):  # a mail scanner prefetching the link
        response = client.get(access)
        assert response.status_code == 200
        assert "Voir mon invitation" in response.content.decode()
    response = client.post(access)
    assert response.status_code == 302
    assert response["Location"] == f"/suivi/mon-suivi/{follow_up.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Mon entretien de suivi" in page
    assert "Choisir un créneau" in page


def test_a_link_works_once_and_can_be_renewed(client, invited, django_capture_on_commit_callbacks):
    follow_up, access, _ = invited
    open_link(client, access)
    other = client.__class__()
    response = other.post(access)
    assert response.status_code == 410
    assert "déjà servi" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = other.post(access.replace("/lien/", "/lien/", 1) + "nouveau/")
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[follow_up.bilan.beneficiary.email]]
    assert "nouveau lien" in mail.outbox[0].subject


def test_a_tampered_link_is_refused_with_a_clear_message(client, invited):
    _follow_up, access, _ = invited
    tampered = access[:-6] + ("A" if access[-6] != "A" else "B") + access[-5:]
    response = client.get(tampered)
    assert response.status_code == 404
    assert "pas valide" in response.content.decode()
    assert client.post(tampered).status_code == 404
    assert client.post(tampered + "nouveau/").status_code == 404  # no fresh link either


def test_an_expired_link_is_refused(client, invited):
    _follow_up, access, _ = invited
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        response = client.get(access)
    assert response.status_code == 410
    assert "expiré" in response.content.decode()


def test_booking_a_slot_sends_confirmations_with_an_ics_at_the_right_local_time(
    client, side_a, invited, django_capture_on_commit_callbacks
):
    follow_up, access, _ = invited
    start = (
        (timezone.now() + timedelta(days=9))
        .astimezone(PARIS)
        .replace(hour=14, minute=30, second=0, microsecond=0)
    )
    slot = make_slot(side_a, start)
    open_link(client, access)
    page = client.get(f"/suivi/mon-suivi/{follow_up.pk}/reserver/").content.decode()
    assert "Prochaine disponibilité" in page
    assert f'value="{slot.pk}"' in page
    assert re.search(r'aria-label="\w+ \d+ \w+ \d{4} à 14:30, 60 minutes"', page)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/suivi/mon-suivi/{follow_up.pk}/reserver/", {"slot": slot.pk, "mode": "video"}
        )
    assert response.status_code == 302
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.BOOKED
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([follow_up.bilan.beneficiary.email, side_a.consultant.email])
    for message in mail.outbox:
        mime = message.message()
        parts = {p.get_content_type(): p for p in mime.walk()}
        assert "text/plain" in parts
        assert "text/html" in parts
        assert parts["text/calendar"].get_param("method") == "PUBLISH"
        attachment = parts["application/ics"]
        assert attachment["Content-Transfer-Encoding"] == "base64"
        calendar = Calendar.from_ical(attachment.get_payload(decode=True))
        [event] = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "PUBLISH"
        assert event["UID"] == f"suivi-{follow_up.pk}@passerelle"
        assert event["SEQUENCE"] == 1
        local = event.decoded("DTSTART")
        assert str(local.tzinfo) == "Europe/Paris"
        assert (local.hour, local.minute) == (14, 30)
        assert local == start
        assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
        ics_text = attachment.get_payload(decode=True).decode()
        assert follow_up.bilan.beneficiary.last_name not in ics_text  # nothing sensitive
    confirmation = next(m for m in mail.outbox if m.to == [follow_up.bilan.beneficiary.email])
    assert start.strftime("%d/%m/%Y") in confirmation.subject
    # "Ajouter à mon agenda" on the portal page.
    page = client.get(f"/suivi/mon-suivi/{follow_up.pk}/").content.decode()
    assert "Ajouter à mon agenda" in page
    download = client.get(f"/suivi/mon-suivi/{follow_up.pk}/agenda.ics")
    assert download["Content-Type"].startswith("text/calendar")
    assert Calendar.from_ical(download.content).walk("VEVENT")[0]["UID"] == (
        f"suivi-{follow_up.pk}@passerelle"
    )


def test_rescheduling_and_cancelling_raise_the_sequence_and_cancel_sends_method_cancel(
    client, side_a, invited, django_capture_on_commit_callbacks
):
    follow_up, access, _ = invited
    first = make_slot(side_a, timezone.now() + timedelta(days=9))
    second = make_slot(side_a, timezone.now() + timedelta(days=10))
    open_link(client, access)
    url = f"/suivi/mon-suivi/{follow_up.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "reserver/", {"slot": first.pk, "mode": "phone"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url + "reserver/", {"slot": second.pk, "mode": "in_person"})
    with side_a.scope():
        bookings = list(Booking.objects.filter(follow_up=follow_up).order_by("created_at"))
        assert bookings[0].cancelled_at is not None
        assert bookings[0].slot is None  # the first slot is free again
        assert bookings[1].slot_id == second.pk
        assert bookings[1].location == "12 rue de la Paix, 75002 Paris"
    sequences = [
        Calendar.from_ical(
            next(
                p for p in m.message().walk() if p.get_content_type() == "application/ics"
            ).get_payload(decode=True)
        ).walk("VEVENT")[0]["SEQUENCE"]
        for m in mail.outbox
        if m.to == [follow_up.bilan.beneficiary.email]
    ]
    assert sequences == [1, 2]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "annuler-rendez-vous/", {"reason": "Empêchement"})
    assert response.status_code == 302
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.INVITED
    for message in mail.outbox:
        part = next(
            p for p in message.message().walk() if p.get_content_type() == "application/ics"
        )
        calendar = Calendar.from_ical(part.get_payload(decode=True))
        assert calendar["METHOD"] == "CANCEL"
        assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 3
        assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_a_slot_already_taken_gets_a_clear_message(client, side_a, invited):
    follow_up, access, _ = invited
    slot = make_slot(side_a, timezone.now() + timedelta(days=9))
    other_bilan, _ = delivered_bilan(side_a, delivered_at=NOW - timedelta(days=200))
    with side_a.scope():
        services.book_slot(follow_up_of(side_a, other_bilan), slot.pk, "video")
    open_link(client, access)
    response = client.post(
        f"/suivi/mon-suivi/{follow_up.pk}/reserver/", {"slot": slot.pk, "mode": "video"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre formulaire contient une erreur" in body
    assert "Ce créneau vient d&#x27;être réservé" in body or "vient d'être réservé" in body
    assert follow_up_of(side_a, follow_up.bilan).state == FollowUpState.INVITED


def test_booking_without_a_mode_keeps_the_chosen_slot(client, side_a, invited):
    follow_up, access, _ = invited
    slot = make_slot(side_a, timezone.now() + timedelta(days=9))
    open_link(client, access)
    response = client.post(f"/suivi/mon-suivi/{follow_up.pk}/reserver/", {"slot": slot.pk})
    body = response.content.decode()
    assert "Choisissez une modalité" in body
    assert re.search(rf'value="{slot.pk}"\s+checked', body)


def test_declining_stops_everything_and_booking_after_a_decline_is_refused(
    client, side_a, invited, django_capture_on_commit_callbacks
):
    follow_up, _access, decline = invited
    slot = make_slot(side_a, timezone.now() + timedelta(days=9))
    page = client.get(decline).content.decode()
    assert "je ne souhaite pas" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decline, {"reason": "J'ai trouvé un poste"})
    assert response.status_code == 302
    fu = follow_up_of(side_a, follow_up.bilan)
    assert fu.state == FollowUpState.DECLINED
    assert fu.declined_by_beneficiary
    assert [m.to for m in mail.outbox] == [[side_a.consultant.email]]
    response = client.post(
        f"/suivi/mon-suivi/{follow_up.pk}/reserver/",
        {"slot": slot.pk, "mode": "video"},
        follow=True,
    )
    assert "plus possible de réserver" in response.content.decode()
    with side_a.scope():
        assert not Booking.objects.filter(follow_up=fu).exists()
    # No reminder, ever.
    services.run_tick_in_process(timezone.now() + timedelta(days=30), write=lambda line: None)
    assert len(mail.outbox) == 1


def test_the_check_in_is_saved_and_shown_to_the_consultant(client, side_a, invited):
    follow_up, access, _ = invited
    open_link(client, access)
    url = f"/suivi/mon-suivi/{follow_up.pk}/preparation/"
    page = client.get(url).content.decode()
    assert "Se renseigner sur le titre FPA" in page
    assert "Devenir formatrice" in page  # the goals of the preliminary phase
    with side_a.scope():
        actions = {str(a.pk): a for a in services.plan_actions(follow_up)}
    data = {
        "went_well": "J'ai suivi une formation",
        "obstacles": "Le financement",
        "help_needed": "",
    }
    for pk in actions:
        data[f"action_{pk}_status"] = "in_progress"
        data[f"action_{pk}_comment"] = "Bien avancé"
    response = client.post(url, data)
    assert response.status_code == 302
    with side_a.scope():
        check_in = CheckIn.objects.get(follow_up=follow_up)
    assert check_in.obstacles == "Le financement"
    assert set(check_in.actions) == set(actions)
    client.force_login(side_a.consultant)
    page = client.get(f"/suivi/{follow_up.pk}/").content.decode()
    assert "Le financement" in page
    assert "Bien avancé" in page


def test_a_bad_action_status_is_a_form_error_not_a_500(client, side_a, invited):
    follow_up, access, _ = invited
    open_link(client, access)
    with side_a.scope():
        action = services.plan_actions(follow_up)[0]
    response = client.post(
        f"/suivi/mon-suivi/{follow_up.pk}/preparation/",
        {f"action_{action.pk}_status": "nonsense", "obstacles": "Texte gardé"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre formulaire contient" in body
    assert "Texte gardé" in body


def test_ask_for_another_time(client, side_a, invited, django_capture_on_commit_callbacks):
    follow_up, access, _ = invited
    open_link(client, access)
    url = f"/suivi/mon-suivi/{follow_up.pk}/autre-horaire/"
    response = client.post(url, {"message": ""})
    assert "Indiquez les jours" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Le mardi après 17 h"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [side_a.consultant.email]
    assert "Le mardi après 17 h" in message.body


def test_a_signed_in_beneficiary_uses_the_portal_without_a_link(client, side_a, invited):
    follow_up, _access, _ = invited
    user = link_portal_user(side_a, follow_up.bilan.beneficiary)
    client.force_login(user)
    assert client.get(f"/suivi/mon-suivi/{follow_up.pk}/").status_code == 200


def test_a_beneficiary_who_works_for_another_organisation_opens_their_follow_up(
    client, side_a, side_b, invited
):
    """The middleware acts as their membership elsewhere; the follow-up page acts as the
    beneficiary in the follow-up's own organisation (suivi/rules.py)."""
    from tests.factories import MembershipFactory

    follow_up, _access, _ = invited
    user = link_portal_user(side_a, follow_up.bilan.beneficiary)
    MembershipFactory(organisation=side_b.organisation, user=user)
    client.force_login(user)
    assert client.get(f"/suivi/mon-suivi/{follow_up.pk}/").status_code == 200
    other = follow_up_of(side_a, delivered_bilan(side_a)[0])
    assert client.get(f"/suivi/mon-suivi/{other.pk}/").status_code == 404


def test_another_beneficiary_or_organisation_gets_404(client, side_a, side_b, invited):
    follow_up, access, _ = invited
    other_bilan, _ = delivered_bilan(side_b)
    other = follow_up_of(side_b, other_bilan)
    open_link(client, access)  # this session may see its own follow-up only
    assert client.get(f"/suivi/mon-suivi/{follow_up.pk}/").status_code == 200
    assert client.get(f"/suivi/mon-suivi/{other.pk}/").status_code == 302  # anonymous: sign in
    client.force_login(side_b.consultant)
    assert client.get(f"/suivi/{follow_up.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_people_clicking_the_same_slot_at_once_book_it_once(side_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers anyway)")
    from django.db import connections

    bilans = [delivered_bilan(side_a)[0] for _ in range(2)]
    follow_ups = [follow_up_of(side_a, b) for b in bilans]
    slot = make_slot(side_a, timezone.now() + timedelta(days=5))
    barrier = threading.Barrier(2)
    results: list[str] = []

    def click(fu):
        try:
            barrier.wait()
            with side_a.scope():
                services.book_slot(fu, slot.pk, "video")
            results.append("booked")
        except services.SuiviError as error:
            results.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(fu,)) for fu in follow_ups]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["Ce créneau vient d'être réservé. Choisissez-en un autre.", "booked"]
    with side_a.scope():
        assert Booking.objects.filter(slot=slot).count() == 1
    assert Invitation.objects.unscoped().filter(state=MessageState.SENDING).count() >= 0
