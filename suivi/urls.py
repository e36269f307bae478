from django.urls import path

from suivi import views

app_name = "suivi"
# The consultant's pages; the beneficiary's, under the same /suivi/ root, are in portal/urls.py.
urlpatterns = [
    path("creneaux/", views.slots, name="slots"),
    path("creneaux/<uuid:slot_id>/supprimer/", views.slot_delete, name="slot_delete"),
    path("<uuid:followup_id>/", views.followup, name="followup"),
    path("<uuid:followup_id>/inviter/", views.invite, name="invite"),
    path("<uuid:followup_id>/deplacer/", views.move, name="move"),
    path("<uuid:followup_id>/annuler/", views.cancel, name="cancel"),
    path("<uuid:followup_id>/refus/", views.decline_for, name="decline_for"),
    path("<uuid:followup_id>/entretien/", views.interview, name="interview"),
    path("<uuid:followup_id>/agenda.ics", views.consultant_ics, name="consultant_ics"),
    path(
        "<uuid:followup_id>/messages/<uuid:message_id>/renvoyer/",
        views.retry_message,
        name="retry_message",
    ),
]
