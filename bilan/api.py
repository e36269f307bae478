"""REST API v1 for the bilan: beneficiaries, bilans, meetings, the synthesis and the action plan.

Thin: the viewsets check who may do what (the same rules as the dashboard and the portal) and
call bilan.services; the serializers only shape and type the data. The organisation scope is
owned by api.viewsets.ScopedViewSet.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
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

from accounts.models import User
from api.exceptions import Conflict
from api.filters import IsoDateTimeFilter
from api.permissions import ADMINS, ALL_ROLES, MEMBERS, RolePermission
from api.serializers import ReasonSerializer, StrictModelSerializer, StrictSerializer
from api.viewsets import ApiContext, BilanChildViewSet, ScopedViewSet
from bilan import services
from bilan.models import (
    BENEFICIARY_FIELDS,
    SECTION_FIELDS,
    AccessAction,
    Action,
    ActionStatus,
    Beneficiary,
    Bilan,
    BilanStatus,
    EmploymentStatus,
    Funding,
    Meeting,
    MeetingMode,
    Phase,
    Synthesis,
)
from core.tenancy import require_organisation

PERMISSIONS = [IsAuthenticated, RolePermission]


def visible_bilans(api: ApiContext, user: User) -> QuerySet[Bilan]:
    """The bilans this person may see: a beneficiary their own, a member `bilans_for`."""
    if api.is_beneficiary:
        return Bilan.objects.filter(beneficiary=api.beneficiary)
    return services.bilans_for(user)


def visible_beneficiaries(api: ApiContext, user: User) -> QuerySet[Beneficiary]:
    if api.is_beneficiary:
        return Beneficiary.objects.filter(pk=api.beneficiary.pk)
    return services.beneficiaries_for(user)


def _search(qs: QuerySet, value: str, prefix: str = "") -> QuerySet:
    """The dashboard's search: the email, or each word in the first or last name."""
    value = value.strip()
    if not value:
        return qs
    condition = Q(**{f"{prefix}email__icontains": value})
    for word in value.split():
        condition |= Q(**{f"{prefix}last_name__icontains": word}) | Q(
            **{f"{prefix}first_name__icontains": word}
        )
    return qs.filter(condition)


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


BENEFICIARY_EXAMPLE = {
    "id": "5f0c8a51-3d7e-4f0e-9b1c-2a4d6e8f0a12",
    "first_name": "Léa",
    "last_name": "Dubois",
    "email": "lea.dubois@example.fr",
    "phone": "06 12 34 56 78",
    "employment_status": "cdi",
    "current_job": "Assistante de gestion",
    "consent_given_on": "2026-11-02",
    "consent_method": "signed",
    "keeps_documents_for_follow_up": True,
    "has_portal_account": False,
    "created_at": "2026-11-02T10:15:00+01:00",
}
BENEFICIARY_INPUT = {
    k: v
    for k, v in BENEFICIARY_EXAMPLE.items()
    if k not in ("id", "created_at", "has_portal_account")
}


class BeneficiaryFilter(filters.FilterSet):
    search = filters.CharFilter(
        method="filter_search", label=gettext_lazy("Nom, prénom ou adresse e-mail")
    )
    employment_status = filters.ChoiceFilter(choices=EmploymentStatus.choices)

    class Meta:
        model = Beneficiary
        fields = ["search", "employment_status"]

    def filter_search(self, qs, name, value):
        return _search(qs, value)


@extend_schema_view(
    list=extend_schema(
        summary="Lister les bénéficiaires",
        description=(
            "Les bénéficiaires de l'organisation : tous pour un administrateur ; pour un "
            "consultant, ceux de ses bilans et ceux qu'il a enregistrés ; pour un bénéficiaire, "
            "lui-même. Recherche par nom ou adresse, filtre par situation professionnelle."
        ),
        examples=[OpenApiExample("Une page", value=BENEFICIARY_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Lire un bénéficiaire",
        description="Un bénéficiaire visible de vous ; sinon 404.",
        examples=[OpenApiExample("Bénéficiaire", value=BENEFICIARY_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Enregistrer un bénéficiaire",
        description=(
            "Administrateurs et consultants. Le consentement au bilan (date et forme) est "
            "obligatoire (L6313-4). Une adresse déjà enregistrée dans l'organisation est refusée "
            "avec le nom de la personne existante."
        ),
        examples=[
            OpenApiExample("Nouveau bénéficiaire", value=BENEFICIARY_INPUT, request_only=True),
            OpenApiExample("Créé", value=BENEFICIARY_EXAMPLE, response_only=True),
        ],
    ),
    update=extend_schema(
        summary="Remplacer les informations d'un bénéficiaire",
        description="Administrateurs et consultants qui le suivent. Tous les champs requis.",
        examples=[OpenApiExample("Correction", value=BENEFICIARY_INPUT, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Corriger un bénéficiaire",
        description="Administrateurs et consultants qui le suivent. Seuls les champs envoyés.",
        examples=[
            OpenApiExample(
                "Nouveau téléphone", value={"phone": "07 98 76 54 32"}, request_only=True
            )
        ],
    ),
    destroy=extend_schema(
        summary="Supprimer un bénéficiaire",
        description=(
            "Administrateurs seulement, et seulement sans bilan (sinon 409 : les bilans restent "
            "soumis aux règles de conservation)."
        ),
    ),
)
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
        return visible_beneficiaries(self.api, self.actor).order_by("-created_at")

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
            fields["beneficiary"].queryset = visible_beneficiaries(view.api, view.actor)
        return fields


class BilanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=[("open", gettext_lazy("En cours (les trois phases)")), *BilanStatus.choices],
        method="filter_status",
        label=gettext_lazy("État ou phase ; « open » pour les bilans en cours"),
    )
    funding = filters.ChoiceFilter(choices=Funding.choices)
    search = filters.CharFilter(
        method="filter_search", label=gettext_lazy("Nom, prénom ou adresse du bénéficiaire")
    )
    beneficiary = filters.UUIDFilter(field_name="beneficiary_id")
    started_after = filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Bilan
        fields = ["status", "funding", "search", "beneficiary", "started_after", "started_before"]

    def filter_status(self, qs, name, value):
        if value == "open":
            return qs.filter(
                status__in=[
                    BilanStatus.PRELIMINARY,
                    BilanStatus.INVESTIGATION,
                    BilanStatus.CONCLUSION,
                ]
            )
        return qs.filter(status=value)

    def filter_search(self, qs, name, value):
        return _search(qs, value, prefix="beneficiary__")


BILAN_EXAMPLE = {
    "id": "0b6f2d1e-8c4a-4e57-a2b9-7f3c5d1e9a40",
    "beneficiary": "5f0c8a51-3d7e-4f0e-9b1c-2a4d6e8f0a12",
    "beneficiary_name": "Léa Dubois",
    "consultants": ["consultant@cap-avenir.test"],
    "status": "investigation",
    "funding": "cpf",
    "cpf_dossier_number": "CPF-2026-123456",
    "cpf_registered_on": "2026-10-20",
    "goals": "Valider un projet de reconversion dans la logistique\nIdentifier une formation",
    "planned_hours": 24.0,
    "started_on": "2026-11-02",
    "ended_on": None,
    "abandon_reason": "",
    "hours_override_reason": "",
    "created_at": "2026-11-02T10:20:00+01:00",
    "updated_at": "2026-11-16T17:05:00+01:00",
}
BILAN_DETAIL_EXAMPLE = {
    **BILAN_EXAMPLE,
    "ledger": {
        "by_phase": {"preliminary": 3.0, "investigation": 6.5, "conclusion": 0.0},
        "total": 9.5,
        "planned": 24.0,
        "minimum": 13.0,
        "maximum": 24.0,
        "remaining": 14.5,
        "warnings": [],
    },
}
BILAN_INPUT = {
    "beneficiary": "5f0c8a51-3d7e-4f0e-9b1c-2a4d6e8f0a12",
    "consultants": ["consultant@cap-avenir.test"],
    "funding": "cpf",
    "cpf_dossier_number": "CPF-2026-123456",
    "cpf_registered_on": "2026-10-20",
    "goals": "Valider un projet de reconversion dans la logistique",
    "planned_hours": 24,
    "started_on": "2026-11-02",
}


def _bilan_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(
        BilanDetailSerializer,
        description=description,
        examples=[OpenApiExample("Bilan", value=BILAN_DETAIL_EXAMPLE, response_only=True)],
    )


@extend_schema_view(
    list=extend_schema(
        summary="Lister les bilans",
        description=(
            "Le portefeuille : tous les bilans de l'organisation pour un administrateur, les "
            "siens pour un consultant, ses propres bilans pour un bénéficiaire. Filtres : état "
            "(`open` pour les trois phases en cours), financement, recherche, bénéficiaire, "
            "dates de début. Les plus récents d'abord, pagination par curseur."
        ),
        examples=[OpenApiExample("Un bilan", value=BILAN_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Lire un bilan",
        description="Le bilan avec son compteur d'heures par phase et ses alertes (24 h au plus).",
        responses={200: _bilan_response("Le bilan")},
    ),
    create=extend_schema(
        summary="Ouvrir un bilan",
        description=(
            "Ouvre un bilan en phase préliminaire pour un bénéficiaire visible de vous. Les "
            "consultants sont nommés par leur adresse et doivent être membres de l'organisation."
        ),
        request=BilanCreateSerializer,
        responses={201: _bilan_response("Le bilan ouvert")},
        examples=[OpenApiExample("Ouverture", value=BILAN_INPUT, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Modifier un bilan",
        description=(
            "Ce qui a été convenu : financement, objectifs, heures prévues, date de début, "
            "consultants. Refusé pour un bilan clos ou abandonné. Seuls les administrateurs "
            "changent les consultants (403 pour un consultant)."
        ),
        request=BilanWriteSerializer,
        responses={200: _bilan_response("Le bilan modifié")},
        examples=[
            OpenApiExample(
                "Objectifs convenus",
                value={"goals": "Valider un projet dans la logistique\nTrouver une formation"},
                request_only=True,
            )
        ],
    ),
)
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
            visible_bilans(self.api, self.actor)
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
        # DESIGN §4: the admin assigns and reassigns; resending the same list is no change.
        if (
            consultants is not None
            and not self.api.is_admin
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

    @extend_schema(
        summary="Passer à la phase suivante",
        description=(
            "Préliminaire → investigation (les objectifs doivent être renseignés) → conclusion. "
            "La phase de conclusion s'achève par la remise de la synthèse."
        ),
        request=None,
        responses={200: _bilan_response("Le bilan dans sa nouvelle phase")},
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, *args, **kwargs):
        bilan = services.advance_phase(self.get_object(), actor=self.actor)
        return self._detail(bilan)

    @extend_schema(
        summary="Abandonner le bilan",
        description="Un bilan en cours seulement, avec le motif.",
        request=ReasonSerializer,
        responses={200: _bilan_response("Le bilan abandonné")},
        examples=[
            OpenApiExample(
                "Motif", value={"reason": "Reprise d'un emploi à temps plein."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def abandon(self, request, *args, **kwargs):
        bilan = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bilan = services.abandon_bilan(bilan, serializer.validated_data["reason"], actor=self.actor)
        return self._detail(bilan)

    @extend_schema(
        summary="Clore le bilan",
        description="Après la remise de la synthèse.",
        request=None,
        responses={200: _bilan_response("Le bilan clos")},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        bilan = services.close_bilan(self.get_object(), actor=self.actor)
        return self._detail(bilan)

    @extend_schema(
        summary="Accorder une dérogation au plafond de 24 heures",
        description="Administrateurs seulement, avec un motif.",
        request=ReasonSerializer,
        responses={200: _bilan_response("Le bilan avec sa dérogation")},
        examples=[
            OpenApiExample(
                "Motif",
                value={
                    "reason": "Situation de handicap : entretiens plus courts et plus nombreux."
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="hours-override")
    def hours_override(self, request, *args, **kwargs):
        bilan = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bilan = services.grant_hours_override(
            bilan, serializer.validated_data["reason"], actor=self.actor
        )
        return self._detail(bilan)


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


class MeetingFilter(filters.FilterSet):
    phase = filters.ChoiceFilter(choices=Phase.choices)
    mode = filters.ChoiceFilter(choices=MeetingMode.choices)
    after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Meeting
        fields = ["phase", "mode", "after", "before"]


MEETING_EXAMPLE = {
    "id": "c1d2e3f4-0a1b-4c2d-8e3f-405162738495",
    "phase": "investigation",
    "starts_at": "2026-11-26T14:30:00+01:00",
    "duration_minutes": 90,
    "mode": "in_person",
    "is_accompaniment": True,
    "notes": "Passation des tests d'intérêts ; restitution la prochaine fois.",
    "hours": 1.5,
    "created_at": "2026-11-26T16:10:00+01:00",
}
MEETING_INPUT = {k: v for k, v in MEETING_EXAMPLE.items() if k not in ("id", "hours", "created_at")}


@extend_schema_view(
    list=extend_schema(
        summary="Lister les entretiens d'un bilan",
        description=(
            "Par ordre chronologique. Le bénéficiaire voit ses entretiens sans les notes de "
            "travail du consultant."
        ),
        examples=[OpenApiExample("Entretien", value=MEETING_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Lire un entretien",
        description="Un entretien du bilan.",
        examples=[OpenApiExample("Entretien", value=MEETING_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Noter un entretien",
        description=(
            "Compté dans le plafond de 24 heures s'il s'agit d'accompagnement : un entretien qui "
            "le dépasserait est refusé (sauf dérogation). Pas avant le début du bilan, pas dans "
            "une phase que le bilan n'a pas atteinte."
        ),
        examples=[
            OpenApiExample("Entretien", value=MEETING_INPUT, request_only=True),
            OpenApiExample(
                "Plafond dépassé",
                value={
                    "detail": "duration_minutes : Cet entretien porterait l'accompagnement à "
                    "25.0 h : le plafond est de 24 heures. Un administrateur peut accorder une "
                    "dérogation motivée.",
                    "code": "invalid",
                    "errors": {
                        "duration_minutes": [
                            "Cet entretien porterait l'accompagnement à 25.0 h : le plafond est de "
                            "24 heures. Un administrateur peut accorder une dérogation motivée."
                        ]
                    },
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Corriger un entretien",
        description="Mêmes règles qu'à la création.",
        examples=[OpenApiExample("Durée", value={"duration_minutes": 120}, request_only=True)],
    ),
    update=extend_schema(
        summary="Remplacer un entretien",
        description="Tous les champs requis ; mêmes règles qu'à la création.",
        examples=[OpenApiExample("Entretien", value=MEETING_INPUT, request_only=True)],
    ),
    destroy=extend_schema(
        summary="Supprimer un entretien",
        description="Seulement tant que le bilan est en cours.",
    ),
)
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


SYNTHESIS_EXAMPLE = {
    "request_context": "Mme Dubois souhaite quitter la gestion administrative…",
    "path_followed": "Six entretiens, deux questionnaires d'intérêts, une enquête métier.",
    "competences": "Organisation, relation client, maîtrise des outils bureautiques.",
    "project": "Coordinatrice logistique ; alternative : gestionnaire de stocks.",
    "success_conditions": "Titre professionnel TP TSMEL, financé par le CPF.",
    "implementation_steps": "Inscription en février, stage en mai, recherche d'emploi en juin.",
    "follow_up_offer": "Entretien de suivi à six mois, en présentiel ou en visio.",
    "version": 4,
    "beneficiary_comment": "",
    "delivered_at": None,
    "follow_up_accepted": None,
    "pdf_sha256": "",
    "pdf_url": None,
    "delivery_warnings": [],
    "updated_at": "2026-11-20T11:00:00+01:00",
}


class SynthesisViewSet(ScopedViewSet):
    """The document de synthèse of one bilan (one per bilan)."""

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

    # BilanChildViewSet's resolution, inlined: the synthesis has no id of its own.
    bilan: Bilan

    def scoped_queryset(self):
        return Synthesis.objects.filter(bilan=self.bilan)

    def resolve_parents(self) -> None:
        from django.shortcuts import get_object_or_404

        self.bilan = get_object_or_404(
            visible_bilans(self.api, self.actor).select_related("beneficiary", "organisation"),
            pk=self.kwargs["bilan_id"],
        )

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "pdf":
            from api.renderers import PDFRenderer

            renderers.append(PDFRenderer())
        return renderers

    def _synthesis(self, *, readable: bool = True) -> Synthesis:
        """The synthesis, if this person may read it (rule 4 of the design handbook)."""
        if not services.can_read_synthesis(self.actor, self.bilan):
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
        if not self.bilan.consultants.filter(pk=self.actor.pk).exists():
            raise exceptions.PermissionDenied(
                _("Seuls les consultants du bilan peuvent rédiger ou remettre la synthèse.")
            )

    def _response(self, synthesis: Synthesis, code: int = status.HTTP_200_OK) -> Response:
        synthesis.bilan = self.bilan
        context = {**self.get_serializer_context(), "for_beneficiary": self.api.is_beneficiary}
        return Response(SynthesisSerializer(synthesis, context=context).data, status=code)

    @extend_schema(
        summary="Lire la synthèse",
        description=(
            "Réservé au bénéficiaire (une fois remise), à ses consultants et aux administrateurs "
            "si l'organisation l'autorise. Chaque lecture est enregistrée."
        ),
        examples=[OpenApiExample("Brouillon", value=SYNTHESIS_EXAMPLE, response_only=True)],
    )
    def retrieve(self, request, *args, **kwargs):
        synthesis = self._synthesis()
        services.record_access(synthesis, self.actor, AccessAction.READ, _("API"))
        return self._response(synthesis)

    @extend_schema(
        summary="Enregistrer le brouillon de la synthèse",
        description=(
            "Les sections envoyées remplacent les précédentes ; une nouvelle version est "
            "conservée dans l'historique. Pendant les phases d'investigation et de conclusion, "
            "et jamais après la remise. Réservé aux consultants du bilan."
        ),
        examples=[
            OpenApiExample(
                "Sections",
                value={k: SYNTHESIS_EXAMPLE[k] for k in SECTION_FIELDS},
                request_only=True,
            )
        ],
    )
    def update(self, request, *args, **kwargs):
        self._synthesis()
        self._require_author()
        serializer = SynthesisSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        synthesis = services.save_synthesis_draft(
            self.bilan, dict(serializer.validated_data), actor=self.actor
        )
        return self._response(synthesis)

    @extend_schema(
        summary="Compléter le brouillon de la synthèse",
        description="Comme PUT : seules les sections envoyées changent.",
        examples=[
            OpenApiExample(
                "Une section", value={"project": SYNTHESIS_EXAMPLE["project"]}, request_only=True
            )
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(
        summary="Télécharger le PDF remis",
        description="Le PDF archivé à la remise (empreinte SHA-256 dans `pdf_sha256`). "
        "Chaque téléchargement est enregistré.",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Le document de synthèse en PDF."
            )
        },
    )
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

    @extend_schema(
        summary="Remettre la synthèse",
        description=(
            "Fige la synthèse, produit et archive son PDF, passe le bilan à « synthèse remise » "
            "et planifie l'entretien de suivi si le bénéficiaire l'accepte. Une seule fois : "
            "une deuxième remise répond 409. Réservé aux consultants du bilan."
        ),
        request=DeliverySerializer,
        examples=[
            OpenApiExample("Suivi accepté", value={"follow_up_accepted": True}, request_only=True),
            OpenApiExample(
                "Déjà remise",
                value={
                    "detail": "La synthèse a déjà été remise le 26/11/2026.",
                    "code": "conflict",
                    "errors": {},
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
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

    @extend_schema(
        summary="Commenter sa synthèse (bénéficiaire)",
        description="Le commentaire du bénéficiaire sur sa synthèse remise (il remplace l'ancien).",
        request=CommentSerializer,
        examples=[
            OpenApiExample(
                "Commentaire",
                value={"comment": "Merci : je commence la formation en février."},
                request_only=True,
            )
        ],
    )
    def comment(self, request, *args, **kwargs):
        synthesis = self._synthesis()
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        synthesis = services.set_beneficiary_comment(
            synthesis, serializer.validated_data["comment"], actor=self.actor
        )
        return self._response(synthesis)


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


class ActionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ActionStatus.choices)

    class Meta:
        model = Action
        fields = ["status"]


ACTION_EXAMPLE = {
    "id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
    "title": "S'inscrire au titre professionnel TSMEL",
    "description": "Session de février à l'AFPA de Lyon.",
    "target_date": "2027-01-31",
    "status": "in_progress",
    "resources": "Conseillère CEP ; Mon Compte Formation.",
    "obstacles": "Garde des enfants le mercredi.",
    "notes": "Dossier envoyé le 10/12.",
    "added_by_beneficiary": False,
    "position": 0,
    "created_at": "2026-11-26T15:00:00+01:00",
    "updated_at": "2026-12-10T09:00:00+01:00",
}


@extend_schema_view(
    list=extend_schema(
        summary="Lister les actions du plan d'action",
        description="Dans l'ordre du plan. Filtre par état.",
        examples=[OpenApiExample("Action", value=ACTION_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Lire une action",
        description="Une action du plan.",
        examples=[OpenApiExample("Action", value=ACTION_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Ajouter une action",
        description=(
            "Consultants et administrateurs, en phase de conclusion ou après. Le bénéficiaire "
            "ajoute ses propres actions (titre, description, échéance, notes)."
        ),
        examples=[
            OpenApiExample(
                "Action",
                value={
                    "title": ACTION_EXAMPLE["title"],
                    "description": ACTION_EXAMPLE["description"],
                    "target_date": ACTION_EXAMPLE["target_date"],
                    "resources": ACTION_EXAMPLE["resources"],
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Mettre à jour une action",
        description=(
            "Le bénéficiaire ne change que l'état et ses notes ; les consultants tout le reste."
        ),
        examples=[
            OpenApiExample(
                "Avancement",
                value={"status": "done", "notes": "Inscription confirmée."},
                request_only=True,
            )
        ],
    ),
)
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
