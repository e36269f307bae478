"""The base of every API viewset: it owns the organisation scope and the queryset.

After authentication, `initial()` resolves who is asking and for which organisation (the
membership named by `X-Organisation`, the only membership, or a beneficiary's organisation),
enters that organisation's scope, and `dispatch()` always leaves it (``finally``). Subclasses
declare `scoped_queryset()`; they may not override `get_queryset`, `initial` or `dispatch`,
so none can forget the scope. Parents named in the URL (the bilan of
/bilans/<bilan_id>/meetings/) are resolved before any permission check: another
organisation's id is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from accounts.models import Membership, memberships_of
from accounts.services import has_totp
from core import tenancy

ORGANISATION_HEADER = "X-Organisation"


class OrganisationRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "organisation_required"
    default_detail = "Précisez l'organisation avec l'en-tête X-Organisation."


def _member(membership: Membership) -> tenancy.Scope:
    organisation = membership.organisation
    if organisation.require_mfa and not has_totp(membership.user_id):
        # Same rule as the web pages (accounts.middleware.RequireMFAMiddleware), for sessions and
        # for tokens issued before the organisation turned it on.
        raise exceptions.PermissionDenied(
            _(
                "Votre organisation exige la double authentification : activez-la sur le site "
                "avant d'utiliser l'API."
            )
        )
    return tenancy.Scope(organisation, membership=membership)


def resolve_context(request: Request) -> tenancy.Scope:
    user = request.user
    memberships = list(memberships_of(user))
    beneficiary = getattr(user, "beneficiary_profile", None)
    slug = request.headers.get(ORGANISATION_HEADER, "").strip()
    if slug:
        for membership in memberships:
            if membership.organisation.slug == slug:
                return _member(membership)
        if beneficiary is not None and beneficiary.organisation.slug == slug:
            return tenancy.Scope(beneficiary.organisation, beneficiary=beneficiary)
        raise exceptions.PermissionDenied(
            _("Vous n'êtes pas membre de l'organisation « %(slug)s ».") % {"slug": slug[:60]}
        )
    if len(memberships) == 1:
        return _member(memberships[0])
    if len(memberships) > 1:
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # In the browser (Swagger page), the organisation chosen in the application.
            chosen = getattr(request._request, "membership", None) or memberships[0]
            return _member(chosen)
        raise OrganisationRequired(
            _(
                "Vous êtes membre de plusieurs organisations : précisez laquelle avec l'en-tête "
                "X-Organisation (%(slugs)s)."
            )
            % {"slugs": ", ".join(m.organisation.slug for m in memberships)}
        )
    if beneficiary is not None:
        return tenancy.Scope(beneficiary.organisation, beneficiary=beneficiary)
    raise exceptions.PermissionDenied(
        _("Votre compte n'est rattaché à aucune organisation : l'API n'a rien à vous montrer.")
    )


class ScopedViewSet(viewsets.GenericViewSet):
    """Owns get_queryset and the organisation scope. Declare `model` and `scoped_queryset()`."""

    model: ClassVar[type[Model]]
    lookup_value_converter = "uuid"
    uses_organisation = True  # documents the X-Organisation header (api.schema)
    #: action -> roles allowed ("admin", "consultant", "beneficiary"); see api.permissions.
    roles: ClassVar[dict[str, set[str]]] = {}
    api: tenancy.Scope  # who asks, in which organisation, as what

    _final = ("get_queryset", "initial", "dispatch")

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        overridden = [name for name in cls._final if name in cls.__dict__]
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}: declare scoped_queryset() "
                "(and resolve_parents()) instead, so that the organisation scope stays in charge."
            )

    # --- the scope ---------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        self._scope_token = None
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._scope_token is not None:
                tenancy.deactivate(self._scope_token)
                self._scope_token = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        # APIView.initial, with the scope entered between authentication and permissions.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        negotiated = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = negotiated
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        self.perform_authentication(request)
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(
                _("Authentification requise : envoyez l'en-tête « Authorization: Bearer <jeton> ».")
            )
        self.check_throttles(request)
        self.api = resolve_context(request)
        self._scope_token = tenancy.enter(self.api)
        self.resolve_parents()
        self.check_permissions(request)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no scope
            return self.model._default_manager.unscoped().none()
        organisation = tenancy.require_organisation()
        return self.scoped_queryset().filter(organisation=organisation)

    # --- hooks for subclasses ----------------------------------------------------------------

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError

    def resolve_parents(self) -> None:
        """Load the objects named in the URL before permissions (404 before 403)."""

    # --- helpers -----------------------------------------------------------------------------

    @property
    def actor(self):
        return self.request.user

    def refuse(self, message: str) -> None:
        raise exceptions.PermissionDenied(message)
