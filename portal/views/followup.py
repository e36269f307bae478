"""The beneficiary's follow-up pages: the emailed links (GET confirms, POST spends the token)
and the follow-up page with booking, another time, cancelling, declining, the check-in, the
survey and the calendar file. Thin over suivi.services, which holds the rules.

Their paths stay under /suivi/ (see portal/urls.py): emails already sent carry those links."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bilan.forms import add_service_error
from core import workdays
from core.tenancy import organisation_scope
from portal.forms import AnotherTimeForm, BookingForm, CheckInForm, SurveyForm
from portal.services import beneficiary_of
from portal.views.access import beneficiary_scope
from suivi import services
from suivi.forms import ReasonForm
from suivi.ics import ics_response
from suivi.models import (
    ACTIVE_STATES,
    Booking,
    CheckIn,
    FollowUp,
    FollowUpState,
    LinkPurpose,
    Slot,
    Survey,
)


def _follow_up_scope(request: HttpRequest, fu: FollowUp):
    """The follow-up's organisation, acting as the signed-in beneficiary when they belong to
    it (even if they also work for another organisation); otherwise nobody acts (a visitor
    holding an emailed link's grant)."""
    own = beneficiary_of(request.user)
    if own is not None and own.organisation_id == fu.organisation_id:
        return beneficiary_scope(own)
    return organisation_scope(fu.organisation)


def followup_view(view):
    """The follow-up named in the URL, for its beneficiary: signed in as them, or holding a
    grant from an emailed link in this session. Anyone else: 404 (anonymous: sign in)."""

    @wraps(view)
    def wrapper(request: HttpRequest, followup_id, *args, **kwargs):
        fu = (
            FollowUp.objects.unscoped()
            .select_related("bilan__beneficiary", "consultant", "organisation")
            .filter(pk=followup_id)
            .first()
        )
        if fu is None:
            raise Http404
        with _follow_up_scope(request, fu):
            if not services.beneficiary_may_access(request.user, request.session, fu):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise Http404
            return view(request, fu, *args, **kwargs)

    return wrapper


# --- Emailed links ---------------------------------------------------------------------------


def link(request: HttpRequest, token: str) -> HttpResponse:
    """An emailed link: GET shows a confirmation page (mail scanners that prefetch it change
    nothing); POST spends the token."""
    try:
        access = services.resolve_link(token)
    except services.LinkError as error:
        return render(
            request,
            "portal/followup/link_invalid.html",
            {
                "error": error.messages[0],
                "can_renew": error.code in ("used", "expired"),
                "token": token,
            },
            status=410 if error.code in ("used", "expired") else 404,
        )
    fu = access.follow_up
    if request.method == "POST":
        if not services.spend_link(access):
            return render(
                request,
                "portal/followup/link_invalid.html",
                {
                    "error": _("Ce lien a déjà servi : il ne fonctionne qu'une fois."),
                    "can_renew": True,
                    "token": token,
                },
                status=410,
            )
        if access.purpose == LinkPurpose.DECLINE:
            with organisation_scope(fu.organisation):
                try:
                    services.decline_follow_up(fu, request.POST.get("reason", ""))
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
            services.grant_access(request.session, fu)
            return redirect("portal:followup", followup_id=fu.pk)
        services.grant_access(request.session, fu)
        target = (
            "portal:followup_survey" if access.purpose == LinkPurpose.SURVEY else "portal:followup"
        )
        return redirect(target, followup_id=fu.pk)
    return render(
        request,
        "portal/followup/link_confirm.html",
        {"access": access, "follow_up": fu, "organisation": fu.organisation},
    )


@require_POST
def link_renew(request: HttpRequest, token: str) -> HttpResponse:
    """A used or expired link: send a fresh one to the beneficiary's own address."""
    fu = services.follow_up_to_renew(token)
    if fu is None:
        raise Http404
    with organisation_scope(fu.organisation):
        services.request_new_link(fu)
    return render(request, "portal/followup/link_renewed.html", {"organisation": fu.organisation})


# --- The follow-up page and what the beneficiary does there ----------------------------------


def _followup_context(fu: FollowUp) -> dict:
    booking = Booking.objects.filter(follow_up=fu, cancelled_at__isnull=True).first()
    return {
        "layout": "portal/base.html",  # for includes/form_panel.html
        "follow_up": fu,
        "organisation": fu.organisation,
        "consultant_name": fu.consultant.get_full_name() or fu.consultant.email,
        "booking": booking,
        "check_in": CheckIn.objects.filter(follow_up=fu).first(),
        "survey": Survey.objects.filter(follow_up=fu).select_related("response").first(),
        "can_book": fu.state in ACTIVE_STATES,
    }


@followup_view
def home(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return render(request, "portal/followup/home.html", _followup_context(fu))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


#: How far ahead the booking page may be browsed (slots are published at most a year ahead).
BOOKING_HORIZON = timedelta(days=730)


def _requested_week(value: str) -> date | None:
    """The ?semaine= date, or None when it is missing or not a real date (30 February...)."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _week_of_slots(available: QuerySet[Slot], requested: date | None) -> dict:
    """The week grid of the booking page: the requested week (else the week of the next free
    slot), never before this week nor past the horizon; weekdays always, weekend days only when
    they have slots; links to the previous and next weeks where there is something to see."""
    next_slot = available.first()
    today = timezone.localdate()
    if requested is None:
        requested = timezone.localdate(next_slot.starts_at) if next_slot else today
    # Never before this week, never past the horizon (9999-12-31 + 7 days does not exist).
    last_week = _monday(today + BOOKING_HORIZON)
    week_start = min(max(_monday(requested), _monday(today)), last_week)
    start = workdays.paris_midnight(week_start)
    week_slots = list(
        available.filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=7))
    )
    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        day_slots = [s for s in week_slots if timezone.localdate(s.starts_at) == day]
        if offset < 5 or day_slots:
            days.append({"day": day, "slots": day_slots})
    later = available.filter(starts_at__gte=start + timedelta(days=7)).exists()
    return {
        "days": days,
        "next_slot": next_slot,
        "week_start": week_start,
        "week_end": week_start + timedelta(days=6),
        "previous_week": week_start - timedelta(days=7) if week_start > _monday(today) else None,
        "next_week": week_start + timedelta(days=7) if later and week_start < last_week else None,
    }


@followup_view
def book(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    if fu.state not in ACTIVE_STATES:
        messages.error(
            request,
            _("Vous avez décliné l'entretien de suivi : il n'est plus possible de réserver.")
            if fu.state == FollowUpState.DECLINED
            else _("Ce suivi est « %(s)s » : il ne se réserve plus.")
            % {"s": fu.get_state_display()},
        )
        return redirect("portal:followup", followup_id=fu.pk)
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.book_slot(fu, form.cleaned_data["slot"], form.cleaned_data["mode"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Votre rendez-vous est confirmé. Vous allez recevoir un e-mail de confirmation."),
            )
            return redirect("portal:followup", followup_id=fu.pk)
    week = _week_of_slots(
        services.available_slots(fu), _requested_week(request.GET.get("semaine", ""))
    )
    return render(
        request,
        "portal/followup/book.html",
        {
            **_followup_context(fu),
            **week,
            "form": form,
            "selected": str(form.data.get("slot", "")) if form.is_bound else "",
        },
    )


def _followup_form(
    request: HttpRequest, fu: FollowUp, form, template: str, do, success: str, context=None
):
    """A short form of the follow-up page: on success the service runs and the beneficiary
    reads `success` on their follow-up page; a refusal shows on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            do(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect("portal:followup", followup_id=fu.pk)
    return render(request, template, {**(context or _followup_context(fu)), "form": form})


@followup_view
def another_time(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return _followup_form(
        request,
        fu,
        AnotherTimeForm(request.POST or None),
        "portal/followup/another_time.html",
        lambda data: services.request_another_time(fu, data["message"]),
        _("Votre demande est transmise à votre consultant(e), qui vous recontactera."),
    )


@followup_view
def cancel_booking(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return _followup_form(
        request,
        fu,
        ReasonForm(request.POST or None),
        "portal/followup/cancel_booking.html",
        lambda data: services.cancel_booking(fu, data["reason"]),
        _("Votre rendez-vous est annulé. Vous pouvez en choisir un autre."),
    )


@followup_view
def decline(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return _followup_form(
        request,
        fu,
        ReasonForm(request.POST or None),
        "portal/followup/decline.html",
        lambda data: services.decline_follow_up(fu, data["reason"]),
        _("C'est noté : vous ne recevrez plus de message à propos de ce suivi."),
    )


@followup_view
def check_in(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    actions = services.plan_actions(fu)
    existing = CheckIn.objects.filter(follow_up=fu).first()
    initial = (
        {
            "went_well": existing.went_well,
            "obstacles": existing.obstacles,
            "help_needed": existing.help_needed,
        }
        if existing
        else {}
    )
    form = CheckInForm(
        request.POST or None,
        initial=initial,
        actions=actions,
        saved=existing.actions if existing else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_check_in(
                fu,
                actions=form.actions_data(),
                went_well=form.cleaned_data["went_well"],
                obstacles=form.cleaned_data["obstacles"],
                help_needed=form.cleaned_data["help_needed"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Merci ! Votre consultant(e) lira vos réponses avant l'entretien.")
            )
            return redirect("portal:followup", followup_id=fu.pk)
    return render(
        request,
        "portal/followup/check_in.html",
        {
            **_followup_context(fu),
            "form": form,
            "goals": [g for g in fu.bilan.goals.splitlines() if g.strip()],
        },
    )


@followup_view
def survey(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    context = _followup_context(fu)
    if context["survey"] is None:
        raise Http404
    return _followup_form(
        request,
        fu,
        SurveyForm(request.POST or None),
        "portal/followup/survey.html",
        lambda data: services.submit_survey(fu, **data),
        _("Merci pour vos réponses !"),
        context,
    )


@followup_view
def calendar(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return ics_response(fu)
