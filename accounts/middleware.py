from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import Membership, memberships_of
from accounts.services import has_totp
from core import tenancy

SESSION_KEY = "organisation_id"


def choose_membership(request: HttpRequest) -> Membership | None:
    """The membership the user chose (kept in the session), else their first one."""
    memberships = list(memberships_of(request.user))
    request.memberships = memberships
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if str(membership.organisation_id) == chosen:
            return membership
    return memberships[0] if memberships else None


class OrganisationScopeMiddleware:
    """Enters the signed-in user's organisation scope for the request, acting as their chosen
    membership (or, without one, as the beneficiary they are), and always leaves it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = []
        request.membership = None
        request.organisation = None
        beneficiary = None
        if request.user.is_authenticated:
            request.membership = choose_membership(request)
            if request.membership is not None:
                request.organisation = request.membership.organisation
            else:
                beneficiary = own_beneficiary(request)
                request.organisation = beneficiary.organisation if beneficiary else None
        token = tenancy.activate(
            request.organisation, membership=request.membership, beneficiary=beneficiary
        )
        try:
            return self.get_response(request)
        finally:
            tenancy.deactivate(token)


def own_beneficiary(request: HttpRequest):
    """Users without a membership: a beneficiary works inside their own organisation."""
    return getattr(request.user, "beneficiary_profile", None)  # bilan.Beneficiary


class RequireMFAMiddleware:
    """Members of an organisation that requires MFA must activate TOTP before anything else.

    allauth's pages (sign-out, activation, reauthentication) stay open, and so does the
    organisation switch, so that a person can go and work for another organisation instead.
    """

    allowed_prefixes = ("/accounts/", "/static/", "/media/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if (
            membership is not None
            and membership.organisation.require_mfa
            and not request.path.startswith(self.allowed_prefixes)
            and request.path != reverse("switch_organisation")
            and not has_totp(request.user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        return self.get_response(request)
