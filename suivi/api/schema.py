"""The OpenAPI documentation of the follow-up endpoints: summaries, descriptions (in French,
for the people who integrate the API) and examples, attached to the viewset in one decorator."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from api.serializers import ReasonSerializer
from suivi.api.serializers import (
    FollowUpSerializer,
    InterviewSerializer,
    MoveSerializer,
    OptionalReasonSerializer,
)

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


followup_schema = extend_schema_view(
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
    invite=extend_schema(
        summary="Envoyer l'invitation maintenant",
        description="Plutôt qu'à sa date : l'invitation part une seule fois.",
        request=None,
        responses={200: _followup_response("Le suivi, invité")},
    ),
    move=extend_schema(
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
    ),
    cancel=extend_schema(
        summary="Annuler le suivi",
        description="Avec un motif ; un rendez-vous pris est annulé et le bénéficiaire prévenu.",
        request=ReasonSerializer,
        responses={200: _followup_response("Le suivi annulé")},
        examples=[
            OpenApiExample(
                "Motif", value={"reason": "Bénéficiaire injoignable."}, request_only=True
            )
        ],
    ),
    decline=extend_schema(
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
    ),
    interview=[
        extend_schema(
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
        ),
        extend_schema(
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
        ),
    ],
)
