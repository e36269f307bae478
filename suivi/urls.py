from django.urls import path

from suivi import views

app_name = "suivi"
urlpatterns = [
    # The consultant's pages.
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
    # The beneficiary's pages (emailed links, then the portal).
    path("lien/<str:token>/", views.link, name="link"),
    path("lien/<str:token>/nouveau/", views.link_renew, name="link_renew"),
    path("mon-suivi/<uuid:followup_id>/", views.portal, name="portal"),
    path("mon-suivi/<uuid:followup_id>/reserver/", views.book, name="book"),
    path("mon-suivi/<uuid:followup_id>/autre-horaire/", views.another_time, name="another_time"),
    path(
        "mon-suivi/<uuid:followup_id>/annuler-rendez-vous/",
        views.cancel_booking,
        name="cancel_booking",
    ),
    path("mon-suivi/<uuid:followup_id>/decliner/", views.decline, name="decline"),
    path("mon-suivi/<uuid:followup_id>/preparation/", views.check_in, name="check_in"),
    path("mon-suivi/<uuid:followup_id>/questionnaire/", views.survey, name="survey"),
    path("mon-suivi/<uuid:followup_id>/agenda.ics", views.portal_ics, name="portal_ics"),
]
