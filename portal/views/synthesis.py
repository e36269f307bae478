"""The delivered synthesis: reading, downloading, commenting and sharing it (the beneficiary),
and the page of the person it is shared with (no account)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bilan import services as bilan_services
from bilan.forms import add_service_error
from bilan.models import AccessAction, Bilan, SynthesisAccess
from core.tenancy import organisation_scope
from portal import services
from portal.forms import CommentForm, ShareForm
from portal.models import SynthesisShare
from portal.views.access import beneficiary_required, own_bilan_or_404, pdf_response


def _synthesis_context(request: HttpRequest, bilan: Bilan, synthesis, **extra) -> dict:
    accesses = list(
        SynthesisAccess.objects.filter(synthesis=synthesis).select_related("user")[:100]
    )
    shares = list(SynthesisShare.objects.filter(synthesis=synthesis))
    return {
        "bilan": bilan,
        "synthesis": synthesis,
        "accesses": accesses,
        "shares": shares,
        "comment_form": CommentForm(initial={"comment": synthesis.beneficiary_comment}),
        **extra,
    }


@beneficiary_required
@never_cache
@require_GET
def synthesis(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = own_bilan_or_404(request, bilan_id)
    document = services.delivered_synthesis(bilan)
    if document is None:
        return render(request, "portal/synthesis_pending.html", {"bilan": bilan})
    bilan_services.record_access(document, request.user, AccessAction.READ)
    return render(request, "portal/synthesis.html", _synthesis_context(request, bilan, document))


@beneficiary_required
@never_cache
@require_GET
def synthesis_pdf(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = own_bilan_or_404(request, bilan_id)
    document = services.delivered_synthesis(bilan)
    if document is None or not document.pdf:
        raise Http404
    bilan_services.record_access(document, request.user, AccessAction.DOWNLOAD)
    return pdf_response(document)


@beneficiary_required
@require_POST
def synthesis_comment(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = own_bilan_or_404(request, bilan_id)
    document = services.delivered_synthesis(bilan)
    if document is None:
        raise Http404
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = _synthesis_context(request, bilan, document)
        context["comment_form"] = form
        return render(request, "portal/synthesis.html", context, status=400)
    bilan_services.set_beneficiary_comment(
        document, form.cleaned_data["comment"], actor=request.user
    )
    messages.success(request, _("Votre commentaire est enregistré."))
    return redirect("portal:synthesis", bilan_id=bilan.pk)


@beneficiary_required
@never_cache
@require_http_methods(["GET", "POST"])
def synthesis_share(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = own_bilan_or_404(request, bilan_id)
    document = services.delivered_synthesis(bilan)
    if document is None:
        raise Http404
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.share_synthesis(
                document,
                actor=request.user,
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
                purpose=data["purpose"],
                message=data["message"],
                valid_days=data["valid_days"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Votre synthèse a été envoyée à %(name)s. Le lien expire le %(date)s.")
                % {
                    "name": created.share.recipient_name,
                    "date": timezone.localtime(created.share.expires_at).strftime("%d/%m/%Y"),
                },
            )
            return redirect("portal:synthesis", bilan_id=bilan.pk)
    return render(request, "portal/share_form.html", {"bilan": bilan, "form": form})


@beneficiary_required
@require_POST
def share_revoke(request: HttpRequest, share_id) -> HttpResponse:
    share = services.own_share(request.user, share_id)
    if share is None:
        raise Http404
    services.revoke_share(share, actor=request.user)
    messages.success(
        request,
        _("Le partage avec %(name)s est retiré : son lien ne fonctionne plus.")
        % {"name": share.recipient_name},
    )
    return redirect("portal:synthesis", bilan_id=share.synthesis.bilan_id)


@never_cache
@require_http_methods(["GET", "POST"])
def shared_synthesis(request: HttpRequest, token: str) -> HttpResponse:
    """The recipient's page (no account). GET confirms; POST shows or downloads and is logged."""
    share = services.find_share(token)
    if share is None:
        return render(request, "portal/link_invalid.html", {"share_link": True}, status=410)
    with organisation_scope(share.organisation):
        context = {"share": share, "beneficiary": share.synthesis.bilan.beneficiary}
        if request.method == "GET":
            return render(request, "portal/shared_confirm.html", context)
        download = request.POST.get("action") == "download"
        document = services.open_share(share, download=download)
        if download:
            return pdf_response(document)
        context["synthesis"] = document
        return render(request, "portal/shared_synthesis.html", context)
