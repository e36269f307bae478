"""The token endpoint, /me, and the account page where people manage their API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership, memberships_of
from api import services
from api.authentication import BearerTokenAuthentication
from api.forms import ApiTokenForm
from api.models import ApiToken
from api.permissions import ALL_ROLES, RolePermission
from api.serializers import MeSerializer, TokenRequestSerializer, TokenResponseSerializer
from api.throttling import TokenEmailThrottle, TokenIPThrottle
from api.viewsets import ScopedViewSet

NEW_TOKEN_SESSION_KEY = "api_new_token"  # noqa: S105 (a session key name)


def _organisations(user) -> list[dict]:
    rows = [
        {"slug": m.organisation.slug, "name": m.organisation.name, "role": m.role}
        for m in memberships_of(user)
    ]
    beneficiary = getattr(user, "beneficiary_profile", None)
    if beneficiary is not None and not any(
        r["slug"] == beneficiary.organisation.slug for r in rows
    ):
        org = beneficiary.organisation
        rows.append({"slug": org.slug, "name": org.name, "role": "beneficiary"})
    return rows


class TokenView(APIView):
    """Obtain a token with email + password (POST), or revoke the one you use (DELETE)."""

    permission_classes = [AllowAny]
    documents_errors = True

    def get_authenticators(self):
        if self.request is not None and self.request.method == "DELETE":
            return [BearerTokenAuthentication()]
        return []  # no session: no CSRF, and the credentials are the body

    def get_throttles(self):
        if self.request is not None and self.request.method == "POST":
            return [TokenIPThrottle(), TokenEmailThrottle()]
        return super().get_throttles()

    def get_permissions(self):
        if self.request is not None and self.request.method == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Obtenir un jeton",
        description=(
            "Échange une adresse e-mail et un mot de passe contre un jeton, valable 30 jours par "
            "défaut. Le jeton n'est montré qu'une fois : il est conservé haché. Les comptes "
            "protégés par la double authentification créent leurs jetons depuis la page "
            "« Jetons d'API » de leur compte. Limité à quelques essais par minute."
        ),
        request=TokenRequestSerializer,
        responses={201: TokenResponseSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "Consultante",
                value={
                    "email": "consultant@cap-avenir.test",
                    "password": "passerelle-demo",
                    "name": "Intégration SI",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Jeton obtenu",
                value={
                    "token": "psl_2vQ4m0b7…",
                    "expires_at": "2026-12-26T09:30:00+01:00",
                    "organisations": [
                        {"slug": "cap-avenir", "name": "Cap Avenir", "role": "consultant"}
                    ],
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Identifiants refusés",
                value={
                    "detail": "Adresse e-mail ou mot de passe incorrect.",
                    "code": "invalid",
                    "errors": {"non_field_errors": ["Adresse e-mail ou mot de passe incorrect."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, raw = services.token_for_credentials(
            request._request, data["email"], data["password"], name=data.get("name", "")
        )
        body = {
            "token": raw,
            "expires_at": token.expires_at,
            "organisations": _organisations(token.user),
        }
        return Response(TokenResponseSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="auth_token_destroy",
        tags=["auth"],
        summary="Révoquer le jeton utilisé",
        description="Révoque le jeton envoyé dans l'en-tête Authorization (déconnexion).",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        services.revoke_token(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeViewSet(ScopedViewSet):
    """Who the token belongs to, and in which organisation the request runs."""

    model = Membership
    permission_classes = [IsAuthenticated, RolePermission]
    roles = {"retrieve": ALL_ROLES}
    pagination_class = None
    filter_backends: list = []

    def scoped_queryset(self):
        return Membership.objects.none()

    @extend_schema(
        operation_id="me_retrieve",
        request=None,
        tags=["auth"],
        summary="Mon compte",
        description=(
            "La personne authentifiée, l'organisation dans laquelle la requête s'exécute, son "
            "rôle (admin, consultant ou beneficiary) et les organisations accessibles."
        ),
        responses={200: MeSerializer},
        examples=[
            OpenApiExample(
                "Consultant indépendant",
                value={
                    "email": "independant@passerelle.test",
                    "first_name": "Camille",
                    "last_name": "Martin",
                    "organisation": "cap-avenir",
                    "role": "consultant",
                    "organisations": [
                        {"slug": "cap-avenir", "name": "Cap Avenir", "role": "consultant"},
                        {"slug": "horizon-bilans", "name": "Horizon Bilans", "role": "consultant"},
                    ],
                },
                response_only=True,
            )
        ],
    )
    def retrieve(self, request: Request) -> Response:
        user = request.user
        body = {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": self.api.organisation.slug,
            "role": self.api.role,
            "organisations": _organisations(user),
        }
        return Response(MeSerializer(body).data)


@csrf_exempt  # nothing to protect: it only answers 404, whatever the method
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /api/v1/ (a malformed id, a typo): a JSON 404, like the rest."""
    detail = _("Ressource introuvable.")
    if not request.path.endswith("/"):
        match = resolve(request.path + "/")
        if match.url_name != "api-not-found":
            detail = _(
                "Ressource introuvable : les adresses de l'API finissent par « / » (%(p)s/)."
            ) % {"p": request.path}
    return JsonResponse({"detail": detail, "code": "not_found", "errors": {}}, status=404)


# --- The account page: list, create and revoke tokens ---------------------------------------


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = services.create_token(
                request.user, name=form.cleaned_data["name"], days=int(form.cleaned_data["days"])
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = raw
            messages.success(
                request, _("Jeton créé. Copiez-le maintenant : il ne sera plus affiché.")
            )
            return redirect("api_tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": services.tokens_of(request.user), "new_token": new_token},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token)
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token})
    return redirect("api_tokens")
