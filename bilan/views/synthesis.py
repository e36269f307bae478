from __future__ import annotations

import rules
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.decorators import member_required
from bilan import pdf, services
from bilan.forms import DeliveryForm, SynthesisForm, add_service_error
from bilan.models import (
    SECTION_FIELDS,
    AccessAction,
    Bilan,
    BilanStatus,
    Synthesis,
    SynthesisRevision,
)
from bilan.services import BilanError
from bilan.views.access import get_bilan

EDITABLE_STATUSES = (BilanStatus.INVESTIGATION, BilanStatus.CONCLUSION)


def _forbidden(request: HttpRequest, bilan: Bilan) -> HttpResponse:
    return render(request, "bilan/synthesis_forbidden.html", {"bilan": bilan}, status=403)


def _is_editable(request: HttpRequest, bilan: Bilan, document: Synthesis) -> bool:
    """A draft, in the phases where it is written, opened by one of the bilan's consultants."""
    return (
        not document.is_delivered
        and bilan.status in EDITABLE_STATUSES
        and rules.test_rule("bilan.write_synthesis", request.user, bilan)
    )


def _editor_form(request: HttpRequest, document: Synthesis) -> SynthesisForm:
    initial = {name: getattr(document, name) for name in SECTION_FIELDS}
    initial["version"] = document.version
    return SynthesisForm(request.POST or None, initial=initial)


def _save_draft(
    request: HttpRequest, bilan: Bilan, document: Synthesis, form: SynthesisForm
) -> HttpResponse | None:
    """Save a valid form as a new version and redirect; None (errors on the form) when someone
    saved another version meanwhile or a rule refused it."""
    if form.cleaned_data["version"] != document.version:
        form.add_error(
            None,
            _(
                "Quelqu'un a enregistré la version %(v)s pendant que vous écriviez. "
                "Votre texte est conservé ci-dessous : relisez-le avant d'enregistrer."
            )
            % {"v": document.version},
        )
        # The writer keeps their text; the next submit is against the version now saved.
        form.data = form.data.copy()
        form.data["version"] = document.version
        return None
    try:
        saved = services.save_synthesis_draft(bilan, form.sections(), actor=request.user)
    except BilanError as error:
        add_service_error(form, error)
        return None
    if saved.version == document.version:
        messages.info(request, _("Aucune modification à enregistrer."))
    else:
        messages.success(request, _("Version %(v)s enregistrée.") % {"v": saved.version})
    return redirect("synthesis", bilan_id=bilan.pk)


def _refuse_edit(request: HttpRequest, bilan: Bilan, document: Synthesis) -> HttpResponse:
    messages.error(
        request,
        _("La synthèse a été remise : elle ne peut plus être modifiée.")
        if document.is_delivered
        else _("La synthèse se rédige pendant les phases d'investigation et de conclusion."),
    )
    return redirect("synthesis", bilan_id=bilan.pk)


@member_required
def synthesis(request: HttpRequest, bilan_id) -> HttpResponse:
    """The synthesis editor (drafts, versions) or, once delivered, the read-only document."""
    bilan = get_bilan(request, bilan_id)
    if not rules.test_rule("bilan.read_synthesis", request.user, bilan):
        return _forbidden(request, bilan)
    document = services.get_synthesis(bilan)
    editable = _is_editable(request, bilan, document)
    form = None
    if editable:
        form = _editor_form(request, document)
        if request.method == "POST" and form.is_valid():
            response = _save_draft(request, bilan, document, form)
            if response is not None:
                return response
    elif request.method == "POST":
        return _refuse_edit(request, bilan, document)
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
    if not rules.test_rule("bilan.read_synthesis", request.user, bilan):
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
    if not rules.test_rule("bilan.read_synthesis", request.user, bilan):
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
    bilan = get_bilan(request, bilan_id)
    if not rules.test_rule("bilan.read_synthesis", request.user, bilan):
        return _forbidden(request, bilan)
    document = services.get_synthesis(bilan)
    if document.is_delivered:
        return redirect("synthesis_pdf", bilan_id=bilan.pk)
    if request.method != "GET":
        return redirect("synthesis", bilan_id=bilan.pk)
    data = pdf.render_synthesis_pdf(document, draft=True)
    services.record_access(document, request.user, AccessAction.READ, _("aperçu PDF du brouillon"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="synthese-brouillon.pdf"'
    return response
