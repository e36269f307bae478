"""Every page a beneficiary sees, in one namespace (`portal:`). Two roots: their account pages
under /mon-espace/, and the follow-up pages under /suivi/, whose paths never change: emails
already sent carry /suivi/lien/<token>/ links, and /suivi/mon-suivi/<id>/ pages are bookmarked.
suivi's emails name the link page by its URL name, `portal:followup_link` (suivi may not import
portal; tests/portal/test_followup.py checks the name resolves to that path)."""

from django.urls import include, path

from portal.views import account, action_plan, data, followup, synthesis

app_name = "portal"

account_patterns = [
    path("", account.home, name="home"),
    path("inviter/<uuid:beneficiary_id>/", account.invite, name="invite"),
    path("activer/<str:token>/", account.activate, name="activate"),
    path("bilans/<uuid:bilan_id>/", account.bilan_detail, name="bilan"),
    path("bilans/<uuid:bilan_id>/synthese/", synthesis.synthesis, name="synthesis"),
    path("bilans/<uuid:bilan_id>/synthese/pdf/", synthesis.synthesis_pdf, name="synthesis_pdf"),
    path(
        "bilans/<uuid:bilan_id>/synthese/commentaire/",
        synthesis.synthesis_comment,
        name="synthesis_comment",
    ),
    path(
        "bilans/<uuid:bilan_id>/synthese/partager/",
        synthesis.synthesis_share,
        name="synthesis_share",
    ),
    path("partages/<uuid:share_id>/retirer/", synthesis.share_revoke, name="share_revoke"),
    path("partage/<str:token>/", synthesis.shared_synthesis, name="shared_synthesis"),
    path("bilans/<uuid:bilan_id>/plan-d-action/", action_plan.action_plan, name="action_plan"),
    path("actions/<uuid:action_id>/", action_plan.action_edit, name="action_edit"),
    path("mes-donnees/", data.data, name="data"),
    path("mes-donnees/archive.zip", data.data_export, name="data_export"),
]

followup_patterns = [
    path("lien/<str:token>/", followup.link, name="followup_link"),
    path("lien/<str:token>/nouveau/", followup.link_renew, name="followup_link_renew"),
    path("mon-suivi/<uuid:followup_id>/", followup.home, name="followup"),
    path("mon-suivi/<uuid:followup_id>/reserver/", followup.book, name="followup_book"),
    path(
        "mon-suivi/<uuid:followup_id>/autre-horaire/",
        followup.another_time,
        name="followup_another_time",
    ),
    path(
        "mon-suivi/<uuid:followup_id>/annuler-rendez-vous/",
        followup.cancel_booking,
        name="followup_cancel_booking",
    ),
    path("mon-suivi/<uuid:followup_id>/decliner/", followup.decline, name="followup_decline"),
    path("mon-suivi/<uuid:followup_id>/preparation/", followup.check_in, name="followup_check_in"),
    path("mon-suivi/<uuid:followup_id>/questionnaire/", followup.survey, name="followup_survey"),
    path("mon-suivi/<uuid:followup_id>/agenda.ics", followup.calendar, name="followup_calendar"),
]

urlpatterns = [
    path("mon-espace/", include(account_patterns)),
    path("suivi/", include(followup_patterns)),
]
