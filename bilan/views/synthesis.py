from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from bilan import services
from bilan.forms import DeliveryForm, SynthesisForm, add_service_error
from bilan.models import SECTION_FIELDS, AccessAction, BilanStatus, SynthesisRevision
from bilan.services import BilanError
from bilan.views.access import get_bilan, member_required

EDITABLE_STATUSES = (BilanStatus.INVESTIGATION, BilanStatus.CONCLUSION)


def _forbidden(request: HttpRequest, bilan) -> HttpResponse:
    return render(request, "bilan/synthesis_forbidden.html", {"bilan": bilan}, status=403)


@member_required
def synthesis(request: HttpRequest, bilan_id) -> HttpResponse:
    """The synthesis editor (drafts, versions) or, once delivered, the read-only document."""
    bilan = get_bilan(request, bilan_id)
    if not services.can_read_synthesis(request.user, bilan):
        return _forbidden(request, bilan)
    document = services.get_synthesis(bilan)
    editable = (
        not document.is_delivered
        and bilan.status in EDITABLE_STATUSES
        and services.can_write_synthesis(request.user, bilan)
    )
    form = None
    if editable:
        initial = {name: getattr(document, name) for name in SECTION_FIELDS}
        initial["version"] = document.version
        form = SynthesisForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["version"] != document.version:
                form.add_error(
                    None,
                    _(
                        "Quelqu'un a enregistré la version %(v)s pendant que vous écriviez. "
                        "Votre texte est conservé ci-dessous : relisez-le avant d'enregistrer."
                    )
                    % {"v": document.version},
                )
                form.data = form.data.copy()
                form.data["version"] = document.version
            else:
                try:
                    saved = services.save_synthesis_draft(
                        bilan, form.sections(), actor=request.user
                    )
                except BilanError as error:
                    add_service_error(form, error)
                else:
                    if saved.version == document.version:
                        messages.info(request, _("Aucune modification à enregistrer."))
                    else:
                        messages.success(
                            request,
                            _("Version %(v)s enregistrée.") % {"v": saved.version},
                        )
                    return redirect("synthesis", bilan_id=bilan.pk)
    elif request.method == "POST":
        messages.error(
            request,
            _("La synthèse a été remise : elle ne peut plus être modifiée.")
            if document.is_delivered
            else _("La synthèse se rédige pendant les phases d'investigation et de conclusion."),
        )
        return redirect("synthesis", bilan_id=bilan.pk)
    if request.method == "GET" and (document.version or document.is_delivered):
        services.record_access(document, request.user, AccessAction.READ)
    revisions = list(
        SynthesisRevision.objects.filter(synthesis=document)
        .select_related("author")
        .order_by("-version")[:20]
    )
    return render(
        request,
        "bilan/synthesis.html",
        {
            "bilan": bilan,
            "synthesis": document,
            "form": form,
            "editable": editable,
            "revisions": revisions,
            "sections": document.sections(),
        },
    )


@member_required
def synthesis_deliver(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    if not services.can_read_synthesis(request.user, bilan):
        return _forbidden(request, bilan)
    document = services.get_synthesis(bilan)
    if document.is_delivered:
        messages.info(request, _("La synthèse a déjà été remise."))
        return redirect("synthesis", bilan_id=bilan.pk)
    form = DeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deliver_synthesis(
                bilan,
                actor=request.user,
                follow_up_accepted=form.cleaned_data["follow_up_accepted"],
            )
        except BilanError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("La synthèse est remise. Le PDF est prêt à être téléchargé et transmis."),
            )
            return redirect("synthesis", bilan_id=bilan.pk)
    empty = [s["title"] for s in document.sections() if not s["text"].strip()]
    return render(
        request,
        "bilan/synthesis_deliver.html",
        {
            "bilan": bilan,
            "synthesis": document,
            "form": form,
            "warnings": services.delivery_warnings(bilan),
            "empty_sections": empty,
            "ledger": services.hours_ledger(bilan),
        },
    )


@member_required
def synthesis_pdf(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = get_bilan(request, bilan_id)
    if not services.can_read_synthesis(request.user, bilan):
        return _forbidden(request, bilan)
    document = services.get_synthesis(bilan)
    if not document.is_delivered or not document.pdf:
        messages.error(request, _("Le PDF est disponible une fois la synthèse remise."))
        return redirect("synthesis", bilan_id=bilan.pk)
    services.record_access(document, request.user, AccessAction.DOWNLOAD)
    name = f"synthese-{bilan.beneficiary.last_name or 'beneficiaire'}.pdf"
    return FileResponse(
        document.pdf.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )


@member_required
@never_cache
def synthesis_preview(request: HttpRequest, bilan_id) -> HttpResponse:
    """The draft as a PDF, marked "Brouillon", to read it over before delivery."""
    from bilan.pdf import render_synthesis_pdf

    bilan = get_bilan(request, bilan_id)
    if not services.can_read_synthesis(request.user, bilan):
        return _forbidden(request, bilan)
    document = services.get_synthesis(bilan)
    if document.is_delivered:
        return redirect("synthesis_pdf", bilan_id=bilan.pk)
    if request.method != "GET":
        return redirect("synthesis", bilan_id=bilan.pk)
    data = render_synthesis_pdf(document, draft=True)
    services.record_access(document, request.user, AccessAction.READ, _("aperçu PDF du brouillon"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="synthese-brouillon.pdf"'
    return response
