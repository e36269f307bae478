"""Views of the suivi: the consultant's pages (the beneficiary's follow-up pages live in
portal/views/followup.py). Thin: the rules are in suivi/services/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from bilan.models import ActionStatus
from suivi import services
from suivi.forms import (
    InterviewForm,
    MoveForm,
    ReasonForm,
    RequiredReasonForm,
    SlotsForm,
)
from suivi.ics import ics_response
from suivi.models import (
    Booking,
    CheckIn,
    FollowUp,
    FollowUpInterview,
    Invitation,
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
    return ics_response(_member_follow_up(request, followup_id))
