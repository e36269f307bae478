from django.urls import path

from bilan import views

urlpatterns = [
    path("beneficiaires/nouveau/", views.beneficiary_create, name="beneficiary_create"),
    path(
        "beneficiaires/<uuid:beneficiary_id>/", views.beneficiary_detail, name="beneficiary_detail"
    ),
    path(
        "beneficiaires/<uuid:beneficiary_id>/modifier/",
        views.beneficiary_edit,
        name="beneficiary_edit",
    ),
    path(
        "beneficiaires/<uuid:beneficiary_id>/bilans/nouveau/",
        views.bilan_create,
        name="bilan_create",
    ),
    path("bilans/<uuid:bilan_id>/", views.bilan_detail, name="bilan_detail"),
    path("bilans/<uuid:bilan_id>/modifier/", views.bilan_edit, name="bilan_edit"),
    path("bilans/<uuid:bilan_id>/phase-suivante/", views.bilan_advance, name="bilan_advance"),
    path("bilans/<uuid:bilan_id>/abandon/", views.bilan_abandon, name="bilan_abandon"),
    path("bilans/<uuid:bilan_id>/cloture/", views.bilan_close, name="bilan_close"),
    path("bilans/<uuid:bilan_id>/derogation/", views.bilan_override, name="bilan_override"),
    path("bilans/<uuid:bilan_id>/entretiens/nouveau/", views.meeting_create, name="meeting_create"),
    path(
        "bilans/<uuid:bilan_id>/entretiens/<uuid:meeting_id>/modifier/",
        views.meeting_edit,
        name="meeting_edit",
    ),
    path(
        "bilans/<uuid:bilan_id>/entretiens/<uuid:meeting_id>/supprimer/",
        views.meeting_delete,
        name="meeting_delete",
    ),
    path("bilans/<uuid:bilan_id>/synthese/", views.synthesis, name="synthesis"),
    path(
        "bilans/<uuid:bilan_id>/synthese/remise/",
        views.synthesis_deliver,
        name="synthesis_deliver",
    ),
    path("bilans/<uuid:bilan_id>/synthese/pdf/", views.synthesis_pdf, name="synthesis_pdf"),
    path(
        "bilans/<uuid:bilan_id>/synthese/apercu/",
        views.synthesis_preview,
        name="synthesis_preview",
    ),
    path("bilans/<uuid:bilan_id>/actions/nouvelle/", views.action_create, name="action_create"),
    path(
        "bilans/<uuid:bilan_id>/actions/<uuid:action_id>/modifier/",
        views.action_edit,
        name="action_edit",
    ),
]
