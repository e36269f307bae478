"""Views of the suivi: the consultant's pages and the beneficiary's booking portal. Thin: the
rules are in suivi/services.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from bilan.models import ActionStatus
from core import workdays
from core.tenancy import organisation_scope
from suivi import services
from suivi.forms import (
    AnotherTimeForm,
    BookingForm,
    CheckInForm,
    InterviewForm,
    MoveForm,
    ReasonForm,
    RequiredReasonForm,
    SlotsForm,
    SurveyForm,
)
from suivi.ics import build_ics
from suivi.models import (
    Booking,
    CheckIn,
    FollowUp,
    FollowUpInterview,
    FollowUpState,
    Invitation,
    LinkPurpose,
    Slot,
    Survey,
)
from suivi.rules import visible_follow_ups


def _form_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Consultant pages ------------------------------------------------------------------------


def _member_follow_up(request: HttpRequest, followup_id) -> FollowUp:
    qs = visible_follow_ups(request.user).select_related(
        "bilan__beneficiary", "consultant", "organisation"
    )
    return get_object_or_404(qs, pk=followup_id)


@member_required
def followup(request: HttpRequest, followup_id) -> HttpResponse:
    fu = _member_follow_up(request, followup_id)
    return render(request, "suivi/followup.html", _followup_context(fu))


def _followup_context(fu: FollowUp) -> dict:
    actions = services.plan_actions(fu)
    check_in = CheckIn.objects.filter(follow_up=fu).first()
    interview = FollowUpInterview.objects.filter(follow_up=fu).first()
    rows = [
        {
            "action": action,
            "check_in": check_in.actions.get(str(action.pk)) if check_in else None,
            "interview": interview.action_progress.get(str(action.pk)) if interview else None,
        }
        for action in actions
    ]
    return {
        "follow_up": fu,
        "bilan_link": reverse("bilan_detail", args=[fu.bilan_id]),
        "goals": [g.strip() for g in fu.bilan.goals.splitlines() if g.strip()],
        "action_rows": rows,
        "check_in": check_in,
        "booking": Booking.objects.filter(follow_up=fu, cancelled_at__isnull=True).first(),
        "interview": interview,
        "messages_sent": Invitation.objects.filter(follow_up=fu).order_by("created_at"),
        "survey": Survey.objects.filter(follow_up=fu).select_related("response").first(),
        "status_labels": dict(ActionStatus.choices),
    }


def _member_action(request, followup_id, form_class, template: str, do, success: str):
    fu = _member_follow_up(request, followup_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do(fu, form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, success)
            return redirect("suivi:followup", followup_id=fu.pk)
    return render(request, template, {"follow_up": fu, "form": form})


@member_required
def move(request: HttpRequest, followup_id) -> HttpResponse:
    return _member_action(
        request,
        followup_id,
        MoveForm,
        "suivi/move.html",
        lambda fu, d: services.move_follow_up(fu, d["due_on"], d["reason"], actor=request.user),
        _("Le suivi est déplacé."),
    )


@member_required
def cancel(request: HttpRequest, followup_id) -> HttpResponse:
    return _member_action(
        request,
        followup_id,
        RequiredReasonForm,
        "suivi/cancel.html",
        lambda fu, d: services.cancel_follow_up(fu, d["reason"], actor=request.user),
        _("Le suivi est annulé."),
    )


@member_required
def decline_for(request: HttpRequest, followup_id) -> HttpResponse:
    return _member_action(
        request,
        followup_id,
        ReasonForm,
        "suivi/decline_for.html",
        lambda fu, d: services.decline_follow_up(
            fu, d["reason"], by_beneficiary=False, actor=request.user
        ),
        _("Le refus du bénéficiaire est noté : plus aucun message ne lui sera envoyé."),
    )


@member_required
@require_POST
def invite(request: HttpRequest, followup_id) -> HttpResponse:
    fu = _member_follow_up(request, followup_id)
    try:
        services.invite_now(fu, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'invitation part maintenant."))
    return redirect("suivi:followup", followup_id=fu.pk)


@member_required
@require_POST
def retry_message(request: HttpRequest, followup_id, message_id) -> HttpResponse:
    fu = _member_follow_up(request, followup_id)
    row = get_object_or_404(Invitation.objects.filter(follow_up=fu), pk=message_id)
    try:
        services.retry_failed_message(row, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le message sera renvoyé au prochain passage."))
    return redirect("suivi:followup", followup_id=fu.pk)


@member_required
def interview(request: HttpRequest, followup_id) -> HttpResponse:
    fu = _member_follow_up(request, followup_id)
    actions = services.plan_actions(fu)
    instance = FollowUpInterview.objects.filter(follow_up=fu).first()
    booking = Booking.objects.filter(follow_up=fu, cancelled_at__isnull=True).first()
    initial = {}
    if instance is None:
        initial = {
            "held_on": timezone.localdate(booking.starts_at) if booking else timezone.localdate(),
            "mode": booking.mode if booking else None,
        }
    check_in = CheckIn.objects.filter(follow_up=fu).first()
    form = InterviewForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        actions=actions,
        check_in=check_in.actions if check_in else None,
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in InterviewForm.Meta.fields}
        fields["action_progress"] = form.actions_data()
        try:
            services.record_interview(fu, actor=request.user, **fields)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("L'entretien de suivi est enregistré ; le questionnaire à froid est envoyé."),
            )
            return redirect("suivi:followup", followup_id=fu.pk)
    context = _followup_context(fu)
    context["form"] = form
    return render(request, "suivi/interview.html", context)


@member_required
def slots(request: HttpRequest) -> HttpResponse:
    form = SlotsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.publish_slots(
                request.user,
                day=data["day"],
                start=data["start"],
                count=data["count"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(n)s créneau(x) publié(s).") % {"n": len(created)})
            return redirect("suivi:slots")
    upcoming = (
        Slot.objects.filter(consultant=request.user, starts_at__gte=timezone.now())
        .select_related("booking__follow_up__bilan__beneficiary")
        .order_by("starts_at")[:200]
    )
    return render(request, "suivi/slots.html", {"form": form, "slots": upcoming})


@member_required
@require_POST
def slot_delete(request: HttpRequest, slot_id) -> HttpResponse:
    slot = get_object_or_404(Slot.objects.filter(consultant=request.user), pk=slot_id)
    try:
        services.delete_slot(slot)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le créneau est retiré."))
    return redirect("suivi:slots")


@member_required
def consultant_ics(request: HttpRequest, followup_id) -> HttpResponse:
    fu = _member_follow_up(request, followup_id)
    return _ics_response(fu)


def _ics_response(fu: FollowUp) -> HttpResponse:
    booking = Booking.objects.filter(follow_up=fu, cancelled_at__isnull=True).first()
    if booking is None:
        raise Http404
    response = HttpResponse(build_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="entretien-de-suivi.ics"'
    return response


# --- The beneficiary's portal ----------------------------------------------------------------


def portal_view(view):
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
        if fu is None or not services.beneficiary_may_access(request.user, request.session, fu):
            if not request.user.is_authenticated and fu is not None:
                return redirect_to_login(request.get_full_path())
            raise Http404
        with organisation_scope(fu.organisation):
            return view(request, fu, *args, **kwargs)

    return wrapper


def link(request: HttpRequest, token: str) -> HttpResponse:
    """An emailed link: GET shows a confirmation page (mail scanners that prefetch it change
    nothing); POST spends the token."""
    try:
        access = services.resolve_link(token)
    except services.LinkError as error:
        return render(
            request,
            "suivi/link_invalid.html",
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
                "suivi/link_invalid.html",
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
            return redirect("suivi:portal", followup_id=fu.pk)
        services.grant_access(request.session, fu)
        target = "suivi:survey" if access.purpose == LinkPurpose.SURVEY else "suivi:portal"
        return redirect(target, followup_id=fu.pk)
    return render(
        request,
        "suivi/link_confirm.html",
        {"access": access, "follow_up": fu, "organisation": fu.organisation},
    )


@require_POST
def link_renew(request: HttpRequest, token: str) -> HttpResponse:
    """A used or expired link: send a fresh one to the beneficiary's own address."""
    try:
        access = services.resolve_link(token)
    except services.LinkError as error:
        if error.code not in ("used", "expired"):
            raise Http404 from error
        from django.core import signing

        data = signing.loads(token, salt=services.LINK_SALT)
        access = (
            services.AccessLink.objects.unscoped().select_related("follow_up").get(pk=data["l"])
        )
    fu = access.follow_up
    with organisation_scope(fu.organisation):
        services.request_new_link(fu)
    return render(request, "suivi/link_renewed.html", {"organisation": fu.organisation})


def _portal_context(fu: FollowUp) -> dict:
    booking = Booking.objects.filter(follow_up=fu, cancelled_at__isnull=True).first()
    return {
        "layout": "portal/base.html",  # for includes/form_panel.html
        "follow_up": fu,
        "organisation": fu.organisation,
        "consultant_name": fu.consultant.get_full_name() or fu.consultant.email,
        "booking": booking,
        "check_in": CheckIn.objects.filter(follow_up=fu).first(),
        "survey": Survey.objects.filter(follow_up=fu).select_related("response").first(),
        "can_book": fu.state in services.ACTIVE_STATES,
    }


@portal_view
def portal(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return render(request, "suivi/portal.html", _portal_context(fu))


def _monday(day) -> datetime:
    return day - timedelta(days=day.weekday())


#: How far ahead the booking page may be browsed (slots are published at most a year ahead).
BOOKING_HORIZON = timedelta(days=730)


def _requested_week(value: str):
    """The ?semaine= date, or None when it is missing or not a real date (30 February...)."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


@portal_view
def book(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    if fu.state not in services.ACTIVE_STATES:
        messages.error(
            request,
            _("Vous avez décliné l'entretien de suivi : il n'est plus possible de réserver.")
            if fu.state == FollowUpState.DECLINED
            else _("Ce suivi est « %(s)s » : il ne se réserve plus.")
            % {"s": fu.get_state_display()},
        )
        return redirect("suivi:portal", followup_id=fu.pk)
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.book_slot(fu, form.cleaned_data["slot"], form.cleaned_data["mode"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Votre rendez-vous est confirmé. Vous allez recevoir un e-mail de confirmation."),
            )
            return redirect("suivi:portal", followup_id=fu.pk)
    available = services.available_slots(fu)
    next_slot = available.first()
    today = timezone.localdate()
    requested = _requested_week(request.GET.get("semaine", ""))
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
    selected = str(form.data.get("slot", "")) if form.is_bound else ""
    return render(
        request,
        "suivi/book.html",
        {
            **_portal_context(fu),
            "form": form,
            "days": days,
            "next_slot": next_slot,
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "previous_week": week_start - timedelta(days=7)
            if week_start > _monday(today)
            else None,
            "next_week": week_start + timedelta(days=7)
            if later and week_start < last_week
            else None,
            "selected": selected,
        },
    )


@portal_view
def another_time(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    form = AnotherTimeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_another_time(fu, form.cleaned_data["message"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Votre demande est transmise à votre consultant(e), qui vous recontactera."),
            )
            return redirect("suivi:portal", followup_id=fu.pk)
    return render(request, "suivi/another_time.html", {**_portal_context(fu), "form": form})


@portal_view
def cancel_booking(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_booking(fu, form.cleaned_data["reason"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Votre rendez-vous est annulé. Vous pouvez en choisir un autre.")
            )
            return redirect("suivi:portal", followup_id=fu.pk)
    return render(request, "suivi/cancel_booking.html", {**_portal_context(fu), "form": form})


@portal_view
def decline(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_follow_up(fu, form.cleaned_data["reason"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("C'est noté : vous ne recevrez plus de message à propos de ce suivi.")
            )
            return redirect("suivi:portal", followup_id=fu.pk)
    return render(request, "suivi/decline.html", {**_portal_context(fu), "form": form})


@portal_view
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
            _form_error(form, error)
        else:
            messages.success(
                request, _("Merci ! Votre consultant(e) lira vos réponses avant l'entretien.")
            )
            return redirect("suivi:portal", followup_id=fu.pk)
    return render(
        request,
        "suivi/check_in.html",
        {
            **_portal_context(fu),
            "form": form,
            "goals": [g for g in fu.bilan.goals.splitlines() if g.strip()],
        },
    )


@portal_view
def survey(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    context = _portal_context(fu)
    if context["survey"] is None:
        raise Http404
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_survey(fu, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Merci pour vos réponses !"))
            return redirect("suivi:portal", followup_id=fu.pk)
    return render(request, "suivi/survey.html", {**context, "form": form})


@portal_view
def portal_ics(request: HttpRequest, fu: FollowUp) -> HttpResponse:
    return _ics_response(fu)
