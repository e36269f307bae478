from __future__ import annotations

import rules
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from bilan import services
from bilan.forms import BeneficiaryForm, add_service_error
from bilan.panels import beneficiary_panels
from bilan.rules import visible_bilans
from bilan.services import BilanError
from bilan.views.access import get_beneficiary


@member_required
def beneficiary_create(request: HttpRequest) -> HttpResponse:
    form = BeneficiaryForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            beneficiary = services.create_beneficiary(actor=request.user, **form.cleaned_data)
        except BilanError as error:
            email = form.cleaned_data["email"]
            add_service_error(form, error)
            found = services.find_duplicate_beneficiary(email)
            if found is not None and rules.test_rule("bilan.see_beneficiary", request.user, found):
                duplicate = found
        else:
            messages.success(
                request,
                _("%(name)s est enregistré(e). Vous pouvez ouvrir son bilan.")
                % {"name": beneficiary.full_name},
            )
            return redirect("bilan_create", beneficiary_id=beneficiary.pk)
    return render(
        request,
        "bilan/beneficiary_form.html",
        {"form": form, "duplicate": duplicate, "beneficiary": None},
    )


@member_required
def beneficiary_detail(request: HttpRequest, beneficiary_id) -> HttpResponse:
    beneficiary = get_beneficiary(request, beneficiary_id)
    bilans = (
        visible_bilans(request.user)
        .filter(beneficiary=beneficiary)
        .prefetch_related("consultants")
        .order_by("-started_on")
    )
    return render(
        request,
        "bilan/beneficiary_detail.html",
        {
            "beneficiary": beneficiary,
            "bilans": bilans,
            "panels": beneficiary_panels(request, beneficiary, bilans),
        },
    )


@member_required
def beneficiary_edit(request: HttpRequest, beneficiary_id) -> HttpResponse:
    beneficiary = get_beneficiary(request, beneficiary_id)
    form = BeneficiaryForm(request.POST or None, instance=beneficiary)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_beneficiary(beneficiary, actor=request.user, **form.cleaned_data)
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Les informations sont enregistrées."))
            return redirect("beneficiary_detail", beneficiary_id=beneficiary.pk)
    return render(
        request,
        "bilan/beneficiary_form.html",
        {"form": form, "beneficiary": beneficiary, "duplicate": None},
    )
