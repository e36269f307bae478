"""Their data (RGPD): requests to the organisation and the export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bilan.forms import add_service_error
from portal import services
from portal.forms import DataRequestForm
from portal.models import DataRequest
from portal.views.access import beneficiary_required


@beneficiary_required
@never_cache
@require_http_methods(["GET", "POST"])
def data(request: HttpRequest) -> HttpResponse:
    beneficiary = request.beneficiary
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_data_change(
                beneficiary,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Votre demande est envoyée à %(org)s. Vous recevrez leur réponse par e-mail.")
                % {"org": beneficiary.organisation.name},
            )
            return redirect("portal:data")
    requests = list(DataRequest.objects.filter(beneficiary=beneficiary))
    return render(
        request,
        "portal/data.html",
        {"beneficiary": beneficiary, "form": form, "data_requests": requests},
        status=400 if form.errors else 200,
    )


@beneficiary_required
@never_cache
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    archive = services.export_personal_data(request.beneficiary)
    day = timezone.localdate().strftime("%Y-%m-%d")
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-passerelle-{day}.zip"'
    response["Cache-Control"] = "no-store"
    return response
