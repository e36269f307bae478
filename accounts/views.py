from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import AcceptInvitationForm, SwitchOrganisationForm
from accounts.middleware import SESSION_KEY


def home(request: HttpRequest) -> HttpResponse:
    """Send each person where they work: sign-in, dashboard, portal or admin."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.membership is not None:
        return redirect("dashboard")
    if getattr(request.user, "beneficiary_profile", None) is not None:
        return redirect("portal:home")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "accounts/no_organisation.html")


@require_POST
@login_required
def switch_organisation(request: HttpRequest) -> HttpResponse:
    form = SwitchOrganisationForm(request.POST)
    chosen = None
    if form.is_valid():
        wanted = form.cleaned_data["organisation"]
        chosen = next((m for m in request.memberships if m.organisation_id == wanted), None)
    if chosen is None:
        messages.error(request, _("Vous n'êtes pas membre de cette organisation."))
    else:
        request.session[SESSION_KEY] = str(chosen.organisation_id)
        messages.success(
            request, _("Vous travaillez maintenant pour %(name)s.") % {"name": chosen.organisation}
        )
    return redirect("dashboard")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows the page (mail scanners prefetch links); POST spends the invitation."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=410)
    signed_in_as_invitee = (
        request.user.is_authenticated and request.user.email.lower() == invitation.email.lower()
    )
    account_exists = services.User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST":
        try:
            if signed_in_as_invitee:
                services.accept_invitation(token, user=request.user)
            elif not account_exists and form.is_valid():
                data = form.cleaned_data
                membership = services.accept_invitation(
                    token,
                    password=data["password1"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                login(
                    request,
                    membership.user,
                    backend="django.contrib.auth.backends.ModelBackend",
                )
            else:
                raise ValidationError("")
        except ValidationError as error:
            if error.messages and error.messages[0]:
                messages.error(request, error.messages[0])
        else:
            request.session[SESSION_KEY] = str(invitation.organisation_id)
            messages.success(
                request,
                _("Bienvenue chez %(name)s !") % {"name": invitation.organisation},
            )
            return redirect("dashboard")
    return render(
        request,
        "accounts/accept_invitation.html",
        {
            "invitation": invitation,
            "form": form,
            "account_exists": account_exists,
            "signed_in_as_invitee": signed_in_as_invitee,
        },
    )
