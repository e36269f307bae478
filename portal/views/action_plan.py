"""The beneficiary's side of the action plan: adding their own actions, marking progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bilan.forms import add_service_error
from bilan.models import Action
from portal import services
from portal.forms import ActionUpdateForm, NewActionForm
from portal.views.access import beneficiary_required, own_bilan_or_404


@beneficiary_required
@never_cache
@require_http_methods(["GET", "POST"])
def action_plan(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = own_bilan_or_404(request, bilan_id)
    if not services.action_plan_open(bilan):
        return render(request, "portal/action_plan.html", {"bilan": bilan, "plan_open": False})
    form = NewActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.add_own_action(bilan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Votre action « %(t)s » est ajoutée.") % {"t": action.title}
            )
            return redirect("portal:action_plan", bilan_id=bilan.pk)
    actions = list(Action.objects.filter(plan__bilan=bilan))
    return render(
        request,
        "portal/action_plan.html",
        {"bilan": bilan, "plan_open": True, "actions": actions, "form": form},
        status=400 if form.errors else 200,
    )


@beneficiary_required
@never_cache
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, action_id) -> HttpResponse:
    action = services.own_action(request.user, action_id)
    if action is None:
        raise Http404
    bilan = action.plan.bilan
    form = ActionUpdateForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.update_own_action(
                Action.objects.get(pk=action.pk), actor=request.user, **fields
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("« %(t)s » est à jour.") % {"t": action.title})
            return redirect("portal:action_plan", bilan_id=bilan.pk)
    return render(
        request,
        "portal/action_edit.html",
        {"bilan": bilan, "action": action, "form": form},
        status=400 if form.errors else 200,
    )
