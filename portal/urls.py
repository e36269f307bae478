from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("inviter/<uuid:beneficiary_id>/", views.invite, name="invite"),
    path("activer/<str:token>/", views.activate, name="activate"),
    path("bilans/<uuid:bilan_id>/", views.bilan_detail, name="bilan"),
    path("bilans/<uuid:bilan_id>/synthese/", views.synthesis, name="synthesis"),
    path("bilans/<uuid:bilan_id>/synthese/pdf/", views.synthesis_pdf, name="synthesis_pdf"),
    path(
        "bilans/<uuid:bilan_id>/synthese/commentaire/",
        views.synthesis_comment,
        name="synthesis_comment",
    ),
    path(
        "bilans/<uuid:bilan_id>/synthese/partager/", views.synthesis_share, name="synthesis_share"
    ),
    path("partages/<uuid:share_id>/retirer/", views.share_revoke, name="share_revoke"),
    path("partage/<str:token>/", views.shared_synthesis, name="shared_synthesis"),
    path("bilans/<uuid:bilan_id>/plan-d-action/", views.action_plan, name="action_plan"),
    path("actions/<uuid:action_id>/", views.action_edit, name="action_edit"),
    path("mes-donnees/", views.data, name="data"),
    path("mes-donnees/archive.zip", views.data_export, name="data_export"),
]
