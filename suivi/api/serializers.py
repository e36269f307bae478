"""What the follow-up endpoints read and write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import StrictModelSerializer, StrictSerializer
from bilan.models import ActionStatus
from suivi.models import Booking, FollowUp, FollowUpInterview


class BookingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ["starts_at", "duration_minutes", "mode", "location"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    bilan = serializers.UUIDField(source="bilan_id", read_only=True)
    beneficiary_name = serializers.CharField(source="bilan.beneficiary.full_name", read_only=True)
    consultant = serializers.EmailField(source="consultant.email", read_only=True)
    booking = serializers.SerializerMethodField()
    has_interview = serializers.BooleanField(read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "bilan",
            "beneficiary_name",
            "kind",
            "state",
            "consultant",
            "due_on",
            "invite_on",
            "invited_at",
            "answered_at",
            "declined_at",
            "held_at",
            "move_reason",
            "cancel_reason",
            "booking",
            "has_interview",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(BookingSerializer(allow_null=True))
    def get_booking(self, obj: FollowUp) -> dict | None:
        booking = next((b for b in obj.bookings.all() if b.cancelled_at is None), None)
        return BookingSerializer(booking).data if booking else None


class BeneficiaryFollowUpSerializer(FollowUpSerializer):
    """What the beneficiary sees: not the consultant's reasons for moving or cancelling."""

    class Meta(FollowUpSerializer.Meta):
        fields = [
            f for f in FollowUpSerializer.Meta.fields if f not in ("move_reason", "cancel_reason")
        ]
        read_only_fields = fields


class ActionProgressSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class InterviewSerializer(StrictModelSerializer):
    action_progress = serializers.DictField(
        child=ActionProgressSerializer(),
        required=False,
        help_text=gettext_lazy(
            "Avancement par action du plan : {identifiant de l'action: {status, comment}}."
        ),
    )
    recorded_by = serializers.EmailField(source="recorded_by.email", read_only=True, default=None)

    class Meta:
        model = FollowUpInterview
        fields = [
            "held_on",
            "mode",
            "action_progress",
            "results_vs_goals",
            "obstacles",
            "levers",
            "adjustment",
            "next_steps",
            "outcome",
            "further_follow_up_on",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["recorded_by", "created_at", "updated_at"]


class MoveSerializer(StrictSerializer):
    due_on = serializers.DateField(help_text=gettext_lazy("La nouvelle échéance."))
    reason = serializers.CharField(max_length=2000)


class OptionalReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
