from __future__ import annotations

import rules
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.rules import is_organisation_admin
from bilan import services
from bilan.forms import (
    AbandonForm,
    ActionForm,
    BilanForm,
    MeetingForm,
    OverrideForm,
    add_service_error,
)
from bilan.models import (
    Action,
    BilanEvent,
    BilanStatus,
    Meeting,
    MeetingMode,
    Phase,
    Synthesis,
    SynthesisAccess,
)
from bilan.services import BilanError
from bilan.views.access import get_beneficiary, get_bilan

TIMELINE_LIMIT = 50
ACCESS_LOG_LIMIT = 30


def _refusal(request: HttpRequest, error: BilanError) -> None:
    for message in error.messages:
        messages.error(request, message)


@member_required
def bilan_create(request: HttpRequest, beneficiary_id) -> HttpResponse:
    beneficiary = get_beneficiary(request, beneficiary_id)
    initial = {} if is_organisation_admin(request.user) else {"consultants": [request.user.pk]}
    form = BilanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        consultants = data.pop("consultants")
        try:
            bilan = services.open_bilan(beneficiary, consultants, actor=request.user, **data)
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Le bilan est ouvert, en phase préliminaire."))
            return redirect("bilan_detail", bilan_id=bilan.pk)
    return render(
        request, "bilan/bilan_form.html", {"form": form, "beneficiary": beneficiary, "bilan": None}
    )


@member_required
def bilan_edit(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    form = BilanForm(
        request.POST or None,
        instance=bilan,
        initial={"consultants": list(bilan.consultants.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        consultants = data.pop("consultants")
        may_reassign = rules.test_rule("bilan.assign_consultants", request.user, bilan)
        if not may_reassign and request.user not in consultants:
            form.add_error(
                "consultants", _("Seul un administrateur peut vous retirer de ce bilan.")
            )
        else:
            try:
                services.update_bilan(
                    get_bilan(request, bilan_id),
                    actor=request.user,
                    consultants=consultants,
                    **data,
                )
            except BilanError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Les informations du bilan sont enregistrées."))
                return redirect("bilan_detail", bilan_id=bilan.pk)
    return render(
        request,
        "bilan/bilan_form.html",
        {"form": form, "beneficiary": bilan.beneficiary, "bilan": bilan},
    )


@member_required
def bilan_detail(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    consultants = list(bilan.consultants.order_by("last_name", "first_name"))
    meetings = list(Meeting.objects.filter(bilan=bilan).order_by("starts_at"))
    ledger = services.hours_ledger(bilan)
    synthesis = Synthesis.objects.filter(bilan=bilan).first()
    accesses = (
        list(
            SynthesisAccess.objects.filter(synthesis=synthesis)
            .select_related("user")
            .order_by("-at")[:ACCESS_LOG_LIMIT]
        )
        if synthesis
        else []
    )
    actions = list(
        Action.objects.filter(plan__bilan=bilan).order_by("position", "target_date", "created_at")
    )
    events = list(
        BilanEvent.objects.filter(bilan=bilan)
        .select_related("actor")
        .order_by("-at")[:TIMELINE_LIMIT]
    )
    phases = [
        {
            "value": phase.value,
            "label": phase.label,
            "hours": ledger.by_phase[phase.value],
            "meetings": [m for m in meetings if m.phase == phase.value],
        }
        for phase in Phase
    ]
    context = {
        "bilan": bilan,
        "beneficiary": bilan.beneficiary,
        "consultants": consultants,
        "phases": phases,
        "meetings": meetings,
        "ledger": ledger,
        "synthesis": synthesis,
        "accesses": accesses,
        "actions": actions,
        "events": events,
        "is_admin": is_organisation_admin(request.user),
        "abandon_form": AbandonForm(),
        "override_form": OverrideForm(),
        "goals": [g.strip() for g in bilan.goals.splitlines() if g.strip()],
        "can_log_meeting": bilan.is_open,
        "can_plan_actions": bilan.status
        in (BilanStatus.CONCLUSION, BilanStatus.DELIVERED, BilanStatus.CLOSED),
        "cpf_withdrawal_ends_on": services.cpf_withdrawal_ends_on(bilan),
    }
    return render(request, "bilan/bilan_detail.html", context)


@member_required
@require_POST
def bilan_advance(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    try:
        bilan = services.advance_phase(bilan, actor=request.user)
    except BilanError as error:
        _refusal(request, error)
    else:
        messages.success(
            request, _("Le bilan passe en %(s)s.") % {"s": bilan.get_status_display().lower()}
        )
    return redirect("bilan_detail", bilan_id=bilan.pk)


@member_required
@require_POST
def bilan_close(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    try:
        services.close_bilan(bilan, actor=request.user)
    except BilanError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("Le bilan est clos."))
    return redirect("bilan_detail", bilan_id=bilan.pk)


@member_required
def bilan_abandon(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    form = AbandonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.abandon_bilan(bilan, form.cleaned_data["abandon_reason"], actor=request.user)
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Le bilan est marqué comme abandonné."))
            return redirect("bilan_detail", bilan_id=bilan.pk)
    return render(request, "bilan/abandon_form.html", {"form": form, "bilan": bilan})


@member_required
def bilan_override(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    if not rules.test_rule("bilan.grant_hours_override", request.user, bilan):
        raise Http404
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_hours_override(
                bilan, form.cleaned_data["hours_override_reason"], actor=request.user
            )
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("La dérogation au plafond de 24 heures est enregistrée."))
            return redirect("bilan_detail", bilan_id=bilan.pk)
    return render(request, "bilan/override_form.html", {"form": form, "bilan": bilan})


# --- Meetings --------------------------------------------------------------------------------


def _meeting_page(request, bilan, form, meeting=None) -> HttpResponse:
    return render(
        request,
        "bilan/meeting_form.html",
        {"form": form, "bilan": bilan, "meeting": meeting, "ledger": services.hours_ledger(bilan)},
    )


@member_required
def meeting_create(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    last = Meeting.objects.filter(bilan=bilan).order_by("-starts_at").first()
    initial = {
        "phase": bilan.status if bilan.is_open else Phase.PRELIMINARY,
        "duration_minutes": 90,
        "mode": last.mode if last else MeetingMode.IN_PERSON,
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_meeting(bilan, actor=request.user, **form.cleaned_data)
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("L'entretien est enregistré."))
            return redirect("bilan_detail", bilan_id=bilan.pk)
    return _meeting_page(request, bilan, form)


def _get_meeting(bilan, meeting_id) -> Meeting:
    meeting = Meeting.objects.filter(bilan=bilan, pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


@member_required
def meeting_edit(request: HttpRequest, bilan_id, meeting_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    meeting = _get_meeting(bilan, meeting_id)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(
                _get_meeting(bilan, meeting_id), actor=request.user, **form.cleaned_data
            )
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("L'entretien est modifié."))
            return redirect("bilan_detail", bilan_id=bilan.pk)
    return _meeting_page(request, bilan, form, meeting)


@member_required
def meeting_delete(request: HttpRequest, bilan_id, meeting_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    meeting = _get_meeting(bilan, meeting_id)
    if request.method == "POST":
        try:
            services.delete_meeting(meeting, actor=request.user)
        except BilanError as error:
            _refusal(request, error)
        else:
            messages.success(request, _("L'entretien est supprimé."))
        return redirect("bilan_detail", bilan_id=bilan.pk)
    return render(request, "bilan/meeting_delete.html", {"bilan": bilan, "meeting": meeting})


# --- The action plan -------------------------------------------------------------------------


@member_required
def action_create(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_action(bilan, actor=request.user, **form.cleaned_data)
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("L'action est ajoutée au plan."))
            if "another" in request.POST:
                return redirect("action_create", bilan_id=bilan.pk)
            return redirect(f"{bilan_url(bilan)}#plan-action")
    return render(request, "bilan/action_form.html", {"form": form, "bilan": bilan, "action": None})


@member_required
def action_edit(request: HttpRequest, bilan_id, action_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    action = Action.objects.filter(plan__bilan=bilan, pk=action_id).first()
    if action is None:
        raise Http404
    form = ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_action(
                Action.objects.get(pk=action.pk), actor=request.user, **form.cleaned_data
            )
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("L'action est modifiée."))
            return redirect(f"{bilan_url(bilan)}#plan-action")
    return render(
        request, "bilan/action_form.html", {"form": form, "bilan": bilan, "action": action}
    )


def bilan_url(bilan) -> str:
    from django.urls import reverse

    return reverse("bilan_detail", kwargs={"bilan_id": bilan.pk})
