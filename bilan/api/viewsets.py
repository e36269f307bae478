"""The bilan API's viewsets: beneficiaries, bilans, meetings, the synthesis and the action plan.

Thin: they ask bilan/rules.py who may see and do what (the same rules as the web pages and the
portal) and call bilan.services. The OpenAPI documentation is in bilan.api.schema.
"""

from __future__ import annotations

import rules
from django.http import FileResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.exceptions import Conflict
from api.permissions import ADMINS, ALL_ROLES, MEMBERS
from api.renderers import PDFRenderer
from api.serializers import ReasonSerializer
from api.viewsets import ScopedViewSet
from bilan import services
from bilan.api import schema
from bilan.api.access import PERMISSIONS, BilanChildViewSet
from bilan.api.filters import ActionFilter, BeneficiaryFilter, BilanFilter, MeetingFilter
from bilan.api.serializers import (
    ActionSerializer,
    BeneficiaryActionCreateSerializer,
    BeneficiaryActionUpdateSerializer,
    BeneficiaryMeetingSerializer,
    BeneficiarySerializer,
    BilanCreateSerializer,
    BilanDetailSerializer,
    BilanSerializer,
    BilanWriteSerializer,
    CommentSerializer,
    DeliverySerializer,
    MeetingSerializer,
    SynthesisSerializer,
)
from bilan.models import AccessAction, Action, Beneficiary, Bilan, Meeting, Synthesis
from bilan.rules import visible_beneficiaries, visible_bilans


@schema.beneficiary_docs
class BeneficiaryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    model = Beneficiary
    serializer_class = BeneficiarySerializer
    permission_classes = PERMISSIONS
    lookup_url_kwarg = "beneficiary_id"
    filterset_class = BeneficiaryFilter
    ordering = "-created_at"
    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": MEMBERS,
        "update": MEMBERS,
        "partial_update": MEMBERS,
        "destroy": ADMINS,
    }

    def scoped_queryset(self):
        return visible_beneficiaries(self.actor).order_by("-created_at")

    def perform_create(self, serializer):
        serializer.instance = services.create_beneficiary(
            actor=self.actor, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_beneficiary(
            serializer.instance, actor=self.actor, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        if instance.bilans.exists():
            raise Conflict(
                _("Ce bénéficiaire a un bilan : il ne peut pas être supprimé de cette façon.")
            )
        instance.delete()


@schema.bilan_docs
class BilanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    model = Bilan
    permission_classes = PERMISSIONS
    lookup_url_kwarg = "bilan_id"
    filterset_class = BilanFilter
    ordering = "-created_at"
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": MEMBERS,
        "partial_update": MEMBERS,
        "advance": MEMBERS,
        "abandon": MEMBERS,
        "close": MEMBERS,
        "hours_override": ADMINS,
    }

    def scoped_queryset(self):
        return (
            visible_bilans(self.actor)
            .select_related("beneficiary", "organisation")
            .prefetch_related("consultants")
        )

    def get_serializer_class(self):
        if self.action == "list":
            return BilanSerializer
        if self.action == "create":
            return BilanCreateSerializer
        if self.action == "partial_update":
            return BilanWriteSerializer
        if self.action in ("abandon", "hours_override"):
            return ReasonSerializer
        return BilanDetailSerializer

    def _detail(self, bilan: Bilan, code: int = status.HTTP_200_OK) -> Response:
        bilan = self.get_queryset().get(pk=bilan.pk)
        return Response(
            BilanDetailSerializer(bilan, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        beneficiary = data.pop("beneficiary")
        consultants = data.pop("consultants", None) or [self.actor]
        bilan = services.open_bilan(beneficiary, consultants, actor=self.actor, **data)
        return self._detail(bilan, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        bilan = self.get_object()
        serializer = self.get_serializer(bilan, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        consultants = serializer.validated_data.get("consultants")
        # Who may do what (docs/architecture.md): the admin assigns and reassigns; resending
        # the same list is no change.
        if (
            consultants is not None
            and not rules.test_rule("bilan.assign_consultants", self.actor, bilan)
            and {user.pk for user in consultants} != {user.pk for user in bilan.consultants.all()}
        ):
            raise exceptions.PermissionDenied(
                _(
                    "Seuls les administrateurs de l'organisation peuvent changer les "
                    "consultants d'un bilan."
                )
            )
        bilan = services.update_bilan(bilan, actor=self.actor, **serializer.validated_data)
        return self._detail(bilan)

    @action(detail=True, methods=["post"])
    def advance(self, request, *args, **kwargs):
        bilan = services.advance_phase(self.get_object(), actor=self.actor)
        return self._detail(bilan)

    @action(detail=True, methods=["post"])
    def abandon(self, request, *args, **kwargs):
        bilan = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bilan = services.abandon_bilan(bilan, serializer.validated_data["reason"], actor=self.actor)
        return self._detail(bilan)

    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        bilan = services.close_bilan(self.get_object(), actor=self.actor)
        return self._detail(bilan)

    @action(detail=True, methods=["post"], url_path="hours-override")
    def hours_override(self, request, *args, **kwargs):
        bilan = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bilan = services.grant_hours_override(
            bilan, serializer.validated_data["reason"], actor=self.actor
        )
        return self._detail(bilan)


@schema.meeting_docs
class MeetingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    BilanChildViewSet,
):
    model = Meeting
    permission_classes = PERMISSIONS
    lookup_url_kwarg = "meeting_id"
    filterset_class = MeetingFilter
    ordering = ("starts_at", "created_at")
    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": MEMBERS,
        "update": MEMBERS,
        "partial_update": MEMBERS,
        "destroy": MEMBERS,
    }

    def scoped_queryset(self):
        return Meeting.objects.filter(bilan=self.bilan)

    def get_serializer_class(self):
        api = getattr(self, "api", None)
        if api is not None and api.is_beneficiary:
            return BeneficiaryMeetingSerializer
        return MeetingSerializer

    def perform_create(self, serializer):
        serializer.instance = services.log_meeting(
            self.bilan, actor=self.actor, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_meeting(
            serializer.instance, actor=self.actor, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        instance.bilan = self.bilan
        services.delete_meeting(instance, actor=self.actor)


class SynthesisViewSet(BilanChildViewSet):
    """The document de synthèse of one bilan (one per bilan, so no id of its own)."""

    model = Synthesis
    permission_classes = PERMISSIONS
    serializer_class = SynthesisSerializer
    pagination_class = None
    filter_backends: list = []
    roles = {
        "retrieve": ALL_ROLES,
        "update": MEMBERS,
        "partial_update": MEMBERS,
        "pdf": ALL_ROLES,
        "deliver": MEMBERS,
        "comment": {"beneficiary"},
    }

    def scoped_queryset(self):
        return Synthesis.objects.filter(bilan=self.bilan)

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "pdf":
            renderers.append(PDFRenderer())
        return renderers

    def _synthesis(self) -> Synthesis:
        """The synthesis, if this person may read it (rule 4 of the design handbook)."""
        if not rules.test_rule("bilan.read_synthesis", self.actor, self.bilan):
            raise exceptions.PermissionDenied(
                _(
                    "Seuls le bénéficiaire, ses consultants et, si l'organisation l'autorise, "
                    "les administrateurs ont accès à la synthèse."
                )
            )
        if self.api.is_beneficiary:
            synthesis = self.get_queryset().first()
            if synthesis is None or not synthesis.is_delivered:
                raise exceptions.NotFound(_("Votre synthèse n'a pas encore été remise."))
            return synthesis
        return services.get_synthesis(self.bilan)

    def get_object(self) -> Synthesis:
        return self._synthesis()

    def _require_author(self) -> None:
        """Writing and delivering: the bilan's consultants only (reading may be wider)."""
        if not rules.test_rule("bilan.write_synthesis", self.actor, self.bilan):
            raise exceptions.PermissionDenied(
                _("Seuls les consultants du bilan peuvent rédiger ou remettre la synthèse.")
            )

    def _response(self, synthesis: Synthesis, code: int = status.HTTP_200_OK) -> Response:
        synthesis.bilan = self.bilan
        context = {**self.get_serializer_context(), "for_beneficiary": self.api.is_beneficiary}
        return Response(SynthesisSerializer(synthesis, context=context).data, status=code)

    @schema.synthesis_retrieve
    def retrieve(self, request, *args, **kwargs):
        synthesis = self._synthesis()
        services.record_access(synthesis, self.actor, AccessAction.READ, _("API"))
        return self._response(synthesis)

    @schema.synthesis_update
    def update(self, request, *args, **kwargs):
        self._synthesis()
        self._require_author()
        serializer = SynthesisSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        synthesis = services.save_synthesis_draft(
            self.bilan, dict(serializer.validated_data), actor=self.actor
        )
        return self._response(synthesis)

    @schema.synthesis_partial_update
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @schema.synthesis_pdf
    def pdf(self, request, *args, **kwargs):
        synthesis = self._synthesis()
        if not synthesis.is_delivered or not synthesis.pdf:
            raise exceptions.NotFound(_("La synthèse n'a pas encore été remise : pas de PDF."))
        services.record_access(synthesis, self.actor, AccessAction.DOWNLOAD, _("API"))
        return FileResponse(
            synthesis.pdf.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"synthese-{self.bilan.beneficiary.last_name or 'beneficiaire'}.pdf",
        )

    @schema.synthesis_deliver
    def deliver(self, request, *args, **kwargs):
        synthesis = self._synthesis()
        self._require_author()
        serializer = DeliverySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            synthesis = services.deliver_synthesis(
                self.bilan,
                actor=self.actor,
                follow_up_accepted=serializer.validated_data["follow_up_accepted"],
            )
        except services.BilanError as error:
            if synthesis.is_delivered:  # a second delivery: a conflict, with the service's words
                raise Conflict(" ".join(error.messages)) from error
            raise
        return self._response(synthesis)

    @schema.synthesis_comment
    def comment(self, request, *args, **kwargs):
        synthesis = self._synthesis()
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        synthesis = services.set_beneficiary_comment(
            synthesis, serializer.validated_data["comment"], actor=self.actor
        )
        return self._response(synthesis)


@schema.action_docs
class ActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    BilanChildViewSet,
):
    model = Action
    permission_classes = PERMISSIONS
    lookup_url_kwarg = "action_id"
    filterset_class = ActionFilter
    ordering = ("position", "created_at")
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": ALL_ROLES,
        "partial_update": ALL_ROLES,
    }

    def scoped_queryset(self):
        return Action.objects.filter(plan__bilan=self.bilan)

    def get_serializer_class(self):
        api = getattr(self, "api", None)
        if api is not None and api.is_beneficiary:
            if self.action == "create":
                return BeneficiaryActionCreateSerializer
            if self.action == "partial_update":
                return BeneficiaryActionUpdateSerializer
        return ActionSerializer

    def perform_create(self, serializer):
        serializer.instance = services.add_action(
            self.bilan,
            actor=self.actor,
            by_beneficiary=self.api.is_beneficiary,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_action(
            serializer.instance, actor=self.actor, **serializer.validated_data
        )
