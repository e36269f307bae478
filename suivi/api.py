"""REST API v1 for the suivi post-bilan: follow-ups and the follow-up interview.

Thin, like bilan/api.py: who may see what comes from suivi.services (follow_ups_for,
followups_of_beneficiary) and every change is a suivi.services call.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.permissions import ALL_ROLES, MEMBERS, RolePermission
from api.serializers import ReasonSerializer, StrictModelSerializer, StrictSerializer
from api.viewsets import ScopedViewSet
from bilan.models import ActionStatus
from suivi import services
from suivi.models import Booking, FollowUp, FollowUpInterview, FollowUpKind, FollowUpState

PERMISSIONS = [IsAuthenticated, RolePermission]


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


class FollowUpFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=FollowUpState.choices)
    kind = filters.ChoiceFilter(choices=FollowUpKind.choices)
    bilan = filters.UUIDFilter(field_name="bilan_id")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = FollowUp
        fields = ["state", "kind", "bilan", "due_after", "due_before"]


FOLLOWUP_EXAMPLE = {
    "id": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
    "bilan": "0b6f2d1e-8c4a-4e57-a2b9-7f3c5d1e9a40",
    "beneficiary_name": "Léa Dubois",
    "kind": "six_month",
    "state": "booked",
    "consultant": "consultant@cap-avenir.test",
    "due_on": "2027-05-26",
    "invite_on": "2027-05-05",
    "invited_at": "2027-05-05T08:10:00+02:00",
    "answered_at": "2027-05-07T19:42:00+02:00",
    "declined_at": None,
    "held_at": None,
    "move_reason": "",
    "cancel_reason": "",
    "booking": {
        "starts_at": "2027-05-27T14:30:00+02:00",
        "duration_minutes": 60,
        "mode": "video",
        "location": "",
    },
    "has_interview": False,
    "created_at": "2026-11-26T16:00:00+01:00",
    "updated_at": "2027-05-07T19:42:00+02:00",
}
INTERVIEW_INPUT = {
    "held_on": "2027-05-27",
    "mode": "video",
    "action_progress": {
        "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d": {"status": "done", "comment": "Titre obtenu."}
    },
    "results_vs_goals": "Projet de reconversion validé ; formation suivie.",
    "obstacles": "Peu d'offres près de chez elle.",
    "levers": "Réseau des anciens stagiaires.",
    "adjustment": "Élargir la recherche à 40 km.",
    "next_steps": "Candidatures spontanées en juin.",
    "outcome": "in_progress",
    "further_follow_up_on": None,
}


def _followup_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(
        FollowUpSerializer,
        description=description,
        examples=[OpenApiExample("Suivi", value=FOLLOWUP_EXAMPLE, response_only=True)],
    )


@extend_schema_view(
    list=extend_schema(
        summary="Lister les suivis post-bilan",
        description=(
            "Les suivis de l'organisation pour un administrateur, ceux qu'il mène ou de ses "
            "bilans pour un consultant, les siens pour un bénéficiaire (sans les motifs de "
            "report ou d'annulation du consultant). Par échéance ; filtres par état, type, "
            "bilan et échéance."
        ),
        examples=[OpenApiExample("Suivi", value=FOLLOWUP_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Lire un suivi",
        description="Le suivi, son rendez-vous éventuel et ses dates.",
        examples=[OpenApiExample("Suivi", value=FOLLOWUP_EXAMPLE, response_only=True)],
    ),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = FollowUp
    serializer_class = FollowUpSerializer
    permission_classes = PERMISSIONS
    lookup_url_kwarg = "followup_id"
    filterset_class = FollowUpFilter
    ordering = ("due_on", "created_at")
    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "invite": MEMBERS,
        "move": MEMBERS,
        "cancel": MEMBERS,
        "decline": ALL_ROLES,
        "interview": MEMBERS,
    }

    def scoped_queryset(self) -> QuerySet[FollowUp]:
        if self.api.is_beneficiary:
            qs = services.followups_of_beneficiary(self.api.beneficiary)
        else:
            qs = services.follow_ups_for(self.actor)
        return (
            qs.select_related("bilan__beneficiary", "consultant")
            .prefetch_related(
                Prefetch("bookings", queryset=Booking.objects.order_by("-created_at"))
            )
            .annotate(
                has_interview=Exists(FollowUpInterview.objects.filter(follow_up=OuterRef("pk")))
            )
        )

    def _read_serializer_class(self) -> type[FollowUpSerializer]:
        api = getattr(self, "api", None)
        if api is not None and api.is_beneficiary:
            return BeneficiaryFollowUpSerializer
        return FollowUpSerializer

    def _respond(self, follow_up: FollowUp) -> Response:
        follow_up = self.get_queryset().get(pk=follow_up.pk)
        serializer_class = self._read_serializer_class()
        return Response(serializer_class(follow_up, context=self.get_serializer_context()).data)

    def get_serializer_class(self):
        if self.action == "move":
            return MoveSerializer
        if self.action == "cancel":
            return ReasonSerializer
        if self.action == "decline":
            return OptionalReasonSerializer
        if self.action == "interview":
            return InterviewSerializer
        return self._read_serializer_class()

    @extend_schema(
        summary="Envoyer l'invitation maintenant",
        description="Plutôt qu'à sa date : l'invitation part une seule fois.",
        request=None,
        responses={200: _followup_response("Le suivi, invité")},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, *args, **kwargs):
        return self._respond(services.invite_now(self.get_object(), actor=self.actor))

    @extend_schema(
        summary="Déplacer le suivi",
        description="Nouvelle échéance (pas dans le passé) et motif ; tant que rien n'est pris.",
        request=MoveSerializer,
        responses={200: _followup_response("Le suivi déplacé")},
        examples=[
            OpenApiExample(
                "Report",
                value={"due_on": "2027-06-15", "reason": "Formation en cours jusqu'en juin."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        follow_up = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._respond(
            services.move_follow_up(follow_up, data["due_on"], data["reason"], actor=self.actor)
        )

    @extend_schema(
        summary="Annuler le suivi",
        description="Avec un motif ; un rendez-vous pris est annulé et le bénéficiaire prévenu.",
        request=ReasonSerializer,
        responses={200: _followup_response("Le suivi annulé")},
        examples=[
            OpenApiExample(
                "Motif", value={"reason": "Bénéficiaire injoignable."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        follow_up = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(
            services.cancel_follow_up(
                follow_up, serializer.validated_data["reason"], actor=self.actor
            )
        )

    @extend_schema(
        summary="Décliner l'entretien de suivi",
        description=(
            "Le bénéficiaire décline (ou le consultant note son refus) : plus rien ne lui est "
            "envoyé. Le suivi est une offre, pas une obligation."
        ),
        request=OptionalReasonSerializer,
        responses={200: _followup_response("Le suivi décliné")},
        examples=[
            OpenApiExample("Refus", value={"reason": "J'ai retrouvé un emploi."}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        follow_up = self.get_object()
        serializer = OptionalReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow_up = services.decline_follow_up(
            follow_up,
            serializer.validated_data.get("reason", ""),
            by_beneficiary=self.api.is_beneficiary,
            actor=self.actor,
        )
        return self._respond(follow_up)

    @extend_schema(
        methods=["GET"],
        summary="Lire le compte rendu de l'entretien de suivi",
        description="Consultants et administrateurs ; 404 tant qu'aucun entretien n'est noté.",
        request=None,
        responses={200: InterviewSerializer},
        examples=[
            OpenApiExample(
                "Compte rendu",
                value={
                    **INTERVIEW_INPUT,
                    "recorded_by": "consultant@cap-avenir.test",
                    "created_at": "2027-05-27T15:40:00+02:00",
                    "updated_at": "2027-05-27T15:40:00+02:00",
                },
                response_only=True,
            )
        ],
    )
    @extend_schema(
        methods=["PUT"],
        summary="Noter l'entretien de suivi",
        description=(
            "Avancement par action, résultats au regard des objectifs, freins, leviers, "
            "réajustement, prochaines étapes et issue. Le suivi passe à « réalisé », le "
            "questionnaire à froid est envoyé ; une date de nouveau suivi en planifie un."
        ),
        request=InterviewSerializer,
        responses={200: InterviewSerializer},
        examples=[OpenApiExample("Entretien", value=INTERVIEW_INPUT, request_only=True)],
    )
    @action(detail=True, methods=["get", "put"])
    def interview(self, request, *args, **kwargs):
        follow_up = self.get_object()
        if request.method != "PUT":  # GET (and HEAD)
            interview = FollowUpInterview.objects.filter(follow_up=follow_up).first()
            if interview is None:
                raise exceptions.NotFound(_("Aucun entretien n'a encore été noté pour ce suivi."))
            return Response(InterviewSerializer(interview).data)
        serializer = InterviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        progress = fields.get("action_progress", {})
        known = {str(a.pk) for a in services.plan_actions(follow_up)}
        unknown = sorted(set(progress) - known)
        if unknown:
            raise exceptions.ValidationError(
                {
                    "action_progress": [
                        _("Action inconnue dans ce plan : %(id)s.") % {"id": unknown[0]}
                    ]
                }
            )
        interview = services.record_interview(follow_up, actor=self.actor, **fields)
        return Response(InterviewSerializer(interview).data, status=status.HTTP_200_OK)
