"""Access (the consultant's invitation, the beneficiary's activation), the home page and a bilan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bilan import services as bilan_services
from bilan.forms import add_service_error
from bilan.models import Meeting
from bilan.rules import visible_beneficiaries, visible_bilans
from portal import services
from portal.forms import SetPasswordForm
from portal.views.access import beneficiary_required, own_bilan_or_404


@login_required
@require_POST
def invite(request: HttpRequest, beneficiary_id) -> HttpResponse:
    """The consultant's button on the beneficiary or bilan page: send the portal invitation."""
    beneficiary = visible_beneficiaries(request.user).filter(pk=beneficiary_id).first()
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
            add_service_error(form, error)
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
        visible_bilans(request.user)
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
    bilan = own_bilan_or_404(request, bilan_id)
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
