"""The OpenAPI documentation of the bilan API: examples, summaries and descriptions (in French,
for the people who read /api/docs/), kept apart so that the viewsets read as code.

Each router viewset gets one `extend_schema_view` decorator (its actions included); the
synthesis routes are mapped by hand in config/api_urls.py, so its methods are decorated one by
one (`extend_schema_view` reaches only the standard and router actions).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view

from api.serializers import ReasonSerializer
from bilan.api.serializers import (
    BilanCreateSerializer,
    BilanDetailSerializer,
    BilanWriteSerializer,
    CommentSerializer,
    DeliverySerializer,
)
from bilan.models import SECTION_FIELDS

# --- Beneficiaries ---------------------------------------------------------------------------

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


beneficiary_docs = extend_schema_view(
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


# --- Bilans ----------------------------------------------------------------------------------

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


bilan_docs = extend_schema_view(
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
    advance=extend_schema(
        summary="Passer à la phase suivante",
        description=(
            "Préliminaire → investigation (les objectifs doivent être renseignés) → conclusion. "
            "La phase de conclusion s'achève par la remise de la synthèse."
        ),
        request=None,
        responses={200: _bilan_response("Le bilan dans sa nouvelle phase")},
    ),
    abandon=extend_schema(
        summary="Abandonner le bilan",
        description="Un bilan en cours seulement, avec le motif.",
        request=ReasonSerializer,
        responses={200: _bilan_response("Le bilan abandonné")},
        examples=[
            OpenApiExample(
                "Motif", value={"reason": "Reprise d'un emploi à temps plein."}, request_only=True
            )
        ],
    ),
    close=extend_schema(
        summary="Clore le bilan",
        description="Après la remise de la synthèse.",
        request=None,
        responses={200: _bilan_response("Le bilan clos")},
    ),
    hours_override=extend_schema(
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
    ),
)


# --- Meetings --------------------------------------------------------------------------------

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


meeting_docs = extend_schema_view(
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


# --- The document de synthèse ----------------------------------------------------------------

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


synthesis_retrieve = extend_schema(
    summary="Lire la synthèse",
    description=(
        "Réservé au bénéficiaire (une fois remise), à ses consultants et aux administrateurs "
        "si l'organisation l'autorise. Chaque lecture est enregistrée."
    ),
    examples=[OpenApiExample("Brouillon", value=SYNTHESIS_EXAMPLE, response_only=True)],
)
synthesis_update = extend_schema(
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
synthesis_partial_update = extend_schema(
    summary="Compléter le brouillon de la synthèse",
    description="Comme PUT : seules les sections envoyées changent.",
    examples=[
        OpenApiExample(
            "Une section", value={"project": SYNTHESIS_EXAMPLE["project"]}, request_only=True
        )
    ],
)
synthesis_pdf = extend_schema(
    summary="Télécharger le PDF remis",
    description="Le PDF archivé à la remise (empreinte SHA-256 dans `pdf_sha256`). "
    "Chaque téléchargement est enregistré.",
    responses={
        (200, "application/pdf"): OpenApiResponse(
            OpenApiTypes.BINARY, description="Le document de synthèse en PDF."
        )
    },
)
synthesis_deliver = extend_schema(
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
synthesis_comment = extend_schema(
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


# --- The action plan -------------------------------------------------------------------------

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


action_docs = extend_schema_view(
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
