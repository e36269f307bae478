"""The follow-up endpoints: list and read, invite now, move, cancel, decline, the interview.

Thin: who may see what comes from suivi/rules.py (visible_follow_ups) and every change is a
suivi.services call. The documentation is in schema.py.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.permissions import ALL_ROLES, MEMBERS, RolePermission
from api.serializers import ReasonSerializer
from api.viewsets import ScopedViewSet
from suivi import services
from suivi.api.schema import followup_schema
from suivi.api.serializers import (
    BeneficiaryFollowUpSerializer,
    FollowUpSerializer,
    InterviewSerializer,
    MoveSerializer,
    OptionalReasonSerializer,
)
from suivi.models import Booking, FollowUp, FollowUpInterview, FollowUpKind, FollowUpState
from suivi.rules import visible_follow_ups

PERMISSIONS = [IsAuthenticated, RolePermission]


class FollowUpFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=FollowUpState.choices)
    kind = filters.ChoiceFilter(choices=FollowUpKind.choices)
    bilan = filters.UUIDFilter(field_name="bilan_id")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = FollowUp
        fields = ["state", "kind", "bilan", "due_after", "due_before"]


@followup_schema
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
        return (
            visible_follow_ups(self.actor)
            .select_related("bilan__beneficiary", "consultant")
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

    @action(detail=True, methods=["post"])
    def invite(self, request, *args, **kwargs):
        return self._respond(services.invite_now(self.get_object(), actor=self.actor))

    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        follow_up = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._respond(
            services.move_follow_up(follow_up, data["due_on"], data["reason"], actor=self.actor)
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

    @action(detail=True, methods=["get", "put"])
    def interview(self, request, *args, **kwargs):
        """GET reads the record (404 until there is one); PUT records or corrects it."""
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
