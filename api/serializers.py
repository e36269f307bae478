"""Serializer bases: unknown or read-only fields sent by a client are refused, not ignored."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.models import ApiToken


class StrictMixin:
    """Refuse fields the serializer does not accept, with the field named."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for name in data:
                field = self.fields.get(name)
                if field is None:
                    errors[name] = [_("Champ inconnu.")]
                elif field.read_only:
                    errors[name] = [_("Ce champ est en lecture seule.")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass


class ReasonSerializer(StrictSerializer):
    """The body of an action that needs a reason (abandon, hours override, move, cancel)."""

    reason = serializers.CharField(max_length=2000, help_text=_("Le motif, en quelques mots."))


class TokenRequestSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("Nom libre pour reconnaître le jeton dans votre compte (application, poste)."),
    )


class OrganisationChoiceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("À envoyer dans « Authorization: Bearer <jeton> »."))
    expires_at = serializers.DateTimeField()
    organisations = OrganisationChoiceSerializer(many=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "key_prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    organisation = serializers.CharField(help_text=_("Identifiant de l'organisation courante."))
    role = serializers.ChoiceField(
        choices=[
            ("admin", _("Administrateur")),
            ("consultant", _("Consultant")),
            ("beneficiary", _("Bénéficiaire")),
        ]
    )
    organisations = OrganisationChoiceSerializer(many=True)
