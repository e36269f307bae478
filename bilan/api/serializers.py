"""Serializers of the bilan API: they shape and type the data; the rules stay in bilan.services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from api.serializers import StrictModelSerializer, StrictSerializer
from bilan import services
from bilan.models import (
    BENEFICIARY_FIELDS,
    SECTION_FIELDS,
    Action,
    Beneficiary,
    Bilan,
    Meeting,
    Synthesis,
)
from bilan.rules import visible_beneficiaries
from core.tenancy import require_organisation

# --- Beneficiaries ---------------------------------------------------------------------------


class BeneficiarySerializer(StrictModelSerializer):
    has_portal_account = serializers.SerializerMethodField(
        help_text=gettext_lazy("Le bénéficiaire a-t-il activé son accès au portail ?")
    )

    class Meta:
        model = Beneficiary
        fields = [
            "id",
            *BENEFICIARY_FIELDS,
            "has_portal_account",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_has_portal_account(self, obj: Beneficiary) -> bool:
        return obj.user_id is not None


# --- Bilans ----------------------------------------------------------------------------------


class MemberEmailField(serializers.SlugRelatedField):
    """A member of the current organisation, named by their email address."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "email")
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        return User.objects.filter(memberships__organisation=require_organisation())

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().lower()
        return super().to_internal_value(data)


class LedgerSerializer(serializers.Serializer):
    by_phase = serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=1))
    total = serializers.DecimalField(max_digits=5, decimal_places=1)
    planned = serializers.DecimalField(max_digits=5, decimal_places=1)
    minimum = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    maximum = serializers.DecimalField(max_digits=5, decimal_places=1)
    remaining = serializers.DecimalField(max_digits=5, decimal_places=1)
    warnings = serializers.ListField(child=serializers.CharField())


class BilanSerializer(serializers.ModelSerializer):
    beneficiary = serializers.UUIDField(source="beneficiary_id", read_only=True)
    beneficiary_name = serializers.CharField(source="beneficiary.full_name", read_only=True)
    consultants = serializers.SerializerMethodField()

    class Meta:
        model = Bilan
        fields = [
            "id",
            "beneficiary",
            "beneficiary_name",
            "consultants",
            "status",
            "funding",
            "cpf_dossier_number",
            "cpf_registered_on",
            "goals",
            "planned_hours",
            "started_on",
            "ended_on",
            "abandon_reason",
            "hours_override_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_consultants(self, obj: Bilan) -> list[str]:
        return [user.email for user in obj.consultants.all()]


class BilanDetailSerializer(BilanSerializer):
    ledger = serializers.SerializerMethodField()

    class Meta(BilanSerializer.Meta):
        fields = [*BilanSerializer.Meta.fields, "ledger"]
        read_only_fields = fields

    @extend_schema_field(LedgerSerializer)
    def get_ledger(self, obj: Bilan) -> dict:
        ledger = services.hours_ledger(obj)
        return LedgerSerializer(
            {
                "by_phase": ledger.by_phase,
                "total": ledger.total,
                "planned": ledger.planned,
                "minimum": ledger.minimum,
                "maximum": ledger.maximum,
                "remaining": ledger.remaining,
                "warnings": ledger.warnings,
            }
        ).data


class BilanWriteSerializer(StrictModelSerializer):
    consultants = MemberEmailField(
        many=True,
        required=False,
        help_text=gettext_lazy(
            "Adresses e-mail des consultants, membres de l'organisation. Par défaut : vous."
        ),
    )

    class Meta:
        model = Bilan
        fields = [
            "consultants",
            "funding",
            "cpf_dossier_number",
            "cpf_registered_on",
            "goals",
            "planned_hours",
            "started_on",
        ]


class BilanCreateSerializer(BilanWriteSerializer):
    beneficiary = serializers.PrimaryKeyRelatedField(
        queryset=Beneficiary.objects.unscoped().none(),
        pk_field=serializers.UUIDField(),
        help_text=gettext_lazy("Identifiant du bénéficiaire (enregistré au préalable)."),
    )

    class Meta(BilanWriteSerializer.Meta):
        fields = ["beneficiary", *BilanWriteSerializer.Meta.fields]

    def get_fields(self):
        fields = super().get_fields()
        view = self.context.get("view")
        if view is not None and getattr(view, "api", None) is not None:
            fields["beneficiary"].queryset = visible_beneficiaries(view.actor)
        return fields


# --- Meetings --------------------------------------------------------------------------------


class MeetingSerializer(StrictModelSerializer):
    hours = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "phase",
            "starts_at",
            "duration_minutes",
            "mode",
            "is_accompaniment",
            "notes",
            "hours",
            "created_at",
        ]
        read_only_fields = ["id", "hours", "created_at"]


class BeneficiaryMeetingSerializer(MeetingSerializer):
    """What the beneficiary sees: no private working notes."""

    class Meta(MeetingSerializer.Meta):
        fields = [f for f in MeetingSerializer.Meta.fields if f != "notes"]
        read_only_fields = fields


# --- The document de synthèse ----------------------------------------------------------------


class SynthesisSerializer(StrictModelSerializer):
    pdf_url = serializers.SerializerMethodField()
    delivery_warnings = serializers.SerializerMethodField()

    class Meta:
        model = Synthesis
        fields = [
            *SECTION_FIELDS,
            "version",
            "beneficiary_comment",
            "delivered_at",
            "follow_up_accepted",
            "pdf_sha256",
            "pdf_url",
            "delivery_warnings",
            "updated_at",
        ]
        read_only_fields = [
            "version",
            "beneficiary_comment",
            "delivered_at",
            "follow_up_accepted",
            "pdf_sha256",
            "updated_at",
        ]

    def get_pdf_url(self, obj: Synthesis) -> str | None:
        if not obj.is_delivered:
            return None
        return f"/api/v1/bilans/{obj.bilan_id}/synthesis/pdf/"

    def get_delivery_warnings(self, obj: Synthesis) -> list[str]:
        if obj.is_delivered or self.context.get("for_beneficiary"):
            return []
        return services.delivery_warnings(obj.bilan)


class DeliverySerializer(StrictSerializer):
    follow_up_accepted = serializers.BooleanField(
        help_text=gettext_lazy(
            "Le bénéficiaire accepte-t-il l'entretien de suivi à six mois ? S'il accepte, "
            "le suivi est planifié à la remise."
        )
    )


class CommentSerializer(StrictSerializer):
    comment = serializers.CharField(max_length=5000, allow_blank=True)


# --- The action plan -------------------------------------------------------------------------


class ActionSerializer(StrictModelSerializer):
    class Meta:
        model = Action
        fields = [
            "id",
            "title",
            "description",
            "target_date",
            "status",
            "resources",
            "obstacles",
            "notes",
            "added_by_beneficiary",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "added_by_beneficiary", "position", "created_at", "updated_at"]


class BeneficiaryActionCreateSerializer(ActionSerializer):
    """A beneficiary adds an action of their own."""

    class Meta(ActionSerializer.Meta):
        read_only_fields = [
            f
            for f in ActionSerializer.Meta.fields
            if f not in ("title", "description", "target_date", "notes")
        ]


class BeneficiaryActionUpdateSerializer(ActionSerializer):
    """A beneficiary updates the progress and their notes."""

    class Meta(ActionSerializer.Meta):
        read_only_fields = [f for f in ActionSerializer.Meta.fields if f not in ("status", "notes")]
