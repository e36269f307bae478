"""OpenAPI details shared by every endpoint: the Bearer scheme, the X-Organisation header and
the error responses (one JSON shape for all of them)."""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

ORGANISATION_HEADER = OpenApiParameter(
    name="X-Organisation",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Identifiant (slug) de l'organisation pour laquelle vous travaillez, par exemple "
        "`cap-avenir`. Obligatoire avec un jeton si vous êtes membre de plusieurs organisations ; "
        "facultatif sinon. Une organisation dont vous n'êtes pas membre donne une erreur 403."
    ),
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Le message à montrer à la personne, en français.")
    code = serializers.CharField(help_text="Code stable de l'erreur (invalid, not_found, ...).")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Les champs en cause et leurs messages ; vide si aucun champ n'est en cause.",
    )


ERROR_EXAMPLES = {
    "400": OpenApiExample(
        "Erreur de validation",
        value={
            "detail": "email : Saisissez une adresse e-mail valide.",
            "code": "invalid",
            "errors": {"email": ["Saisissez une adresse e-mail valide."]},
        },
        response_only=True,
        status_codes=["400"],
    ),
    "401": OpenApiExample(
        "Jeton expiré",
        value={
            "detail": "Ce jeton a expiré : demandez-en un nouveau sur /api/v1/auth/token/.",
            "code": "authentication_failed",
            "errors": {},
        },
        response_only=True,
        status_codes=["401"],
    ),
    "403": OpenApiExample(
        "Organisation refusée",
        value={
            "detail": "Vous n'êtes pas membre de l'organisation « horizon-bilans ».",
            "code": "permission_denied",
            "errors": {},
        },
        response_only=True,
        status_codes=["403"],
    ),
    "404": OpenApiExample(
        "Introuvable",
        value={"detail": "Ressource introuvable.", "code": "not_found", "errors": {}},
        response_only=True,
        status_codes=["404"],
    ),
    "409": OpenApiExample(
        "Conflit",
        value={
            "detail": "La synthèse a déjà été remise le 26/11/2026.",
            "code": "conflict",
            "errors": {},
        },
        response_only=True,
        status_codes=["409"],
    ),
    "429": OpenApiExample(
        "Trop de requêtes",
        value={
            "detail": "La requête a été bridée. Nouvel essai dans 12 secondes.",
            "code": "throttled",
            "errors": {},
        },
        response_only=True,
        status_codes=["429"],
    ),
}

ERROR_DESCRIPTIONS = {
    "400": "Requête invalide : le message et les champs en cause sont donnés.",
    "401": "Jeton absent, invalide, expiré ou révoqué.",
    "403": "Action non autorisée pour votre rôle, ou organisation refusée.",
    "404": "Introuvable, ou appartenant à une autre organisation.",
    "409": "Conflit avec l'état de la ressource.",
    "413": "Corps de requête trop volumineux.",
    "415": "Type de contenu non pris en charge (JSON attendu).",
    "429": "Trop de requêtes : réessayez plus tard.",
    "default": "Autre erreur, au même format.",
}


def error_response(code: str) -> OpenApiResponse:
    examples = [ERROR_EXAMPLES[code]] if code in ERROR_EXAMPLES else []
    return OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code], examples=examples)


class PasserelleAutoSchema(AutoSchema):
    """Adds the organisation header and the documented error responses to every operation."""

    read_error_codes = ("401", "403", "404", "429")
    write_error_codes = ("400", "401", "403", "404", "409", "413", "415", "429")

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "uses_organisation", False):
            parameters.append(ORGANISATION_HEADER)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if getattr(self.view, "documents_errors", True) is False:
            return responses
        codes = (
            self.write_error_codes
            if self.method in ("POST", "PUT", "PATCH")
            else (*self.read_error_codes, "400")
        )
        for code in (*codes, "default"):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error_response(code), code, direction=direction
                )
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Jeton obtenu par `POST /api/v1/auth/token/` ou sur la page « Jetons d'API » "
                "de votre compte. Envoyez `Authorization: Bearer <jeton>`."
            ),
        }


class ScopedDjangoFilterExtension(DjangoFilterExtension):
    """django-filter parameters without reading tenant data (no organisation scope here)."""

    target_class = "api.filters.FilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        model = get_view_model(auto_schema.view)
        if not model:
            return []
        manager = model._default_manager
        queryset = manager.unscoped().none() if hasattr(manager, "unscoped") else manager.none()
        filterset_class = self.target.get_filterset_class(auto_schema.view, queryset)
        if not filterset_class:
            return []
        result = []
        for field_name, filter_field in filterset_class.base_filters.items():
            result += self.resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        return result


def forbid_unknown_fields(result, generator, request, public):
    """Request bodies refuse unknown fields (api.serializers.StrictMixin): say so in the schema."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result
