"""Security review of the suivi: read-only admin without follow-up content, no 500 on bad
dates, and nothing more to the beneficiary once they declined."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

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
from suivi.services import SuiviError
from tests.suivi import makers
from tests.suivi.helpers import delivered_bilan, follow_up_of, make_slot

NOW = timezone.now()
SECRET = "ContenuConfidentielDuSuivi"


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:suivi_{model._meta.model_name}_{view}", args=args)


# --- 1. The admin is read-only and shows no follow-up content --------------------------------

READ_ONLY = [
    (FollowUp, makers.admin_follow_up),
    (Invitation, makers.admin_message),
    (Booking, makers.admin_booking),
    (CheckIn, makers.admin_check_in),
    (FollowUpInterview, makers.admin_interview),
    (Survey, makers.admin_survey),
    (SurveyResponse, makers.admin_survey_response),
]


@pytest.mark.parametrize(
    ("model", "make"), [pytest.param(m, f, id=m._meta.model_name) for m, f in READ_ONLY]
)
def test_organisation_admins_only_view_the_suivi_rows(client, side_a, model, make):
    row = make(side_a)
    client.force_login(side_a.admin)
    assert client.get(admin_url(model, "changelist")).status_code == 200
    page = client.get(admin_url(model, "change", row.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="_save"' not in body
    assert "<textarea" not in body
    assert client.post(admin_url(model, "change", row.pk), {}).status_code == 403
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.get(admin_url(model, "delete", row.pk)).status_code == 403
    assert client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(row.pk)], "post": "yes"},
    )
    assert model.objects.unscoped().filter(pk=row.pk).exists()


def test_an_admin_cannot_revive_a_declined_follow_up_or_redirect_a_message(client, side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        row = Invitation.objects.create(
            follow_up=fu,
            kind=MessageKind.NEW_LINK,
            to_email=fu.bilan.beneficiary.email,
            state=MessageState.FAILED,
        )
        services.decline_follow_up(fu, "Non merci")
    client.force_login(side_a.admin)
    response = client.post(
        admin_url(FollowUp, "change", fu.pk),
        {"state": FollowUpState.INVITED, "due_on": "01/01/2031", "invite_on": "01/12/2030"},
    )
    assert response.status_code == 403
    response = client.post(
        admin_url(Invitation, "change", row.pk),
        {"to_email": "admin@alpha.test", "state": MessageState.PENDING, "kind": "new_link"},
    )
    assert response.status_code == 403
    fu.refresh_from_db()
    row.refresh_from_db()
    assert fu.state == FollowUpState.DECLINED
    assert row.to_email == fu.bilan.beneficiary.email
    assert row.state == MessageState.SKIPPED


def test_the_slots_stay_editable_in_the_admin(client, side_a):
    slot = makers.admin_slot(side_a)
    client.force_login(side_a.admin)
    body = client.get(admin_url(Slot, "change", slot.pk)).content.decode()
    assert 'name="_save"' in body


def _with_content(side):
    """A follow-up held, with every free-text field filled with SECRET."""
    bilan, _ = delivered_bilan(side, delivered_at=NOW - timedelta(days=200))
    fu = follow_up_of(side, bilan)
    with side.scope():
        fu.transition_to(FollowUpState.INVITED)
        fu.save()
        slot = make_slot(side, NOW + timedelta(days=5))
        booking = services.book_slot(fu, slot.pk, "video")
        Booking.objects.filter(pk=booking.pk).update(cancel_reason=SECRET)
        check_in = services.save_check_in(
            fu,
            actions={},
            went_well=SECRET + "Bien",
            obstacles=SECRET + "Obstacles",
            help_needed=SECRET + "Aide",
        )
        CheckIn.objects.filter(pk=check_in.pk).update(actions={"x": {"comment": SECRET}})
        services.record_interview(
            fu,
            actor=side.consultant,
            held_on=timezone.localdate(),
            mode="video",
            outcome="in_progress",
            results_vs_goals=SECRET + "Résultats",
            obstacles=SECRET + "Freins",
            levers=SECRET + "Leviers",
            adjustment=SECRET + "Réajustement",
            next_steps=SECRET + "Étapes",
            action_progress={"x": {"status": "done", "comment": SECRET}},
        )
        response = services.submit_survey(
            fu, satisfaction=4, usefulness=5, project_status="in_progress", comment=SECRET
        )
        FollowUp.objects.filter(pk=fu.pk).update(
            move_reason=SECRET, cancel_reason=SECRET, another_time_request=SECRET
        )
    return fu, booking, check_in, response


@pytest.mark.parametrize("who", ["organisation_admin", "platform_staff"])
def test_the_admin_never_shows_what_the_beneficiary_or_consultant_wrote(
    client, side_a, platform_staff, who
):
    fu, booking, check_in, survey_response = _with_content(side_a)
    client.force_login(side_a.admin if who == "organisation_admin" else platform_staff)
    rows = [
        (FollowUp, fu),
        (Booking, booking),
        (CheckIn, check_in),
        (FollowUpInterview, FollowUpInterview.objects.unscoped().get(follow_up=fu)),
        (Survey, Survey.objects.unscoped().get(follow_up=fu)),
        (SurveyResponse, survey_response),
    ]
    for model, row in rows:
        for page in (admin_url(model, "changelist"), admin_url(model, "change", row.pk)):
            response = client.get(page)
            assert response.status_code == 200, page
            assert SECRET not in response.content.decode(), page
    # The metadata is still there.
    body = client.get(admin_url(FollowUp, "change", fu.pk)).content.decode()
    assert "Entretien réalisé" in body


# --- 2. Bad dates are not 500s ---------------------------------------------------------------


@pytest.fixture
def portal(client, side_a):
    bilan, _ = delivered_bilan(side_a, delivered_at=NOW - timedelta(days=200))
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        fu.transition_to(FollowUpState.INVITED)
        fu.save()
    return fu


def _open_portal(client, side_a, fu):
    """Open the portal with a fresh access link (the way a beneficiary does)."""
    from suivi.models import LinkPurpose

    with side_a.scope():
        token = services.issue_link(fu, LinkPurpose.ACCESS)
    response = client.post(reverse("portal:followup_link", kwargs={"token": token}))
    assert response.status_code == 302


def _monday(day):
    return day - timedelta(days=day.weekday())


@pytest.mark.parametrize(
    "week",
    ["2024-02-30", "9999-12-31", "2024-13-01", "0001-01-01", "n'importe", "99999-01-01"],
)
def test_a_bad_week_on_the_booking_page_is_not_a_500(client, side_a, portal, week):
    _open_portal(client, side_a, portal)
    response = client.get(f"/suivi/mon-suivi/{portal.pk}/reserver/", {"semaine": week})
    assert response.status_code == 200
    week_start = response.context["week_start"]
    today = timezone.localdate()
    assert _monday(today) <= week_start <= _monday(today + timedelta(days=730))


def test_the_booking_page_stops_two_years_ahead(client, side_a, portal):
    make_slot(side_a, NOW + timedelta(days=3))
    _open_portal(client, side_a, portal)
    today = timezone.localdate()
    response = client.get(f"/suivi/mon-suivi/{portal.pk}/reserver/", {"semaine": "9999-12-31"})
    assert response.context["week_start"] == _monday(today + timedelta(days=730))
    assert response.context["next_week"] is None
    # An invalid date is this week's page (or the next slot's): here, the slot of this week
    # or next week, never a 500.
    response = client.get(f"/suivi/mon-suivi/{portal.pk}/reserver/", {"semaine": "2024-02-30"})
    assert response.context["week_start"] in (_monday(today), _monday(today + timedelta(days=3)))


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("31/12/9999", "au plus un an à l'avance"),
        ((timezone.localdate() + timedelta(days=400)).strftime("%d/%m/%Y"), "au plus un an"),
        ((timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y"), "une date à venir"),
    ],
)
def test_publishing_slots_too_far_or_in_the_past_is_a_form_error(client, side_a, day, message):
    client.force_login(side_a.consultant)
    response = client.post(
        "/suivi/creneaux/",
        {"day": day, "start": "23:00", "count": "12", "duration_minutes": "90", "location": ""},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre formulaire contient" in body
    assert message.replace("&#x27;", "'") in body.replace("&#x27;", "'")
    with side_a.scope():
        assert not Slot.objects.exists()


def test_publish_slots_refuses_a_day_past_the_horizon(side_a):
    with side_a.scope(), pytest.raises(SuiviError):
        services.publish_slots(
            side_a.consultant,
            day=timezone.localdate() + timedelta(days=500),
            start=timezone.now().time().replace(hour=9, minute=0, second=0, microsecond=0),
            count=12,
            duration_minutes=90,
        )


# --- 3. Nothing more to the beneficiary after a decline --------------------------------------


def _message(side, fu, kind, to_email, state, **extra):
    with side.scope():
        return Invitation.objects.create(
            follow_up=fu, kind=kind, to_email=to_email, state=state, **extra
        )


def test_declining_skips_pending_and_failed_messages_to_the_beneficiary(side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    email = fu.bilan.beneficiary.email
    pending = _message(side_a, fu, MessageKind.INVITATION, email, MessageState.PENDING)
    failed = _message(side_a, fu, MessageKind.NEW_LINK, email, MessageState.FAILED)
    survey = _message(side_a, fu, MessageKind.SURVEY, email, MessageState.FAILED)
    consultant = _message(
        side_a, fu, MessageKind.ANOTHER_TIME, side_a.consultant.email, MessageState.FAILED
    )
    with side_a.scope():
        services.decline_follow_up(fu, "Non merci", by_beneficiary=False, actor=side_a.consultant)
    for row in (pending, failed, survey):
        row.refresh_from_db()
        assert row.state == MessageState.SKIPPED
    consultant.refresh_from_db()
    assert consultant.state == MessageState.FAILED  # the consultant's own notice is kept


@pytest.mark.parametrize(
    "kind",
    [
        MessageKind.INVITATION,
        MessageKind.NEW_LINK,
        MessageKind.BOOKING_CONFIRMATION,
        MessageKind.BOOKING_CANCELLED,
        MessageKind.INTERVIEW_REMINDER,
        MessageKind.SURVEY,
    ],
)
def test_a_message_to_the_beneficiary_is_never_sent_once_declined(side_a, kind):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        services.decline_follow_up(fu, "Non merci", by_beneficiary=False, actor=side_a.consultant)
    # A row already being sent when the decline landed (claimed before it).
    row = _message(
        side_a, fu, kind, fu.bilan.beneficiary.email, MessageState.SENDING, claimed_at=NOW
    )
    mail.outbox.clear()
    assert services.send_message(row.pk) == "skipped"
    row.refresh_from_db()
    assert row.state == MessageState.SKIPPED
    assert mail.outbox == []


def test_the_consultant_is_still_told_of_a_decline(side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        services.decline_follow_up(fu, "Non merci", by_beneficiary=False, actor=side_a.consultant)
    row = _message(
        side_a,
        fu,
        MessageKind.DECLINED_CONSULTANT,
        side_a.consultant.email,
        MessageState.SENDING,
        claimed_at=NOW,
    )
    assert services.send_message(row.pk) == "sent"


def test_the_survey_goes_only_to_a_held_follow_up(side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        services.cancel_follow_up(fu, "Erreur de saisie", actor=side_a.consultant)
    row = _message(
        side_a,
        fu,
        MessageKind.SURVEY,
        fu.bilan.beneficiary.email,
        MessageState.SENDING,
        claimed_at=NOW,
    )
    assert services.send_message(row.pk) == "skipped"


def test_a_failed_message_of_a_declined_follow_up_is_not_retried(side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        services.decline_follow_up(fu, "Non merci", by_beneficiary=False, actor=side_a.consultant)
    row = _message(side_a, fu, MessageKind.NEW_LINK, fu.bilan.beneficiary.email, "failed")
    with side_a.scope(), pytest.raises(SuiviError, match="décliné"):
        services.retry_failed_message(row, actor=side_a.consultant)
    row.refresh_from_db()
    assert row.state == MessageState.FAILED


def test_retrying_from_the_page_after_a_decline_shows_a_french_error(client, side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        services.decline_follow_up(fu, "Non merci", by_beneficiary=False, actor=side_a.consultant)
    row = _message(side_a, fu, MessageKind.NEW_LINK, fu.bilan.beneficiary.email, "failed")
    client.force_login(side_a.consultant)
    response = client.post(f"/suivi/{fu.pk}/messages/{row.pk}/renvoyer/", follow=True)
    assert "plus aucun message" in response.content.decode()
    row.refresh_from_db()
    assert row.state == MessageState.FAILED
