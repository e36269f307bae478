"""The beneficiary's portal: thin views over portal.services and bilan.services.

Every page works on the signed-in beneficiary's own rows; anything else is a 404 (another
beneficiary's bilan, another organisation's, or a consultant who is not a beneficiary).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bilan import services as bilan_services
from bilan.models import AccessAction, Action, Bilan, Meeting, SynthesisAccess
from core.tenancy import organisation_scope
from portal import services
from portal.forms import (
    ActionUpdateForm,
    CommentForm,
    DataRequestForm,
    NewActionForm,
    SetPasswordForm,
    ShareForm,
)
from portal.models import DataRequest, SynthesisShare

# --- Helpers ---------------------------------------------------------------------------------


def beneficiary_required(view):
    """Signed in as a beneficiary; anyone else gets a 404 (the portal is not theirs).
    The view runs in the beneficiary's own organisation, even for a person who also works as
    a consultant for another organisation (whose scope the middleware would have chosen)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.beneficiary = services.beneficiary_of(request.user)
        if request.beneficiary is None:
            raise Http404
        with organisation_scope(request.beneficiary.organisation):
            return view(request, *args, **kwargs)

    return wrapper


def _own_bilan_or_404(request: HttpRequest, bilan_id) -> Bilan:
    bilan = services.own_bilan(request.user, bilan_id)
    if bilan is None:
        raise Http404
    return bilan


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _pdf_response(synthesis, *, inline: bool = False) -> FileResponse:
    if not synthesis.pdf:
        raise Http404
    return FileResponse(
        synthesis.pdf.open("rb"),
        as_attachment=not inline,
        filename=services.synthesis_pdf_filename(synthesis),
        content_type="application/pdf",
    )


# --- Access: invitation (consultant) and password (beneficiary) ------------------------------


@login_required
@require_POST
def invite(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """The consultant's button on the beneficiary or bilan page: send the portal invitation."""
    beneficiary = services.beneficiaries_for(request.user).filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise Http404
    try:
        sent = services.invite_beneficiary(beneficiary, request.user)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Invitation envoyée à %(name)s (%(email)s). Le lien est valable jusqu'au %(date)s.")
            % {
                "name": beneficiary.full_name,
                "email": sent.invitation.email,
                "date": timezone.localtime(sent.invitation.expires_at).strftime("%d/%m/%Y"),
            },
        )
    target = request.POST.get("next") or request.headers.get("referer") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows the page (mail scanners prefetch links); a valid POST spends the link."""
    invitation = services.find_portal_invitation(token)
    if invitation is None:
        return render(request, "portal/link_invalid.html", status=410)
    beneficiary = invitation.beneficiary
    form = SetPasswordForm(
        request.POST or None,
        email=invitation.email,
        first_name=beneficiary.first_name,
        last_name=beneficiary.last_name,
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.activate_portal_account(token, form.cleaned_data["password1"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Votre espace est prêt. Bienvenue, %(name)s !") % {"name": user}
            )
            return redirect("portal:home")
    return render(
        request,
        "portal/activate.html",
        {"invitation": invitation, "beneficiary": beneficiary, "form": form},
    )


# --- Home and bilan --------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if services.beneficiary_of(request.user) is None:
        return redirect("home")  # consultants and staff work elsewhere
    return _beneficiary_home(request)


@beneficiary_required
@never_cache
@require_GET
def _beneficiary_home(request: HttpRequest) -> HttpResponse:
    beneficiary = request.beneficiary
    bilans = list(
        services.own_bilans(request.user)
        .prefetch_related("consultants")
        .annotate(
            upcoming_count=Count(
                "meetings", filter=Q(meetings__starts_at__gte=timezone.now()), distinct=True
            )
        )
        .order_by("-started_on", "-created_at")
    )
    cards = []
    for bilan in bilans:
        synthesis = services.delivered_synthesis(bilan)
        next_meeting = (
            Meeting.objects.filter(bilan=bilan, starts_at__gte=timezone.now())
            .order_by("starts_at")
            .first()
        )
        cards.append(
            {
                "bilan": bilan,
                "steps": services.phase_steps(bilan),
                "ledger": bilan_services.hours_ledger(bilan),
                "synthesis": synthesis,
                "next_meeting": next_meeting,
                "action_plan_open": services.action_plan_open(bilan),
                "follow_up": services.follow_up_summary(bilan),
            }
        )
    return render(request, "portal/home.html", {"beneficiary": beneficiary, "cards": cards})


@beneficiary_required
@never_cache
@require_GET
def bilan_detail(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = _own_bilan_or_404(request, bilan_id)
    now = timezone.now()
    meetings = list(Meeting.objects.filter(bilan=bilan).order_by("starts_at"))
    return render(
        request,
        "portal/bilan.html",
        {
            "bilan": bilan,
            "steps": services.phase_steps(bilan),
            "ledger": bilan_services.hours_ledger(bilan),
            "past_meetings": [m for m in meetings if m.starts_at < now],
            "coming_meetings": [m for m in meetings if m.starts_at >= now],
            "consultants": list(bilan.consultants.all()),
            "synthesis": services.delivered_synthesis(bilan),
            "action_plan_open": services.action_plan_open(bilan),
            "follow_up": services.follow_up_summary(bilan),
        },
    )


# --- The synthesis ---------------------------------------------------------------------------


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
    bilan = _own_bilan_or_404(request, bilan_id)
    document = services.delivered_synthesis(bilan)
    if document is None:
        return render(request, "portal/synthesis_pending.html", {"bilan": bilan})
    bilan_services.record_access(document, request.user, AccessAction.READ)
    return render(request, "portal/synthesis.html", _synthesis_context(request, bilan, document))


@beneficiary_required
@never_cache
@require_GET
def synthesis_pdf(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = _own_bilan_or_404(request, bilan_id)
    document = services.delivered_synthesis(bilan)
    if document is None or not document.pdf:
        raise Http404
    bilan_services.record_access(document, request.user, AccessAction.DOWNLOAD)
    return _pdf_response(document)


@beneficiary_required
@require_POST
def synthesis_comment(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = _own_bilan_or_404(request, bilan_id)
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
    bilan = _own_bilan_or_404(request, bilan_id)
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
            _add_errors(form, error)
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
            return _pdf_response(document)
        context["synthesis"] = document
        return render(request, "portal/shared_synthesis.html", context)


# --- The action plan -------------------------------------------------------------------------


@beneficiary_required
@never_cache
@require_http_methods(["GET", "POST"])
def action_plan(request: HttpRequest, bilan_id) -> HttpResponse:
    bilan = _own_bilan_or_404(request, bilan_id)
    if not services.action_plan_open(bilan):
        return render(request, "portal/action_plan.html", {"bilan": bilan, "plan_open": False})
    form = NewActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.add_own_action(bilan, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
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
            _add_errors(form, error)
        else:
            messages.success(request, _("« %(t)s » est à jour.") % {"t": action.title})
            return redirect("portal:action_plan", bilan_id=bilan.pk)
    return render(
        request,
        "portal/action_edit.html",
        {"bilan": bilan, "action": action, "form": form},
        status=400 if form.errors else 200,
    )


# --- Their data (RGPD) -----------------------------------------------------------------------


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
            _add_errors(form, error)
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
